"""Limits and numerics: a cap on problem size, and finite, warning-free numbers at z = ±1000.

A worksheet larger than ``MAX_STEPS`` is refused before it is built, at ``examples:`` when
the batch is what makes it large, else at ``network:``. The exact sheet takes a log loss's
ln y, 1/y and σ′ of sigmoid and softmax outputs from z (float y saturates: σ(40) is 1.0);
a rounded sheet computes from its rounded y (SPEC §3), so there a rounded y of 0 or 1 under
a log is a genuine ln 0, reported at the ``loss`` line.
"""

from __future__ import annotations

import itertools
import json
import math
import warnings
from decimal import Decimal, localcontext

import pytest
from conftest import assert_located

from bptutor.errors import BptutorError
from bptutor.files.problems import Validator, bundled_names, load
from bptutor.files.yamlfile import parse
from bptutor.model.activations import log_sigmoid
from bptutor.model.losses import output_logs
from bptutor.model.network import Network
from bptutor.sheet.network_steps import MAX_STEPS, build_steps, count_steps
from bptutor.sheet.worksheet import solve

# -- problem size ---------------------------------------------------------------------------

SMALL = """\
bptutor: 1
loss: squared_error
network:
  inputs: 2
  layers:
    - neurons: 2
      activation: sigmoid
      weights: [[0.1, 0.2], [0.3, 0.4]]
    - neurons: 1
      activation: sigmoid
      weights: [[0.5, 0.6]]
"""


def dense(sizes: list[int], examples: int) -> str:
    """A fully connected sigmoid net with biases, fixed weights and ``examples`` examples."""
    lines = ["bptutor: 1", "round: 2", "loss: squared_error", "network:",
             f"  inputs: {sizes[0]}", "  layers:"]
    for k in range(1, len(sizes)):
        rows = [[((7 * j + 3 * i) % 21 - 10) / 10 for i in range(sizes[k - 1])]
                for j in range(sizes[k])]
        lines += [f"    - neurons: {sizes[k]}", "      activation: sigmoid",
                  f"      weights: {rows}", "      bias: 0.1"]
    lines.append("examples:")
    for e in range(examples):
        inputs = [(e + i) % 3 / 2 for i in range(sizes[0])]
        lines.append(f"  - {{input: {inputs}, target: {[e % 2] * sizes[-1]}}}")
    return "\n".join(lines + ["learning_rate: 0.1", ""])


def test_twenty_thousand_examples_are_refused_at_examples(tmp_path, run):
    path = tmp_path / "batch.yaml"
    path.write_text(SMALL + "examples:\n" + "  - {input: [0, 1], target: [1]}\n" * 20_000)
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    # 2 z, 2 activations … per example: 3·2 + 1 + 3 errors + 6 gradients = 16; E and 6 totals
    assert_located(result.stderr, path, 12, 1, ["20,000 examples of 16 steps each make "
                                                "320,007 steps, more than the 20,000 steps"],
                   hint="split the batch into several problems")


def test_a_network_too_large_for_one_example_is_refused_at_network(tmp_path, run):
    path = tmp_path / "wide.yaml"
    rows = [[0] * 100] * 200
    path.write_text(f"bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 100\n  layers:\n"
                    f"    - neurons: 200\n      activation: tanh\n      weights: {rows}\n"
                    f"input: {[0] * 100}\ntarget: {[0] * 200}\n")
    result = run("template", path)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 3, 1, ["one example of this network takes 20,601 steps"],
                   hint="a few neurons per layer")


def test_a_64_32_10_network_with_five_examples_is_fine_and_six_are_refused(tmp_path, run):
    five, six = tmp_path / "five.yaml", tmp_path / "six.yaml"
    five.write_text(dense([64, 32, 10], 5))
    six.write_text(dense([64, 32, 10], 6))
    result = run("solve", five, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["steps"]) == 17_506 <= MAX_STEPS
    result = run("solve", six, "--format", "json")
    assert result.exit_code == 2
    assert_located(result.stderr, six, 15, 1, ["6 examples of 2,537 steps each make 20,043"])


