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

from bptutor.errors import BptutorError
from bptutor.functions import Activation, Loss, output_logs, paren, sigmoid, softmax
from bptutor.problem import Graph, Network
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
    """σ′ of a neuron, from its rounded activation (tanh, sigmoid) or its z (relu).

    A sigmoid output under a log loss also reads its z (``z_key``): the exact sheet takes
    σ′ = σ(z)·σ(−z) from it, as a(1 − a) is 0 once a saturates to 1.0, yet it multiplies a
    ∂E/∂y = 1 + e^z that is finite (see ``LossGrad``)."""

    def __init__(self, act: Activation, neuron: str, key: str, z_key: str | None = None):
        self.act = act
        self.inputs = (key,) if z_key is None else (key, z_key)
        self.formula = act.slope_formula(neuron)
        self.reads_z = act.slope_reads == "z"

    def value(self, v, R):
        if self.reads_z:
            return self.act.slope(0.0, v[0])
        if len(v) > 1 and R.digits is None and sigmoid(v[1]) == v[0]:
            return sigmoid(v[1]) * sigmoid(-v[1])
        return self.act.slope(v[0], 0.0)

    def text(self, v, t, R):
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

    def value(self, v, R):
        if len(v) > 2 and R.digits is None and sigmoid(v[2]) == v[0]:
            return self.loss.grad_from_logit(v[1], v[2])
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

    def value(self, v, R):
        m = len(self.names)
        ys, ts, zs = v[:m], v[m:2 * m], v[2 * m:]
        logs = output_logs(self.activations, ys, zs) if zs and R.digits is None else None
        return self.loss.value(ys, ts, self.names, logs)

    def text(self, v, t, R):
        m = len(self.names)
        return self.loss.formula([self.loss.term_formula(paren(y), paren(tt))
                                  for y, tt in zip(t[:m], t[m:2 * m])])


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
        rest = _complements(ys) if R.digits is None else [1 - y for y in ys]
        return math.fsum(self.loss.grad(y, t, self.m, rest[i]) * y
                         * (rest[k] if i == k else 0.0 - ys[k])
                         for i, (y, t) in enumerate(zip(ys, ts)))

    def text(self, v, t, R):
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
    return [math.fsum(ys[:i] + ys[i + 1:]) if y > 0.5 else 1 - y for i, y in enumerate(ys)]


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
        from bptutor.graph_steps import build_steps as graph_steps

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


# Every command stays responsive below this: 20,000 steps take about a second as JSON or a
# template and ~10 s as a rich table. A 64-32-10 net with 5 examples has 17,506 steps; a
# batch of 20,000 examples of a 2-2-1 net would have 380,019 (and 1.5 GB to build them).
MAX_STEPS = 20_000


def count_steps(net: Network) -> tuple[int, int, int]:
    """Steps of ``net``'s worksheet, without building it: (per example, with one example
    only, in all)."""
    neurons = sum(len(layer.neurons) for layer in net.layers)
    width, params, biases = len(net.inputs), 0, 0
    for layer in net.layers:
        params += len(layer.neurons) * width
        biases += len(layer.neurons) if layer.bias is not None else 0
        width = len(layer.neurons)
    params += biases
    # z and activation of every neuron, E, the error at every neuron, every gradient
    one = 2 * neurons + 1 + neurons + params
    totals = 1 + params if len(net.examples) > 1 else 0
    updates = 0 if net.learning_rate is None else params - (0 if net.update_biases else biases)
    return one, one + updates, len(net.examples) * one + totals + updates


def _check_size(net: Network) -> None:
    """Refuse a worksheet no one works by hand before building it (memory and time)."""
    one, single, total = count_steps(net)
    if total <= MAX_STEPS:
        return
    limit = f"more than the {MAX_STEPS:,} steps bptutor works through"
    if len(net.examples) > 1 and single <= MAX_STEPS:
        raise net.error("examples", f"{len(net.examples):,} examples of {one:,} steps each "
                        f"make {total:,} steps, {limit}",
                        "an exercise needs a few examples: split the batch into several problems")
    raise net.error("network", f"one example of this network takes {single:,} steps, {limit}",
                    "an exercise network has a few neurons per layer")


def build_steps(net: Network, notation: str) -> tuple[list[Step], dict[str, float]]:
    """The ordered steps of SPEC §3 for ``net`` in ``notation``, and the given values."""
    _check_size(net)
    givens = dict(parameter_values(net))
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


def parameter_values(net: Network) -> list[tuple[str, float]]:
    """(name, value) of every weight and bias, layer by layer, as the file gives them."""
    out = []
    for layer in net.layers:
        for names, row in zip(layer.weight_names, layer.weights):
            out += zip(names, row)
        if layer.bias is not None:
            out += zip(layer.bias_names, layer.bias)
    return out


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
        out = net.layers[-1]
        log_loss = net.loss.name in ("binary_cross_entropy", "cross_entropy")
        # outputs whose exact ln y, 1/y and σ′ come from z (see LossValue, LossGrad, Slope)
        self.logits = {y for y, act in zip(out.neurons, out.activations)
                       if log_loss and act.name in ("sigmoid", "softmax")}
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
        z_key = f"z({neuron}){self.s}" if neuron in self.logits else None
        return [Slope(act, neuron, key + self.s, z_key)]

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
        zs = [f"z({y}){self.s}" for y in self.net.outputs] if self.logits else []
        self.add("E", "loss", "loss", LossValue(self.net.loss, ys, self.target_keys,
                                                self.net.outputs, self.target_labels, zs,
                                                self.net.layers[-1].activations))

    def output_error(self, layer, j: int, neuron: str) -> None:
        net, y = self.net, neuron
        if layer.softmax:
            ys = [f"{n}{self.s}" for n in layer.neurons]
            self.add(f"dE/dz({y})", "delta", "backward", SoftmaxGrad(
                net.loss, ys, self.target_keys, layer.neurons, self.target_labels, j))
            return
        grad = LossGrad(net.loss, f"{y}{self.s}", self.target_keys[j], y, self.target_labels[j],
                        len(net.outputs), f"z({y}){self.s}" if y in self.logits else None)
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
