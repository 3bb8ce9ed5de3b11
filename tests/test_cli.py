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


# -- the CLI only declares: choices from the library, behaviour in library functions ---------

def _option(command: str, name: str):
    import typer.main

    from bptutor.cli import app

    params = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    return next(p for p in params if name in (p.name, *getattr(p, "opts", ())))


def test_choices_are_the_library_tuples_and_the_formats_registry():
    from bptutor.files.schema import KINDS
    from bptutor.model.network import NOTATIONS
    from bptutor.sheet.worksheet import ONLY
    from bptutor.tools.gradcheck import METHODS
    from bptutor.tools.quiz import CARRY
    from bptutor.tools.training import MODES
    from bptutor.views import formats
    from bptutor.views.check_view import REVEAL

    expected = {
        ("solve", "--format"): formats.SHEET, ("check", "--format"): formats.CHECK,
        ("list", "--format"): formats.LIST, ("gradcheck", "--format"): formats.GRADCHECK,
        ("train", "--format"): formats.TRAIN, ("draw", "--format"): formats.DRAW,
        ("solve", "--notation"): NOTATIONS, ("quiz", "--notation"): NOTATIONS,
        ("solve", "--only"): ONLY, ("template", "--only"): ONLY, ("quiz", "--only"): ONLY,
        ("check", "--reveal"): REVEAL, ("gradcheck", "--method"): METHODS,
        ("train", "--mode"): MODES, ("quiz", "--carry"): CARRY, ("schema", "name"): KINDS,
    }
    for (command, option), names in expected.items():
        assert tuple(_option(command, option).type.choices) == tuple(names), (command, option)


def test_every_registered_format_runs(run):
    from bptutor.views import formats

    for fmt in formats.SHEET:
        assert run("solve", TANH, "-f", fmt).stdout.strip(), fmt
    for fmt in formats.DRAW:
        assert run("draw", TANH, "-f", fmt).exit_code == 0, fmt
    assert "html" not in formats.SHEET and run("solve", TANH, "-f", "html").exit_code == 2


def test_starting_loads_no_library_and_json_loads_no_rich():
    """Choices are read when a command runs: start-up imports typer, not the library."""
    code = ("import sys; import bptutor.cli; print(sorted(m for m in sys.modules if "
            "m.startswith('bptutor') or m.split('.')[0] in ('numpy', 'rich', 'yaml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['bptutor', 'bptutor.cli', 'bptutor.errors']"
    code = ("import sys; from bptutor.cli import app\n"
            "try:\n    app(['solve', 'tanh-chain', '-f', 'json', '--only', 'backward', "
            "'--notation', 'delta'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('numpy', 'rich') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip() == "[]" and json.loads(done.stdout)["notation"] == "delta"


def test_library_option_errors_are_usage_errors_on_the_option(run):
    result = run("train", "xor", "--mode", "minibatch")
    assert result.exit_code == 2
    assert "Invalid value for --mode: --mode minibatch needs --batch-size B" in " ".join(
        result.stderr.replace("│", " ").split())
    result = run("solve", TANH, "--round", "2", "--exact")
    assert result.exit_code == 2 and "give --round N or --exact, not both" in result.stderr


def test_train_settings_are_checked_in_the_library():
    from bptutor.errors import OptionError
    from bptutor.tools.training import Settings, checked_settings

    assert checked_settings() == Settings(mode="batch")
    assert checked_settings(batch_size=2).mode == "minibatch"
    assert checked_settings(10, "online", None, 0.5, 0.9, 0.1, 3, True) == Settings(
        10, "online", None, 0.5, 0.9, 0.1, 3, True)
    refused = {"--mode": dict(mode="minibatch"), "--batch-size": dict(mode="online",
                                                                       batch_size=2),
               "--learning-rate": dict(learning_rate=0.0), "--momentum": dict(momentum=1.0),
               "--l2": dict(l2=-1e-9)}
    for option, kwargs in refused.items():
        with pytest.raises(OptionError) as caught:
            checked_settings(**kwargs)  # type: ignore[arg-type]
        assert caught.value.option == option, kwargs
    with pytest.raises(OptionError):
        checked_settings(learning_rate=float("nan"))


def test_asked_digits():
    from bptutor.errors import OptionError
    from bptutor.model.rounding import asked_digits

    assert (asked_digits(None, False), asked_digits(3, False), asked_digits(None, True)) == (
        "file", 3, None)
    with pytest.raises(OptionError):
        asked_digits(0, True)


def test_gradcheck_of_every_bundled_problem_and_of_an_answers_file(tmp_path):
    from bptutor.files.problems import bundled_names
    from bptutor.tools.gradcheck import check_answers_file, check_bundled

    bundled = check_bundled()
    assert [name for name, _ in bundled.reports] == bundled_names() and bundled.passed
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: tanh-chain\nanswers:\n  dE/du3: -0.63\n  dE/dw1: -0.24\n",
                       encoding="utf-8")
    report = check_answers_file(str(answers))
    verdicts = {item.key: item.verdict for item in report.items}
    assert verdicts == {"dE/du3": "rounding", "dE/dw1": "wrong"} and not report.passed
    assert report.answers == str(answers)


def test_outputs_share_one_rule(run, tmp_path, monkeypatch):
    """-o - prints, an existing file needs --force, a written file is announced."""
    monkeypatch.chdir(tmp_path)
    printed = run("draw", "tanh-chain", "-o", "-")
    assert printed.exit_code == 0 and printed.stdout.startswith("digraph")
    assert not (tmp_path / "-").exists()
    made = run("draw", "tanh-chain", "-o", "net.dot")
    assert made.stderr == "wrote net.dot\n" and (tmp_path / "net.dot").read_text(
        encoding="utf-8") == printed.stdout
    again = run("draw", "tanh-chain", "-o", "net.dot")
    assert again.exit_code == 2 and "net.dot:1:1: error: the file exists" in again.stderr
    assert run("draw", "tanh-chain", "-o", "net.dot", "--force").exit_code == 0
    (tmp_path / "old.yaml").write_text("x", encoding="utf-8")
    refused = run("train", "xor", "--epochs", "1", "--save", "old.yaml", "-f", "json")
    assert refused.exit_code == 2 and refused.stdout == ""  # refused before training


def test_draw_example_beyond_the_batch_is_a_usage_error(run):
    result = run("draw", "xor", "--example", "9")
    assert result.exit_code == 2 and "the problem has 4 example(s)" in result.stderr
