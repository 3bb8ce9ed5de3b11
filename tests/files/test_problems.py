"""Problem validation (SPEC §1): every mistake in a problem file is a located error, exit 2.

Each case edits one line of a small valid problem and runs the real `bptutor solve`; the error
must name the exact line and column of the offending node, say what is wrong, and never be a
traceback.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys

import pytest
from conftest import PROBLEMS, assert_located
from typer.testing import CliRunner

from bptutor.cli import app
from bptutor.files.problems import Validator
from bptutor.files.yamlfile import parse

BASE = """\
bptutor: 1
title: tiny net
loss: squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: tanh
      weights: [[0.1, 0.2], [0.3, 0.4]]
      weight_names: [[a1, a2], [a3, a4]]
      bias: [0.5, -0.5]
    - neurons: [y]
      activation: sigmoid
      weights: [[0.5, -0.5]]
input: [1, 0]
target: [1]
learning_rate: 0.1
"""

SOFTMAX = """\
bptutor: 1
loss: cross_entropy
network:
  inputs: 2
  layers:
    - neurons: [cat, dog, owl]
      activation: softmax
      weights: [[1, 0], [0, 1], [1, 1]]
input: [1, 2]
target: dog
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def solve(path, *options: str):
    """`bptutor solve PATH --format json` in-process; no exception may escape."""
    result = CliRunner().invoke(app, ["solve", str(path), "--format", "json", *options])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback instead of an error: {result.exception!r}")
    assert "Traceback" not in result.output
    return result


def solves(tmp_path, text: str) -> dict:
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    result = solve(path)
    assert result.exit_code == 0, result.stderr
    return {step["key"]: step for step in json.loads(result.stdout)["steps"]}


def fails_at(tmp_path, text: str, line: int, col: int, *words: str,
             hint: str | None = None) -> str:
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    result = solve(path)
    err = result.stderr
    assert result.exit_code == 2, err
    assert result.stdout == ""
    return assert_located(err, path, line, col, words, hint)


def test_base_problem_solves(tmp_path):
    steps = solves(tmp_path, BASE)
    assert {"z(h1)", "y", "E", "dE/da1", "dE/db1[1]", "new(a4)"} <= set(steps)


# -- shapes -----------------------------------------------------------------------------------

def test_weight_row_too_long(tmp_path):
    fails_at(tmp_path, edit("[[0.1, 0.2], [0.3, 0.4]]", "[[0.1, 0.2], [0.3, 0.4, 0.5]]"),
             9, 29, "row 2 of layer 1 weights (into h2) has 3 entries; it needs 2",
             hint="one per unit of the layer before")


def test_weight_row_too_short(tmp_path):
    fails_at(tmp_path, edit("[[0.5, -0.5]]", "[[0.5]]"), 14, 17,
             "row 1 of layer 2 weights (into y) has 1 entry; it needs 2")


def test_too_many_weight_rows(tmp_path):
    fails_at(tmp_path, edit("[[0.5, -0.5]]", "[[0.5, -0.5], [1, 1], [2, 2]]"), 14, 16,
             "layer 2 has 1 neuron but weights has 3 rows", hint="one row per neuron")


def test_weights_rows_for_a_two_neuron_layer(tmp_path):
    text = edit("[[0.1, 0.2], [0.3, 0.4]]", "[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]")
    fails_at(tmp_path, text, 9, 16, "layer 1 has 2 neurons but weights has 3 rows",
             hint="each with 2 weights")


def test_flat_weight_row_for_one_neuron(tmp_path):
    fails_at(tmp_path, edit("[[0.5, -0.5]]", "[0.5, -0.5]"), 14, 16,
             "must be a list of rows", hint="[[0.5, -0.5]]")


def test_weight_names_with_too_few_rows(tmp_path):
    fails_at(tmp_path, edit("[[a1, a2], [a3, a4]]", "[[a1, a2]]"), 10, 21,
             "layer 1 weight_names has 1 row; weights has 2", hint="same shape as weights")


def test_weight_names_row_too_long(tmp_path):
    fails_at(tmp_path, edit("[[a1, a2], [a3, a4]]", "[[a1, a2, a5], [a3, a4]]"), 10, 22,
             "row 1 of layer 1 weight_names has 3 entries; weights has 2")


def test_weight_names_not_a_list(tmp_path):
    fails_at(tmp_path, edit("[[a1, a2], [a3, a4]]", "a1"), 10, 21,
             "layer 1 weight_names must be a list")


