"""The bundled problems: each one solves in every format and notation, and the lectures'
published numbers (and rules) come out of the real command line."""

from __future__ import annotations

import json
import math

import pytest
import yaml
from conftest import PROBLEMS

BUNDLED = sorted(PROBLEMS.glob("*.yaml"))
NAMES = [p.stem for p in BUNDLED]
GRAPHS = [p for p in BUNDLED if p.stem.startswith("graph-")]  # kind: graph, one notation
NETWORKS = [p for p in BUNDLED if p not in GRAPHS]
SCHEMA_LINE = "# yaml-language-server: $schema=../bptutor/schema/problem.schema.json"

# Problems whose numbers (some or all) were chosen by us, not taken from a slide.
CHOSEN = ["delta-rule", "xor", "two-hidden-multi-output", "multi-output-perceptron",
          "word2vec", "graph-logistic", "delta-rule-lecture", "graph-upstream-update",
          # SPEC §7 (tests/test_training_sheets.py checks them against `train`)
          "xor-online-epoch", "two-examples-batch", "two-examples-online", "momentum-two-updates",
          "adam-one-update"]

FORMATS = ["json", "markdown", "rich"]
NOTATIONS = ["activation", "delta"]
# Keys both notations compute (the notations differ only in dE/d(neuron) vs dE/dz(neuron)).
SHARED_KINDS = {"preactivation", "activation", "loss", "gradient", "update"}


def by_key(doc: dict) -> dict:
    return {step["key"]: step for step in doc["steps"]}


def value(steps: dict, key: str) -> float:
    return steps[key]["value"]


def exact(steps: dict, key: str) -> float:
    return steps[key]["exact"]


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) < tol


def test_all_problems_are_bundled():
    expected = {"tanh-chain", "relu-sigmoid", "logistic-regression", "softmax", "word2vec",
                "delta-rule", "xor", "two-hidden-multi-output", "multi-output-perceptron",
                "graph-c-a-2b", "graph-logistic", "graph-sigmoid-exp", "graph-reuse",
                # SPEC §6 dialects (tests/test_conventions.py checks their published numbers)
                "han-kamber", "negnevitsky-xor", "mazur-shared-bias", "delta-rule-lecture",
                # SPEC §7 learning over several updates (tests/test_training_sheets.py)
                "xor-online-epoch", "two-examples-batch", "two-examples-online",
                "momentum-two-updates", "adam-one-update"}
    assert expected <= set(NAMES)
    for path in GRAPHS:
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["kind"] == "graph"


