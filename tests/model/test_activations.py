"""Every activation function in the registry: values against math, σ′ against finite
differences, numpy against python, logs from z, and the mistaken σ′ the grader tries.

The tests run over ``ACTIVATION_FUNCTIONS``: a new activation is tested by adding it there
(and its reference formula to REFERENCE below, which a missing entry makes fail)."""

from __future__ import annotations

import math
from decimal import Context, Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptutor.model.activations import (
    ACTIVATION_ALIASES,
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    Activation,
    ActivationFunction,
)

FUNCTIONS = list(dict.fromkeys(ACTIVATION_FUNCTIONS.values()))  # each once, aliases folded
ELEMENTWISE = [f for f in FUNCTIONS if not f.layerwise]
IDS = [f.name for f in FUNCTIONS]
ALPHAS = (0.01, 0.3)


def _softmax(zs):
    exps = [math.exp(z) for z in zs]
    return [e / sum(exps) for e in exps]


# value of a group of units straight from the textbook definitions (alpha: leaky_relu's)
REFERENCE = {
    "identity": lambda zs, alpha: list(zs),
    "sigmoid": lambda zs, alpha: [1 / (1 + math.exp(-z)) for z in zs],
    "tanh": lambda zs, alpha: [(math.exp(2 * z) - 1) / (math.exp(2 * z) + 1) for z in zs],
    "relu": lambda zs, alpha: [max(z, 0.0) for z in zs],
    "leaky_relu": lambda zs, alpha: [z if z >= 0 else alpha * z for z in zs],
    "softmax": lambda zs, alpha: _softmax(zs),
    "elu": lambda zs, alpha: [z if z >= 0 else alpha * (math.exp(z) - 1) for z in zs],
    "softplus": lambda zs, alpha: [math.log(1 + math.exp(z)) for z in zs],
    "silu": lambda zs, alpha: [z / (1 + math.exp(-z)) for z in zs],
    "gelu": lambda zs, alpha: [z * (1 + math.erf(z / math.sqrt(2))) / 2 for z in zs],
    "bipolar_sigmoid": lambda zs, alpha: [2 / (1 + math.exp(-z)) - 1 for z in zs],
}

moderate = st.floats(-12, 12, allow_nan=False)
groups = st.lists(moderate, min_size=1, max_size=4)


def test_registry_names_and_aliases():
    assert tuple(f.name for f in FUNCTIONS) == ACTIVATIONS
    for name in ACTIVATIONS:
        assert ACTIVATION_FUNCTIONS[name].name == name
    for alias, name in ACTIVATION_ALIASES.items():
        assert ACTIVATION_FUNCTIONS[alias] is ACTIVATION_FUNCTIONS[name]
    assert ACTIVATION_ALIASES == {"linear": "identity", "logistic": "sigmoid",  # SPEC §1
                                  "swish": "silu"}  # SPEC §6


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(zs=groups, alpha=st.sampled_from(ALPHAS))
def test_value_is_the_textbook_formula(f: ActivationFunction, zs, alpha):
    zs = zs if f.layerwise else zs[:1]
    assert f.layer_values(zs, alpha) == pytest.approx(REFERENCE[f.name](zs, alpha),
                                                      rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=[f.name for f in ELEMENTWISE])
@settings(max_examples=60, deadline=None)
@given(z=moderate, alpha=st.sampled_from(ALPHAS))
def test_slope_is_the_derivative(f: ActivationFunction, z, alpha):
    """σ′ as the sheet computes it (from a or from z) against central differences."""
    h = 1e-6
    if f.has_kink and abs(z) < 10 * h:
        z = 0.5  # differences that straddle the kink say nothing
    numeric = (f.value(z + h, alpha) - f.value(z - h, alpha)) / (2 * h)
    assert f.slope(f.value(z, alpha), z, alpha) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(zs=groups, alpha=st.sampled_from(ALPHAS))
def test_numpy_value_is_the_python_value(f: ActivationFunction, zs, alpha):
    if f.layerwise:
        python = f.layer_values(zs, alpha)
    else:
        python = [f.value(z, alpha) for z in zs]
    got = f.array_value(np.array([zs]), alpha)[0]
    assert got.tolist() == pytest.approx(python, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=[f.name for f in ELEMENTWISE])
