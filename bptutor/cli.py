"""The command line: typer declarations over library functions, nothing else.

Each command turns its options into one library call and hands the result to a view; the
choices of every option come from the library's own tuples and the formats registry
(``bptutor.views.formats``), read when a command first needs them, so start-up imports
typer and nothing of the library.
"""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bptutor.errors import BptutorError, OptionError

if TYPE_CHECKING:
    from typer.main import TyperChoice as Choice

    from bptutor.sheet.worksheet import Worksheet
else:
    try:  # recent typer vendors click and chooses with its own type
        from typer.main import TyperChoice as Choice
    except ImportError:  # older typer: click's
        from click import Choice

app = typer.Typer(
    name="bptutor",
    help="A tutor for backpropagation: works an exercise step by step, as an exam sheet does.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring lines join into paragraphs, as in a terminal
    context_settings={"help_option_names": ["-h", "--help"]},
)


class LazyChoice(Choice):
    """A choice among the names in a library tuple or dict, read when first needed (parsing,
    --help), so the module that holds it — and numpy or rich behind it — loads only then."""

    def __init__(self, module: str, name: str):
        self._source = (module, name)
        super().__init__(())

    @property
    def choices(self) -> Sequence[str]:
        module, name = self._source
        return tuple(getattr(import_module(module), name))

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:  # the base class stores its own: ignored
        pass


FORMATS = "bptutor.views.formats"


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input ends in ``path:line:col: error: …`` on stderr and exit code 2; options the
    library refuses are usage errors on that option."""
    try:
        yield
    except BptutorError as exc:
        from bptutor.views.terminal import printable_error

        print(printable_error(exc), file=sys.stderr)  # a file name may hold an ESC
        raise typer.Exit(2) from None
    except OptionError as exc:
        raise typer.BadParameter(exc.message, param_hint=exc.option) from None


def _worksheet(problem: str, round_: int | None, exact: bool,
               notation: str | None) -> Worksheet:
    """The problem solved as asked (call inside ``user_errors``)."""
    from bptutor.files.problems import load
    from bptutor.model.rounding import asked_digits
    from bptutor.sheet.worksheet import asked_notation, solve

    digits = asked_digits(round_, exact)
    network = load(problem)
    return solve(network, digits, asked_notation(network, notation))


def _inputs(*problems: str | None) -> list[str]:
    """The files a command reads, as given and as found (a bundled name is a file too): its
    output may never be one of them."""
    from bptutor.files.problems import locate

    found = []
    for name in problems:
        if name is not None:
            found.append(name)
            try:
                found.append(str(locate(name)))
            except BptutorError:  # not found: loading it reports that
                pass
    return found


def _version(value: bool) -> None:
    if value:
        import bptutor

        print(f"bptutor {bptutor.__version__}")
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
NotationOpt = Annotated[str | None, typer.Option(
    click_type=LazyChoice("bptutor.model.network", "NOTATIONS"),
    help="activation: dE/d(neuron) with σ′ inline; delta: δ = dE/dz; delta_rule: "
         "δ = −dE/dz, Δw = η·δ·a. Overrides the file.",
    show_default=False)]
OnlyOpt = Annotated[str | None, typer.Option(
    click_type=LazyChoice("bptutor.sheet.worksheet", "ONLY"),
    help="Show one pass only (forward includes the loss).", show_default=False)]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours (as NO_COLOR=1 does).")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Write to this file (default: print).", show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")]


def format_option(registry: str, help: str = "Output format.") -> Any:
    """``--format / -f``, its choices the formats registry's ``registry`` table."""
    return typer.Option("--format", "-f", click_type=LazyChoice(FORMATS, registry), help=help)


@app.command(epilog="Examples:\n\n- bptutor solve tanh-chain\n- "
                    "bptutor solve my.yaml --round 3 --only backward\n- "
                    "bptutor solve xor -f json\n- "
                    "bptutor solve tanh-chain -f latex > sheet.tex\n- "
                    "bptutor solve xor --save-svg xor.svg")
