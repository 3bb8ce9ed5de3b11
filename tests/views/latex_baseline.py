"""Writes ``latex_baseline.json.gz``: how the LaTeX view's ``Math`` translated formulas and keys
before it was made linear (the regex of every name, commit 23966a2), for the test that the new
tokenizer translates them identically (tests/views/test_latex_view.py).

Recorded: every ``Math.expr``/``Math.key`` call made rendering every bundled problem (each
notation, rounded and exact), networks drawn by ``bptutor new`` (several shapes, activations,
losses and seeds), a problem with awkward names, and random formulas spliced from a network's
names and the tokens a formula holds (prefixes of names, @k, primes, brackets, powers).

Run it against the old code only, e.g. from a pristine copy of that commit::

    git archive 23966a2 | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base python tests/views/latex_baseline.py
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import tempfile
from pathlib import Path

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.tools.practice import Options, new_problem
from bptutor.views import latex_view

HERE = Path(__file__).resolve().parent
PROBLEMS = Path(latex_view.__file__).resolve().parents[2] / "problems"  # the recorded code's
OUT = HERE / "latex_baseline.json.gz"

AWKWARD_TEXT = """\
bptutor: 1
title: "odd # $ % & _ ^ ~ { } \\\\ < > | \\" names"
round: 2
loss: squared_error
learning_rate: 0.5
network:
  inputs: [in_1, "x.2", x, x1]
  layers:
    - neurons: ["h[1]", "h'2", z, exp]
      activation: sigmoid
      weights: [[0.1, -0.2, 0.3, 0.1], [0.3, 0.4, 0.1, 0.2], [0.1, 0.2, 0.3, 0.4],
                [0.5, 0.1, -0.1, 0.2]]
      weight_names: [["w[1,1]", "w_a.b", "dE", "w"], ["g'", "W1[2,2]", "W1[2,3]", t1],
                     [new, "x1x", "σw", "η2"], [Wab, "w1.2", "ln", "tanh2"]]
      bias: [0.1, -0.1, 0.2, 0.0]
      bias_names: [b_1, "b.2", b, "b[1]x"]
    - neurons: [out_put, "y'"]
      activation: tanh
      weights: [[0.5, -0.6, 0.1, 0.2], [0.1, 0.2, 0.3, 0.4]]
input: [1, 2, 3, 4]
target: [0.5, -0.5]
"""

SHAPES = [
    Options(shape="2-2-1"), Options(shape="3-4-2", activation="tanh"),
    Options(shape="2-3-3", activation="relu,softmax"), Options(shape="4-3-2-2"),
    Options(shape="2-12-11", activation="leaky_relu,sigmoid", no_round=True),
    Options(shape="3-2-3", activation="tanh,softmax", loss="cross_entropy"),
    Options(shape="2-2-2", activation="identity", no_round=True),
    Options(shape="12-3-1", activation="sigmoid", round=3, learning_rate=0.25),
]
FRAGMENTS = [" ", " + ", " - ", "·", "(", ")", "′", "²", "^", "**", "@", "@12", "1", "0.5",
             "1e-5", "2.5e+3", "η", "Σ", "½", "−", "{", "}", "\\", "%", "#", "&", "$", "_", "~",
             "z(", "t(", "new(", "dE/d", "dE/dz(", "dL/d", "σ", "σ′(", "tanh", "exp(", "ln ",
             "⁲", "²³", "αβ", "Müller", "word", "é", "\n", "x", "ab"]


def record(math: latex_view.Math, calls: list) -> latex_view.Math:
    """Wrap ``math`` so every top-level translation is written to ``calls``."""
    expr, key, depth = math.expr, math.key, [0]

    def traced(kind, fn):
        def call(text):
            depth[0] += 1
            try:
                result = fn(text)
            finally:
                depth[0] -= 1
            if depth[0] == 0:
                calls.append([kind, text, result])
            return result
        return call

    math.expr, math.key = traced("expr", expr), traced("key", key)  # type: ignore[method-assign]
    return math


def rendered(sheet, cases: list) -> None:
    """Render ``sheet`` and keep the Math's names and calls as one case."""
    made = []
    original = latex_view.Math

    def recording(names, out="E"):
        made.append({"names": list(names), "out": out, "calls": []})
        return record(original(made[-1]["names"], out), made[-1]["calls"])

    latex_view.Math = recording  # type: ignore[misc, assignment]
    try:
        latex_view.render(sheet)
    finally:
        latex_view.Math = original  # type: ignore[misc]
    cases.extend(made)


def fuzzed(names: list[str], out: str, rng: random.Random, count: int) -> dict:
    """Random formulas from names, their prefixes and a formula's tokens."""
    math = latex_view.Math(names, out)
    pool = FRAGMENTS + names + [n[:-1] for n in names if len(n) > 1] + [out]
    calls = []
    for _ in range(count):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        calls.append(["expr", text, math.expr(text)])
        calls.append(["key", text, math.key(text)])
    return {"names": names, "out": out, "calls": calls}


def main() -> None:
    print(f"recording with {latex_view.__file__}", file=sys.stderr)
    cases: list = []
    with tempfile.TemporaryDirectory() as folder:
        awkward = Path(folder) / "awkward.yaml"
        awkward.write_text(AWKWARD_TEXT, encoding="utf-8")
        for path in [*sorted(PROBLEMS.glob("*.yaml")), awkward]:
            problem = load(path)
            for notation in problem.notations:
                for digits in ("file", None):
                    rendered(solve(problem, digits, notation), cases)
    for options in SHAPES:
        for seed in (1, 2):
            rendered(new_problem(Options(**{**options.__dict__, "seed": seed})).sheet, cases)
    rng = random.Random(15)
    for case in list(cases[::7]):
        cases.append(fuzzed(case["names"], case["out"], rng, 40))
    with gzip.open(OUT, "wt", encoding="utf-8") as stream:
        json.dump(cases, stream, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(cases)} cases, {sum(len(c['calls']) for c in cases)} calls -> {OUT}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
