"""`bptutor gradcheck`: exact gradients against batched finite differences."""

from __future__ import annotations

import json
import math
import random
import re

import numpy as np
import pytest
from conftest import PROBLEMS, assert_located
from hypothesis import HealthCheck, given, settings
from test_worksheet import assume_smooth, finite_differences, problems, term_magnitude

from bptutor.files.problems import bundled_names, load
from bptutor.model.activations import Activation
from bptutor.model.graph import Graph
from bptutor.sheet.network_steps import parameters
from bptutor.sheet.worksheet import solve
from bptutor.tools import gradcheck

TANH = PROBLEMS / "tanh-chain.yaml"


def tanh_chain_loss(u3: float) -> float:
    """The seed sheet's E = (t − y)² by hand, for x = (1, 0, 1), t = 1 and u3 varied."""
    q = math.tanh(0.2 * 1 + 0.5 * 0 + u3 * 1)
    p1, p2 = math.tanh(0.9 * q), math.tanh(-0.5 * q)
    y = math.tanh(0.2 * p1 - 5 * p2)
    return (1 - y) ** 2


def test_every_bundled_problem_passes(run):
    result = run("gradcheck", "-f", "json")
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["passed"] is True
    assert [p["problem"] for p in doc["problems"]] == bundled_names()
    for problem in doc["problems"]:
        net = load(problem["problem"])
        if isinstance(net, Graph):  # every input the output depends on, as dL/da
            keys = [s.key for s in solve(net).steps if s.kind == "gradient"
                    and s.key.partition("/d")[2] in net.inputs]
            assert keys and all(k.startswith(f"d{net.loss_name}/d") for k in keys)
        else:
            keys = [f"dE/d{name}" for name, _ in parameters(net)]
        assert [item["key"] for item in problem["items"]] == keys
        assert all(item["rel_error"] <= 1e-4 for item in problem["items"]), problem["problem"]


def test_summary_lists_each_problem_once(run):
    result = run("gradcheck")
    assert result.exit_code == 0
    for name in bundled_names():
        assert sum(line.split()[1:2] == [name] for line in result.stdout.splitlines()) == 1
    assert f"{len(bundled_names())}/{len(bundled_names())} problems passed" in result.stdout