@pytest.mark.parametrize("name", [n for n in bundled_names() if isinstance(load(n), Network)])
@pytest.mark.parametrize("notation", ["activation", "delta"])
@pytest.mark.parametrize("update_biases", [True, False])
def test_count_steps_is_the_worksheets_length(name, notation, update_biases):
    net = load(name)
    net.update_biases = update_biases
    one, single, total = count_steps(net)
    assert total == len(build_steps(net, notation)[0])
    net.examples = net.examples[:1]
    assert (count_steps(net)[1], single) == (len(build_steps(net, notation)[0]),) * 2


# -- numerics -------------------------------------------------------------------------------

def test_log_sigmoid():
    assert log_sigmoid(0) == -math.log(2)
    assert log_sigmoid(40) == -4.248354255291589e-18  # ln σ(40), though σ(40) is 1.0
    assert (log_sigmoid(1000), log_sigmoid(-1000), log_sigmoid(-40)) == (0, -1000, -40)


def test_softmax_logs_at_saturation():
    from bptutor.model.activations import Activation, softmax

    zs = [1000.0, -1000.0, 3.0]
    logs = output_logs([Activation("softmax")] * 3, softmax(zs), zs)
    assert logs == [(0.0, -997.0), (-2000.0, 0.0), (-997.0, 0.0)]
    assert output_logs([Activation("softmax")] * 3, [0.5, 0.5, 0.0], zs) == [None] * 3


def net_text(activation: str, loss: str, z: float, t: float) -> str:
    """x = 1 → h = hidden(1) → outputs with preactivation ±z (two for softmax)."""
    softmax = activation == "softmax"
    w = f"[[{z}], [{-z}]]" if softmax else f"[[{z}]]"
    target = f"[{t}, {1 - t}]" if softmax else f"[{t}]"
    return (f"bptutor: 1\nloss: {loss}\nnetwork:\n  inputs: [x]\n  layers:\n"
            f"    - neurons: [h]\n      activation: identity\n      weights: [[1]]\n"
            f"    - neurons: {'[y1, y2]' if softmax else '[y]'}\n      activation: {activation}\n"
            f"      weights: {w}\ninput: [1]\ntarget: {target}\nlearning_rate: 0.1\n")


# (activation, loss, target, z); a sigmoid under a log loss only where z agrees with the
# target: against it ∂E/∂y = 1 + e^1000 has no float (see the overflow test below)
FINITE_CASES = [
    *itertools.product(["sigmoid", "tanh", "softmax", "relu", "leaky_relu", "identity"],
                       ["squared_error", "half_squared_error", "mean_squared_error"], [0, 1],
                       [1000, -1000]),
    *itertools.product(["softmax"], ["cross_entropy"], [0, 1], [1000, -1000]),
    ("sigmoid", "binary_cross_entropy", 1, 1000), ("sigmoid", "binary_cross_entropy", 0, -1000),
]  # (cross_entropy takes a softmax output layer only, as `new` always required)


