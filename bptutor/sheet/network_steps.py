"""The steps of a layered network (SPEC §3), in either notation."""

from __future__ import annotations

from bptutor.model import keys
from bptutor.model.activations import Activation
from bptutor.model.keys import RATE
from bptutor.model.network import Layer, Network
from bptutor.sheet.ops import (
    Apply,
    LossGrad,
    LossValue,
    Op,
    Product,
    Ref,
    Slope,
    SoftmaxGrad,
    SoftmaxOut,
    Step,
    Sum,
    Update,
)

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
    givens = dict(net.parameter_values())
    many = len(net.examples) > 1
    steps: list[Step] = []
    for e, example in enumerate(net.examples, start=1):
        builder = _ExampleSteps(net, notation, e if many else None)
        givens.update(zip(builder.input_keys, example.inputs))
        givens.update(zip(builder.target_keys, example.targets))
        steps += builder.steps()
    if many:
        count = len(net.examples)
        steps.append(_total(keys.LOSS, "loss", "loss", count))
        steps += [_total(keys.derivative(name), "gradient", "backward", count)
                  for name in net.parameters()]
    if net.learning_rate is not None:
        givens[RATE] = net.learning_rate
        steps += [_update(name) for name, is_bias in net.parameters_with_kind()
                  if net.update_biases or not is_bias]
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


def _total(key: str, kind: str, section: str, count: int) -> Step:
    parts = []
    for e in range(1, count + 1):
        part = keys.at(key, e)
        parts.append(Product([Ref(part, part)]))
    return Step(key, kind, section, None, Sum(parts))


class _ExampleSteps:
    """The forward, loss and backward steps for one example (keys end in ``@k`` in a batch)."""

    def __init__(self, net: Network, notation: str, example: int | None):
        self.net, self.notation, self.example = net, notation, example
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

    def slope(self, act: Activation, neuron: str) -> list[Op]:
        """σ′ as a factor, or nothing for identity (σ′ = 1 is not written)."""
        reads = act.slope_reads
        if not reads:
            return []
        key = keys.preactivation(neuron) if reads == "z" else neuron
        return [Slope(act, neuron, self.at(key), self.z_of_logit(neuron))]

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
                    terms.append(Product([self.given(layer.bias_names[j])]))
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
        outputs = self.net.outputs
        ys = [self.at(y) for y in outputs]
        zs = [self.at(keys.preactivation(y)) for y in outputs] if self.logits else []
        self.add(keys.LOSS, "loss", "loss", LossValue(self.net.loss, ys, self.target_keys,
                                                      outputs, self.target_labels, zs,
                                                      self.net.layers[-1].activations))

    def output_error(self, layer: Layer, j: int, neuron: str) -> None:
        net, y = self.net, neuron
        if layer.softmax:
            ys = [self.at(n) for n in layer.neurons]
            self.add(keys.delta(y), "delta", "backward", SoftmaxGrad(
                net.loss, ys, self.target_keys, layer.neurons, self.target_labels, j))
            return
        grad = LossGrad(net.loss, self.at(y), self.target_keys[j], y, self.target_labels[j],
                        len(net.outputs), self.z_of_logit(y))
        if self.notation == "delta":
            self.add(keys.delta(y), "delta", "backward",
                     Product([grad, *self.slope(layer.activations[j], y)]))
        else:
            self.add(keys.derivative(y), "error", "backward", Product([grad]))

    def downstream(self, layer: Layer, k: int) -> list[Op]:
        """What neuron k of ``layer`` passes back: dE/dk·σ′ₖ (activation) or dE/dz(k)."""
        neuron = layer.neurons[k]
        if layer.softmax or self.notation == "delta":
            return [self.ref(keys.delta(neuron))]
        return [self.ref(keys.derivative(neuron)), *self.slope(layer.activations[k], neuron)]

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
                    self.add(keys.delta(neuron), "delta", "backward",
                             Product([*self.slope(layer.activations[j], neuron), inner]))
                else:
                    terms = [Product([*self.downstream(above, k), self.given(w)]) for k, w in paths]
                    self.add(keys.derivative(neuron), "error", "backward",
                             Sum(terms, round_terms=True))
        for index in range(len(layers) - 1, -1, -1):
            layer = layers[index]
            prev = self.units(self.net.inputs if index == 0 else layers[index - 1].neurons)
            for k, names in enumerate(layer.weight_names):
                back = self.downstream(layer, k)
                for w, (a_key, a_name) in zip(names, prev):
                    self.add(keys.derivative(w), "gradient", "backward",
                             Product([*back, Ref(a_key, a_name)]))
            for k, b in enumerate(layer.bias_names or []):
                self.add(keys.derivative(b), "gradient", "backward",
                         Product(self.downstream(layer, k)))
