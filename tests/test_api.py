"""The public API: ``import bptutor`` and its seven names, loaded lazily."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest
from conftest import ROOT

import bptutor

API = {"load", "solve", "grade", "Worksheet", "Step", "BptutorError", "__version__"}

# SPEC §3: the exercise sheet's published numbers (round 2, activation notation).
SHEET = {"y": -0.94, "dE/dy": -3.88, "dE/dp1": -0.09, "dE/dp2": 2.26, "dE/dq": -1.07,
         "dE/dw1": 0.24}


def test_all_lists_exactly_the_api_and_each_name_resolves():
    assert set(bptutor.__all__) == API and len(bptutor.__all__) == len(API)
    for name in bptutor.__all__:
        assert getattr(bptutor, name) is not None, name
    assert API <= set(dir(bptutor))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = bptutor.nothing  # type: ignore[attr-defined]


def test_names_are_the_library_objects():
    from bptutor.errors import BptutorError
    from bptutor.files.problems import load
    from bptutor.sheet.ops import Step
    from bptutor.sheet.worksheet import Worksheet, solve

    assert (bptutor.BptutorError, bptutor.load, bptutor.Step) == (BptutorError, load, Step)
    assert (bptutor.Worksheet, bptutor.solve) == (Worksheet, solve)


def test_load_and_solve_give_the_published_sheet():
    problem = bptutor.load("tanh-chain")
    assert problem.title == "tanh chain (exercise sheet)"
    sheet = bptutor.solve(problem)
    assert isinstance(sheet, bptutor.Worksheet)
    for key, value in SHEET.items():
        assert sheet.values[key] == value, key
    assert sheet.exact["dE/dq"] == pytest.approx(-1.1297, abs=5e-5)
    assert all(isinstance(step, bptutor.Step) for step in sheet.steps)
    exact = bptutor.solve(problem, None)  # digits=None: no rounding anywhere
    assert exact.values["dE/dq"] == exact.exact["dE/dq"] != -1.07


def test_load_of_a_broken_file_raises_the_located_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bptutor: 1\ntitle: [\n", encoding="utf-8")
    with pytest.raises(bptutor.BptutorError) as caught:
        bptutor.load(bad)
    assert str(caught.value).startswith(f"{bad}:")


def test_grade_gives_the_verdicts_check_gives(run, tmp_path):
    answers = tmp_path / "ada.yaml"
    answers.write_text("problem: tanh-chain\nstudent: Ada\nanswers:\n"
                       "  q: -0.66\n"  # right
                       "  dE/dq: 1.07\n"  # the sign flipped
                       "  dE/dw1: 0.255\n"  # the exact value: a rounding path
                       "  y: -0.9\n"
                       "  dE/dy:\n"  # left empty
                       "  dE/dnothing: 1\n", encoding="utf-8")
    report = bptutor.grade(answers)
    mine = {item.key: item.verdict for item in report.items}
    assert mine["q"] == "correct" and mine["dE/dq"] == "wrong"
    assert mine["dE/dy"] == "missing" and mine["dE/dnothing"] == "unknown"
    checked = run("check", answers, "-f", "json")
    assert checked.exit_code == 1  # not every answer earned its point
    [doc] = json.loads(checked.stdout)["files"]
    assert {item["key"]: item["verdict"] for item in doc["items"]} == mine
    assert report.student == "Ada" and (report.score, report.max_score) == (
        doc["score"], doc["max_score"])


def test_grade_against_a_given_sheet_and_one_pass(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: tanh-chain\nanswers:\n  q: -0.66\n  dE/dq: -1.07\n",
                       encoding="utf-8")
    sheet = bptutor.solve(bptutor.load("tanh-chain"))
    backward = bptutor.grade(answers, sheet, "backward")
    assert [item.key for item in backward.items if item.verdict != "missing"] == ["dE/dq"]
    assert all(item.step is None or item.step.section == "backward" for item in backward.items)


def test_version_is_the_installed_distributions():
    assert bptutor.__version__ == version("bptutor")
    out = subprocess.run([sys.executable, "-m", "bptutor", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out == f"bptutor {version('bptutor')}\n"


def test_version_without_installed_metadata_is_pyprojects(monkeypatch):
    import importlib.metadata

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert bptutor._version() == project["project"]["version"]


def test_import_loads_nothing_heavy():
    """The CLI imports bptutor first: the package itself must cost nothing at start-up."""
    code = ("import sys, bptutor; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('bptutor', 'numpy', 'rich', 'yaml', 'typer', 'click', 'importlib_metadata') "
            "or m == 'importlib.metadata'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['bptutor']"


def test_first_use_loads_only_what_the_name_needs():
    code = ("import sys, bptutor; bptutor.solve; "
            "print(sorted(m for m in ('numpy', 'rich', 'typer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
