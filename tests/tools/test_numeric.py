"""tools/numeric.py: the numpy forward pass against the exact worksheet, and the backward
pass against central differences of the forward pass, on random small networks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from test_worksheet import assume_smooth, problems

from bptutor.errors import BptutorError
from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.tools.numeric import NetworkLoss


def central_differences(loss: NetworkLoss, h: float = 1e-6) -> np.ndarray:
    """dE/d(parameter) of the total loss, one perturbed copy per row (the forward pass only)."""
    n = len(loss.base)
    up = loss.base[None, :] + h * np.eye(n)
    down = loss.base[None, :] - h * np.eye(n)
    return (loss(up).sum(axis=1) - loss(down).sum(axis=1)) / (2 * h)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_forward_is_the_exact_worksheet(spec):
    net = spec.network()
    try:
        sheet = solve(net, None)
    except BptutorError:  # a log of 0 or an overflow: no sheet to compare with
        assume(False)
    loss = NetworkLoss(net)
    passes = loss.forward(loss.base[None, :])
    many = len(net.examples) > 1
    for e in range(len(net.examples)):
        suffix = f"@{e + 1}" if many else ""
        for layer, (z, a) in zip(net.layers, passes):
            for j, neuron in enumerate(layer.neurons):
                assert z[0, e, j] == pytest.approx(sheet.exact[f"z({neuron}){suffix}"],
                                                   rel=1e-12, abs=1e-12)
                assert a[0, e, j] == pytest.approx(sheet.exact[f"{neuron}{suffix}"],
                                                   rel=1e-12, abs=1e-12)
        assert loss(loss.base[None, :])[0, e] == pytest.approx(sheet.exact[f"E{suffix}"],
                                                               rel=1e-9, abs=1e-12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_backward_is_the_derivative_of_forward(spec):
    assume_smooth(spec)  # no relu kink within reach of the differences
    net = spec.network()
    loss = NetworkLoss(net)
    with np.errstate(all="ignore"):
        numeric = central_differences(loss)
    assume(np.isfinite(numeric).all() and np.isfinite(loss(loss.base[None, :])).all())
    base_loss = float(loss(loss.base[None, :]).sum())
    assume(abs(base_loss) < 1e6)
    analytic = loss.gradient(loss.base, np.arange(len(net.examples)))
    # central differences err by ~h² (curvature) plus ~u·|E|/h (roundoff)
    floor = 1e-7 * (1 + abs(base_loss))
    for name, a, n in zip(loss.names, analytic, numeric):
        assert abs(a - n) <= 1e-5 * max(abs(a), abs(n)) + floor, name


@pytest.mark.parametrize("name", ["tanh-chain", "softmax", "relu-sigmoid", "xor", "word2vec"])
def test_bundled_gradients_are_the_worksheets(name):
    net = load(name)
    sheet = solve(net, None)
    loss = NetworkLoss(net)
    grad = loss.gradient(loss.base, np.arange(len(net.examples)))
    for param, g in zip(loss.names, grad):
        assert g == pytest.approx(sheet.exact[f"dE/d{param}"], rel=1e-9, abs=1e-15)


def test_rows_select_examples():
    net = load("xor")
    loss = NetworkLoss(net)
    each = [loss.gradient(loss.base, np.array([e])) for e in range(4)]
    assert np.allclose(sum(each), loss.gradient(loss.base, np.arange(4)), rtol=1e-14, atol=0)
