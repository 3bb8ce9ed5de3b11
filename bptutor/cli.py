"""The command line: thin typer commands over the library, nothing else."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import typer

from bptutor import __version__
from bptutor.errors import BptutorError

app = typer.Typer(
    name="bptutor",
    help="A tutor for backpropagation: works an exercise step by step, as an exam sheet does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    rich = "rich"
    json = "json"
    markdown = "markdown"


class Notation(str, Enum):
    activation = "activation"
    delta = "delta"


class Only(str, Enum):
    forward = "forward"
    backward = "backward"
    update = "update"


@contextmanager
def user_errors():
    """Bad input ends in ``path:line:col: error: …`` on stderr and exit code 2."""
    try:
        yield
    except BptutorError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        print(f"bptutor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """A tutor for backpropagation: works an exercise step by step, as an exam sheet does."""


ProblemArg = Annotated[str, typer.Argument(
    help="A problem file, or the name of a bundled problem (e.g. tanh-chain).",
    show_default=False)]
RoundOpt = Annotated[int | None, typer.Option(
    "--round", min=0, max=12, help="Round to N decimals after every step (overrides the file).",
    show_default=False)]
ExactOpt = Annotated[bool, typer.Option("--exact", help="No rounding anywhere.")]
NotationOpt = Annotated[Notation | None, typer.Option(
    help="activation: dE/d(neuron) with σ′ inline; delta: δ = dE/dz. Overrides the file.",
    show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OnlyOpt = Annotated[Only | None, typer.Option(
    help="Show one pass only (forward includes the loss).", show_default=False)]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours (as NO_COLOR=1 does).")]


@app.command(epilog="Examples:  bptutor solve tanh-chain   ·   "
                    "bptutor solve my.yaml --round 3 --only backward   ·   "
                    "bptutor solve xor -f json")
def solve(
    problem: ProblemArg,
    fmt: FormatOpt = Format.rich,
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    only: OnlyOpt = None,
    no_color: NoColorOpt = False,
    step: Annotated[bool, typer.Option(
        "--step", help="One step per Enter, like turning slides; q quits.")] = False,
) -> None:
    """Work the exercise: forward pass, loss, backward pass and update, each step as its
    formula, the numbers substituted, and the value."""
    from bptutor.problem import load
    from bptutor.worksheet import solve as solve_sheet

    if exact and round_ is not None:
        raise typer.BadParameter("give --round N or --exact, not both")
    if step and fmt is not Format.rich:
        raise typer.BadParameter("--step shows the terminal view; leave out --format")
    with user_errors():
        network = load(problem)
        digits = None if exact else (round_ if round_ is not None else "file")
        sheet = solve_sheet(network, digits, notation.value if notation else None)
    only_name = only.value if only else None
    if fmt is Format.json:
        from bptutor.render import json_view

        print(json_view.render(sheet, only_name))
    elif fmt is Format.markdown:
        from bptutor.render import markdown_view

        sys.stdout.write(markdown_view.render(sheet, only_name))
    else:
        from bptutor.render import rich_view

        if step:
            rich_view.render_stepwise(sheet, _console(no_color), only_name, _read_line)
        else:
            rich_view.render(sheet, _console(no_color), only_name)


def _read_line() -> str | None:
    """A line from standard input, or None at its end (Ctrl-D, or a pipe run dry)."""
    try:
        line = sys.stdin.readline()
    except KeyboardInterrupt:
        return None
    return line if line else None


class ListFormat(str, Enum):
    rich = "rich"
    json = "json"


class CheckFormat(str, Enum):
    rich = "rich"
    json = "json"
    gradescope = "gradescope"


class Reveal(str, Enum):
    verdict = "verdict"
    diagnosis = "diagnosis"
    answer = "answer"


def _console(no_color: bool):
    from rich.console import Console

    return Console(no_color=no_color or bool(os.environ.get("NO_COLOR")) or None, highlight=False,
                   emoji=False)


def _refuse_overwrite(path: str, force: bool) -> None:
    if os.path.exists(path) and not force:
        raise BptutorError(path, None, "the file exists; bptutor never overwrites a file",
                           "choose another name, or add --force to replace it")


@app.command(epilog="Examples:  bptutor template tanh-chain -o answers.yaml   ·   "
                    "bptutor template my.yaml --only backward")
def template(
    problem: ProblemArg,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write to this file (default: print).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    only: OnlyOpt = None,
    notation: NotationOpt = None,
) -> None:
    """An empty answers file: every step's key in order, its formula as a comment."""
    from pathlib import Path

    from bptutor import answers
    from bptutor.problem import bundled_dir, load, locate
    from bptutor.worksheet import solve as solve_sheet

    with user_errors():
        path = locate(problem)
        sheet = solve_sheet(load(problem), "file", notation.value if notation else None)
        bundled = path.resolve().parent == bundled_dir().resolve() and not Path(problem).exists()
        ref = answers.relative_problem(str(path), output, bundled)
        text = answers.template(sheet, ref, only.value if only else None)
        if output is None:
            sys.stdout.write(text)
            return
        _refuse_overwrite(output, force)
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise BptutorError(output, None, f"cannot write the file: {exc.strerror}") from None
    print(f"wrote {output}: fill in the values, then run 'bptutor check {output}'",
          file=sys.stderr)


