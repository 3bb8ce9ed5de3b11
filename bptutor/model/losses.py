"""Losses: each loss is one declared object holding everything about it.

A ``Loss`` knows its value, its gradient ∂E/∂y, how the sheet writes both, its numpy form
(for gradcheck and train), which output activations it accepts and which targets, and the
output whose dE/dz simplifies to y − t. ``LOSS_FUNCTIONS`` maps each name to one; adding a loss
is one class here plus its registry entry (tests/model/test_losses.py then covers it). Sums run over
the output neurons. numpy is imported inside the ``array_*`` methods only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from bptutor.model import paper
from bptutor.model.activations import (
    SIGMOID,
    SOFTMAX,
    Activation,
    ActivationFunction,
    Logs,
    PaperLogs,
)
from bptutor.model.rounding import paren

if TYPE_CHECKING:
    import numpy as np

TARGET_SUM_TOLERANCE = 1e-9  # cross_entropy targets sum to 1 within this


def output_logs(activations: Sequence[Activation], ys: Sequence[float],
                zs: Sequence[float]) -> list[Logs]:
    """ln y and ln(1 − y) of sigmoid and softmax outputs from their z (log-sigmoid,
    log-softmax), where y is exactly the float σ(z) or softmax(z) — the exact worksheet's y,
    not a student's own. A saturated σ(40) is 1.0, but ln(1 − σ(40)) is −40."""
    out: list[Logs] = [None] * len(ys)
    layerwise = bool(activations) and activations[0].function.layerwise
    for cols in [list(range(len(ys)))] if layerwise else [[j] for j in range(len(ys))]:
        act = activations[cols[0]]
        z = [zs[j] for j in cols]
        if act.function.logs_from_z and act.function.layer_values(z, act.alpha) == [
                ys[j] for j in cols]:
            for j, logs in zip(cols, act.function.logs(z) or []):
                out[j] = logs
    return out


def paper_output_logs(activations: Sequence[Activation], ys: Sequence[Decimal],
                      zs: Sequence[Decimal]) -> list[PaperLogs]:
    """``output_logs`` on paper: near 0 or 1, even 40 digits of y leave few of 1 − y."""
    out: list[PaperLogs] = [None] * len(ys)
    layerwise = bool(activations) and activations[0].function.layerwise
    for cols in [list(range(len(ys)))] if layerwise else [[j] for j in range(len(ys))]:
        act = activations[cols[0]]
        z = [zs[j] for j in cols]
        if act.function.logs_from_z and act.function.paper_layer_values(z, act.alpha) == [
                ys[j] for j in cols]:
            for j, logs in zip(cols, act.function.paper_logs(z) or []):
                out[j] = logs
    return out


def _ln(y: float, output: str) -> float:
    if y <= 0:
        raise ArithmeticError(f"ln({y:g}) is undefined: output {output} is {y:g}")
    return math.log(y)


def _paper_ln(y: Decimal, output: str) -> Decimal:
    if y <= 0:
        y = paper.ZERO if not y else y
        raise ArithmeticError(f"ln({y:g}) is undefined: output {output} is {y:g}")
    return paper.ln(y)


