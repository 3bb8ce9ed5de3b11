"""The rounding rules of SPEC §3 and §6, each re-implemented here in rational arithmetic
(fractions.Fraction) and compared digit for digit: half away from zero and half to even on
the paper value, Python's round() of the nearest double, at decimals or significant figures."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptutor.model import paper
from bptutor.model.rounding import (
    EXACT,
    Precision,
    Rounding,
    round_half_up,
    round_to,
    rounding_of,
)


def quantize(value: Decimal, digits: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


@st.composite
def decimals(draw, bound: int = 100, max_places: int = 3) -> Decimal:
    """A decimal in [-bound, bound] with up to max_places decimals, as typed on a sheet."""
    places = draw(st.integers(0, max_places))
    k = draw(st.integers(-bound * 10**places, bound * 10**places))
    return Decimal(k).scaleb(-places)


# -- the reference: rational arithmetic, written from the SPEC's words -----------------------

def leading_power(v: Fraction) -> int:
    """e with 10^e ≤ |v| < 10^(e+1), exactly."""
    e = 0
    v = abs(v)
    while v >= Fraction(10) ** (e + 1):
        e += 1
    while v < Fraction(10) ** e:
        e -= 1
    return e


def ref_round(v: Fraction, places: int, significant: bool, ties: str) -> Fraction:
    if v == 0:
        return Fraction(0)
    d = places - 1 - leading_power(v) if significant else places  # decimals kept
    if ties == "binary":  # Python's round(x, d): the double's exact value, ties to even
        v = Fraction(float(v))
    scaled = v * Fraction(10) ** d
    if ties == "half_up":
        whole = math.floor(abs(scaled) + Fraction(1, 2))
        whole = whole if scaled >= 0 else -whole
    else:
        whole = round(scaled)  # a Fraction rounds half to even, exactly
    return whole / Fraction(10) ** d


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (2.675, 2, 2.68),  # the float is 2.67499999…, as written 2.675 is a tie
    (-0.125, 2, -0.13),  # half away from zero
    (0.125, 2, 0.13),
    (-2.675, 2, -2.68),
    (2.5, 0, 3.0),
    (-2.5, 0, -3.0),
    (1.005, 2, 1.01),
    (0.0035, 3, 0.004),
    (-0.94, 2, -0.94),
    (1.2345, 3, 1.235),
    (-1.2344, 3, -1.234),
    (7.0, 2, 7.0),
])
def test_known_values(value, digits, expected):
    assert round_half_up(value, digits) == expected
    assert Rounding(digits)(value) == expected


@pytest.mark.parametrize(("a", "b", "digits", "expected"), [
    # the float product falls just below the tie (0.0034999999999999996); on paper it is one
    ("0.01", "0.35", 3, "0.004"),
    ("0.01", "1.45", 3, "0.015"),
    ("0.03", "0.95", 3, "0.029"),
])
def test_paper_products_keep_their_ties(a, b, digits, expected):
    assert repr(float(a) * float(b)) != str(Decimal(a) * Decimal(b))  # floats would not
    with paper.working():
        assert Rounding(digits)(Decimal(a) * Decimal(b)) == Decimal(expected)


def test_the_issue_tie_at_seven_decimals():
    """0.17 − 0.25·0.7069962 = −0.006749050 exactly: −0.0067491 (a float gives −0.006749)."""
    with paper.working():
        value = Decimal("0.17") - Decimal("0.25") * Decimal("0.7069962")
    assert value == Decimal("-0.006749050")
    assert Rounding(7)(value) == Decimal("-0.0067491")
    assert round(0.17 - 0.25 * 0.7069962, 7) != -0.0067491  # what binary floats make of it


@pytest.mark.parametrize("value", [-0.001, -0.004, -0.0, -0.00049, -1e-12])
def test_negative_zero_becomes_zero(value):
    assert round_half_up(value, 2) == 0
    assert math.copysign(1, round_half_up(value, 2)) == 1
    assert math.copysign(1, Rounding(2)(value)) == 1
    assert Rounding(2).show(value) == "0.00"
    assert str(Rounding(2)(Decimal(repr(value)))) == "0"


def test_show():
    assert Rounding(2).show(0.3) == "0.30"
    assert Rounding(2).show(-1.07) == "-1.07"
    assert Rounding(3).show(2) == "2.000"
    assert Rounding(2).show(2.675) == "2.68"
    assert Rounding(0).show(-2.5) == "-3"


def test_show_significant_figures():
    three = Rounding(significant=3)
    assert three.show(0.00123456) == "0.00123"
    assert three.show(-0.0000987654) == "-0.0000988"
    assert three.show(9.996) == "10.0"  # rounds up a place: still 3 figures
    assert three.show(12345) == "12300"
    assert three.show(0) == "0"
    assert three(Decimal("0.00123456")) == Decimal("0.00123")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_rounding_is_the_identity(value):
    assert Rounding(None)(value) is value
    assert EXACT(value) is value
    assert Rounding() == EXACT
    assert not EXACT.rounds


@settings(max_examples=300)
@given(decimals(), decimals(), st.integers(0, 6))
def test_product_rounds_like_exact_decimal_arithmetic(a, b, digits):
    with paper.working():
        got = Rounding(digits)(a * b)
    assert got == quantize(a * b, digits), (a, b, digits)
    assert not got.is_signed() or got != 0


@settings(max_examples=300)
@given(decimals(), decimals(), st.integers(0, 6))
def test_sum_rounds_like_exact_decimal_arithmetic(a, b, digits):
    with paper.working():
        got = Rounding(digits)(a + b)
    assert got == quantize(a + b, digits), (a, b, digits)


@settings(max_examples=300)
@given(decimals(bound=1000, max_places=6), st.integers(0, 6))
def test_short_decimals_round_like_decimal(a, digits):
    """A float whose shortest form has few digits rounds exactly as that decimal does."""
    assert round_half_up(float(a), digits) == float(quantize(a, digits))


@settings(max_examples=300)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 6))
def test_result_has_d_decimals_and_is_close(value, digits):
    r = round_half_up(value, digits)
    assert Decimal(repr(r)).normalize().as_tuple().exponent >= -digits  # at most d decimals
    assert round_half_up(r, digits) == r  # idempotent
    assert abs(r - value) <= 0.5 * 10.0**-digits + 1e-15 * max(1.0, abs(value))
    if r == 0:
        assert math.copysign(1, r) == 1


# -- every dialect against the rational reference --------------------------------------------

def same(got: Decimal, ref: Fraction, ties: str) -> bool:
    """Equal digit for digit; ``binary`` as Python's round() gives it, a double (the one
    nearest the rounded decimal: 2192078411.4 at 7 decimals is 2192078411.4000001's double)."""
    return float(got) == float(ref) if ties == "binary" else Fraction(got) == ref