def test_bias_list_too_long(tmp_path):
    fails_at(tmp_path, edit("bias: [0.5, -0.5]", "bias: [0.5, -0.5, 1]"), 11, 13,
             "layer 1 bias has 3 entries; it needs 2")


def test_bias_names_without_bias(tmp_path):
    fails_at(tmp_path, edit("      bias: [0.5, -0.5]\n", "      bias_names: [c1, c2]\n"), 11, 7,
             "bias_names but no bias")


def test_bias_names_wrong_length(tmp_path):
    text = edit("      bias: [0.5, -0.5]\n", "      bias: 0.5\n      bias_names: [c1]\n")
    fails_at(tmp_path, text, 12, 19, "layer 1 bias_names has 1 entry; the layer has 2 neurons")


def test_one_bias_for_all_neurons_is_fine(tmp_path):
    steps = solves(tmp_path, edit("bias: [0.5, -0.5]", "bias: 0.5"))
    assert "dE/db1[2]" in steps


def test_input_too_short(tmp_path):
    fails_at(tmp_path, edit("input: [1, 0]", "input: [1]"), 15, 8, "input has 1 entry; it needs 2")


def test_input_too_long(tmp_path):
    fails_at(tmp_path, edit("input: [1, 0]", "input: [1, 0, 1]"), 15, 8,
             "input has 3 entries; it needs 2")


def test_target_too_long(tmp_path):
    fails_at(tmp_path, edit("target: [1]", "target: [1, 0]"), 16, 9,
             "target has 2 entries; it needs 1")


def test_activation_list_wrong_length(tmp_path):
    fails_at(tmp_path, edit("activation: tanh", "activation: [tanh]"), 8, 19,
             "layer 1 has 2 neurons but 1 activation", hint="one per neuron")


# -- names of things --------------------------------------------------------------------------

def test_unknown_activation_typo(tmp_path):
    fails_at(tmp_path, edit("activation: tanh", "activation: tnah"), 8, 19,
             "unknown activation 'tnah'", hint="did you mean 'tanh'?")


def test_unknown_activation_in_a_per_neuron_list(tmp_path):
    fails_at(tmp_path, edit("activation: tanh", "activation: [tanh, sigmod]"), 8, 26,
             "unknown activation 'sigmod'", hint="did you mean 'sigmoid'?")


def test_unknown_activation_lists_the_choices(tmp_path):
    fails_at(tmp_path, edit("activation: tanh", "activation: step"), 8, 19,
             "unknown activation 'step'", hint="identity, sigmoid, tanh, relu")


def test_activation_aliases(tmp_path):
    text = edit("activation: tanh", "activation: [linear, logistic]")
    assert solves(tmp_path, text)["h1"]["formula"].startswith("id(")


def test_unknown_loss(tmp_path):
    fails_at(tmp_path, edit("loss: squared_error", "loss: squared_eror"), 3, 7,
             "unknown loss 'squared_eror'", hint="did you mean 'squared_error'?")


def test_unknown_loss_lists_the_losses(tmp_path):
    fails_at(tmp_path, edit("loss: squared_error", "loss: hinge"), 3, 7, "unknown loss 'hinge'",
             hint="choose one of: squared_error, half_squared_error")


def test_unknown_top_level_key(tmp_path):
    fails_at(tmp_path, edit("learning_rate: 0.1", "learning_rte: 0.1"), 17, 1,
             "unknown key 'learning_rte' in the problem", hint="did you mean 'learning_rate'?")


def test_unknown_layer_key(tmp_path):
    fails_at(tmp_path, edit("      bias: [0.5, -0.5]", "      biases: [0.5, -0.5]"), 11, 7,
             "unknown key 'biases' in layer 1", hint="did you mean 'bias'?")


def test_unknown_network_key(tmp_path):
    fails_at(tmp_path, edit("  inputs: [x1, x2]", "  input: [x1, x2]"), 5, 3,
             "unknown key 'input' in network", hint="did you mean 'inputs'?")


def test_softmax_on_a_hidden_layer(tmp_path):
    fails_at(tmp_path, edit("activation: tanh", "activation: softmax"), 8, 19,
             "softmax is only allowed on the output layer")


