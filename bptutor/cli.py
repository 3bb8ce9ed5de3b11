"""The command line: thin typer commands over the library, nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import typer

from bptutor import __version__
from bptutor.errors import BptutorError, write_file

app = typer.Typer(
    name="bptutor",
    help="A tutor for backpropagation: works an exercise step by step, as an exam sheet does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring lines join into paragraphs, as in a terminal
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    rich = "rich"
    json = "json"
    markdown = "markdown"


class SolveFormat(str, Enum):
    rich = "rich"
    json = "json"
    markdown = "markdown"
    latex = "latex"


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


def _notation(problem, notation: Notation | None) -> str | None:
    """--notation for the worksheet; a computation graph has one notation and refuses it."""
    from bptutor.sheet.worksheet import asked_notation

    return asked_notation(problem, notation.value if notation else None)


def _digits(round_: int | None, exact: bool) -> int | None | str:
    """The rounding asked for: --round N, --exact (None), or the file's ("file")."""
    if exact and round_ is not None:
        raise typer.BadParameter("give --round N or --exact, not both")
    return None if exact else "file" if round_ is None else round_


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


@app.command(epilog="Examples:\n\n- bptutor solve tanh-chain\n- "
                    "bptutor solve my.yaml --round 3 --only backward\n- "
                    "bptutor solve xor -f json\n- "
                    "bptutor solve tanh-chain -f latex > sheet.tex\n- "
                    "bptutor solve xor --save-svg xor.svg")
def solve(
    problem: ProblemArg,
    fmt: Annotated[SolveFormat, typer.Option(
        "--format", "-f", help="Output format (latex: a solution sheet for pdflatex).")] =
    SolveFormat.rich,
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    only: OnlyOpt = None,
    no_color: NoColorOpt = False,
    step: Annotated[bool, typer.Option(
        "--step", help="One step per Enter, like turning slides; q quits.")] = False,
    save_svg: Annotated[str | None, typer.Option(
        "--save-svg", metavar="FILE", show_default=False,
        help="Also save the terminal view as an SVG picture (100 columns, in colour).")] = None,
    save_html: Annotated[str | None, typer.Option(
        "--save-html", metavar="FILE", show_default=False,
        help="Also save the terminal view as an HTML page (100 columns, in colour).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite the --save-svg / --save-html files.")] = False,
    no_diagram: Annotated[bool, typer.Option(
        "--no-diagram", help="No network diagram above the steps (it is left out anyway "
                             "with --only, or where it does not fit).")] = False,
) -> None:
    """Work the exercise: forward pass, loss, backward pass and update, each step as its
    formula, the numbers substituted, and the value."""
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve as solve_sheet

    digits = _digits(round_, exact)
    if step and fmt is not SolveFormat.rich:
        raise typer.BadParameter("--step shows the terminal view; leave out --format")
    if save_svg and save_svg == save_html:
        raise typer.BadParameter("--save-svg and --save-html need two different files")
    with user_errors():
        for path in (save_svg, save_html):
            if path:
                _refuse_overwrite(path, force)
        network = load(problem)
        sheet = solve_sheet(network, digits, _notation(network, notation))
    only_name = only.value if only else None
    diagram = not no_diagram and only is None  # the whole net belongs with the whole sheet
    if fmt is SolveFormat.json:
        from bptutor.views import json_view

        print(json_view.render(sheet, only_name))
    elif fmt is SolveFormat.markdown:
        from bptutor.views import markdown_view

        sys.stdout.write(markdown_view.render(sheet, only_name))
    elif fmt is SolveFormat.latex:
        from bptutor.views import latex_view

        sys.stdout.write(latex_view.render(sheet, only_name))
    else:
        from bptutor.views import rich_view

        if step:
            rich_view.render_stepwise(sheet, _console(no_color), only_name,
                                      stdin_reader()[0], diagram)
        else:
            rich_view.render(sheet, _console(no_color), only_name, diagram)
    if save_svg or save_html:  # the terminal view, whatever --format printed
        from bptutor.views import export

        with user_errors():
            export.save(sheet, only_name, diagram, no_color, save_svg, save_html)


def stdin_reader() -> tuple[Callable[[], str | None], bool]:
    """A line reader for standard input (None at its end), and whether to echo what it reads.

    A terminal echoes what is typed; piped input does not, so ``quiz`` echoes the answers
    after their prompts to keep the transcript readable."""
    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401  (line editing for input())
        except ImportError:
            pass

        def read_tty() -> str | None:
            try:
                return input()
            except (EOFError, KeyboardInterrupt):
                return None

        return read_tty, False

    def read_pipe() -> str | None:
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None

    return read_pipe, True


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


