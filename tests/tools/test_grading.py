"""Grading answers files (SPEC §2–§5): verdicts, diagnoses, input forms, `check` and `template`.

Every expected number here is computed by the test, from the worksheet's rounded values and
hand-written formulas, or by recomputing a step with the student's own numbers
(``Step.compute``). Only the generated-problem self-test walks the grader's own mistake
variants (``grading.mistakes``), to check that none of them is ever pinned on a right value.
Answers files are real YAML files in tmp_path, read by ``bptutor.files.answers.load``; many go
through the real command line (``typer.testing.CliRunner``).

"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import bptutor.cli
from bptutor.errors import BptutorError, Mark
from bptutor.files import answers
from bptutor.files.problems import bundled_names, load
from bptutor.model import paper
from bptutor.model.rounding import show_given
from bptutor.sheet.worksheet import solve
from bptutor.tools.grading import Grader, mistakes

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"
TANH = PROBLEMS / "tanh-chain.yaml"
DELTA_RULE = PROBLEMS / "delta-rule.yaml"
XOR = PROBLEMS / "xor.yaml"

EARNS = ("correct", "accepted", "follow_through")
ITEM_KEYS = ["key", "given", "expected", "exact", "verdict", "message"]

# SPEC §3: the exercise sheet's published numbers (round 2, activation notation).
SHEET = {"y": "-0.94", "dE/dy": "-3.88", "dE/dp1": "-0.09", "dE/dp2": "2.26", "dE/dq": "-1.07",
         "dE/dw1": "0.24"}


# -- helpers -------------------------------------------------------------------------------------

def other_notation(notation: str) -> str:
    return "delta" if notation == "activation" else "activation"


def unit_of(sheet, key: str) -> float:
    """One unit of the last required digit (SPEC §4), computed here."""
    digits = sheet.rounding.digits
    if digits is not None:
        return 10.0 ** -digits
    exact = abs(sheet.exact[key])
    return 1e-3 if exact == 0 else 10.0 ** (math.floor(math.log10(exact)) - 2)


def close(a: float, b: float, unit: float) -> bool:
    return abs(a - b) < 0.51 * unit


def show(sheet, value: float) -> str:
    """A number as a student writes it at the sheet's precision."""
    if sheet.rounding.digits is None:
        return repr(value)
    return sheet.rounding.show(value)


def reference(sheet) -> dict[str, str]:
    return {step.key: show(sheet, sheet.values[step.key]) for step in sheet.steps}


def write_answers(path: Path, problem, values: dict, student: str | None = None) -> Path:
    """An answers file; keys double-quoted (valid YAML for any key), values as plain text."""
    lines = [f"problem: {json.dumps(str(problem))}"]
    if student:
        lines.append(f"student: {student}")
    lines.append("answers:")
    for key, value in values.items():
        text = "" if value is None else str(value)
        lines.append(f"  {json.dumps(key, ensure_ascii=False)}: {text}".rstrip())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def grade(sheet, path: Path, only: str | None = None):
    return Grader(sheet).grade(answers.load(path), only)


def items(report) -> dict:
    return {item.key: item for item in report.items}


