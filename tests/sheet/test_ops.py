"""Ops' texts: a step whose whole formula is one bracketed sum is written without brackets."""

from __future__ import annotations

import pytest
from conftest import PROBLEMS

from bptutor.files.problems import bundled_names, load
from bptutor.sheet.ops import unbracketed
from bptutor.sheet.worksheet import solve


def one_bracketed_whole(text: str) -> bool:
    """Whether ``text`` is ``( … )`` with the first bracket closing at the very end."""
    if not text.startswith("("):
        return False
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def test_unbracketed():
    assert unbracketed("(o1 - t(o1))") == "o1 - t(o1)"
    assert unbracketed("(Φ(0.548) + 0.548·φ(0.548))") == "Φ(0.548) + 0.548·φ(0.548)"
    assert unbracketed("(1 - y)·(y - t)") == "(1 - y)·(y - t)"  # two brackets: a product
    assert unbracketed("(-0.3)·2") == "(-0.3)·2"
    assert unbracketed("σ(z)") == "σ(z)"


@pytest.mark.parametrize("name", bundled_names())
def test_no_step_is_one_bracketed_whole(name):
    sheet = solve(load(PROBLEMS / f"{name}.yaml"))
    for step in sheet.steps:
        assert not one_bracketed_whole(step.formula), (step.key, step.formula)
        assert not one_bracketed_whole(sheet.substituted(step)), step.key


def test_shared_bias_error_reads_without_brackets():
    sheet = solve(load(PROBLEMS / "mazur-shared-bias.yaml"))
    step = sheet.step("dE/do1")
    assert step.formula == "o1 - t(o1)"
    assert sheet.substituted(step) == "0.75137 - 0.01"
    assert sheet.show("dE/do1") == "0.74137"  # 0.75137 - 0.01 (Mazur's worked example)
