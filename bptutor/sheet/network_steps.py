"""The steps of a layered network (SPEC §3), in any notation, with the dialects of SPEC §6:
the generalised delta rule, extra steps (``show:``), thresholds, shared parameters and batch
means."""

from __future__ import annotations

from bptutor.model import keys
from bptutor.model.activations import Activation
from bptutor.model.keys import RATE
from bptutor.model.network import Layer, Network
from bptutor.sheet.ops import (
    Apply,
    ErrorGrad,
    Increment,
    LossGrad,
    LossTerm,
    LossValue,
    Mean,
    Negated,
    Op,
    Product,
    Ref,
    Slope,
    SoftmaxGrad,
    SoftmaxOut,
    Step,
    Sum,
    TowardTarget,
    Update,
)

# Every command stays responsive below this: 20,000 steps take about a second as JSON or a
# template and ~10 s as a rich table. A 64-32-10 net with 5 examples has 17,506 steps; a
# batch of 20,000 examples of a 2-2-1 net would have 380,019 (and 1.5 GB to build them).
MAX_STEPS = 20_000


def updated(net: Network) -> list[str]:
    """The parameters the update step changes (each shared name once), in backprop order."""
    return [name for name, is_bias in net.parameters_with_kind()
            if net.update_biases or not is_bias]


def has_slope_step(layer: Layer, j: int) -> bool:
    """Whether neuron j gets a ``slope(j)`` step under ``show: [slope]``: σ′ that is written
    (not the identity's 1) and elementwise (a softmax layer has dE/dz in one piece)."""
    return not layer.softmax and bool(layer.activations[j].slope_reads)


def count_steps(net: Network, notation: str | None = None) -> tuple[int, int, int]:
    """Steps of ``net``'s worksheet, without building it: (per example, with one example
    only, in all)."""
    notation = notation or net.notation
    neurons = sum(len(layer.neurons) for layer in net.layers)
    outputs, show = len(net.outputs), net.show
    params = len(net.parameters_with_kind())
    changed = len(updated(net)) if net.learning_rate is not None else 0
    rule = notation == "delta_rule"
    # z and activation of every neuron, E, the error at every neuron, every gradient (the
    # delta rule: every Δw instead)
    one = 2 * neurons + 1 + neurons + (changed if rule else params)
    one += outputs * (("loss_terms" in show) + ("output_error" in show))
    one += len(net.inputs) if "input_gradient" in show else 0
    if "slope" in show:
        one += sum(has_slope_step(layer, j) for layer in net.layers
                   for j in range(len(layer.neurons)))
    totals = 1 + (changed if rule else params) if len(net.examples) > 1 else 0
    updates = changed * (2 if "change" in show and not rule else 1)
    return one, one + updates, len(net.examples) * one + totals + updates


def _check_size(net: Network, notation: str) -> None:
    """Refuse a worksheet no one works by hand before building it (memory and time)."""
    one, single, total = count_steps(net, notation)
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
    """The ordered steps of SPEC §3 and §6 for ``net`` in ``notation``, and the given values."""
    _check_size(net, notation)
    givens = dict(net.parameter_values())
    many = len(net.examples) > 1
    rule = notation == "delta_rule"
    steps: list[Step] = []
    builders = []
    for e, example in enumerate(net.examples, start=1):
        builder = ExampleSteps(net, notation, e if many else None)
        givens.update(zip(builder.input_keys, example.inputs))
        givens.update(zip(builder.target_keys, example.targets))
        steps += builder.steps()
        builders.append(builder)
    count = len(net.examples)
    if many:
        steps.append(_total(keys.LOSS, "loss", "loss", count, net.batch))
        if not rule:
            steps += [_total(keys.derivative(name), "gradient", "backward", count, net.batch)
                      for name in net.parameters()]
    if net.learning_rate is None:
        return steps, givens
    givens[RATE] = net.learning_rate
    names = updated(net)
    if rule:  # Δw = η·δ·a per example, then its batch total, then w + Δw
        if many:
            for builder in builders:
                steps += builder.changes(names)
            steps += [_total(keys.change(name), "change", "update", count, net.batch)
                      for name in names]
        else:
            steps += builders[0].changes(names)
        steps += [_increment(name) for name in names]
    elif "change" in net.show:
        steps += [_change(name) for name in names]
        steps += [_increment(name) for name in names]
    else:
        steps += [_update(name) for name in names]
    return steps, givens