def test_softmax_in_a_per_neuron_list(tmp_path):
    fails_at(tmp_path, edit("activation: sigmoid", "activation: [softmax]"), 13, 19,
             "softmax applies to a whole layer", hint="activation: softmax")


def test_duplicate_neuron_name(tmp_path):
    fails_at(tmp_path, edit("neurons: [h1, h2]", "neurons: [q, q]"), 7, 20,
             "the name 'q' is used twice", hint="first used on line 7")


def test_weight_name_equal_to_an_input(tmp_path):
    fails_at(tmp_path, edit("[[a1, a2], [a3, a4]]", "[[x1, a2], [a3, a4]]"), 10, 23,
             "the name 'x1' is used twice", hint="first used on line 5")


def test_neuron_name_equal_to_a_default_input_name(tmp_path):
    text = edit("inputs: [x1, x2]", "inputs: 2").replace("[h1, h2]", "[h1, x2]")
    fails_at(tmp_path, text, 7, 21, "the name 'x2' is used twice", hint="first used on line 5")


def test_neuron_name_equal_to_a_default_weight_name(tmp_path):
    fails_at(tmp_path, edit("[h1, h2]", "[h1, 'W2[1,1]']"), 14, 16,
             "the name 'W2[1,1]' is used twice", hint="first used on line 7")


def test_bias_name_equal_to_a_neuron(tmp_path):
    text = edit("      bias: [0.5, -0.5]\n", "      bias: 0.5\n      bias_names: [c1, y]\n")
    # layer 1's bias names are read first; the neuron y of layer 2 is the second use
    fails_at(tmp_path, text, 13, 17, "the name 'y' is used twice", hint="first used on line 12")


def test_the_loss_name_is_reserved(tmp_path):
    # a neuron called E would share its key with the loss E (SPEC §2)
    fails_at(tmp_path, edit("[h1, h2]", "[E, h2]"), 7, 17, "'E' is reserved for the loss")


@pytest.mark.parametrize("name, shown", [('"1x"', "'1x'"), ("1x", "'1x'"), ("a-b", "'a-b'"),
                                         ("'a b'", "'a b'"), ("😀", "'😀'"), ("'1'", "'1'")])
def test_bad_weight_name(tmp_path, name, shown):
    fails_at(tmp_path, edit("[[a1, a2], [a3, a4]]", f"[[{name}, a2], [a3, a4]]"), 10, 23,
             f"{shown} is not a usable name for a weight", hint="names start with a letter")


@pytest.mark.parametrize("name", ["[a]", "~", "{a: 1}"])
def test_neuron_name_that_is_not_text(tmp_path, name):
    fails_at(tmp_path, edit("[h1, h2]", f"[h1, {name}]"), 7, 21, "a name in layer 1 neurons")


def test_numbers_as_neuron_names(tmp_path):
    fails_at(tmp_path, edit("[h1, h2]", "[1, 2]"), 7, 17, "'1' is not a usable name for a neuron")


def test_unicode_names_are_fine(tmp_path):
    steps = solves(tmp_path, edit("[h1, h2]", "[ĥ₁, Ω]"))
    assert "dE/dΩ" in steps


# -- required keys and versions ---------------------------------------------------------------

def test_missing_target(tmp_path):
    fails_at(tmp_path, edit("target: [1]\n", ""), 1, 1, "the problem is missing 'target'",
             hint="one target per output neuron (y)")


def test_missing_input(tmp_path):
    fails_at(tmp_path, edit("input: [1, 0]\n", ""), 1, 1, "the problem is missing 'input'")


def test_missing_input_and_target(tmp_path):
    fails_at(tmp_path, edit("input: [1, 0]\ntarget: [1]\n", ""), 1, 1,
             "no 'input' and 'target'", hint="input: [1, 1]")


def test_missing_version(tmp_path):
    fails_at(tmp_path, edit("bptutor: 1\n", ""), 1, 1, "the problem is missing 'bptutor'",
             hint="add 'bptutor: 1'")


def test_missing_version_after_a_comment(tmp_path):
    fails_at(tmp_path, "# my exercise\n\n" + edit("bptutor: 1\n", ""), 3, 1,
             "missing 'bptutor'")


@pytest.mark.parametrize("version, col, words", [
    ("2", 10, "unsupported format version '2'"), ("'1'", 10, "unsupported format version '1'"),
    ("true", 10, "unsupported format version 'true'"), ("[1]", 10, "a list"),
    ("", 9, "the format version is missing"), ("0.9", 10, "'0.9'"),
])
def test_wrong_version(tmp_path, version, col, words):
    fails_at(tmp_path, edit("bptutor: 1\n", f"bptutor: {version}\n"), 1, col, words,
             hint="this bptutor reads 'bptutor: 1'")