def check(*args, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(bptutor.cli.app, ["check", *map(str, args)], env=env)


@pytest.fixture(scope="module")
def tanh():
    return solve(load(TANH))


# -- 1. the seed sheet, full marks, the JSON shape ------------------------------------------------

def test_seed_sheet_numbers_are_graded_correct(tanh, tmp_path):
    for key, text in SHEET.items():
        assert tanh.values[key] == float(text), key
    report = grade(tanh, write_answers(tmp_path / "seed.yaml", TANH, SHEET))
    graded = items(report)
    for key, text in SHEET.items():
        assert graded[key].verdict == "correct", (key, graded[key].message)
        assert graded[key].given == float(text)
        assert graded[key].diagnosis is None and graded[key].because is None
    assert report.score == len(SHEET)
    assert report.max_score == len(tanh.steps)
    missing = [i.key for i in report.items if i.verdict == "missing"]
    assert len(missing) == len(tanh.steps) - len(SHEET)


def test_every_reference_value_gets_full_marks_and_spec_json(tanh, tmp_path):
    path = write_answers(tmp_path / "full.yaml", TANH, reference(tanh), student="Ada")
    report = grade(tanh, path)
    assert [i.key for i in report.items] == [s.key for s in tanh.steps]
    assert all(i.verdict == "correct" for i in report.items)
    assert report.score == report.max_score == len(tanh.steps) == 27

    result = check(path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc) == ["files"] and len(doc["files"]) == 1
    entry = doc["files"][0]
    # SPEC's keys first; then the file's status and the problem it was marked against
    assert list(entry) == ["path", "score", "max_score", "items", "status", "problem"]
    assert entry["path"] == str(path) and entry["status"] == "marked"
    digest = hashlib.sha256(TANH.read_bytes()).hexdigest()[:12]
    assert entry["problem"] == {"name": str(TANH), "sha256": digest}
    assert entry["score"] == entry["max_score"] == 27
    assert [item["key"] for item in entry["items"]] == [s.key for s in tanh.steps]
    for item in entry["items"]:
        assert list(item) == ITEM_KEYS  # no diagnosis / because where they do not apply
        assert item["verdict"] == "correct"
        assert item["given"] == item["expected"] == tanh.values[item["key"]]
        assert item["exact"] == pytest.approx(tanh.exact[item["key"]], abs=1e-12)


def test_json_items_carry_diagnosis_and_because_only_where_they_apply(tanh, tmp_path):
    # z(q) wrong, q right from it (follow-through), dE/dw1 with its sign flipped, rest missing
    path = write_answers(tmp_path / "mixed.yaml", TANH,
                         {"z(q)": "-0.70", "q": "-0.60", "dE/dw1": "-0.24", "dE/dq": "abc"})
    result = check(path, "--format", "json")
    assert result.exit_code == 1, result.stderr
    entry = json.loads(result.stdout)["files"][0]
    assert entry["score"] == 1 and entry["max_score"] == 27
    by_key = {item["key"]: item for item in entry["items"]}
    assert list(by_key["z(q)"]) == ITEM_KEYS and by_key["z(q)"]["verdict"] == "wrong"
    assert list(by_key["q"]) == [*ITEM_KEYS, "because"]
    assert (by_key["q"]["verdict"], by_key["q"]["because"]) == ("follow_through", "z(q)")
    assert list(by_key["dE/dw1"]) == [*ITEM_KEYS, "diagnosis"]
    assert (by_key["dE/dw1"]["verdict"], by_key["dE/dw1"]["diagnosis"]) == ("wrong", "sign")
    assert by_key["dE/dq"]["verdict"] == "invalid" and by_key["dE/dq"]["given"] == "abc"
    assert by_key["y"]["verdict"] == "missing" and by_key["y"]["given"] is None
    assert by_key["y"]["expected"] == -0.94


def test_only_narrows_max_score(tanh, tmp_path):
    path = write_answers(tmp_path / "full.yaml", TANH, reference(tanh))
    for only, sections in (("forward", ("forward", "loss")), ("backward", ("backward",)),
                           ("update", ("update",))):
        report = grade(tanh, path, only)
        keys = [s.key for s in tanh.steps if s.section in sections]
        assert [i.key for i in report.items] == keys
        assert report.score == report.max_score == len(keys)
    result = check(path, "--only", "update", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["files"][0]["max_score"] == 7


# -- 2. accepted: exact value, one unit, the other notation's rounding path -----------------------

def test_exact_value_is_accepted(tanh, tmp_path):
    assert tanh.values["dE/dq"] == -1.07 and round(tanh.exact["dE/dq"], 2) == -1.13
    item = items(grade(tanh, write_answers(tmp_path / "a.yaml", TANH, {"dE/dq": "-1.13"})))
    assert item["dE/dq"].verdict == "accepted"
    assert "exact" in item["dE/dq"].message
    assert item["dE/dq"].diagnosis is None


def test_one_unit_off_is_accepted(tanh, tmp_path):
    # y = -0.95: one unit from -0.94, not the exact -0.9365 at 2 decimals, and the delta
    # notation has y = -0.94 too: only "within one unit" can accept it.
    other = solve(load(TANH), "file", "delta")
    assert not close(-0.95, tanh.exact["y"], 0.01) and other.values["y"] == -0.94
    # dE/dw1 = 0.25 is one unit off too (and happens to be the exact 0.2550 at 2 decimals)
    path = write_answers(tmp_path / "a.yaml", TANH, {"y": "-0.95", "dE/dw1": "0.25"})
    graded = items(grade(tanh, path))
    assert graded["y"].verdict == "accepted"
    assert "one unit" in graded["y"].message
    assert graded["dE/dw1"].verdict == "accepted"
    assert "one unit" in graded["dE/dw1"].message or "exact" in graded["dE/dw1"].message


def _notation_path_case():
    """A bundled problem, precision and key where the other notation's rounded value is at
    least 2 units from this one's and not the exact value at that precision."""
    for name in bundled_names():
        net = load(name)
        for digits in ("file", 1, 2, 3, 4):
            for notation in ("activation", "delta"):
                sheet = solve(net, digits, notation)
                d = sheet.rounding.digits
                if d is None:
                    continue
                other = solve(net, digits, other_notation(notation))
                u = 10.0 ** -d
                for step in sheet.steps:
                    theirs = other.values.get(step.key)
                    if theirs is None or step.key in other.givens:
                        continue
                    if abs(theirs - sheet.values[step.key]) > 1.5 * u and \
                            abs(theirs - sheet.exact[step.key]) > 0.6 * u:
                        return name, sheet, step.key, theirs
    return None


def test_other_notation_rounding_path_is_accepted(tmp_path):
    case = _notation_path_case()
    assert case is not None, "no bundled problem has a notation-dependent rounding path"
    name, sheet, key, theirs = case
    text = sheet.rounding.show(theirs)
    item = items(grade(sheet, write_answers(tmp_path / "a.yaml", name, {key: text})))[key]
    assert item.verdict == "accepted", (name, key, text, item.message)
    assert f"{other_notation(sheet.notation)}-notation" in item.message
    assert item.diagnosis is None


# -- 3. follow-through ----------------------------------------------------------------------------

def _carry_forward(sheet, key: str, value: float) -> tuple[dict, dict]:
    """A student's numbers: ``key`` written as ``value``, every later step recomputed from the
    student's own numbers (``step.compute`` over the reference overlaid with them)."""
    R = sheet.rounding
    own = dict(sheet.values)
    own[key] = value
    written = {key: R.show(value)}
    start = [s.key for s in sheet.steps].index(key)
    for step in sheet.steps[start + 1:]:
        own[step.key] = step.compute(own, R)
        written[step.key] = R.show(own[step.key])
    return own, written


def test_follow_through_from_a_wrong_preactivation(tanh, tmp_path):
    own, written = _carry_forward(tanh, "z(q)", -0.70)
    other = solve(load(TANH), "file", "delta")
    report = grade(tanh, write_answers(tmp_path / "ft.yaml", TANH, written))
    graded = items(report)
    assert graded["z(q)"].verdict == "wrong"
    followed = 0
    for step in tanh.steps[1:]:
        key, mine, item = step.key, own[step.key], graded[step.key]
        assert item.verdict in EARNS, (key, mine, item.verdict, item.message)
        legitimate = (abs(mine - tanh.values[key]) < 1.01 * 0.01
                      or close(mine, tanh.exact[key], 0.01)
                      or (key in other.values and close(mine, other.values[key], 0.01)))
        if not legitimate:
            assert item.verdict == "follow_through", (key, mine, item.message)
        if item.verdict == "follow_through":
            followed += 1
            assert item.because == "z(q)", (key, item.message)
            assert item.diagnosis is None
        else:
            assert item.because is None
    assert followed >= 15
    assert report.score == report.max_score - 1


def test_follow_through_is_the_reason_even_where_a_rounding_path_also_matches(tanh, tmp_path):
    # z(q) = -0.96 carries forward to y = -0.95, one unit from -0.94, and on to E, dE/dy, ...:
    # y is right *because* it follows from the student's own numbers (it was labelled a
    # rounding path), and the key at fault for all of them is still z(q) (SPEC §4).
    own, written = _carry_forward(tanh, "z(q)", -0.96)
    assert own["y"] == -0.95 and not close(-0.95, tanh.exact["y"], 0.01)
    graded = items(grade(tanh, write_answers(tmp_path / "ft.yaml", TANH, written)))
    assert graded["z(q)"].verdict == "wrong"
    assert graded["y"].verdict == "follow_through"
    assert graded["y"].message.startswith("follow-through: your inputs differ from the sheet's")
    assert graded["E"].verdict == "follow_through"  # E = (1 + 0.95)² = 3.80, not 3.76
    blamed = {key: item.because for key, item in graded.items()
              if item.verdict == "follow_through"}
    assert len(blamed) >= 15
    assert blamed == {key: "z(q)" for key in blamed}


# -- 4. diagnoses, one per code -------------------------------------------------------------------

def _tanh_mistake(code: str, v: dict, R) -> tuple[str, float]:
    """(key, the value a student making this mistake writes), by hand from rounded values."""
    eta = 0.1
    if code == "sign":
        return "dE/dw1", -v["dE/dw1"]
    if code == "factor2":  # squared error: 2(y − t); the student writes (y − t)
        return "dE/dy", R(v["y"] - 1)
    if code == "missing_derivative":  # dE/dw1 = dE/dy · p1, without tanh′
        return "dE/dw1", R(v["dE/dy"] * v["p1"])
    if code == "missing_derivative_hidden":  # dE/dp2 = dE/dy · w2, without tanh′
        return "dE/dp2", R(v["dE/dy"] * -5)
    if code == "derivative_at_activation":  # tanh′ as 1 − tanh²(y), y being the activation
        return "dE/dw1", R(v["dE/dy"] * (1 - math.tanh(v["y"]) ** 2) * v["p1"])
    if code == "wrong_activation_derivative":  # σ′'s a(1 − a) for a tanh unit
        return "dE/dw1", R(v["dE/dy"] * v["y"] * (1 - v["y"]) * v["p1"])
    if code == "missing_term":  # dE/dq with only its p2 term (rounded as on the sheet)
        return "dE/dq", R(R(v["dE/dp2"] * (1 - v["p2"] ** 2) * -0.5))
    if code == "missing_term_p2":  # dE/dq with only its p1 term
        return "dE/dq", R(R(v["dE/dp1"] * (1 - v["p1"] ** 2) * 0.9))
    if code == "update_sign":
        return "new(v2)", R(-0.5 + eta * v["dE/dv2"])
    if code == "decimal_shift":
        return "dE/dp2", R(10 * v["dE/dp2"])
    if code == "sign_on_error":
        return "dE/dp2", R(-v["dE/dp2"])
    raise KeyError(code)


TANH_CASES = [
    ("sign", "sign"), ("sign_on_error", "sign"), ("factor2", "factor2"),
    ("missing_derivative", "missing_derivative"),
    ("missing_derivative_hidden", "missing_derivative"),
    ("derivative_at_activation", "derivative_at_activation"),
    ("wrong_activation_derivative", "wrong_activation_derivative"),
    ("missing_term", "missing_term"), ("missing_term_p2", "missing_term"),
    ("update_sign", "update_sign"),
    ("decimal_shift", "decimal_shift"),
]


@pytest.mark.parametrize(("case", "code"), TANH_CASES)
def test_each_diagnosis_on_the_tanh_sheet(tanh, tmp_path, case, code):
    key, value = _tanh_mistake(case, tanh.values, tanh.rounding)
    assert abs(value - tanh.values[key]) > 1.5 * 0.01  # differs at 2 decimals
    written = reference(tanh)
    written[key] = tanh.rounding.show(value)
    report = grade(tanh, write_answers(tmp_path / "m.yaml", TANH, written))
    item = items(report)[key]
    assert item.verdict == "wrong", (key, value, item.message)
    assert item.diagnosis == code, (key, value, item.diagnosis, item.message)
    assert item.message
    others = [i for i in report.items if i.key != key]
    assert all(i.verdict == "correct" and i.diagnosis is None for i in others)
    assert report.score == report.max_score - 1


def _sigmoid_mistake(case: str, v: dict, R) -> tuple[str, float]:
    """delta-rule.yaml: sigmoid units, ½ squared error, delta notation, round 3, η = 0.5."""
    o5, t = v["o5"], 1.0
    if case == "missing_derivative":  # δ5 = (o5 − t) without σ′
        return "dE/dz(o5)", R(o5 - t)
    if case == "missing_derivative_hidden":  # δ3 = w53·δ5 without σ′
        return "dE/dz(o3)", R(0.6 * v["dE/dz(o5)"])
    if case == "derivative_at_activation":  # σ′ as σ(o5)(1 − σ(o5))
        s = 1 / (1 + math.exp(-o5))
        return "dE/dz(o5)", R((o5 - t) * s * (1 - s))
    if case == "wrong_activation_derivative":  # tanh′'s 1 − a² for a sigmoid unit
        return "dE/dz(o5)", R((o5 - t) * (1 - o5 ** 2))
    if case == "factor2_added":  # ½ squared error, the student writes 2(o5 − t)
        return "dE/dz(o5)", R(2 * (o5 - t) * o5 * (1 - o5))
    if case == "update_sign":
        return "new(w31)", R(0.2 + 0.5 * v["dE/dw31"])
    raise KeyError(case)


SIGMOID_CASES = [
    ("missing_derivative", "missing_derivative"),
    ("missing_derivative_hidden", "missing_derivative"),
    ("derivative_at_activation", "derivative_at_activation"),
    ("wrong_activation_derivative", "wrong_activation_derivative"),
    ("factor2_added", "factor2"), ("update_sign", "update_sign"),
]


@pytest.mark.parametrize(("case", "code"), SIGMOID_CASES)
def test_each_diagnosis_on_a_sigmoid_sheet(tmp_path, case, code):
    sheet = solve(load(DELTA_RULE))
    assert (sheet.rounding.digits, sheet.notation) == (3, "delta")
    key, value = _sigmoid_mistake(case, sheet.values, sheet.rounding)
    assert abs(value - sheet.values[key]) > 1.5 * 0.001
    item = items(grade(sheet, write_answers(tmp_path / "m.yaml", DELTA_RULE,
                                            {key: sheet.rounding.show(value)})))[key]
    assert item.verdict == "wrong", (key, value, item.message)
    assert item.diagnosis == code, (key, value, item.diagnosis, item.message)


def test_no_diagnosis_when_the_mistake_changes_nothing(tanh, tmp_path):
    # dE/du2 = dE/dq·tanh′·x2 = 0 (x2 = 0): flipping its sign gives the right value again
    assert tanh.values["dE/du2"] == 0.0
    item = items(grade(tanh, write_answers(tmp_path / "z.yaml", TANH, {"dE/du2": "-0.00"})))
    assert item["dE/du2"].verdict == "correct" and item["dE/du2"].diagnosis is None


# -- 5. precision ------------------------------------------------------------------------------

def test_precision_hint_for_too_few_decimals(tanh, tmp_path):
    # -1.1 is 3 units from -1.07 and 2.97 from the exact -1.1297: not right at 2 decimals
    path = write_answers(tmp_path / "p.yaml", TANH, {"dE/dq": "-1.1", "dE/dw2": "-0.20"})
    graded = items(grade(tanh, path))
    assert graded["dE/dq"].verdict == "wrong"
    assert "decimals" in graded["dE/dq"].message and "2" in graded["dE/dq"].message
    # a wrong value written with enough decimals gets no such hint
    assert graded["dE/dw2"].verdict == "wrong"
    assert "decimals" not in graded["dE/dw2"].message



def test_no_precision_hint_for_a_number_that_is_not_the_answer_cut_short(tanh, tmp_path):
    # q = -0.66: -0.7 is it at 1 decimal (hint), -0.5 is simply wrong (no hint)
    for text, hinted in (("-0.7", True), ("-0.5", False)):
        path = write_answers(tmp_path / "p.yaml", TANH, {"q": text})
        item = items(grade(tanh, path))["q"]
        assert item.verdict == "wrong"
        assert ("write 2 decimals" in item.message) is hinted, (text, item.message)


def test_trailing_zero_keeps_its_decimals(tanh, tmp_path):
    path = write_answers(tmp_path / "p.yaml", TANH, {"dE/du1": "-0.60", "dE/du3": "-0.6"})
    loaded = answers.load(path)
    assert loaded.answers["dE/du1"].text == "-0.60"
    assert loaded.answers["dE/du1"].value == -0.6 and loaded.answers["dE/du1"].decimals == 2
    assert loaded.answers["dE/du3"].decimals == 1
    graded = items(Grader(tanh).grade(loaded))
    assert graded["dE/du1"].verdict == "correct" and graded["dE/du3"].verdict == "correct"
    assert "decimals" not in graded["dE/du3"].message  # right values need no hint


def test_precision_hint_without_rounding(tmp_path):
    sheet = solve(load(XOR))  # no round: graded to 3 significant figures
    assert sheet.rounding.digits is None
    assert abs(0.6 - sheet.values["y@1"]) > 10 * unit_of(sheet, "y@1")  # 0.5616: not right
    item = items(grade(sheet, write_answers(tmp_path / "p.yaml", XOR, {"y@1": "0.6"})))["y@1"]
    assert item.verdict == "wrong"
    assert re.search(r"significant|figures|digits", item.message), item.message


# -- 6. input forms -----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "text", "value", "verdicts"), [
    ("q", "−0.66", -0.66, ("correct",)),  # Unicode minus
    ("q", "-66e-2", -0.66, ("correct",)),
    ("dE/du2", "1e-3", 0.001, ("correct",)),
    ("dE/dw1", "6/25", 0.24, ("correct",)),
    ("q", "-33/50", -0.66, ("correct",)),
    ("q", "-2/3", -2 / 3, EARNS),  # -0.667: within a unit of -0.66, and the exact -0.664
])
def test_number_forms(tanh, tmp_path, key, text, value, verdicts):
    item = items(grade(tanh, write_answers(tmp_path / "n.yaml", TANH, {key: text})))[key]
    assert item.given == pytest.approx(value, abs=1e-12)
    assert item.verdict in verdicts, item.message


