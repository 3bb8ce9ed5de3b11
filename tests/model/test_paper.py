"""Paper arithmetic (SPEC §3, model/paper.py): the transcendental helpers to 30 digits and
more, by identities and known closed forms; agreement with math.* to float precision; the
activations' and losses' paper forms against their float forms."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptutor.model import paper
from bptutor.model.activations import ACTIVATION_FUNCTIONS
from bptutor.model.losses import LOSS_FUNCTIONS

TIGHT = Decimal("1e-35")  # relative: far inside the 30 digits SPEC §3 asks for


def near(a: Decimal, b: Decimal | Fraction | int, rel: Decimal = TIGHT) -> bool:
    with localcontext(prec=100):
        b = Decimal(b.numerator) / Decimal(b.denominator) if isinstance(b, Fraction) \
            else Decimal(b)
        return abs(a - b) <= rel * max(abs(b), Decimal("1e-300"))


moderate = st.decimals(min_value=Decimal("-30"), max_value=Decimal("30"), places=8,
                       allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("1e-8"), max_value=Decimal("1e8"), places=8,
                       allow_nan=False, allow_infinity=False).filter(lambda x: x > 0)


@settings(max_examples=200)
@given(positive)
def test_exp_of_ln_is_the_identity(x):
    assert near(paper.exp(paper.ln(x)), x)


@settings(max_examples=200)
@given(moderate)
def test_ln_of_exp_is_the_identity(x):
    assert near(paper.ln(paper.exp(x)), x, TIGHT * max(1, 1 / max(abs(x), Decimal("1e-8"))))


@pytest.mark.parametrize(("k", "tanh", "sigmoid"), [
    (2, Fraction(3, 5), Fraction(2, 3)),  # tanh(ln 2) = (4 − 1)/(4 + 1); σ(ln 2) = 2/3
    (3, Fraction(4, 5), Fraction(3, 4)),
    (Fraction(1, 2), Fraction(-3, 5), Fraction(1, 3)),
    (10, Fraction(99, 101), Fraction(10, 11)),
])
def test_tanh_and_sigmoid_at_logarithms(k, tanh, sigmoid):
    """tanh(ln k) = (k² − 1)/(k² + 1) and σ(ln k) = k/(k + 1), exactly."""
    with localcontext(prec=60):
        x = (Decimal(k.numerator) / Decimal(k.denominator)).ln() if isinstance(k, Fraction) \
            else Decimal(k).ln()
    assert near(paper.tanh(x), tanh)
    assert near(paper.tanh(x.copy_negate()), -tanh)
    assert near(paper.sigmoid(x), sigmoid)
    assert near(paper.sigmoid(x.copy_negate()), 1 - sigmoid)


def test_sqrt():
    root2 = paper.sqrt(Decimal(2))
    with localcontext(prec=100):
        assert abs(root2 * root2 - 2) < Decimal("1e-38")
    assert paper.sqrt(Decimal("0.0625")) == Decimal("0.25")  # exact where it terminates
    with pytest.raises(ArithmeticError):
        paper.sqrt(Decimal(-1))
    with pytest.raises(ArithmeticError):
        paper.ln(Decimal(0))


@pytest.mark.parametrize("x", ["1e-20", "-3e-12", "2.5e-7"])
def test_small_arguments_keep_their_digits(x):
    """tanh, e^x − 1 and ln(1 + x) of a tiny x by their series: no digits lost to 1 ± x."""
    x = Decimal(x)
    with localcontext(prec=100):
        tanh = x - x**3 / 3 + 2 * x**5 / 15 - 17 * x**7 / 315 + 62 * x**9 / 2835
        expm1 = sum(x**n / math.factorial(n) for n in range(1, 10))
        ln1p = sum((-1) ** (n + 1) * x**n / n for n in range(1, 10))
    assert near(paper.tanh(x), tanh)
    assert near(paper.expm1(x), expm1)
    assert near(paper.ln1p(x), ln1p)


def test_saturation_and_underflow():
    assert paper.tanh(Decimal(-10**8)) == -1 and paper.tanh(Decimal(10**8)) == 1
    assert paper.sigmoid(Decimal(-10**7)) == 0 and str(paper.sigmoid(Decimal(-10**7))) == "0"
    assert paper.exp(Decimal(-10**7)) == 0
    # ln σ(x) without forming σ(x), which is 1 to 40 digits at x = 100
    e100 = Decimal(-100).exp(paper._FUNCTIONS)
    assert near(paper.log_sigmoid(Decimal(100)), e100.copy_negate())
    with localcontext(prec=100):
        assert near(paper.log_sigmoid(Decimal(-100)), Decimal(-100) - e100)
    assert near(paper.log_sum_exp([Decimal(0), Decimal(0)]), paper.ln(Decimal(2)))


@settings(max_examples=300)
@given(st.floats(min_value=-40, max_value=40, allow_nan=False))
def test_agrees_with_math_to_float_precision(x):
    d = Decimal(x)  # the double's exact value, which math.* works from
    assert math.isclose(float(paper.exp(d)), math.exp(x), rel_tol=4e-16)
    assert math.isclose(float(paper.tanh(d)), math.tanh(x), rel_tol=4e-16, abs_tol=1e-300)
    assert math.isclose(float(paper.sigmoid(d)), 1 / (1 + math.exp(-x)), rel_tol=1e-15)
    if x > 0:
        assert math.isclose(float(paper.ln(d)), math.log(x), rel_tol=4e-16, abs_tol=1e-300)
        assert math.isclose(float(paper.sqrt(d)), math.sqrt(x), rel_tol=4e-16)


def test_given_numbers_are_used_as_written():
    assert paper.given(0.1) == Decimal("0.1")  # not 0.1000000000000000055511151231257827…
    assert paper.given(3) == 3 and paper.given(Decimal("2.5")) == Decimal("2.5")
    with paper.working():
        assert paper.given(0.1) * 1 + paper.given(0.2) * 1 - paper.given(0.3) == 0
        assert Decimal("0.17") - Decimal("0.25") * Decimal("0.7069962") == Decimal(
            "-0.006749050")
    assert paper.nearest_float(Decimal("-0")) == 0 and math.copysign(
        1, paper.nearest_float(Decimal("-0"))) == 1


# -- the activations' and losses' paper forms agree with their float forms -----------------

ELEMENTWISE = sorted({f.name for f in ACTIVATION_FUNCTIONS.values() if not f.layerwise})


@settings(max_examples=300)
@given(st.sampled_from(ELEMENTWISE), st.floats(min_value=-8, max_value=8, allow_nan=False))
def test_every_activation_has_a_paper_form(name, z):
    f = ACTIVATION_FUNCTIONS[name]
    alpha = 0.3
    with paper.working():
        value = f.paper_value(paper.given(z), alpha)
        slope = f.paper_slope(value, paper.given(z), alpha)
    assert isinstance(value, Decimal) and isinstance(slope, Decimal)
    a = f.value(z, alpha)
    assert math.isclose(float(value), a, rel_tol=1e-14, abs_tol=1e-15), name
    assert math.isclose(float(slope), f.slope(a, z, alpha), rel_tol=1e-13, abs_tol=1e-14), name


@settings(max_examples=200)
@given(st.lists(st.floats(min_value=-10, max_value=10, allow_nan=False), min_size=1,
                max_size=5))
def test_softmax_paper_form(zs):
    f = ACTIVATION_FUNCTIONS["softmax"]
    with paper.working():
        ys = f.paper_layer_values([paper.given(z) for z in zs], 0)
        assert abs(sum(ys) - 1) < Decimal("1e-38")
    for y, expected in zip(ys, f.layer_values(zs, 0)):
        assert math.isclose(float(y), expected, rel_tol=1e-14)
    with paper.working():
        logs = f.paper_logs([paper.given(z) for z in zs])
    for (log_y, log_rest), y in zip(logs, ys):
        assert near(paper.exp(log_y), y, Decimal("1e-30"))
        if log_rest is not None:
            with localcontext(prec=100):
                rest = 1 - y
            assert near(paper.exp(log_rest), rest, Decimal("1e-30"))


@pytest.mark.parametrize("loss", sorted(LOSS_FUNCTIONS))
@pytest.mark.parametrize(("ys", "ts"), [([0.3, 0.6, 0.1], [0, 1, 0]), ([0.25, 0.75], [0.5, 0.5])])
def test_loss_paper_forms(loss, ys, ts):
    f = LOSS_FUNCTIONS[loss]
    names = [f"y{i}" for i in range(len(ys))]
    with paper.working():
        py, pt = [paper.given(y) for y in ys], [paper.given(t) for t in ts]
        value = f.paper_value(py, pt, names)
        grads = [f.paper_grad(y, t, len(ys)) for y, t in zip(py, pt)]
    assert math.isclose(float(value), f.value(ys, ts, names), rel_tol=1e-14)
    for g, y, t in zip(grads, ys, ts):
        assert math.isclose(float(g), f.grad(y, t, len(ys)), rel_tol=1e-14, abs_tol=1e-300)
    if loss in ("squared_error", "half_squared_error"):  # no quotient: exact on paper
        with localcontext(prec=100):
            exact = sum((Decimal(repr(t)) - Decimal(repr(y))) ** 2 for y, t in zip(ys, ts))
        assert value == (exact if loss == "squared_error" else exact / 2)
