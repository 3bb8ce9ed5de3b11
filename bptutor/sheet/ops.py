"""The worksheet: every quantity of an exercise as an ordered list of steps.

A step is a key (SPEC §2), a kind, and an *op*: a small expression tree that knows the keys it
reads, its symbolic formula, how to compute its value and how to write itself with numbers
substituted. Ops are built from three factors — ``Ref`` (a value by key), ``Slope`` (an
activation derivative σ′, computed inline as the sheet does) and ``LossGrad`` (∂E/∂y) — and
a few composites. The same steps are evaluated twice: under the problem's rounding policy
and exactly. ``solve`` shows them; ``template``, ``check`` and ``quiz`` read the same list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bptutor.model.activations import Activation, sigmoid, softmax
from bptutor.model.losses import Loss, output_logs
from bptutor.model.rounding import Rounding, paren


def join_sum(terms: Sequence[str]) -> str:
    """a + b - c: a negative term after the first is written with a minus."""
    out = terms[0] if terms else "0"
    for term in terms[1:]:
        out += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return out


# -- ops ------------------------------------------------------------------------------------

Values = Sequence[float]  # the values of an op's inputs, in order
Texts = Sequence[str]  # the same values as the sheet writes them


class Op(Protocol):
    """What every step computes, as the sheet, the grader and every view read it."""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The keys it reads, in order."""

    @property
    def formula(self) -> str:
        """Symbolic: dE/dq·(1 - q²)·w1."""

    def value(self, v: Values, R: Rounding) -> float:
        """Its value from the values ``v`` of its inputs (rounding only where R says)."""

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        """Its formula with numbers: ``v`` the inputs' values, ``t`` as the sheet shows them."""

class Ref:
    """A value by key: a weight, an input, or an earlier step."""

    def __init__(self, key: str, label: str):
        self.inputs = (key,)
        self.formula = label

    def value(self, v: Values, R: Rounding) -> float:
        return v[0]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return t[0]


class Slope:
    """σ′ of a neuron, from its rounded activation (tanh, sigmoid) or its z (relu).

    A sigmoid output under a log loss also reads its z (``z_key``): the exact sheet takes
    σ′ = σ(z)·σ(−z) from it, as a(1 − a) is 0 once a saturates to 1.0, yet it multiplies a
    ∂E/∂y = 1 + e^z that is finite (see ``LossGrad``)."""

    def __init__(self, act: Activation, neuron: str, key: str, z_key: str | None = None):
        self.act = act
        self.inputs = (key,) if z_key is None else (key, z_key)
        self.formula = act.slope_formula(neuron)
        self.reads_z = act.slope_reads == "z"

    def value(self, v: Values, R: Rounding) -> float:
        if self.reads_z:
            return self.act.slope(0.0, v[0])
        if len(v) > 1 and R.digits is None and sigmoid(v[1]) == v[0]:
            return sigmoid(v[1]) * sigmoid(-v[1])
        return self.act.slope(v[0], 0.0)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.act.slope_text(t[0], v[0])


class LossGrad:
    """∂E/∂y of one output neuron, from its activation y and target t.

    A sigmoid output under a log loss also reads its z (``z``): the exact sheet computes
    1/y and 1/(1 − y) from it, where y is exactly σ(z) (not a student's own y)."""

    def __init__(self, loss: Loss, y: str, t: str, y_label: str, t_label: str, outputs: int,
                 z: str | None = None):
        self.loss, self.m = loss, outputs
        self.inputs = (y, t) if z is None else (y, t, z)
        self.formula = loss.grad_formula(y_label, t_label, outputs)

    def value(self, v: Values, R: Rounding) -> float:
        if len(v) > 2 and R.digits is None and sigmoid(v[2]) == v[0]:
            return self.loss.grad_from_logit(v[1], v[2])
        return self.loss.grad(v[0], v[1], self.m)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.loss.grad_text(t[0], t[1], self.m)


def _spans(children: Sequence[Op]) -> Iterator[tuple[Op, int, int]]:
    """Each child with the slice of its parent's input values that belongs to it."""
    start = 0
    for child in children:
        end = start + len(child.inputs)
        yield child, start, end
        start = end


