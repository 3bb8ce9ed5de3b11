"""Losses: each knows its value, its gradient ∂E/∂y and how it is written."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bptutor.model.activations import Activation, log_sigmoid, sigmoid, softmax
from bptutor.model.rounding import paren


def _log_sum_exp(zs: Sequence[float]) -> float:
    top = max(zs)
    return top + math.log(math.fsum(math.exp(z - top) for z in zs))


# ln y and ln(1 − y) of one output, computed from z; None where they are taken from y
Logs = tuple[float, float | None] | None


def output_logs(activations: Sequence[Activation], ys: Sequence[float],
                zs: Sequence[float]) -> list[Logs]:
    """ln y and ln(1 − y) of sigmoid and softmax outputs from their z (log-sigmoid,
    log-softmax), where y is exactly the float σ(z) or softmax(z) — the exact worksheet's y,
    not a student's own. A saturated σ(40) is 1.0, but ln(1 − σ(40)) is −40."""
    if activations[0].name == "softmax":
        if softmax(zs) != list(ys):
            return [None] * len(ys)
        return _softmax_logs(list(zs))
    return [(log_sigmoid(z), log_sigmoid(-z)) if act.name == "sigmoid" and sigmoid(z) == y
            else None for act, y, z in zip(activations, ys, zs)]


def _softmax_logs(zs: list[float]) -> list[Logs]:
    """ln y and ln(1 − y) of each softmax output. Below the largest output (y ≤ ½) they are
    z − lse and log1p(−y); the largest one is σ(z − r), r the log-sum-exp of the others, so
    ln y and ln(1 − y) are log-sigmoids of z − r and r − z, however close y is to 1."""
    if len(zs) == 1:
        return [(0.0, None)]  # y is 1: ln(1 − y) is a genuine ln 0
    total, top = _log_sum_exp(zs), zs.index(max(zs))
    rest = _log_sum_exp(zs[:top] + zs[top + 1:])
    return [(log_sigmoid(z - rest), log_sigmoid(rest - z)) if k == top
            else (z - total, math.log1p(-math.exp(z - total))) for k, z in enumerate(zs)]


def _ln(y: float, output: str) -> float:
    if y <= 0:
        raise ArithmeticError(f"ln({y:g}) is undefined: output {output} is {y:g}")
    return math.log(y)


@dataclass(frozen=True)
class Loss:
    """A loss over the output activations ys with targets ts (sums over output neurons)."""

    name: str  # one of LOSSES

    def value(self, ys: Sequence[float], ts: Sequence[float], names: Sequence[str],
              logs: Sequence[Logs] | None = None) -> float:
        """E; ``logs`` gives ln y and ln(1 − y) per output where they are known from z."""
        m = len(ys)

        def ln(i: int, complement: bool) -> float:
            known = logs[i][complement] if logs and logs[i] else None
            if known is not None:
                return known
            if complement:
                return _ln(1 - ys[i], f"1 - {names[i]}")
            return _ln(ys[i], names[i])

        match self.name:
            case "squared_error":
                return sum((t - y) ** 2 for y, t in zip(ys, ts))
            case "half_squared_error":
                return 0.5 * sum((t - y) ** 2 for y, t in zip(ys, ts))
            case "mean_squared_error":
                return sum((t - y) ** 2 for y, t in zip(ys, ts)) / m
            case "binary_cross_entropy":
                # a term whose coefficient is 0 is 0, even where its log is undefined
                return -sum((t * ln(i, False) if t else 0.0) + ((1 - t) * ln(i, True)
                            if t != 1 else 0.0) for i, t in enumerate(ts))
            case _:
                return -sum(t * ln(i, False) for i, t in enumerate(ts) if t)

    def grad(self, y: float, t: float, m: int, complement: float | None = None) -> float:
        """∂E/∂y for one output neuron; ``complement`` is 1 − y where it is known better than
        the float 1 − y (a saturated softmax output: the sum of the others)."""
        match self.name:
            case "squared_error":
                return 2 * (y - t)
            case "half_squared_error":
                return y - t
            case "mean_squared_error":
                return 2 * (y - t) / m
            case "binary_cross_entropy":
                rest = 1 - y if complement is None else complement
                return -((t / y if t else 0.0) - ((1 - t) / rest if t != 1 else 0.0))
            case _:
                return -t / y if t else 0.0

    def grad_from_logit(self, t: float, z: float) -> float:
        """∂E/∂y of a sigmoid output y = σ(z) under a log loss, with 1/y = 1 + e^−z and
        1/(1 − y) = 1 + e^z: finite where float y has saturated to 0 or 1."""
        if self.name == "binary_cross_entropy":
            return -((t * (1 + math.exp(-z)) if t else 0.0)
                     - ((1 - t) * (1 + math.exp(z)) if t != 1 else 0.0))
        return -t * (1 + math.exp(-z)) if t else 0.0

    def term_formula(self, y: str, t: str) -> str:
        match self.name:
            case "binary_cross_entropy":
                return f"{t}·ln {y} + (1 - {t})·ln(1 - {y})"
            case "cross_entropy":
                return f"{t}·ln {y}"
            case _:
                return f"({t} - {y})²"

    def formula(self, terms: Sequence[str]) -> str:
        """The whole loss given each output's term text."""
        body = " + ".join(terms)
        match self.name:
            case "squared_error":
                return body
            case "half_squared_error":
                return f"½·({body})" if len(terms) > 1 else f"½·{body}"
            case "mean_squared_error":
                return f"(1/{len(terms)})·({body})" if len(terms) > 1 else body
            case _:
                return f"-({body})" if len(terms) > 1 else f"-[{body}]"

    def grad_text(self, y: str, t: str, m: int) -> str:
        """∂E/∂y with numbers: negative numbers bracketed where the formula needs it."""
        if self.name in ("binary_cross_entropy", "cross_entropy"):
            return self.grad_formula(paren(y), paren(t), m)
        return self.grad_formula(y, paren(t), m)

    def grad_formula(self, y: str, t: str, m: int) -> str:
        match self.name:
            case "squared_error":
                return f"2·({y} - {t})"
            case "half_squared_error":
                return f"({y} - {t})"
            case "mean_squared_error":
                return f"(2/{m})·({y} - {t})"
            case "binary_cross_entropy":
                return f"-({t}/{y} - (1 - {t})/(1 - {y}))"
            case _:
                return f"-{t}/{y}"


LOSSES = ("squared_error", "half_squared_error", "mean_squared_error",
          "binary_cross_entropy", "cross_entropy")
