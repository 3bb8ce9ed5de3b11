"""The quantity-key grammar (SPEC §2): building, parsing, and what students may write.

The round trip runs over every name the loaders accept; the bundled problems' worksheets
check that each key the sheet makes parses back to itself, with the parts its step says it
has; the answers-file tests grade real files against the sheet's own numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bptutor.errors import BptutorError
from bptutor.files import answers
from bptutor.files.problems import bundled_names, load
from bptutor.model import keys
from bptutor.sheet.worksheet import solve
from bptutor.tools.grading import Grader
from bptutor.views.template import template

# The loaders' name rules: a network name, and a graph name (an identifier).
NETWORK_NAME = r"[^\W\d][\w\[\],.']*"
GRAPH_NAME = r"[^\W\d]\w*"

network_names = st.from_regex(NETWORK_NAME, fullmatch=True)
graph_names = st.from_regex(GRAPH_NAME, fullmatch=True)
examples = st.one_of(st.none(), st.integers(min_value=1, max_value=10**6))


# -- build and parse -----------------------------------------------------------------------

@given(network_names, examples)
def test_every_network_key_parses_back_into_its_parts(name, example):
    built = {
        "z": keys.preactivation(name), "value": name, "d": keys.derivative(name),
        "dz": keys.delta(name), "new": keys.update(name), "t": keys.target(name),
    }
    for form, key in built.items():
        suffixed = keys.at(key, example)
        parts = keys.parse(suffixed)
        assert (parts.form, parts.name, parts.example, parts.of) == (form, name, example, "E")
        assert str(parts) == suffixed
        assert keys.base(suffixed) == key


@given(graph_names, graph_names)
def test_a_graph_gradient_names_its_output(output, name):
    key = keys.derivative(name, of=output)
    assert key == f"d{output}/d{name}"
    parts = keys.parse(key)
    assert (parts.form, parts.name, parts.of, parts.example) == ("d", name, output, None)
    assert str(parts) == key


def test_the_published_forms():
    """SPEC §2's table, written out."""
    assert keys.preactivation("q") == "z(q)"
    assert keys.derivative("q") == "dE/dq"
    assert keys.delta("q") == "dE/dz(q)"
    assert keys.derivative("u3") == "dE/du3"
    assert keys.update("u3") == "new(u3)"
    assert keys.at("z(q)", 2) == "z(q)@2" and keys.at("E", None) == "E"
    assert keys.parse(keys.RATE).form == "rate"
    assert keys.parse("E@2") == keys.Key("value", "E", 2)
    # a prime is part of a name: h' is neuron h''s activation, never an update
    assert keys.parse("h'") == keys.Key("value", "h'")
    assert keys.parse("dE/dz(h')@3") == keys.Key("dz", "h'", 3)
    # SPEC §6's keys
    assert keys.delta_rule("q") == "delta(q)" and keys.change("u3") == "change(u3)"
    assert keys.slope("q") == "slope(q)" and keys.loss_term("y1") == "E(y1)"
    assert keys.output_error("y") == "e(y)"
    for key, form in [("delta(q)@2", "delta"), ("change(u3)", "change"), ("slope(q)", "slope"),
                      ("E(y1)@1", "term"), ("e(y)", "e")]:
        assert keys.parse(key).form == form and str(keys.parse(key)) == key


def test_an_at_sign_without_an_example_number_is_no_suffix():
    assert keys.parse("q@0").example is None
    assert keys.parse("q@x").example is None


# -- every bundled worksheet ---------------------------------------------------------------

FORM_OF_KIND = {"preactivation": {"z"}, "activation": {"value"}, "loss": {"value", "term"},
                "error": {"d", "e"}, "delta": {"dz", "delta"}, "gradient": {"d"},
                "update": {"new"}, "node": {"value"},
                "slope": {"slope"}, "change": {"change"},  # SPEC §6's kinds and keys
                "velocity": {"velocity"}, "moment": set(keys.MOMENTS)}  # SPEC §7's


def bundled_sheets():
    for name in bundled_names():
        problem = load(name)
        for notation in problem.notations:
            if getattr(problem, "training", None) and problem.training.optimizer == "adam" \
                    and notation == "delta_rule":
                continue  # SPEC §7: Adam needs activation or delta notation
            yield name, solve(problem, "file", notation)


@pytest.mark.parametrize("name, sheet", list(bundled_sheets()),
                         ids=lambda x: x if isinstance(x, str) else x.notation)
def test_every_sheet_key_parses_back_to_itself(name, sheet):
    problem = sheet.network
    for step in sheet.steps:
        parts = keys.parse(step.key)
        assert str(parts) == step.key
        assert parts.form in FORM_OF_KIND[step.kind], step.key
        assert parts.example == step.example
        if parts.form in ("d", "dz"):
            assert parts.of == problem.loss_name
        if step.kind == "loss" and parts.form == "value":
            assert parts.name == keys.LOSS
    upstream = getattr(problem, "upstream_key", None)  # a graph's given dL/d(output), SPEC §6
    for key in sheet.givens:
        assert str(keys.parse(key)) == key
        assert keys.parse(key).form in ("value", "t", "rate") or key == upstream