class Product:
    """A product of factors: err·σ′·a, w·x."""

    def __init__(self, factors: Sequence[Op]):
        self.factors = list(factors)
        self.inputs = tuple(k for f in self.factors for k in f.inputs)
        alone = len(self.factors) == 1
        self.formula = "·".join(_bracket(f.formula, f, alone) for f in self.factors)

    def value(self, v: Values, R: Rounding) -> float:
        result = 1.0
        for f, a, b in _spans(self.factors):
            result *= f.value(v[a:b], R)
        return result

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        alone = len(self.factors) == 1
        return "·".join(_bracket_text(f.text(v[a:b], t[a:b], R), f, i, alone)
                        for i, (f, a, b) in enumerate(_spans(self.factors)))


class Sum:
    """A sum of terms; ``round_terms`` rounds each term first (the hidden-error rule)."""

    def __init__(self, terms: Sequence[Product], round_terms: bool = False):
        self.terms = list(terms)
        self.round_terms = round_terms
        self.inputs = tuple(k for term in self.terms for k in term.inputs)
        self.formula = " + ".join(term.formula for term in self.terms)

    def term_values(self, v: Values, R: Rounding) -> list[float]:
        values = [term.value(v[a:b], R) for term, a, b in _spans(self.terms)]
        return [R(x) for x in values] if self.round_terms else values

    def value(self, v: Values, R: Rounding) -> float:
        return math.fsum(self.term_values(v, R))

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        text = join_sum([term.text(v[a:b], t[a:b], R) for term, a, b in _spans(self.terms)])
        if self.round_terms and len(self.terms) > 1 and R.digits is not None:
            text += " = " + join_sum([R.show(x) for x in self.term_values(v, R)])
        return text


def _bracket(formula: str, factor: Op, alone: bool = False) -> str:
    many = isinstance(factor, Sum) and len(factor.terms) > 1
    return f"({formula})" if many and not alone else formula


def _bracket_text(text: str, factor: Op, position: int, alone: bool = False) -> str:
    """Bracket a sum inside a product, and a negative number that follows a '·'."""
    if isinstance(factor, Sum) and len(factor.terms) > 1:
        return text if alone else f"({text})"
    if not position:
        return text
    if isinstance(factor, (Sum, Product)):  # a product: bracket only its leading number
        return re.sub(r"^-[0-9.e+-]+?(?=·|$)", lambda m: f"({m.group()})", text)
    return paren(text)


class Apply:
    """a = σ(z) for an elementwise activation."""

    def __init__(self, act: Activation, z: str, z_label: str):
        self.act = act
        self.inputs = (z,)
        self.formula = act.value_formula(z_label)

    def value(self, v: Values, R: Rounding) -> float:
        return self.act.value(v[0])

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.act.value_formula(t[0])


class SoftmaxOut:
    """y_k = exp(z_k) / Σ_l exp(z_l), from the layer's rounded preactivations."""

    def __init__(self, zs: Sequence[str], labels: Sequence[str], index: int):
        self.inputs, self.index = tuple(zs), index
        self.formula = _softmax_text([f"exp({label})" for label in labels], index)

    def value(self, v: Values, R: Rounding) -> float:
        return softmax(v)[self.index]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return _softmax_text([f"e^{paren(x)}" for x in t], self.index)


def _softmax_text(exps: Sequence[str], index: int) -> str:
    return f"{exps[index]} / ({' + '.join(exps)})"


