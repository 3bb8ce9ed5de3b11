"""Shared helpers: run the real CLI in-process and read its JSON."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bptutor.cli import app

# BPTUTOR_HYPOTHESIS_SCALE=k (unset by default: the suite runs as written) multiplies every
# property test's max_examples by k, even where a test fixes it, and turns off the example
# database so each seed is a fresh search; a hunt for seed-dependent verdicts runs the
# modules many times with `--hypothesis-seed=N` under it
HYPOTHESIS_SCALE = int(os.environ.get("BPTUTOR_HYPOTHESIS_SCALE", "0") or 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A hypothesis profile cannot do this: a test's own @settings(max_examples=…) wins."""
    if HYPOTHESIS_SCALE <= 1:
        return
    from hypothesis import settings

    scaled: set[int] = set()
    for item in items:
        test = getattr(item, "obj", None)
        if not getattr(test, "is_hypothesis_test", False) or id(test) in scaled:
            continue
        scaled.add(id(test))
        own = test._hypothesis_internal_use_settings
        test._hypothesis_internal_use_settings = settings(
            own, max_examples=own.max_examples * HYPOTHESIS_SCALE, database=None, print_blob=True
        )


ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"

# XOR's four examples on a 2-2-1 sigmoid net at 2 decimals: the SPEC §7 tests add a
# `training:` block to it
XOR_SHEET = """bptutor: 1
title: xor
round: 2
loss: half_squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: sigmoid
      weights: [[0.5, -0.4], [0.3, 0.8]]
      weight_names: [[w1, w2], [w3, w4]]
      bias: [0.1, -0.2]
    - neurons: [y]
      activation: sigmoid
      weights: [[0.7, -0.6]]
      weight_names: [[w5, w6]]
examples:
  - {input: [0, 0], target: [0]}
  - {input: [0, 1], target: [1]}
  - {input: [1, 0], target: [1]}
  - {input: [1, 1], target: [0]}
learning_rate: 0.5
"""


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