@settings(max_examples=60, deadline=None)
@given(zs=groups, alpha=st.sampled_from(ALPHAS))
def test_numpy_slope_is_the_python_slope(f: ActivationFunction, zs, alpha):
    z = np.array(zs)
    a = f.array_value(z, alpha)
    want = [f.slope(ai, zi, alpha) for ai, zi in zip(a.tolist(), zs)]
    # abs: silu′ and gelu′ cross 0 (at z ≈ −1.28, −0.75), where np.exp and math.exp's last
    # bits cancel to a relative 1e-14; σ′ itself is O(1)
    assert f.array_slope(a, z, alpha).tolist() == pytest.approx(want, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(zs=st.lists(st.floats(-5, 5), min_size=2, max_size=4),
       gs=st.lists(st.floats(-2, 2), min_size=4, max_size=4), alpha=st.sampled_from(ALPHAS))
def test_backward_is_the_gradient_of_the_group(f: ActivationFunction, zs, gs, alpha):
    """dE/dz from dE/da (σ′ or softmax's Jacobian) against differences of Σ g·a(z)."""
    if f.has_kink:
        zs = [z if abs(z) > 1e-3 else 0.5 for z in zs]
    g, h = np.array(gs[:len(zs)]), 1e-6
    z = np.array(zs)

    def weighted(v: np.ndarray) -> float:
        return float(g @ f.array_value(v, alpha))

    numeric = [(weighted(z + h * e) - weighted(z - h * e)) / (2 * h) for e in np.eye(len(zs))]
    got = f.array_backward(g, f.array_value(z, alpha), z, alpha)
    assert got.tolist() == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f", [f for f in FUNCTIONS if f.logs_from_z],
                         ids=[f.name for f in FUNCTIONS if f.logs_from_z])
@settings(max_examples=60, deadline=None)
@given(zs=st.lists(st.floats(-3, 3), min_size=2, max_size=4))
def test_logs_from_z_are_ln_y_and_ln_one_minus_y(f: ActivationFunction, zs):
    # z within ±3: float y keeps the digits of 1 − y that the reference log1p(−y) needs
    ys = f.layer_values(zs, 0.01)
    logs = f.logs(zs)
    assert logs is not None
    assert [log_y for log_y, _ in logs] == pytest.approx([math.log(y) for y in ys], rel=1e-9)
    assert [rest for _, rest in logs] == pytest.approx([math.log1p(-y) for y in ys], rel=1e-9)
    array = f.array_logs(np.array([zs]))
    assert array is not None
    assert array[0][0].tolist() == pytest.approx([log_y for log_y, _ in logs], rel=1e-12)
    assert array[1][0].tolist() == pytest.approx([rest for _, rest in logs], rel=1e-9)


def test_logs_from_z_stay_finite_where_y_saturates():
    sigmoid, softmax = ACTIVATION_FUNCTIONS["sigmoid"], ACTIVATION_FUNCTIONS["softmax"]
    assert sigmoid.value(40, 0.01) == 1.0 and sigmoid.logs([40.0]) == [(
        pytest.approx(-math.exp(-40), rel=1e-12), pytest.approx(-40.0, rel=1e-12))]
    log_y, log_rest = sigmoid.array_logs(np.array([40.0]))
    assert (log_y[0], log_rest[0]) == (pytest.approx(-math.exp(-40)), pytest.approx(-40.0))
    logs = softmax.array_logs(np.array([[30.0, 0.0]]))
    assert logs[1][0].tolist() == pytest.approx([-30.0, -math.exp(-30)], rel=1e-9)


@pytest.mark.parametrize("f", FUNCTIONS, ids=IDS)
def test_mistaken_slopes(f: ActivationFunction):
    """derivative_at_activation: σ′ taken at a as if a were z; wrong_activation_derivative:
    the other squashing function's σ′ of a. Only where the sheet's σ′ reads a."""
    act = Activation(f.name, 0.2)
    at_a = act.mistaken_slope("derivative_at_activation")
    other = act.mistaken_slope("wrong_activation_derivative")
    if f.slope_reads != "a":
        assert at_a is None and other is None
        return
    assert at_a is not None and other is not None
    for a in (-0.7, 0.1, 0.62):
        h = 1e-6
        assert at_a(a) == pytest.approx((f.value(a + h, 0.2) - f.value(a - h, 0.2)) / (2 * h),
                                        rel=1e-7)
        assert other(a) != pytest.approx(f.slope(a, 0.0, 0.2))  # a genuinely wrong σ′
    assert act.mistaken_slope("sign") is None