@pytest.mark.parametrize("activation, loss, t, z", FINITE_CASES)
@pytest.mark.parametrize("notation", ["activation", "delta"])
def test_z_of_a_thousand_is_finite_and_warning_free(activation, loss, t, z, notation):
    net = Validator("p.yaml").network(parse(net_text(activation, loss, z, t), "p.yaml"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for digits in (None, 3):
            try:
                sheet = solve(net, digits, notation)
            except BptutorError as exc:  # a rounded log-loss output of 0 is a genuine ln 0
                assert digits is not None and "ln(0)" in str(exc), exc
                continue
            assert all(math.isfinite(v) for v in [*sheet.values.values(),
                                                  *sheet.exact.values()])


def test_softmax_cross_entropy_at_a_thousand_is_exact():
    net = Validator("p").network(parse(net_text("softmax", "cross_entropy", -1000, 1), "p"))
    sheet = solve(net, None)
    assert sheet.exact["y1"] == 0.0 and sheet.exact["E"] == 2000.0  # -ln softmax = 2000
    assert (sheet.exact["dE/dz(y1)"], sheet.exact["dE/dz(y2)"]) == (-1.0, 1.0)


SATURATED = net_text("sigmoid", "binary_cross_entropy", 40, 0)  # y = σ(40) is 1.0 in floats


@pytest.mark.parametrize("notation, key", [("activation", "dE/dy"), ("delta", "dE/dz(y)")])
def test_saturated_sigmoid_with_cross_entropy_is_exact(tmp_path, run, notation, key):
    # E = -ln(1 - σ(40)) = 40 + 4e-18; it was "ln(0) is undefined"
    path = tmp_path / "p.yaml"
    path.write_text(SATURATED)
    result = run("solve", path, "--exact", "--notation", notation, "--format", "json")
    assert result.exit_code == 0, result.stderr
    steps = {s["key"]: s["value"] for s in json.loads(result.stdout)["steps"]}
    assert steps["y"] == 1.0 and steps["E"] == 40.0
    if notation == "activation":
        assert steps["dE/dy"] == 1 + math.exp(40)  # 1/(1 - σ(40))
    assert steps[key] == pytest.approx(1 + math.exp(40) if key == "dE/dy" else 1.0, rel=1e-15)
    # dE/dw = (y - t)·h = 1·1, though float σ′ = y(1 - y) is 0
    assert steps["dE/dW2[1,1]"] == pytest.approx(1.0, rel=1e-15)


def test_saturated_sigmoid_rounded_is_a_located_ln_zero(tmp_path, run):
    # rounded, y = 1.00 and the sheet's E = -ln(1 - 1.00): a genuine ln 0, reported
    path = tmp_path / "p.yaml"
    path.write_text(SATURATED)
    result = run("solve", path, "--round", "2", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert_located(result.stderr, path, 2, 1,
                   ["cannot compute E: ln(0) is undefined: output 1 - y is 0"],
                   hint="check the targets and the output activations")


@pytest.mark.parametrize("notation, key", [("activation", "dE/dy"), ("delta", "dE/dz(y)")])
def test_a_thousand_against_the_target_is_a_located_overflow(tmp_path, run, notation, key):
    # ∂E/∂y = 1/(1 - σ(1000)) = 1 + e^1000 has no float; the delta sheet multiplies it by σ′
    path = tmp_path / "p.yaml"
    path.write_text(net_text("sigmoid", "binary_cross_entropy", 1000, 0))
    result = run("solve", path, "--exact", "--notation", notation)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 2, 1, [f"{key} is too large to compute with"])


def test_softmax_binary_cross_entropy_gradient_near_saturation():
    # 1 - y of the larger output is 8.5e-11: as 1 - y it kept 6 digits, as the other y all
    net = Validator("p").network(parse(
        "bptutor: 1\nloss: binary_cross_entropy\nnetwork:\n  inputs: [a, b]\n  layers:\n"
        "    - neurons: [s1, s2]\n      activation: softmax\n      weights: [[1, 0], [0, 1]]\n"
        "input: [-8.8, 14.384]\ntarget: [0, 0]\n", "p"))
    sheet = solve(net, None)
    with localcontext() as ctx:  # E = -ln(1 - y1) - ln(1 - y2): dE/dz1 = y1 - y2
        ctx.prec = 50
        e = (Decimal(-8.8) - Decimal(14.384)).exp()
        expected = float((e - 1) / (e + 1))
    assert sheet.exact["dE/dz(s1)"] == pytest.approx(expected, rel=1e-14)
    assert sheet.exact["dE/dz(s2)"] == pytest.approx(-expected, rel=1e-14)


def test_grading_an_exact_saturated_sheet(tmp_path, run):
    # the reference E = 40 comes from z; a student's own y = 0.5 is used as written
    (tmp_path / "p.yaml").write_text(SATURATED)
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: p.yaml\nanswers:\n  E: 40.0\n", encoding="utf-8")
    result = run("check", answers, "--format", "json")
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert graded["E"]["verdict"] == "correct"
    answers.write_text("problem: p.yaml\nanswers:\n  y: 0.5\n  E: 0.693\n", encoding="utf-8")
    result = run("check", answers, "--format", "json")
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert (graded["E"]["verdict"], graded["E"]["because"]) == ("follow_through", "y")

