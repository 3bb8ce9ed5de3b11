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
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import InvalidOperation

from bptutor.functions import Activation, Loss, paren, softmax
from bptutor.problem import Network
from bptutor.rounding import EXACT, Rounding, show_given


def join_sum(terms: Sequence[str]) -> str:
    """a + b - c: a negative term after the first is written with a minus."""
    out = terms[0] if terms else "0"
    for term in terms[1:]:
        out += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return out


# -- ops ------------------------------------------------------------------------------------
# Each op: ``inputs`` (keys read, in order), ``formula``, ``value(v, R)`` from the input values,
# ``text(v, t, R)`` with the input values v and their display texts t.

class Ref:
    """A value by key: a weight, an input, or an earlier step."""

    def __init__(self, key: str, label: str):
        self.inputs = (key,)
        self.formula = label

    def value(self, v, R):
        return v[0]

    def text(self, v, t, R):
        return t[0]


class Slope:
    """σ′ of a neuron, from its rounded activation (tanh, sigmoid) or its z (relu)."""

    def __init__(self, act: Activation, neuron: str, key: str):
        self.act = act
        self.inputs = (key,)
        self.formula = act.slope_formula(neuron)
        self.reads_z = act.slope_reads == "z"

    def value(self, v, R):
        return self.act.slope(0.0, v[0]) if self.reads_z else self.act.slope(v[0], 0.0)

    def text(self, v, t, R):
        return self.act.slope_text(t[0], v[0])


class LossGrad:
    """∂E/∂y of one output neuron, from its activation y and target t."""

    def __init__(self, loss: Loss, y: str, t: str, y_label: str, t_label: str, outputs: int):
        self.loss, self.m = loss, outputs
        self.inputs = (y, t)
        self.formula = loss.grad_formula(y_label, t_label, outputs)

    def value(self, v, R):
        return self.loss.grad(v[0], v[1], self.m)

    def text(self, v, t, R):
        return self.loss.grad_text(t[0], t[1], self.m)


def _spans(children: Sequence):
    """Each child with the slice of its parent's input values that belongs to it."""
    start = 0
    for child in children:
        end = start + len(child.inputs)
        yield child, start, end
        start = end


class Product:
    """A product of factors: err·σ′·a, w·x."""

    def __init__(self, factors: Sequence):
        self.factors = list(factors)
        self.inputs = tuple(k for f in self.factors for k in f.inputs)
        alone = len(self.factors) == 1
        self.formula = "·".join(_bracket(f.formula, f, alone) for f in self.factors)

    def value(self, v, R):
        result = 1.0
        for f, a, b in _spans(self.factors):
            result *= f.value(v[a:b], R)
        return result

    def text(self, v, t, R):
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

    def term_values(self, v, R) -> list[float]:
        values = [term.value(v[a:b], R) for term, a, b in _spans(self.terms)]
        return [R(x) for x in values] if self.round_terms else values

    def value(self, v, R):
        return math.fsum(self.term_values(v, R))

    def text(self, v, t, R):
        text = join_sum([term.text(v[a:b], t[a:b], R) for term, a, b in _spans(self.terms)])
        if self.round_terms and len(self.terms) > 1 and R.digits is not None:
            text += " = " + join_sum([R.show(x) for x in self.term_values(v, R)])
        return text


def _bracket(formula: str, factor, alone: bool = False) -> str:
    many = isinstance(factor, Sum) and len(factor.terms) > 1
    return f"({formula})" if many and not alone else formula


def _bracket_text(text: str, factor, position: int, alone: bool = False) -> str:
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

    def value(self, v, R):
        return self.act.value(v[0])

    def text(self, v, t, R):
        return self.act.value_formula(t[0])


class SoftmaxOut:
    """y_k = exp(z_k) / Σ_l exp(z_l), from the layer's rounded preactivations."""

    def __init__(self, zs: Sequence[str], labels: Sequence[str], index: int):
        self.inputs, self.index = tuple(zs), index
        self.formula = _softmax_text([f"exp({label})" for label in labels], index)

    def value(self, v, R):
        return softmax(v)[self.index]

    def text(self, v, t, R):
        return _softmax_text([f"e^{paren(x)}" for x in t], self.index)


