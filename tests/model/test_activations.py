"""Every activation function in the registry: values against math, σ′ against finite
differences, numpy against python, logs from z, and the mistaken σ′ the grader tries.

The tests run over ``ACTIVATION_FUNCTIONS``: a new activation is tested by adding it there
(and its reference formula to REFERENCE below, which a missing entry makes fail)."""

from __future__ import annotations

import math

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
}

moderate = st.floats(-12, 12, allow_nan=False)
groups = st.lists(moderate, min_size=1, max_size=4)


def test_registry_names_and_aliases():
    assert tuple(f.name for f in FUNCTIONS) == ACTIVATIONS
    for name in ACTIVATIONS:
        assert ACTIVATION_FUNCTIONS[name].name == name
    for alias, name in ACTIVATION_ALIASES.items():
        assert ACTIVATION_FUNCTIONS[alias] is ACTIVATION_FUNCTIONS[name]
    assert ACTIVATION_ALIASES == {"linear": "identity", "logistic": "sigmoid"}  # SPEC §1


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
    assert f.array_slope(a, z, alpha).tolist() == pytest.approx(want, rel=1e-14, abs=1e-300)


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
