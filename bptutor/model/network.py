"""A layered network (SPEC §1): layers of neurons, their weights and biases, and examples."""

from __future__ import annotations

from dataclasses import dataclass, field

from bptutor.errors import BptutorError, Mark
from bptutor.model.activations import Activation
from bptutor.model.losses import Loss


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
        return self.activations[0].name == "softmax"


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

    @property
    def outputs(self) -> list[str]:
        return self.layers[-1].neurons

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error found while computing, placed at the top-level key that explains it."""
        return BptutorError(self.path, self.marks.get(key), message, hint)


def default_weight_names(k: int, neurons: int, width: int) -> list[list[str]]:
    """W{k}[j,i]: layer k, neuron j, input i (SPEC §1), for a layer that names none."""
    return [[f"W{k}[{j},{i}]" for i in range(1, width + 1)] for j in range(1, neurons + 1)]


def default_bias_names(k: int, neurons: int) -> list[str]:
    return [f"b{k}[{j}]" for j in range(1, neurons + 1)]