@app.command(epilog="Examples:\n\n- bptutor template tanh-chain -o answers.yaml\n- "
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

    from bptutor.files import answers
    from bptutor.files.problems import bundled_dir, load, locate
    from bptutor.sheet.worksheet import solve as solve_sheet

    with user_errors():
        path = locate(problem)
        sheet = solve_sheet(network := load(problem), "file", _notation(network, notation))
        bundled = path.resolve().parent == bundled_dir().resolve() and not Path(problem).exists()
        ref = answers.relative_problem(str(path), output, bundled)
        text = answers.template(sheet, ref, only.value if only else None)
        if output in (None, "-"):
            sys.stdout.write(text)
            return
        _refuse_overwrite(output, force)
        write_file(output, text)
    print(f"wrote {output}: fill in the values, then run 'bptutor check {output}'",
          file=sys.stderr)


@app.command(epilog="Examples:\n\n- bptutor check answers.yaml\n- "
                    "bptutor check class/*.yaml --csv grades.csv\n- "
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

    from bptutor.files import answers
    from bptutor.sheet.worksheet import solve as solve_sheet
    from bptutor.tools.grading import Grader
    from bptutor.views import check_view

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
                graders[key] = Grader(solve_sheet(answers.load_problem(sheet_answers)))
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
        with user_errors():
            write_file(csv_path, check_view.gradebook_csv(reports))
    if failed:
        raise typer.Exit(2)
    if not all(r.all_right for r in reports):
        raise typer.Exit(1)


@app.command("list", epilog="Examples:\n\n- bptutor list\n- bptutor list -f json\n- "
                            "then: bptutor solve xor")
def list_problems(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] =
    ListFormat.rich,
    no_color: NoColorOpt = False,
) -> None:
    """The bundled problems, with title and source; run any of them by name."""
    import json

    from bptutor.files.problems import catalogue

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


@app.command(epilog="Examples:\n\n- bptutor gradcheck tanh-chain\n- "
                    "bptutor gradcheck tanh-chain --method forward --weight u3 --h 1e-4\n- "
                    "bptutor gradcheck --answers ada.yaml\n- "
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

    from bptutor.files.problems import bundled_names, load
    from bptutor.tools import gradcheck as checks
    from bptutor.views import gradcheck_view as view

    if answers_path is not None and problem is not None:
        raise typer.BadParameter("give a problem or --answers (which names its problem), "
                                 "not both")
    console = _console(no_color)
    with user_errors():
        if answers_path is not None:
            from bptutor.files import answers

            written = answers.load(answers_path)
            report = checks.check_answers(answers.load_problem(written), {
                key: a.value for key, a in written.answers.items() if a.value is not None},
                eps, method.value, weights)
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


class Carry(str, Enum):
    right = "right"
    mine = "mine"


@app.command(epilog="Examples:\n\n- bptutor quiz tanh-chain\n- "
                    "bptutor quiz my.yaml --only backward --carry mine\n- "
                    "printf '0.2\\nhint\\n-0.66\\nskip\\nquit\\n' | bptutor quiz tanh-chain")
def quiz(
    problem: ProblemArg,
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    only: Annotated[Only | None, typer.Option(
        help="Ask one pass only (forward includes the loss).", show_default=False)] = None,
    carry: Annotated[Carry, typer.Option(
        help="After a wrong answer, carry on from the right value, so one slip does not spoil "
             "the rest, or from yours (later steps then earn follow-through, as in check).")] =
    Carry.right,
    no_color: NoColorOpt = False,
) -> None:
    """Quiz yourself: each step is asked in order and marked at once, as check marks it.
    At the prompt: a number, or hint (h, ?), skip (s), quit (q). Reads one answer per line,
    so it also runs from piped input. Exit 0 when every step was answered and right."""
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve as solve_sheet
    from bptutor.tools.quiz import Quiz

    digits = _digits(round_, exact)
    with user_errors():
        sheet = solve_sheet(network := load(problem), digits, _notation(network, notation))
    read, echo = stdin_reader()
    result = Quiz(sheet, _console(no_color), read, only=only.value if only else None,
                  carry=carry.value, echo=echo, name=problem).run()
    if not result.passed:
        raise typer.Exit(1)


class SchemaName(str, Enum):
    problem = "problem"
    answers = "answers"


@app.command("schema", epilog="Examples:\n\n- bptutor schema problem > problem.schema.json\n- "
                              "bptutor schema answers > answers.schema.json")
def print_schema(
    name: Annotated[SchemaName, typer.Argument(
        metavar="KIND", help="Which file's schema.", show_default=False)],
) -> None:
    """Print the JSON Schema (draft 2020-12) of problem or answers files, for editors and
    validators: hover text, completion and errors as you type."""
    from bptutor.files.schema import schema_text

    sys.stdout.write(schema_text(name.value))


@app.command(epilog="Examples:\n\n- bptutor new\n- "
                    "bptutor new --shape 3-2-1 --activation tanh -o tanh.yaml\n- "
                    "bptutor new --shape 2-2-3 --activation relu,softmax --seed 7\n- "
                    "bptutor new --like tanh-chain --round 3")
def new(
    shape: Annotated[str | None, typer.Option(
        help="Layer sizes, inputs first, e.g. 3-2-1 (default: 2-2-1).", show_default=False)] = None,
    activation: Annotated[str | None, typer.Option(
        help="One for all layers, or one per layer, e.g. tanh or relu,sigmoid "
             "(default: sigmoid).",
        show_default=False)] = None,
    loss: Annotated[str | None, typer.Option(
        help="squared_error, half_squared_error, mean_squared_error, binary_cross_entropy "
             "or cross_entropy (default: binary_cross_entropy for sigmoid outputs, "
             "cross_entropy for softmax, else squared_error).", show_default=False)] = None,
    round_: Annotated[int | None, typer.Option(
        "--round", help="Round to N decimals after every step (default: 2).",
        show_default=False)] = None,
    no_round: Annotated[bool, typer.Option("--no-round", help="No rounding anywhere.")] = False,
    bias: Annotated[bool | None, typer.Option(
        "--bias/--no-bias", help="Biases in every layer (default: --bias).",
        show_default=False)] = None,
    learning_rate: Annotated[float | None, typer.Option(
        help="η of the update step (default: 0.5).", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        help="Same seed and options, same file (default: a random seed, written in the "
             "file's source line).", show_default=False)] = None,
    like: Annotated[str | None, typer.Option(
        help="Same structure as this problem file or bundled problem, new numbers "
             "(combines with --round, --learning-rate, --title, --seed).",
        show_default=False)] = None,
    title: Annotated[str | None, typer.Option(help="The problem's title.",
                                              show_default=False)] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write to this file (default: print).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """A fresh exam-style practice problem: one-decimal weights, lively units, no step that
    rounds to 0. Solve it with 'bptutor solve'."""

    from bptutor.tools.practice import Options, new_problem

    options = Options(shape=shape, activation=activation, loss=loss, round=round_,
                      no_round=no_round, bias=bias, learning_rate=learning_rate, like=like,
                      title=title, seed=seed)
    with user_errors():
        if output == "-":
            output = None
        if output is not None:
            _refuse_overwrite(output, force)
        problem = new_problem(options, output or "<bptutor new>")
        if output is None:
            sys.stdout.write(problem.text)
            return
        write_file(output, problem.text)
    print(f"wrote {output}: try 'bptutor solve {output}'", file=sys.stderr)


class DrawFormat(str, Enum):
    dot = "dot"
    mermaid = "mermaid"


@app.command(epilog="Examples:\n\n- bptutor draw tanh-chain | dot -Tsvg > net.svg\n- "
                    "bptutor draw xor -f mermaid --example 2 -o xor.mmd\n- "
                    "bptutor draw graph-reuse")
def draw(
    problem: ProblemArg,
    fmt: Annotated[DrawFormat, typer.Option(
        "--format", "-f", help="Graphviz DOT, or a Mermaid flowchart.")] = DrawFormat.dot,
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    example: Annotated[int, typer.Option(
        min=1, help="In a batch: the example whose neuron values are shown.")] = 1,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write to this file (default: print).", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """The solved network as a diagram: inputs, neurons with z, activation and error
    derivative, edges with each weight, its gradient and (with a learning rate) its new
    value. A computation graph shows its values, their gradients and an edge per use."""
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve as solve_sheet
    from bptutor.views import draw as view

    digits = _digits(round_, exact)
    with user_errors():
        if output is not None:
            _refuse_overwrite(output, force)
        network = load(problem)
        if example > len(network.examples):
            raise typer.BadParameter(f"the problem has {len(network.examples)} example(s)",
                                     param_hint="--example")
        text = view.render(solve_sheet(network, digits, _notation(network, notation)),
                           fmt.value, example)
        if output is None:
            sys.stdout.write(text)
            return

        write_file(output, text)
    print(f"wrote {output}", file=sys.stderr)


class TrainMode(str, Enum):
    online = "online"
    batch = "batch"
    minibatch = "minibatch"


class TrainFormat(str, Enum):
    rich = "rich"
    json = "json"


@app.command(epilog="Examples:\n\n- bptutor train xor\n- "
                    "bptutor train xor --mode online --epochs 500 --learning-rate 2\n- "
                    "bptutor train my.yaml --mode minibatch --batch-size 2 --momentum 0.9\n- "
                    "bptutor train untrained.yaml --seed 3 --save trained.yaml\n- "
                    "bptutor train xor -f json > run.json")
def train(
    problem: ProblemArg,
    epochs: Annotated[int, typer.Option(
        "--epochs", "-n", min=1, max=10_000_000, help="Passes over the examples.")] = 2000,
    mode: Annotated[TrainMode | None, typer.Option(
        help="online: one update per example, in file order; batch: one per epoch, with the "
             "gradient of E = the sum of the examples' losses; minibatch: one per --batch-size "
             "consecutive examples. Default: batch (minibatch when --batch-size is given).",
        show_default=False)] = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", "-b", min=1, help="Examples per update in minibatch mode.",
        show_default=False)] = None,
    learning_rate: Annotated[float | None, typer.Option(
        "--learning-rate", "--lr", help="η (default: the file's learning_rate, else 0.5).",
        show_default=False)] = None,
    momentum: Annotated[float, typer.Option(
        help="μ in [0, 1): v ← μ·v − η·g; w ← w + v.")] = 0.0,
    l2: Annotated[float, typer.Option(
        "--l2", help="λ ≥ 0: every update descends E + λ/2·Σw² (weights, not biases).")] = 0.0,
    seed: Annotated[int, typer.Option(
        help="Draws the weights a layer leaves out (uniform in ±1/√fan_in) and the --shuffle "
             "order. Same seed, same run.")] = 0,
    shuffle: Annotated[bool, typer.Option(
        "--shuffle", help="A new random example order every epoch (online, minibatch).")] = False,
    save: Annotated[str | None, typer.Option(
        help="Write the trained network as a new problem file (weights to 4 decimals).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --save file.")] = False,
    fmt: Annotated[TrainFormat, typer.Option("--format", "-f", help="Output format.")] =
    TrainFormat.rich,
    no_color: NoColorOpt = False,
) -> None:
    """Train the network by gradient descent over the problem's examples, then show the loss
    curve, every example's prediction and what each hidden neuron computes. Layers may leave
    out their weights here: they are drawn from --seed. Exit 1 when training diverges."""
    import json
    import math

    from bptutor.files.problems import load
    from bptutor.tools import training

    if mode is None:
        mode = TrainMode.minibatch if batch_size is not None else TrainMode.batch
    if mode is TrainMode.minibatch and batch_size is None:
        raise typer.BadParameter("--mode minibatch needs --batch-size B", param_hint="--mode")
    if mode is not TrainMode.minibatch and batch_size is not None:
        raise typer.BadParameter(f"--batch-size applies to --mode minibatch, not {mode.value}",
                                 param_hint="--batch-size")
    if learning_rate is not None and not (0 < learning_rate < math.inf):
        raise typer.BadParameter("η must be a positive number", param_hint="--learning-rate")
    if not 0 <= momentum < 1:
        raise typer.BadParameter("μ must lie in [0, 1)", param_hint="--momentum")
    if not 0 <= l2 < math.inf:
        raise typer.BadParameter("λ must be 0 or more", param_hint="--l2")
    settings = training.Settings(epochs, mode.value, batch_size, learning_rate, momentum, l2,
                                 seed, shuffle)
    with user_errors():
        if save is not None:
            _refuse_overwrite(save, force)
        network = load(problem, untrained=True)
        with _epoch_progress(epochs) as on_epoch:
            result = training.train(network, settings, on_epoch)
    if fmt is TrainFormat.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        from bptutor.views import train_view

        train_view.print_report(_console(no_color), result)
    if result.diverged_at is not None:
        print(f"{network.path}: error: training diverged at epoch {result.diverged_at}: the "
              f"loss or a weight is no longer finite\nhint: lower --learning-rate (it was "
              f"{result.rate:g})", file=sys.stderr)
        raise typer.Exit(1)
    if save is not None:
        with user_errors():
            write_file(save, training.saved_problem(result, problem))
        print(f"wrote {save}: try 'bptutor solve {save}'", file=sys.stderr)


@contextmanager
def _epoch_progress(epochs: int):
    """A progress bar on stderr, only when stderr is a terminal (pipes stay clean)."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training"), BarColumn(), TextColumn("epoch {task.completed:.0f}/"
               "{task.total:.0f}  E = {task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("train", total=epochs, loss="…")
        yield lambda epoch, loss: progress.update(task, completed=epoch, loss=f"{loss:.4g}")


def main() -> None:
    app()