def solve(
    problem: ProblemArg,
    fmt: Annotated[str, format_option(
        "SHEET", "Output format (latex: a solution sheet for pdflatex).")] = "rich",
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
    from bptutor.files.output import refuse_overwrite
    from bptutor.views import formats

    if step and fmt != formats.TERMINAL:
        raise typer.BadParameter("--step shows the terminal view; leave out --format")
    if save_svg and save_svg == save_html:
        raise typer.BadParameter("--save-svg and --save-html need two different files")
    diagram = not no_diagram and only is None  # the whole net belongs with the whole sheet
    with user_errors():
        inputs = _inputs(problem)
        refuse_overwrite(save_svg, force, inputs)
        refuse_overwrite(save_html, force, inputs)
        sheet = _worksheet(problem, round_, exact, notation)
    if step:
        from bptutor.views import keypress, rich_view, terminal

        read, by_key = keypress.page_reader()
        rich_view.render_stepwise(sheet, terminal.console(no_color), only, read, diagram, by_key)
    else:
        formats.SHEET[fmt](sheet, only, diagram, no_color)
    if save_svg or save_html:  # the terminal view, whatever --format printed
        from bptutor.views import export

        with user_errors():
            export.save(sheet, only, diagram, no_color, save_svg, save_html, force,
                        inputs)


@app.command(epilog="Examples:\n\n- bptutor show tanh-chain\n- "
                    "bptutor show xor -f latex -o questions.tex\n- "
                    "bptutor show tanh-chain --only backward -f markdown")
def show(
    problem: ProblemArg,
    fmt: Annotated[str, format_option(
        "SHOW", "Output format (latex: a question sheet for pdflatex).")] = "rich",
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    only: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.sheet.worksheet", "ONLY"),
        help="Ask one pass only; the passes before it are given.", show_default=False)] = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    no_color: NoColorOpt = False,
) -> None:
    """The exercise without its answers: the network, the given numbers, the diagram with
    the weights only, the rounding rule and notation, and what to compute."""
    from bptutor.files.output import refuse_overwrite
    from bptutor.views import formats

    with user_errors():
        refuse_overwrite(output, force, _inputs(problem))  # never the problem itself
        sheet = _worksheet(problem, round_, exact, notation)
        formats.SHOW[fmt](sheet, only, output, force, no_color)


@app.command(epilog="Examples:\n\n- bptutor template tanh-chain -o answers.yaml\n- "
                    "bptutor template my.yaml --only backward")
def template(
    problem: ProblemArg,
    output: OutputOpt = None,
    force: ForceOpt = False,
    only: OnlyOpt = None,
    notation: NotationOpt = None,
) -> None:
    """An empty answers file: every step's key in order, its formula as a comment."""
    from pathlib import Path

    from bptutor.files.answers import relative_problem
    from bptutor.files.output import refuse_overwrite, write_output
    from bptutor.files.problems import bundled_dir, locate
    from bptutor.views.template import template as answers_template

    with user_errors():
        path = locate(problem)
        refuse_overwrite(output, force, [path])
        sheet = _worksheet(problem, None, False, notation)
        bundled = path.resolve().parent == bundled_dir().resolve() and not Path(problem).exists()
        text = answers_template(sheet, relative_problem(str(path), output, bundled), only)
        write_output(output, text, force, inputs=[path],
                     then=f"fill in the values, then run 'bptutor check {output}'")


@app.command(epilog="Examples:\n\n- bptutor check answers.yaml\n- "
                    "bptutor check class/*.yaml --problem exam.yaml --csv grades.csv\n- "
                    "bptutor check a.yaml --reveal diagnosis -f json")
def check(
    files: Annotated[list[str], typer.Argument(help="One or more answers files.",
                                               show_default=False)],
    fmt: Annotated[str, format_option("CHECK")] = "rich",
    reveal: Annotated[str, typer.Option(
        click_type=LazyChoice("bptutor.views.gradebook", "REVEAL"),
        help="How much to show: verdicts only, plus diagnoses, or plus the right answers.")] =
    "answer",
    only: OnlyOpt = None,
    problem: Annotated[str | None, typer.Option(
        "--problem", "-p", help="Mark every file against this problem (a file or bundled "
        "name), whatever the files name; a file naming another is flagged.",
        show_default=False)] = None,
    follow_through: Annotated[str, typer.Option(
        "--follow-through", click_type=LazyChoice("bptutor.tools.grading", "FOLLOW_THROUGH"),
        help="Points for an answer right from the student's own wrong earlier numbers: "
             "full, half or none.")] = "full",
    csv_path: Annotated[str | None, typer.Option(
        "--csv", help="Also write a gradebook (one row per file; - for standard output).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --csv file.")] = False,
    no_color: NoColorOpt = False,
) -> None:
    """Mark answers files: correct, accepted (rounding path), follow-through, uninformative
    (right from your own numbers, which prove nothing), wrong (with a diagnosis), missing,
    invalid, unknown. Exit 0 when every answer is right, 1 otherwise, 2 when a file could
    not be marked."""
    from bptutor.files.output import refuse_overwrite, write_output
    from bptutor.tools.marking import Marker, mark_files
    from bptutor.views import formats, gradebook

    if fmt in formats.ONE_FILE_ONLY and len(files) != 1:
        raise typer.BadParameter(f"--format {fmt} grades one answers file at a time")
    inputs = [*files, *([problem] if problem else [])]
    with user_errors():
        refuse_overwrite(csv_path, force, inputs)
        marker = Marker(only, problem, follow_through)  # a bad --problem: before any file
    view = formats.CHECK[fmt](reveal, no_color)
    book = gradebook.Gradebook()
    marking = mark_files(files, marker=marker, keep=view.keeps,
                         on_each=view.each if csv_path is None else book.add_and(view.each))
    view.end(marking)
    if csv_path is not None:
        with user_errors():
            write_output(csv_path, book.text(), force, announce=False,
                         inputs=[*inputs, *book.problems])
    raise typer.Exit(marking.exit_code)