def test_the_sheets_two_squashing_functions_mistake_each_other():
    tanh, sigmoid = Activation("tanh"), Activation("sigmoid")
    assert tanh.mistaken_slope("wrong_activation_derivative")(0.62) == pytest.approx(
        0.62 * (1 - 0.62))
    assert sigmoid.mistaken_slope("wrong_activation_derivative")(0.62) == pytest.approx(
        1 - 0.62 ** 2)
    assert tanh.mistaken_slope("derivative_at_activation")(0.62) == pytest.approx(
        1 - math.tanh(0.62) ** 2)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=[f.name for f in ELEMENTWISE])
def test_lively_z_keeps_the_activation_lively(f: ActivationFunction):
    """`bptutor new` draws z in lively_z so that a stays inside lively_a (σ′ not ~0)."""
    low, high = f.lively_z
    for z in (low, high):
        if math.isfinite(z):
            assert f.dull_activation(f.value(z, 0.01)) is None
    for z in (low - 1, high + 1):
        if math.isfinite(z) and math.isfinite(f.lively_a[1]):
            assert f.dull_activation(f.value(z, 0.01)) is not None


@pytest.mark.parametrize("f", ELEMENTWISE, ids=[f.name for f in ELEMENTWISE])
def test_practice_targets_are_values_the_unit_can_approach(f: ActivationFunction):
    """Every target `new` may draw lies in the closure of the function's range."""
    values = [f.value(z, 0.01) for z in np.linspace(-400, 400, 8001)]
    for pool in f.target_pools:
        assert pool and all(min(values) - 1e-9 <= t <= max(values) + 1e-9 for t in pool)


def test_texts_on_the_sheet():
    assert Activation("tanh").slope_text("-0.94", 0.0) == "(1 - (-0.94)²)"
    assert Activation("sigmoid").slope_text("0.62", 0.0) == "0.62·(1 - 0.62)"
    assert Activation("relu").slope_text("", -1.0) == "0"
    assert Activation("leaky_relu", 0.2).slope_text("", -1.0) == "0.2"
    assert Activation("sigmoid").slope_formula("h1") == "σ′(z(h1))"
    assert Activation("identity").value_formula("z(y)") == "id(z(y))"


# -- SPEC §6's five more activations, and every function's paper form ------------------------

def test_the_new_activations_at_published_values():
    value = {name: (lambda z, f=ACTIVATION_FUNCTIONS[name]: f.value(z, 1.0))
             for name in ("elu", "softplus", "silu", "swish", "gelu", "bipolar_sigmoid")}
    assert value["elu"](-1.0) == pytest.approx(math.exp(-1) - 1, rel=1e-15)
    assert value["softplus"](0.0) == pytest.approx(math.log(2), rel=1e-15)
    assert value["silu"](1.0) == value["swish"](1.0) == pytest.approx(0.7310585786300049)
    assert value["gelu"](1.0) == pytest.approx(0.8413447460685429, rel=1e-15)  # Φ(1)
    assert value["gelu"](-1.0) == pytest.approx(-0.15865525393145707, rel=1e-14)
    assert value["bipolar_sigmoid"](0.0) == 0.0
    assert ACTIVATION_FUNCTIONS["bipolar_sigmoid"].slope(0.0, 0.0, 0.01) == 0.5
    assert Activation("elu").alpha == 1.0 and Activation("leaky_relu").alpha == 0.01
    assert Activation("elu", 0.5).value(-1.0) == pytest.approx(0.5 * (math.exp(-1) - 1))


def test_float_forms_stay_finite_and_accurate_far_out():
    softplus, silu = ACTIVATION_FUNCTIONS["softplus"], ACTIVATION_FUNCTIONS["silu"]
    gelu = ACTIVATION_FUNCTIONS["gelu"]
    assert softplus.value(800.0, 0) == 800.0 and softplus.value(-800.0, 0) == 0.0
    assert softplus.value(-40.0, 0) == pytest.approx(math.exp(-40), rel=1e-15)  # ln(1+x) ≈ x
    assert silu.slope(0.0, 50.0, 0) == pytest.approx(1.0) and silu.value(-800.0, 0) == 0.0
    # Φ(−30) ≈ φ(30)/30·(1 − 1/30² + 3/30⁴): erfc keeps its digits where 1 + erf has none
    phi = math.exp(-450) / math.sqrt(2 * math.pi)
    assert gelu.value(-30.0, 0) == pytest.approx(-phi * (1 - 1 / 900 + 3 / 810000), rel=1e-8)
    assert gelu.slope(0.0, -40.0, 0) == 0.0 and gelu.value(40.0, 0) == 40.0


