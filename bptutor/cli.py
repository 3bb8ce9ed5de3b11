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
) -> None:
    """Work the exercise: forward pass, loss, backward pass and update, each step as its
    formula, the numbers substituted, and the value."""
    from bptutor.problem import load
    from bptutor.worksheet import solve as solve_sheet

    if exact and round_ is not None:
        raise typer.BadParameter("give --round N or --exact, not both")
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
        from rich.console import Console

        from bptutor.render import rich_view

        console = Console(no_color=no_color or bool(os.environ.get("NO_COLOR")) or None,
                          highlight=False)
        rich_view.render(sheet, console, only_name)


def main() -> None:
    app()
