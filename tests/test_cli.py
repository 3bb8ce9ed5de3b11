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
    assert not [line for line in rich.stdout.splitlines() if line.endswith(" ")]  # piped


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
    from bptutor.views.gradebook import REVEAL

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


# -- solve --step never erases, never gives away; show; the exercise block --------------------

def test_step_diagram_fills_in_only_after_its_forward_pass(run):
    out = run("solve", TANH, "--step", "--no-color", input="\n" * 100).stdout
    assert "\x1b[" not in out  # nothing moves the cursor or erases a line
    first_step = out.index("[pre] z(q)")
    assert "q  ?" in out[:first_step] and "y  ?" in out[:first_step]
    assert "-0.66" not in out[:first_step] and "-0.94" not in out[:first_step]
    filled = out.index("q -0.66")  # drawn again once y is known, before the loss
    assert out.index("[act] y ") < filled < out.index("Loss")
    assert out.count("layer 2 · tanh") == 2


def test_step_on_a_terminal_writes_no_erase_codes():
    import io

    from rich.console import Console

    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve
    from bptutor.views.rich_view import render_stepwise

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    answers = iter(["", "", "q"])
    shown = render_stepwise(solve(load(TANH)), console, None, lambda: next(answers), True, True)
    text = console.file.getvalue()
    assert shown == 3 and "\x1b[1A" not in text and "\x1b[2K" not in text
    assert "Enter or Space: next step" in text


def test_step_keys_next_quit_and_end(monkeypatch):
    from bptutor.views import keypress

    for pressed, meaning in (([b"x", b"\r"], ""), ([b" "], ""), ([b"\x1b[C"], ""),
                             ([b"q"], "q"), ([b"\x04"], None), ([b""], None)):
        feed = iter(pressed)
        monkeypatch.setattr(keypress, "_one_key", lambda fd=None, feed=feed: next(feed))
        assert keypress.read_key() == meaning, pressed


def test_a_key_is_read_without_echo():
    """On a real terminal (a pty) the key is read and nothing is echoed back. The key is typed
    only once the reader has switched echo off (as a person types after the prompt); the reader
    runs in a thread so a regression fails the test instead of hanging it."""
    import os
    import pty
    import select
    import termios
    import threading
    import time

    from bptutor.views.keypress import _one_key

    main, child = pty.openpty()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(_one_key(child)), daemon=True)
    try:
        reader.start()
        deadline = time.monotonic() + 5
        while termios.tcgetattr(child)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.01)
        os.write(main, b" ")
        reader.join(timeout=5)
        assert got == [b" "]
        ready, _, _ = select.select([main], [], [], 0.2)
        assert not ready or os.read(main, 100) == b""
    finally:
        os.close(main)
        os.close(child)


def test_show_prints_the_exercise_without_answers(run, solve_json):
    steps = solve_json(TANH)["steps"]
    out = run("show", TANH, "--no-color").stdout
    for given in ("x1=1", "x3=1", "t(y)=1", "u3=-1", "w2=-5", "η=0.1", "x1 ─u1=0.2→ q"):
        assert given in out, given
    assert "E = (t - y)²" in out and "rounded to 2 decimals" in out
    assert "new(u3)" in out and "dE/dq" in out  # what to compute, named
    for step in steps:
        assert f" {step['key']} {step['value']}" not in out  # no diagram value
    assert "-0.66" not in out and "3.76" not in out and "-0.94" not in out


def test_show_formats_and_files(run, tmp_path):
    md = run("show", "xor", "-f", "markdown").stdout
    assert md.startswith("# one batch step on XOR") and "| 4 | 1 | 1 | 0 |" in md
    tex = tmp_path / "q.tex"
    assert run("show", "graph-reuse", "-f", "latex", "-o", tex).exit_code == 0
    sheet = tex.read_text()
    assert sheet.startswith(r"\documentclass") and r"\section*{Compute}" in sheet
    again = run("show", "graph-reuse", "-f", "latex", "-o", tex)
    assert again.exit_code == 2 and "--force" in again.stderr
    plain = tmp_path / "q.txt"
    assert run("show", TANH, "-o", plain).exit_code == 0
    assert "\x1b[" not in plain.read_text() and "u1=0.2" in plain.read_text()
    assert "delta notation" in run("show", TANH, "--notation", "delta").stdout
    assert "exact (no rounding)" in run("show", TANH, "--exact").stdout