def _pi(ctx: Context) -> Decimal:
    """π by the series recipe of Python's decimal documentation, independent of paper.py."""
    with localcontext(ctx) as c:
        c.prec += 2
        three = Decimal(3)
        lasts, t, s, n, na, d, da = 0, three, 3, 1, 0, 0, 24
        while s != lasts:
            lasts = s
            n, na = n + na, na + 8
            d, da = d + da, da + 32
            t = (t * n) / d
            s += t
    return ctx.plus(s)


def test_paper_normal_distribution_to_thirty_digits():
    from decimal import Context, Decimal

    from bptutor.model import paper

    assert paper.normal_cdf(Decimal(0)) == Decimal("0.5")
    assert paper.normal_cdf(Decimal("1.96")) == pytest.approx(Decimal("0.9750021048517795"),
                                                              rel=Decimal("1e-16"))
    # erf 1 and erfc 10 to 40 digits, as tabulated (OEIS A099286; Abramowitz & Stegun)
    erf_1 = Decimal("0.8427007929497148693412206350826092592960669979663")
    erfc_10 = Decimal("2.0884875837625447570007862949577886115608181193212e-45")
    assert abs(paper.erf(Decimal(1)) / erf_1 - 1) < Decimal("1e-38")
    assert abs(paper.erfc(Decimal(10)) / erfc_10 - 1) < Decimal("1e-38")
    assert paper.erf(Decimal(-1)) == paper.erf(Decimal(1)).copy_negate()
    # the continued fraction (x ≥ 6) against the series at 300 digits, where they meet
    wide = Context(prec=300)
    for x in ("6", "6.5", "7.25", "9"):
        series = wide.subtract(1, paper._erf_series(Decimal(x), wide))
        assert abs(paper.erfc(Decimal(x)) / series - 1) < Decimal("1e-36")
    # Φ far below −6σ against its asymptotic series φ(z)/|z|·Σ (−1)ⁿ(2n − 1)!!/z²ⁿ
    for z in (-40, -200):
        ctx = Context(prec=60)
        pi = _pi(ctx)
        pdf = ctx.divide(ctx.exp(Decimal(-z * z) / 2), ctx.sqrt(2 * pi))
        term, total, n = Decimal(1), Decimal(1), 1
        while abs(term) > Decimal("1e-55"):
            term = ctx.multiply(term, Decimal(-(2 * n - 1)) / (z * z))
            total, n = ctx.add(total, term), n + 1
        want = ctx.multiply(ctx.divide(pdf, -z), total)
        assert abs(paper.normal_cdf(Decimal(z)) / want - 1) < Decimal("1e-35")


def test_paper_normal_cdf_agrees_with_the_float_one_everywhere():
    """math.erfc's own error grows as z²·ε (its argument is rounded): allow for that."""
    from decimal import Decimal

    from bptutor.model import paper

    for k in range(-270, 90):
        z = k / 7
        want = 0.5 * math.erfc(-z / math.sqrt(2))
        got = float(paper.normal_cdf(Decimal(repr(z))))
        assert got == pytest.approx(want, rel=4e-16 * (4 + z * z), abs=1e-300)


@pytest.mark.parametrize("f", ELEMENTWISE, ids=[f.name for f in ELEMENTWISE])
@settings(max_examples=40, deadline=None)
@given(z=moderate, alpha=st.sampled_from(ALPHAS))
def test_paper_forms_are_the_float_forms(f: ActivationFunction, z, alpha):
    """paper_value and paper_slope (Decimal) against value and slope (float)."""
    from decimal import Decimal

    from bptutor.model import paper

    with paper.working():
        a = f.paper_value(Decimal(repr(z)), alpha)
        slope = f.paper_slope(a, Decimal(repr(z)), alpha)
    # math.erfc's error grows as z²·ε (gelu's Φ): the paper form is the accurate one
    assert float(a) == pytest.approx(f.value(z, alpha), rel=1e-14 + 4e-16 * z * z, abs=1e-300)
    assert float(slope) == pytest.approx(f.slope(f.value(z, alpha), z, alpha),
                                         rel=1e-12, abs=1e-15)


