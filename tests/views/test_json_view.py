"""JSON written with the C encoder: the same text as ``json.dumps(..., indent=2)``."""

from __future__ import annotations

import json
import math

from conftest import PROBLEMS
from hypothesis import given
from hypothesis import strategies as st

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.views.json_view import indented, render, solution

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.floats().filter(math.isinf) | st.text())
documents = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=4) | st.tuples(inner, inner)
                   | st.dictionaries(st.text(), inner, max_size=4)
                   | st.dictionaries(st.integers() | st.booleans() | st.none(), inner,
                                     max_size=3)),
    max_leaves=25)


def reference(value: object, level: int = 0) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


@given(documents, st.integers(0, 3))
def test_indented_is_json_dumps_with_indent(value, level):
    assert indented(value, level) == reference(value, level)


def test_awkward_strings_and_empty_containers():
    doc = {"a": ["x,\n  y", "\u2028", "é\x01"], "b": {}, "c": [], "d": [[], {}], "e": {"f": [1]},
           "g": [{"},\n{": "}, {"}, {"x": None}], "h": [{"a": 1}, {}], "i": [{"a": [1]}]}
    assert indented(doc) == reference(doc)
    assert indented({"nan": math.nan, "inf": [-math.inf]}) == reference(
        {"nan": math.nan, "inf": [-math.inf]})


records = st.lists(st.dictionaries(st.text(), scalars, min_size=1, max_size=4), min_size=1,
                   max_size=4)


@given(records | st.dictionaries(st.text(), records, max_size=3), st.integers(0, 3))
def test_lists_of_records_are_json_dumps_with_indent(value, level):
    assert indented(value, level) == reference(value, level)


def test_solve_json_is_unchanged():
    for name in ("xor", "softmax", "tanh-chain"):
        sheet = solve(load(PROBLEMS / f"{name}.yaml"))
        assert render(sheet) == reference(solution(sheet))
