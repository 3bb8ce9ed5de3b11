"""gradcheck on a problem of several updates (SPEC §7) checks its first update, and says so."""

from __future__ import annotations

import json

import pytest
from conftest import XOR_SHEET

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.tools.gradcheck import check

XOR = XOR_SHEET.replace("round: 2\n", "") + "batch: mean\n"  # exact, averaged


@pytest.mark.parametrize("block,first,key", [
    ("{mode: online, epochs: 2}", [1], "dE/d{}@1#1"),
    ("{mode: minibatch, batch_size: 3}", [1, 2, 3], "dE/d{}#1"),
    ("{mode: batch, epochs: 2, optimizer: adam}", [1, 2, 3, 4], "dE/d{}#1"),
])
def test_the_gradients_of_the_first_update_are_the_sheets(tmp_path, block, first, key):
    path = tmp_path / "p.yaml"
    path.write_text(XOR + f"training: {block}\n", encoding="utf-8")
    net = load(path)
    report = check(net)
    assert report.passed and report.first_update == first
    sheet = solve(net, None)  # exact
    for item in report.items:
        name = item.key.removeprefix("dE/d")
        assert item.analytic == pytest.approx(sheet.exact[key.format(name)], rel=1e-12)
    assert report.as_json()["first_update"] == first


def test_the_output_says_which_update_it_checks(run, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(XOR + "training: {mode: online, l2: 0.01}\n", encoding="utf-8")
    text = run("gradcheck", path, "--format", "markdown")
    assert text.exit_code == 0, text.stderr
    assert "the gradients of update 1 of 4 (example 1); the L2 term 2·l2·w is not backprop" \
        in text.stdout
    data = json.loads(run("gradcheck", path, "--format", "json").stdout)
    assert data["first_update"] == [1] and data["passed"]


def test_a_problem_without_training_has_no_first_update(run, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(XOR, encoding="utf-8")
    data = json.loads(run("gradcheck", path, "--format", "json").stdout)
    assert "first_update" not in data


def test_answers_are_checked_for_the_first_update_with_its_l2_term(run, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(XOR.replace("batch: mean\n", "") + "training: {mode: online, l2: 0.01}\n",
                    encoding="utf-8")
    sheet = solve(load(path), None)
    right = {key: sheet.exact[key] for key in ("dE/dw5@1#1", "dE/dw5#1", "dE/dw1#1")}
    # dE/dw5#1 = dE/dw5@1#1 + 2·0.01·0.7; dE/dw1#1 = 0 + 2·0.01·0.5 (x = 0 in example 1)
    assert right["dE/dw5#1"] == pytest.approx(right["dE/dw5@1#1"] + 0.014, abs=1e-15)
    assert right["dE/dw1#1"] == pytest.approx(0.01, abs=1e-15)
    lines = ["problem: p.yaml", "answers:"]
    lines += [f'  "{key}": {value!r}' for key, value in right.items()]
    lines.append('  "dE/dw5#2": 123')  # update 2 starts from other weights: not checked
    answers = tmp_path / "a.yaml"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("gradcheck", "--answers", answers, "--format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and [item["key"] for item in data["items"]] == list(right)
    assert all(item["verdict"] == "good" for item in data["items"])
    answers.write_text(answers.read_text().replace(repr(right["dE/dw5#1"]),
                                                   repr(right["dE/dw5@1#1"])))  # no L2 term
    wrong = json.loads(run("gradcheck", "--answers", answers, "--format", "json").stdout)
    assert {i["key"]: i["verdict"] for i in wrong["items"]}["dE/dw5#1"] == "wrong"


def test_the_summary_of_bundled_problems_marks_a_first_update(tmp_path):
    import io

    from rich.console import Console

    from bptutor.views.gradcheck_view import print_summary

    path = tmp_path / "p.yaml"
    path.write_text(XOR + "training: {mode: online}\n", encoding="utf-8")
    plain = tmp_path / "q.yaml"
    plain.write_text(XOR, encoding="utf-8")
    out = io.StringIO()
    print_summary(Console(file=out, width=120, color_system=None),
                  [("online", check(load(path))), ("batch", check(load(plain)))])
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("ok") and lines[0].endswith("(update 1)")
    assert not lines[1].endswith("(update 1)")