def test_paper_forms_keep_their_digits_where_floats_would_cancel():
    from decimal import Decimal

    from bptutor.model import paper

    softplus = ACTIVATION_FUNCTIONS["softplus"]
    with paper.working():
        tiny = softplus.paper_value(Decimal(-100), 0)  # ln(1 + e⁻¹⁰⁰) = e⁻¹⁰⁰ − e⁻²⁰⁰/2 …
        e100 = paper.exp(Decimal(-100))
        assert abs(tiny / (e100 - e100 * e100 / 2) - 1) < Decimal("1e-35")


def test_the_new_activations_on_the_sheet():
    assert Activation("elu").slope_text("-0.39", -0.5) == "(-0.39 + 1)"
    assert Activation("elu", 0.5).slope_text("0.2", 0.2) == "1"
    assert Activation("elu").slope_reads == "az"  # a + α, its branch by z
    assert Activation("softplus").slope_text("0.35", 0.35) == "σ(0.35)"
    assert Activation("silu").slope_text("-0.5", -0.5) == "σ(-0.5)·(1 + (-0.5)·(1 - σ(-0.5)))"
    assert Activation("gelu").slope_text("0.3", 0.3) == "(Φ(0.3) + 0.3·φ(0.3))"
    assert Activation("bipolar_sigmoid").slope_text("-0.4", 0.0) == "(1 - (-0.4)²)/2"
    assert Activation("bipolar_sigmoid").slope_formula("h1") == "bipolar′(z(h1))"
    # a student who takes the logistic σ′ a(1 − a) for the bipolar one
    assert Activation("bipolar_sigmoid").mistaken_slope("wrong_activation_derivative")(
        0.6) == pytest.approx(0.6 * 0.4)


def test_elu_takes_its_branch_from_z_where_a_rounds_to_zero(tmp_path):
    """z = −0.01, α = 0.4: a = −0.004 rounds to 0.00, yet z < 0, so σ′ = a + α = 0.40 (not
    the 1 of z ≥ 0): the sheet reads a for the value and z for the branch."""
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve

    path = tmp_path / "elu.yaml"
    path.write_text("bptutor: 1\nround: 2\nloss: squared_error\nnetwork:\n  inputs: [x]\n"
                    "  layers:\n    - neurons: [h]\n      activation: elu\n      alpha: 0.4\n"
                    "      weights: [[-0.01]]\n    - neurons: [y]\n      activation: identity\n"
                    "      weights: [[2]]\ninput: [1]\ntarget: [1]\n", encoding="utf-8")
    sheet = solve(load(path))
    assert sheet.values["h"] == 0 and sheet.values["dE/dh"] == -4
    assert sheet.values["dE/dW1[1,1]"] == -1.6  # R(−4.00 · (0.00 + 0.4) · 1)
    assert "(0.00 + 0.4)" in sheet.substituted(sheet.step("dE/dW1[1,1]"))
    a = 0.4 * math.expm1(-0.01)
    assert float(sheet.exact["dE/dW1[1,1]"]) == pytest.approx(
        2 * (2 * a - 1) * 2 * 0.4 * math.exp(-0.01), rel=1e-12)


@pytest.mark.parametrize("acts", ["elu", "softplus", "silu", "gelu", "bipolar_sigmoid",
                                  "gelu,elu,silu", "bipolar_sigmoid,softplus,identity"])
@pytest.mark.parametrize("notation", ["activation", "delta", "delta_rule"])
def test_sheets_with_the_new_activations_agree_with_finite_differences(acts, notation):
    """The worksheet's exact gradients (paper forms, in each notation's own steps) against
    central differences of the numpy forward pass (array forms): two implementations."""
    from bptutor.sheet.worksheet import solve
    from bptutor.tools import gradcheck
    from bptutor.tools.practice import Options, new_problem

    for seed in range(3):
        net = new_problem(Options(shape="3-3-2-2", activation=acts, seed=seed,
                                  notation=notation)).network
        report = gradcheck.check(net)
        assert report.passed, [(i.key, i.analytic, i.numeric) for i in report.items]
        sheet = solve(net, None)  # delta_rule: Δw = −η·dE/dw, step for step
        for item in report.items:
            name = item.key.split("/d", 1)[1]
            if notation == "delta_rule" and sheet.network.learning_rate is not None:
                assert float(sheet.exact[f"change({name})"]) == pytest.approx(
                    -0.5 * item.numeric, rel=1e-5, abs=1e-9)