def _softmax_text(exps: Sequence[str], index: int) -> str:
    return f"{exps[index]} / ({' + '.join(exps)})"


class LossValue:
    """E over the output activations and targets."""

    def __init__(self, loss: Loss, ys: Sequence[str], ts: Sequence[str],
                 y_labels: Sequence[str], t_labels: Sequence[str]):
        self.loss, self.names = loss, list(y_labels)
        self.inputs = (*ys, *ts)
        self.formula = loss.formula([loss.term_formula(y, t) for y, t in zip(y_labels, t_labels)])

    def value(self, v, R):
        m = len(self.names)
        return self.loss.value(v[:m], v[m:], self.names)

    def text(self, v, t, R):
        m = len(self.names)
        return self.loss.formula([self.loss.term_formula(paren(y), paren(tt))
                                  for y, tt in zip(t[:m], t[m:])])


class SoftmaxGrad:
    """dE/dz(k) at a softmax output: y_k − t_k with cross entropy, else the full Jacobian sum."""

    def __init__(self, loss: Loss, ys: Sequence[str], ts: Sequence[str],
                 y_labels: Sequence[str], t_labels: Sequence[str], index: int):
        self.loss, self.index, self.m = loss, index, len(ys)
        self.simple = loss.name == "cross_entropy"
        if self.simple:
            self.inputs = (ys[index], ts[index])
            self.formula = f"{y_labels[index]} - {t_labels[index]}"
        else:
            self.inputs = (*ys, *ts)
            k = y_labels[index]
            self.formula = " + ".join(
                f"{loss.grad_formula(y, t, self.m)}·{y}·({int(i == index)} - {k})"
                for i, (y, t) in enumerate(zip(y_labels, t_labels)))

    def value(self, v, R):
        if self.simple:
            return v[0] - v[1]
        ys, ts, k = v[: self.m], v[self.m:], self.index
        return math.fsum(self.loss.grad(y, t, self.m) * y * ((i == k) - ys[k])
                         for i, (y, t) in enumerate(zip(ys, ts)))

    def text(self, v, t, R):
        if self.simple:
            return f"{t[0]} - {paren(t[1])}"
        ys, ts, k = t[: self.m], t[self.m:], self.index
        return join_sum([f"{self.loss.grad_text(y, tt, self.m)}·{paren(y)}·"
                         f"({int(i == k)} - {paren(ys[k])})"
                         for i, (y, tt) in enumerate(zip(ys, ts))])


class Update:
    """new(w) = w − η·dE/dw."""

    def __init__(self, w: str, grad: str, rate: str, w_label: str, grad_label: str):
        self.inputs = (w, rate, grad)
        self.formula = f"{w_label} - η·{grad_label}"

    def value(self, v, R):
        return v[0] - v[1] * v[2]

    def text(self, v, t, R):
        return f"{t[0]} - {t[1]}·{paren(t[2])}"


# -- steps and worksheets ---------------------------------------------------------------------

@dataclass(eq=False)
class Step:
    key: str
    kind: str
    section: str  # forward | loss | backward | update
    example: int | None  # 1-based example, None for totals and updates
    op: object

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.op.inputs

    @property
    def formula(self) -> str:
        return self.op.formula

    def compute(self, values, rounding: Rounding) -> float:
        """This step's value from any values of its inputs (the student's, say)."""
        return rounding(self.op.value([values[k] for k in self.op.inputs], rounding))


@dataclass
class Worksheet:
    network: Network
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

    def substituted(self, step: Step) -> str:
        v = [self.values[k] for k in step.inputs]
        t = [self.show(k) for k in step.inputs]
        return step.op.text(v, t, self.rounding)

    def evaluate(self, rounding: Rounding) -> dict[str, float]:
        values = dict(self.givens)
        for step in self.steps:
            try:
                value = step.compute(values, rounding)
            except (OverflowError, InvalidOperation):
                value = math.inf
            except (ArithmeticError, ValueError) as exc:  # ln 0, a division by 0
                raise self.network.error(
                    "loss", f"cannot compute {step.key}: {exc}",
                    "a log or a division meets 0: check the targets and the output "
                    "activations") from None
            if not math.isfinite(value):
                place = "loss" if step.kind in ("loss", "error", "delta") else "network"
                raise self.network.error(place, f"{step.key} is too large to compute with",
                                         "use smaller weights or inputs")
            values[step.key] = value
        return values