def parameter_values(net: Network) -> list[tuple[str, float]]:
    """(name, value) of every weight and bias, layer by layer, as the file gives them."""
    return net.parameter_values()


def parameters(net: Network) -> list[tuple[str, bool]]:
    """Weight and bias names in backprop order (last layer first), with whether each is a bias."""
    return net.parameters_with_kind()


def _update(name: str) -> Step:
    grad = keys.derivative(name)
    return Step(keys.update(name), "update", "update", None, Update(name, grad, RATE, name, grad))


def _change(name: str) -> Step:
    """Δw = −η·dE/dw, written out before w + Δw (SPEC §6 ``show: [change]``)."""
    grad = keys.derivative(name)
    return Step(keys.change(name), "change", "update", None,
                Negated(Product([Ref(RATE, "η"), Ref(grad, grad)])))


def _increment(name: str) -> Step:
    change = keys.change(name)
    return Step(keys.update(name), "update", "update", None, Increment(name, change, name, change))


def _total(key: str, kind: str, section: str, count: int, batch: str = "sum") -> Step:
    """A batch total: R(Σ rounded per-example values), or their mean (``batch: mean``)."""
    parts = []
    for e in range(1, count + 1):
        part = keys.at(key, e)
        parts.append(Product([Ref(part, part)]))
    return Step(key, kind, section, None, Mean(parts) if batch == "mean" else Sum(parts))


