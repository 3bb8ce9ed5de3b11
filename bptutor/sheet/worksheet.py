"""The worksheet: a problem's steps, evaluated under its rounding policy and exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import InvalidOperation

from bptutor.errors import BptutorError
from bptutor.model.graph import Graph
from bptutor.model.network import Network
from bptutor.model.rounding import EXACT, Rounding, show_given
from bptutor.sheet.network_steps import build_steps
from bptutor.sheet.ops import Step


@dataclass
class Worksheet:
    network: Network | Graph
    rounding: Rounding
    notation: str
    steps: list[Step]
    givens: dict[str, float]
    values: dict[str, float] = field(default_factory=dict)  # under the rounding policy
    exact: dict[str, float] = field(default_factory=dict)  # no rounding anywhere

    def step(self, key: str) -> Step:
        return self._index[key]

    def __post_init__(self):
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
                if isinstance(self.network, Graph):  # at the expression that failed
                    raise self.network.compute_error(step.key, exc) from None
                raise self.network.error(
                    "loss", f"cannot compute {step.key}: {exc}",
                    "a log or a division meets 0: check the targets and the output "
                    "activations") from None
            if not math.isfinite(value):
                place = "loss" if step.kind in ("loss", "error", "delta") else "network"
                place = step.key if isinstance(self.network, Graph) else place
                raise self.network.error(place, f"{step.key} is too large to compute with",
                                         "use smaller weights or inputs")
            values[step.key] = value
        return values


def solve(network: Network | Graph, digits: int | None | str = "file",
          notation: str | None = None) -> Worksheet:
    """Build and evaluate the worksheet; ``digits`` and ``notation`` override the file's."""
    rounding = Rounding(network.round if digits == "file" else digits)
    if isinstance(network, Graph):  # one notation only: ``notation`` does not apply
        from bptutor.sheet.graph_steps import build_steps as graph_steps

        notation = network.notation
        steps, givens = graph_steps(network)
    else:
        notation = notation or network.notation
        steps, givens = build_steps(network, notation)
    sheet = Worksheet(network, rounding, notation, steps, givens)
    sheet.exact = sheet.evaluate(EXACT)
    sheet.values = sheet.exact if rounding.digits is None else sheet.evaluate(rounding)
    return sheet


def asked_notation(problem: Network | Graph, notation: str | None) -> str | None:
    """A notation the user asked for (``--notation``): a computation graph has only its own,
    so asking for one there is an error rather than silently ignored."""
    if notation is not None and isinstance(problem, Graph):
        raise BptutorError(problem.path, problem.marks.get("kind"), f"--notation {notation} "
                           "does not apply to a computation graph", "a graph has one notation, "
                           f"d{problem.output}/d(value) with local derivatives inline: leave "
                           "out --notation")
    return notation
