"""The worksheet: a problem's steps, evaluated under its rounding policy and exactly.

Steps are evaluated in paper arithmetic (model/paper.py): the carry between steps is the
Decimal paper value; ``values`` and ``exact`` hold the doubles nearest them, for views,
grading and tools."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, Overflow

from bptutor.errors import BptutorError
from bptutor.model import keys, paper
from bptutor.model.problem import Problem, as_graph, as_network
from bptutor.model.rounding import EXACT, Precision, Rounding, rounding_of, show_given
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
    paper_values: dict[str, Decimal] = field(default_factory=dict)  # the same on paper
    paper_exact: dict[str, Decimal] = field(default_factory=dict)

    def step(self, key: str) -> Step:
        return self._index[key]

    def __post_init__(self) -> None:
        self._index = {s.key: s for s in self.steps}

    def precision(self, key: str) -> Precision | None:
        """The precision step ``key`` is rounded to, by its kind (None: exact, or a given)."""
        step = self._index.get(key)
        return self.rounding.precision_of(step.kind if step else "")

    def decimals(self, key: str) -> int | None:
        """The decimals step ``key`` is rounded to (None: exact, or significant figures)."""
        precision = self.precision(key)
        return None if precision is None or precision.significant else precision.places

    def show_value(self, key: str, value: float) -> str:
        """Any value of step ``key`` (a reference, a student's) at its kind's precision."""
        step = self._index.get(key)
        return self.rounding.show(value, step.kind if step else None)

    def show(self, key: str, values: dict[str, float] | None = None) -> str:
        values = self.values if values is None else values
        if key in self.givens:
            return show_given(self.givens[key])
        step = self._index.get(key)
        return self.rounding.show(values[key], step.kind if step else None)

    def substituted(self, step: Step, values: dict[str, float] | None = None) -> str:
        """The step's formula with numbers: the sheet's, or any others (a student's)."""
        if values is None:
            values, v = self.values, [self.paper_values[k] for k in step.inputs]
        else:
            v = [paper.given(values[k]) for k in step.inputs]
        t = [self.show(k, values) for k in step.inputs]
        return step.text(v, t, self.rounding.rule(step.kind))

    def evaluate(self, rounding: Rounding) -> dict[str, Decimal]:
        """Every step's paper value, each from the paper values before it (givens as written)."""
        values = {key: paper.given(value) for key, value in self.givens.items()}
        with paper.working():
            for step in self.steps:
                try:
                    value = step.paper([values[k] for k in step.inputs], rounding)
                except (OverflowError, Overflow, InvalidOperation):
                    value = Decimal("Infinity")
                except (ArithmeticError, ValueError) as exc:  # ln 0, a division by 0
                    raise self.network.compute_error(step.key, exc) from None
                if not value.is_finite() or abs(value) > _LARGEST_DOUBLE:
                    raise self.network.overflow_error(step.key, step.kind)
                values[step.key] = value
        return values

    def displayed(self, exact: dict[str, Decimal]) -> dict[str, Decimal]:
        """``carry: false``: each step is R(exact) by its kind's rule, nothing rounded reused."""
        out = dict(exact)
        for step in self.steps:
            out[step.key] = self.rounding.rule(step.kind)(exact[step.key])
        return out


_LARGEST_DOUBLE = Decimal(sys.float_info.max)  # beyond it a value has no double: an overflow


def _floats(values: dict[str, Decimal], givens: dict[str, float]) -> dict[str, float]:
    """The doubles nearest the paper values; givens keep the very floats the problem holds."""
    out = {key: paper.nearest_float(value) for key, value in values.items()}
    out.update(givens)
    return out


# The passes ``--only`` names, as the step sections they hold (forward includes the loss).
ONLY = {"forward": ("forward", "loss"), "backward": ("backward",), "update": ("update",)}


def selected(sheet: Worksheet, only: str | None) -> list[Step]:
    """The sheet's steps of one pass (``only``), or all of them, in order."""
    sections = ONLY[only] if only else None
    return [s for s in sheet.steps if sections is None or s.section in sections]


Built = tuple[list[Step], dict[str, float]]  # the steps in order, and the given values


def _network_steps(problem: Problem, notation: str) -> Built:
    net = as_network(problem)
    if net.training is not None:  # SPEC §7: several updates
        from bptutor.sheet.updates import build_updates

        return build_updates(net, notation)
    from bptutor.sheet.network_steps import build_steps

    return build_steps(net, notation)


def _graph_steps(problem: Problem, notation: str) -> Built:
    from bptutor.sheet.graph_steps import build_steps  # only graphs pay for the parser

    return build_steps(as_graph(problem))


STEP_BUILDERS: dict[str, Callable[[Problem, str], Built]] = {
    "network": _network_steps,
    "graph": _graph_steps,
}


def solve(network: Problem, digits: int | None | str | Rounding = "file",
          notation: str | None = None) -> Worksheet:
    """Build and evaluate the worksheet; ``digits`` (decimals, None for exact, or a whole
    rounding policy) and ``notation`` override the file's (a notation the problem does not
    have is ignored: a graph has only its own)."""
    rounding = rounding_of(network.round if isinstance(digits, str) else digits)  # "file"
    chosen = network.notation if notation not in network.notations or notation is None else notation
    steps, givens = STEP_BUILDERS[network.kind](network, chosen)
    sheet = Worksheet(network, rounding, chosen, steps, givens)
    sheet.paper_exact = sheet.evaluate(EXACT)
    if not rounding.rounds:
        sheet.paper_values = sheet.paper_exact
    elif rounding.carry:
        sheet.paper_values = sheet.evaluate(rounding)
    else:
        sheet.paper_values = sheet.displayed(sheet.paper_exact)
    sheet.exact = _floats(sheet.paper_exact, givens)
    sheet.values = (sheet.exact if sheet.paper_values is sheet.paper_exact
                    else _floats(sheet.paper_values, givens))
    return sheet


KINDS = {"network": "a layered network", "graph": "a computation graph"}  # in messages


def notation_summary(problem: Problem, notation: str) -> str:
    """What a notation writes, in a few words (the settings line of every view)."""
    return {"activation": "activation notation: dE/d(neuron), σ′ inline",
            "delta": "delta notation: δ = dE/dz",
            "delta_rule": "delta rule: δ = −dE/dz, Δw = η·δ·a, w + Δw",
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