paper_values = st.one_of(
    decimals(bound=1000, max_places=8),  # ties are common among these
    st.builds(lambda k, e: Decimal(k).scaleb(e), st.integers(-10**12, 10**12),
              st.integers(-20, 3)),
)


@settings(max_examples=600)
@given(paper_values, st.integers(0, 8), st.sampled_from(["half_up", "half_even", "binary"]))
def test_decimals_in_every_tie_rule_agree_with_rationals(value, places, ties):
    got = round_to(value, Precision(places), ties)
    assert same(got, ref_round(Fraction(value), places, False, ties), ties), (value, places)
    if ties == "binary":
        assert float(got) == round(float(value), places)  # literally Python's round()


@settings(max_examples=600)
@given(paper_values, st.integers(1, 8), st.sampled_from(["half_up", "half_even", "binary"]))
def test_significant_figures_in_every_tie_rule_agree_with_rationals(value, places, ties):
    got = round_to(value, Precision(places, significant=True), ties)
    assert same(got, ref_round(Fraction(value), places, True, ties), ties), (value, places)


@pytest.mark.parametrize(("value", "ties", "expected"), [
    ("-0.825", "half_up", "-0.83"),
    ("-0.825", "half_even", "-0.82"),
    ("-0.825", "binary", "-0.82"),  # the double is −0.82499999999999995559…
    ("0.125", "half_even", "0.12"),
    ("0.125", "binary", "0.12"),  # exactly representable: a real tie, to even
    ("2.675", "binary", "2.67"),
    ("2.675", "half_even", "2.68"),
])
def test_tie_rules_at_two_decimals(value, ties, expected):
    assert round_to(Decimal(value), Precision(2), ties) == Decimal(expected)