# -- every bundled problem ------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=NAMES)
def test_file_header_title_and_source(path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    data = yaml.safe_load(text)
    assert data["bptutor"] == 1
    assert isinstance(data.get("title"), str) and data["title"].strip()
    assert isinstance(data.get("source"), str) and data["source"].strip()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", GRAPHS, ids=[p.stem for p in GRAPHS])
def test_graphs_solve_in_every_format(run, path, fmt):
    for rounding in ([], ["--exact"]):
        result = run("solve", path, "--format", fmt, *rounding)
        assert result.exit_code == 0, result.stderr
        title = yaml.safe_load(path.read_text(encoding="utf-8"))["title"]
        if fmt == "json":
            doc = json.loads(result.stdout)
            assert doc["title"] == title and doc["notation"] == "graph" and doc["steps"]
            kinds = {step["kind"] for step in doc["steps"]}  # update: SPEC §6 parameters
            assert kinds - {"update"} == {"node", "gradient"}
            assert ("update" in kinds) == ("parameters" in path.read_text(encoding="utf-8"))
        else:
            assert title.split()[0] in result.stdout


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("notation", NOTATIONS)
@pytest.mark.parametrize("path", NETWORKS, ids=[p.stem for p in NETWORKS])
def test_solves_in_every_format_and_notation(run, path, notation, fmt):
    for rounding in ([], ["--exact"]):
        result = run("solve", path, "--format", fmt, "--notation", notation, *rounding)
        assert result.exit_code == 0, result.stderr
        title = yaml.safe_load(path.read_text(encoding="utf-8"))["title"]
        if fmt == "json":
            doc = json.loads(result.stdout)
            assert doc["bptutor"] == 1 and doc["title"] == title
            assert doc["notation"] == notation and doc["steps"]
        else:
            assert title.split()[0] in result.stdout


@pytest.mark.parametrize("name", NAMES)
def test_solves_by_bundled_name(run, name):
    result = run("solve", name, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["steps"]


@pytest.mark.parametrize("path", NETWORKS, ids=[p.stem for p in NETWORKS])
def test_exact_values_agree_between_notations_and_roundings(solve_json, path):
    runs = {(notation, rounding): by_key(solve_json(path, "--notation", notation, *rounding))
            for notation in NOTATIONS for rounding in ((), ("--exact",))}
    reference = runs[("activation", ())]
    shared = {key for key, step in reference.items() if step["kind"] in SHARED_KINDS}
    assert shared
    for (notation, rounding), steps in runs.items():
        mine = {key for key, step in steps.items() if step["kind"] in SHARED_KINDS}
        assert mine == shared, (notation, rounding)
        for key in set(steps) & set(reference):
            assert math.isclose(exact(steps, key), exact(reference, key),
                                rel_tol=1e-9, abs_tol=1e-9), (notation, rounding, key)
        if rounding:  # without rounding the shown value is the exact one
            for key, step in steps.items():
                assert step["value"] == step["exact"], key


@pytest.mark.parametrize("name", CHOSEN)
def test_chosen_numbers_are_said_so_and_not_saturated(solve_json, name):
    source = yaml.safe_load((PROBLEMS / f"{name}.yaml").read_text(encoding="utf-8"))["source"]
    assert "chosen by us" in " ".join(source.split())
    for step in solve_json(name)["steps"]:
        if step["kind"] != "activation":
            continue
        if "σ(" in step["formula"]:
            assert 0.05 <= step["exact"] <= 0.95, step["key"]
        if "tanh(" in step["formula"]:
            assert abs(step["exact"]) <= 0.95, step["key"]


# -- the lectures' numbers ------------------------------------------------------------------

def test_cityu_two_layer_net_forward_numbers(solve_json):
    doc = solve_json("relu-sigmoid")
    assert doc["round"] == 3
    steps = by_key(doc)
    assert value(steps, "z(h1)") == 13.694
    assert value(steps, "z(h2)") == 16.763
    assert value(steps, "z(y)") == 21.832
    assert value(steps, "h1") == 13.694 and value(steps, "h2") == 16.763  # ReLU passes them
    assert steps["y"]["exact"] > 0.99  # the slide's a2 ≈ 0.99: a saturated output


def test_cityu_logistic_regression_step(solve_json):
    doc = solve_json("logistic-regression")
    assert doc["round"] == 3
    steps = by_key(doc)
    assert close(value(steps, "y"), 0.5)
    gradients = [-0.25, -0.35, -0.25, -0.3, -0.4]
    updated = [0.025, 0.035, 0.025, 0.03, 0.04]
    for i, (grad, new) in enumerate(zip(gradients, updated), start=1):
        assert close(value(steps, f"dE/dw{i}"), grad), i
        assert close(value(steps, f"new(w{i})"), new), i
        assert close(exact(steps, f"dE/dw{i}"), grad), i  # no rounding needed at all
    assert close(value(steps, "dE/db"), -0.5)
    assert close(value(steps, "new(b)"), 0.05)


def test_iit_softmax_example(solve_json):
    steps = by_key(solve_json("softmax"))
    assert [value(steps, k) for k in ("s1", "s2", "s3")] == [0.09, 0.24, 0.67]
    assert math.isclose(sum(exact(steps, k) for k in ("s1", "s2", "s3")), 1.0)


@pytest.mark.parametrize("notation", NOTATIONS)
def test_iit_word2vec_weight_change_rule(solve_json, notation):
    """Heavy → rain (example 1): dE/dw_V2H0 = (v2 − 1)·h0 and dE/dw_V1H0 = v1·h0, so the
    update raises w_V2H0 and lowers w_V1H0 (h0 > 0 here); and
    dE/dw_H0U0 = Σ_k w_VkH0·v_k − w_V2H0."""
    steps = by_key(solve_json("word2vec", "--notation", notation))
    h0 = exact(steps, "h0@1")
    v = [exact(steps, f"v{k}@1") for k in range(4)]
    assert math.isclose(exact(steps, "dE/dw_V2H0@1"), (v[2] - 1) * h0, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dw_V1H0@1"), v[1] * h0, rel_tol=1e-12)
    assert h0 > 0
    assert exact(steps, "dE/dw_V2H0@1") < 0 < exact(steps, "dE/dw_V1H0@1")
    w_v_h0 = [0.3, -0.2, 0.4, -0.1]  # w_V0H0 .. w_V3H0 as in the file
    rule = sum(w * vk for w, vk in zip(w_v_h0, v)) - w_v_h0[2]
    assert math.isclose(exact(steps, "dE/dw_H0U0@1"), rule, rel_tol=1e-12)
    # batch learning: a total gradient is the sum of the two examples' gradients
    total = exact(steps, "dE/dw_V2H0@1") + exact(steps, "dE/dw_V2H0@2")
    assert math.isclose(exact(steps, "dE/dw_V2H0"), total, rel_tol=1e-12)


def test_iit_delta_rule(solve_json):
    """δ_out = (o − t)·o(1 − o), δ_hidden = o(1 − o)·Σ w_kj δ_k, dE/dw_ji = δ_j·o_i
    (bptutor's dE/dz is the lecture's −δ)."""
    doc = solve_json("delta-rule")
    assert doc["notation"] == "delta"
    steps = by_key(doc)
    o3, o4, o5 = (exact(steps, k) for k in ("o3", "o4", "o5"))
    d5 = (o5 - 1) * o5 * (1 - o5)
    assert math.isclose(exact(steps, "dE/dz(o5)"), d5, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dz(o3)"), o3 * (1 - o3) * 0.6 * d5, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dz(o4)"), o4 * (1 - o4) * -0.3 * d5, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dw53"), d5 * o3, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dw32"), exact(steps, "dE/dz(o3)") * 0.5,
                        rel_tol=1e-12)
    assert "dE/do3" not in steps  # delta notation has no dE/d(neuron) steps
    # rounded sheet: a one-line check of the published rounding rule on the output δ
    assert value(steps, "dE/dz(o5)") == -0.102


def test_iit_xor_batch(solve_json):
    doc = solve_json("xor")
    assert doc["round"] is None
    steps = by_key(doc)
    targets = [0, 1, 1, 0]
    outputs = [exact(steps, f"y@{k}") for k in range(1, 5)]
    # E = ½ Σ_p (t − o)², summed over the four patterns
    assert math.isclose(exact(steps, "E"),
                        sum(0.5 * (t - o) ** 2 for t, o in zip(targets, outputs)),
                        rel_tol=1e-12)
    # the hidden neurons differ on every pattern (weights are not symmetric)
    for k in range(1, 5):
        assert abs(exact(steps, f"h1@{k}") - exact(steps, f"h2@{k}")) > 0.01
    # the hidden layer's weights do move in one exact batch step
    assert abs(exact(steps, "new(W1[1,1])") - 0.5) > 1e-3


def test_ubc_two_hidden_layers_squared_cost(solve_json):
    steps = by_key(solve_json("two-hidden-multi-output"))
    y1, y2 = exact(steps, "y1"), exact(steps, "y2")
    assert math.isclose(exact(steps, "E"), (y1 - 1) ** 2 + (y2 - 0) ** 2, rel_tol=1e-12)
    assert math.isclose(exact(steps, "dE/dy1"), 2 * (y1 - 1), rel_tol=1e-12)
    for key in ("dE/dW1[1,1]", "dE/dW2[2,2]", "dE/dW3[1,2]", "new(W1[2,1])"):
        assert key in steps  # three weight matrices, all updated


def test_tu_darmstadt_multi_output_no_hidden_layer(solve_json):
    steps = by_key(solve_json("multi-output-perceptron"))
    assert not any(key.startswith("dE/dh") for key in steps)  # no hidden layer
    # each output's weights learn from that output's error only
    for j in (1, 2):
        y = exact(steps, f"y{j}")
        t = 1 if j == 1 else 0
        x = [1, 0.5, 0.2]
        for i in (1, 2, 3):
            assert math.isclose(exact(steps, f"dE/dW1[{j},{i}]"),
                                2 * (y - t) * y * (1 - y) * x[i - 1], rel_tol=1e-12)
