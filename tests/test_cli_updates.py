"""SPEC §7 sheets through the commands, as a user runs them: bad input is a located error
(exit 2, no traceback), answers with update numbers are graded, the rich and JSON views
group the updates."""

from __future__ import annotations

import json

from conftest import XOR_SHEET, assert_located

XOR = XOR_SHEET


def write(tmp_path, block: str):
    path = tmp_path / "p.yaml"
    path.write_text(XOR + block, encoding="utf-8")
    return path


def test_too_many_updates_is_a_located_error_that_counts_the_steps(run, tmp_path):
    path = write(tmp_path, "training:\n  mode: online\n  epochs: 1000\n")
    for command in ("solve", "template", "quiz"):
        result = run(command, path)
        assert result.exit_code == 2 and "Traceback" not in result.stderr
        assert_located(result.stderr, path, 23, 1,
                       ["asks for 104,000 steps over 4,000 updates", "20,000"],
                       hint="fewer epochs or examples")


def test_a_bad_setting_is_a_located_error(run, tmp_path):
    path = write(tmp_path, "training:\n  mode: online\n  batch_size: 2\n")
    result = run("solve", path)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 25, 3, ["batch_size applies to mode minibatch only"])


def test_adam_under_notation_delta_rule_is_refused(run, tmp_path):
    path = write(tmp_path, "training: {optimizer: adam}\n")
    result = run("solve", path, "--notation", "delta_rule")
    assert result.exit_code == 2
    assert_located(result.stderr, path, 23, 1, ["optimizer adam needs activation or delta"])


def test_json_keys_and_rich_headings_number_the_updates(run, tmp_path):
    path = write(tmp_path, "training: {mode: online, momentum: 0.9, after_update: true}\n")
    data = json.loads(run("solve", path, "--format", "json").stdout)
    keys = [step["key"] for step in data["steps"]]
    assert keys[0] == "z(h1)@1#1" and keys[-1] == "E#5"
    assert "velocity(w1)#4" in keys and "new(w1)#4" in keys
    kinds = {step["key"]: step["kind"] for step in data["steps"]}
    assert kinds["velocity(w1)#2"] == "velocity"
    rich = run("solve", path, "--format", "rich", "--no-color")
    assert rich.exit_code == 0, rich.stderr
    flat = " ".join(rich.stdout.split())  # the legend wraps
    assert "Update 2 · Forward pass (example 2)" in flat
    assert "Update 5 · Loss (all examples)" in flat
    assert "[vel] momentum velocity" in flat


def test_answers_with_update_numbers_are_graded(run, tmp_path):
    path = write(tmp_path, "training: {mode: online, epochs: 2}\n")
    steps = json.loads(run("solve", path, "--format", "json").stdout)["steps"]
    answers = tmp_path / "a.yaml"
    lines = ["problem: p.yaml", "answers:"]
    lines += [f'  "{s["key"]}": {s["value"]}' for s in steps if s["key"] != "new(w5)#3"]
    lines.append("  new(w5)#3: 0.1")  # unquoted: '#' inside a plain scalar is no comment
    lines.append("  new(w5)#9: 0.1")  # there are 8 updates
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = json.loads(run("check", answers, "--format", "json").stdout)["files"][0]
    items = {item["key"]: item for item in result["items"]}
    assert items["new(w5)#3"]["verdict"] == "wrong"
    assert items["new(w5)#9"]["verdict"] == "unknown"
    assert result["score"] == result["max_score"] - 1
    template = run("template", path)
    assert '"dE/dw1@2#6":' in template.stdout  # quoted: '#' after a space starts a comment
