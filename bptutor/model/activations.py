"""Activations: each activation function is one declared object holding everything about it.

An ``ActivationFunction`` knows its value, its derivative σ′ (the rule the worksheet uses and
what it reads), how the sheet writes both, its numpy form (for gradcheck and train), the
mistaken σ′ the grader tries, and how lively a unit of it must be for ``bptutor new``.
``ACTIVATION_FUNCTIONS`` maps every name a problem file may use (aliases too) to one; adding an
activation is one class here plus its registry entry (tests/model/test_activations.py covers it).

σ′ is never a step of its own (SPEC §3): a worksheet computes it inline, from the rounded
activation for tanh and sigmoid and from z for the piecewise ones. ``Activation`` is one
neuron's activation as a problem gives it (a name, and ``alpha`` for leaky_relu and elu); its
methods ask the function.

numpy is imported inside the ``array_*`` methods only: loading this module must not load it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bptutor.model import paper
from bptutor.model.rounding import paren, show_given

if TYPE_CHECKING:
    import numpy as np

DEFAULT_ALPHA = 0.01  # leaky_relu's slope below 0 when a problem gives no alpha
INF = math.inf
# Logs = ln y and ln(1 − y) of one output, computed from z; None where they are taken from y
Logs = tuple[float, float | None] | None
PaperLogs = tuple[Decimal, Decimal | None] | None  # the same on paper


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def log_sigmoid(z: float) -> float:
    """ln σ(z) without forming σ(z), which is 1.0 (or 0.0) in floats long before ln σ is."""
    if z >= 0:
        return -math.log1p(math.exp(-z))
    return z - math.log1p(math.exp(z))


def softmax(zs: Sequence[float]) -> list[float]:
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    total = sum(exps)
    return [e / total for e in exps]


def log_sum_exp(zs: Sequence[float]) -> float:
    top = max(zs)
    return top + math.log(math.fsum(math.exp(z - top) for z in zs))


def _tenths(low: int, high: int) -> tuple[float, ...]:
    """Targets from low/10 to high/10 in steps of 0.1, 0 left out."""
    return tuple(k / 10 for k in range(low, high + 1) if k)


class ActivationFunction:
    """σ and everything about it. The defaults are the identity's; each function overrides
    what differs. ``alpha`` is passed to every method (only leaky_relu and elu read it)."""

    name: str  # canonical, as written in problem files
    aliases: tuple[str, ...] = ()  # other names a problem file may use
    symbol: str  # as written in the sheet's formulas: id(z), σ′(z(h1))
    latex: str | None = None  # a LaTeX command for the symbol; None: \mathrm{symbol}
    slope_reads = ""  # σ′ is computed from the activation 'a', from 'z', or is 1 (''); 'az':
    # from a, its branch chosen by z (elu: 1 for z ≥ 0, else a + α)
    layerwise = False  # its value depends on the whole layer (softmax): output layer only
    takes_alpha = False  # the layer's alpha applies to it
    probability = False  # each value lies strictly between 0 and 1
    logs_from_z = False  # ln y and ln(1 − y) are computed from z (``logs``), exactly
    confused_with: str | None = None  # the function whose σ′ a student may use by mistake
    midpoint = 0.5  # a value at or above it counts as 1 when naming a hidden unit's function
    has_kink = False  # σ′ jumps at z = 0: finite differences that straddle it disagree
    default_alpha = DEFAULT_ALPHA  # alpha where a problem gives none (takes_alpha only)

    # `bptutor new`: a draw is lively when every z lies in lively_z and every activation in
    # lively_a (outside, σ′ is nearly 0, or the unit is dead); targets come from these pools
    lively_z: tuple[float, float] = (-INF, INF)
    lively_a: tuple[float, float] = (-INF, INF)
    target_pools: tuple[tuple[float, ...], ...] = (_tenths(-10, 10),)

    # -- values, as the worksheet computes them
    def value(self, z: float, alpha: float) -> float:
        return z

    def layer_values(self, zs: Sequence[float], alpha: float) -> list[float]:
        """The values of a group of units with this function (softmax: a whole layer)."""
        return [self.value(z, alpha) for z in zs]

    def slope(self, a: float, z: float, alpha: float) -> float:
        """σ′ as the worksheet computes it: from the activation a, or from z."""
        return 1.0

    # -- paper forms (SPEC §3, model/paper.py): Decimal in, Decimal out; alpha as written
    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z

    def paper_layer_values(self, zs: Sequence[Decimal], alpha: float) -> list[Decimal]:
        return [self.paper_value(z, alpha) for z in zs]

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.ONE

    def paper_logs(self, zs: Sequence[Decimal]) -> list[PaperLogs] | None:
        """ln y and ln(1 − y) of each unit from its z, where ``logs_from_z``."""
        return None

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        """σ′ with numbers, as written on the sheet: (1 − (−0.94)²), 0.62·(1 − 0.62), 1."""
        return f"{self.slope(0.0, z, alpha):g}"

    def logs(self, zs: Sequence[float]) -> list[Logs] | None:
        """ln y and ln(1 − y) of each unit from its z, where ``logs_from_z``."""
        return None

    # -- numpy: the same along the last axis (one column per unit of this function)
    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        return z

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.ones_like(z)

    def array_backward(self, grad: np.ndarray, a: np.ndarray, z: np.ndarray,
                       alpha: float) -> np.ndarray:
        """dE/dz from dE/da: grad·σ′ for an elementwise function."""
        return grad * self.array_slope(a, z, alpha)

    def array_logs(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def kinked(self, alpha: float) -> bool:
        """Whether σ′ jumps at z = 0 for this alpha: leaky_relu's and elu's slopes below 0
        meet 1 there when α = 1, so those have no kink then."""
        return self.has_kink and not (self.takes_alpha and alpha == 1)

    # -- grading's diagnoses: σ′ as a student gets it wrong, from what the sheet's σ′ reads
    def slope_at_activation(self, a: float, alpha: float) -> float:
        """``derivative_at_activation``: σ′ evaluated at a as if a were z."""
        return self.slope(self.value(a, alpha), a, alpha)

    def slope_of_other(self, a: float, alpha: float) -> float:
        """``wrong_activation_derivative``: the other squashing function's σ′ of a."""
        assert self.confused_with is not None
        return ACTIVATION_FUNCTIONS[self.confused_with].slope(a, 0.0, alpha)

    # -- `bptutor new`
    def dull_activation(self, a: float) -> str | None:
        low, high = self.lively_a
        return None if low <= a <= high else f"saturated {self.name} unit"

    def dull_preactivation(self, z: float, rounded: float) -> str | None:
        """Why a unit with this z (exact and rounded) makes a poor exercise."""
        return None