class LossValue:
    """E over the output activations and targets.

    A log loss on sigmoid or softmax outputs also reads their z (``zs``, with the outputs'
    ``activations``): the exact sheet takes ln y and ln(1 − y) from z, as float y saturates
    to 0 or 1 (σ(40) is 1.0) long before the loss is infinite. A rounded sheet computes from
    its rounded y by definition (SPEC §3), so a rounded y of 0 or 1 is a genuine ln 0."""

    def __init__(self, loss: Loss, ys: Sequence[str], ts: Sequence[str],
                 y_labels: Sequence[str], t_labels: Sequence[str], zs: Sequence[str] = (),
                 activations: Sequence[Activation] = ()):
        self.loss, self.names, self.activations = loss, list(y_labels), list(activations)
        self.inputs = (*ys, *ts, *zs)
        self.formula = loss.formula([loss.term_formula(y, t) for y, t in zip(y_labels, t_labels)])

    def value(self, v: Values, R: Rounding) -> float:
        m = len(self.names)
        ys, ts, zs = v[:m], v[m:2 * m], v[2 * m:]
        logs = output_logs(self.activations, ys, zs) if zs and R.digits is None else None
        return self.loss.value(ys, ts, self.names, logs)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        m = len(self.names)
        return self.loss.formula([self.loss.term_formula(paren(y), paren(tt))
                                  for y, tt in zip(t[:m], t[m:2 * m])])


class SoftmaxGrad:
    """dE/dz(k) at a softmax output: y_k − t_k with cross entropy, else the full Jacobian sum."""

    def __init__(self, loss: Loss, ys: Sequence[str], ts: Sequence[str],
                 y_labels: Sequence[str], t_labels: Sequence[str], index: int):
        self.loss, self.index, self.m = loss, index, len(ys)
        self.simple = loss.matches_softmax
        self.inputs: tuple[str, ...]
        if self.simple:
            self.inputs = (ys[index], ts[index])
            self.formula = f"{y_labels[index]} - {t_labels[index]}"
        else:
            self.inputs = (*ys, *ts)
            k = y_labels[index]
            self.formula = " + ".join(
                f"{loss.grad_formula(y, t, self.m)}·{y}·({int(i == index)} - {k})"
                for i, (y, t) in enumerate(zip(y_labels, t_labels)))

    def value(self, v: Values, R: Rounding) -> float:
        if self.simple:
            return v[0] - v[1]
        ys, ts, k = v[: self.m], v[self.m:], self.index
        rest = _complements(ys) if R.digits is None else [1 - y for y in ys]
        return math.fsum(self.loss.grad(y, t, self.m, rest[i]) * y
                         * (rest[k] if i == k else 0.0 - ys[k])
                         for i, (y, t) in enumerate(zip(ys, ts)))

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        if self.simple:
            return f"{t[0]} - {paren(t[1])}"
        ys, ts, k = t[: self.m], t[self.m:], self.index
        return join_sum([f"{self.loss.grad_text(y, tt, self.m)}·{paren(y)}·"
                         f"({int(i == k)} - {paren(ys[k])})"
                         for i, (y, tt) in enumerate(zip(ys, ts))])


def _complements(ys: Sequence[float]) -> list[float]:
    """1 − y of each softmax output. A y above ½ (one at most) takes the sum of the others:
    1 − y of a saturated float y keeps few correct digits, if any. Numbers that are no
    distribution (a student's own) get plainly 1 − y."""
    if len(ys) < 2 or abs(math.fsum(ys) - 1) > 1e-9:
        return [1 - y for y in ys]
    return [math.fsum([*ys[:i], *ys[i + 1:]]) if y > 0.5 else 1 - y for i, y in enumerate(ys)]


class Update:
    """new(w) = w − η·dE/dw."""

    def __init__(self, w: str, grad: str, rate: str, w_label: str, grad_label: str):
        self.inputs = (w, rate, grad)
        self.formula = f"{w_label} - η·{grad_label}"

    def value(self, v: Values, R: Rounding) -> float:
        return v[0] - v[1] * v[2]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return f"{t[0]} - {t[1]}·{paren(t[2])}"


@dataclass(eq=False)
class Step:
    key: str
    kind: str
    section: str  # forward | loss | backward | update
    example: int | None  # 1-based example, None for totals and updates
    op: Op

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.op.inputs

    @property
    def formula(self) -> str:
        return self.op.formula

    def compute(self, values: Mapping[str, float], rounding: Rounding) -> float:
        """This step's value from any values of its inputs (the student's, say)."""
        return rounding(self.op.value([values[k] for k in self.op.inputs], rounding))