def test_show_bad_input_is_located(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bptutor: 1\ntitle: [\n", encoding="utf-8")
    result = run("show", bad)
    assert result.exit_code == 2 and result.stderr.startswith(f"{bad}:")
    assert run("show", TANH, "-f", "json").exit_code == 2


def test_template_begins_with_the_exercise_as_comments(run, tmp_path):
    text = run("template", "tanh-chain").stdout  # a bundled name reads back from anywhere
    head = text[:text.index("problem:")]
    assert all(line.startswith("#") for line in head.splitlines())
    assert "u1=0.2" in head and "t(y)=1" in head and "q  ?" in head and "-0.66" not in head
    answers = tmp_path / "a.yaml"
    answers.write_text(text.replace("  q: ", "  q: -0.66 ", 1), encoding="utf-8")
    marked = run("check", answers, "-f", "json")
    assert marked.exit_code == 1  # read back as an answers file: q right, the rest missing
    assert '"correct"' in marked.stdout


# -- issue 14: safe output, safe writes, the problem reference read back as written -------------

def _bptutor(*args, cwd=None, env=None, timeout=60, **kwargs) -> subprocess.CompletedProcess:
    """The real program in a subprocess (main(): the encoding, a closed pipe)."""
    return subprocess.run([sys.executable, "-m", "bptutor", *map(str, args)], cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout,
                          capture_output=True, **kwargs)


@pytest.mark.parametrize("args, code", [(("solve", "tanh-chain"), 0), (("list",), 0),
                                        (("check", "a.yaml"), 1)])
def test_output_is_utf8_whatever_the_locale(tmp_path, args, code):
    # cp1252 (a Windows redirect) cannot encode σ′ or ✓: it was a traceback and exit 1
    (tmp_path / "a.yaml").write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n",
                                     encoding="utf-8")
    done = _bptutor(*args, cwd=tmp_path, env={"PYTHONIOENCODING": "cp1252"})
    assert done.returncode == code, done.stderr
    assert b"Traceback" not in done.stderr
    text = done.stdout.decode("utf-8")  # UTF-8, not cp1252
    assert any(mark in text for mark in ("σ", "✓", "tanh", "·"))


def test_a_closed_pipe_keeps_the_gradebook_and_the_exit_code(tmp_path):
    for i in range(40):
        (tmp_path / f"s{i:02}.yaml").write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n",
                                                encoding="utf-8")
    files = sorted(p.name for p in tmp_path.glob("s*.yaml"))
    # `bptutor check … --csv g.csv | head -1`: the reader goes away after one line
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"],
                              stdin=subprocess.PIPE)
    done = subprocess.run([sys.executable, "-m", "bptutor", "check", *files, "--csv", "g.csv"],
                          cwd=tmp_path, stdout=reader.stdin, stderr=subprocess.PIPE,
                          timeout=120)
    reader.stdin.close()
    reader.wait(timeout=30)
    assert done.returncode == 1  # some answers missing: check's own code, not a pipe error
    assert done.stderr == b""
    assert len((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()) == 41


@pytest.mark.parametrize("name", ["xor #2.yaml", "a: b.yaml", "-lead.yaml", "q'uo\"te.yaml",
                                  "Übung σ.yaml", "null", "x.yaml # not a comment"])
def test_template_names_its_problem_so_that_it_reads_back(run, tmp_path, monkeypatch, name):
    # `problem: xor #2.yaml` read back as `xor`: every student marked against the bundled XOR
    import hashlib

    monkeypatch.chdir(tmp_path)
    problem = tmp_path / name
    problem.write_bytes((PROBLEMS / "xor.yaml").read_bytes().replace(b"0.5", b"0.25", 1))
    made = run("template", f"./{name}", "-o", "ans.yaml")  # ./ : "-lead.yaml" is no option
    assert made.exit_code == 0, made.stderr
    marked = run("check", "ans.yaml", "-f", "json")
    assert marked.exit_code == 1, marked.stderr  # all missing
    entry = json.loads(marked.stdout)["files"][0]
    assert entry["problem"]["sha256"] == hashlib.sha256(problem.read_bytes()).hexdigest()[:12]
    assert entry["problem"]["name"] == name  # relative to the answers file, as written


def test_no_command_overwrites_its_input(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ben = tmp_path / "ben.yaml"
    ben.write_text("problem: p.yaml\nanswers:\n  q: -0.66\n", encoding="utf-8")
    problem = tmp_path / "p.yaml"
    problem.write_bytes(TANH.read_bytes())
    before = {p: p.read_bytes() for p in (ben, problem)}
    attempts = [("check", "ben.yaml", "--csv", "ben.yaml", "--force"),
                ("check", "ben.yaml", "--csv", "./ben.yaml", "--force"),
                ("check", "ben.yaml", "--csv", "p.yaml", "--force"),  # the problem it names
                ("check", "ben.yaml", "--problem", "p.yaml", "--csv", "sub/../p.yaml", "--force"),
                ("template", "p.yaml", "-o", "./p.yaml", "--force"),
                ("draw", "p.yaml", "-o", "p.yaml", "--force"),
                ("solve", "p.yaml", "--save-svg", "p.yaml", "--force"),
                ("new", "--like", "p.yaml", "-o", "p.yaml", "--force"),
                ("train", "p.yaml", "-n", "1", "--save", "p.yaml", "--force", "-f", "json")]
    (tmp_path / "sub").mkdir()
    for args in attempts:
        result = run(*args)
        assert result.exit_code == 2, (args, result.stdout)
        assert "own input" in result.stderr and "even with --force" in result.stderr, args
    assert {p: p.read_bytes() for p in (ben, problem)} == before


def test_dash_is_standard_output_for_every_writer(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    svg = run("solve", "tanh-chain", "--save-svg", "-", "-f", "json")
    assert svg.exit_code == 0 and "<svg" in svg.stdout
    html = run("solve", "tanh-chain", "--save-html", "-", "-f", "json")
    assert html.exit_code == 0 and "<html" in html.stdout.lower()
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("named", ["fifo.yaml", "/dev/stdin"])
def test_a_problem_that_would_block_is_refused_at_once(tmp_path, named):
    # a class run waited forever on a FIFO or on standard input
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "a.yaml").write_text(f"problem: {named}\nanswers:\n  q: -0.66\n",
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n",
                                     encoding="utf-8")
    done = _bptutor("check", "a.yaml", "b.yaml", "-f", "json", cwd=tmp_path, timeout=30,
                    stdin=subprocess.PIPE)  # a standard input that never ends
    assert done.returncode == 2
    kind = "a FIFO" if named == "fifo.yaml" else "(a FIFO|a device)"  # stdin: here a pipe
    assert re.match(rf"a\.yaml:1:10: error: problem '.*': this is {kind}, not a problem file",
                    done.stderr.decode()), done.stderr
    files = json.loads(done.stdout)["files"]
    assert [(f["path"], f["status"]) for f in files] == [("a.yaml", "error"), ("b.yaml", "marked")]
    also = _bptutor("check", "b.yaml", "--problem", "fifo.yaml", cwd=tmp_path, timeout=30)
    assert also.returncode == 2 and b"this is a FIFO" in also.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("args", [["solve", "xor"], ["solve", "xor", "-f", "json"],
                                  ["template", "xor"], ["list"], ["gradcheck", "tanh-chain"]])
def test_a_full_disk_on_stdout_is_an_error_not_a_traceback(args):
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "bptutor", *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("<stdout>:1:1: error: cannot write the output: No space left")
    assert "Traceback" not in done.stderr


def test_show_never_overwrites_its_problem_even_with_force(run, tmp_path):
    problem = tmp_path / "p.yaml"
    problem.write_text((PROBLEMS / "tanh-chain.yaml").read_text(encoding="utf-8"),
                       encoding="utf-8")
    before = problem.read_bytes()
    result = run("show", problem, "-f", "markdown", "-o", problem, "--force")
    assert result.exit_code == 2
    assert problem.read_bytes() == before


@pytest.mark.parametrize("args", [("--help",), (), ("--no-such-option",)])
def test_an_app_of_the_named_command_alone_answers_as_the_whole_app(args):
    """``main`` runs an app holding only the command named (start-up builds one command's
    options, not all): its help, usage errors and exit codes are the whole app's."""
    from typer.testing import CliRunner

    from bptutor.cli import app, app_for

    runner = CliRunner()
    names = [info.name or info.callback.__name__ for info in app.registered_commands]
    assert len(names) > 10
    for name in names:
        if name == "new" and not args:
            continue  # a random problem each time
        one = app_for(["bptutor", name, *args])
        assert [i.name or i.callback.__name__ for i in one.registered_commands] == [name]
        mine, whole = (runner.invoke(a, [name, *args], prog_name="bptutor") for a in (one, app))
        assert (mine.exit_code, mine.stdout, mine.stderr) == \
            (whole.exit_code, whole.stdout, whole.stderr), name
    assert app_for(["bptutor", "chek"]) is app and app_for(["bptutor"]) is app
