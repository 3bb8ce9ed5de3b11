"""`bptutor solve` through the real command line: the seed sheet's numbers, formats, options."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest
from conftest import PROBLEMS, ROOT

TANH = PROBLEMS / "tanh-chain.yaml"

# SPEC §3: the exercise sheet's published numbers (round 2, activation notation).
SHEET = {"y": -0.94, "dE/dy": -3.88, "dE/dp1": -0.09, "dE/dp2": 2.26, "dE/dq": -1.07,
         "dE/dw1": 0.24}


def by_key(doc: dict) -> dict:
    return {step["key"]: step for step in doc["steps"]}


def test_seed_sheet_numbers_come_out_exactly(solve_json):
    doc = solve_json(TANH)
    steps = by_key(doc)
    for key, value in SHEET.items():
        assert steps[key]["value"] == value, key
    assert steps["dE/dq"]["exact"] == pytest.approx(-1.1297, abs=5e-5)
    assert steps["dE/du3"]["exact"] == pytest.approx(-0.6316, abs=5e-5)
    assert steps["dE/dq"]["substituted"].endswith("= -0.06 - 1.01")


def test_json_is_the_spec_shape(solve_json):
    doc = solve_json(TANH)
    assert list(doc) == ["bptutor", "title", "round", "notation", "steps"]
    assert (doc["bptutor"], doc["round"], doc["notation"]) == (1, 2, "activation")
    kinds = {"preactivation", "activation", "loss", "error", "delta", "gradient", "update"}
    for step in doc["steps"]:
        assert list(step) == ["key", "kind", "value", "exact", "formula", "substituted"]
        assert step["kind"] in kinds
    keys = [s["key"] for s in doc["steps"]]
    # forward, loss, backward (neurons, then weights), update — the sheet's order
    assert keys[:2] == ["z(q)", "q"] and keys[8] == "E" and keys[9] == "dE/dy"
    assert keys.index("dE/dq") < keys.index("dE/dw1") < keys.index("new(w1)")


def test_exact_and_round_overrides(solve_json):
    exact = by_key(solve_json(TANH, "--exact"))
    assert exact["dE/dq"]["value"] == exact["dE/dq"]["exact"] == pytest.approx(-1.1297, abs=5e-5)
    three = solve_json(TANH, "--round", "3")
    assert three["round"] == 3
    assert by_key(three)["q"]["value"] == -0.664


def test_delta_notation_replaces_neuron_errors(solve_json):
    doc = solve_json(TANH, "--notation", "delta")
    steps = by_key(doc)
    assert doc["notation"] == "delta"
    assert "dE/dq" not in steps and "dE/dz(q)" in steps
    assert {s["kind"] for s in doc["steps"]} >= {"delta", "gradient"}
    activation = by_key(solve_json(TANH))
    for key in ("dE/du3", "dE/dw1", "new(v2)"):
        assert steps[key]["exact"] == pytest.approx(activation[key]["exact"], rel=1e-12)


def test_only_narrows_the_sections(solve_json):
    forward = [s["kind"] for s in solve_json(TANH, "--only", "forward")["steps"]]
    assert set(forward) == {"preactivation", "activation", "loss"}
    update = solve_json(TANH, "--only", "update")["steps"]
    assert {s["kind"] for s in update} == {"update"} and len(update) == 7


def test_rich_output_without_colour_keeps_every_kind(run):
    result = run("solve", TANH, "--no-color")
    assert result.exit_code == 0
    out = result.stdout
    assert "\x1b[" not in out
    for tag in ("[pre]", "[act]", "[loss]", "[err]", "[grad]", "[new]", "Legend"):
        assert tag in out
    for title in ("Forward pass", "Loss", "Backward pass", "Update"):
        assert title in out
    assert "-0.06 - 1.01" in out and "(exact -1.1297)" in out


def test_no_color_environment_variable(tmp_path):
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "1", "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "bptutor", "solve", str(TANH)], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "\x1b[3" not in out  # no colour codes (bold may remain)
    assert "[err]" in out


def test_colour_is_used_on_a_terminal():
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    out = subprocess.run([sys.executable, "-m", "bptutor", "solve", str(TANH)], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "\x1b[" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_markdown(run):
    result = run("solve", TANH, "--format", "markdown")
    assert result.exit_code == 0
    md = result.stdout
    assert md.startswith("# tanh chain")
    assert "## Backward pass" in md
    assert "| err | `dE/dq` |" in md and "**-1.07**" in md


def test_bundled_problem_by_name(solve_json):
    assert solve_json("tanh-chain")["title"].startswith("tanh chain")


def test_usage_errors_exit_2(run):
    result = run("solve", TANH, "--round", "2", "--exact")
    assert result.exit_code == 2
    assert run("solve", TANH, "--format", "html").exit_code == 2
    assert run("solve").exit_code == 2


def test_help_and_version(run):
    assert "solve" in run("--help").stdout
    help_text = run("solve", "--help").stdout
    assert "--round" in help_text and "Examples" in help_text
    assert run("--version").stdout.startswith("bptutor ")


def test_bundled_problems_ship_in_the_wheel(tmp_path):
    """A non-editable install carries problems/ as bptutor/problems and finds them by name."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True)
    wheel = next(tmp_path.glob("bptutor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bptutor/problems/tanh-chain.yaml" in names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import bptutor, sys; assert 'site' in bptutor.__file__, bptutor.__file__; "
            "from bptutor.cli import main; sys.argv = ['bptutor', 'solve', 'tanh-chain', "
            "'-f', 'json']; main()")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["title"].startswith("tanh chain")


def test_step_shows_one_step_per_enter_and_q_quits(run):
    full = run("solve", TANH, "--step", input="\n" * 100)
    assert full.exit_code == 0
    keys = [line.split()[1] for line in full.stdout.splitlines()
            if re.match(r"^\[(pre|act|loss|err|grad|new)\] ", line)]
    expected = [s["key"] for s in json.loads(run("solve", TANH, "-f", "json").stdout)["steps"]]
    assert keys == expected

    three = run("solve", TANH, "--step", input="\n\nq\n")
    shown = [line for line in three.stdout.splitlines() if re.match(r"^\[\w+\] ", line)]
    assert [line.split()[1] for line in shown] == expected[:3]
    assert three.exit_code == 0

    dry = run("solve", TANH, "--step", input="")  # end of input stops after the first step
    assert len([line for line in dry.stdout.splitlines() if line.startswith("[pre]")]) == 1


def test_step_needs_the_terminal_view(run):
    result = run("solve", TANH, "--step", "-f", "json")
    assert result.exit_code == 2
    assert "--step" in result.stderr


def test_list_names_every_bundled_problem_with_its_title(run):
    from bptutor.files.problems import bundled_names, load

    doc = json.loads(run("list", "-f", "json").stdout)
    assert [p["name"] for p in doc] == bundled_names()
    tanh = next(p for p in doc if p["name"] == "tanh-chain")
    assert tanh["title"] == load("tanh-chain").title == "tanh chain (exercise sheet)"
    assert tanh["source"].startswith("DL4NLP exercise 3 (TU Darmstadt)")
    rich = run("list")
    assert rich.exit_code == 0
    for name in bundled_names():
        assert re.search(rf"^{re.escape(name)} ", rich.stdout, re.M), name


def test_every_command_help_has_an_example(run):
    commands = [line.split()[1] for line in run("--help").stdout.splitlines()
                if re.match(r"^│ [a-z]+ ", line)]
    assert {"solve", "template", "check", "gradcheck", "list"} <= set(commands)
    for command in commands:
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Examples:" in result.stdout and f"bptutor {command}" in result.stdout, command


def test_json_writes_minus_zero_as_zero(run):
    import math

    doc = json.loads(run("solve", TANH, "-f", "json").stdout)
    u2 = by_key(doc)["dE/du2"]
    assert u2["exact"] == 0 and math.copysign(1.0, u2["exact"]) == 1.0  # the exact −0.0


def test_template_dash_means_standard_output(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("template", "tanh-chain", "-o", "-")
    assert result.exit_code == 0 and "answers:" in result.stdout
    assert not (tmp_path / "-").exists()


def test_unwritable_csv_is_an_error_not_a_traceback(run, tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n", encoding="utf-8")
    result = run("check", answers, "--csv", tmp_path / "no" / "such" / "g.csv")
    assert result.exit_code == 2
    assert re.search(r"g\.csv:1:1: error: cannot write the file", result.stderr)