def test_json_is_the_spec_shape(run):
    result = run("gradcheck", TANH, "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert list(doc) == ["method", "eps", "passed", "items"]
    assert (doc["method"], doc["eps"], doc["passed"]) == ("central", 1e-6, True)
    item = next(i for i in doc["items"] if i["key"] == "dE/du3")
    assert list(item) == ["key", "analytic", "numeric", "rel_error", "verdict"]
    assert item["analytic"] == pytest.approx(-0.6315861, abs=1e-7)
    assert item["numeric"] == pytest.approx(item["analytic"], rel=1e-8)
    assert item["rel_error"] == abs(item["analytic"] - item["numeric"]) / abs(item["analytic"])
    assert item["verdict"] == "good"


@pytest.mark.parametrize("factor, verdict", [(1.001, "suspicious"), (1.5, "wrong")])
def test_a_wrong_analytic_gradient_is_caught(run, monkeypatch, factor, verdict):
    """A tanh derivative off by a factor in the exact side (the numpy backward pass; the
    differences are forward passes only): every gradient through it fails; exit 1."""
    right = Activation.array_backward

    def wrong(self, grad, a, z):
        return right(self, grad, a, z) * (factor if self.name == "tanh" else 1.0)

    monkeypatch.setattr(Activation, "array_backward", wrong)
    result = run("gradcheck", TANH, "-f", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["passed"] is False
    verdicts = {item["key"]: item["verdict"] for item in doc["items"]}
    # dE/dw goes through y's tanh′ only; dE/du through three of them
    assert verdicts["dE/dw1"] == verdict
    assert verdicts["dE/du3"] == verdict
    rich = run("gradcheck", TANH)
    assert rich.exit_code == 1 and "FAILED" in rich.stdout


def test_forward_difference_on_the_seed_sheets_u3(run):
    """The lecture's check: E at u, E at u + h, and (E(u + h) − E(u)) / h."""
    h = 1e-4
    report = gradcheck.check(load(TANH), h, "forward", ["u3"])
    (probe,) = report.probes
    assert probe.loss_at == pytest.approx(tanh_chain_loss(-1.0), rel=1e-14)
    assert probe.loss_after == pytest.approx(tanh_chain_loss(-1.0 + h), rel=1e-14)
    (item,) = report.items
    by_hand = (tanh_chain_loss(-1.0 + h) - tanh_chain_loss(-1.0)) / h
    assert item.numeric == pytest.approx(by_hand, rel=1e-9)
    assert round(item.numeric, 4) == -0.6317 and round(item.analytic, 4) == -0.6316
    assert item.verdict == "suspicious"  # forward differences err by O(h): 2e-4 here

    result = run("gradcheck", TANH, "--method", "forward", "--weight", "u3", "--h", "1e-4")
    assert result.exit_code == 1
    assert "E at u3 = -1 " in result.stdout and "E at u3 + h = -0.9999" in result.stdout
    assert "-0.6317101" in result.stdout
    doc = json.loads(run("gradcheck", TANH, "--method", "forward", "-w", "u3", "--h", "1e-4",
                         "-f", "json").stdout)
    assert (doc["method"], doc["eps"], len(doc["items"])) == ("forward", 1e-4, 1)


def test_central_differences_on_u3_are_good_at_the_same_h(run):
    result = run("gradcheck", TANH, "--weight", "u3", "--eps", "1e-4", "-f", "json")
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)["items"]
    assert item["rel_error"] < 1e-7


def test_unknown_weight_is_a_located_error(run):
    result = run("gradcheck", TANH, "--weight", "u4")
    assert result.exit_code == 2
    assert "no weight or bias 'u4'" in result.stderr and "u3" in result.stderr
    assert "Traceback" not in result.stderr


def answers_file(tmp_path, values: dict[str, float], problem=TANH):
    path = tmp_path / "answers.yaml"
    body = "".join(f"  {json.dumps(k)}: {v!r}\n" for k, v in values.items())
    path.write_text(f"problem: {problem}\nanswers:\n{body}", encoding="utf-8")
    return path


def test_answers_rounded_by_hand_pass_a_sign_slip_fails(run, tmp_path):
    sheet = solve(load(TANH))
    grads = {s.key: sheet.values[s.key] for s in sheet.steps if s.kind == "gradient"}
    result = run("gradcheck", "--answers", answers_file(tmp_path, grads), "-f", "json")
    assert result.exit_code == 0, result.stdout
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert set(items) == set(grads)
    assert items["dE/du3"]["analytic"] == -0.6  # the sheet's rounded path, 5% off exact
    assert items["dE/du3"]["verdict"] == "rounding"

    grads["dE/du3"] = 0.6
    result = run("gradcheck", "--answers", answers_file(tmp_path, grads), "-f", "json")
    assert result.exit_code == 1
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert items["dE/du3"]["verdict"] == "wrong"
    assert items["dE/dw1"]["verdict"] == "rounding"


def test_answers_with_exact_values_are_good(run, tmp_path):
    sheet = solve(load(TANH), None)
    grads = {f"dE/d{n}": sheet.exact[f"dE/d{n}"] for n, _ in parameters(sheet.network)}
    grads["z(q)"] = -0.8  # not a gradient: left to `check`
    result = run("gradcheck", "--answers", answers_file(tmp_path, grads), "-f", "json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)["items"]
    assert len(items) == 7 and {i["verdict"] for i in items} == {"good"}


def test_answers_per_example_gradients_in_a_batch(run, tmp_path):
    sheet = solve(load("xor"), None)
    keys = ["dE/dW1[1,1]@2", "dE/dW1[1,1]@3", "dE/dW1[1,1]"]
    values = {k: sheet.exact[k] for k in keys}
    result = run("gradcheck", "--answers", answers_file(tmp_path, values, "xor"), "-f", "json")
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert set(items) == set(keys) and result.exit_code == 0
    assert all(i["verdict"] == "good" for i in items.values())
    assert items["dE/dW1[1,1]@2"]["numeric"] != items["dE/dW1[1,1]@3"]["numeric"]


RELU_AT_KINK = """\
bptutor: 1
loss: squared_error
network:
  inputs: 2
  layers:
    - neurons: 1
      activation: relu
      weights: [[0.5, -0.5]]
    - neurons: 1
      activation: identity
      weights: [[2]]
input: [1, 1]
target: [1]
"""


def test_relu_at_its_kink_is_warned_about(run, tmp_path):
    path = tmp_path / "kink.yaml"
    path.write_text(RELU_AT_KINK, encoding="utf-8")
    result = run("gradcheck", path)
    assert "warning: relu at h1_1 sits within eps of its kink (z = 0)" in result.stdout
    doc = json.loads(run("gradcheck", path, "-f", "json").stdout)
    assert doc["warnings"] and "h1_1" in doc["warnings"][0]
    # relu′(0) = 1 (SPEC §1), the central difference sees half of it: (2·ε·2 + 0)/2ε·…
    item = next(i for i in doc["items"] if i["key"] == "dE/dW1[1,1]")
    assert item["analytic"] == pytest.approx(2 * item["numeric"])


def test_markdown_view(run):
    result = run("gradcheck", TANH, "-f", "markdown")
    assert result.exit_code == 0
    assert "| `dE/du3` | -0.6315861438 |" in result.stdout


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_batched_differences_match_a_loop_per_weight(spec):
    """The numpy batches give the same numbers as the tests' own loop, weight by weight."""
    assume_smooth(spec)
    net = spec.network()
    loss = gradcheck.NetworkLoss(net)
    sheet = solve(net, None)
    base = loss(loss.base[None, :])[0]
    for e in range(1, len(net.examples) + 1):
        expected = sheet.exact[f"E{spec.suffix(e)}"]
        assert base[e - 1] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    reference, scale = finite_differences(spec)
    report = gradcheck.check(net)
    floor = 1e-9 * (1.0 + scale) * (1.0 + term_magnitude(spec))
    for item in report.items:
        n = reference[item.key[4:]]
        assert abs(item.numeric - n) <= 1e-6 * max(abs(n), abs(item.numeric)) + floor
        assert abs(item.analytic - item.numeric) <= 1e-6 * abs(item.numeric) + floor


def test_saturated_sigmoid_with_log_loss_stays_accurate():
    """Logs taken from z: the CityU net's output (z ≈ 21.8) keeps its tiny gradients."""
    report = gradcheck.check(load("relu-sigmoid"))
    assert report.passed
    assert all(abs(item.numeric) < 1e-7 and item.rel_error < 1e-6 for item in report.items)
    assert np.isfinite([item.numeric for item in report.items]).all()


def test_graph_gradients_by_central_and_forward_differences(run):
    """L = c(a + 2b) at a = 3, b = 1, c = 2: dL/da = 2, dL/db = 4, dL/dc = 5."""
    doc = json.loads(run("gradcheck", "graph-c-a-2b", "-f", "json").stdout)
    assert doc["passed"] is True
    items = {i["key"]: i for i in doc["items"]}
    assert set(items) == {"dL/da", "dL/db", "dL/dc"}
    for key, value in {"dL/da": 2, "dL/db": 4, "dL/dc": 5}.items():
        assert items[key]["analytic"] == value
        assert items[key]["numeric"] == pytest.approx(value, rel=1e-8)
    result = run("gradcheck", "graph-c-a-2b", "--method", "forward", "-w", "b", "--h", "0.5")
    # L is linear in b: a forward difference of any size is exact
    assert "L at b = 1" in result.stdout and "L at b + h = 1.5" in result.stdout
    assert result.exit_code == 0


def test_graph_with_a_wrong_local_derivative_is_caught(run, monkeypatch):
    """Every function's local derivative off by 1%: gradcheck fails the graph."""
    from bptutor.model import expression

    right = expression.Call.local

    def wrong(self, out):
        return tuple(expression.Bin("*", expression.Num(1.01), d) for d in right(self, out))

    monkeypatch.setattr(expression.Call, "local", wrong)
    result = run("gradcheck", "graph-sigmoid-exp", "-f", "json")
    assert result.exit_code == 1
    verdicts = {i["key"]: i["verdict"] for i in json.loads(result.stdout)["items"]}
    assert set(verdicts.values()) == {"suspicious"}


def test_answers_for_a_graph_problem(run, tmp_path):
    values = {"df/da": -3, "df/db": -7.5}  # the exact df/db is -8
    result = run("gradcheck", "--answers", answers_file(tmp_path, values, "graph-reuse"),
                 "-f", "json")
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert items["df/da"]["verdict"] == "good"
    assert items["df/db"]["verdict"] == "wrong" and result.exit_code == 1


def test_answers_and_a_problem_together_is_a_usage_error(run, tmp_path):
    path = answers_file(tmp_path, {"dE/du3": -0.6})
    result = run("gradcheck", "xor", "--answers", path)
    assert result.exit_code == 2 and "a problem or --answers" in " ".join(result.stderr.split())


def test_answers_naming_a_missing_problem_is_an_error_at_its_line(run, tmp_path):
    path = answers_file(tmp_path, {"dE/du3": -0.6}, "nosuch.yaml")
    result = run("gradcheck", "--answers", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:1:10: error: problem ")
    assert "nosuch.yaml': no such file" in result.stderr


def test_weight_narrows_the_answers_checked(run, tmp_path):
    path = answers_file(tmp_path, {"dE/du3": -0.6, "dE/dw1": 0.24})
    items = json.loads(run("gradcheck", "--answers", path, "-w", "u3", "-f", "json").stdout)
    assert [i["key"] for i in items["items"]] == ["dE/du3"]


def test_minus_zero_prints_as_zero(run):
    doc = json.loads(run("gradcheck", TANH, "-f", "json").stdout)
    u2 = next(i for i in doc["items"] if i["key"] == "dE/du2")
    assert math.copysign(1.0, u2["analytic"]) == 1.0
    assert re.search(r"^dE/du2 +│ +0 │ +0 │", run("gradcheck", TANH).stdout, re.M)


# -- a difference that cannot be computed --------------------------------------------------------

NEAR_LOG_ZERO = """\
bptutor: 1
kind: graph
inputs: {a: 0.0000001, b: 2}
nodes:
  L: b*log(a)
"""


def _no_constants(name: str):
    raise AssertionError(f"invalid JSON constant {name}")


def test_json_stays_valid_where_a_difference_crosses_an_undefined_region(run, tmp_path):
    """a − ε < 0: log is undefined there, so dL/da has no central difference. JSON gives null
    (never NaN), the verdict says so, and the check does not pass."""
    path = tmp_path / "log.yaml"
    path.write_text(NEAR_LOG_ZERO, encoding="utf-8")
    result = run("gradcheck", path, "-f", "json")
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout, parse_constant=_no_constants)
    items = {item["key"]: item for item in doc["items"]}
    assert items["dL/da"]["analytic"] == pytest.approx(2 / 1e-7)
    assert items["dL/da"]["numeric"] is None and items["dL/da"]["rel_error"] is None
    assert items["dL/da"]["verdict"] == "undefined"
    assert "could not be computed" in items["dL/da"]["note"]
    assert items["dL/db"]["verdict"] == "good"  # dL/db = ln a: its differences are fine
    assert doc["passed"] is False
    rich = run("gradcheck", path)
    assert rich.exit_code == 1 and "undefined" in rich.stdout and "n/a" in rich.stdout
    assert "nan" not in rich.stdout.lower()


# -- noise: no false alarms, and planted errors above the noise caught ---------------------------

def test_no_false_alarm_over_2000_saturated_networks_and_every_planted_error_caught():
    """Right gradients of 2,000 random networks with saturated units all pass (relative
    thresholds alone fail hundreds of them); each gradient scaled by 1.001 fails wherever
    that change is above the noise of both sides (bench/gradcheck_noise.py prints the figures)."""
    from saturated import saturated_network

    rng = random.Random(14)
    old_alarms = unresolved = above = 0
    for _ in range(2000):
        report = gradcheck.check(saturated_network(rng))
        assert report.passed, [(i.key, i.analytic, i.numeric, i.verdict) for i in report.items]
        old_alarms += any(gradcheck.verdict(i.rel_error) not in gradcheck.PASSING
                          for i in report.items)
        for item in report.items:
            unresolved += item.verdict == gradcheck.BELOW_RESOLUTION
            # the noise bound is an honest one: it covers the difference's true error
            assert abs(item.numeric - item.analytic) <= item.noise
            mutated = gradcheck._item(item.key, 1.001 * item.analytic, item.numeric,
                                      item.noise, report.eps)
            # above the noise, and above SPEC's 1e-12 floor of the relative error
            if 0.001 * abs(item.analytic) > 2 * item.noise and abs(item.analytic) > 1e-12:
                above += 1
                assert mutated.verdict == "suspicious", (item, mutated)
    assert old_alarms > 200 and unresolved > 1000 and above > 15_000


def test_a_disagreement_within_the_noise_is_below_resolution_with_a_hint():
    """The issue's 6.07e-8 against a numeric 6.04e-8: 0.5% apart, but 3e-10 is within the
    roundoff of a difference at eps 1e-6 when E's sums are of order 1."""
    item = gradcheck._item("dE/dw", 6.07e-8, 6.04e-8, 1e-9, 1e-6)
    assert item.verdict == "below_resolution" and item.verdict in gradcheck.PASSING
    assert "try --eps 0.0001" in item.note and "±1.0e-09" in item.note
    wrong = gradcheck._item("dE/dw", 6.07e-8, 6.04e-8, 1e-11, 1e-6)
    assert wrong.verdict == "suspicious"  # the same numbers, resolved: a real disagreement


def test_noise_bound_is_u_times_the_sums_over_eps():
    """A one-weight net E = (t − w·x)²: float64 forms w·x, t − w·x and its square, so S is
    |E| + |dE/dz|·|w·x| (twice: the sum and z itself) + |dE/dy|·(|y| + |t|)."""
    net = load(TANH)
    loss = gradcheck.NetworkLoss(net)
    scale = loss.roundoff_scale()
    assert scale.shape == (1,) and 1 < scale[0] < 100
    sheet = solve(net, None)
    bound = gradcheck.noise_bounds(loss, 1e-6, "central", sheet)[0]
    assert bound == pytest.approx(gradcheck.NOISE_FACTOR * 2.0 ** -52 * scale[0] / 1e-6)
    assert gradcheck.noise_bounds(loss, 1e-6, "forward", sheet)[0] == pytest.approx(2 * bound)


def test_graph_noise_bound_and_below_resolution(tmp_path, run):
    """dL/da = 1e-12·… of a graph whose L is of order 1: below what eps 1e-6 resolves."""
    path = tmp_path / "tiny.yaml"
    path.write_text("bptutor: 1\nkind: graph\ninputs: {a: 1, b: 1}\nnodes:\n"
                    "  L: b + 0.000000000001*a*a\n", encoding="utf-8")
    doc = json.loads(run("gradcheck", path, "-f", "json").stdout)
    items = {i["key"]: i for i in doc["items"]}
    assert items["dL/da"]["analytic"] == pytest.approx(2e-12)
    assert items["dL/da"]["verdict"] == "below_resolution" and doc["passed"] is True
    assert "try --eps" in items["dL/da"]["note"]
    assert items["dL/db"]["verdict"] == "good"
    result = run("gradcheck", path)
    assert result.exit_code == 0 and "below_resolution" in result.stdout


@pytest.mark.parametrize("eps", ["nan", "NaN", "inf", "0", "1", "-1e-6", "2"])
def test_eps_outside_zero_to_one_is_a_usage_error(run, eps):
    result = run("gradcheck", TANH, "--eps", eps)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "eps" in result.stderr.lower()


def test_answers_with_no_readable_gradient_exit_2_located(run, tmp_path):
    path = answers_file(tmp_path, {"z(q)": -0.8})  # no gradient at all
    result = run("gradcheck", "--answers", path)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 1, 1, ["no gradient to check"], "dE/dw1")
    empty = tmp_path / "empty.yaml"
    empty.write_text(f"problem: {TANH}\nanswers:\n  dE/du3:\n  dE/dw1: '?'\n", encoding="utf-8")
    result = run("gradcheck", "--answers", empty)
    assert result.exit_code == 2 and "no gradient to check" in result.stderr
    narrowed = run("gradcheck", "--answers", answers_file(tmp_path, {"dE/du3": -0.6}), "-w", "w1")
    assert narrowed.exit_code == 2 and "for the weights asked for" in narrowed.stderr


@pytest.mark.parametrize("written, verdict", [
    ("-0.632", "rounding"),  # the exact −0.631586… rounded to 3 decimals
    ("-0.631", "suspicious"),  # 3 decimals, but not the right ones: 5.9e-4 off
    ("-0.6316", "acceptable"), ("-0.6315", "suspicious"), ("-0.63", "rounding"),
    ("-0.6", "rounding"), ("-0.7", "wrong"),
])
def test_an_answer_is_judged_at_the_precision_it_is_written_with(run, tmp_path, written,
                                                                 verdict):
    path = tmp_path / "a.yaml"
    path.write_text(f"problem: {TANH}\nanswers:\n  dE/du3: {written}\n", encoding="utf-8")
    doc = json.loads(run("gradcheck", "--answers", path, "-f", "json").stdout)
    (item,) = doc["items"]
    exact = -0.6315861438
    half_unit = 0.5 * 10.0 ** -len(written.partition(".")[2])
    assert (abs(float(written) - exact) <= half_unit) == (verdict in gradcheck.PASSING)
    assert item["verdict"] == verdict


def test_an_answer_at_the_sheets_precision_may_follow_its_carried_rounding(run, tmp_path):
    """tanh-chain rounds to 2 decimals and its sheet carries −0.60 for dE/du3 (exact
    −0.6316): −0.60 or −0.64 at the sheet's precision pass; −0.640 claims 3 decimals."""
    for written, verdict in [("-0.60", "rounding"), ("-0.64", "rounding"),
                             ("-0.640", "wrong"), ("-0.70", "wrong")]:
        path = tmp_path / "a.yaml"
        path.write_text(f"problem: {TANH}\nanswers:\n  dE/du3: {written}\n", encoding="utf-8")
        (item,) = json.loads(run("gradcheck", "--answers", path, "-f", "json").stdout)["items"]
        assert item["verdict"] == verdict, written


def test_truncation_at_a_zero_gradient_is_below_resolution():
    """One weight w in both layers, all else 0 but 0.09: E ≈ w²·(0.0045 + 0.05·w)²/4 has
    dE/dw = 0 exactly and E‴ ≠ 0, so the central difference is ε²·E‴/6 = 1.1e-16, a
    relative error of 1.1e-4 by SPEC's 1e-12 floor. At ε/2 it is a quarter of that: the
    difference converges to 0, so the verdict passes and says why."""
    from bptutor.model.losses import LOSS_FUNCTIONS
    from bptutor.model.network import Example, Layer, Network

    act = Activation("bipolar_sigmoid")
    hidden = Layer(1, ["a", "b"], [act, act], [[0.0, 0.0], [0.0, 0.09]],
                   [["w", "u1"], ["u2", "u3"]], None, None)
    out = Layer(2, ["y"], [act], [[0.0, 0.0]], [["w", "w"]], None, None)
    net = Network("t", "t", None, None, "activation", LOSS_FUNCTIONS["squared_error"],
                  ["x1", "x2"], [hidden, out], [Example([0.1, 0.1], [0.0])])
    report = gradcheck.check(net)
    item = next(i for i in report.items if i.key == "dE/dw")
    assert item.analytic == 0.0 and item.numeric == pytest.approx(0.0045 * 0.05 / 2 * 1e-12,
                                                                  rel=1e-3)
    assert gradcheck.verdict(item.rel_error) == "suspicious"  # by the relative error alone
    assert item.verdict == "below_resolution" and "truncation" in item.note
    assert report.passed
    # a wrong gradient stays wrong: the extrapolation meets the true one, not it
    wrong = gradcheck._item("dE/dw", 1e-10, item.numeric, item.noise, report.eps)
    gradcheck._allow_truncation([wrong], gradcheck.NetworkLoss(net), [0], report.eps, 0.0)
    assert wrong.verdict == "wrong"


def test_answers_written_as_delta_w_are_checked_as_changes(run, tmp_path):
    # han-kamber's Δw = −η·dE/dw (η = 0.9): Δ(w46) is an alias of change(w46), as in `check`
    sheet = solve(load("han-kamber"), None, "activation")
    change = solve(load("han-kamber"), None).exact["change(w46)"]
    changes = {"Δ(w46)": round(change, 3),
               "∂E/∂w14": round(sheet.exact["dE/dw14"], 4)}
    result = run("gradcheck", "--answers", answers_file(tmp_path, changes, "han-kamber"),
                 "-f", "json")
    assert result.exit_code == 0, result.stdout
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert set(items) == {"Δ(w46)", "dE/dw14"}  # Δ kept as written (keys.clean reads ∂)
    assert items["Δ(w46)"]["numeric"] == pytest.approx(change, rel=1e-6)
    assert items["dE/dw14"]["numeric"] == pytest.approx(sheet.exact["dE/dw14"], rel=1e-6)
    wrong = run("gradcheck", "--answers",
                answers_file(tmp_path, {"Δ(w46)": -changes["Δ(w46)"]}, "han-kamber"))
    assert wrong.exit_code == 1 and "wrong" in wrong.stdout


ELU_AT_ZERO = """\
bptutor: 1
title: elu at 0
loss: squared_error
network:
  inputs: 1
  layers:
    - neurons: 1
      activation: elu
      alpha: {alpha}
      weights: [[0.5]]
      bias: -0.5
input: [1]
target: [1]
"""


@pytest.mark.parametrize(("alpha", "warned"), [(1, False), (0.5, True)])
def test_elu_is_warned_about_at_zero_only_where_alpha_makes_a_kink(run, tmp_path, alpha, warned):
    path = tmp_path / "elu.yaml"
    path.write_text(ELU_AT_ZERO.format(alpha=alpha), encoding="utf-8")
    doc = json.loads(run("gradcheck", path, "-f", "json").stdout)
    assert bool(doc.get("warnings")) is warned
    assert (Activation("elu", alpha).function.kinked(alpha), Activation("relu").function.kinked(1)
            ) == (warned, True)


PAPER_ZERO = """\
bptutor: 1
title: a hidden unit at exactly 0 on paper (0.3 - 0.4 + 0.1), 2.8e-17 in floats
loss: squared_error
network:
  inputs: 2
  layers:
    - neurons: 1
      activation: identity
      weights: [[0.3, -0.8]]
      bias: 0.1
    - neurons: 1
      activation: sigmoid
      weights: [[0.7]]
      bias: 0.05
input: [1, 0.5]
target: [1]
"""


def test_a_paper_zero_gradient_is_exactly_0_from_the_small_sheet(tmp_path):
    path = tmp_path / "zero.yaml"
    path.write_text(PAPER_ZERO, encoding="utf-8")
    net = load(str(path))
    floats = gradcheck.NetworkLoss(net)
    float_gradient = floats.reduction * floats.gradient(floats.base)
    assert float_gradient[floats.names.index("W2[1,1]")] != 0  # numpy's: 2.8e-17·δ(y)
    report = gradcheck.check(net)
    items = {item.key: item for item in report.items}
    zero = items["dE/dW2[1,1]"]  # δ(y)·h1 with h1 = 0 on paper
    assert (zero.analytic, zero.verdict) == (0.0, "good") and abs(zero.numeric) < zero.noise
    assert items["dE/db2[1]"].analytic == pytest.approx(  # the others: numpy's, unchanged
        float_gradient[floats.names.index("b2[1]")], abs=0)


def test_roundoff_against_roundoff_is_below_resolution_and_never_the_worst():
    eps, noise = 1e-6, 7.9e-9
    zero = gradcheck._item("dE/dW2[2,1]", 2.5e-17, 0.0, noise, eps)  # the trial's pair
    assert (zero.rel_error, zero.verdict) == (pytest.approx(2.5e-5), "below_resolution")
    assert gradcheck._item("dE/dw", 0.2, 0.2 * (1 + 1e-5), noise, eps).verdict == "acceptable"
    assert gradcheck._item("dE/dw", 0.2, 0.2 * (1 + 1e-8), noise, eps).verdict == "good"
    good = gradcheck._item("dE/dv", 0.3, 0.3 * (1 + 1e-9), noise, eps)
    report = gradcheck.Report("t", "central", eps, [zero, good])
    assert report.worst is good and report.passed