@app.command(epilog="Examples:  bptutor check answers.yaml   ·   "
                    "bptutor check class/*.yaml --csv grades.csv   ·   "
                    "bptutor check a.yaml --reveal diagnosis -f json")
def check(
    files: Annotated[list[str], typer.Argument(help="One or more answers files.",
                                               show_default=False)],
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] =
    CheckFormat.rich,
    reveal: Annotated[Reveal, typer.Option(
        help="How much to show: verdicts only, plus diagnoses, or plus the right answers.")] =
    Reveal.answer,
    only: OnlyOpt = None,
    csv_path: Annotated[str | None, typer.Option(
        "--csv", help="Also write a gradebook (one row per file).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --csv file.")] = False,
    no_color: NoColorOpt = False,
) -> None:
    """Mark answers files: correct, accepted (rounding path), follow-through, wrong (with a
    diagnosis), missing, invalid, unknown. Exit 0 when every answer is right, 1 otherwise."""
    import json

    from bptutor import answers
    from bptutor.grading import Grader
    from bptutor.problem import load
    from bptutor.render import check_view
    from bptutor.worksheet import solve as solve_sheet

    if fmt is CheckFormat.gradescope and len(files) != 1:
        raise typer.BadParameter("--format gradescope grades one answers file at a time")
    if csv_path:
        with user_errors():
            _refuse_overwrite(csv_path, force)
    graders: dict[str, Grader] = {}
    reports, failed = [], False
    console = _console(no_color)
    for name in files:
        try:
            sheet_answers = answers.load(name)
            key = sheet_answers.problem
            if key not in graders:
                try:
                    graders[key] = Grader(solve_sheet(load(key)))
                except BptutorError as exc:
                    if exc.path == key and "no such file" in exc.message:
                        raise BptutorError(name, sheet_answers.problem_mark,
                                           f"problem {key!r}: {exc.message}", exc.hint) from None
                    raise
            report = graders[key].grade(sheet_answers, only.value if only else None)
        except BptutorError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        reports.append(report)
        if fmt is CheckFormat.rich:
            check_view.print_report(console, report, reveal.value)
    if fmt is CheckFormat.json:
        print(json.dumps(check_view.json_doc(reports), indent=2, ensure_ascii=False))
    elif fmt is CheckFormat.gradescope and reports:
        print(json.dumps(check_view.gradescope_doc(reports[0]), indent=2, ensure_ascii=False))
    elif len(reports) > 1:
        check_view.print_summary(console, reports)
    if csv_path:
        with open(csv_path, "w", encoding="utf-8", newline="") as out:
            out.write(check_view.gradebook_csv(reports))
    if failed:
        raise typer.Exit(2)
    if not all(r.all_right for r in reports):
        raise typer.Exit(1)


