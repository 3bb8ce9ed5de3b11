"""The worksheet: a problem's steps, evaluated under its rounding policy and exactly."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import InvalidOperation

from bptutor.errors import BptutorError
from bptutor.model import keys
from bptutor.model.problem import Problem, as_graph, as_network
from bptutor.model.rounding import EXACT, Rounding, show_given
from bptutor.sheet.ops import Step


@dataclass
class Worksheet:
    network: Problem  # a layered network or a computation graph
    rounding: Rounding
    notation: str
    steps: list[Step]
    givens: dict[str, float]
    values: dict[str, float] = field(default_factory=dict)  # under the rounding policy
    exact: dict[str, float] = field(default_factory=dict)  # no rounding anywhere

    def step(self, key: str) -> Step:
        return self._index[key]

    def __post_init__(self) -> None:
        self._index = {s.key: s for s in self.steps}

    def show(self, key: str, values: dict[str, float] | None = None) -> str:
        values = self.values if values is None else values
        if key in self.givens:
            return show_given(self.givens[key])
        return self.rounding.show(values[key])

    def substituted(self, step: Step, values: dict[str, float] | None = None) -> str:
        """The step's formula with numbers: the sheet's, or any others (a student's)."""
        values = self.values if values is None else values
        v = [values[k] for k in step.inputs]
        t = [self.show(k, values) for k in step.inputs]
        return step.op.text(v, t, self.rounding)

    def evaluate(self, rounding: Rounding) -> dict[str, float]:
        values = dict(self.givens)
        for step in self.steps:
            try:
                value = step.compute(values, rounding)
            except (OverflowError, InvalidOperation):
                value = math.inf
            except (ArithmeticError, ValueError) as exc:  # ln 0, a division by 0
                raise self.network.compute_error(step.key, exc) from None
            if not math.isfinite(value):
                raise self.network.overflow_error(step.key, step.kind)
            values[step.key] = value
        return values


# The passes ``--only`` names, as the step sections they hold (forward includes the loss).
ONLY = {"forward": ("forward", "loss"), "backward": ("backward",), "update": ("update",)}


def selected(sheet: Worksheet, only: str | None) -> list[Step]:
    """The sheet's steps of one pass (``only``), or all of them, in order."""
    sections = ONLY[only] if only else None
    return [s for s in sheet.steps if sections is None or s.section in sections]


Built = tuple[list[Step], dict[str, float]]  # the steps in order, and the given values


def _network_steps(problem: Problem, notation: str) -> Built:
    from bptutor.sheet.network_steps import build_steps

    return build_steps(as_network(problem), notation)


def _graph_steps(problem: Problem, notation: str) -> Built:
    from bptutor.sheet.graph_steps import build_steps  # only graphs pay for the parser

    return build_steps(as_graph(problem))


STEP_BUILDERS: dict[str, Callable[[Problem, str], Built]] = {
    "network": _network_steps,
    "graph": _graph_steps,
}


def solve(network: Problem, digits: int | None | str = "file",
          notation: str | None = None) -> Worksheet:
    """Build and evaluate the worksheet; ``digits`` and ``notation`` override the file's
    (a notation the problem does not have is ignored: a graph has only its own)."""
    rounding = Rounding(network.round if isinstance(digits, str) else digits)  # "file"
    chosen = network.notation if notation not in network.notations or notation is None else notation
    steps, givens = STEP_BUILDERS[network.kind](network, chosen)
    sheet = Worksheet(network, rounding, chosen, steps, givens)
    sheet.exact = sheet.evaluate(EXACT)
    sheet.values = sheet.exact if rounding.digits is None else sheet.evaluate(rounding)
    return sheet


KINDS = {"network": "a layered network", "graph": "a computation graph"}  # in messages


def notation_summary(problem: Problem, notation: str) -> str:
    """What a notation writes, in a few words (the settings line of every view)."""
    return {"activation": "activation notation: dE/d(neuron), σ′ inline",
            "delta": "delta notation: δ = dE/dz",
            "graph": f"computation graph: {keys.derivative('(value)', problem.loss_name)}, "
                     "local derivatives inline"}[notation]


def asked_notation(problem: Problem, notation: str | None) -> str | None:
    """A notation the user asked for (``--notation``): one the problem does not have (a
    computation graph has only its own) is an error rather than silently ignored."""
    if notation is not None and notation not in problem.notations:
        own = "; ".join(notation_summary(problem, n) for n in problem.notations)
        raise BptutorError(problem.path, problem.marks.get("kind"), f"--notation {notation} "
                           f"does not apply to {KINDS[problem.kind]}",
                           f"leave out --notation (this problem's: {own})")
    return notation