def test_missing_loss(tmp_path):
    fails_at(tmp_path, edit("loss: squared_error\n", ""), 1, 1, "missing 'loss'",
             hint="squared_error")


def test_missing_network(tmp_path):
    text = BASE.split("network:")[0] + "input: [1, 0]\ntarget: [1]\n"
    fails_at(tmp_path, text, 1, 1, "missing 'network'")


def test_missing_layer_weights(tmp_path):
    fails_at(tmp_path, edit("      weights: [[0.5, -0.5]]\n", ""), 12, 7,
             "layer 2 has no weights: give them, or run 'bptutor train' with --save",
             hint="each with 2 weights")


def test_missing_activation(tmp_path):
    fails_at(tmp_path, edit("      activation: sigmoid\n", ""), 12, 7,
             "layer 2 is missing 'activation'")


def test_both_input_and_examples(tmp_path):
    fails_at(tmp_path, BASE + "examples: [{input: [1, 0], target: [1]}]\n", 15, 1,
             "give either 'input' or 'examples', not both")


def test_examples_entry_missing_target(tmp_path):
    text = edit("input: [1, 0]\ntarget: [1]\n",
                "examples:\n  - {input: [1, 0], target: [1]}\n  - {input: [0, 1]}\n")
    fails_at(tmp_path, text, 17, 5, "example 2 is missing 'target'")


def test_examples_entry_wrong_input_length(tmp_path):
    text = edit("input: [1, 0]\ntarget: [1]\n", "examples:\n  - {input: [1, 0, 1], target: [1]}\n")
    fails_at(tmp_path, text, 16, 13, "input has 3 entries; it needs 2")


def test_examples_solve(tmp_path):
    text = edit("input: [1, 0]\ntarget: [1]\n",
                "examples:\n  - {input: [1, 0], target: [1]}\n  - {input: [0, 1], target: [0]}\n")
    steps = solves(tmp_path, text)
    assert {"E@1", "E@2", "E"} <= set(steps)


# -- numbers that are numbers but not allowed ------------------------------------------------

def test_one_e_minus_three_as_a_weight(tmp_path):
    steps = solves(tmp_path, edit("[[0.5, -0.5]]", "[[1e-3, -0.5]]"))
    assert "0.001" in steps["z(y)"]["substituted"]


@pytest.mark.parametrize("digits", ["13", "-1", "2.5", "true", "two", "[2]"])
def test_bad_round(tmp_path, digits):
    fails_at(tmp_path, edit("title: tiny net\n", f"title: tiny net\nround: {digits}\n"), 3, 8,
             "round must be a whole number of decimals from 0 to 12", hint="round: null")


@pytest.mark.parametrize("digits", ["0", "12", "null", "", "{decimals: 2}",
                                    "{significant: 3, carry: false, ties: binary}",
                                    "{decimals: 3, kinds: {delta: 4, error: {significant: 2}}}"])
def test_good_round(tmp_path, digits):
    solves(tmp_path, edit("title: tiny net\n", f"title: tiny net\nround: {digits}\n"))


# the long form (SPEC §6): each mistake at its place (line 3, the column given)
@pytest.mark.parametrize(("long", "col", "words"), [
    ("{d: 2}", 9, ("unknown key 'd' in round",)),
    ("{}", 8, ("round needs decimals or significant",)),
    ("{decimals: 2, significant: 3}", 22, ("decimals or significant, not both",)),
    ("{decimals: 13}", 19, ("round decimals must be a whole number of decimals from 0 to 12",)),
    ("{significant: 0}", 22, ("significant figures from 1 to 12",)),
    ("{decimals: 2, carry: yes}", 29, ("carry must be true or false",)),
    ("{decimals: 2, ties: up}", 28, ("unknown ties 'up'",)),
    ("{decimals: 2, kinds: {deltas: 4}}", 30, ("unknown key 'deltas' in round kinds",)),
    ("{decimals: 2, kinds: {delta: 2.5}}", 37, ("round kinds delta must be a whole number",)),
    ("{decimals: 2, kinds: {delta: {decimals: 3}}}", 38, ("unknown key 'decimals'",)),
    ("{decimals: 2, kinds: [4]}", 29, ("round kinds must be a mapping",)),
])
def test_bad_long_round(tmp_path, long, col, words):
    fails_at(tmp_path, edit("title: tiny net\n", f"title: tiny net\nround: {long}\n"), 3, col,
             *words)


