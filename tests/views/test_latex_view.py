"""The LaTeX view's formula translation: the same as before it was made linear, call for call.

``latex_baseline.json.gz`` holds what the old translator (one regex holding every name) gave
for every formula and key of the bundled problems, networks drawn by ``new``, awkward names and
random formulas; ``latex_baseline.py`` wrote it from the old code.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bptutor.views.latex_view import Math

BASELINE = Path(__file__).with_name("latex_baseline.json.gz")


def cases() -> list[dict]:
    with gzip.open(BASELINE, "rt", encoding="utf-8") as stream:
        return json.load(stream)


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{len(c['names'])}names")
def test_translation_is_unchanged(case):
    math = Math(case["names"], case["out"])
    wrong = [(kind, text, expected, getattr(math, kind)(text))
             for kind, text, expected in case["calls"]
             if getattr(math, kind)(text) != expected]
    assert not wrong, wrong[:5]


def test_the_baseline_covers_every_kind_of_token():
    """The recorded calls reach each form the translator reads, so the test above tests them."""
    texts = [text for case in cases() for _, text, _ in case["calls"]]
    for piece in ("dE/dz(", "dL/d", "@2", "new(", "z(", "t(", "σ′(", "exp(", "²", "**", "^",
                  "e-", "·", "Σ", "Müller", "\\"):
        assert any(piece in text for text in texts), piece


def test_a_name_is_the_longest_that_fits():
    math = Math(["x1", "x12", "h", "h1", "h1_2"])
    assert math.expr("x12·x1") == r"x_{12} \cdot x_{1}"
    # h1_2) is not a name followed by ')', but h1 is not either: z(h1_2) takes the longest
    assert math.expr("z(h1_2)@3") == "{z_{h_{1,2}}}^{(3)}"
    # a longer name that does not close the bracket gives way to one that does
    math = Math(["ab", "abc"])
    assert math.expr("z(ab)") == "z_{\\mathit{ab}}"
    assert math.expr("dE/dabc@2") == r"\frac{\partial {E}^{(2)}}{\partial \mathit{abc}}"
    # an unknown name inside z( ) is read as z, a bracket and a word
    assert math.expr("z(q)") == "z(q)"


def test_a_letter_command_keeps_its_space():
    math = Math(["a", "b"])
    assert math.expr("η a") == r"\eta a"
    assert math.expr("ηa") == r"\eta a"  # \etaa would be another command
    assert math.expr("a·η·b") == r"a \cdot \eta \cdot b"