def solve(network: Network, digits: int | None | str = "file",
          notation: str | None = None) -> Worksheet:
    """Build and evaluate the worksheet; ``digits`` and ``notation`` override the file's."""
    rounding = Rounding(network.round if digits == "file" else digits)
    notation = notation or network.notation
    steps, givens = build_steps(network, notation)
    sheet = Worksheet(network, rounding, notation, steps, givens)
    sheet.exact = sheet.evaluate(EXACT)
    sheet.values = sheet.exact if rounding.digits is None else sheet.evaluate(rounding)
    return sheet


def build_steps(net: Network, notation: str) -> tuple[list[Step], dict[str, float]]:
    """The ordered steps of SPEC §3 for ``net`` in ``notation``, and the given values."""
    givens: dict[str, float] = {}
    for layer in net.layers:
        for names, row in zip(layer.weight_names, layer.weights):
            givens.update(zip(names, row))
        if layer.bias is not None:
            givens.update(zip(layer.bias_names, layer.bias))
    many = len(net.examples) > 1
    steps: list[Step] = []
    for e, example in enumerate(net.examples, start=1):
        suffix = f"@{e}" if many else ""
        builder = _ExampleSteps(net, notation, suffix, e if many else None)
        givens.update(zip(builder.input_keys, example.inputs))
        givens.update(zip(builder.target_keys, example.targets))
        steps += builder.steps()
    if many:
        count = len(net.examples)
        steps.append(_total("E", "loss", "loss", count))
        steps += [_total(f"dE/d{name}", "gradient", "backward", count)
                  for name, _ in parameters(net)]
    if net.learning_rate is not None:
        givens[RATE] = net.learning_rate
        steps += [Step(f"new({name})", "update", "update", None,
                       Update(name, f"dE/d{name}", RATE, name, f"dE/d{name}"))
                  for name, is_bias in parameters(net) if net.update_biases or not is_bias]
    return steps, givens


RATE = "η()"  # the learning rate's key: parentheses keep it apart from every user name


def parameters(net: Network) -> list[tuple[str, bool]]:
    """Weight and bias names in backprop order (last layer first), with whether each is a bias."""
    return [(name, is_bias) for layer in reversed(net.layers)
            for names, is_bias in ((sum(layer.weight_names, []), False),
                                   (layer.bias_names or [], True))
            for name in names]


def _total(key: str, kind: str, section: str, count: int) -> Step:
    parts = [Product([Ref(f"{key}@{e}", f"{key}@{e}")]) for e in range(1, count + 1)]
    return Step(key, kind, section, None, Sum(parts))


