"""Grading in the dialects of SPEC §6: the seed lecture's delta rule (seed 004), its keys and
aliases, the diagnoses in delta_rule notation, and full marks for a right answers file.

Expected numbers are computed here from the sheet's own rounded inputs with the formulas the
lecture prints (δ = (t − o)·o(1 − o), Δw = η·δ·o_i, w ← w + Δw), or read from the seed.
"""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import PROBLEMS

from bptutor.model.rounding import round_half_up

LECTURE = PROBLEMS / "delta-rule-lecture.yaml"

DIALECTS = """\
bptutor: 1
title: every dialect at once
round: 3
notation: {notation}
loss: squared_error
learning_rate: 0.5
batch: mean
show: [slope, loss_terms, output_error, change, input_gradient]
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: tanh
      weights: [[0.5, -0.4], [0.3, 0.5]]
      weight_names: [[w1, w2], [w3, w1x]]
      threshold: 0.1
      threshold_names: t1
    - neurons: [y1, y2]
      activation: sigmoid
      weights: [[0.7, -0.2], [0.7, 0.1]]
      weight_names: [[v, u2], [v, u4]]
      bias: [0.2, -0.1]
examples:
  - input: [1, 0.5]
    target: [1, 0]
  - input: [0, 1]
    target: [0, 1]
"""


def by_key(doc: dict) -> dict:
    return {s["key"]: s for s in doc["steps"]}


def R(v: float, digits: int = 3) -> float:
    return round_half_up(v, digits)