@pytest.mark.parametrize(("written", "key", "text"), [
    ("∂E/∂q", "dE/dq", "-1.07"),
    ("a(q)", "q", "-0.66"),
    ("w1'", "new(w1)", "0.18"),
    ("w1+", "new(w1)", "0.18"),
])
def test_key_aliases(tanh, tmp_path, written, key, text):
    path = tmp_path / "k.yaml"
    path.write_text(f"problem: tanh-chain\nanswers:\n  {written}: {text}\n", encoding="utf-8")
    report = grade(tanh, path)
    graded = items(report)
    assert graded[key].verdict == "correct", graded[key].message
    assert report.score == 1 and report.max_score == len(tanh.steps)
    assert not [i for i in report.items if i.verdict == "unknown"]


def test_invalid_missing_and_unknown(tanh, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("problem: tanh-chain\nanswers:\n  q: abc\n  z(q):\n  dE/dqq: -1.07\n"
                    "  dE/dy: -3.88\n", encoding="utf-8")
    report = grade(tanh, path)
    graded = items(report)
    assert graded["q"].verdict == "invalid" and graded["q"].given == "abc"
    assert graded["z(q)"].verdict == "missing" and graded["z(q)"].given is None
    assert graded["dE/dqq"].verdict == "unknown"
    assert "did you mean 'dE/dq'" in graded["dE/dqq"].message
    assert graded["dE/dy"].verdict == "correct"
    assert report.max_score == len(tanh.steps)  # the unknown key is not counted
    assert report.score == 1
    result = check(path, "--format", "json")
    assert result.exit_code == 1
    entry = json.loads(result.stdout)["files"][0]
    assert entry["max_score"] == 27 and entry["score"] == 1
    unknown = [i for i in entry["items"] if i["verdict"] == "unknown"]
    assert [i["key"] for i in unknown] == ["dE/dqq"]


def test_quoted_empty_value_is_missing(tanh, tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text('problem: tanh-chain\nanswers:\n  q: ""\n', encoding="utf-8")
    item = items(grade(tanh, path))["q"]
    assert item.verdict == "missing" and item.given is None


@pytest.mark.parametrize("text", ["1e999", "-1e999", ".inf", "-.inf", ".nan", "9" * 400,
                                  "9" * 400 + "/1", "1" * 5000 + "/3", "1e" + "9" * 5000,
                                  "1e-99999999", "2/0"])
def test_a_number_beyond_the_float_range_is_one_invalid_answer(tanh, tmp_path, text):
    # SPEC §4: only that item is invalid; the file is still read and the rest marked
    path = tmp_path / "huge.yaml"
    path.write_text(f"problem: tanh-chain\nanswers:\n  q: -0.66\n  dE/dq: {text}\n",
                    encoding="utf-8")
    result = check(path, "--format", "json")
    assert result.exit_code == 1, result.stderr
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert (graded["dE/dq"]["verdict"], graded["dE/dq"]["given"]) == ("invalid", text)
    assert graded["q"]["verdict"] == "correct"


def test_read_number_keeps_the_float_range():
    assert answers.read_number("1e308") == (1e308, 0)
    assert answers.read_number("-1e-320") == (-1e-320, 320)
    assert answers.read_number("1e999") is None
    assert answers.read_number("9" * 100_000 + "x") is None  # no quadratic backtracking


@pytest.mark.parametrize("problem, words", [
    ('"a\\0.yaml"', "'a\\x00.yaml' as a problem file: a file name cannot hold a NUL character"),
    ("x" * 300, "as a problem file: File name too long"),
])
def test_a_problem_name_no_file_can_have(tmp_path, problem, words):
    # both were tracebacks (ValueError from open(), OSError from Path.exists())
    path = tmp_path / "n.yaml"
    path.write_text(f"problem: {problem}\nanswers:\n  q: -0.66\n", encoding="utf-8")
    result = check(path)
    assert result.exit_code == 2
    assert re.match(rf"{re.escape(str(path))}:1:10: error: cannot use .*{re.escape(words)}",
                    result.stderr), result.stderr


def test_own_numbers_that_leave_a_step_undefined(tmp_path):
    # the student's y = -0.5 makes ln y undefined when E is recomputed from it for
    # follow-through: E is simply wrong (it was a traceback)
    path = tmp_path / "lr.yaml"
    path.write_text("problem: logistic-regression\nanswers:\n  y: -0.5\n  E: 0.7\n"
                    "  dE/dy: 2.000\n", encoding="utf-8")
    result = check(path, "--format", "json")
    assert result.exit_code == 1, result.stderr
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert (graded["y"]["verdict"], graded["y"]["diagnosis"]) == ("wrong", "sign")
    assert graded["E"]["verdict"] == "wrong" and "because" not in graded["E"]
    # dE/dy = -1/y from the student's own y is 2: follow-through, blamed on y
    assert (graded["dE/dy"]["verdict"], graded["dE/dy"]["because"]) == ("follow_through", "y")


def test_answers_in_the_other_notation_are_graded_in_it(tanh, tmp_path):
    delta = solve(load(TANH), "file", "delta")
    path = write_answers(tmp_path / "d.yaml", TANH, reference(delta))
    report = grade(tanh, path)
    assert report.sheet.notation == "delta"
    assert [i.key for i in report.items] == [s.key for s in delta.steps]
    assert report.score == report.max_score == len(delta.steps)
    assert check(path).exit_code == 0


# -- 7. self-test over generated problems ---------------------------------------------------------

ACTS = ("tanh", "sigmoid", "relu", "identity")
LOSS_NAMES = ("squared_error", "half_squared_error", "binary_cross_entropy")


def _random_problem(rng: random.Random) -> dict:
    def number() -> float:
        return rng.choice([-1, 1]) * rng.randint(1, 10) / 10

    loss = rng.choice(LOSS_NAMES)
    n_in = rng.randint(1, 3)
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(0, 2))] + [rng.randint(1, 2)]
    layers, prev = [], n_in
    for i, size in enumerate(sizes):
        last = i == len(sizes) - 1
        act = "sigmoid" if last and loss == "binary_cross_entropy" else rng.choice(ACTS)
        layer = {"neurons": size, "activation": act,
                 "weights": [[number() for _ in range(prev)] for _ in range(size)]}
        if rng.random() < 0.5:
            layer["bias"] = [number() for _ in range(size)]
        layers.append(layer)
        prev = size

    def example() -> dict:
        if loss == "binary_cross_entropy":
            target = [rng.choice([0, 1]) for _ in range(sizes[-1])]
        else:
            target = [number() for _ in range(sizes[-1])]
        return {"input": [number() for _ in range(n_in)], "target": target}

    doc = {"bptutor": 1, "title": "generated", "round": rng.choice([1, 2, 3, 2, 3, None]),
           "notation": rng.choice(["activation", "delta"]), "loss": loss,
           "network": {"inputs": n_in, "layers": layers},
           "learning_rate": rng.choice([0.1, 0.5, 1.0])}
    if doc["round"] is None:
        del doc["round"]
    if rng.random() < 0.2:
        doc["examples"] = [example(), example()]
    else:
        doc.update(example())
    return doc


