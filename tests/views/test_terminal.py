"""The terminal views' own layout: wrapping formulas at operators, tables, rules, widths."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len, get_character_cell_size
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from bptutor.views.terminal import (
    ONE_COLUMN,
    Column,
    Lines,
    TextTable,
    _breaks,
    _nested_breaks,
    cells,
    rule,
    wrap,
    wrap_ranges,
)

FORMULA = "= W1[1,1]·x1 + W1[1,2]·x2 + b1[1] = 0.5·0 - 0.4·0 + 0.1 = 0.1  (exact 0.12345)"


def pieces(text: str, width: int, **options) -> list[str]:
    return [text[a:b] for a, b in wrap_ranges(text, width, **options)]


def depth_at(text: str, index: int) -> int:
    depth = 0
    for char in text[:index]:
        depth += char in "([{"
        depth -= char in ")]}"
    return depth


def test_a_formula_breaks_after_its_operators_and_before_its_exact_value():
    assert pieces(FORMULA, 50) == ["= W1[1,1]·x1 + W1[1,2]·x2 + b1[1] =",
                                   "0.5·0 - 0.4·0 + 0.1 = 0.1  (exact 0.12345)"]
    assert pieces(FORMULA, 30) == ["= W1[1,1]·x1 + W1[1,2]·x2 +", "b1[1] = 0.5·0 - 0.4·0 + 0.1 =",
                                   "0.1  (exact 0.12345)"]
    assert pieces(FORMULA, 20) == ["= W1[1,1]·x1 +", "W1[1,2]·x2 + b1[1] =", "0.5·0 - 0.4·0 +",
                                   "0.1 = 0.1", "(exact 0.12345)"]


def test_a_bracket_is_broken_only_when_nothing_outside_fits():
    text = "= dE/dy·σ′(z(y))·W2[1,1] = 0.56157·0.56157·(1 - 0.56157)·0.7 = 0.096785"
    for width in range(24, len(text)):
        for line in pieces(text, width):
            assert not line.endswith(("(1 -", "(1")), (width, line)
    # a bracket wider than the line must break inside, at its space
    assert pieces("(0.5 - 0.25)", 6) == ["(0.5 -", "0.25)"]


def test_a_word_longer_than_the_line_is_folded_or_kept_whole():
    assert pieces("abcdefghij xy", 4) == ["abcd", "efgh", "ij", "xy"]
    assert pieces("abcdefghij xy", 4, fold=False) == ["abcdefghij", "xy"]


def test_wide_characters_count_two_columns():
    text = "名前 名前 名前"
    assert all(cell_len(line) <= 5 for line in pieces(text, 5, formula=False))
    assert cells("名前") == 4 and cells("σ′·½²✓") == 6


def test_the_one_column_characters_are_one_column_for_rich():
    """ONE_COLUMN lets cells() skip rich's measurement; rich must agree on every one."""
    for code in range(0x20, 0x2800):
        char = chr(code)
        if ONE_COLUMN.fullmatch(char):
            assert get_character_cell_size(char) == 1, hex(code)


@given(st.lists(st.sampled_from(["W1[1,1]", "x1", "(1 - 0.5)", "σ′(z(h1))", "0.25", " + ",
                                 " - ", " = ", " / ", "·", " ", "  (exact 0.5)", "(-0.3)"]),
                max_size=30))
def test_the_quick_break_finder_agrees_with_the_scanner(parts):
    text = "".join(parts)
    assert _breaks(text, True) == _nested_breaks(text)


@given(st.text(st.sampled_from("ab(1)[2]· +-=σ′"), max_size=80), st.integers(1, 40))
def test_every_line_fits_and_nothing_is_lost(text, width):
    ranges = wrap_ranges(text, width)
    for start, end in ranges:
        assert cells(text[start:end]) <= width
        if len(ranges) > 1:  # only the text's own indent may begin a line
            assert start == 0 or not text[start:end].startswith(" ")
            assert not text[start:end].endswith(" ")
    # what lies between the lines is spaces only
    kept = [text[a:b] for a, b in ranges]
    gaps = [text[b:a] for (_, b), (a, _) in zip(ranges, ranges[1:])]
    assert all(set(gap) <= {" "} for gap in gaps)
    assert "".join(k + g for k, g in zip(kept, gaps + [""])).replace(" ", "") == \
        text.replace(" ", "")