def test_long_round_in_json_and_short_round_stays_an_int(tmp_path):
    import json as json_module

    for text, expected in (("2", 2), ("{decimals: 2, ties: half_even}",
                                      {"decimals": 2, "carry": True, "ties": "half_even"})):
        path = tmp_path / "p.yaml"
        path.write_text(edit("title: tiny net\n", f"title: tiny net\nround: {text}\n"))
        assert json_module.loads(solve(path).stdout)["round"] == expected
    assert json_module.loads(solve(path, "--round", "3").stdout)["round"] == 3
    assert json_module.loads(solve(path, "--exact").stdout)["round"] is None


@pytest.mark.parametrize("rate, words", [("0", "must be positive"), ("-0.1", "must be positive"),
                                         ("fast", "must be a number, not 'fast'"),
                                         ("[0.1]", "must be a number, not a list"),
                                         ("{a: 1}", "must be a number, not a mapping")])
def test_bad_learning_rate(tmp_path, rate, words):
    fails_at(tmp_path, edit("learning_rate: 0.1", f"learning_rate: {rate}"), 17, 16,
             f"learning_rate {words}")


def test_learning_rate_null_means_no_update(tmp_path):
    steps = solves(tmp_path, edit("learning_rate: 0.1", "learning_rate:"))
    assert not any(key.startswith("new(") for key in steps)


def test_update_biases_must_be_a_boolean(tmp_path):
    fails_at(tmp_path, BASE + "update_biases: no\n", 18, 16, "update_biases must be true or false")


@pytest.mark.parametrize("count, words", [
    ("0", "layer 2 neurons must be between 1 and 10000"),
    ("100000", "layer 2 neurons must be between 1 and 10000"),
    ("-3", "layer 2 neurons must be between 1 and 10000"),
    ("2.0", "layer 2 neurons (names, or a count) must be a list"),
    ("[]", "layer 2 neurons is empty"),
    ("", "layer 2 neurons (names, or a count) must be a list"),
])
def test_bad_neuron_counts(tmp_path, count, words):
    col = 15 if count == "" else 16
    fails_at(tmp_path, edit("neurons: [y]", f"neurons: {count}"), 12, col, words)


def test_huge_input_count(tmp_path):
    fails_at(tmp_path, edit("inputs: [x1, x2]", "inputs: 100000"), 5, 11,
             "inputs must be between 1 and 10000")


@pytest.mark.parametrize("value, words", [("5", "layer 2 weights must be a list"),
                                          ("[]", "layer 2 has 1 neuron but weights has 0 rows"),
                                          ("{a: 1}", "layer 2 weights must be a list"),
                                          ("", "layer 2 weights must be a list")])
def test_weights_that_are_not_rows(tmp_path, value, words):
    col = 15 if value == "" else 16
    fails_at(tmp_path, edit("weights: [[0.5, -0.5]]", f"weights: {value}"), 14, col, words)


def test_boolean_weight(tmp_path):
    fails_at(tmp_path, edit("[[0.5, -0.5]]", "[[0.5, true]]"), 14, 23,
             "a weight in layer 2 must be a number, not 'true'")


@pytest.mark.parametrize("layers, words", [("{}", "layers must be a list"),
                                           ("[]", "at least one layer"),
                                           ("5", "layers must be a list")])
def test_bad_layers(tmp_path, layers, words):
    text = BASE.split("  layers:")[0] + f"  layers: {layers}\ninput: [1, 0]\ntarget: [1]\n"
    fails_at(tmp_path, text, 6, 11, words)


def test_a_layer_that_is_not_a_mapping(tmp_path):
    fails_at(tmp_path, edit("    - neurons: [y]\n", "    - [y]\n    - neurons: [y]\n"), 12, 7,
             "layer 2 must be a mapping")


@pytest.mark.parametrize("key, line", [("title", 2), ("loss", 3)])
def test_null_text_values(tmp_path, key, line):
    text = "\n".join(f"{key}:" if row.startswith(f"{key}: ") else row
                     for row in BASE.splitlines())
    fails_at(tmp_path, text, line, len(key) + 2, f"{key} must be text")