@app.command("list", epilog="Examples:\n\n- bptutor list\n- bptutor list -f json\n- "
                            "then: bptutor solve xor")
def list_problems(
    fmt: Annotated[str, format_option("LIST")] = "rich",
    no_color: NoColorOpt = False,
) -> None:
    """The bundled problems, with title and source; run any of them by name."""
    from bptutor.files.problems import catalogue
    from bptutor.views import formats

    with user_errors():
        rows = catalogue()
    formats.LIST[fmt](rows, no_color)


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
    method: Annotated[str, typer.Option(
        click_type=LazyChoice("bptutor.tools.gradcheck", "METHODS"),
        help="central: (E(w+ε) − E(w−ε)) / 2ε; forward: (E(w+h) − E(w)) / h, as the lecture "
             "does.")] = "central",
    weights: Annotated[list[str] | None, typer.Option(
        "--weight", "-w", help="Check only this weight or bias (repeatable).",
        show_default=False)] = None,
    answers_path: Annotated[str | None, typer.Option(
        "--answers", help="Check the gradients written in this answers file instead.",
        show_default=False)] = None,
    fmt: Annotated[str, format_option("GRADCHECK")] = "rich",
    no_color: NoColorOpt = False,
) -> None:
    """Exact analytic gradients against finite differences (float64). Verdicts by relative
    error |a − n| / max(|a|, |n|, 1e-12): ≤ 1e-7 good, ≤ 1e-4 acceptable, > 1e-2 wrong,
    in between suspicious; below_resolution (a pass) where |a − n| is within the finite
    difference's own roundoff. Exit 1 when a gradient fails."""
    from bptutor.files.problems import load
    from bptutor.tools import gradcheck as checks
    from bptutor.views import formats

    if not 0 < eps < 1:  # NaN too: every comparison with it is false
        raise typer.BadParameter(f"--eps must be a number above 0 and below 1, not {eps}")
    if answers_path is not None and problem is not None:
        raise typer.BadParameter("give a problem or --answers (which names its problem), "
                                 "not both")
    with user_errors():
        if answers_path is not None:
            checked: checks.Report | checks.Bundled = checks.check_answers_file(
                answers_path, eps, method, weights)
        elif problem is not None:
            checked = checks.check(load(problem), eps, method, weights)
        else:
            checked = checks.check_bundled(eps, method)
    formats.GRADCHECK[fmt](checked, no_color)
    if not checked.passed:
        raise typer.Exit(1)


@app.command(epilog="Examples:\n\n- bptutor quiz tanh-chain\n- "
                    "bptutor quiz my.yaml --only backward --carry mine\n- "
                    "printf '0.2\\nhint\\n-0.66\\nskip\\nquit\\n' | bptutor quiz tanh-chain")
def quiz(
    problem: ProblemArg,
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    only: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.sheet.worksheet", "ONLY"),
        help="Ask one pass only (forward includes the loss).", show_default=False)] = None,
    carry: Annotated[str, typer.Option(
        click_type=LazyChoice("bptutor.tools.quiz", "CARRY"),
        help="After a wrong answer, carry on from the right value, so one slip does not spoil "
             "the rest, or from yours (later steps then earn follow-through, as in check).")] =
    "right",
    no_color: NoColorOpt = False,
) -> None:
    """Quiz yourself: each step is asked in order and marked at once, as check marks it.
    At the prompt: a number, or hint (h, ?), skip (s), quit (q). Reads one answer per line,
    so it also runs from piped input. Exit 0 when every step was answered and right."""
    from bptutor.views.quiz_view import Quiz
    from bptutor.views.terminal import console, stdin_reader

    with user_errors():
        sheet = _worksheet(problem, round_, exact, notation)
    read, echo = stdin_reader()
    result = Quiz(sheet, console(no_color), read, only=only, carry=carry, echo=echo,
                  name=problem).run()
    if not result.passed:
        raise typer.Exit(1)


