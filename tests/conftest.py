"""Shared helpers: run the real CLI in-process and read its JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bptutor.cli import app

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"


@pytest.fixture
def run():
    """run(*args) -> click Result, with stdout and stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def solve_json(run):
    """solve_json(problem, *options) -> {key: step} from `solve --format json`."""

    def solve(problem, *options: str) -> dict:
        result = run("solve", problem, "--format", "json", *options)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return solve


def assert_located(err: str, path, line: int, col: int, words=(), hint: str | None = None) -> str:
    """stderr holds `path:line:col: error: …` with these words (and this hint)."""
    match = re.search(rf"^{re.escape(str(path))}:(\d+):(\d+): error: (.*)$", err, re.M)
    assert match, err
    assert (int(match[1]), int(match[2])) == (line, col), err
    for word in words:
        assert word in match[3], err
    if hint is not None:
        assert re.search(rf"^hint: .*{re.escape(hint)}", err, re.M), err
    return err