@pytest.mark.parametrize("key", ["notation", "kind", "source"])
def test_null_optional_text_values(tmp_path, key):
    fails_at(tmp_path, BASE + f"{key}:\n", 18, len(key) + 2, f"{key} must be text")


def test_network_that_is_a_list(tmp_path):
    text = BASE.split("network:")[0] + "network: [1, 2]\ninput: [1, 0]\ntarget: [1]\n"
    fails_at(tmp_path, text, 4, 10, "network must be a mapping")


def test_graph_kind_with_network_keys(tmp_path):
    fails_at(tmp_path, "kind: graph\n" + BASE, 4, 1, "unknown key 'loss' in a graph problem",
             hint="'loss' belongs to network problems")


def test_unknown_kind(tmp_path):
    fails_at(tmp_path, "kind: grahp\n" + BASE, 1, 7, "unknown kind 'grahp'")


# -- targets -----------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["[2]", "[-0.5]", "2"])
def test_binary_cross_entropy_target_outside_zero_one(tmp_path, target):
    text = edit("loss: squared_error", "loss: binary_cross_entropy").replace(
        "target: [1]", f"target: {target}")
    fails_at(tmp_path, text, 16, 9, "binary cross-entropy targets lie between 0 and 1")


def test_binary_cross_entropy_soft_target_is_fine(tmp_path):
    text = edit("loss: squared_error", "loss: binary_cross_entropy").replace(
        "target: [1]", "target: [0.25]")
    assert solves(tmp_path, text)["E"]["exact"] > 0


def test_cross_entropy_target_by_name(tmp_path):
    steps = solves(tmp_path, SOFTMAX)
    assert steps["dE/dz(dog)"]["exact"] < 0 < steps["dE/dz(cat)"]["exact"]


def test_cross_entropy_target_one_hot_is_the_same(tmp_path):
    by_name = solves(tmp_path, SOFTMAX)
    one_hot = solves(tmp_path, SOFTMAX.replace("target: dog", "target: [0, 1, 0]"))
    assert by_name["E"]["exact"] == one_hot["E"]["exact"]


def test_cross_entropy_unknown_target_name(tmp_path):
    fails_at(tmp_path, SOFTMAX.replace("target: dog", "target: dgo"), 10, 9,
             "'dgo' is not an output neuron", hint="did you mean 'dog'?")


def test_cross_entropy_target_name_of_an_input(tmp_path):
    fails_at(tmp_path, SOFTMAX.replace("target: dog", "target: x1"), 10, 9,
             "'x1' is not an output neuron", hint="cat, dog, owl")


def test_target_by_name_needs_cross_entropy(tmp_path):
    fails_at(tmp_path, edit("target: [1]", "target: y"), 16, 9,
             "a target given by name needs loss: cross_entropy")


def test_target_given_as_a_list_of_names(tmp_path):
    fails_at(tmp_path, SOFTMAX.replace("target: dog", "target: [dog]"), 10, 10,
             "each entry of target must be a number, not 'dog'")


# -- numerical trouble while computing ---------------------------------------------------------

@pytest.mark.parametrize("output", ["identity", "tanh", "relu"])
def test_binary_cross_entropy_of_outputs_outside_zero_one(tmp_path, output):
    # y ≤ 0 made ln y undefined, and y < 0 with target 0 gave E = −ln(1 − y) < 0; the loader
    # refuses the pair at the loss, by the rule `bptutor new` applies
    text = edit("loss: squared_error", "loss: binary_cross_entropy").replace(
        "activation: sigmoid", f"activation: {output}").replace("target: [1]", "target: [0]")
    fails_at(tmp_path, text, 3, 7, "binary_cross_entropy needs sigmoid outputs",
             f"output y is {output}", hint="0 < y < 1")


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_binary_cross_entropy_takes_outputs_between_zero_and_one(tmp_path, output):
    text = edit("loss: squared_error", "loss: binary_cross_entropy").replace(
        "activation: sigmoid", f"activation: {output}").replace("[y]", "[y1, y2]").replace(
        "[[0.5, -0.5]]", "[[0.5, -0.5], [0.1, 0.2]]").replace("target: [1]", "target: [1, 0]")
    assert solves(tmp_path, text)["E"]["exact"] > 0