@app.command(epilog="Examples:\n\n- bptutor tutor tanh-chain\n- "
                    "bptutor tutor xor --practise --carry mine\n- "
                    "bptutor tutor my.yaml --round 3 --notation delta")
def tutor(
    problem: ProblemArg,
    practise: Annotated[bool, typer.Option(
        "--practise", help="Type each value before it is revealed (m switches in the app).")] =
    False,
    carry: Annotated[str, typer.Option(
        click_type=LazyChoice("bptutor.tools.quiz", "CARRY"),
        help="Practising, after a wrong answer carry on from the right value or from yours "
             "(as in quiz).")] = "right",
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
) -> None:
    """A full-screen tutor: the exercise, the network filling in and one step at a time;
    watch each step revealed, or practise (type it first, marked at once as check marks
    it). Keys: Enter/→ next, ← back, PgDn/PgUp section, Home/End, x exact, m practise,
    ? help, q quit. Needs a terminal of at least 80×24."""
    with user_errors():
        sheet = _worksheet(problem, round_, exact, notation)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("error: bptutor tutor needs a terminal; from a pipe use 'bptutor quiz' or "
              "'bptutor solve --step'", file=sys.stderr)
        raise typer.Exit(2)
    from bptutor.views.tutor import run

    run(sheet, practise=practise, carry=carry)


@app.command("schema", epilog="Examples:\n\n- bptutor schema problem > problem.schema.json\n- "
                              "bptutor schema answers > answers.schema.json")
def print_schema(
    name: Annotated[str, typer.Argument(
        click_type=LazyChoice("bptutor.files.schema", "KINDS"),
        metavar="KIND", help="Which file's schema.", show_default=False)],
) -> None:
    """Print the JSON Schema (draft 2020-12) of problem or answers files, for editors and
    validators: hover text, completion and errors as you type."""
    from bptutor.files.schema import schema_text

    sys.stdout.write(schema_text(name))


@app.command(epilog="Examples:\n\n- bptutor new\n- "
                    "bptutor new --shape 3-2-1 --activation tanh -o tanh.yaml\n- "
                    "bptutor new --shape 2-2-3 --activation relu,softmax --seed 7\n- "
                    "bptutor new --like tanh-chain --round 3\n- "
                    "bptutor new --like xor --mode online --epochs 1")
def new(
    shape: Annotated[str | None, typer.Option(
        help="Layer sizes, inputs first, e.g. 3-2-1 (default: 2-2-1).", show_default=False)] = None,
    activation: Annotated[str | None, typer.Option(
        help="One for all layers, or one per layer, e.g. tanh or relu,sigmoid "
             "(default: sigmoid); any activation a problem file takes, elu and gelu too.",
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
    threshold: Annotated[bool, typer.Option(
        "--threshold", help="Thresholds θ in place of biases: z = Σ w·a − θ.")] = False,
    new_data: Annotated[bool, typer.Option(
        "--new-data", help="With --like: draw new examples too (boolean examples such as "
                           "XOR's are kept by default, with new weights).")] = False,
    examples: Annotated[int | None, typer.Option(
        help="How many examples to draw (default: 1; with --like, the file's).",
        show_default=False)] = None,
    mode: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.model.network", "TRAINING_MODES"),
        help="Several updates (SPEC §7's training: block): batch, online or minibatch.",
        show_default=False)] = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", help="Examples per update in minibatch mode.", show_default=False)] =
    None,
    epochs: Annotated[int | None, typer.Option(
        help="Passes over the examples, 1 to 10 (default 1).", show_default=False)] = None,
    momentum: Annotated[float | None, typer.Option(
        help="μ in [0, 1): velocity(w) = μ·velocity(w) − η·g.", show_default=False)] = None,
    l2: Annotated[float | None, typer.Option(
        "--l2", help="Adds l2·Σw² over the weights to E.", show_default=False)] = None,
    optimizer: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.model.network", "OPTIMIZERS"),
        help="sgd (default) or adam.", show_default=False)] = None,
    notation: Annotated[str | None, typer.Option(
        help="activation, delta or delta_rule: how the backward pass is written "
             "(default: activation, or the --like file's).", show_default=False)] = None,
    learning_rate: Annotated[float | None, typer.Option(
        help="η of the update step (default: 0.5).", show_default=False)] = None,
    seed: Annotated[int | None, typer.Option(
        help="Same seed and options, same file (default: a random seed, written in the "
             "file's source line).", show_default=False)] = None,
    like: Annotated[str | None, typer.Option(
        help="Same structure and conventions as this problem file or bundled problem, "
             "new numbers (combines with --round, --notation, --learning-rate, --title, "
             "--seed).",
        show_default=False)] = None,
    title: Annotated[str | None, typer.Option(help="The problem's title.",
                                              show_default=False)] = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """A fresh exam-style practice problem: one-decimal weights, lively units, no step that
    rounds to 0. Solve it with 'bptutor solve'."""
    from bptutor.files.output import refuse_overwrite, to_stdout, write_output
    from bptutor.tools.practice import Options, new_problem

    options = Options(shape=shape, activation=activation, loss=loss, round=round_,
                      no_round=no_round, bias=bias, learning_rate=learning_rate, like=like,
                      title=title, seed=seed, notation=notation, threshold=threshold,
                      new_data=new_data, examples=examples, mode=mode, batch_size=batch_size,
                      epochs=epochs, momentum=momentum, l2=l2, optimizer=optimizer)
    with user_errors():
        inputs = _inputs(like)
        refuse_overwrite(output, force, inputs)
        made = new_problem(options, "<bptutor new>" if to_stdout(output) else str(output))
        write_output(output, made.text, force, then=f"try 'bptutor solve {output}'",
                     inputs=inputs)