class Identity(ActivationFunction):
    name, aliases, symbol = "identity", ("linear",), "id"


class Sigmoid(ActivationFunction):
    name, aliases, symbol, latex = "sigmoid", ("logistic",), "σ", r"\sigma"
    slope_reads, probability, logs_from_z, confused_with = "a", True, True, "tanh"
    lively_z, lively_a = (-2.9, 2.9), (0.05, 0.95)
    target_pools = ((0.0, 1.0),)

    def value(self, z: float, alpha: float) -> float:
        return sigmoid(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        return a * (1.0 - a)

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"{paren(a)}·(1 - {a})"

    def logs(self, zs: Sequence[float]) -> list[Logs]:
        return [(log_sigmoid(z), log_sigmoid(-z)) for z in zs]

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return paper.sigmoid(z)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return a * (1 - a)

    def paper_logs(self, zs: Sequence[Decimal]) -> list[PaperLogs]:
        return [(paper.log_sigmoid(z), paper.log_sigmoid(-z)) for z in zs]

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.exp(-np.logaddexp(0.0, -z))  # never overflows

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        return a * (1 - a)

    def array_logs(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        return -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)


class Tanh(ActivationFunction):
    name, symbol, latex = "tanh", "tanh", r"\tanh"
    slope_reads, confused_with, midpoint = "a", "sigmoid", 0.0
    lively_z, lively_a = (-1.8, 1.8), (-0.95, 0.95)
    target_pools = ((-1.0, 1.0), _tenths(-9, 9))  # ±1 half the time, else a value between

    def value(self, z: float, alpha: float) -> float:
        return math.tanh(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        return 1.0 - a * a

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"(1 - {paren(a)}²)"

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return paper.tanh(z)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return 1 - a * a

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.tanh(z)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        return 1 - a ** 2


class Relu(ActivationFunction):
    """relu′(0) = 1, as in the lecture slides (SPEC §1)."""

    name = symbol = "relu"
    slope_reads, has_kink = "z", True
    lively_z = (0.05, INF)  # alive, with a margin for the rounding of z
    target_pools = (_tenths(1, 10),)

    def value(self, z: float, alpha: float) -> float:
        return z if z > 0 else 0.0

    def slope(self, a: float, z: float, alpha: float) -> float:
        return 1.0 if z >= 0 else 0.0

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z if z > 0 else paper.ZERO

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.ONE if z >= 0 else paper.ZERO

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z > 0, z, 0.0)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z >= 0, 1.0, 0.0)

    def dull_preactivation(self, z: float, rounded: float) -> str | None:
        return "dead relu unit" if min(z, rounded) <= 0 else None