@pytest.mark.parametrize("output", ["sigmoid", "tanh", "identity"])
def test_cross_entropy_needs_a_softmax_output_layer(tmp_path, output):
    text = SOFTMAX.replace("activation: softmax", f"activation: {output}")
    fails_at(tmp_path, text, 2, 7, "cross_entropy needs a softmax output layer",
             f"output cat is {output}", hint="distribution")


@pytest.mark.parametrize("target, total", [("[0.7, 0.7, 0]", "1.4"), ("[0, 0, 0]", "0"),
                                           ("[1.5, -0.5, 0]", "1")])
def test_cross_entropy_targets_must_be_a_distribution(tmp_path, target, total):
    # the sheet's dE/dz = y − t holds only when the targets sum to 1 (and none is negative)
    fails_at(tmp_path, SOFTMAX.replace("target: dog", f"target: {target}"), 10, 9,
             "cross-entropy targets must be a distribution", f"sum to {total}",
             hint="one-hot")


def test_cross_entropy_soft_target_summing_to_one_is_fine(tmp_path):
    steps = solves(tmp_path, SOFTMAX.replace("target: dog", "target: [0.1, 0.7, 0.2]"))
    y = [steps[n]["exact"] for n in ("cat", "dog", "owl")]
    assert steps["dE/dz(dog)"]["exact"] == pytest.approx(y[1] - 0.7, rel=1e-12)
    assert steps["E"]["exact"] == pytest.approx(
        -(0.1 * math.log(y[0]) + 0.7 * math.log(y[1]) + 0.2 * math.log(y[2])), rel=1e-12)


def test_cross_entropy_of_a_zero_probability(tmp_path):
    # rounded, y(dog) = softmax(1000, -1000, 3) is 0.00 and the sheet's E = -ln 0.00: reported
    text = SOFTMAX.replace("[[1, 0], [0, 1], [1, 1]]", "[[1000, 0], [-1000, 0], [1, 1]]")
    fails_at(tmp_path, "round: 2\n" + text, 3, 1, "cannot compute E",
             "ln(0) is undefined: output dog is 0")


def test_cross_entropy_of_a_saturated_softmax_is_exact(tmp_path):
    # exact, ln y comes from z (log-softmax): E = 1000 - (-1000), although float y(dog) is 0
    text = SOFTMAX.replace("[[1, 0], [0, 1], [1, 1]]", "[[1000, 0], [-1000, 0], [1, 1]]")
    steps = solves(tmp_path, text)
    assert steps["E"]["value"] == 2000.0
    assert steps["dog"]["value"] == 0.0
    assert (steps["dE/dz(cat)"]["value"], steps["dE/dz(dog)"]["value"]) == (1.0, -1.0)


def test_overflowing_weights(tmp_path):
    text = edit("[[0.1, 0.2], [0.3, 0.4]]", "[[1e300, 1e300], [0.3, 0.4]]").replace(
        "activation: tanh", "activation: identity").replace("input: [1, 0]", "input: [1e300, 0]")
    # a forward step overflows: placed at 'network', said plainly
    fails_at(tmp_path, text, 4, 1, "z(h1) is too large to compute with")


def test_overflowing_loss(tmp_path):
    text = edit("activation: sigmoid", "activation: identity").replace(
        "target: [1]", "target: [1e300]")
    fails_at(tmp_path, text, 3, 1, "E is too large to compute with")


def test_huge_but_finite_numbers_still_solve(tmp_path):
    solves(tmp_path, edit("[[0.1, 0.2], [0.3, 0.4]]", "[[1e300, -1e300], [0.3, 0.4]]"))


# -- finding the file ---------------------------------------------------------------------------