# -- what students write -------------------------------------------------------------------

TANH_KEYS = {s.key for s in solve(load("tanh-chain")).steps}


@pytest.mark.parametrize("written, meant", [
    ("dE/dq", "dE/dq"),
    ("∂E/∂q", "dE/dq"),
    (" dE / du3 ", "dE/du3"),
    ("a(q)", "q"),
    ("u3'", "new(u3)"),
    ("u3′", "new(u3)"),
    ("u3’", "new(u3)"),
    ("u3+", "new(u3)"),
    ("new(u3)", "new(u3)"),
    ("u9'", "new(u9)"),  # unknown either way: the alias, for the nearest-key hint
    ("zz", "zz"),
    ("δ(q)", "delta(q)"),  # SPEC §6: the delta rule's symbols
    ("δ(q)@2", "delta(q)@2"),
    ("Δ(u3)", "change(u3)"),
])
def test_aliases_against_the_sheets_keys(written, meant):
    assert keys.canonical(written, TANH_KEYS) == meant


def test_an_alias_keeps_its_example():
    known = {"q@2", "z(q)@2"}
    assert keys.canonical("a(q)@2", known) == "q@2"
    assert keys.canonical("∂E/∂q@2", {"dE/dq@2"}) == "dE/dq@2"


def test_a_name_ending_in_a_prime_is_taken_as_written():
    known = {"h'", "z(h')", "new(w')", "dE/dw'"}
    assert keys.canonical("h'", known) == "h'"
    assert keys.canonical("h′", known) == "h'"
    assert keys.canonical("w'+", known) == "new(w')"
    assert keys.canonical("w''", known) == "new(w')"
    assert keys.canonical("a(h')", known) == "h'"


PRIMED = """\
bptutor: 1
title: primed names
round: 2
loss: squared_error
network:
  inputs: [x]
  layers:
    - neurons: [h']
      activation: tanh
      weights: [[0.7]]
      weight_names: [[w']]
      bias: [0.1]
      bias_names: [b']
    - neurons: [y]
      activation: sigmoid
      weights: [[-1.3]]
      weight_names: [[v]]
input: [0.5]
target: [1]
learning_rate: 0.5
"""


def filled(text: str, values: dict[str, str]) -> str:
    """A template with every key's value written in, in place."""
    out = []
    for line in text.splitlines():
        match = re.match(r"  ([^#\s][^:]*):(\s+#.*)$", line)
        if match:
            key = match.group(1).strip('"')
            line = f"  {match.group(1)}: {values.pop(key)}{match.group(2)}"
        out.append(line)
    assert not values, f"keys the template lacks: {values}"
    return "\n".join(out) + "\n"


@pytest.fixture
def primed(tmp_path: Path):
    path = tmp_path / "primed.yaml"
    path.write_text(PRIMED, encoding="utf-8")
    return path, solve(load(path))


def grade(tmp_path: Path, sheet, text: str):
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return Grader(sheet).grade(answers.load(path))


def test_a_filled_template_with_primed_names_scores_full_marks(tmp_path, primed):
    path, sheet = primed
    assert {"h'", "z(h')", "dE/dh'", "dE/dw'", "new(w')", "new(b')"} <= set(sheet.values)
    text = template(sheet, str(path))
    report = grade(tmp_path, sheet, filled(text, {s.key: sheet.show(s.key)
                                                  for s in sheet.steps}))
    assert [i.key for i in report.items if i.verdict != "correct"] == []
    assert report.score == report.max_score == len(sheet.steps)


@pytest.mark.parametrize("update_key", ["w'+", "new(w')", "w''", "w'′"])
def test_update_aliases_still_work_with_primed_names(tmp_path, primed, update_key):
    path, sheet = primed
    activation, update = sheet.show("h'"), sheet.show("new(w')")
    lines = [f"problem: {path}", "answers:", f"  h': {activation}",
             f"  \"{update_key}\": {update}"]
    report = grade(tmp_path, sheet, "\n".join(lines) + "\n")
    given = {i.key: i.verdict for i in report.items if i.given is not None}
    assert given == {"h'": "correct", "new(w')": "correct"}


def test_two_spellings_of_one_key_are_an_error(tmp_path, primed):
    path, sheet = primed
    value = sheet.show("new(w')")
    text = f"problem: {path}\nanswers:\n  \"new(w')\": {value}\n  \"w'+\": {value}\n"
    with pytest.raises(BptutorError, match=r"answers \"new\(w'\)\" a second time"):
        grade(tmp_path, sheet, text)