def _generated(count: int, seed: int = 20240611):
    """``count`` random small problems (some may not compute: BCE at a rounded y of 0 or 1)."""
    rng = random.Random(seed)
    for _ in range(count):
        yield _random_problem(rng)


class _OneKey:
    """Grade answers holding one key each.

    ``file`` writes a real answers file and reads it with ``answers.load`` (a new file each
    time: truncating one file over and over makes ext4 flush it to disk every time);
    ``memory`` builds the same one-answer ``AnswersFile`` with the loader's own number reader,
    for the thousands of mistake variants, where file I/O would dominate the runtime.
    """

    def __init__(self, sheet, problem: Path, folder: Path):
        self.grader, self.problem, self.folder = Grader(sheet), problem, folder
        self.count = 0

    def _item(self, report, key: str):
        assert report.max_score == len(self.grader.sheet.steps)
        return items(report)[key]

    def file(self, key: str, text: str):
        self.count += 1
        path = write_answers(self.folder / f"one{self.count}.yaml", self.problem, {key: text})
        return self._item(self.grader.grade(answers.load(path)), key)

    def memory(self, key: str, text: str):
        value, decimals = answers.read_number(text)
        sheet = answers.AnswersFile("memory.yaml", str(self.problem), Mark(), None)
        sheet.answers[key] = answers.Answer(key, text, value, decimals, Mark(), key)
        return self._item(self.grader.grade(sheet), key)


def test_self_test_on_generated_problems(tmp_path):
    checked_nets, checked_mistakes, paths_accepted, diagnosed = 0, 0, 0, 0
    for index, doc in enumerate(_generated(36)):
        path = tmp_path / f"net{index}.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        try:
            sheet = solve(load(path))
        except BptutorError as exc:  # e.g. binary cross-entropy at a rounded y of 0 or 1
            assert "ln" in exc.message or "compute" in exc.message, exc
            continue
        checked_nets += 1
        R, d = sheet.rounding, sheet.rounding.digits
        other = (solve(load(path), "file", other_notation(sheet.notation))
                 if d is not None else None)
        folder = tmp_path / f"answers{index}"
        folder.mkdir()
        one = _OneKey(sheet, path, folder)
        for step in sheet.steps:
            key, ref, exact = step.key, sheet.values[step.key], sheet.exact[step.key]
            u = unit_of(sheet, key)
            where = f"{path.name} ({doc.get('round')}, {sheet.notation}) {key}"

            def text(value: float, extra: int = 0, d: int | None = d) -> str:
                return repr(value) if d is None else f"{value:.{d + extra}f}"

            for sign in (1, -1):
                item = one.file(key, text(ref + sign * 0.4 * u, 1))
                assert item.verdict == "correct", (where, item.given, ref, item.message)
                assert item.diagnosis is None
                given = ref + sign * 2 * u
                item = one.file(key, text(given))
                assert item.verdict != "correct", (where, item.given, ref)
                legit = close(item.given, exact, u) or (
                    other is not None and key in other.values
                    and close(item.given, other.values[key], u))
                expected = ("accepted",) if legit else ("wrong",)
                assert item.verdict in expected, (where, item.given, ref, exact, item.message)
                paths_accepted += legit
            # the right value never gets a diagnosis: the reference, the exact value and the
            # other notation's rounding path all earn the point, undiagnosed
            rights = [show(sheet, ref), text(R(exact))]
            if other is not None and key in other.values:
                rights.append(text(other.values[key]))
            for right in rights:
                item = one.file(key, right)
                assert item.verdict in EARNS and item.diagnosis is None, (where, right)
            # every mistake variant the grader offers, made on the reference numbers
            inputs = [sheet.paper_values[k] for k in step.inputs]
            for code, op in mistakes(step.op):
                try:
                    with paper.working():
                        wrong = float(R(op.value(inputs, R)))
                except (ArithmeticError, ValueError):
                    continue
                if not math.isfinite(wrong) or abs(wrong) > 1e9:
                    continue
                checked_mistakes += 1
                item = one.memory(key, text(wrong))
                if close(wrong, ref, u):  # the "mistake" changes nothing: no diagnosis
                    assert item.verdict == "correct", (where, code, wrong)
                if item.verdict != "wrong":
                    assert item.diagnosis is None, (where, code, wrong, item.verdict)
                else:
                    assert item.diagnosis is not None, (where, code, wrong, ref)
                    assert not close(item.given, ref, u)
                    diagnosed += 1
    assert checked_nets >= 30
    assert checked_mistakes > 1000 and diagnosed > 1000
    assert paths_accepted > 0  # the exact / other-notation exception was exercised
    print(f"{checked_nets} nets, {checked_mistakes} mistake variants, {diagnosed} diagnosed, "
          f"{paths_accepted} ±2-unit values accepted as a rounding path")