def answers_file(tmp_path, problem, answers: dict, name: str = "answers.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"problem": str(problem), "answers": answers},
                                   sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def checked(run, path) -> dict:
    result = run("check", path, "--format", "json")
    return {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}


# -- seed 004: the lecture's delta rule ------------------------------------------------------------

def test_seed_sigmoid_delta_rule_by_hand(solve_json):
    """δ_j = (t_j − o_j)·o_j(1 − o_j) at the output, Σ w_kj·δ_k·o_j(1 − o_j) hidden,
    Δw_ji = η·δ_j·o_i, w ← w + Δw (seed lines 606–679), each rounded to 3 decimals."""
    steps = by_key(solve_json(LECTURE))
    v = {k: s["value"] for k, s in steps.items()}
    o3, o4, o5 = v["o3"], v["o4"], v["o5"]
    assert v["delta(o5)"] == R((1 - o5) * o5 * (1 - o5))
    assert v["delta(o3)"] == R(o3 * (1 - o3) * (0.6 * v["delta(o5)"]))
    assert v["delta(o4)"] == R(o4 * (1 - o4) * (-0.3 * v["delta(o5)"]))
    assert v["change(w53)"] == R(0.5 * v["delta(o5)"] * o3)
    assert v["change(w32)"] == R(0.5 * v["delta(o3)"] * 0.5)
    assert v["change(b5)"] == R(0.5 * v["delta(o5)"])
    assert v["new(w53)"] == R(0.6 + v["change(w53)"])
    assert v["delta(o5)"] > 0  # the target lies above the output: δ is positive
    kinds = {steps[k]["kind"] for k in ("delta(o3)", "delta(o5)")}
    assert kinds == {"delta"} and steps["change(w53)"]["kind"] == "change"


def test_seed_word2vec_weight_change_in_delta_rule(solve_json):
    """Heavy → rain: Δw_V2H0 = η(1 − v2)·o_H0 is positive and Δw_V1H0 = −η·v1·o_H0 negative
    (seed lines 363–393), with δ = t − v at a softmax output."""
    steps = by_key(solve_json(PROBLEMS / "word2vec.yaml", "--notation", "delta_rule",
                              "--exact"))
    h0 = steps["h0@1"]["exact"]
    v = [steps[f"v{k}@1"]["exact"] for k in range(4)]
    assert steps["delta(v2)@1"]["exact"] == pytest.approx(1 - v[2], rel=1e-12)
    assert steps["delta(v1)@1"]["exact"] == pytest.approx(-v[1], rel=1e-12)
    change_v2, change_v1 = steps["change(w_V2H0)@1"]["exact"], steps["change(w_V1H0)@1"]["exact"]
    assert change_v2 == pytest.approx(0.5 * (1 - v[2]) * h0, rel=1e-12)
    assert change_v1 == pytest.approx(-0.5 * v[1] * h0, rel=1e-12)
    assert change_v1 < 0 < change_v2
    assert not [k for k in steps if k.startswith("dE/dw")]


def test_seed_softmax_numbers_in_delta_rule(solve_json):
    """σ(1, 2, 3) = <.09, .24, .67> (seed line 157), and δ = t − y from them."""
    steps = by_key(solve_json(PROBLEMS / "softmax.yaml", "--notation", "delta_rule"))
    ys = [steps[k]["value"] for k in ("s1", "s2", "s3")]
    assert ys == [0.09, 0.24, 0.67]
    deltas = [k for k in steps if k.startswith("delta(")]
    assert len(deltas) == 3


def test_no_learning_rate_ends_at_the_deltas(solve_json, tmp_path):
    """Without η there is no Δw: a delta_rule sheet without a learning rate ends at the δs."""
    text = (PROBLEMS / "tanh-chain.yaml").read_text(encoding="utf-8")
    assert "learning_rate: 0.1" in text
    problem = tmp_path / "no-rate.yaml"
    problem.write_text(text.replace("learning_rate: 0.1", ""), encoding="utf-8")
    steps = by_key(solve_json(problem, "--notation", "delta_rule"))
    assert "delta(q)" in steps and "delta(y)" in steps
    assert {s["kind"] for s in steps.values()} == {"preactivation", "activation", "loss",
                                                   "delta"}
    with_rate = by_key(solve_json(PROBLEMS / "tanh-chain.yaml", "--notation", "delta_rule"))
    assert with_rate["new(u3)"]["kind"] == "update" and "change(u3)" in with_rate


# -- grading in delta_rule notation ---------------------------------------------------------------

def test_aliases_and_diagnoses_in_delta_rule(run, solve_json, tmp_path):
    steps = by_key(solve_json(LECTURE))
    v = {k: s["value"] for k, s in steps.items()}
    o5 = v["o5"]
    answers = {
        "δ(o5)": v["delta(o5)"],  # the lecture's own symbol and sign
        "delta(o3)": R(-v["delta(o3)"]),  # the dE/dz sign
        "delta(o4)": R(o4_without := (-0.3 * v["delta(o5)"])),  # σ′ left out
        "Δ(w53)": v["change(w53)"],
        "new(w53)": R(0.6 - v["change(w53)"]),  # w − Δw
    }
    assert o4_without != v["delta(o4)"] and 0 < o5 < 1
    items = checked(run, answers_file(tmp_path, LECTURE, answers))
    assert items["delta(o5)"]["verdict"] == "correct"
    assert items["change(w53)"]["verdict"] == "correct"
    assert (items["delta(o3)"]["verdict"], items["delta(o3)"].get("diagnosis")) == \
        ("wrong", "sign")
    assert (items["delta(o4)"]["verdict"], items["delta(o4)"].get("diagnosis")) == \
        ("wrong", "missing_derivative")
    assert "subtracts Δw" in items["new(w53)"]["message"]
    assert (items["new(w53)"]["verdict"], items["new(w53)"].get("diagnosis")) == \
        ("wrong", "update_sign")


@pytest.mark.parametrize("notation", ["activation", "delta", "delta_rule"])
def test_every_dialect_templates_and_scores_full_marks(run, solve_json, tmp_path, notation):
    problem = tmp_path / "dialects.yaml"
    problem.write_text(DIALECTS.format(notation=notation), encoding="utf-8")
    steps = by_key(solve_json(problem))
    for key in ("slope(h1)@1", "E(y1)@2", "e(y2)@1", "change(v)", "dE/dx2@2", "new(t1)"):
        assert key in steps, key
    template = tmp_path / "template.yaml"
    result = run("template", problem, "-o", template)
    assert result.exit_code == 0, result.stderr
    written = yaml.safe_load(template.read_text(encoding="utf-8"))
    assert list(written["answers"]) == list(steps)
    right = {key: step["value"] for key, step in steps.items()}
    result = run("check", answers_file(tmp_path, problem, right), "--format", "json")
    report = json.loads(result.stdout)["files"][0]
    assert result.exit_code == 0, [i for i in report["items"] if i["verdict"] != "correct"]
    assert report["score"] == report["max_score"] == len(steps)


def test_gradcheck_answers_checks_delta_rule_changes(run, solve_json, tmp_path):
    """A delta_rule sheet's Δw is −η·dE/dw: gradcheck --answers checks it so, against
    finite differences; a Δw with the wrong sign fails."""
    problem = PROBLEMS / "negnevitsky-xor.yaml"
    steps = by_key(solve_json(problem))
    changes = {k: s["value"] for k, s in steps.items() if s["kind"] == "change"}
    assert len(changes) == 9
    result = run("gradcheck", "--answers", answers_file(tmp_path, problem, changes),
                 "--format", "json")
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["passed"] is True
    assert [i["key"] for i in report["items"]] == list(changes)
    for item in report["items"]:  # numeric: −η·dE/dw of the exact gradient
        exact = steps[item["key"]]["exact"]
        assert abs(item["numeric"] - exact) < 1e-8 * max(1.0, abs(exact)), item
    flipped = dict(changes, **{"change(w13)": -changes["change(w13)"]})
    result = run("gradcheck", "--answers", answers_file(tmp_path, problem, flipped, "f.yaml"),
                 "--format", "json")
    items = {i["key"]: i for i in json.loads(result.stdout)["items"]}
    assert result.exit_code == 1 and items["change(w13)"]["verdict"] == "wrong"


def test_the_gradient_path_is_the_delta_rules_other_rounding_path(run, solve_json, tmp_path):
    """Han & Kamber round Δw on its own (3 decimals); the same Δw as −η·dE/dw with dE/dw
    rounded first (activation notation with its Δw steps) is a legitimate path: accepted."""
    problem = PROBLEMS / "han-kamber.yaml"
    rule = by_key(solve_json(problem))
    path = by_key(solve_json(problem, "--notation", "activation"))
    grad = path["dE/dw46"]["value"]
    other = R(-0.9 * grad)  # −η·dE/dw, from the rounded gradient
    assert other != rule["change(w46)"]["value"]
    items = checked(run, answers_file(tmp_path, problem, {"change(w46)": other}))
    assert items["change(w46)"]["verdict"] == "accepted"
    assert "activation-notation rounding path" in items["change(w46)"]["message"]