class _ExampleSteps:
    """The forward, loss and backward steps for one example (keys end in ``@k`` in a batch)."""

    def __init__(self, net: Network, notation: str, suffix: str, example: int | None):
        self.net, self.notation, self.s, self.example = net, notation, suffix, example
        self.input_keys = [f"{x}{suffix}" for x in net.inputs]
        self.target_keys = [f"t({y}){suffix}" for y in net.outputs]
        single = len(net.outputs) == 1
        self.target_labels = ["t" if single else f"t({y})" for y in net.outputs]
        self.out: list[Step] = []

    def add(self, key: str, kind: str, section: str, op) -> None:
        self.out.append(Step(key + self.s, kind, section, self.example, op))

    def ref(self, key: str, label: str | None = None) -> Ref:
        return Ref(key + self.s, label or key)

    def given(self, name: str) -> Ref:  # weights and biases are shared by all examples
        return Ref(name, name)

    def slope(self, act: Activation, neuron: str) -> list[Slope]:
        """σ′ as a factor, or nothing for identity (σ′ = 1 is not written)."""
        reads = act.slope_reads
        if not reads:
            return []
        key = f"z({neuron})" if reads == "z" else neuron
        return [Slope(act, neuron, key + self.s)]

    def steps(self) -> list[Step]:
        self.forward()
        self.loss()
        self.backward()
        return self.out

    def forward(self) -> None:
        prev = [(key, name) for key, name in zip(self.input_keys, self.net.inputs)]
        for layer in self.net.layers:
            for j, neuron in enumerate(layer.neurons):
                terms = [Product([self.given(w), Ref(a_key, a_name)])
                         for w, (a_key, a_name) in zip(layer.weight_names[j], prev)]
                if layer.bias_names:
                    terms.append(Product([self.given(layer.bias_names[j])]))
                self.add(f"z({neuron})", "preactivation", "forward", Sum(terms))
                if not layer.softmax:
                    self.add(neuron, "activation", "forward",
                             Apply(layer.activations[j], f"z({neuron}){self.s}", f"z({neuron})"))
            if layer.softmax:
                zs = [f"z({n}){self.s}" for n in layer.neurons]
                labels = [f"z({n})" for n in layer.neurons]
                for j, neuron in enumerate(layer.neurons):
                    self.add(neuron, "activation", "forward", SoftmaxOut(zs, labels, j))
            prev = [(f"{n}{self.s}", n) for n in layer.neurons]

    def loss(self) -> None:
        ys = [f"{y}{self.s}" for y in self.net.outputs]
        self.add("E", "loss", "loss", LossValue(self.net.loss, ys, self.target_keys,
                                                self.net.outputs, self.target_labels))

    def output_error(self, layer, j: int, neuron: str) -> None:
        net, y = self.net, neuron
        if layer.softmax:
            ys = [f"{n}{self.s}" for n in layer.neurons]
            self.add(f"dE/dz({y})", "delta", "backward", SoftmaxGrad(
                net.loss, ys, self.target_keys, layer.neurons, self.target_labels, j))
            return
        grad = LossGrad(net.loss, f"{y}{self.s}", self.target_keys[j], y, self.target_labels[j],
                        len(net.outputs))
        if self.notation == "delta":
            self.add(f"dE/dz({y})", "delta", "backward",
                     Product([grad, *self.slope(layer.activations[j], y)]))
        else:
            self.add(f"dE/d{y}", "error", "backward", Product([grad]))

    def downstream(self, layer, k: int) -> list:
        """What neuron k of ``layer`` passes back: dE/dk·σ′ₖ (activation) or dE/dz(k)."""
        neuron = layer.neurons[k]
        if layer.softmax or self.notation == "delta":
            return [self.ref(f"dE/dz({neuron})")]
        return [self.ref(f"dE/d{neuron}"), *self.slope(layer.activations[k], neuron)]

    def backward(self) -> None:
        layers = self.net.layers
        out_layer = layers[-1]
        for j, y in enumerate(out_layer.neurons):
            self.output_error(out_layer, j, y)
        for index in range(len(layers) - 2, -1, -1):
            layer, above = layers[index], layers[index + 1]
            for j, neuron in enumerate(layer.neurons):
                paths = [(k, above.weight_names[k][j]) for k in range(len(above.neurons))]
                if self.notation == "delta":
                    inner = Sum([Product([self.given(w), *self.downstream(above, k)])
                                 for k, w in paths])
                    self.add(f"dE/dz({neuron})", "delta", "backward",
                             Product([*self.slope(layer.activations[j], neuron), inner]))
                else:
                    terms = [Product([*self.downstream(above, k), self.given(w)]) for k, w in paths]
                    self.add(f"dE/d{neuron}", "error", "backward", Sum(terms, round_terms=True))
        for index in range(len(layers) - 1, -1, -1):
            layer = layers[index]
            prev = ([(k, n) for k, n in zip(self.input_keys, self.net.inputs)] if index == 0 else
                    [(f"{n}{self.s}", n) for n in layers[index - 1].neurons])
            for k, names in enumerate(layer.weight_names):
                back = self.downstream(layer, k)
                for w, (a_key, a_name) in zip(names, prev):
                    self.add(f"dE/d{w}", "gradient", "backward",
                             Product([*back, Ref(a_key, a_name)]))
            for k, b in enumerate(layer.bias_names or []):
                self.add(f"dE/d{b}", "gradient", "backward", Product(self.downstream(layer, k)))