@app.command("list", epilog="Examples:  bptutor list   ·   bptutor list -f json   ·   "
                            "then: bptutor solve xor")
def list_problems(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] =
    ListFormat.rich,
    no_color: NoColorOpt = False,
) -> None:
    """The bundled problems, with title and source; run any of them by name."""
    import json

    from bptutor.problem import catalogue

    with user_errors():
        rows = catalogue()
    if fmt is ListFormat.json:
        print(json.dumps([{"name": n, "title": t, "source": s} for n, t, s in rows], indent=2,
                         ensure_ascii=False))
        return
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("title and source")
    for name, title, source in rows:
        table.add_row(name, Group(Text(title), Text(source, style="dim", no_wrap=True,
                                                    overflow="ellipsis")))
    _console(no_color).print(table)
    print("Run one by name: bptutor solve NAME · full sources: bptutor list -f json",
          file=sys.stderr)


class Method(str, Enum):
    central = "central"
    forward = "forward"


@app.command(epilog="Examples:  bptutor gradcheck tanh-chain   ·   "
                    "bptutor gradcheck tanh-chain --method forward --weight u3 --h 1e-4   ·   "
                    "bptutor gradcheck --answers ada.yaml   ·   "
                    "bptutor gradcheck   (every bundled problem)")
def gradcheck(
    problem: Annotated[str | None, typer.Argument(
        help="A problem file or bundled name; leave out to check every bundled problem.",
        show_default=False)] = None,
    eps: Annotated[float, typer.Option(
        "--eps", "--h", min=1e-12, max=1.0,
        help="Finite-difference step (ε for central, h for forward differences).")] = 1e-6,
    method: Annotated[Method, typer.Option(help="central: (E(w+ε) − E(w−ε)) / 2ε; "
                                                "forward: (E(w+h) − E(w)) / h, as the lecture "
                                                "does.")] = Method.central,
    weights: Annotated[list[str] | None, typer.Option(
        "--weight", "-w", help="Check only this weight or bias (repeatable).",
        show_default=False)] = None,
    answers_path: Annotated[str | None, typer.Option(
        "--answers", help="Check the gradients written in this answers file instead.",
        show_default=False)] = None,
    fmt: FormatOpt = Format.rich,
    no_color: NoColorOpt = False,
) -> None:
    """Exact analytic gradients against finite differences (float64). Verdicts by relative
    error |a − n| / max(|a|, |n|, 1e-12): ≤ 1e-7 good, ≤ 1e-4 acceptable, > 1e-2 wrong,
    in between suspicious. Exit 1 when a gradient fails."""
    import json

    from bptutor import gradcheck as checks
    from bptutor.problem import bundled_names, load
    from bptutor.render import gradcheck_view as view

    console = _console(no_color)
    with user_errors():
        if answers_path is not None:
            from bptutor import answers

            written = answers.load(answers_path)
            report = checks.check_answers(load(written.problem), {
                key: a.value for key, a in written.answers.items() if a.value is not None},
                eps, method.value)
            report.answers = answers_path
        elif problem is not None:
            report = checks.check(load(problem), eps, method.value, weights)
        else:
            named = [(name, checks.check(load(name), eps, method.value))
                     for name in bundled_names()]
            if fmt is Format.json:
                print(json.dumps({"passed": all(r.passed for _, r in named), "problems": [
                    {"problem": name, **r.as_json()} for name, r in named]}, indent=2))
            else:
                view.print_summary(console, named)
            if not all(r.passed for _, r in named):
                raise typer.Exit(1)
            return
    if fmt is Format.json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    elif fmt is Format.markdown:
        sys.stdout.write(view.markdown(report))
    else:
        view.print_report(console, report)
    if not report.passed:
        raise typer.Exit(1)


def main() -> None:
    app()