@app.command(epilog="Examples:\n\n- bptutor draw tanh-chain | dot -Tsvg > net.svg\n- "
                    "bptutor draw xor -f mermaid --example 2 -o xor.mmd\n- "
                    "bptutor draw graph-reuse")
def draw(
    problem: ProblemArg,
    fmt: Annotated[str, format_option("DRAW", "Graphviz DOT, or a Mermaid flowchart.")] = "dot",
    round_: RoundOpt = None,
    exact: ExactOpt = False,
    notation: NotationOpt = None,
    example: Annotated[int | None, typer.Option(
        min=1, help="In a batch: the example whose neuron values are shown (default: the "
                    "first, or the update's first).", show_default=False)] = None,
    update: Annotated[int | None, typer.Option(
        min=1, help="With a training: block (SPEC §7): update k, its gradients and its new "
                    "weights new(w)#k.", show_default=False)] = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
) -> None:
    """The solved network as a diagram: inputs, neurons with z, activation and error
    derivative, edges with each weight, its gradient and (with a learning rate) its new
    value. A computation graph shows its values, their gradients and an edge per use."""
    from bptutor.files.output import refuse_overwrite, write_output
    from bptutor.views import formats

    with user_errors():
        inputs = _inputs(problem)
        refuse_overwrite(output, force, inputs)
        text = formats.DRAW[fmt](_worksheet(problem, round_, exact, notation), example, update)
        write_output(output, text, force, inputs=inputs)


@app.command(epilog="Examples:\n\n- bptutor train xor\n- "
                    "bptutor train xor --mode online --epochs 500 --learning-rate 2\n- "
                    "bptutor train my.yaml --mode minibatch --batch-size 2 --momentum 0.9\n- "
                    "bptutor train untrained.yaml --seed 3 --save trained.yaml\n- "
                    "bptutor train xor -f json > run.json")
