"""A layered network (SPEC §1): layers of neurons, their weights and biases, and examples."""

from __future__ import annotations

from dataclasses import dataclass, field

from bptutor.errors import BptutorError, Mark
from bptutor.model import keys
from bptutor.model.activations import Activation
from bptutor.model.losses import Loss

NOTATIONS = ("activation", "delta")  # SPEC §3: dE/d(neuron) with σ′ inline, or δ = dE/dz


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
    round: int | None
    notation: str
    loss: Loss
    inputs: list[str]
    layers: list[Layer]
    examples: list[Example]
    learning_rate: float | None = None
    update_biases: bool = True
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
        """Weight and bias names in backprop order, with whether each is a bias."""
        return [(name, is_bias) for layer in reversed(self.layers)
                for names, is_bias in ((sum(layer.weight_names, []), False),
                                       (layer.bias_names or [], True))
                for name in names]

    def parameter_values(self) -> list[tuple[str, float]]:
        """(name, value) of every weight and bias, layer by layer, as the file gives them."""
        out: list[tuple[str, float]] = []
        for layer in self.layers:
            for names, row in zip(layer.weight_names, layer.weights):
                out += zip(names, row)
            if layer.bias is not None and layer.bias_names is not None:
                out += zip(layer.bias_names, layer.bias)
        return out

    def names(self) -> list[str]:
        """Every name a formula may use: inputs, neurons, weights and biases."""
        names = list(self.inputs)
        for layer in self.layers:
            names += layer.neurons + sum(layer.weight_names, []) + (layer.bias_names or [])
        return names

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