class LeakyRelu(ActivationFunction):
    name, symbol = "leaky_relu", "lrelu"
    slope_reads, takes_alpha, has_kink = "z", True, True

    def value(self, z: float, alpha: float) -> float:
        return z if z >= 0 else alpha * z

    def slope(self, a: float, z: float, alpha: float) -> float:
        return 1.0 if z >= 0 else alpha

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z if z >= 0 else paper.given(alpha) * z

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.ONE if z >= 0 else paper.given(alpha)

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z >= 0, z, alpha * z)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z >= 0, 1.0, alpha)

    def dull_preactivation(self, z: float, rounded: float) -> str | None:
        return "leaky relu at its kink" if 0 in (z, rounded) else None


class Softmax(ActivationFunction):
    """y_k = exp(z_k) / Σ_l exp(z_l) over the output layer; the sheet gives it dE/dz steps
    (SPEC §3), so it has no σ′ of its own (``slope`` is never asked)."""

    name = symbol = "softmax"
    layerwise, probability, logs_from_z = True, True, True
    lively_a = (-INF, 0.95)

    def layer_values(self, zs: Sequence[float], alpha: float) -> list[float]:
        return softmax(zs)

    def logs(self, zs: Sequence[float]) -> list[Logs]:
        """Below the largest output (y ≤ ½) ln y and ln(1 − y) are z − lse and log1p(−y); the
        largest one is σ(z − r), r the log-sum-exp of the others, so its ln y and ln(1 − y)
        are log-sigmoids of z − r and r − z, however close y is to 1."""
        zs = list(zs)
        if len(zs) == 1:
            return [(0.0, None)]  # y is 1: ln(1 − y) is a genuine ln 0
        total, top = log_sum_exp(zs), zs.index(max(zs))
        rest = log_sum_exp(zs[:top] + zs[top + 1:])
        return [(log_sigmoid(z - rest), log_sigmoid(rest - z)) if k == top
                else (z - total, math.log1p(-math.exp(z - total))) for k, z in enumerate(zs)]

    def paper_layer_values(self, zs: Sequence[Decimal], alpha: float) -> list[Decimal]:
        top = max(zs)
        exps = [paper.exp(z - top) for z in zs]
        total = sum(exps, paper.ZERO)
        return [paper.divide(e, total) for e in exps]

    def paper_logs(self, zs: Sequence[Decimal]) -> list[PaperLogs]:
        """ln y_k = z_k − lse(z), ln(1 − y_k) = lse(the others) − lse(z)."""
        zs = list(zs)
        if len(zs) == 1:
            return [(paper.ZERO, None)]  # y is 1: ln(1 − y) is a genuine ln 0
        total = paper.log_sum_exp(zs)
        return [(z - total, paper.log_sum_exp(zs[:k] + zs[k + 1:]) - total)
                for k, z in enumerate(zs)]

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def array_backward(self, grad: np.ndarray, a: np.ndarray, z: np.ndarray,
                       alpha: float) -> np.ndarray:
        """The Jacobian sum: dE/dz_k = Σ_l dE/dy_l · y_l(δ_lk − y_k)."""
        return a * (grad - (grad * a).sum(axis=-1, keepdims=True))

    def array_logs(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        m = z.shape[-1]
        top = z.max(axis=-1, keepdims=True)
        log_total = np.logaddexp.reduce(z, axis=-1, keepdims=True)
        # 1 − y_k is the sum of the other outputs: summed as such, it keeps its digits
        # where y_k is within 1e-6 of 1 (1 − y would keep only ten)
        shifted = np.exp(z - top)
        others = (shifted[..., None, :] * (1.0 - np.eye(m))).sum(axis=-1)
        return z - log_total, np.log(others) + top - log_total

    def dull_activation(self, a: float) -> str | None:
        return None if a <= self.lively_a[1] else "saturated softmax"


# -- SPEC §6's five more activations ---------------------------------------------------------

def softplus(z: float) -> float:
    """ln(1 + eᶻ), never overflowing, with all its digits where it is tiny (z ≪ 0)."""
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


def normal_cdf(z: float) -> float:
    """Φ(z) from erfc, which keeps its digits where Φ is tiny (1 + erf would not)."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


class Elu(ActivationFunction):
    """α(eᶻ − 1) below 0. σ′ = 1 for z ≥ 0, else a + α (= αeᶻ), from the sheet's a; which
    branch from z (``slope_reads`` "az"), as an a rounded to 0 no longer tells."""

    name = symbol = "elu"
    slope_reads, takes_alpha, has_kink, default_alpha = "az", True, True, 1.0
    lively_z = (-2.0, INF)  # below, σ′ = αeᶻ < 0.14α: the unit has nearly stopped learning
    target_pools = (_tenths(1, 10),)

    def value(self, z: float, alpha: float) -> float:
        return z if z >= 0 else alpha * math.expm1(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        return 1.0 if z >= 0 else a + alpha

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return "1" if z >= 0 else f"({a} + {show_given(alpha)})"

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z if z >= 0 else paper.given(alpha) * paper.expm1(z)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.ONE if z >= 0 else a + paper.given(alpha)

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z >= 0, z, alpha * np.expm1(np.minimum(z, 0.0)))

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.where(z >= 0, 1.0, a + alpha)

    def dull_preactivation(self, z: float, rounded: float) -> str | None:
        return "elu at its kink" if 0 in (z, rounded) else None


class Softplus(ActivationFunction):
    """ln(1 + eᶻ); σ′ = σ(z), from z."""

    name = symbol = "softplus"
    slope_reads = "z"
    lively_z = (-2.9, INF)  # below, σ′ = σ(z) < 0.05
    target_pools = (_tenths(1, 10),)

    def value(self, z: float, alpha: float) -> float:
        return softplus(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        return sigmoid(z)

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"σ({a})"  # a: the text of what σ′ reads, here z

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        if z > 0:
            return z + paper.ln1p(paper.exp(-z))
        return paper.ln1p(paper.exp(z))

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.sigmoid(z)

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.logaddexp(0.0, z)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.exp(-np.logaddexp(0.0, -z))


class Silu(ActivationFunction):
    """z·σ(z) (swish); σ′ = σ(z)·(1 + z·(1 − σ(z))), from z."""

    name, aliases, symbol = "silu", ("swish",), "silu"
    slope_reads = "z"
    lively_z = (-0.8, INF)  # σ′ falls to 0 at z ≈ −1.28, silu's minimum
    target_pools = (_tenths(1, 10),)

    def value(self, z: float, alpha: float) -> float:
        return z * sigmoid(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        # 1 − σ(z) as σ(−z): the same number, with its digits where σ(z) is nearly 1
        return sigmoid(z) * (1.0 + z * sigmoid(-z))

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"σ({a})·(1 + {paren(a)}·(1 - σ({a})))"

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z * paper.sigmoid(z)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.sigmoid(z) * (1 + z * paper.sigmoid(-z))

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return z * np.exp(-np.logaddexp(0.0, -z))

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        s, rest = np.exp(-np.logaddexp(0.0, -z)), np.exp(-np.logaddexp(0.0, z))
        return s * (1 + z * rest)


class Gelu(ActivationFunction):
    """z·Φ(z), Φ the standard normal CDF (the exact form, not tanh's approximation);
    σ′ = Φ(z) + z·φ(z), from z."""

    name = symbol = "gelu"
    slope_reads = "z"
    lively_z = (-0.4, INF)  # σ′ falls to 0 at z ≈ −0.75, gelu's minimum
    target_pools = (_tenths(1, 10),)

    def value(self, z: float, alpha: float) -> float:
        return z * normal_cdf(z)

    def slope(self, a: float, z: float, alpha: float) -> float:
        return normal_cdf(z) + z * normal_pdf(z)

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"(Φ({a}) + {paren(a)}·φ({a}))"

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return z * paper.normal_cdf(z)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return paper.normal_cdf(z) + z * paper.normal_pdf(z)

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        return z * _array_normal_cdf(z)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return _array_normal_cdf(z) + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _array_normal_cdf(z: np.ndarray) -> np.ndarray:
    """Φ elementwise (numpy has no erfc; train's and gradcheck's arrays are small)."""
    import numpy as np

    return np.vectorize(normal_cdf, otypes=[np.float64])(z)


class BipolarSigmoid(ActivationFunction):
    """2σ(z) − 1 (= tanh(z/2)), between −1 and 1; σ′ = (1 − a²)/2, from a."""

    name, symbol = "bipolar_sigmoid", "bipolar"
    slope_reads, confused_with, midpoint = "a", "sigmoid", 0.0
    lively_z, lively_a = (-3.6, 3.6), (-0.95, 0.95)  # tanh's, at twice the z
    target_pools = ((-1.0, 1.0), _tenths(-9, 9))

    def value(self, z: float, alpha: float) -> float:
        return math.tanh(z / 2)  # 2σ(z) − 1 would lose the digits of a small value

    def slope(self, a: float, z: float, alpha: float) -> float:
        return (1.0 - a * a) / 2

    def slope_text(self, a: str, z: float, alpha: float) -> str:
        return f"(1 - {paren(a)}²)/2"

    def paper_value(self, z: Decimal, alpha: float) -> Decimal:
        return paper.tanh(z / 2)

    def paper_slope(self, a: Decimal, z: Decimal, alpha: float) -> Decimal:
        return (1 - a * a) / 2

    def array_value(self, z: np.ndarray, alpha: float) -> np.ndarray:
        import numpy as np

        return np.tanh(z / 2)

    def array_slope(self, a: np.ndarray, z: np.ndarray, alpha: float) -> np.ndarray:
        return (1 - a ** 2) / 2


IDENTITY, SIGMOID, TANH = Identity(), Sigmoid(), Tanh()
RELU, LEAKY_RELU, SOFTMAX = Relu(), LeakyRelu(), Softmax()
ELU, SOFTPLUS, SILU, GELU, BIPOLAR_SIGMOID = Elu(), Softplus(), Silu(), Gelu(), BipolarSigmoid()
_DECLARED = (IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTMAX,
             ELU, SOFTPLUS, SILU, GELU, BIPOLAR_SIGMOID)

# every name a problem may use → its function (canonical names first, then aliases)
ACTIVATION_FUNCTIONS: dict[str, ActivationFunction] = {
    **{f.name: f for f in _DECLARED}, **{a: f for f in _DECLARED for a in f.aliases}}
ACTIVATIONS = tuple(f.name for f in _DECLARED)  # canonical names
ACTIVATION_ALIASES = {alias: f.name for f in _DECLARED for alias in f.aliases}
DEFAULT_ACTIVATION = SIGMOID.name  # `bptutor new`'s, as on most exercise sheets


@dataclass(frozen=True)
class Activation:
    """One neuron's activation: a function by name, and alpha (leaky_relu and elu)."""

    name: str  # canonical: identity sigmoid tanh relu leaky_relu softmax elu …
    alpha: float = math.nan  # NaN: the function's own default_alpha (0.01; elu's 1)

    def __post_init__(self) -> None:
        if math.isnan(self.alpha):
            object.__setattr__(self, "alpha", self.function.default_alpha)

    @property
    def function(self) -> ActivationFunction:
        return ACTIVATION_FUNCTIONS[self.name]

    @property
    def symbol(self) -> str:
        return self.function.symbol

    @property
    def slope_reads(self) -> str:
        """Which value σ′ is computed from: the activation 'a', the preactivation 'z', or ''."""
        return self.function.slope_reads

    def value(self, z: float) -> float:
        return self.function.value(z, self.alpha)

    def slope(self, a: float, z: float) -> float:
        """σ′ as the worksheet computes it: from the activation a, or from z."""
        return self.function.slope(a, z, self.alpha)

    def paper_value(self, z: Decimal) -> Decimal:
        return self.function.paper_value(z, self.alpha)

    def paper_slope(self, a: Decimal, z: Decimal) -> Decimal:
        return self.function.paper_slope(a, z, self.alpha)

    def slope_text(self, a: str, z: float) -> str:
        return self.function.slope_text(a, z, self.alpha)

    def slope_formula(self, neuron: str) -> str:
        return f"{self.symbol}′(z({neuron}))"

    def value_formula(self, z: str) -> str:
        return f"{self.symbol}({z})"

    def mistaken_slope(self, mistake: str) -> Callable[[float], float] | None:
        """σ′ of what the sheet's σ′ reads, as the grader's diagnosis ``mistake`` makes it;
        None where this function cannot make that mistake."""
        f, alpha = self.function, self.alpha
        if f.slope_reads != "a":
            return None
        if mistake == "derivative_at_activation":
            return lambda a: f.slope_at_activation(a, alpha)
        if mistake == "wrong_activation_derivative" and f.confused_with:
            return lambda a: f.slope_of_other(a, alpha)
        return None

    # numpy forms, for tools/numeric.py
    def array_value(self, z: np.ndarray) -> np.ndarray:
        return self.function.array_value(z, self.alpha)

    def array_backward(self, grad: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
        return self.function.array_backward(grad, a, z, self.alpha)
