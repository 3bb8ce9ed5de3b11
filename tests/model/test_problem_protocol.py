"""Network and Graph behind one Problem protocol (bptutor.model.problem).

Each member is checked against something independent of its implementation: the
worksheet's own gradient steps, the problem file's text, the place an error must point at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bptutor.errors import BptutorError
from bptutor.files.problems import bundled_names, load
from bptutor.model import keys
from bptutor.model.problem import as_graph, as_network
from bptutor.sheet.worksheet import asked_notation, solve

GRAPHS = [name for name in bundled_names() if load(name).kind == "graph"]
NETWORKS = [name for name in bundled_names() if load(name).kind == "network"]


def test_the_bundled_problems_hold_both_kinds():
    assert GRAPHS and NETWORKS
    assert len(GRAPHS) + len(NETWORKS) == len(bundled_names())


@pytest.mark.parametrize("name", bundled_names())
def test_parameters_are_the_sheets_gradients_in_its_order(name):
    """gradcheck perturbs exactly what the sheet differentiates: weights and biases, or the
    inputs a graph's output depends on. A delta_rule sheet writes no dE/dw (SPEC §6): its
    gradients are those of the activation notation, and its Δw steps follow the same order."""
    problem = load(name)
    sheet = solve(problem, "file", "activation" if problem.kind == "network" else None)
    # the first update's (SPEC §7): its totals, or example 1's steps in an online update
    first = [keys.parse(s.key) for s in sheet.steps
             if s.kind == "gradient" and keys.parse(s.key).update in (None, 1)]
    total = [p for p in first if p.example is None] or [p for p in first if p.example == 1]
    wrt = [p.name for p in total if p.of == problem.loss_name and p.name in sheet.givens]
    assert problem.parameters() == wrt
    if problem.notation == "delta_rule" and problem.learning_rate is not None:
        changes = [keys.parse(s.key).name for s in solve(problem).steps
                   if s.kind == "change" and s.example is None]
        assert changes == [n for n in wrt if n in changes] and changes


@pytest.mark.parametrize("name", bundled_names())
def test_loss_name_and_notations(name):
    problem = load(name)
    sheet = solve(problem)
    assert sheet.notation == problem.notation in problem.notations
    if problem.kind == "network":
        assert problem.loss_name == "E"
        assert set(problem.notations) == {"activation", "delta", "delta_rule"}
        assert any(keys.base(key) == "E" for key in sheet.values)  # E#k in SPEC §7
    else:
        graph = as_graph(problem)
        # SPEC §6: with an output_gradient the gradients are of the loss L downstream
        assert problem.loss_name == (graph.output if graph.output_gradient is None else "L")
        assert list(problem.notations) == ["graph"] and len(problem.examples) == 1
        assert (problem.learning_rate is None) == (not graph.updated)  # parameters: [w, b]


def test_the_narrowing_helpers_refuse_the_other_kind():
    network, graph = load(NETWORKS[0]), load(GRAPHS[0])
    assert as_network(network) is network and as_graph(graph) is graph
    with pytest.raises(TypeError):
        as_network(graph)
    with pytest.raises(TypeError):
        as_graph(network)


def test_a_graph_ignores_a_notation_and_refuses_one_asked_for():
    graph = load(GRAPHS[0])
    assert solve(graph, "file", "delta").notation == "graph"
    assert asked_notation(graph, None) is None
    with pytest.raises(BptutorError, match="does not apply to a computation graph"):
        asked_notation(graph, "delta")
    network = load(NETWORKS[0])
    assert asked_notation(network, "delta") == "delta"


GRAPH = """\
bptutor: 1
kind: graph
inputs: {a: 3, b: 1}
nodes:
  d: 2*b
  L: a*d
output: L
"""


def test_a_graph_error_points_at_the_name_a_key_is_about(tmp_path: Path):
    path = tmp_path / "g.yaml"
    path.write_text(GRAPH, encoding="utf-8")
    graph = load(path)
    assert graph.parameters_key == "inputs" and graph.parameter_words[0] == "input"
    # dL/db and b are both about input b: its value, line 3 column 19
    for key in ("dL/db", "b"):
        mark = graph.error(key, "x").mark
        assert (mark.line, mark.col) == (3, 19)
    mark = graph.overflow_error("d", "node").mark  # node d's expression, line 5
    assert (mark.line, mark.col) == (5, 6)
    mark = graph.error("inputs", "x").mark
    assert (mark.line, mark.col) == (3, 1)


NETWORK = """\
bptutor: 1
loss: squared_error
network:
  inputs: [x]
  layers:
    - neurons: [y]
      activation: identity
      weights: [[2]]
input: [1]
target: [0]
"""


def test_a_network_error_points_at_the_top_level_key_that_explains_it(tmp_path: Path):
    path = tmp_path / "n.yaml"
    path.write_text(NETWORK, encoding="utf-8")
    net = load(path)
    assert net.parameters() == ["W1[1,1]"] and net.parameters_key == "network"
    assert net.names() == ["x", "y", "W1[1,1]"]
    assert net.overflow_error("E", "loss").mark.line == 2  # loss:
    assert net.overflow_error("z(y)", "preactivation").mark.line == 3  # network:
    error = net.compute_error("E", ZeroDivisionError("division by zero"))
    assert error.mark.line == 2 and error.message == "cannot compute E: division by zero"
