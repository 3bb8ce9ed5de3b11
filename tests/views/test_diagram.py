"""The terminal diagram part-way: only the known values, ``?`` for the rest, marks that
survive NO_COLOR, and a width that does not move as values are revealed."""

from __future__ import annotations

import io

import pytest
from conftest import PROBLEMS
from rich.console import Console

from bptutor.files.problems import bundled_names, load
from bptutor.sheet.worksheet import solve
from bptutor.views.diagram import MARK, NetworkDiagram, Reveal

SENTINEL = 987654.25  # no exercise has it: where it shows, a computed value leaked


def text(renderable, width: int = 100) -> str:
    console = Console(width=width, no_color=True, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def poisoned(sheet, keep=()):
    """The sheet with every step's value (but ``keep``'s) replaced by SENTINEL."""
    for values in (sheet.values, sheet.exact):
        for step in sheet.steps:
            if step.key not in keep:
                values[step.key] = SENTINEL
    return sheet


@pytest.mark.parametrize("name", bundled_names())
def test_nothing_known_draws_givens_and_question_marks_only(name):
    sheet = solve(load(name))
    full = text(NetworkDiagram(sheet))
    empty = text(NetworkDiagram(poisoned(sheet), known=set()), width=200)  # ? keeps room
    assert "987654" not in empty
    if full.strip():  # drawn at all: the same lines, every computed value a ?
        assert "?" in empty
        assert len(empty.splitlines()) == len(full.splitlines())


def test_known_values_appear_and_the_rest_wait():
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    forward = {s.key for s in sheet.steps if s.section == "forward"}
    part = text(NetworkDiagram(sheet, known={"z(q)", "q"}))
    assert "q -0.66" in part and "p1  ?" in part and "y  ?" in part
    assert "x1  1" in part and "x1 ─u1=0.2→ q" in part  # givens always
    assert text(NetworkDiagram(sheet, known=forward)) == text(NetworkDiagram(sheet))


def test_highlight_marks_the_places_a_step_reads():
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    step = sheet.step("z(p1)")  # reads v1 and q
    out = text(NetworkDiagram(sheet, known={"z(q)", "q"}, highlight=step.inputs))
    marked = [line for line in out.splitlines() if MARK in line]
    assert sum(line.count(MARK) for line in marked) == 2
    assert f"{MARK}q -0.66" in out and f"{MARK}q ─v1=0.9→ p1" in out
    # a derivative marks its neuron: dE/dp1 lives at p1
    assert f"{MARK}p1" in text(NetworkDiagram(sheet, highlight=["dE/dp1"]))


def test_highlight_is_reversed_in_colour():
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    console = Console(width=100, force_terminal=True, color_system="standard",
                      file=io.StringIO())
    console.print(NetworkDiagram(sheet, highlight=["u1"]))
    assert "\x1b[7m" in console.file.getvalue() or ";7m" in console.file.getvalue()


@pytest.mark.parametrize("name", ["tanh-chain", "xor", "graph-reuse", "softmax"])
def test_width_stays_put_as_values_are_revealed(name):
    """The tutor redraws the diagram at every step: it must not jump sideways."""
    sheet = solve(load(name))
    widths = set()
    known: set[str] = set()
    for step in sheet.steps:
        out = text(NetworkDiagram(sheet, known=known, highlight=step.inputs))
        widths.add(max(map(len, out.splitlines()), default=0))
        known.add(step.key)
    assert len(widths) == 1, widths


def test_batch_draws_the_example_asked():
    sheet = solve(load(PROBLEMS / "xor.yaml"))
    fourth = text(NetworkDiagram(sheet, example=4))
    assert "x1  1" in fourth and "x2  1" in fourth and "example 4 of 4" in fourth
    assert f"y  {sheet.show('y@4')}" in fourth


def test_a_later_update_draws_the_weights_it_starts_from():
    """SPEC §7: update k works on the weights update k − 1 made, and its diagram says so."""
    sheet = solve(load("xor-online-epoch"))
    first = next(i for i, s in enumerate(sheet.steps) if s.update == 2)
    known = {s.key for s in sheet.steps[:first]}
    later = Reveal(sheet, known, (), example=2, update=2)
    for name in ("W1[1,1]", "W2[1,1]", "b2[1]"):
        before = f"new({name})#1"
        assert later.at(name) == before
        assert later.value(later.at(name)) == sheet.show(before)
    assert sheet.values["new(W2[1,1])#1"] != sheet.givens["W2[1,1]"]  # it did move
    assert Reveal(sheet, known, (), example=1, update=1).at("W2[1,1]") == "W2[1,1]"
    assert later.at("h1") == "h1@2#2" and later.at("x1") == "x1@2"