def train(
    problem: ProblemArg,
    epochs: Annotated[int | None, typer.Option(
        "--epochs", "-n", min=1, max=10_000_000,
        help="Passes over the examples (default: the file's training: epochs, else 2000).",
        show_default=False)] = None,
    mode: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.tools.training", "MODES"),
        help="online: one update per example, in file order; batch: one per epoch, with the "
             "gradient of E = the sum of the examples' losses; minibatch: one per --batch-size "
             "consecutive examples. Default: the file's training: mode, else batch (minibatch "
             "when --batch-size is given).",
        show_default=False)] = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", "-b", min=1, help="Examples per update in minibatch mode.",
        show_default=False)] = None,
    learning_rate: Annotated[float | None, typer.Option(
        "--learning-rate", "--lr", help="η (default: the file's learning_rate, else 0.5).",
        show_default=False)] = None,
    momentum: Annotated[float | None, typer.Option(
        help="μ in [0, 1): v ← μ·v − η·g; w ← w + v (sgd only; default 0).",
        show_default=False)] = None,
    l2: Annotated[float | None, typer.Option(
        "--l2", help="≥ 0: every update descends E + l2·Σw² over the weights (not biases), "
                     "each weight's gradient gaining 2·l2·w (default 0).",
        show_default=False)] = None,
    optimizer: Annotated[str | None, typer.Option(
        click_type=LazyChoice("bptutor.model.network", "OPTIMIZERS"),
        help="sgd (plain or with --momentum) or adam (default: sgd).",
        show_default=False)] = None,
    beta1: Annotated[float | None, typer.Option(
        help="Adam's β1 in [0, 1): m ← β1·m + (1 − β1)·g (default 0.9).",
        show_default=False)] = None,
    beta2: Annotated[float | None, typer.Option(
        help="Adam's β2 in [0, 1): v ← β2·v + (1 − β2)·g² (default 0.999).",
        show_default=False)] = None,
    epsilon: Annotated[float | None, typer.Option(
        help="Adam's ε > 0 in w ← w − η·m̂/(√v̂ + ε) (default 1e-8).",
        show_default=False)] = None,
    seed: Annotated[int, typer.Option(
        help="Draws the weights a layer leaves out (uniform in ±1/√fan_in) and the --shuffle "
             "order. Same seed, same run.")] = 0,
    shuffle: Annotated[bool, typer.Option(
        "--shuffle", help="A new random example order every epoch (online, minibatch).")] = False,
    save: Annotated[str | None, typer.Option(
        help="Write the trained network as a new problem file (weights to 4 decimals).",
        show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --save file.")] = False,
    fmt: Annotated[str, format_option("TRAIN")] = "rich",
    no_color: NoColorOpt = False,
) -> None:
    """Train the network by gradient descent over the problem's examples, then show the loss
    curve, every example's prediction and what each hidden neuron computes. The file's
    training: block gives the defaults; options override it. Layers may leave out their
    weights here: they are drawn from --seed. Exit 1 when training diverges."""
    from bptutor.files.output import refuse_overwrite, write_output
    from bptutor.files.problems import load
    from bptutor.model.problem import as_network
    from bptutor.tools import training
    from bptutor.views import formats
    from bptutor.views.terminal import epoch_progress

    with user_errors():
        options = (epochs, mode, batch_size, learning_rate, momentum, l2, seed, shuffle,
                   optimizer, beta1, beta2, epsilon)
        training.checked_settings(*options)  # a wrong option before any file is read
        inputs = _inputs(problem)
        refuse_overwrite(save, force, inputs)
        network = as_network(load(problem, untrained=True))  # a graph is refused there
        settings = training.checked_settings(*options, plan=network.training)
        with epoch_progress(settings.epochs) as on_epoch:
            result = training.train(network, settings, on_epoch)
    formats.TRAIN[fmt](result, no_color)
    if result.diverged_at is not None:
        from bptutor.views.train_view import divergence_message

        print(divergence_message(result), file=sys.stderr)
        raise typer.Exit(1)
    if save is not None:
        with user_errors():
            write_output(save, training.saved_problem(result, problem), force,
                         then=f"try 'bptutor solve {save}'", inputs=inputs)


def app_for(argv: Sequence[str]) -> typer.Typer:
    """The app, holding only the command ``argv`` names when it names one: typer builds
    every command's options before it runs any, a tenth of ``check -f json``'s start-up.
    Help, completion and unknown commands get the whole app."""
    name = argv[1] if len(argv) > 1 else ""
    chosen = [info for info in app.registered_commands
              if (info.name or (info.callback.__name__ if info.callback else "")) == name]
    if not chosen or any(k.startswith("_BPTUTOR_COMPLETE") for k in os.environ):
        return app
    one = copy.copy(app)  # every setting and the --version callback, shared
    one.registered_commands = chosen
    return one


def main() -> None:
    """The ``bptutor`` program: UTF-8 output whatever the locale, and a closed output pipe
    (``| head``) silenced rather than fatal, so files are still written and the exit code is
    the command's own."""
    from bptutor.views.terminal import clamp_size_variables, printable_error, utf8_output

    utf8_output()
    clamp_size_variables()
    try:
        try:
            app_for(sys.argv)()
        finally:
            sys.stdout.flush()  # here, not at exit: a full disk is then an error of ours
    except BptutorError as exc:  # standard output could not be written
        print(printable_error(exc), file=sys.stderr)
        raise SystemExit(2) from None