def test_operator_breaks_are_outside_brackets():
    text = "= a·(b + c)·(d - e) + f·g = 1"
    for width in range(8, len(text)):
        for start, end in wrap_ranges(text, width)[:-1]:
            if text[end - 1] in "=+-·" and depth_at(text, end) > 0:
                # only when no break outside brackets fitted that line
                assert all(depth_at(text, i) > 0 or text[i - 1] not in "=+-·"
                           for i in range(start + 1, end)), (width, text[start:end])


@pytest.mark.parametrize("width", [20, 40, 79, 80, 81, 160])
@pytest.mark.parametrize("title", ["Forward pass", "Backward pass (example 2)", "名前"])
def test_rule_is_the_one_rich_draws(width, title):
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(Rule(title, style="bold"))
    assert "".join(text for text, _ in rule(title, width)) == console.file.getvalue()[:-1]


def test_a_table_lines_up_like_richs():
    """Same widths, justification and borders as rich's Table for cells that fit."""
    ours = TextTable([Column("quantity", wrap=False), Column("yours", "right", wrap=False),
                      Column("why")])
    theirs = Table(show_edge=False, pad_edge=False)
    theirs.add_column("quantity", no_wrap=True)
    theirs.add_column("yours", justify="right", no_wrap=True)
    theirs.add_column("why")
    for row in (("z(h1)", "-0.6", "no answer"), ("dE/dW1[1,1]@2", "0.25", ""),
                ("y", "σ′", "right")):
        ours.add_row(*row)
        theirs.add_row(*row)
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(theirs)
    expected = [line.rstrip() for line in console.file.getvalue().splitlines()]
    assert ["".join(t for t, _ in line) for line in ours.lines(80)] == expected


def test_a_narrow_table_wraps_its_wrapping_column_and_cuts_a_long_word():
    table = TextTable([Column("file"), Column("why", fold=True)])
    table.add_row("a-very-long-file-name.yaml", "one two three four five six")
    table.add_row("b.yaml", "x")
    lines = ["".join(t for t, _ in line) for line in table.lines(24)]
    assert all(cell_len(line) <= 24 for line in lines)
    borders = {line.index("│") for line in lines[2:] if "│" in line}
    assert len(borders) == 1 and lines[1].index("╇") in borders
    assert "a-very-long…" in lines[2] or any("…" in line for line in lines)
    assert " ".join(line.split("│")[1].strip() for line in lines[2:-1]) == \
        "one two three four five six"


@pytest.mark.parametrize("colour", [None, "standard", "truecolor"])
@pytest.mark.parametrize("no_color", [False, True])
def test_lines_are_written_as_rich_writes_them(colour, no_color):
    """The direct write and the console's own rendering give the same bytes."""
    spans = [("[pre]", "blue"), (" ", ""), ("z(h1)", "bold blue"), (" = ", "dim"),
             ("0.5", "bold italic magenta")]
    outputs = []
    for record in (False, True):  # a recording console renders through rich itself
        console = Console(file=io.StringIO(), width=80, color_system=colour,
                          force_terminal=colour is not None, no_color=no_color,
                          record=record)
        out = Lines(console)
        out.add(spans)
        out.text("a long line of prose " * 6, "dim")
        out.flush()
        outputs.append(console.file.getvalue())
    assert outputs[0] == outputs[1]
    assert "\x1b[" in outputs[0] if colour else "\x1b[" not in outputs[0]
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", outputs[0]) or not no_color
    assert not any(line.endswith(" ") for line in outputs[0].splitlines())


def test_styles_survive_wrapping():
    lines = wrap([("= a + b = ", ""), ("0.5", "bold blue"), ("  (exact 0.49)", "dim")], 12)
    assert lines == [[("= a + b =", "")], [("0.5", "bold blue")],
                     [("(exact 0.49)", "dim")]]
