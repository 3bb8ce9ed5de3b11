"""The rounding rules of SPEC §3 and §6, and how numbers are written out.

One ``Rounding`` policy carries a problem's whole rule: the default precision (decimals or
significant figures), per-kind precisions, whether rounded values are carried into later
steps, and how ties are broken. ``rule(kind)`` gives the plain rule one step is rounded by.
Rounding acts on the paper value (a ``Decimal``, model/paper.py); floats are read as written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from functools import cached_property
from typing import overload

TIES = ("half_up", "half_even", "binary")
# the kinds a per-kind precision may name: the step kinds of SPEC §5 and §6
KINDS = ("preactivation", "activation", "loss", "error", "delta", "gradient", "update", "node",
         "slope", "change", "velocity", "moment")
MAX_PLACES = 12  # decimals or significant figures: beyond this no sheet is written by hand
_WIDE = Context(prec=400)  # room for any double's digits (up to 1e308) plus 12 decimals
_TIE_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN}


@dataclass(frozen=True)
class Precision:
    """``places`` decimals, or ``places`` significant figures."""

    places: int
    significant: bool = False

    def exponent(self, value: Decimal) -> int:
        """The power of ten of the last digit kept (value nonzero for significant figures)."""
        if not self.significant:
            return -self.places
        return value.adjusted() - self.places + 1

    def unit(self, value: float) -> float:
        """One unit of the last digit kept, for a value near ``value`` (grading's tolerances)."""
        if not self.significant:
            return 10.0 ** -self.places
        if value == 0 or not math.isfinite(value):
            return 0.0
        return 10.0 ** (Decimal(repr(value)).adjusted() - self.places + 1)

    def words(self) -> str:
        what = "significant figure" if self.significant else "decimal"
        return f"{self.places} {what}{'s' * (self.places != 1)}"

    def as_json(self) -> int | dict[str, int]:
        return {"significant": self.places} if self.significant else self.places


_ZERO = Decimal(0)
# A quotient that does not terminate is carried to 80 digits (model/paper.py): (1/0.9)·0.09 is
# 0.0999…9, not the 0.1 it is on paper. Rounding first reads the value to 60 significant
# digits, which gives such a rational value back exactly (so a paper tie stays a tie) and
# moves an approximated transcendental value, good to 40 digits, by nothing that counts —
# and to at least 20 digits beyond the one kept, so a huge value (a diverging update's
# 1e57) keeps every digit its rounding reads.
_PAPER_DIGITS = 60
_GUARD_DIGITS = 20
_READ: dict[int, Context] = {}


def _paper_read(value: Decimal, exponent: int) -> Decimal:
    prec = max(_PAPER_DIGITS, value.adjusted() - exponent + _GUARD_DIGITS)
    context = _READ.get(prec)
    if context is None:
        context = _READ[prec] = Context(prec=prec)
    return context.plus(value)
_QUANTA = {e: Decimal(1).scaleb(e) for e in range(-40, 41)}  # 10^e, built once


def round_to(value: Decimal, precision: Precision, ties: str = "half_up") -> Decimal:
    """R(v) at one precision: ``half_up`` (away from zero) and ``half_even`` act on the paper
    value; ``binary`` is Python's round(x, d) of the double x nearest it. −0 becomes 0."""
    if not value:
        return _ZERO
    if not value.is_finite():
        return value
    exponent = precision.exponent(value)
    value = _paper_read(value, exponent)
    exponent = precision.exponent(value)  # the read may carry into the next power of ten
    if ties == "binary":
        double = float(value)
        if not math.isfinite(double):
            return value
        result = Decimal(repr(round(double, -exponent)))
    else:
        quantum = _QUANTA.get(exponent) or Decimal(1).scaleb(exponent)
        digits = value.adjusted() - exponent + 2  # a student's 1e300·1e300 is a number too
        context = _WIDE if digits <= _WIDE.prec else Context(prec=digits)
        result = value.quantize(quantum, rounding=_TIE_MODES[ties], context=context)
    return result if result else _ZERO


def round_half_up(value: float, digits: int) -> float:
    """R(v): round half away from zero at ``digits`` decimals of v as written (its shortest
    decimal form)."""
    if not math.isfinite(value):  # a student's own numbers can overflow: nothing to round
        return value
    return float(round_to(Decimal(repr(value)), Precision(digits))) + 0.0


def _precision(digits: int | Precision | None) -> Precision | None:
    return Precision(digits) if isinstance(digits, int) else digits


@dataclass(frozen=True)
class Rounding:
    """The one policy every step is computed under; no precision at all means exact.

    ``Rounding(2)`` is the short form ``round: 2``; the long form (SPEC §6) adds
    ``significant`` figures in place of decimals, ``carry``, ``ties`` and per-kind
    ``kinds``. Called on a value, it rounds at the default precision (``rule(kind)`` gives
    a kind's own); ``short`` says the file wrote ``round: d``."""

    digits: int | None = None  # the default precision in decimals …
    significant: int | None = None  # … or in significant figures
    carry: bool = True  # later steps use the rounded values (False: display only)
    ties: str = "half_up"
    kinds: tuple[tuple[str, Precision], ...] = ()  # per-kind precisions, by kind name
    short: bool = True  # written as ``round: d``
    # each kind's rule, built once (not an argument: a replace() must not share it)
    _rules: dict[str, Rounding] = field(default_factory=dict, init=False, compare=False,
                                        repr=False, hash=False)

    @cached_property
    def precision(self) -> Precision | None:
        """The default precision (None: exact)."""
        if self.significant is not None:
            return Precision(self.significant, significant=True)
        return _precision(self.digits)

    @property
    def rounds(self) -> bool:
        """Some step is rounded (otherwise the sheet is exact)."""
        return self.precision is not None or bool(self.kinds)

    def precision_of(self, kind: str) -> Precision | None:
        """The precision steps of ``kind`` are rounded to (None: exact)."""
        for named, precision in self.kinds:
            if named == kind:
                return precision
        if kind == "moment" and self.precision is not None:
            # SPEC §7: Adam's moments read the precision as significant figures (at 2
            # decimals (1 − β2)·g² would round to 0 and the step explode)
            return Precision(max(1, self.precision.places), significant=True)
        return self.precision

    def rule(self, kind: str) -> Rounding:
        """The plain rule one kind of step is rounded by: one precision, no per-kind table."""
        known = self._rules.get(kind)
        if known is None:
            if not self.kinds and kind != "moment":
                known = self
            else:
                own = self.precision_of(kind)
                known = Rounding(None if own is None or own.significant else own.places,
                                 own.places if own is not None and own.significant else None,
                                 self.carry, self.ties)
            self._rules[kind] = known
        return known

    @overload
    def __call__(self, value: Decimal) -> Decimal: ...

    @overload
    def __call__(self, value: float) -> float: ...

    def __call__(self, value: Decimal | float) -> Decimal | float:
        """R(v) at the default precision: a Decimal for a paper value, else a float."""
        precision = self.precision
        if precision is None:
            return value
        if isinstance(value, Decimal):
            return round_to(value, precision, self.ties)
        if not math.isfinite(value):
            return value
        return float(round_to(Decimal(repr(value)), precision, self.ties)) + 0.0

    def show(self, value: float | Decimal, kind: str | None = None) -> str:
        """A computed value as the worksheet writes it: fixed decimals when rounding to
        decimals, ``n`` significant figures when rounding to those."""
        precision = self.precision if kind is None else self.precision_of(kind)
        if precision is None:
            return show_exact(float(value))
        if not precision.significant and isinstance(value, float):
            shown = _short_fixed(value, precision.places)
            if shown is not None:
                return shown
        rounded = round_to(value if isinstance(value, Decimal) else Decimal(repr(value)),
                           precision, self.ties) if math.isfinite(value) else value
        if not isinstance(rounded, Decimal):
            return show_exact(float(rounded))
        if not precision.significant:
            return f"{rounded:.{precision.places}f}"
        if not rounded:
            return "0"
        return f"{rounded:.{max(0, precision.places - 1 - rounded.adjusted())}f}"

    def words(self) -> str:
        """The rule in words, for the settings line of every view."""
        if not self.rounds:
            return "exact (no rounding)"
        default = self.precision
        text = f"rounded to {default.words()}" if default else "exact"
        text += " after every step" if self.carry else " for display only (not carried)"
        if self.kinds:
            text += " (" + ", ".join(f"{kind}: {p.words()}" for kind, p in self.kinds) + ")"
        if self.ties != "half_up":
            text += {"half_even": ", ties to even",
                     "binary": ", ties as Python's round() of the float"}[self.ties]
        return text

    def as_json(self) -> int | None | dict[str, object]:
        """SPEC §5's ``round``: the int of ``round: d``, null when exact, else the long form."""
        if not self.rounds:
            return None
        if self.short and self.digits is not None and not self.kinds:
            return self.digits
        out: dict[str, object] = {}
        if self.significant is not None:
            out["significant"] = self.significant
        elif self.digits is not None:
            out["decimals"] = self.digits
        out["carry"] = self.carry
        out["ties"] = self.ties
        if self.kinds:
            out["kinds"] = {kind: p.as_json() for kind, p in self.kinds}
        return out


EXACT = Rounding(None)


def _short_fixed(value: float, places: int) -> str | None:
    """A double whose shortest form has at most ``places`` decimals (a rounded value, as
    nearly every shown value is), written with exactly that many: nothing to round, so
    formatting the double is exact. None where rounding is needed."""
    if not value:
        return f"{0:.{places}f}"
    text = repr(value)
    dot = text.find(".")
    if dot < 0 or "e" in text or len(text) - dot - 1 > places:
        return None
    return f"{value:.{places}f}"


def rounding_of(round_: int | Rounding | None) -> Rounding:
    """A problem's ``round`` (the int of ``round: d``, a long form, or None) as a policy."""
    if isinstance(round_, Rounding):
        return round_
    return EXACT if round_ is None else Rounding(round_)


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
