"""The terminal views against their output before they became styled text.

tests/views/baseline/ holds what ``solve``, ``solve --step``, ``check`` and ``gradcheck``
printed for every bundled problem when each step, answer and gradient was a rich Table row
(captured by scripts/view_baseline.py, as processes, piped and with FORCE_COLOR / NO_COLOR
at 50, 80 and 160 columns). Each case runs again here and must say the same thing in the
same colours: the comparison is exact on every visible character and its style, line by
line, after joining a wrapped line's continuations (the views now wrap formulas at their
operators) and ignoring padding (right-justified cells, trailing spaces). How the columns
line up is tested on the new output itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bptutor.cli import app

BASELINE = Path(__file__).parent / "baseline"
CASES = json.loads((BASELINE / "cases.json").read_text(encoding="utf-8"))
SGR = re.compile(r"\x1b\[([0-9;]*)m")
CELL_BORDERS = "│┃╇╋┼"
Char = tuple[str, str]  # a character and the SGR parameters it is written with


def styled(line: str) -> list[Char]:
    """The line's characters with their styles (a space's style is invisible: none)."""
    chars: list[Char] = []
    style = ""
    position = 0
    for match in SGR.finditer(line):
        chars += [(c, "" if c == " " else style) for c in line[position:match.start()]]
        style = "" if match[1] in ("", "0") else match[1]
        position = match.end()
    chars += [(c, "" if c == " " else style) for c in line[position:]]
    while chars and chars[-1][0] == " ":
        chars.pop()
    return chars


def _strip(chars: list[Char]) -> list[Char]:
    start, end = 0, len(chars)
    while start < end and chars[start][0] == " ":
        start += 1
    while end > start and chars[end - 1][0] == " ":
        end -= 1
    return chars[start:end]


def _joined(before: list[Char], after: list[Char]) -> list[Char]:
    """A wrapped piece put back: after a product's dot directly, else after one space."""
    after = _strip(after)
    if not after:
        return before
    if not before:
        return after
    return before + ([] if before[-1][0] == "·" else [(" ", "")]) + after


def _cells(chars: list[Char]) -> list[list[Char]]:
    cells: list[list[Char]] = [[]]
    for char in chars:
        if char[0] in CELL_BORDERS:
            cells.append([])
        else:
            cells[-1].append(char)
    return cells


def canonical(chars: list[Char]) -> str:
    """Characters with a ⟨style⟩ mark where the style changes, spaces collapsed, rules of
    any length as one character."""
    out: list[str] = []
    current = None
    for char, style in chars:
        if char == " ":
            if out and out[-1] != " ":
                out.append(" ")
            current = None
            continue
        if char in "─━" and out and out[-1] == char:
            continue
        if style != current:
            out.append(f"⟨{style}⟩")
            current = style
        out.append(char)
    return "".join(out).strip()


def logical_rows(text: str) -> list[str]:
    """The output's lines, each with its wrapped continuations joined back on (a table's
    cell by cell), padding gone."""
    rows: list[list[Char]] = []
    for line in text.split("\n"):
        chars = styled(line)
        continues = (rows and rows[-1] and chars and chars[0][0] == " "
                     and rows[-1][0][0] != " ")
        if continues and any(c[0] in CELL_BORDERS for c in chars) and \
                any(c[0] in CELL_BORDERS for c in rows[-1]):
            merged = [_joined(_strip(a), b) for a, b in zip(_cells(rows[-1]), _cells(chars))]
            rows[-1] = [c for cell in merged for c in [*cell, ("│", "")]][:-1]
        elif continues:
            rows[-1] = _joined(rows[-1], chars)
        else:
            rows.append(chars)
    return [canonical(_table_row(row)) for row in rows]


def _table_row(chars: list[Char]) -> list[Char]:
    """A table row with each cell's padding gone (so right-justified numbers compare)."""
    if not any(c[0] in CELL_BORDERS for c in chars):
        return chars
    out: list[Char] = []
    for cell in _cells(chars):
        out += [*_strip(cell), ("│", "")]
    return out[:-1]


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_same_output_as_the_table_views(case, runner, monkeypatch):
    monkeypatch.chdir(BASELINE)
    for variable in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(variable, raising=False)
    result = runner.invoke(app, case["args"], input=case["stdin"] or None,
                           env={"LINES": "50", **case["env"]}, catch_exceptions=False)
    expected = (BASELINE / f"{case['name']}.txt").read_text(encoding="utf-8")
    assert result.exit_code == case["exit"], result.stderr
    trailing = [line for line in result.stdout.splitlines() if line.endswith(" ")]
    assert not trailing, trailing[:3]  # --step's exercise block too (views/exercise.py)
    if case["args"][0] == "gradcheck":
        assert _numbers_masked(result.stdout) == _numbers_masked(expected)
    else:
        assert logical_rows(result.stdout) == logical_rows(expected)


def _numbers_masked(text: str) -> list[str]:
    """A gradient check's rows with the finite differences and relative errors masked: those
    are the numeric engine's (tested in tests/tools), and its roundoff moves their last
    digits and so which gradient errs most; keys, exact gradients, verdicts, layout and
    colours stay compared."""
    rows = []
    for row in logical_rows(text):
        row = re.sub(r"\d\.\de[-+]\d+", "#", row)
        row = re.sub(r"(error ⟨[^⟩]*⟩# ⟨[^⟩]*⟩at ⟨[^⟩]*⟩)\S+", r"\1#", row)
        if row.count("│") == 4:  # gradient │ analytic │ numeric │ rel. error │ verdict
            cells = row.split("│")
            cells[2] = "#"
            row = "│".join(cells)
        rows.append(row)
    return rows


def test_the_comparison_sees_a_changed_number_style_or_row():
    """The normalisation forgives wrapping and padding, nothing else."""
    old = "[pre] z = W·x +\n            b = \x1b[1;34m0.5\x1b[0m\n"
    assert logical_rows("[pre] z = W·x + b = \x1b[1;34m0.5\x1b[0m   \n") == logical_rows(old)
    assert logical_rows("[pre] z = W·\n   x + b = \x1b[1;34m0.5\x1b[0m\n") == logical_rows(old)
    assert logical_rows("[pre] z = W·x + b = \x1b[1;34m0.6\x1b[0m\n") != logical_rows(old)
    assert logical_rows("[pre] z = W·x + b = \x1b[1;31m0.5\x1b[0m\n") != logical_rows(old)
    assert logical_rows("[pre] z = W·x + b = 0.5\n") != logical_rows(old)
    assert logical_rows("[pre] z = W·x + b =\n0.5\n") != logical_rows("[pre] z = W·x + b = 0.5\n")
    table = "a   │   -0.6 │ z =\n    │        │ W·x\nb   │    0.1 │ ok\n"
    assert logical_rows("a │ -0.6 │ z = W·x\nb │ 0.1 │ ok\n") == logical_rows(table)
    assert logical_rows("a │ -0.6 │ z = W·x\nb │ 0.2 │ ok\n") != logical_rows(table)