# -- 8. template ----------------------------------------------------------------------------------

_KEY_LINE = re.compile(r'^  ("(?:[^"\\]|\\.)*"|[^\s#"][^#]*?):\s*(?:#\s?(.*))?$')


def _template_keys(text: str) -> list[tuple[str, str | None, str]]:
    """(key, the heading it sits under, the formula comment) for each answer line."""
    rows, heading = [], None
    for line in text.splitlines():
        if line.startswith("  # "):
            heading = line[4:]
            continue
        match = _KEY_LINE.match(line)
        if match:
            key = yaml.safe_load(match.group(1))
            rows.append((key, heading, (match.group(2) or "").strip()))
    return rows


def _fill(text: str, sheet) -> str:
    """Replace each `key:` line of a template with the key and its reference value."""
    out = []
    for line in text.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            key = yaml.safe_load(match.group(1))
            line = f"  {match.group(1)}: {show(sheet, sheet.values[key])}"
        out.append(line)
    return "\n".join(out) + "\n"


def test_template_lists_every_step_with_its_formula(tanh):
    result = CliRunner().invoke(bptutor.cli.app, ["template", "tanh-chain"])
    assert result.exit_code == 0, result.stderr
    rows = _template_keys(result.stdout)
    assert [key for key, _, _ in rows] == [s.key for s in tanh.steps]
    titles = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass",
              "update": "Update"}
    for (key, heading, formula), step in zip(rows, tanh.steps):
        assert heading == titles[step.section], key
        assert formula == step.formula, key
    headings = [line[4:] for line in result.stdout.splitlines() if line.startswith("  # ")]
    assert headings == ["Forward pass", "Loss", "Backward pass", "Update"]
    assert re.search(r"^problem: tanh-chain$", result.stdout, re.M)