class Loss:
    """E over the output activations ys with targets ts."""

    name: str
    takes_logs = False  # reads ln y (and ln(1 − y))
    outputs: tuple[ActivationFunction, ...] | None = None  # output functions it accepts; None: any
    needs = ""  # ``outputs`` in words, and why: for error messages
    because = ""
    preferred_for: tuple[ActivationFunction, ...] = ()  # `bptutor new`'s loss for these outputs
    matched: ActivationFunction | None = None  # the output function whose dE/dz is y − t
    target_by_name = False  # a target may name its output neuron (a one-hot target)

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"

    # -- the one rule for what a loss can score (the loader and `bptutor new` both ask it)
    def accepts(self, outputs: Sequence[ActivationFunction]) -> bool:
        return self.outputs is None or all(f in self.outputs for f in outputs)

    def target_problem(self, targets: Sequence[float]) -> tuple[str, str | None] | None:
        """(message, hint) when these targets cannot be scored by this loss."""
        return None

    @property
    def matches_softmax(self) -> bool:
        """dE/dz(k) = y_k − t_k at a softmax output layer (SPEC §3)."""
        return self.matched is SOFTMAX

    # -- values, as the worksheet computes them
    def value(self, ys: Sequence[float], ts: Sequence[float], names: Sequence[str],
              logs: Sequence[Logs] | None = None) -> float:
        """E; ``logs`` gives ln y and ln(1 − y) per output where they are known from z."""
        raise NotImplementedError

    def grad(self, y: float, t: float, m: int, complement: float | None = None) -> float:
        """∂E/∂y for one output neuron; ``complement`` is 1 − y where it is known better than
        the float 1 − y (a saturated softmax output: the sum of the others)."""
        raise NotImplementedError

    def grad_from_logit(self, t: float, z: float) -> float:
        """∂E/∂y of a sigmoid output y = σ(z), from z: only log losses ask for it."""
        raise NotImplementedError

    # -- paper forms (SPEC §3, model/paper.py): the same on Decimals
    def paper_value(self, ys: Sequence[Decimal], ts: Sequence[Decimal], names: Sequence[str],
                    logs: Sequence[PaperLogs] | None = None) -> Decimal:
        raise NotImplementedError

    def paper_grad(self, y: Decimal, t: Decimal, m: int,
                   complement: Decimal | None = None) -> Decimal:
        raise NotImplementedError

    def paper_grad_from_logit(self, t: Decimal, z: Decimal) -> Decimal:
        raise NotImplementedError

    # -- texts
    def term_formula(self, y: str, t: str) -> str:
        raise NotImplementedError

    def formula(self, terms: Sequence[str]) -> str:
        """The whole loss given each output's term text."""
        raise NotImplementedError

    def grad_formula(self, y: str, t: str, m: int) -> str:
        raise NotImplementedError

    def grad_text(self, y: str, t: str, m: int) -> str:
        """∂E/∂y with numbers: negative numbers bracketed where the formula needs it."""
        return self.grad_formula(y, paren(t), m)

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        """−∂E/∂y written once and simplified (the delta rule's output factor), not −(…)."""
        raise NotImplementedError

    def negated_grad_text(self, y: str, t: str, m: int) -> str:
        """−∂E/∂y with numbers: 2·(t − y) brackets a negative y."""
        return self.negated_grad_formula(paren(y), t, m)

    # -- numpy, over the last axis (outputs); logs = (ln y, ln(1 − y)) for log losses
    def array_value(self, y: np.ndarray, t: np.ndarray,
                    logs: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        raise NotImplementedError

    def array_grad(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """∂E/∂y per output; a term whose coefficient is 0 counts as 0 (as in the loss)."""
        raise NotImplementedError

    def array_matched_delta(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """dE/dz of outputs with the ``matched`` function: finite where y saturates."""
        raise NotImplementedError


class SquaredError(Loss):
    """E = Σ (t − y)², the exercise sheet's loss."""

    name = "squared_error"

    def total(self, squares: float, m: int) -> float:
        """E from Σ (t − y)² over m outputs (works on numpy arrays too)."""
        return squares

    def value(self, ys, ts, names, logs=None) -> float:
        return self.total(sum((t - y) ** 2 for y, t in zip(ys, ts)), len(ys))

    def grad(self, y, t, m, complement=None) -> float:
        return 2 * (y - t)

    def paper_total(self, squares: Decimal, m: int) -> Decimal:
        return squares

    def paper_value(self, ys, ts, names, logs=None) -> Decimal:
        return self.paper_total(sum(((t - y) * (t - y) for y, t in zip(ys, ts)), paper.ZERO),
                                len(ys))

    def paper_grad(self, y, t, m, complement=None) -> Decimal:
        return 2 * (y - t)

    def term_formula(self, y: str, t: str) -> str:
        return f"({t} - {y})²"

    def formula(self, terms: Sequence[str]) -> str:
        return " + ".join(terms)

    def grad_formula(self, y: str, t: str, m: int) -> str:
        return f"2·({y} - {t})"

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        return f"2·({t} - {y})"

    def array_value(self, y, t, logs):
        return self.total(((t - y) ** 2).sum(axis=-1), y.shape[-1])

    def array_grad(self, y, t):
        return self.grad(y, t, y.shape[-1])


class HalfSquaredError(SquaredError):
    """E = ½ Σ (t − y)²: ∂E/∂y = y − t."""

    name = "half_squared_error"

    def total(self, squares, m):
        return 0.5 * squares

    def paper_total(self, squares, m):
        return squares / 2

    def paper_grad(self, y, t, m, complement=None):
        return y - t

    def grad(self, y, t, m, complement=None):
        return y - t

    def formula(self, terms: Sequence[str]) -> str:
        body = " + ".join(terms)
        return f"½·({body})" if len(terms) > 1 else f"½·{body}"

    def grad_formula(self, y: str, t: str, m: int) -> str:
        return f"({y} - {t})"

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        return f"({t} - {y})"


class MeanSquaredError(SquaredError):
    """E = (1/m) Σ (t − y)²."""

    name = "mean_squared_error"

    def total(self, squares, m):
        return squares / m

    def paper_total(self, squares, m):
        return squares / m

    def paper_grad(self, y, t, m, complement=None):
        return 2 * (y - t) / m

    def grad(self, y, t, m, complement=None):
        return 2 * (y - t) / m

    def formula(self, terms: Sequence[str]) -> str:
        body = " + ".join(terms)
        return f"(1/{len(terms)})·({body})" if len(terms) > 1 else body

    def grad_formula(self, y: str, t: str, m: int) -> str:
        return f"(2/{m})·({y} - {t})"

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        return f"(2/{m})·({t} - {y})"


class _LogLoss(Loss):
    takes_logs = True

    @staticmethod
    def ln(ys: Sequence[float], names: Sequence[str], logs: Sequence[Logs] | None,
           i: int, complement: bool) -> float:
        """ln y_i or ln(1 − y_i): from z where known, else from y (undefined at 0)."""
        entry = logs[i] if logs else None
        known = entry[complement] if entry else None
        if known is not None:
            return known
        if complement:
            return _ln(1 - ys[i], f"1 - {names[i]}")
        return _ln(ys[i], names[i])

    @staticmethod
    def paper_ln(ys: Sequence[Decimal], names: Sequence[str],
                 logs: Sequence[PaperLogs] | None, i: int, complement: bool) -> Decimal:
        entry = logs[i] if logs else None
        known = entry[complement] if entry else None
        if known is not None:
            return known
        if complement:
            return _paper_ln(1 - ys[i], f"1 - {names[i]}")
        return _paper_ln(ys[i], names[i])

    def formula(self, terms: Sequence[str]) -> str:
        body = " + ".join(terms)
        return f"-({body})" if len(terms) > 1 else f"-[{body}]"

    def grad_text(self, y: str, t: str, m: int) -> str:
        return self.grad_formula(paren(y), paren(t), m)

    def negated_grad_text(self, y: str, t: str, m: int) -> str:
        return self.negated_grad_formula(paren(y), paren(t), m)


class BinaryCrossEntropy(_LogLoss):
    """E = −Σ [t ln y + (1 − t) ln(1 − y)]: each output a probability of its own."""

    name = "binary_cross_entropy"
    outputs = (SIGMOID, SOFTMAX)
    needs = "sigmoid outputs or a softmax output layer"
    because = "its ln y and ln(1 - y) need 0 < y < 1"
    preferred_for = (SIGMOID,)
    matched = SIGMOID

    def target_problem(self, targets):
        if any(not 0 <= t <= 1 for t in targets):
            return "binary cross-entropy targets lie between 0 and 1", None
        return None

    def value(self, ys, ts, names, logs=None) -> float:
        # a term whose coefficient is 0 is 0, even where its log is undefined
        return -sum((t * self.ln(ys, names, logs, i, False) if t else 0.0)
                    + ((1 - t) * self.ln(ys, names, logs, i, True) if t != 1 else 0.0)
                    for i, t in enumerate(ts))

    def grad(self, y, t, m, complement=None) -> float:
        rest = 1 - y if complement is None else complement
        return -((t / y if t else 0.0) - ((1 - t) / rest if t != 1 else 0.0))

    def grad_from_logit(self, t: float, z: float) -> float:
        """1/y = 1 + e^−z and 1/(1 − y) = 1 + e^z: finite where float y saturates."""
        return -((t * (1 + math.exp(-z)) if t else 0.0)
                 - ((1 - t) * (1 + math.exp(z)) if t != 1 else 0.0))

    def paper_value(self, ys, ts, names, logs=None) -> Decimal:
        zero = paper.ZERO
        return -sum(((t * self.paper_ln(ys, names, logs, i, False) if t else zero)
                     + ((1 - t) * self.paper_ln(ys, names, logs, i, True) if t != 1 else zero)
                     for i, t in enumerate(ts)), zero)

    def paper_grad(self, y, t, m, complement=None) -> Decimal:
        rest = 1 - y if complement is None else complement
        zero = paper.ZERO
        return -((t / y if t else zero) - ((1 - t) / rest if t != 1 else zero))

    def paper_grad_from_logit(self, t, z) -> Decimal:
        zero = paper.ZERO
        return -((t * (1 + paper.exp(-z)) if t else zero)
                 - ((1 - t) * (1 + paper.exp(z)) if t != 1 else zero))

    def term_formula(self, y: str, t: str) -> str:
        return f"{t}·ln {y} + (1 - {t})·ln(1 - {y})"

    def grad_formula(self, y: str, t: str, m: int) -> str:
        return f"-({t}/{y} - (1 - {t})/(1 - {y}))"

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        return f"({t}/{y} - (1 - {t})/(1 - {y}))"

    def array_value(self, y, t, logs):
        import numpy as np

        assert logs is not None
        log_y, log_not_y = logs
        terms = np.where(t != 0, t * log_y, 0.0) + np.where(t != 1, (1 - t) * log_not_y, 0.0)
        return -terms.sum(axis=-1)

    def array_grad(self, y, t):
        import numpy as np

        return -(np.where(t != 0, t / y, 0.0) - np.where(t != 1, (1 - t) / (1 - y), 0.0))

    def array_matched_delta(self, y, t):
        return y - t  # −(t/y − (1−t)/(1−y))·y(1−y)


class CrossEntropy(_LogLoss):
    """E = −Σ t ln y: the target and the (softmax) output are distributions over the outputs."""

    name = "cross_entropy"
    outputs = (SOFTMAX,)
    needs = "a softmax output layer"
    because = "its outputs, like its target, must be a distribution over the outputs"
    preferred_for = (SOFTMAX,)
    matched, target_by_name = SOFTMAX, True

    def target_problem(self, targets):
        total = math.fsum(targets)
        if any(t < 0 for t in targets) or abs(total - 1) > TARGET_SUM_TOLERANCE:
            return (f"cross-entropy targets must be a distribution: nonnegative, summing to 1 "
                    f"(these sum to {total:g})",
                    "give a one-hot target such as [0, 1, 0], or the name of the target output "
                    "neuron; dE/dz = y - t holds only for a distribution")
        return None

    def value(self, ys, ts, names, logs=None) -> float:
        return -sum(t * self.ln(ys, names, logs, i, False) for i, t in enumerate(ts) if t)

    def grad(self, y, t, m, complement=None) -> float:
        return -t / y if t else 0.0

    def grad_from_logit(self, t: float, z: float) -> float:
        return -t * (1 + math.exp(-z)) if t else 0.0

    def paper_value(self, ys, ts, names, logs=None) -> Decimal:
        return -sum((t * self.paper_ln(ys, names, logs, i, False)
                     for i, t in enumerate(ts) if t), paper.ZERO)

    def paper_grad(self, y, t, m, complement=None) -> Decimal:
        return -t / y if t else paper.ZERO

    def paper_grad_from_logit(self, t, z) -> Decimal:
        return -t * (1 + paper.exp(-z)) if t else paper.ZERO

    def term_formula(self, y: str, t: str) -> str:
        return f"{t}·ln {y}"

    def grad_formula(self, y: str, t: str, m: int) -> str:
        return f"-{t}/{y}"

    def negated_grad_formula(self, y: str, t: str, m: int) -> str:
        return f"{t}/{y}"

    def array_value(self, y, t, logs):
        import numpy as np

        assert logs is not None
        return -np.where(t != 0, t * logs[0], 0.0).sum(axis=-1)

    def array_grad(self, y, t):
        import numpy as np

        return np.where(t != 0, -t / y, 0.0)

    def array_matched_delta(self, y, t):
        return y * t.sum(axis=-1, keepdims=True) - t  # y − t for a distribution t


SQUARED_ERROR = SquaredError()
_DECLARED: tuple[Loss, ...] = (SQUARED_ERROR, HalfSquaredError(), MeanSquaredError(),
                               BinaryCrossEntropy(), CrossEntropy())
LOSS_FUNCTIONS: dict[str, Loss] = {loss.name: loss for loss in _DECLARED}
LOSSES = tuple(LOSS_FUNCTIONS)


def default_loss(output: ActivationFunction) -> Loss:
    """The loss that suits an output activation (`bptutor new` without --loss)."""
    return next((loss for loss in _DECLARED if output in loss.preferred_for), SQUARED_ERROR)
