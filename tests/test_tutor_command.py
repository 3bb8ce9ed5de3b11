"""`bptutor tutor` on the command line: located errors before the app, and Textual kept out of
every other command (the app itself is tested headless in tests/views/test_tutor.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, assert_located


def test_a_missing_file_is_a_located_error_and_no_app(run, tmp_path):
    missing = tmp_path / "missing.yaml"
    result = run("tutor", missing)
    assert result.exit_code == 2 and result.stdout == ""
    assert_located(result.stderr, missing, 1, 1, ["no such file"])


def test_a_broken_file_is_a_located_error(run, tmp_path):
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "problems" / "tanh-chain.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("activation: tanh", "activation: tanhh", 1), encoding="utf-8")
    line = text[:text.index("activation: tanh")].count("\n") + 1
    col = len(text.splitlines()[line - 1].split("tanh")[0]) + 1  # the value's column
    result = run("tutor", broken)
    assert result.exit_code == 2 and result.stdout == ""
    assert_located(result.stderr, broken, line, col, ["tanhh"])


def test_options_are_checked_as_elsewhere(run):
    graph = run("tutor", "graph-c-a-2b", "--notation", "delta")
    assert graph.exit_code == 2 and "--notation delta does not apply" in graph.stderr
    both = run("tutor", "tanh-chain", "--round", "2", "--exact")
    assert both.exit_code == 2 and "give --round N or --exact, not both" in both.stderr
    carry = run("tutor", "tanh-chain", "--carry", "yours")
    assert carry.exit_code == 2 and "'yours' is not one of 'right', 'mine'" in carry.stderr


def test_without_a_terminal_it_says_what_to_use_instead(run):
    result = run("tutor", "tanh-chain")  # the test runner's streams are no terminal
    assert result.exit_code == 2
    assert "needs a terminal" in result.stderr and "bptutor quiz" in result.stderr


COMMANDS = {
    "--help": ["--help"],
    "tutor --help": ["tutor", "--help"],
    "tutor, bad file": ["tutor", "no-such-problem.yaml"],
    "solve": ["solve", "tanh-chain"],
    "solve --step": ["solve", "tanh-chain", "--step"],
    "quiz": ["quiz", "tanh-chain"],
    "template": ["template", "tanh-chain"],
    "draw": ["draw", "xor"],
    "list": ["list"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_no_other_command_imports_textual(command):
    code = ("import sys\nfrom bptutor.cli import app\n"
            f"try:\n    app({COMMANDS[command]!r})\nexcept SystemExit:\n    pass\n"
            "print('textual' in sys.modules, 'rich' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, input="\n" * 40 + "q\n", timeout=60)
    textual, rich = done.stderr.split()[-2:]
    assert textual == "False", command
    if command == "solve":  # the probe sees imports: a command that renders has loaded rich
        assert rich == "True"


def test_the_tutor_module_is_what_loads_textual():
    code = ("import sys; import bptutor.views.tutor_parts as parts; "
            "before = 'textual' in sys.modules; import bptutor.views.tutor; "
            "print(before, 'textual' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["False", "True"]