def test_bundled_problem_name_typo(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "bptutor", "solve", "tanh-chian"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("tanh-chian:1:1: error: no such file")
    assert "hint: did you mean the bundled problem 'tanh-chain'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_name_lists_the_bundled_problems(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = solve("zzzzzz")
    assert result.exit_code == 2
    assert "hint: bundled problems: " in result.stderr and "tanh-chain" in result.stderr


@pytest.mark.parametrize("suffix", ["", ".yaml"])
def test_file_name_too_long(tmp_path, monkeypatch, suffix):
    monkeypatch.chdir(tmp_path)
    result = solve("a" * 5000 + suffix)
    assert result.exit_code == 2
    assert re.match(r"a+…:1:1: error: ", result.stderr)


def test_messages_do_not_echo_huge_text(tmp_path):
    err = fails_at(tmp_path, edit("activation: tanh", "activation: " + "q" * 100_000), 8, 19,
                   "unknown activation")
    assert len(err) < 400


def test_validator_directly():
    root = parse(BASE, "p.yaml")
    net = Validator("p.yaml").network(root)
    assert net.inputs == ["x1", "x2"] and net.outputs == ["y"]
    assert net.layers[0].weight_names == [["a1", "a2"], ["a3", "a4"]]
    assert net.layers[0].bias_names == ["b1[1]", "b1[2]"]
    assert net.layers[1].weight_names == [["W2[1,1]", "W2[1,2]"]]
    assert net.learning_rate == 0.1 and net.round is None


def test_misspelt_kind_is_blamed_not_the_keys(tmp_path, run):
    path = tmp_path / "k.yaml"
    path.write_text("bptutor: 1\nkind: grpah\ninputs: {a: 1}\nnodes: {L: a}\n", encoding="utf-8")
    result = run("solve", path)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 2, 7, ["unknown kind 'grpah'"], "did you mean 'graph'?")


def test_alpha_belongs_to_leaky_relu(tmp_path, run):
    path = tmp_path / "a.yaml"
    path.write_text("bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 1\n  layers:\n"
                    "    - neurons: 1\n      activation: tanh\n      alpha: 0.2\n"
                    "      weights: [[1]]\ninput: [1]\ntarget: [0]\n", encoding="utf-8")
    result = run("solve", path)
    assert_located(result.stderr, path, 8, 7, ["alpha applies to leaky_relu, elu only"])


@pytest.mark.parametrize("alpha, want", [("", 1.0), ("      alpha: 0.5\n", 0.5)])
def test_elu_alpha_defaults_to_one(tmp_path, alpha, want):
    """SPEC §6: elu's alpha is 1 unless given; a layer mixing elu and leaky_relu gives each
    its own default."""
    path = tmp_path / "a.yaml"
    path.write_text("bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 1\n  layers:\n"
                    "    - neurons: 2\n      activation: [elu, leaky_relu]\n" + alpha +
                    "      weights: [[1], [1]]\ninput: [-1]\ntarget: [0, 0]\n", encoding="utf-8")
    net = Validator(str(path)).network(parse(path.read_text(), str(path)))
    elu, leaky = net.layers[0].activations
    assert elu.alpha == want and leaky.alpha == (want if alpha else 0.01)
    assert elu.value(-1.0) == pytest.approx(want * (math.exp(-1) - 1))


# -- free text that views print ---------------------------------------------------------------

@pytest.mark.parametrize("title, code", [('"evil \\e[2J\\e[32m27/27"', "U+001B"),
                                         ('"one\\nforged line"', "U+000A"),
                                         ('"abc\\u202edef"', "U+202E")])
def test_a_title_that_would_control_the_terminal_is_refused(tmp_path, title, code):
    fails_at(tmp_path, edit("title: tiny net", f"title: {title}"), 2, 8, code,
             hint="a title is plain text")


def test_a_source_may_span_lines_but_holds_no_escape(tmp_path):
    lines = edit("title: tiny net", 'title: tiny net\nsource: "lecture 3,\\nslide 12"')
    assert solves(tmp_path, lines)
    fails_at(tmp_path, edit("title: tiny net", 'title: tiny net\nsource: "x\\e[2J"'), 3, 9,
             "source holds the control character U+001B")


def test_a_title_taken_from_a_file_name_is_shown_escaped(tmp_path):
    path = tmp_path / "evil\x1b[2J.yaml"
    path.write_text(BASE.replace("title: tiny net\n", ""), encoding="utf-8")
    result = CliRunner().invoke(app, ["solve", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "evil\\x1b[2J"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_graph_problem_through_a_pipe_with_a_writer_loads(tmp_path):
    """A graph's error places come from the text already read: a FIFO is read only once."""
    fifo = tmp_path / "graph.fifo"
    os.mkfifo(fifo)
    text = (PROBLEMS / "graph-logistic.yaml").read_text(encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-c", f"open({str(fifo)!r}, 'w').write("
                               f"open({str(PROBLEMS / 'graph-logistic.yaml')!r}).read())"])
    try:
        done = subprocess.run([sys.executable, "-m", "bptutor", "solve", str(fifo), "-f", "json"],
                              capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    finally:
        writer.kill()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] in text