class ExampleSteps:
    """The forward, loss and backward steps for one example (keys end in ``@k`` in a batch)."""

    def __init__(self, net: Network, notation: str, example: int | None):
        self.net, self.notation, self.example = net, notation, example
        self.rule = notation == "delta_rule"
        self.show = net.show
        self.input_keys = [self.at(x) for x in net.inputs]
        self.target_keys = [self.at(keys.target(y)) for y in net.outputs]
        single = len(net.outputs) == 1
        self.target_labels = ["t" if single else keys.target(y) for y in net.outputs]
        out = net.layers[-1]
        log_loss = net.loss.takes_logs
        # outputs whose exact ln y, 1/y and σ′ come from z (see LossValue, LossGrad, Slope)
        self.logits = {y for y, act in zip(out.neurons, out.activations)
                       if log_loss and act.function.logs_from_z}
        self.out: list[Step] = []

    def at(self, key: str) -> str:
        """This example's key (``z(q)@2`` in a batch)."""
        return keys.at(key, self.example)

    def add(self, key: str, kind: str, section: str, op: Op) -> None:
        self.out.append(Step(self.at(key), kind, section, self.example, op))

    def ref(self, key: str) -> Ref:
        return Ref(self.at(key), key)

    def given(self, name: str) -> Ref:  # weights and biases are shared by all examples
        return Ref(name, name)

    def z_of_logit(self, neuron: str) -> str | None:
        """The z an output under a log loss also reads (see ``logits``)."""
        return self.at(keys.preactivation(neuron)) if neuron in self.logits else None

    def slope_op(self, act: Activation, neuron: str) -> Slope:
        key = keys.preactivation(neuron) if act.slope_reads == "z" else neuron
        z_key = (self.at(keys.preactivation(neuron)) if act.slope_reads == "az"  # elu
                 else self.z_of_logit(neuron))
        return Slope(act, neuron, self.at(key), z_key)

    def slope(self, act: Activation, neuron: str) -> list[Op]:
        """σ′ as a factor (its own step's value under ``show: [slope]``), or nothing for
        identity (σ′ = 1 is not written)."""
        if not act.slope_reads:
            return []
        if "slope" in self.show:
            return [self.ref(keys.slope(neuron))]
        return [self.slope_op(act, neuron)]

    def slope_steps(self, layer: Layer) -> None:
        if "slope" not in self.show:
            return
        for j, neuron in enumerate(layer.neurons):
            if has_slope_step(layer, j):
                self.add(keys.slope(neuron), "slope", "backward",
                         self.slope_op(layer.activations[j], neuron))

    def steps(self) -> list[Step]:
        self.forward()
        self.loss()
        self.backward()
        return self.out

    def units(self, names: list[str]) -> list[tuple[str, str]]:
        """(key, label) of each unit's activation: what the next layer reads."""
        return [(self.at(n), n) for n in names]

    def forward(self) -> None:
        prev = self.units(self.net.inputs)
        for layer in self.net.layers:
            for j, neuron in enumerate(layer.neurons):
                terms = [Product([self.given(w), Ref(a_key, a_name)])
                         for w, (a_key, a_name) in zip(layer.weight_names[j], prev)]
                if layer.bias_names:
                    bias: Op = self.given(layer.bias_names[j])
                    terms.append(Product([Negated(bias) if layer.threshold else bias]))
                z = keys.preactivation(neuron)
                self.add(z, "preactivation", "forward", Sum(terms))
                if not layer.softmax:
                    self.add(neuron, "activation", "forward",
                             Apply(layer.activations[j], self.at(z), z))
            if layer.softmax:
                labels = [keys.preactivation(n) for n in layer.neurons]
                zs = [self.at(z) for z in labels]
                for j, neuron in enumerate(layer.neurons):
                    self.add(neuron, "activation", "forward", SoftmaxOut(zs, labels, j))
            prev = self.units(layer.neurons)

    def loss(self) -> None:
        net, outputs = self.net, self.net.outputs
        ys = [self.at(y) for y in outputs]
        zs = [self.at(keys.preactivation(y)) for y in outputs] if self.logits else []
        acts = net.layers[-1].activations
        if "loss_terms" in self.show:  # E(y) per output, then E = Σ rounded terms
            for j, y in enumerate(outputs):
                self.add(keys.loss_term(y), "loss", "loss", LossTerm(
                    net.loss, ys[j], self.target_keys[j], y, self.target_labels[j],
                    len(outputs), zs[j] if zs else None, acts[j]))
            self.add(keys.LOSS, "loss", "loss", Sum([Product([self.ref(keys.loss_term(y))])
                                                     for y in outputs]))
            return
        self.add(keys.LOSS, "loss", "loss", LossValue(net.loss, ys, self.target_keys,
                                                      outputs, self.target_labels, zs, acts))

    # -- the backward pass: the error at each neuron, in the notation's key and sign

    def error_key(self, neuron: str, layer: Layer) -> str:
        """The quantity neuron ``neuron`` passes back: dE/dq (activation notation), dE/dz(q)
        (delta notation, or a softmax layer), or δ = −dE/dz(q) (delta_rule)."""
        if self.rule:
            return keys.delta_rule(neuron)
        if layer.softmax or self.notation == "delta":
            return keys.delta(neuron)
        return keys.derivative(neuron)

    def output_errors(self) -> None:
        layer = self.net.layers[-1]
        self.slope_steps(layer)
        if "output_error" in self.show:
            for y, t_key, t_label in zip(layer.neurons, self.target_keys, self.target_labels):
                self.add(keys.output_error(y), "error", "backward", Sum([
                    Product([Ref(t_key, t_label)]), Product([Negated(self.ref(y))])]))
        for j, y in enumerate(layer.neurons):
            self.output_error(layer, j, y)

    def output_error(self, layer: Layer, j: int, neuron: str) -> None:
        net, y = self.net, neuron
        kind = "delta" if layer.softmax or self.notation != "activation" else "error"
        key = self.error_key(y, layer)
        written = "output_error" in self.show
        if layer.softmax:
            ys = [self.at(n) for n in layer.neurons]
            grad: Op = SoftmaxGrad(net.loss, ys, self.target_keys, layer.neurons,
                                   self.target_labels, j)
            if written:  # y − t = −e
                e = self.ref(keys.output_error(y))
                grad = e if self.rule else Negated(e)
            elif self.rule:
                grad = Negated(grad)
            self.add(key, kind, "backward", Product([grad]))
            return
        if written:
            factor: Op = ErrorGrad(net.loss, self.at(keys.output_error(y)),
                                   keys.output_error(y), len(net.outputs), toward=self.rule)
        else:
            loss_grad = LossGrad(net.loss, self.at(y), self.target_keys[j], y,
                                 self.target_labels[j], len(net.outputs), self.z_of_logit(y))
            factor = TowardTarget(loss_grad, y, self.target_labels[j]) if self.rule \
                else loss_grad
        slope = self.slope(layer.activations[j], y) if kind == "delta" else []
        self.add(key, kind, "backward", Product([factor, *slope]))

    def downstream(self, layer: Layer, k: int) -> list[Op]:
        """What neuron k of ``layer`` passes back: dE/dk·σ′ₖ (activation notation), dE/dz(k)
        or δₖ."""
        neuron = layer.neurons[k]
        key = self.error_key(neuron, layer)
        if key == keys.derivative(neuron):
            return [self.ref(key), *self.slope(layer.activations[k], neuron)]
        return [self.ref(key)]

    def passed_back(self, above: Layer, j: int) -> Op:
        """Σₖ wₖⱼ·(what neuron k passes back) for unit j below ``above``: each term rounded
        in activation notation (SPEC §3), a plain sum inside σ′·(…) otherwise."""
        paths = [(k, above.weight_names[k][j]) for k in range(len(above.neurons))]
        if self.notation == "activation":
            return Sum([Product([*self.downstream(above, k), self.given(w)]) for k, w in paths],
                       round_terms=True)
        return Sum([Product([self.given(w), *self.downstream(above, k)]) for k, w in paths])

    def backward(self) -> None:
        layers = self.net.layers
        self.output_errors()
        for index in range(len(layers) - 2, -1, -1):
            layer, above = layers[index], layers[index + 1]
            self.slope_steps(layer)
            for j, neuron in enumerate(layer.neurons):
                inner = self.passed_back(above, j)
                if self.notation == "activation":
                    self.add(keys.derivative(neuron), "error", "backward", inner)
                else:
                    self.add(self.error_key(neuron, layer), "delta", "backward",
                             Product([*self.slope(layer.activations[j], neuron), inner]))
        if "input_gradient" in self.show:
            for i, x in enumerate(self.net.inputs):
                inner = self.passed_back(layers[0], i)
                self.add(keys.derivative(x), "error", "backward",
                         Negated(inner) if self.rule else inner)
        if not self.rule:
            for name, terms in self.contributions(lambda back, a: [*back, *a]).items():
                self.add(keys.derivative(name), "gradient", "backward", _gathered(terms))

    def contributions(self, term) -> dict[str, list[Product]]:
        """Each parameter's contributions, in backprop order: ``term(back, [a])`` for a weight
        from unit a, ``term(back, [])`` for a bias, negated for a threshold (z = Σw·a − θ). A
        shared name gathers every place it holds."""
        out: dict[str, list[Product]] = {}
        layers = self.net.layers
        for index in range(len(layers) - 1, -1, -1):
            layer = layers[index]
            prev = self.units(self.net.inputs if index == 0 else layers[index - 1].neurons)
            for k, names in enumerate(layer.weight_names):
                back = self.downstream(layer, k)
                for w, (a_key, a_name) in zip(names, prev):
                    out.setdefault(w, []).append(Product(term(back, [Ref(a_key, a_name)])))
            for k, b in enumerate(layer.bias_names or []):
                factors = term(self.downstream(layer, k), [])
                own: Product = Product(factors)
                out.setdefault(b, []).append(
                    Product([Negated(own)]) if layer.threshold else own)
        return out

    def changes(self, names: list[str]) -> list[Step]:
        """The delta rule's Δw = η·δₖ·aᵢ (a bias: η·δₖ; a threshold: −η·δₖ) of this example."""
        rate = Ref(RATE, "η")
        gathered = self.contributions(lambda back, a: [rate, *back, *a])
        return [Step(self.at(keys.change(name)), "change", "update", self.example,
                     _gathered(gathered[name])) for name in names]


def _gathered(terms: list[Product]) -> Op:
    """One contribution as it is; a shared parameter's as the sum of its rounded terms."""
    return terms[0] if len(terms) == 1 else Sum(terms, round_terms=True)
