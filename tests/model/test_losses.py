"""Every loss in the registry: ∂E/∂y against finite differences, numpy against python, the
short dE/dz of its matched output, and the one rule for what it can score.

The tests run over ``LOSS_FUNCTIONS``: a new loss is tested by adding it there (and its
textbook formula to REFERENCE below, which a missing entry makes fail)."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bptutor.model.activations import ACTIVATION_FUNCTIONS, ACTIVATIONS
from bptutor.model.losses import LOSS_FUNCTIONS, LOSSES, Loss, default_loss

ALL = list(LOSS_FUNCTIONS.values())
IDS = list(LOSS_FUNCTIONS)

REFERENCE = {  # SPEC §1
    "squared_error": lambda ys, ts: sum((t - y) ** 2 for y, t in zip(ys, ts)),
    "half_squared_error": lambda ys, ts: 0.5 * sum((t - y) ** 2 for y, t in zip(ys, ts)),
    "mean_squared_error": lambda ys, ts: sum((t - y) ** 2 for y, t in zip(ys, ts)) / len(ys),
    "binary_cross_entropy": lambda ys, ts: -sum(t * math.log(y) + (1 - t) * math.log(1 - y)
                                                for y, t in zip(ys, ts)),
    "cross_entropy": lambda ys, ts: -sum(t * math.log(y) for y, t in zip(ys, ts)),
}


@st.composite
def scored(draw, loss: Loss, m: int | None = None):
    """m outputs the loss accepts (in (0, 1) for a log loss) and targets it accepts."""
    m = m or draw(st.integers(1, 4))
    if loss.takes_logs:
        ys = [draw(st.floats(0.02, 0.98)) for _ in range(m)]
    else:
        ys = [draw(st.floats(-3, 3)) for _ in range(m)]
    if loss.target_problem([0.7, 0.7]) is not None:  # targets form a distribution
        weights = [draw(st.floats(0, 1)) for _ in range(m)]
        total = sum(weights)
        ts = [w / total for w in weights] if total > 0.1 else [1.0] + [0.0] * (m - 1)
    elif loss.takes_logs:
        ts = [draw(st.sampled_from([0.0, 0.25, 1.0])) for _ in range(m)]
    else:
        ts = [draw(st.floats(-1, 1)) for _ in range(m)]
    assert loss.target_problem(ts) is None, ts
    return ys, ts


@pytest.mark.parametrize("loss", ALL, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_value_is_the_textbook_formula(loss: Loss, data):
    ys, ts = data.draw(scored(loss))
    names = [f"y{j}" for j in range(len(ys))]
    assert loss.value(ys, ts, names) == pytest.approx(REFERENCE[loss.name](ys, ts), rel=1e-12,
                                                      abs=1e-15)


@pytest.mark.parametrize("loss", ALL, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_grad_is_the_derivative(loss: Loss, data):
    ys, ts = data.draw(scored(loss))
    names, m, h = [f"y{j}" for j in range(len(ys))], len(ys), 1e-6
    for i in range(m):
        up, down = list(ys), list(ys)
        up[i] += h
        down[i] -= h
        numeric = (loss.value(up, ts, names) - loss.value(down, ts, names)) / (2 * h)
        assert loss.grad(ys[i], ts[i], m) == pytest.approx(numeric, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("loss", ALL, ids=IDS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_numpy_is_python(loss: Loss, data):
    ys, ts = data.draw(scored(loss))
    names, m = [f"y{j}" for j in range(len(ys))], len(ys)
    y, t = np.array([ys]), np.array([ts])
    logs = (np.log(y), np.log1p(-y)) if loss.takes_logs else None
    assert loss.array_value(y, t, logs)[0] == pytest.approx(loss.value(ys, ts, names),
                                                            rel=1e-12, abs=1e-15)
    assert loss.array_grad(y, t)[0].tolist() == pytest.approx(
        [loss.grad(yi, ti, m) for yi, ti in zip(ys, ts)], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("loss", [loss for loss in ALL if loss.takes_logs],
                         ids=[loss.name for loss in ALL if loss.takes_logs])
@settings(max_examples=60, deadline=None)
@given(z=st.floats(-20, 20), t=st.sampled_from([0.0, 1.0]))
def test_grad_from_logit_is_the_grad_at_sigmoid_z(loss: Loss, z, t):
    """∂E/∂y at y = σ(z), against the grad of y computed to 50 digits (float y saturates)."""
    with localcontext() as ctx:
        ctx.prec = 50
        y = 1 / (1 + (-Decimal(z)).exp())
        tt = Decimal(t)
        exact = -(tt / y - (1 - tt) / (1 - y) * (loss.name != "cross_entropy"))
    assert loss.grad_from_logit(t, z) == pytest.approx(float(exact), rel=1e-12)
    if abs(z) < 5:
        assert loss.grad_from_logit(t, z) == pytest.approx(loss.grad(float(y), t, 1), rel=1e-9)


@pytest.mark.parametrize("loss", [loss for loss in ALL if loss.matched],
                         ids=[loss.name for loss in ALL if loss.matched])
@settings(max_examples=60, deadline=None)
@given(zs=st.lists(st.floats(-6, 6), min_size=2, max_size=4), data=st.data())
def test_matched_delta_is_the_chain_rule(loss: Loss, zs, data):
    """The short dE/dz (y − t) equals ∂E/∂y through the matched function's own backward."""
    f = loss.matched
    assert f is not None
    z = np.array([zs])
    y = f.array_value(z, 0.01)
    _, ts = data.draw(scored(loss, len(zs)))
    t = np.array([ts])
    chained = f.array_backward(loss.array_grad(y, t), y, z, 0.01)
    assert loss.array_matched_delta(y, t)[0].tolist() == pytest.approx(
        chained[0].tolist(), rel=1e-9, abs=1e-12)


