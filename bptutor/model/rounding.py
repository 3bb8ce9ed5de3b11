"""The rounding rule of SPEC §3, and how numbers are written out."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

# Float arithmetic leaves noise in the 16th-17th significant digit (0.1 * 0.15 is
# 0.015000000000000001). A person working on paper gets the exact 0.015, a tie. We cut
# that noise off before rounding so that ties stay ties: 15 significant digits are far
# below any precision an exercise asks for.
_NOISE = Context(prec=15)
_WIDE = Context(prec=400)  # room for any float's digits (up to 1e308) plus 12 decimals


def round_half_up(value: float, digits: int) -> float:
    """R(v): round half away from zero at ``digits`` decimals of v's shortest decimal form."""
    if not math.isfinite(value):  # a student's own numbers can overflow: nothing to round
        return value
    exact = _NOISE.create_decimal(repr(value))
    result = float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP,
                                  context=_WIDE))
    return result + 0.0  # turns -0.0 into 0.0


@dataclass(frozen=True)
class Rounding:
    """The one policy object every step is computed under; ``digits=None`` means exact."""

    digits: int | None = None

    def __call__(self, value: float) -> float:
        if self.digits is None:
            return value
        return round_half_up(value, self.digits)

    def show(self, value: float) -> str:
        """A computed value as the worksheet writes it (fixed decimals when rounding)."""
        if self.digits is None:
            return show_exact(value)
        return f"{round_half_up(value, self.digits):.{self.digits}f}"


EXACT = Rounding(None)


def show_given(value: float) -> str:
    """A given number (weight, input, target) as the student typed it."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def show_exact(value: float, significant: int = 5) -> str:
    """An unrounded value, short enough to read: 5 significant digits."""
    if value == 0:
        return "0"
    text = f"{value:.{significant}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def paren(text: str) -> str:
    """Bracket a negative number inside a product or power: 0.2·(−1), (−0.94)²."""
    return f"({text})" if text.startswith("-") else text


def asked_digits(round_to: int | None, exact: bool) -> int | None | str:
    """The rounding a command asked for (``--round N``, ``--exact``), as ``solve`` takes it:
    N decimals, None for exact, or "file" for the problem file's own."""
    if exact and round_to is not None:
        from bptutor.errors import OptionError

        raise OptionError(None, "give --round N or --exact, not both")
    return None if exact else "file" if round_to is None else round_to
