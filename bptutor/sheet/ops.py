"""The worksheet: every quantity of an exercise as an ordered list of steps.

A step is a key (SPEC §2), a kind, and an *op*: a small expression tree that knows the keys it
reads, its symbolic formula, how to compute its value and how to write itself with numbers
substituted. Ops are built from three factors — ``Ref`` (a value by key), ``Slope`` (an
activation derivative σ′, computed inline as the sheet does) and ``LossGrad`` (∂E/∂y) — and
a few composites. The same steps are evaluated twice: under the problem's rounding policy
and exactly. ``solve`` shows them; ``template``, ``check`` and ``quiz`` read the same list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from bptutor.model import paper
from bptutor.model.activations import SIGMOID, SOFTMAX, Activation
from bptutor.model.losses import Loss, paper_output_logs
from bptutor.model.network import error_scale
from bptutor.model.rounding import Rounding, paren


def join_sum(terms: Sequence[str]) -> str:
    """a + b - c: a negative term after the first is written with a minus."""
    out = terms[0] if terms else "0"
    for term in terms[1:]:
        out += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return out


# -- ops ------------------------------------------------------------------------------------
# Paper-arithmetic contract (model/paper.py): ``value()`` takes and returns Decimals, using
# only + − * / between values, integer literals, the builtin sum() and the activations' and
# losses' paper forms; the caller runs it inside ``paper.working()``.

Values = Sequence[Decimal]  # the values of an op's inputs, in order
Texts = Sequence[str]  # the same values as the sheet writes them


class Op(Protocol):
    """What every step computes, as the sheet, the grader and every view read it."""

    @property
    def inputs(self) -> tuple[str, ...]:
        """The keys it reads, in order."""

    @property
    def formula(self) -> str:
        """Symbolic: dE/dq·(1 - q²)·w1."""

    def value(self, v: Values, R: Rounding) -> Decimal:
        """Its paper value from the values ``v`` of its inputs (rounding only where R says)."""

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        """Its formula with numbers: ``v`` the inputs' paper values, ``t`` as the sheet shows
        them."""

class Ref:
    """A value by key: a weight, an input, or an earlier step."""

    def __init__(self, key: str, label: str):
        self.inputs = (key,)
        self.formula = label

    def value(self, v: Values, R: Rounding) -> Decimal:
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
        self.reads_both = act.slope_reads == "az"  # elu: a + α, its branch chosen by z

    def value(self, v: Values, R: Rounding) -> Decimal:
        if self.reads_z:
            return self.act.paper_slope(paper.ZERO, v[0])
        if self.reads_both:
            return self.act.paper_slope(v[0], v[1])
        if len(v) > 1 and not R.rounds and SIGMOID.paper_value(v[1], 0) == v[0]:
            return SIGMOID.paper_value(v[1], 0) * SIGMOID.paper_value(-v[1], 0)
        return self.act.paper_slope(v[0], paper.ZERO)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.act.slope_text(t[0], float(v[1] if self.reads_both else v[0]))


class LossGrad:
    """∂E/∂y of one output neuron, from its activation y and target t.

    A sigmoid output under a log loss also reads its z (``z``): the exact sheet computes
    1/y and 1/(1 − y) from it, where y is exactly σ(z) (not a student's own y)."""

    def __init__(self, loss: Loss, y: str, t: str, y_label: str, t_label: str, outputs: int,
                 z: str | None = None):
        self.loss, self.m = loss, outputs
        self.inputs = (y, t) if z is None else (y, t, z)
        self.formula = loss.grad_formula(y_label, t_label, outputs)

    def value(self, v: Values, R: Rounding) -> Decimal:
        if len(v) > 2 and not R.rounds and SIGMOID.paper_value(v[2], 0) == v[0]:
            return self.loss.paper_grad_from_logit(v[1], v[2])
        return self.loss.paper_grad(v[0], v[1], self.m)

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
        self._parts = tuple(_spans(self.factors))
        # w·a, dE/dk·w: a product of values read by key needs no calls (most steps are)
        self._plain = all(type(f) is Ref for f in self.factors)

    def value(self, v: Values, R: Rounding) -> Decimal:
        if self._plain:
            result = paper.ONE
            for x in v:
                result *= x
            return result
        result = paper.ONE
        for f, a, b in self._parts:
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
        self.formula = join_sum([term.formula for term in self.terms])  # − θ as a minus
        self._parts = tuple(_spans(self.terms))

    def term_values(self, v: Values, R: Rounding) -> list[Decimal]:
        values = [term.value(v[a:b], R) for term, a, b in self._parts]
        return [R(x) for x in values] if self.round_terms else values

    def value(self, v: Values, R: Rounding) -> Decimal:
        return sum(self.term_values(v, R), paper.ZERO)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        text = join_sum([term.text(v[a:b], t[a:b], R) for term, a, b in _spans(self.terms)])
        if self.round_terms and len(self.terms) > 1 and R.rounds:
            with paper.working():
                terms = self.term_values(v, R)
            text += " = " + join_sum([R.show(x) for x in terms])
        return text


@lru_cache(maxsize=4096)
def unbracketed(text: str) -> str:
    """A step's formula that is one bracketed whole — ∂E/∂y = (y - t), gelu′ = (Φ(z) + z·φ(z)),
    bracketed to stand in a product — without its brackets: ``y - t``."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return text[1:-1] if i == len(text) - 1 else text
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

    def value(self, v: Values, R: Rounding) -> Decimal:
        return self.act.paper_value(v[0])

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.act.value_formula(t[0])


class SoftmaxOut:
    """y_k = exp(z_k) / Σ_l exp(z_l), from the layer's rounded preactivations."""

    def __init__(self, zs: Sequence[str], labels: Sequence[str], index: int):
        self.inputs, self.index = tuple(zs), index
        self.formula = _softmax_text([f"exp({label})" for label in labels], index)

    def value(self, v: Values, R: Rounding) -> Decimal:
        return _paper_softmax(tuple(v))[self.index]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return _softmax_text([f"e^{paren(x)}" for x in t], self.index)


@lru_cache(maxsize=256)
def _paper_softmax(zs: tuple[Decimal, ...]) -> list[Decimal]:
    """A layer's softmax once for all its outputs (each output's step asks for it)."""
    return SOFTMAX.paper_layer_values(zs, 0)


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

    def value(self, v: Values, R: Rounding) -> Decimal:
        m = len(self.names)
        ys, ts, zs = v[:m], v[m:2 * m], v[2 * m:]
        logs = paper_output_logs(self.activations, ys, zs) if zs and not R.rounds else None
        return self.loss.paper_value(ys, ts, self.names, logs)

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

    def value(self, v: Values, R: Rounding) -> Decimal:
        if self.simple:
            return v[0] - v[1]
        ys, ts, k = v[: self.m], v[self.m:], self.index
        rest = _complements(ys) if not R.rounds else [1 - y for y in ys]
        return sum((self.loss.paper_grad(y, t, self.m, rest[i]) * y
                    * (rest[k] if i == k else -ys[k])
                    for i, (y, t) in enumerate(zip(ys, ts))), paper.ZERO)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        if self.simple:
            return f"{t[0]} - {paren(t[1])}"
        ys, ts, k = t[: self.m], t[self.m:], self.index
        return join_sum([f"{self.loss.grad_text(y, tt, self.m)}·{paren(y)}·"
                         f"({int(i == k)} - {paren(ys[k])})"
                         for i, (y, tt) in enumerate(zip(ys, ts))])


_DISTRIBUTION = Decimal("1e-9")  # softmax outputs sum to 1 within this


def _complements(ys: Sequence[Decimal]) -> list[Decimal]:
    """1 − y of each softmax output. A y above ½ (one at most) takes the sum of the others:
    1 − y of a saturated y keeps few correct digits, if any. Numbers that are no
    distribution (a student's own) get plainly 1 − y."""
    if len(ys) < 2 or abs(sum(ys, paper.ZERO) - 1) > _DISTRIBUTION:
        return [1 - y for y in ys]
    return [sum([*ys[:i], *ys[i + 1:]], paper.ZERO) if 2 * y > 1 else 1 - y
            for i, y in enumerate(ys)]


class Update:
    """new(w) = w − η·dE/dw."""

    def __init__(self, w: str, grad: str, rate: str, w_label: str, grad_label: str):
        self.inputs = (w, rate, grad)
        self.formula = f"{w_label} - η·{grad_label}"

    def value(self, v: Values, R: Rounding) -> Decimal:
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
    update: int | None = None  # SPEC §7: the update k of a ``…#k`` step (None: one update)

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.op.inputs

    @property
    def formula(self) -> str:
        return unbracketed(self.op.formula)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        """The formula with the numbers ``t`` substituted (values ``v``)."""
        return unbracketed(self.op.text(v, t, R))

    def compute(self, values: Mapping[str, float | Decimal], rounding: Rounding) -> float:
        """This step's value from any values of its inputs (the student's, say, read as
        written), as the double nearest its paper value."""
        with paper.working():
            v = [paper.given(values[k]) for k in self.op.inputs]
            return paper.nearest_float(self.paper(v, rounding))

    def paper(self, v: Values, rounding: Rounding) -> Decimal:
        """The paper value from its inputs' paper values ``v``, rounded by its kind's rule
        (call inside ``paper.working()``)."""
        rule = rounding.rule(self.kind)
        return rule(self.op.value(v, rule))




# -- SPEC §6 dialects: thresholds, the delta rule, Δw steps, batch means, loss terms -----------
# (Paper-arithmetic contract: + − * / between values, integer literals only, so each op works
# on decimal.Decimal values as on floats.)

def _negate_text(text: str) -> str:
    """-x, written -(…) where x itself starts with a minus or holds a sum."""
    return f"-({text})" if text.startswith("-") or " + " in text or " - " in text else f"-{text}"


class Negated:
    """−x of another op: a threshold in z = Σ w·a − θ, dE/dθ = −dE/dz, Δw = −η·dE/dw."""

    def __init__(self, op: Op):
        self.op = op
        self.inputs = op.inputs
        self.formula = _negate_text(op.formula)

    def value(self, v: Values, R: Rounding) -> Decimal:
        return -self.op.value(v, R)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return _negate_text(self.op.text(v, t, R))


class Increment:
    """new(w) = w + Δw (the delta rule, and SPEC §6 ``show: [change]``)."""

    def __init__(self, w: str, change: str, w_label: str, change_label: str):
        self.inputs = (w, change)
        self.formula = f"{w_label} + {change_label}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        return v[0] + v[1]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return f"{t[0]} + {paren(t[1])}"


class Mean(Sum):
    """A batch total as a mean: (Σ rounded per-example values) / n (SPEC §6 ``batch: mean``)."""

    def __init__(self, terms: Sequence[Product]):
        super().__init__(terms)
        self.formula = f"({self.formula})/{len(self.terms)}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        return super().value(v, R) / len(self.terms)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return f"({super().text(v, t, R)})/{len(self.terms)}"


class ErrorGrad:
    """∂E/∂y = −c·e(y) from the written output error e = t − y, or (``toward``) its negative
    c·e(y), the delta rule's −∂E/∂y (SPEC §6 ``show: [output_error]``)."""

    def __init__(self, loss: Loss, e: str, e_label: str, outputs: int, toward: bool = False):
        self.loss, self.m, self.toward = loss, outputs, toward
        self.inputs = (e,)
        self.scale = error_scale(loss, outputs) or ""
        self.formula = self._write(e_label)

    def _write(self, e: str) -> str:
        body = f"{self.scale}·{paren(e)}" if self.scale else e
        return body if self.toward else _negate_text(body)

    def value(self, v: Values, R: Rounding) -> Decimal:
        e = v[0]
        # c·(0 − e): the squared losses' ∂E/∂y is linear in y − t
        grad = self.loss.paper_grad(e - e, e, self.m)
        return -grad if self.toward else grad

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self._write(t[0])


class TowardTarget:
    """−∂E/∂y, the delta rule's output factor, as each loss writes it once: (t − y) for
    ½Σ(t − y)², 2·(t − y) for Σ(t − y)², t/y − (1 − t)/(1 − y) for binary cross-entropy."""

    def __init__(self, grad: LossGrad, y_label: str, t_label: str):
        self.grad = grad
        self.inputs = grad.inputs
        self.formula = grad.loss.negated_grad_formula(y_label, t_label, grad.m)

    def value(self, v: Values, R: Rounding) -> Decimal:
        return -self.grad.value(v, R)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self.grad.loss.negated_grad_text(t[0], t[1], self.grad.m)


class LossTerm(LossValue):
    """E(y): one output's term of the loss, so that E = Σ rounded terms (SPEC §6
    ``show: [loss_terms]``). The mean squared error's term carries its 1/m."""

    def __init__(self, loss: Loss, y: str, t: str, y_label: str, t_label: str, outputs: int,
                 z: str | None = None, activation: Activation | None = None):
        super().__init__(loss, [y], [t], [y_label], [t_label], [z] if z else [],
                         [activation] if activation else [])
        self.m = outputs if loss.name == "mean_squared_error" else 1
        if self.m > 1:
            self.formula = f"(1/{self.m})·{self.formula}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        return super().value(v, R) / self.m if self.m > 1 else super().value(v, R)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        text = super().text(v, t, R)
        return f"(1/{self.m})·{text}" if self.m > 1 else text
