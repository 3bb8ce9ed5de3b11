"""A layered network (SPEC §1): layers of neurons, their weights and biases, and examples."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bptutor.errors import BptutorError, Mark
from bptutor.model import keys
from bptutor.model.activations import Activation
from bptutor.model.losses import Loss
from bptutor.model.rounding import Rounding

# SPEC §3: dE/d(neuron) with σ′ inline, or δ = dE/dz; SPEC §6: the generalised delta rule,
# δ = −dE/dz with Δw = η·δ·a and new(w) = w + Δw
NOTATIONS = ("activation", "delta", "delta_rule")
SHOW_STEPS = ("slope", "loss_terms", "output_error", "change", "input_gradient")  # SPEC §6
BATCH_MODES = ("sum", "mean")  # SPEC §6: a batch's totals as sums or means over the examples
TRAINING_MODES = ("batch", "online", "minibatch")  # SPEC §7
OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class TrainingPlan:
    """SPEC §7 ``training:``: how many updates the sheet writes out, and by which rule."""

    mode: str = "batch"  # one of TRAINING_MODES
    batch_size: int | None = None  # minibatch only
    epochs: int = 1
    optimizer: str = "sgd"  # one of OPTIMIZERS
    momentum: float = 0.0  # sgd: velocity(w) = R(μ·velocity(w) − η·g)
    l2: float = 0.0  # E gains l2·Σw² (weights only), each weight's gradient 2·l2·w
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    after_update: bool = False  # one more forward pass and loss with the final weights

    def batches(self, count: int) -> list[list[int]]:
        """The 1-based examples of every update, in order, over all epochs."""
        size = {"online": 1, "batch": count}.get(self.mode, self.batch_size or count)
        epoch = [list(range(start, min(start + size - 1, count) + 1))
                 for start in range(1, count + 1, size)]
        return [batch for _ in range(self.epochs) for batch in epoch]


@dataclass
class Layer:
    index: int  # 1-based
    neurons: list[str]
    activations: list[Activation]
    weights: list[list[float]]  # one row per neuron: its incoming weights
    weight_names: list[list[str]]
    bias: list[float] | None
    bias_names: list[str] | None
    weights_given: bool = True  # False: left out for 'bptutor train' to draw (weights are NaN)
    threshold: bool = False  # SPEC §6: bias/bias_names hold thresholds θ, z = Σ w·a − θ

    @property
    def softmax(self) -> bool:
        return self.activations[0].function.layerwise


@dataclass
class Example:
    inputs: list[float]
    targets: list[float]


@dataclass
class Network:
    path: str
    title: str
    source: str | None
    round: int | Rounding | None  # round: d, or a long form (SPEC §6)
    notation: str
    loss: Loss
    inputs: list[str]
    layers: list[Layer]
    examples: list[Example]
    learning_rate: float | None = None
    update_biases: bool = True
    batch: str = "sum"  # one of BATCH_MODES
    show: frozenset[str] = frozenset()  # extra steps (SHOW_STEPS) the sheet writes out
    training: TrainingPlan | None = None  # SPEC §7: several updates (None: one, from the batch)
    marks: dict[str, Mark] = field(default_factory=dict)  # where top-level keys were written

    # -- the Problem protocol (bptutor.model.problem) --
    kind = "network"
    notations = NOTATIONS
    loss_name = keys.LOSS
    parameters_key = "network"  # where the weights and biases are written
    parameter_words = ("weight or bias", "weights and biases")

    @property
    def outputs(self) -> list[str]:
        return self.layers[-1].neurons

    def parameters(self) -> list[str]:
        """Weight and bias names in backprop order (last layer first)."""
        return [name for name, _ in self.parameters_with_kind()]

    def parameters_with_kind(self) -> list[tuple[str, bool]]:
        """Weight and bias (or threshold) names in backprop order, with whether each is a
        bias; a shared name (SPEC §6) once, where it first appears."""
        seen: dict[str, bool] = {}
        for layer in reversed(self.layers):
            for row in layer.weight_names:
                for name in row:
                    seen.setdefault(name, False)
            for name in layer.bias_names or []:
                seen.setdefault(name, True)
        return list(seen.items())

    def parameter_values(self) -> list[tuple[str, float]]:
        """(name, value) of every weight and bias, layer by layer, as the file gives them; a
        shared name once (every place holds the same value)."""
        out: dict[str, float] = {}
        for layer in self.layers:
            for names, row in zip(layer.weight_names, layer.weights):
                for name, value in zip(names, row):
                    out.setdefault(name, value)
            if layer.bias is not None and layer.bias_names is not None:
                for name, value in zip(layer.bias_names, layer.bias):
                    out.setdefault(name, value)
        return list(out.items())

    def names(self) -> list[str]:
        """Every name a formula may use: inputs, neurons, weights and biases (each once)."""
        names = list(self.inputs)
        for layer in self.layers:
            names += layer.neurons + sum(layer.weight_names, []) + (layer.bias_names or [])
        return list(dict.fromkeys(names))

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error found while computing, placed at the top-level key that explains it."""
        return BptutorError(self.path, self.marks.get(key), message, hint)

    def compute_error(self, key: str, exc: Exception) -> BptutorError:
        """A step the numbers leave undefined (ln 0, a division by 0): the loss explains it."""
        return self.error("loss", f"cannot compute {key}: {exc}",
                          "a log or a division meets 0: check the targets and the output "
                          "activations")

    def overflow_error(self, key: str, kind: str) -> BptutorError:
        """A step too large for a float: at the loss for the loss and errors, else the net."""
        place = "loss" if kind in ("loss", "error", "delta") else "network"
        return self.error(place, f"{key} is too large to compute with",
                          "use smaller weights or inputs")


