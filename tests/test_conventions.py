"""The bundled problems of SPEC §6's dialects: published numbers come out to the digit, and
each is solved, templated, checked and gradchecked through the real command line."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import PROBLEMS

# Han, Kamber and Pei's worked example: outputs at 3 decimals, errors at 4 (mixed precision),
# delta rule with w ← w + l·Err·O. Every number the book prints.
HAN_KAMBER = {
    "z(O6)": -0.105, "O4": 0.332, "O5": 0.525, "O6": 0.474,
    "delta(O6)": 0.1311, "delta(O5)": -0.0065, "delta(O4)": -0.0087,
    "new(w46)": -0.261, "new(w56)": -0.138, "new(w14)": 0.192, "new(w15)": -0.306,
    "new(w24)": 0.4, "new(w25)": 0.1, "new(w34)": -0.508, "new(w35)": 0.194,
    "new(theta6)": 0.218, "new(theta5)": 0.194, "new(theta4)": -0.408,
}

# Negnevitsky's XOR example: thresholds (X = Σ x·w − θ), e = y_d − y, 4 decimals.
NEGNEVITSKY = {
    "y3": 0.5250, "y4": 0.8808, "y5": 0.5097, "e(y5)": -0.5097, "delta(y5)": -0.1274,
    "change(w35)": -0.0067, "change(w45)": -0.0112, "change(theta5)": 0.0127,
    "delta(y3)": 0.0381, "delta(y4)": -0.0147,
    "change(w13)": 0.0038, "change(w23)": 0.0038, "change(theta3)": -0.0038,
    "change(w14)": -0.0015, "change(w24)": -0.0015, "change(theta4)": 0.0015,
    "new(w13)": 0.5038, "new(w14)": 0.8985, "new(w23)": 0.4038, "new(w24)": 0.9985,
    "new(w35)": -1.2067, "new(w45)": 1.0888,
    "new(theta3)": 0.7962, "new(theta4)": -0.0985, "new(theta5)": 0.3127,
}

# Mazur's step-by-step example, unrounded: the post's 9 significant digits.
MAZUR = {
    "z(h1)": 0.3775, "h1": 0.593269992, "h2": 0.596884378, "z(o1)": 1.105905967,
    "o1": 0.75136507, "o2": 0.772928465, "E": 0.298371109, "dE/dw5": 0.082167041,
    "new(w5)": 0.35891648, "new(w6)": 0.408666186, "new(w7)": 0.511301270,
    "new(w8)": 0.561370121, "new(w1)": 0.149780716, "new(w2)": 0.19956143,
    "new(w3)": 0.24975114, "new(w4)": 0.29950229,
}

DIALECT_PROBLEMS = ["han-kamber", "negnevitsky-xor", "mazur-shared-bias", "delta-rule-lecture"]


def steps(solve_json, name: str, *options: str) -> dict:
    return {s["key"]: s for s in solve_json(PROBLEMS / f"{name}.yaml", *options)["steps"]}


@pytest.mark.parametrize("name, published", [("han-kamber", HAN_KAMBER),
                                             ("negnevitsky-xor", NEGNEVITSKY)])
def test_rounded_textbook_numbers_to_the_digit(solve_json, name, published):
    sheet = steps(solve_json, name)
    wrong = {k: (sheet[k]["value"], v) for k, v in published.items()
             if abs(sheet[k]["value"] - v) > 1e-12}
    assert not wrong


def test_mixed_precision_is_per_kind(solve_json):
    sheet = steps(solve_json, "han-kamber")
    # a δ keeps 4 decimals where an activation keeps 3
    assert sheet["delta(O6)"]["kind"] == "delta" and sheet["O6"]["kind"] == "activation"
    assert round(sheet["delta(O6)"]["value"], 4) == sheet["delta(O6)"]["value"]
    assert round(sheet["delta(O6)"]["value"], 3) != sheet["delta(O6)"]["value"]


def test_mazur_shared_bias_exact_numbers(solve_json):
    sheet = steps(solve_json, "mazur-shared-bias")
    for key, published in MAZUR.items():
        assert abs(sheet[key]["exact"] - published) < 6e-9 * max(1, abs(published)), key
    # one bias per layer, updated by no step (the post updates weights only)
    assert "dE/db1" in sheet and "new(b1)" not in sheet and "new(w1)" in sheet
    # its gradient is the sum of its contributions: dE/dz(h1) + dE/dz(h2)
    delta = steps(solve_json, "mazur-shared-bias", "--notation", "delta")
    total = delta["dE/dz(h1)"]["exact"] + delta["dE/dz(h2)"]["exact"]
    assert abs(sheet["dE/db1"]["exact"] - total) < 1e-15


def test_lecture_delta_rule_is_minus_dE_dz_step_for_step(solve_json):
    rule = steps(solve_json, "delta-rule-lecture")
    plain = steps(solve_json, "delta-rule")
    for neuron in ("o3", "o4", "o5"):
        assert rule[f"delta({neuron})"]["exact"] == pytest.approx(
            -plain[f"dE/dz({neuron})"]["exact"], rel=1e-15, abs=1e-18)
        assert rule[f"delta({neuron})"]["value"] == -plain[f"dE/dz({neuron})"]["value"]
    for key, step in plain.items():  # Δw is rounded before it is added: exact values agree
        if step["kind"] == "update":
            assert rule[key]["exact"] == pytest.approx(step["exact"], rel=1e-15), key
    assert not any(k.startswith("dE/dw") for k in rule)


def _right_answers(sheet: dict) -> dict:
    return {key: step["value"] for key, step in sheet.items()}


def _answers_file(tmp_path, name: str, answers: dict):
    path = tmp_path / f"{name}-answers.yaml"
    path.write_text(yaml.safe_dump({"problem": name, "answers": answers}, sort_keys=False,
                                   allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", DIALECT_PROBLEMS)
def test_template_reads_back_and_right_answers_score_full_marks(run, solve_json, tmp_path,
                                                                name):
    sheet = steps(solve_json, name)
    template = tmp_path / "template.yaml"
    result = run("template", PROBLEMS / f"{name}.yaml", "-o", template)
    assert result.exit_code == 0, result.stderr
    keys = list(yaml.safe_load(template.read_text(encoding="utf-8"))["answers"])
    assert keys == list(sheet)
    answers = _answers_file(tmp_path, name, _right_answers(sheet))
    result = run("check", answers, "--format", "json")
    report = json.loads(result.stdout)["files"][0]
    assert result.exit_code == 0, [i for i in report["items"] if i["verdict"] != "correct"]
    assert report["score"] == report["max_score"] == len(sheet)


def _items(run, path) -> dict:
    result = run("check", path, "--format", "json")
    return {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}


def test_textbook_sign_is_correct_and_the_other_sign_is_diagnosed(run, solve_json, tmp_path):
    delta = steps(solve_json, "delta-rule-lecture")["delta(o5)"]["value"]
    # written δ(o5) with the lecture's sign, (t − o)·o(1 − o)
    right = _items(run, _answers_file(tmp_path, "delta-rule-lecture", {"δ(o5)": delta}))
    assert right["delta(o5)"]["verdict"] == "correct"
    # the dE/dz sign of the other notations is the known sign mistake here
    flipped = _items(run, _answers_file(tmp_path, "delta-rule-lecture", {"delta(o5)": -delta}))
    assert flipped["delta(o5)"]["verdict"] == "wrong"
    assert flipped["delta(o5)"]["diagnosis"] == "sign"


@pytest.mark.parametrize("name", DIALECT_PROBLEMS)
def test_gradcheck_passes(run, name):
    result = run("gradcheck", PROBLEMS / f"{name}.yaml", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["passed"] is True


@pytest.mark.parametrize("name", DIALECT_PROBLEMS)
@pytest.mark.parametrize("fmt", ["rich", "markdown", "latex"])
def test_every_format_renders(run, name, fmt):
    result = run("solve", PROBLEMS / f"{name}.yaml", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