# -- the policy ---------------------------------------------------------------------------------

MIXED = Rounding(3, kinds=(("delta", Precision(4)), ("error", Precision(2, True))),
                 short=False)


def test_each_kind_has_its_own_rule():
    assert MIXED.rule("activation") == Rounding(3)
    assert MIXED.rule("delta") == Rounding(4)
    assert MIXED.rule("error") == Rounding(significant=2)
    assert MIXED.rule("delta") is MIXED.rule("delta")  # built once
    assert MIXED.rule("delta")(Decimal("0.13116908")) == Decimal("0.1312")
    assert MIXED.rule("error")(Decimal("-0.000123456")) == Decimal("-0.00012")
    assert MIXED.show(0.13116908, "delta") == "0.1312"
    assert MIXED.show(0.13116908, "activation") == "0.131"
    assert MIXED.precision_of("delta") == Precision(4)
    assert MIXED.precision_of("gradient") == Precision(3)


def test_ties_and_carry_pass_to_each_kind():
    policy = Rounding(2, carry=False, ties="half_even", kinds=(("loss", Precision(1)),))
    rule = policy.rule("loss")
    assert (rule.digits, rule.carry, rule.ties) == (1, False, "half_even")
    assert rule(Decimal("0.25")) == Decimal("0.2")


def test_json_form():
    assert Rounding(2).as_json() == 2  # round: d stays an int (SPEC §5)
    assert EXACT.as_json() is None
    assert Rounding(2, short=False).as_json() == {"decimals": 2, "carry": True,
                                                  "ties": "half_up"}
    assert MIXED.as_json() == {"decimals": 3, "carry": True, "ties": "half_up",
                               "kinds": {"delta": 4, "error": {"significant": 2}}}
    assert Rounding(significant=4, ties="binary").as_json() == {
        "significant": 4, "carry": True, "ties": "binary"}


def test_words():
    assert EXACT.words() == "exact (no rounding)"
    assert Rounding(2).words() == "rounded to 2 decimals after every step"
    assert Rounding(1).words() == "rounded to 1 decimal after every step"
    assert MIXED.words() == ("rounded to 3 decimals after every step (delta: 4 decimals, "
                             "error: 2 significant figures)")
    assert Rounding(significant=3, carry=False, ties="binary").words() == (
        "rounded to 3 significant figures for display only (not carried), ties as Python's "
        "round() of the float")


def test_rounding_of_a_problems_round():
    assert rounding_of(None) == EXACT
    assert rounding_of(2) == Rounding(2)
    assert rounding_of(MIXED) is MIXED


def test_units_for_grading():
    assert Precision(3).unit(123.456) == pytest.approx(1e-3)
    assert Precision(3, significant=True).unit(0.0123) == pytest.approx(1e-4)
    assert Precision(3, significant=True).unit(-456.0) == pytest.approx(1.0)
    assert Precision(3, significant=True).unit(0.0) == 0


def test_a_rational_tie_through_an_approximated_quotient_stays_a_tie():
    """(1/0.9)·0.09 − 0.05 is 0.05 on paper; with 1/0.9 carried to 80 digits it is 0.0499…9.
    SPEC §3 approximates such quotients, but must not push a paper tie off itself (a softmax
    output's binary cross-entropy gradient met it): 0.1 at 1 decimal, half up."""
    with paper.working():
        value = Decimal(1) / Decimal("0.9") * Decimal("0.09") - Decimal("0.05")
    assert value < Decimal("0.05")  # the approximation really is below the tie
    assert Rounding(1)(value) == Decimal("0.1")
    assert Rounding(1, ties="half_even")(value) == Decimal("0")