def test_template_output_file_and_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    printed = runner.invoke(bptutor.cli.app, ["template", "tanh-chain"]).stdout
    first = runner.invoke(bptutor.cli.app, ["template", "tanh-chain", "-o", "ans.yaml"])
    assert first.exit_code == 0, first.stderr
    assert Path("ans.yaml").read_text(encoding="utf-8") == printed
    Path("ans.yaml").write_text("# my work\n", encoding="utf-8")
    again = runner.invoke(bptutor.cli.app, ["template", "tanh-chain", "-o", "ans.yaml"])
    assert again.exit_code == 2
    assert re.search(r"^ans\.yaml:\d+:\d+: error: ", again.stderr, re.M), again.stderr
    assert Path("ans.yaml").read_text(encoding="utf-8") == "# my work\n"
    forced = runner.invoke(bptutor.cli.app, ["template", "tanh-chain", "-o", "ans.yaml",
                                             "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert Path("ans.yaml").read_text(encoding="utf-8") == printed


@pytest.mark.parametrize("problem", [TANH, XOR, PROBLEMS / "two-hidden-multi-output.yaml"])
def test_filled_template_checks_clean(tmp_path, problem):
    sheet = solve(load(problem))
    runner = CliRunner()
    out = tmp_path / "filled.yaml"
    made = runner.invoke(bptutor.cli.app, ["template", str(problem), "-o", str(out)])
    assert made.exit_code == 0, made.stderr
    out.write_text(_fill(out.read_text(encoding="utf-8"), sheet), encoding="utf-8")
    result = check(out, "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    entry = json.loads(result.stdout)["files"][0]
    assert entry["score"] == entry["max_score"] == len(sheet.steps)


# -- 9. many files ------------------------------------------------------------------------------

@pytest.fixture
def classroom(tanh, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_answers(Path("a.yaml"), "tanh-chain", reference(tanh), student="Ada")
    wrong = reference(tanh)
    wrong["dE/dw1"] = "-0.24"  # sign
    wrong["dE/dy"] = "-1.94"  # factor 2
    del wrong["E"]  # missing
    write_answers(Path("b.yaml"), "tanh-chain", wrong, student="Bob")
    return tmp_path


def test_many_files_summary(classroom):
    result = check("a.yaml", "b.yaml", env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line for line in lines if re.search(r"a\.yaml[\s│|]+Ada[\s│|]+27/27", line)]
    assert [line for line in lines if re.search(r"b\.yaml[\s│|]+Bob[\s│|]+24/27", line)]
    assert "Class" in result.stdout and "Scores" in result.stdout


def test_many_files_gradebook_csv(classroom):
    result = check("a.yaml", "b.yaml", "--csv", "grades.csv")
    assert result.exit_code == 1, result.stderr
    with open("grades.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["student"], r["score"], r["max_score"]) for r in rows] == [
        ("a.yaml", "Ada", "27", "27"), ("b.yaml", "Bob", "24", "27")]
    assert rows[1]["dE/dw1"] == "wrong" and rows[1]["E"] == "missing"
    assert rows[0]["dE/dw1"] == "correct"
    again = check("a.yaml", "--csv", "grades.csv")
    assert again.exit_code == 2  # never overwritten without --force
    assert check("a.yaml", "--csv", "grades.csv", "--force").exit_code == 0


def test_gradescope_format(classroom, tanh):
    result = check("b.yaml", "--format", "gradescope")
    assert result.exit_code == 1, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"score", "max_score", "tests", "output"}
    digest = hashlib.sha256(TANH.read_bytes()).hexdigest()[:12]
    assert doc["output"] == f"marked against tanh-chain (sha256 {digest})"
    assert (doc["score"], doc["max_score"]) == (24, 27)
    assert [t["name"] for t in doc["tests"]] == [s.key for s in tanh.steps]
    for test in doc["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output"}
        assert test["status"] == ("passed" if test["score"] == 1 else "failed")
        assert test["max_score"] == 1
    assert sum(t["score"] for t in doc["tests"]) == doc["score"]
    assert check("a.yaml", "--format", "gradescope").exit_code == 0


def test_a_broken_file_among_good_ones(classroom):
    Path("c.yaml").write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n  q: -0.67\n",
                              encoding="utf-8")
    result = check("a.yaml", "c.yaml", "b.yaml", "--format", "json")
    assert result.exit_code == 2
    assert re.search(r"^c\.yaml:4:3: error: ", result.stderr, re.M), result.stderr
    assert "Traceback" not in result.stderr
    graded = json.loads(result.stdout)["files"]  # every file has its row, in order
    assert [(f["path"], f["score"], f["max_score"], f["status"]) for f in graded] == [
        ("a.yaml", 27, 27, "marked"), ("c.yaml", None, None, "error"), ("b.yaml", 24, 27, "marked")]
    assert graded[1]["error"].startswith("c.yaml:4:3: error: ") and graded[1]["items"] == []


# -- 10. one list of point-earning verdicts; one grader per problem file ------------------------

def test_the_point_earning_verdicts_agree_everywhere(tanh):
    from bptutor.tools.grading import Item, Report
    from bptutor.views.check_view import VERDICT_STYLE, gradescope_doc

    verdicts = list(VERDICT_STYLE)  # every verdict check can give
    assert set(EARNS) < set(verdicts)
    report = Report("r.yaml", None, tanh, [Item(step.key, 0.0, 0.0, 0.0, verdict)
                                           for step, verdict in zip(tanh.steps, verdicts)])
    assert [item.earns_point for item in report.items] == [v in EARNS for v in verdicts]
    assert (report.score, report.max_score) == (3, len(verdicts) - 1)  # unknown: no step
    tests = gradescope_doc(report)["tests"]
    assert {t["name"]: t["score"] for t in tests} == {
        item.key: int(item.verdict in EARNS) for item in report.items if item.verdict != "unknown"}


def _problem_pair(tmp_path: Path) -> tuple[Path, Path]:
    """a/p.yaml (the tanh sheet) and b/p.yaml (the same with w2 = -1): one name, two files."""
    text = TANH.read_text(encoding="utf-8")
    assert "weights: [[0.2, -5]]" in text
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "p.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b" / "p.yaml").write_text(text.replace("weights: [[0.2, -5]]",
                                                        "weights: [[0.2, -1]]"), encoding="utf-8")
    return tmp_path / "a" / "p.yaml", tmp_path / "b" / "p.yaml"


def test_one_grader_per_resolved_problem_path(tmp_path, monkeypatch):
    from bptutor.tools import grading

    a_problem, _ = _problem_pair(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "sub").mkdir()
    (tmp_path / "c").symlink_to(tmp_path / "a", target_is_directory=True)
    values = reference(solve(load(a_problem)))
    write_answers(Path("a/plain.yaml"), "p.yaml", values)
    write_answers(Path("a/dotted.yaml"), "sub/../p.yaml", values)
    write_answers(Path("via-link.yaml"), "c/p.yaml", values)
    write_answers(Path("absolute.yaml"), a_problem, values)
    loads = []
    real_load = grading.load_problem

    def counted(sheet, ref=None):
        loads.append(sheet.problem)
        return real_load(sheet, ref)

    monkeypatch.setattr(grading, "load_problem", counted)
    graders = grading.Graders()
    files = ["a/plain.yaml", "a/dotted.yaml", "via-link.yaml", "absolute.yaml"]
    found = {id(graders.for_answers(answers.load(name))) for name in files}
    assert len(found) == 1 and loads == [str(Path("a/p.yaml"))]
    # the command line shares them too: four files, the problem read once
    loads.clear()
    result = check(*files, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(loads) == 1
    assert [f["score"] for f in json.loads(result.stdout)["files"]] == [27] * 4


def test_the_same_relative_name_in_two_folders_is_two_problems(tmp_path, monkeypatch):
    from bptutor.tools.grading import Graders

    a_problem, b_problem = _problem_pair(tmp_path)
    monkeypatch.chdir(tmp_path)
    a_sheet, b_sheet = solve(load(a_problem)), solve(load(b_problem))
    assert a_sheet.values["y"] != b_sheet.values["y"]  # the files really differ
    write_answers(Path("a/ada.yaml"), "p.yaml", reference(a_sheet))
    write_answers(Path("b/bob.yaml"), "p.yaml", reference(b_sheet))
    graders = Graders()
    ada, bob = answers.load("a/ada.yaml"), answers.load("b/bob.yaml")
    assert graders.for_answers(ada).sheet.values == a_sheet.values
    assert graders.for_answers(bob).sheet.values == b_sheet.values
    # each graded against its own problem: both full marks, in either order
    for order in (["a/ada.yaml", "b/bob.yaml"], ["b/bob.yaml", "a/ada.yaml"]):
        result = check(*order, "--format", "json")
        assert result.exit_code == 0, result.stdout
        assert [f["score"] for f in json.loads(result.stdout)["files"]] == [27, 27]


def test_a_problem_that_cannot_be_found_is_reported_per_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_answers(Path("x.yaml"), "nowhere.yaml", {"q": "-0.66"})
    write_answers(Path("y.yaml"), "nowhere.yaml", {"q": "-0.66"})
    result = check("x.yaml", "y.yaml")
    assert result.exit_code == 2
    assert re.search(r"^x\.yaml:1:10: error: problem .*nowhere\.yaml", result.stderr, re.M)
    assert re.search(r"^y\.yaml:1:10: error: problem .*nowhere\.yaml", result.stderr, re.M)


# -- 11. honest credit: follow-through only where the step shows something ----------------------

def _zero_is_right(sheet, key: str) -> bool:
    """Whether 0 is the right answer for ``key`` (SPEC §4's rule, computed here)."""
    return close(0.0, sheet.values[key], unit_of(sheet, key))


@pytest.mark.parametrize("name", ["tanh-chain", "xor", "softmax"])
def test_an_all_zeros_file_earns_only_the_steps_that_are_zero(tmp_path, name):
    # it earned 17/27, 58/95 and 11/19 by follow-through from its own zeros
    sheet = solve(load(name))
    report = grade(sheet, write_answers(tmp_path / "z.yaml", name,
                                        {s.key: "0" for s in sheet.steps}))
    zero = {s.key for s in sheet.steps if _zero_is_right(sheet, s.key)}
    assert report.score == len(zero) < 10
    graded = items(report)
    assert {k for k, i in graded.items() if i.earns_point} == zero
    assert not [i for i in report.items if i.verdict == "follow_through"]
    shows_nothing = [i for i in report.items if i.verdict == "uninformative"]
    assert len(shows_nothing) >= 10 and all(i.because for i in shows_nothing)
    assert all("shows nothing" in i.message for i in shows_nothing)


def test_copied_weights_and_a_loss_from_y_0_earn_only_real_work(tanh, tmp_path):
    # zeros, E = t² = 1, dE/dy = -2t = -2 and the given weights as the new ones: 24/27 before
    values = {s.key: "0" for s in tanh.steps}
    values.update({"E": "1", "dE/dy": "-2"})
    for step in tanh.steps:
        if step.kind == "update":
            values[step.key] = show_given(tanh.givens[step.inputs[0]])
    graded = items(grade(tanh, write_answers(tmp_path / "c.yaml", TANH, values)))
    # E = (1 - 0)² and dE/dy = 2·(0 - 1) are real work from the student's y = 0
    assert {k for k, i in graded.items() if i.verdict == "follow_through"} == {"E", "dE/dy"}
    for step in tanh.steps:
        item = graded[step.key]
        if step.kind == "update" and tanh.givens[step.inputs[0]] != tanh.values[step.key]:
            assert item.verdict == "uninformative", (step.key, item.verdict)
    right = {s.key for s in tanh.steps if close(float(values[s.key]), tanh.values[s.key], 0.01)}
    assert right == {"dE/du2", "new(u2)", "new(v1)"}  # 0, 0.5 and 0.9 are the sheet's numbers
    assert sum(i.earned for i in graded.values()) == len(right) + 2 == 5


def test_a_step_shows_nothing_only_where_every_mistake_gives_the_same_value(tanh):
    from bptutor.tools.grading import telling_mistakes

    grader = Grader(tanh)
    by_key = {s.key: s for s in tanh.steps}
    own = dict(tanh.values)
    q = by_key["q"]
    for z, expected in ((0.0, False), (-0.7, True)):  # tanh(0) = 0 whatever the slip
        own["z(q)"] = z
        assert grader.discriminates(q, own, q.compute(own, tanh.rounding), 0.01) is expected
    update = by_key["new(w1)"]  # w1 - η·0 = w1: a copied weight shows nothing
    own["dE/dw1"] = 0.0
    assert not grader.discriminates(update, own, 0.2, 0.01)
    own["dE/dw1"] = 0.24
    assert grader.discriminates(update, own, update.compute(own, tanh.rounding), 0.01)
    # the update's mistakes are made in its η·gradient term: w1 + η·g, w1 - 2η·g, ...
    values = [Decimal("0.2"), Decimal("0.1"), Decimal("0.24")]
    with paper.working():
        wrong = sorted(float(op.value(values, tanh.rounding))
                       for _, op in telling_mistakes(update.op))
    assert wrong == sorted([0.224, 0.152, 0.188, -0.04, 0.1976])


@pytest.mark.parametrize("policy, points", [("full", 1.0), ("half", 0.5), ("none", 0.0)])
def test_the_follow_through_policy(tanh, tmp_path, policy, points):
    _, written = _carry_forward(tanh, "z(q)", -0.70)
    path = write_answers(tmp_path / "ft.yaml", TANH, written)
    report = Grader(tanh, policy).grade(answers.load(path))
    followed = [i for i in report.items if i.verdict == "follow_through"]
    assert len(followed) >= 15
    assert all(i.earned == points for i in followed)
    others = sum(1 for i in report.items if i.verdict in ("correct", "accepted"))
    assert report.score == others + points * len(followed)
    assert report.max_score == 27 and (policy != "full" or report.score == 26)
    result = check(path, "--follow-through", policy, "--format", "json")
    assert json.loads(result.stdout)["files"][0]["score"] == report.score
    if policy == "half":
        assert all("½ point by the marking policy" in i.message for i in followed)


def test_follow_through_says_the_inputs_differ_not_a_rounding_path(tanh, tmp_path):
    # y = -0.95 from the student's wrong z(q) is also one unit from -0.94: the reason is the
    # carried error, and the message says so
    _, written = _carry_forward(tanh, "z(q)", -0.96)
    graded = items(grade(tanh, write_answers(tmp_path / "ft.yaml", TANH, written)))
    for key in ("y", "E", "dE/dy"):
        assert graded[key].verdict == "follow_through", key
        assert "your inputs differ from the sheet's" in graded[key].message
        assert "one unit" not in graded[key].message and "exact" not in graded[key].message


def test_a_rounding_path_carried_on_is_still_a_rounding_path(tanh, tmp_path):
    # dE/dq = -1.13 (the exact value, accepted); dE/du1 from it is right from the student's own
    # number: a rounding path, which earns the point whatever the follow-through policy
    own = dict(tanh.values)
    own["dE/dq"] = -1.13
    by_key = {s.key: s for s in tanh.steps}
    du1 = by_key["dE/du1"].compute(own, tanh.rounding)
    assert not close(du1, tanh.values["dE/du1"], 0.01)
    path = write_answers(tmp_path / "p.yaml", TANH, {"dE/dq": "-1.13",
                                                     "dE/du1": tanh.rounding.show(du1)})
    graded = items(Grader(tanh, "none").grade(answers.load(path)))
    assert graded["dE/dq"].verdict == "accepted"
    assert graded["dE/du1"].verdict == "accepted" and graded["dE/du1"].earned == 1
    assert "rounding path" in graded["dE/du1"].message and graded["dE/du1"].because is None


@pytest.mark.parametrize("text", ["-13.4", "-13.40", "-0.134"])
def test_a_decimal_shift_is_diagnosed_on_the_number_as_written(tanh, tmp_path, text):
    # dE/dv2 = -1.34 on the sheet, unrounded -1.3388 from the rounded inputs: shifting that
    # and rounding again gives -13.39, which missed the student's -13.4
    step = next(s for s in tanh.steps if s.key == "dE/dv2")
    with paper.working():
        unrounded = step.op.value([tanh.paper_values[k] for k in step.inputs], tanh.rounding)
    assert tanh.values["dE/dv2"] == -1.34 and round(10 * float(unrounded), 2) == -13.39
    item = items(grade(tanh, write_answers(tmp_path / "d.yaml", TANH, {"dE/dv2": text})))
    assert (item["dE/dv2"].verdict, item["dE/dv2"].diagnosis) == ("wrong", "decimal_shift")


def test_only_a_pass_the_problem_lacks_is_a_usage_error(tmp_path):
    from bptutor.errors import OptionError

    sheet = solve(load("softmax"))
    path = write_answers(tmp_path / "s.yaml", "softmax", {"E": "1"})
    with pytest.raises(OptionError, match="no update step"):
        Grader(sheet).grade(answers.load(path), "update")
    result = check(path, "--only", "update")  # it was 0/0 and exit 0
    assert result.exit_code == 2
    assert re.match(rf"{re.escape(str(path))}:1:10: error: --only update: the problem has no "
                    "update step", result.stderr), result.stderr
    fixed = check(path, "--only", "update", "--problem", "softmax")
    assert fixed.exit_code == 2 and "no update step" in fixed.stderr and fixed.stdout == ""


def test_sixty_thousand_unknown_keys_search_few_suggestions(tanh, tmp_path, monkeypatch):
    # each unknown key ran a fuzzy search over the step keys: 60,000 of them took 28 s
    from bptutor.tools.grading import NearestKey

    calls = []
    real = NearestKey.__call__
    monkeypatch.setattr(NearestKey, "__call__",
                        lambda self, word: calls.append(word) or real(self, word))
    path = tmp_path / "many.yaml"
    lines = [f"  dE/dw{i + 3}: 1" for i in range(60_000)]
    path.write_text("problem: tanh-chain\nanswers:\n" + "\n".join(lines) + "\n  dE/dw1x: 1\n",
                    encoding="utf-8")
    report = grade(tanh, path)
    unknown = [i for i in report.items if i.verdict == "unknown"]
    assert len(unknown) == 60_001 and report.max_score == 27
    assert len(calls) <= 200
    assert unknown[0].message == "this problem has no step 'dE/dw3'; did you mean 'dE/dw2'?"
    assert unknown[-1].message == "this problem has no step 'dE/dw1x'"  # past the limit


@pytest.mark.parametrize("name", ["tanh-chain", "softmax", "xor", "graph-reuse"])
def test_did_you_mean_is_difflibs_choice(name):
    # NearestKey finds what difflib.get_close_matches(word, keys, n=1, cutoff=0.5) finds
    import difflib

    from bptutor.tools.grading import NearestKey

    keys = [s.key for s in solve(load(name)).steps]
    nearest = NearestKey(keys)
    rng = random.Random(12)
    words = [k[:i] + c + k[i + 1:] for k in keys for i in range(len(k)) for c in "x1(" if
             rng.random() < 0.1]
    words += ["".join(rng.choice("dEzWbhy[]12,(')/@x") for _ in range(rng.randint(0, 20)))
              for _ in range(300)] + keys + ["", "E" * 300, "dE/d" + keys[-1] * 3]
    for word in words:
        close = difflib.get_close_matches(word, keys, n=1, cutoff=0.5)
        assert nearest(word) == (close[0] if close else ""), word
    assert NearestKey([])("x") == ""
    assert NearestKey(["ab", "ba"])("ab") == "ab" and NearestKey(["ab", "ba"])("xy") == ""


def _wide_net(inputs: int = 24) -> str:
    """A problem with long sums: inputs - inputs/2 tanh - 6 softmax, weights of 2 decimals."""
    rng = random.Random(inputs)

    def rows(n: int, fan_in: int) -> list[str]:
        return [f"        - [{', '.join(f'{rng.uniform(-0.3, 0.3):.2f}' for _ in range(fan_in))}]"
                for _ in range(n)]

    hidden = inputs // 2
    return "\n".join([
        "bptutor: 1", "title: wide", "round: 2", "loss: cross_entropy", "learning_rate: 0.1",
        "network:", f"  inputs: {inputs}", "  layers:",
        f"    - neurons: {hidden}", "      activation: tanh", "      weights:",
        *rows(hidden, inputs), f"      bias: [{', '.join(['0.1'] * hidden)}]",
        "    - neurons: 6", "      activation: softmax", "      weights:", *rows(6, hidden),
        f"input: [{', '.join(f'{rng.uniform(0, 1):.1f}' for _ in range(inputs))}]",
        "target: [0, 0, 1, 0, 0, 0]", ""])


def _left_out_sheets(tmp_path):
    sheets = []
    for name in bundled_names():
        problem = load(name)
        sheets += [solve(problem, "file", n) for n in problem.notations
                   if not (n == "delta_rule" and getattr(problem, "training", None)
                           and problem.training.optimizer == "adam")]  # SPEC §7 refuses it
        sheets.append(solve(problem, None))
    path = tmp_path / "wide.yaml"
    path.write_text(_wide_net(), encoding="utf-8")
    return [*sheets, solve(load(path)), solve(load(path), None)]


def test_a_long_sums_terms_left_out_are_valued_as_rebuilt(tmp_path):
    # each term left out, valued from sums computed once, against the op rebuilt without it
    from bptutor.tools import grading

    rng = random.Random(3)
    checked = 0
    for sheet in _left_out_sheets(tmp_path):
        R = sheet.rounding
        for step in sheet.steps:
            if not any(isinstance(n, grading.Sum) and len(n.terms) > 1
                       for n in _nodes(step.op)):
                continue
            own = [sheet.values[k] for k in step.inputs]
            student = [x * rng.choice((1, -1, 0.5, 0, 10)) for x in own]  # zeros: ln 0 too
            for values in (own, student):
                given = [paper.given(x) for x in values]
                fast = [_valued(left, given, R) for left in _all_left_out(step.op)]
                slow = [_valued(op, given, R)
                        for op in grading._rebuild(step.op, grading._drop_term)]
                assert fast == slow, step.key
                checked += len(fast)
    assert checked > 3_000


def _nodes(op):
    yield op
    for child in getattr(op, "factors", getattr(op, "terms", [getattr(op, "op", None)])):
        if child is not None:
            yield from _nodes(child)


def _all_left_out(op):
    from bptutor.tools import grading

    terms = grading._TermsLeftOut(op)
    return [grading._LeftOut(terms, case) for case in range(len(terms.cases))]


def _valued(op, given, R):
    try:
        with paper.working():
            return op.value(given, R)
    except (ArithmeticError, ValueError):
        return "undefined"


def test_verdicts_of_a_wide_class_are_those_of_rebuilt_sums(tmp_path, monkeypatch):
    # answers with a term left out of a long sum, and other slips: the same verdicts and
    # diagnoses whether the sums are rebuilt for each term or valued once
    from bptutor.tools import grading

    problem = tmp_path / "wide.yaml"
    problem.write_text(_wide_net(), encoding="utf-8")
    sheet = solve(load(problem))
    rng = random.Random(8)
    files = []
    for n in range(6):
        lines = [f"problem: {problem}", "answers:"]
        for step in sheet.steps:
            value = sheet.values[step.key]
            terms = [x for x in _nodes(step.op) if isinstance(x, grading.Sum)]
            if terms and rng.random() < 0.5 and step.op is terms[0]:
                i = rng.randrange(len(terms[0].terms))
                value = float(sum(t for j, t in enumerate(terms[0].term_values(
                    [paper.given(sheet.values[k]) for k in step.inputs], sheet.rounding))
                    if j != i))
            elif rng.random() < 0.2:
                value = -value * rng.choice((1, 2, 10))
            lines.append(f"  {step.key}: {value:.2f}")
        path = tmp_path / f"a{n}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)

    def verdicts():
        grader = Grader(sheet)
        return [[(i.key, i.verdict, i.diagnosis, i.message) for i in grader.grade(
            answers.load(f)).items] for f in files]

    once = verdicts()
    monkeypatch.setattr(grading, "_FEW_INPUTS", 10**9)  # every op rebuilt for each term
    assert verdicts() == once
    assert sum(d == "missing_term" for f in once for _, _, d, _ in f) > 20


# -- 9. precision by kind, significant figures, display-only rounding (SPEC §6) -------------------

HAN_KAMBER = PROBLEMS / "han-kamber.yaml"


def test_each_step_is_graded_at_its_own_kinds_precision(tmp_path):
    """Han & Kamber: outputs to 3 decimals, δ to 4 — so 0.4739 for O6 (0.474) is right at 3
    decimals, while -0.0084 for δ(O4) (-0.0087) is 3 units of the 4th decimal off."""
    sheet = solve(load(HAN_KAMBER))
    right = {step.key: sheet.show(step.key) for step in sheet.steps}
    graded = items(grade(sheet, write_answers(tmp_path / "all.yaml", HAN_KAMBER, right)))
    assert {item.verdict for item in graded.values()} == {"correct"}
    answers_ = {"O6": "0.4739", "delta(O4)": "-0.0084", "delta(O5)": "-0.007"}
    graded = items(grade(sheet, write_answers(tmp_path / "mixed.yaml", HAN_KAMBER, answers_)))
    assert graded["O6"].verdict == "correct"  # |0.4739 − 0.474| < 0.51·10⁻³
    assert graded["delta(O4)"].verdict == "wrong"  # 3·10⁻⁴ off at 4 decimals
    # a δ written to 3 decimals, 5 units of the 4th off: told to write 4 decimals
    assert graded["delta(O5)"].verdict == "wrong"
    assert "write 4 decimals (you wrote 3)" in graded["delta(O5)"].message
    # a diagnosis is made at the step's own precision: δ(O6) = 0.1311 with its sign flipped
    flipped = items(grade(sheet, write_answers(tmp_path / "sign.yaml", HAN_KAMBER,
                                               {"delta(O6)": "-0.1311"})))["delta(O6)"]
    assert (flipped.verdict, flipped.diagnosis) == ("wrong", "sign")
    # the same δ at 3 decimals in a sheet rounded to 3 throughout would be right
    three = solve(load(HAN_KAMBER), 3)
    assert items(grade(three, write_answers(tmp_path / "three.yaml", HAN_KAMBER,
                                            {"delta(O5)": "-0.007"})))["delta(O5)"].verdict \
        == "correct"


def test_significant_figures_are_graded_on_the_nth_figure(tanh, tmp_path):
    from bptutor.model.rounding import Rounding

    sheet = solve(load(TANH), Rounding(significant=3, short=False))
    ref = sheet.values["dE/du3"]
    unit = 10.0 ** (math.floor(math.log10(abs(ref))) - 2)
    near_, far = ref + 0.4 * unit, ref + 0.7 * unit
    graded = items(grade(sheet, write_answers(tmp_path / "s.yaml", TANH, {
        "dE/du3": repr(near_), "dE/dq": sheet.show("dE/dq")})))
    assert graded["dE/du3"].verdict == "correct" and graded["dE/dq"].verdict == "correct"
    graded = items(grade(sheet, write_answers(tmp_path / "f.yaml", TANH,
                                              {"dE/du3": repr(far)})))
    assert graded["dE/du3"].verdict != "correct"


def test_display_only_rounding_grades_against_the_rounded_exact_values(tmp_path):
    """carry: false: the reference of every step is R(exact) — dE/dq is −1.13 (from −1.1297),
    not the carried sheet's −1.07."""
    from bptutor.model.rounding import Rounding

    sheet = solve(load(TANH), Rounding(2, carry=False, short=False))
    assert sheet.values["dE/dq"] == -1.13
    graded = items(grade(sheet, write_answers(tmp_path / "c.yaml", TANH,
                                              {"dE/dq": "-1.13", "y": "-0.94"})))
    assert graded["dE/dq"].verdict == "correct" and graded["y"].verdict == "correct"
    carried = items(grade(sheet, write_answers(tmp_path / "k.yaml", TANH, {"dE/dq": "-1.07"})))
    assert carried["dE/dq"].verdict != "correct"


def test_an_exact_zero_answered_zero_is_correct(tmp_path):
    """0.1·1 + 0.2·1 − 0.3 is 0 on paper; floats made it 2.78e-17 and marked 0 wrong."""
    text = ("bptutor: 1\ntitle: zero\nloss: squared_error\nnetwork:\n  inputs: 3\n  layers:\n"
            "    - neurons: [y]\n      activation: identity\n      weights: [[0.1, 0.2, -0.3]]\n"
            "input: [1, 1, 1]\ntarget: [0]\n")
    problem = tmp_path / "zero.yaml"
    problem.write_text(text, encoding="utf-8")
    sheet = solve(load(problem))
    graded = items(grade(sheet, write_answers(tmp_path / "z.yaml", problem,
                                              {"z(y)": "0", "y": "0", "E": "0"})))
    assert {graded[k].verdict for k in ("z(y)", "y", "E")} == {"correct"}


# -- the grader's shortcuts change no verdict ----------------------------------------------------

class _MeasuredEveryTime(Grader):
    """The grader without its shortcuts: every input of every step measured against the
    sheet's again (no ``off`` set), every recomputation done afresh (no cache)."""

    def judge(self, step, given, own, root, off=None):
        return super().judge(step, given, own, root)

    def recompute(self, step, own):
        return self._recompute(step, own)


def _class_of_slips(sheet, rng: random.Random) -> dict[str, str | None]:
    """One student's answers: mostly right, with the slips a class makes: signs, digits off,
    missing answers, zeros of either sign, and steps worked right from their own wrong
    numbers (follow-through), so later steps meet inputs that differ from the sheet's."""
    own = dict(sheet.values)
    written: dict[str, str | None] = {}
    unit = Grader(sheet).unit
    for step in sheet.steps:
        ref = sheet.values[step.key]
        roll = rng.random()
        if roll < 0.05:
            written[step.key] = None
            continue
        if roll < 0.12:
            value = -ref
        elif roll < 0.22:
            value = ref + rng.choice((-30, -2, -1, 1, 2, 5, 30)) * unit(step.key)
        elif roll < 0.25:
            value = rng.choice((0.0, -0.0))
        elif roll < 0.45:
            try:
                value = step.compute(own, sheet.rounding)
            except (ArithmeticError, ValueError):
                value = ref
        else:
            value = ref
        if not math.isfinite(value):
            value = ref
        text = repr(value) if sheet.rounding.digits is None else sheet.rounding.show(value)
        if value == 0 and math.copysign(1, value) < 0:
            text = "-0.0"
        written[step.key] = text
        own[step.key] = float(text)
    return written


FIELDS = ("key", "given", "expected", "exact", "verdict", "message", "diagnosis", "because",
          "written", "points")


@pytest.mark.parametrize("name", ["tanh-chain", "xor", "softmax", "delta-rule",
                                  "graph-logistic", "momentum-two-updates", "two-examples-batch"])
def test_shortcuts_keep_every_verdict_of_many_random_files(name, tmp_path):
    """Grade a class of random answers files with one grader (its caches warm across files,
    as ``check`` uses it) and with the grader that measures everything again: every item of
    every report is the same, field by field."""
    problem = PROBLEMS / f"{name}.yaml"
    sheet = solve(load(problem))
    rng = random.Random(name)
    fast, slow = Grader(sheet), _MeasuredEveryTime(sheet)
    seen = set()
    for n in range(40):
        path = write_answers(tmp_path / f"a{n}.yaml", problem, _class_of_slips(sheet, rng))
        quick, measured = fast.grade(answers.load(path)), slow.grade(answers.load(path))
        assert [[getattr(i, f) for f in FIELDS] for i in quick.items] == \
            [[getattr(i, f) for f in FIELDS] for i in measured.items]
        assert quick.score == measured.score
        seen |= {i.verdict for i in quick.items}
    assert {"correct", "wrong", "missing"} <= seen  # the class really slips
    assert seen & {"follow_through", "uninformative", "accepted"}
