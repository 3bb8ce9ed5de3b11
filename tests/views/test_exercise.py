"""The exercise without its answers (``show``, and the start of quiz, template, --step):
every given number, no computed value, in the terminal, markdown and LaTeX."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import PROBLEMS
from test_diagram import poisoned  # one leak detector for both views

from bptutor.files.problems import bundled_names, load
from bptutor.sheet.worksheet import solve
from bptutor.views import exercise


def renders(shown) -> dict[str, str]:
    return {"rich": exercise.plain(shown, width=100), "markdown": exercise.markdown(shown),
            "latex": exercise.latex(shown)}


@pytest.mark.parametrize("name", bundled_names())
def test_every_given_number_and_no_computed_value(name):
    sheet = poisoned(solve(load(name)))
    shown = exercise.build(sheet)
    out = renders(shown)
    for fmt, text in out.items():
        assert "987654" not in text, fmt
    batch = len(sheet.network.examples) > 1
    for key in sheet.givens:
        value = sheet.show(key)
        if batch and "@" in key:  # the examples table: the value in its example's row
            base, k = key.split("@")
            row = [r for r in out["rich"].splitlines() if re.match(rf"\s+{k}\s", r)
                   and "examples" not in r.split()[:1]]
            assert value in row[0].split(), (key, row)
            assert f"| {k} | " in out["markdown"]
        else:
            assert f"{exercise.shown(key)}={value}" in out["rich"], key
            assert f"`{exercise.shown(key)} = {value}`" in out["markdown"], key


def test_what_to_compute_lists_every_step_once():
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    asked = [k for task in exercise.build(sheet).tasks for _, names in task.parts for k in names]
    assert sorted(asked) == sorted(s.key for s in sheet.steps)  # by kind, each once
    xor = solve(load(PROBLEMS / "xor.yaml"))
    tasks = exercise.build(xor).tasks
    assert [t.heading() for t in tasks][:3] == ["Forward pass (each example)",
                                                "Loss (each example)",
                                                "Backward pass (each example)"]
    keys = {k for t in tasks for _, names in t.parts for k in names}
    assert keys == {s.key.split("@")[0] for s in xor.steps}  # each base key, @k left out


def test_one_pass_gives_the_passes_before_it():
    sheet = solve(load(PROBLEMS / "tanh-chain.yaml"))
    forward = {s.key for s in sheet.steps if s.section in ("forward", "loss")}
    shown = exercise.build(poisoned(sheet, keep=forward), "backward")
    text = exercise.plain(shown)
    assert "987654" not in text
    assert "y=-0.94" in text and "E=3.76" in text and "y -0.94" in text  # list and diagram
    assert [t.title for t in shown.tasks] == ["Backward pass"]
    assert exercise.build(sheet, "forward").known == set()


def test_graph_lists_its_nodes_and_output():
    sheet = solve(load("graph-reuse"))
    text = exercise.plain(exercise.build(sheet))
    for piece in ("d = a·b", "e = a + b", "f = d·e", "output  f", "a=-2", "b=3", "df/da"):
        assert piece in text, piece


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex")
@pytest.mark.parametrize("name", ["tanh-chain", "xor", "graph-logistic", "word2vec"])
def test_latex_question_sheet_compiles(name, tmp_path):
    (tmp_path / "q.tex").write_text(exercise.latex(exercise.build(solve(load(name)))),
                                    encoding="ascii")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "q.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


def test_latex_is_ascii_and_balanced():
    for name in bundled_names():
        doc = exercise.latex(exercise.build(solve(load(name))))
        assert doc.isascii(), name
        assert doc.count("{") == doc.count("}") - doc.count(r"\}") + doc.count(r"\{"), name
        assert doc.count(r"\begin{") == doc.count(r"\end{"), name


@pytest.mark.parametrize("name", bundled_names())
def test_piped_output_has_no_trailing_spaces(run, name):
    """The exercise block (rich tables) and everything after it, piped: no line ends in a
    space, as ``solve`` and ``check`` write theirs."""
    problem = PROBLEMS / f"{name}.yaml"
    answers = "1\n" * 400
    for args, given in ((("show", problem), None), (("quiz", problem), answers),
                        (("solve", problem, "--step"), "\n" * 400)):
        result = run(*args, input=given)
        assert result.exit_code in (0, 1) and not result.stderr  # quiz: 1 when not all right
        assert result.stdout.count("\n") > 10
        ending = [line for line in result.stdout.splitlines() if line != line.rstrip()]
        assert not ending, (args[0], ending[:3])


MEAN_BATCH = """bptutor: 1
title: a batch averaged, thresholds
round: 2
loss: half_squared_error
batch: mean
network:
  inputs: [x1, x2]
  layers:
    - neurons: [y]
      activation: sigmoid
      weights: [[0.4, -0.6]]
      threshold: 0.1
examples:
  - {input: [1, 0], target: [1]}
  - {input: [0, 1], target: [0]}
learning_rate: 0.25
"""


def test_thresholds_and_a_mean_batch_are_named_so(tmp_path):
    """A threshold layer's θ are thresholds, not biases; ``batch: mean`` averages, not sums."""
    xor = exercise.plain(exercise.build(solve(load(PROBLEMS / "negnevitsky-xor.yaml"))))
    assert "y3, y4 (sigmoid) with thresholds" in xor and "weights and thresholds" in xor
    assert "bias" not in xor.split("Network", 1)[1]
    path = tmp_path / "mean.yaml"
    path.write_text(MEAN_BATCH)
    text = exercise.plain(exercise.build(solve(load(path))), width=200)
    assert "E averages it over the examples" in text
    assert "(averaged over the examples)" in text and "(each example)" in text
    assert "sum" not in text and "bias" not in text
    path.write_text(MEAN_BATCH.replace("batch: mean\n", ""))  # the default: sums
    summed = exercise.plain(exercise.build(solve(load(path))), width=200)
    assert "E sums it over the examples" in summed and "(summed over the examples)" in summed