def test_which_outputs_each_loss_accepts():
    accepted = {name: sorted(a for a in ACTIVATIONS
                             if loss.accepts([ACTIVATION_FUNCTIONS[a]]))
                for name, loss in LOSS_FUNCTIONS.items()}
    assert accepted["binary_cross_entropy"] == ["sigmoid", "softmax"]
    assert accepted["cross_entropy"] == ["softmax"]
    for name in ("squared_error", "half_squared_error", "mean_squared_error"):
        assert accepted[name] == sorted(ACTIVATIONS)
    bce = LOSS_FUNCTIONS["binary_cross_entropy"]
    assert not bce.accepts([ACTIVATION_FUNCTIONS["sigmoid"], ACTIVATION_FUNCTIONS["tanh"]])


@pytest.mark.parametrize("targets, ok", [
    ([0.0, 1.0], True), ([0.3, 0.7], True), ([0.1, 0.2, 0.7], True),
    ([0.5, 0.5 + 5e-10], True), ([0.7, 0.7], False), ([0.0, 0.0], False),
    ([1.5, -0.5], False), ([0.5, 0.5 + 5e-9], False)])
def test_cross_entropy_targets_are_a_distribution(targets, ok):
    assert (LOSS_FUNCTIONS["cross_entropy"].target_problem(targets) is None) == ok


@pytest.mark.parametrize("targets, ok", [([0.0], True), ([0.25, 1.0], True), ([1.5], False),
                                         ([-0.1], False)])
def test_binary_cross_entropy_targets_lie_in_zero_one(targets, ok):
    assert (LOSS_FUNCTIONS["binary_cross_entropy"].target_problem(targets) is None) == ok


def test_default_loss_of_each_output():
    assert {a: default_loss(ACTIVATION_FUNCTIONS[a]).name for a in ACTIVATIONS} == {
        "identity": "squared_error", "sigmoid": "binary_cross_entropy", "tanh": "squared_error",
        "relu": "squared_error", "leaky_relu": "squared_error", "softmax": "cross_entropy",
        **dict.fromkeys(("elu", "softplus", "silu", "gelu", "bipolar_sigmoid"), "squared_error")}
    for loss in ALL:
        for f in loss.preferred_for:
            assert loss.accepts([f])  # a default the loss would refuse would be no default


def test_registry():
    assert LOSSES == tuple(LOSS_FUNCTIONS) and [loss.name for loss in ALL] == list(LOSSES)


def test_texts_on_the_sheet():
    half, bce = LOSS_FUNCTIONS["half_squared_error"], LOSS_FUNCTIONS["binary_cross_entropy"]
    assert half.formula([half.term_formula("y", "t")]) == "½·(t - y)²"
    assert half.grad_text("0.5", "-1", 1) == "(0.5 - (-1))"
    assert bce.formula([bce.term_formula("y1", "t1"), bce.term_formula("y2", "t2")]) == (
        "-(t1·ln y1 + (1 - t1)·ln(1 - y1) + t2·ln y2 + (1 - t2)·ln(1 - y2))")
    assert LOSS_FUNCTIONS["mean_squared_error"].grad_formula("y", "t", 3) == "(2/3)·(y - t)"


def _arithmetic(text: str) -> float:
    """A loss's text with numbers in, worked out: only digits, signs, brackets and · / are
    let through, so eval reads plain arithmetic."""
    assert set(text) <= set("0123456789.-+/·() "), text
    return float(eval(text.replace("·", "*")))  # noqa: S307 - checked above: numbers only


@pytest.mark.parametrize("loss", ALL, ids=lambda loss: loss.name)
@pytest.mark.parametrize(("y", "t"), [(0.3, 1.0), (0.8, 0.0), (0.25, 0.5), (-0.4, -1.0)])
def test_negated_gradient_is_written_once_and_worth_minus_the_gradient(loss, y, t):
    if loss.takes_logs and not 0 < y < 1:
        pytest.skip("a log loss needs 0 < y < 1")
    m = 3
    text = loss.negated_grad_text(f"{y:g}", f"{t:g}", m)
    assert _arithmetic(text) == pytest.approx(-loss.grad(y, t, m))
    assert not loss.negated_grad_formula("y", "t", m).startswith("-")  # no −(−…)
