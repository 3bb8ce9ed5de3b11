"""`bptutor draw --update k` (SPEC §7): the network in update k of a training: block."""

from __future__ import annotations

import pytest

from bptutor.errors import OptionError
from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.views.draw import render, update_picture


def test_update_k_shows_its_example_gradients_and_new_weights():
    sheet = solve(load("xor-online-epoch"))
    pic = update_picture(sheet, 3)
    assert pic.note == "update 3 of 4 (example 3); neuron values of example 3"
    inputs = [node.lines for node in pic.columns[0][1]]
    assert inputs == [["x1 = 1"], ["x2 = 0"]]  # example 3 is <1,0>
    edge = pic.edges[0]  # x1 → h1: W1[1,1] before update 3 (= new(W1[1,1])#2), then update 3
    assert edge.lines == [f"W1[1,1] = {sheet.show('new(W1[1,1])#2')}",
                          f"dE/dW1[1,1] = {sheet.show('dE/dW1[1,1]@3#3')}",
                          f"new(W1[1,1]) = {sheet.show('new(W1[1,1])#3')}"]


def test_the_rules_steps_are_shown():
    momentum = update_picture(solve(load("momentum-two-updates")), 2)
    assert any(line.startswith("velocity(W1[1,1]) = ") for e in momentum.edges
               for line in e.lines)
    adam = update_picture(solve(load("adam-one-update")), 1)
    lines = [line for e in adam.edges for line in e.lines]
    assert {line.split(" = ")[0] for line in lines} >= {
        "m(W1[1,1])", "v(W1[1,1])", "mhat(W1[1,1])", "vhat(W1[1,1])", "new(W1[1,1])"}


@pytest.mark.parametrize("name, update, example, option, words", [
    ("xor-online-epoch", 5, None, "--update", "give 1 to 4"),
    ("xor-online-epoch", 2, 3, "--example", "update 2 works on example(s) 2"),
    ("xor", 2, None, "--update", "give 1 to 1"),  # no training: block, one update
    ("graph-c-a-2b", 1, None, "--update", "computation graph"),
])
def test_out_of_range_is_a_clear_error(name, update, example, option, words):
    with pytest.raises(OptionError) as caught:
        render(solve(load(name)), "dot", example, update)
    assert caught.value.option == option and words in caught.value.message


def test_without_update_the_diagram_is_unchanged():
    sheet = solve(load("xor"))
    assert render(sheet, "dot") == render(sheet, "dot", 1)
    assert "new(W1[1,1])" in render(sheet, "dot", None, 1)
