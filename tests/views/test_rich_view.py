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


@pytest.mark.parametrize("name", bundled_names())
def test_stepwise_rows_are_the_whole_views_rows(name):
    """--step shows the same rows, a step at a time: the same tag and key columns, section by
    section, so its formulas line up and wrap where the full view's do."""
    sheet = solve(load(PROBLEMS / f"{name}.yaml"))
    console = Console(file=io.StringIO(), width=80, color_system=None)
    shown = render_stepwise(sheet, console, None, lambda: "", diagram=False)
    assert shown == len(sheet.steps)
    assert sections(console.file.getvalue()) == sections(rendered(name, 80, diagram=False))


def test_delta_rule_legend_and_settings_keep_formulas_whole():
    """The delta rule's δ is −dE/dz, and at 80 columns the settings line breaks between its
    formulas, never inside one (no ``w +`` / ``Δw``, no ``δ =`` / ``−dE/dz``)."""
    from bptutor.views import exercise

    sheet = solve(load(PROBLEMS / "negnevitsky-xor.yaml"))
    assert sheet.notation == "delta_rule"
    text = rendered("negnevitsky-xor", 80, diagram=False)
    shown = exercise.plain(exercise.build(sheet), width=80)
    for view in (text, shown):
        for formula in ("δ = −dE/dz", "Δw = η·δ·a", "w + Δw"):
            assert any(formula in line for line in view.splitlines()), (formula, view[:400])
        assert "\u00a0" not in view
    legend = " ".join(text.split("Legend:", 1)[1].split("───", 1)[0].split())
    assert "[δ] δ = −dE/dz at a preactivation" in legend
    assert "error derivative at a preactivation" not in legend
    from bptutor.views import meaning  # δ = dE/dz in notation delta: its words unchanged

    assert meaning("delta", "delta") == "error derivative at a preactivation (δ)"


@pytest.mark.parametrize("name", bundled_names())
def test_exact_note_reads_differently_from_the_value_shown(name):
    """``(exact …)`` has 5 significant digits, or more until it differs from the rounded
    value beside it: never ``0.8808 (exact 0.8808)``."""
    from bptutor.views import lines

    for line in lines(solve(load(PROBLEMS / f"{name}.yaml"))):
        if line.exact_shown is None:
            continue
        note = float(line.exact_shown)
        assert note != float(line.shown), line.step.key
        digits = len(line.exact_shown.lstrip("-0.").replace(".", "").split("e")[0])
        assert 1 <= digits <= 10 and note == pytest.approx(line.exact, rel=1e-4)


def test_exact_note_digits():
    import math

    from bptutor.views import exact_note

    sigmoid2 = 1 / (1 + math.exp(-2))  # 0.8807970779…, shown 0.8808 at 4 decimals
    assert exact_note(sigmoid2, "0.8808") == "0.880797"
    assert exact_note(-1.2066888, "-1.2067") == "-1.20669"
    assert exact_note(0.52498, "0.5250") == "0.52498"
    assert exact_note(1 + 1e-11, "1.0000") is None  # equal to 10 significant digits
    text = rendered("negnevitsky-xor", 100, diagram=False)
    assert "= 0.8808  (exact 0.880797)" in text and "(exact 0.8808)" not in text
