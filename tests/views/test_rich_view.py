"""``solve``'s terminal view laid out as text: columns line up, formulas continue under
themselves, nothing runs past the width or ends in spaces, colours keep their text twins."""

from __future__ import annotations

import io
import re

import pytest
from conftest import PROBLEMS
from rich.cells import cell_len
from rich.console import Console

from bptutor.files.problems import bundled_names, load
from bptutor.sheet.worksheet import solve
from bptutor.views import KIND_STYLE
from bptutor.views.rich_view import render, render_stepwise

TAGS = tuple(f"[{tag}]" for tag, _, _ in KIND_STYLE.values())


def rendered(name: str, width: int, **options) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    render(solve(load(PROBLEMS / f"{name}.yaml")), console, **options)
    return console.file.getvalue()


def sections(text: str) -> list[list[str]]:
    """The step lines (rows and their continuations) of each section, rule by rule."""
    found: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("─") or line.startswith("-" * 3):
            found.append([])
        elif found:
            found[-1].append(line)
    return found


@pytest.mark.parametrize("width", [60, 80, 123])
@pytest.mark.parametrize("name", bundled_names())
def test_columns_line_up_and_formulas_continue_under_themselves(name, width):
    text = rendered(name, width, diagram=False)
    assert not [line for line in text.splitlines() if line != line.rstrip()]
    assert max(cell_len(line) for line in text.splitlines()) <= width
    for section in sections(text):
        rows = [line for line in section if not line.startswith(" ")]
        assert rows and all(row.startswith(TAGS) for row in rows), section
        # the formula column begins after the widest tag and key, the same for every row
        tag_width = max(len(row.split("]")[0]) + 1 for row in rows)
        starts = {row.index(" = ", tag_width) + 1 for row in rows}
        assert len(starts) == 1, section
        start = starts.pop()
        for line in section:
            if line.startswith(" "):  # a continuation: under the formula, not under the key
                assert line[:start].strip() == "" and line[start] != " ", (line, start)


@pytest.mark.parametrize("name", ["xor", "tanh-chain", "two-hidden-multi-output"])
def test_a_wrapped_line_breaks_after_an_operator_outside_brackets(name):
    text = rendered(name, 60, diagram=False)
    for section in sections(text):
        for line, following in zip(section, section[1:]):
            if following.startswith(" "):
                depth = line.count("(") - line.count(")") + line.count("[") - line.count("]")
                ends_well = re.search(r"( =| \+| -|·|\d|\))$", line)
                assert ends_well and (depth == 0 or not re.search(r"[=+·-]$", line)), line


def test_no_colour_loses_nothing_and_colour_marks_value_and_key():
    plain = rendered("tanh-chain", 80)
    console = Console(file=io.StringIO(), width=80, color_system="standard",
                      force_terminal=True)
    render(solve(load(PROBLEMS / "tanh-chain.yaml")), console)
    coloured = console.file.getvalue()
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert re.search("\x1b\\[1;31mdE/dy *\x1b\\[0m", coloured)  # its key, bold red
    assert "\x1b[31m[err]" in coloured  # its text twin, red


def test_stepwise_rows_are_the_whole_views_rows():
    """--step shows the same rows, a step at a time (the key column as wide as any key)."""
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    console = Console(file=io.StringIO(), width=80, color_system=None)
    shown = render_stepwise(sheet, console, None, lambda: "", diagram=False)
    stepped = [line.split(" = ", 1)[1] for line in console.file.getvalue().splitlines()
               if line.startswith(TAGS)]
    whole = [line.split(" = ", 1)[1] for line in rendered("tanh-chain", 80).splitlines()
             if line.startswith(TAGS)]
    assert shown == len(sheet.steps) and stepped == whole
