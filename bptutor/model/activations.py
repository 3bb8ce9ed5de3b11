"""Activations: each knows its value, its derivative σ′ and how it is written.

σ′ is never a step of its own (SPEC §3): a worksheet computes it inline, from the rounded
activation for tanh and sigmoid and from z for the piecewise ones. ``Activation.slope`` is
that rule; ``Activation.slope_text`` is how the sheet writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bptutor.model.rounding import paren


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class Activation:
    name: str  # canonical: identity sigmoid tanh relu leaky_relu softmax
    alpha: float = 0.01  # leaky_relu only

    @property
    def symbol(self) -> str:
        return {"sigmoid": "σ", "leaky_relu": "lrelu", "identity": "id"}.get(self.name, self.name)

    @property
    def slope_reads(self) -> str:
        """Which value σ′ is computed from: the activation 'a', the preactivation 'z', or ''."""
        return {"tanh": "a", "sigmoid": "a", "relu": "z", "leaky_relu": "z"}.get(self.name, "")

    def value(self, z: float) -> float:
        match self.name:
            case "tanh":
                return math.tanh(z)
            case "sigmoid":
                return sigmoid(z)
            case "relu":
                return z if z > 0 else 0.0
            case "leaky_relu":
                return z if z >= 0 else self.alpha * z
            case _:
                return z

    def slope(self, a: float, z: float) -> float:
        """σ′ as the worksheet computes it: from the activation a, or from z."""
        match self.name:
            case "tanh":
                return 1.0 - a * a
            case "sigmoid":
                return a * (1.0 - a)
            case "relu":
                return 1.0 if z >= 0 else 0.0
            case "leaky_relu":
                return 1.0 if z >= 0 else self.alpha
            case _:
                return 1.0

    def slope_text(self, a: str, z: float) -> str:
        """σ′ with numbers, as written on the sheet: (1 − (−0.94)²), 0.62·(1 − 0.62), 1."""
        match self.name:
            case "tanh":
                return f"(1 - {paren(a)}²)"
            case "sigmoid":
                return f"{paren(a)}·(1 - {a})"
            case _:
                return f"{self.slope(0.0, z):g}"

    def slope_formula(self, neuron: str) -> str:
        return f"{self.symbol}′(z({neuron}))"

    def value_formula(self, z: str) -> str:
        return f"{self.symbol}({z})"


def softmax(zs: Sequence[float]) -> list[float]:
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    total = sum(exps)
    return [e / total for e in exps]


def log_sigmoid(z: float) -> float:
    """ln σ(z) without forming σ(z), which is 1.0 (or 0.0) in floats long before ln σ is."""
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
ACTIVATION_ALIASES = {"linear": "identity", "logistic": "sigmoid"}
