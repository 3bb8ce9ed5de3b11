"""Paper arithmetic (SPEC §3): the numbers a worksheet computes, as a person on paper would.

Every worksheet value is a ``decimal.Decimal``. Given numbers are used as written
(``given(0.1)`` is exactly 0.1, not the double nearest it); sums, differences and products of
given and rounded decimals are exact. Only the transcendental functions here (exp, ln, √,
tanh, σ, …) and quotients that do not terminate are approximated, to ``DIGITS`` significant
digits, which is far more than any exercise rounds to.

The contract for op arithmetic (every ``value()`` of sheet/ops.py and of the activations' and
losses' ``paper_*`` forms): use only + − * / between values, integer literals (never float
literals such as 0.5), the builtin ``sum()``, and the helpers below for anything
transcendental. Arithmetic runs in ``ARITHMETIC`` (``with working():``): 80 digits keep every
sum and product of the short decimals of a sheet exact.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Context, Decimal

DIGITS = 40  # significant digits of every approximated value (SPEC §3 asks for 30)
ARITHMETIC = Context(prec=80)  # exact for sums and products of a sheet's given and rounded decimals
_FUNCTIONS = Context(prec=DIGITS)

ZERO, ONE, TWO = Decimal(0), Decimal(1), Decimal(2)
HALF = Decimal("0.5")


@contextmanager
def working() -> Iterator[None]:
    """Paper arithmetic for + − * / on Decimals inside the block (the thread's context)."""
    with decimal.localcontext(ARITHMETIC):
        yield


def given(x: float | int | Decimal) -> Decimal:
    """A number as written: a float's shortest decimal form (0.1 is 0.1), an int as is."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    return Decimal(repr(x))


def nearest_float(x: Decimal) -> float:
    """The double nearest a paper value (what views, tools and JSON read); −0 becomes 0."""
    return float(x) + 0.0


def _extra(x: Decimal) -> int:
    """Digits lost to cancellation in e^x − 1 for a small x (its leading digit's place)."""
    return max(0, -x.adjusted()) if x else 0


def _plain(x: Decimal) -> Decimal:
    """An underflow to zero (e^−10⁷) is the plain 0."""
    return x if x else ZERO


def exp(x: Decimal) -> Decimal:
    return _plain(_FUNCTIONS.exp(x))


def ln(x: Decimal) -> Decimal:
    """ln x; ArithmeticError (not −∞ or NaN) where x ≤ 0: the caller says which value."""
    if x <= 0:
        raise ArithmeticError(f"ln({x}) is undefined")
    return _FUNCTIONS.ln(x)


def sqrt(x: Decimal) -> Decimal:
    if x < 0:
        raise ArithmeticError(f"sqrt({x}) is undefined")
    return _FUNCTIONS.sqrt(x)


def expm1(x: Decimal) -> Decimal:
    """e^x − 1 with DIGITS significant digits, however small x is."""
    wider = Context(prec=DIGITS + _extra(x) + 2)
    return _FUNCTIONS.plus(wider.subtract(wider.exp(x), ONE))


def tanh(x: Decimal) -> Decimal:
    """(e^2x − 1)/(e^2x + 1), computed from the negative side so e^2x never overflows."""
    if x > 0:
        return _FUNCTIONS.minus(tanh(ARITHMETIC.minus(x)))
    if x == 0:
        return ZERO
    m = expm1(ARITHMETIC.multiply(TWO, x))  # −1 < m < 0
    return _FUNCTIONS.divide(m, _FUNCTIONS.add(m, TWO))


def sigmoid(x: Decimal) -> Decimal:
    """1/(1 + e^−x); e^x/(1 + e^x) for negative x, so e^−x never overflows."""
    if x >= 0:
        return _FUNCTIONS.divide(ONE, _FUNCTIONS.add(ONE, _FUNCTIONS.exp(ARITHMETIC.minus(x))))
    e = _FUNCTIONS.exp(x)
    return _plain(_FUNCTIONS.divide(e, _FUNCTIONS.add(ONE, e)))


def divide(a: Decimal, b: Decimal) -> Decimal:
    """a/b: exact where it terminates within the working precision, else approximated."""
    return ARITHMETIC.divide(a, b)


def ln1p(x: Decimal) -> Decimal:
    """ln(1 + x) with DIGITS significant digits, however small x is."""
    if x <= -1:
        raise ArithmeticError(f"ln({ARITHMETIC.add(ONE, x)}) is undefined")
    wider = Context(prec=DIGITS + _extra(x) + 2)
    return _FUNCTIONS.plus(wider.ln(wider.add(ONE, x)))


def log_sigmoid(x: Decimal) -> Decimal:
    """ln σ(x) = −ln(1 + e^−x), without forming σ(x) (which is 1 to DIGITS digits at x = 100)."""
    if x >= 0:
        return _FUNCTIONS.minus(ln1p(_FUNCTIONS.exp(ARITHMETIC.minus(x))))
    return _FUNCTIONS.subtract(x, ln1p(_FUNCTIONS.exp(x)))


def log_sum_exp(xs: list[Decimal]) -> Decimal:
    """ln Σ e^x, shifted by the largest x."""
    top = max(xs)
    total = ARITHMETIC.add(ZERO, ZERO)
    for x in xs:
        total = _FUNCTIONS.add(total, _FUNCTIONS.exp(ARITHMETIC.subtract(x, top)))
    return _FUNCTIONS.add(top, _FUNCTIONS.ln(total))


# -- the normal distribution (gelu): erf, erfc, Φ and φ, to DIGITS significant digits ------
# Below _SERIES_UP_TO erf comes from its series of positive terms,
# e^−x²·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)), which never cancels; above it erfc from its continued
# fraction, so that Φ(z) of a very negative z keeps its digits where 1 − erf would lose them.
_SERIES_UP_TO = 6
_CF_TERMS = 10_000  # the continued fraction converges in a few hundred terms from x = 6


# π to 100 digits (more than the DIGITS + 40 these constants carry)
_PI = Decimal("3.14159265358979323846264338327950288419716939937510"
              "58209749445923078164062862089986280348253421170679")
_SQRT_PI = Context(prec=DIGITS + 40).sqrt(_PI)
_SQRT_2 = Context(prec=DIGITS + 40).sqrt(TWO)


def _erf_series(x: Decimal, context: Context) -> Decimal:
    """erf x for 0 ≤ x ≤ _SERIES_UP_TO, every term positive."""
    x2 = context.multiply(x, x)
    term = total = x
    n = 0
    while True:
        n += 1
        term = context.divide(context.multiply(term, context.multiply(TWO, x2)), 2 * n + 1)
        if term <= total.scaleb(-context.prec - 2):  # erf 0 = 0 stops at once
            break
        total = context.add(total, term)
    scale = context.divide(context.multiply(TWO, context.exp(context.minus(x2))), _SQRT_PI)
    return context.multiply(scale, total)


def _erfc_fraction(x: Decimal, context: Context) -> Decimal:
    """erfc x for x ≥ _SERIES_UP_TO: e^−x²/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
    by the modified Lentz method."""
    tiny, close = ONE.scaleb(-3 * context.prec), ONE.scaleb(5 - context.prec)
    f = c = x
    d = ZERO
    for n in range(1, _CF_TERMS):
        a = context.divide(Decimal(n), TWO)
        d = context.add(x, context.multiply(a, d))
        d = context.divide(ONE, d if d else tiny)
        c = context.add(x, context.divide(a, c if c else tiny))
        delta = context.multiply(c, d)
        f = context.multiply(f, delta)
        if context.subtract(delta, ONE).copy_abs() < close:
            break
    return context.divide(context.exp(context.minus(context.multiply(x, x))),
                          context.multiply(_SQRT_PI, f))


def erfc(x: Decimal) -> Decimal:
    """1 − erf x, with DIGITS significant digits however small it is (x up to ~10⁸)."""
    if x < 0:
        return _FUNCTIONS.subtract(TWO, erfc(ARITHMETIC.minus(x)))
    if x >= _SERIES_UP_TO:
        return _FUNCTIONS.plus(_erfc_fraction(x, Context(prec=DIGITS + 10)))
    # 1 − erf x cancels about x²/ln 10 digits (erfc 6 ≈ 2e−17): carry them
    wider = Context(prec=DIGITS + 10 + int(x * x / 2))
    return _FUNCTIONS.plus(wider.subtract(ONE, _erf_series(x, wider)))


def erf(x: Decimal) -> Decimal:
    if x < 0:
        return _FUNCTIONS.minus(erf(ARITHMETIC.minus(x)))
    if x >= _SERIES_UP_TO:
        return _FUNCTIONS.subtract(ONE, erfc(x))
    return _FUNCTIONS.plus(_erf_series(x, Context(prec=DIGITS + 10)))


def normal_cdf(z: Decimal) -> Decimal:
    """Φ(z) = erfc(−z/√2)/2: for a very negative z a tiny number with all its digits."""
    wide = Context(prec=DIGITS + 10)
    return _plain(_FUNCTIONS.divide(erfc(wide.divide(wide.minus(z), _SQRT_2)), TWO))


def normal_pdf(z: Decimal) -> Decimal:
    """φ(z) = e^(−z²/2)/√(2π)."""
    wide = Context(prec=DIGITS + 10)
    half_square = wide.divide(wide.multiply(z, z), TWO)
    return _plain(_FUNCTIONS.divide(wide.exp(wide.minus(half_square)),
                                    wide.multiply(_SQRT_PI, _SQRT_2)))