def default_weight_names(k: int, neurons: int, width: int) -> list[list[str]]:
    """W{k}[j,i]: layer k, neuron j, input i (SPEC §1), for a layer that names none."""
    return [[f"W{k}[{j},{i}]" for i in range(1, width + 1)] for j in range(1, neurons + 1)]


def default_bias_names(k: int, neurons: int) -> list[str]:
    return [f"b{k}[{j}]" for j in range(1, neurons + 1)]


def default_threshold_names(k: int, neurons: int) -> list[str]:
    """theta{k}[j]: the thresholds of layer k (SPEC §6)."""
    return [f"theta{k}[{j}]" for j in range(1, neurons + 1)]


# ∂E/∂y of the squared losses as −c·e with e = t − y (SPEC §6 ``show: [output_error]``)
_ERROR_SCALES = {"squared_error": "2", "half_squared_error": "", "mean_squared_error": "(2/{m})"}


def error_scale(loss: Loss, outputs: int) -> str | None:
    """c as the sheet writes it ("" for 1), or None where the loss's gradient is no multiple
    of t − y."""
    scale = _ERROR_SCALES.get(loss.name)
    return None if scale is None else scale.format(m=outputs)


def with_conventions(drawn: Network, like: Network) -> Network:
    """``drawn`` (new numbers on ``like``'s structure) in ``like``'s dialect (SPEC §6): its
    thresholds, batch mode and extra steps, and every shared name holding one value (the
    first place's), as the loader requires."""
    layers = []
    first: dict[str, float] = {}
    for layer, model in zip(drawn.layers, like.layers):
        weights = [[first.setdefault(name, w) for name, w in zip(names, row)]
                   for names, row in zip(layer.weight_names, layer.weights)]
        bias = layer.bias
        if bias is not None and layer.bias_names is not None:
            bias = [first.setdefault(name, b) for name, b in zip(layer.bias_names, bias)]
        layers.append(replace(layer, weights=weights, bias=bias, threshold=model.threshold))
    return replace(drawn, layers=layers, batch=like.batch, show=like.show)
