"""Computation-graph problems (SPEC §1 `kind: graph`) end to end: the lecture's numbers for
L = c(a + 2b) through the real CLI, gradients that accumulate, exact gradients against
central differences on random graphs, the rounding rule, template + check, and broken files
as located errors."""

from __future__ import annotations

import json
import math
import random
import re

import pytest
from conftest import PROBLEMS, assert_located

from bptutor.files.problems import load
from bptutor.model.expression import Call, Expr, MathError
from bptutor.model.graph import Graph
from bptutor.model.rounding import round_half_up
from bptutor.sheet.graph_steps import evaluate_output
from bptutor.sheet.worksheet import solve

EPS = 1e-6


def by_key(doc: dict) -> dict:
    return {step["key"]: step for step in doc["steps"]}


def write_graph(tmp_path, inputs: dict, nodes: dict, extra: str = "", name="graph.yaml"):
    lines = ["bptutor: 1", "kind: graph", "title: test graph", extra,
             "inputs: {" + ", ".join(f"{k}: {v!r}" for k, v in inputs.items()) + "}", "nodes:"]
    lines += [f"  {k}: {v}" for k, v in nodes.items()]
    path = tmp_path / name
    path.write_text("\n".join(line for line in lines if line) + "\n", encoding="utf-8")
    return path


# -- the lecture: L = c(a + 2b) with a = 3, b = 1, c = 2 ------------------------------------------

def test_lecture_numbers(solve_json):
    doc = solve_json("graph-c-a-2b")
    assert doc["bptutor"] == 1 and doc["round"] is None and doc["notation"] == "graph"
    steps = by_key(doc)
    expected = {"d": 2, "e": 5, "L": 10, "dL/de": 2, "dL/dd": 2, "dL/dc": 5, "dL/db": 4,
                "dL/da": 2}
    assert list(steps) == list(expected)  # forward in order, then backward in reverse order
    for key, number in expected.items():
        assert steps[key]["value"] == number and steps[key]["exact"] == number, key
    assert {s["kind"] for k, s in steps.items() if "/" not in k} == {"node"}
    assert {s["kind"] for k, s in steps.items() if "/" in k} == {"gradient"}
    assert (steps["L"]["formula"], steps["L"]["substituted"]) == ("c·e", "2·5")
    assert (steps["dL/db"]["formula"], steps["dL/db"]["substituted"]) == ("dL/dd·2", "2·2")
    assert steps["dL/de"]["formula"] == "c"  # L's own local derivative: no dL/dL factor
    assert "dL/dL" not in steps and "E" not in steps
    for step in doc["steps"]:
        assert set(step) == {"key", "kind", "value", "exact", "formula", "substituted"}


def test_the_file_matches_the_spec_example():
    graph = load(PROBLEMS / "graph-c-a-2b.yaml")
    assert isinstance(graph, Graph)
    assert graph.inputs == {"a": 3, "b": 1, "c": 2}
    assert list(graph.nodes) == ["d", "e", "L"] and graph.output == "L"


# -- gradients accumulate -----------------------------------------------------------------------

def test_a_value_used_twice_in_one_expression(tmp_path, solve_json):
    path = write_graph(tmp_path, {"a": 3}, {"b": "a + a", "L": "b*b"})
    steps = by_key(solve_json(path))
    assert steps["b"]["value"] == 6
    assert steps["dL/db"]["value"] == 12  # 2·b
    assert steps["dL/da"]["formula"] == "dL/db·2"  # 1 + 1 written as one local derivative
    assert steps["dL/da"]["value"] == 2 * steps["dL/db"]["value"]
    square = write_graph(tmp_path, {"a": 3}, {"L": "a*a"}, name="square.yaml")
    steps = by_key(solve_json(square))
    assert steps["dL/da"]["formula"] == "2·a" and steps["dL/da"]["value"] == 6


def test_a_value_used_by_two_nodes_sums_one_term_each(solve_json):
    steps = by_key(solve_json("graph-reuse"))  # micrograd: a = -2, b = 3, d = ab, e = a + b
    assert steps["f"]["value"] == -6
    assert steps["df/da"]["value"] == -3 and steps["df/db"]["value"] == -8
    assert steps["df/da"]["formula"] == "df/dd·b + df/de"
    assert steps["df/da"]["substituted"] == "1·3 - 6"


def test_terms_are_rounded_then_summed(tmp_path, solve_json):
    """SPEC §3 rule 4, as for a hidden neuron: 0.125 + 0.125 is 0.13 + 0.13 = 0.26."""
    path = write_graph(tmp_path, {"x": 1, "p": 0.125, "q": 0.125},
                       {"u": "p*x", "v": "q*x", "L": "u + v"}, "round: 2")
    step = by_key(solve_json(path))["dL/dx"]
    assert step["value"] == 0.26 and step["exact"] == 0.25
    assert step["formula"] == "dL/du·p + dL/dv·q"
    assert step["substituted"].endswith("= 0.13 + 0.13")


# -- rounding (SPEC §3) -------------------------------------------------------------------------

def test_every_step_rounds_and_later_steps_use_the_rounded_value(solve_json):
    doc = solve_json("graph-sigmoid-exp")
    assert doc["round"] == 2
    steps = by_key(doc)
    values = {k: s["value"] for k, s in steps.items()}
    assert values["g"] == 0.37 and values["h"] == 1.37 and values["f"] == 0.73
    assert values["df/dh"] == round_half_up(-1 / 1.37 ** 2, 2) == -0.53
    assert values["df/de"] == round_half_up(-0.53 * 0.37, 2) == -0.20
    assert steps["df/de"]["substituted"] == "-0.53·0.37"
    # the sheet's rounding path against the notes' full precision: 0.40 where exact is 0.393
    assert values["df/dx0"] == 0.4 and round(steps["df/dx0"]["exact"], 2) == 0.39
    assert math.isclose(steps["df/dz"]["exact"], (1 - 1 / (1 + math.exp(-1)))
                        / (1 + math.exp(-1)), rel_tol=1e-12)  # (1 - f)·f, the notes' ≈ 0.2


def test_half_away_from_zero_at_each_node(tmp_path, solve_json):
    path = write_graph(tmp_path, {"a": 2.675, "b": -0.125}, {"c": "a*1", "d": "b*1",
                                                              "L": "c + d"}, "round: 2")
    steps = by_key(solve_json(path))
    assert steps["c"]["value"] == 2.68 and steps["d"]["value"] == -0.13
    assert steps["L"]["value"] == 2.55 and steps["L"]["substituted"] == "2.68 + (-0.13)"


def test_sigmoid_slope_is_taken_from_the_rounded_node_value(solve_json):
    steps = by_key(solve_json("graph-logistic"))
    assert steps["y"]["value"] == 0.731
    assert steps["dL/dz"]["formula"] == "dL/dy·y·(1 - y)"
    assert steps["dL/dz"]["substituted"] == "-1.368·0.731·(1 - 0.731)"
    assert steps["dL/dz"]["value"] == round_half_up(-1.368 * 0.731 * (1 - 0.731), 3) == -0.269
    assert math.isclose(steps["dL/dz"]["exact"], steps["y"]["exact"] - 1, rel_tol=1e-12)


def test_round_option_and_exact(solve_json):
    exact = by_key(solve_json("graph-logistic", "--exact"))
    assert all(step["value"] == step["exact"] for step in exact.values())
    three = by_key(solve_json("graph-c-a-2b", "--round", "3"))
    assert three["L"]["value"] == 10


# -- exact gradients against central differences on random graphs ------------------------------

UNARY = ["exp({})", "tanh({})", "sigmoid({})", "sin({})", "cos({})", "log(1 + {}**2)",
         "sqrt(2 + {})", "abs({})", "relu({})", "-{}"]
BINARY = ["{} + {}", "{} - {}", "{}*{}", "{}/(1 + {}**2)", "max({}, {})", "min({}, {})",
          "{}**2 + {}"]


def random_graph(rng: random.Random) -> tuple[dict[str, float], dict[str, str]]:
    """Inputs in [-1.5, 1.5]; up to five nodes, each one function or operation of earlier
    values (so values get reused); L sums them all, so every value reaches L."""
    inputs = {f"x{i}": round(rng.uniform(-1.5, 1.5), 3) for i in range(rng.randint(1, 3))}
    names, nodes = list(inputs), {}
    for k in range(rng.randint(1, 5)):
        if rng.random() < 0.4:
            expression = rng.choice(UNARY).format(rng.choice(names))
        else:
            pair = rng.sample(names, 2) if len(names) > 1 else names * 2
            expression = rng.choice(BINARY).format(*pair)
        nodes[f"n{k}"] = expression
        names.append(f"n{k}")
    nodes["L"] = " + ".join(f"0.5*{name}" for name in nodes) + " + " + " + ".join(inputs)
    return inputs, nodes


def bumped(graph: Graph, inputs: dict[str, float], name: str, h: float) -> float:
    """The output with ``name`` (an input or a node) moved by h, everything else recomputed."""
    values = {k: v + (h if k == name else 0.0) for k, v in inputs.items()}
    for node, expr in graph.nodes.items():
        values[node] = expr.value(values) + (h if node == name else 0.0)
    return values[graph.output]


def kinked(expr: Expr, env: dict[str, float]) -> bool:
    """A relu/abs argument at 0 or a tie in max/min: where central differences disagree."""
    if isinstance(expr, Call) and expr.fn in ("relu", "abs", "max", "min"):
        points = sorted(arg.value(env) for arg in expr.args)
        gaps = [abs(points[0])] if expr.fn in ("relu", "abs") else [
            b - a for a, b in zip(points, points[1:])]
        if min(gaps) < 1e-4:
            return True
    return any(kinked(child, env) for child in expr.children())


@pytest.mark.parametrize("seed", range(60))
def test_random_graph_gradients_match_central_differences(tmp_path, seed):
    inputs, nodes = random_graph(random.Random(seed))
    graph = load(write_graph(tmp_path, inputs, nodes))
    sheet = solve(graph, None)
    if any(kinked(expr, sheet.exact) for expr in graph.nodes.values()):
        pytest.skip("a relu, abs, max or min sits at its kink: no derivative to compare")
    for name in [*graph.inputs, *graph.nodes][:-1]:
        key = f"dL/d{name}"
        numeric = (bumped(graph, inputs, name, EPS) - bumped(graph, inputs, name, -EPS)) / (2 * EPS)
        assert math.isclose(sheet.exact[key], numeric, rel_tol=1e-5, abs_tol=1e-7), (nodes, key)
    # the sheet works on paper (SPEC §3): it agrees with the float forward pass to float noise
    assert math.isclose(sheet.exact["L"], evaluate_output(graph, inputs), rel_tol=1e-12,
                        abs_tol=1e-300)


def test_evaluate_output_is_the_exact_forward_pass():
    graph = load(PROBLEMS / "graph-sigmoid-exp.yaml")
    inputs = dict(graph.inputs)
    assert math.isclose(evaluate_output(graph, inputs), 1 / (1 + math.exp(-1)), rel_tol=1e-15)
    inputs["w2"] += 1
    assert math.isclose(evaluate_output(graph, inputs), 1 / (1 + math.exp(-2)), rel_tol=1e-15)
    with pytest.raises(MathError):
        evaluate_output(load(PROBLEMS / "graph-logistic.yaml"),
                        {"x1": 1e4, "x2": 0, "w1": 1, "w2": 0, "b": 0, "t": 1})


def test_nodes_the_output_does_not_depend_on_get_no_gradient(tmp_path, solve_json):
    path = write_graph(tmp_path, {"a": 3, "b": 2}, {"e": "a*2", "f": "b + e"}, "output: e")
    steps = by_key(solve_json(path))
    assert list(steps) == ["e", "f", "de/da"]


# -- views ----------------------------------------------------------------------------------------

def test_rich_and_markdown_views(run):
    rich = run("solve", "graph-reuse", "--no-color")
    assert rich.exit_code == 0
    assert "computation graph: df/d(value)" in rich.stdout
    assert "[node]" in rich.stdout and "[grad]" in rich.stdout
    assert "df/db = df/dd·a + df/de = 1·(-2) - 6 = -8" in rich.stdout
    markdown = run("solve", "graph-logistic", "--format", "markdown")
    assert markdown.exit_code == 0
    assert "| node | `y` | `σ(z)` | `σ(1.000)` | **0.731** | 0.73106 |" in markdown.stdout


def test_only_passes(solve_json, run):
    forward_steps = solve_json("graph-c-a-2b", "--only", "forward")["steps"]
    assert [s["key"] for s in forward_steps] == ["d", "e", "L"]
    backward = solve_json("graph-c-a-2b", "--only", "backward")["steps"]
    assert all(s["kind"] == "gradient" for s in backward) and len(backward) == 5
    assert solve_json("graph-c-a-2b", "--only", "update")["steps"] == []
    rich = run("solve", "graph-c-a-2b", "--only", "update", "--no-color")
    assert rich.exit_code == 0 and "no steps in the chosen pass" in rich.stdout


@pytest.mark.parametrize("command", ["solve", "template", "quiz"])
def test_notation_option_is_refused_for_a_graph(run, command):
    result = run(command, PROBLEMS / "graph-reuse.yaml", "--notation", "delta", input="")
    assert result.exit_code == 2 and result.stdout == ""
    assert_located(result.stderr, PROBLEMS / "graph-reuse.yaml", 3, 1,
                   ["--notation delta does not apply to a computation graph"], "--notation")


def test_the_library_ignores_a_notation_for_a_graph():
    """Callers that loop over every problem and notation get the graph's one worksheet."""
    graph = load(PROBLEMS / "graph-reuse.yaml")
    for notation in (None, "activation", "delta"):
        sheet = solve(graph, "file", notation)
        assert sheet.notation == "graph" and sheet.values["df/da"] == -3


# -- template and check ------------------------------------------------------------------------

def filled(template: str, values: dict[str, float], digits: int | None) -> str:
    def fill(match: re.Match) -> str:
        key = match.group(1)
        number = values[key]
        return f"  {key}: " + (f"{number:.{digits}f}" if digits is not None else repr(number))
    return re.sub(r"^  (\S+):\s*#.*$", fill, template, flags=re.M)


@pytest.mark.parametrize("name", ["graph-c-a-2b", "graph-logistic", "graph-sigmoid-exp",
                                  "graph-reuse"])
def test_template_and_check_round_trip(run, solve_json, tmp_path, name):
    doc = solve_json(name)
    values = {s["key"]: s["value"] for s in doc["steps"]}
    template = run("template", name)
    assert template.exit_code == 0
    keys = re.findall(r"^  (\S+):", template.stdout, re.M)
    assert keys == list(values)
    answers = tmp_path / "answers.yaml"
    answers.write_text(filled(template.stdout, values, doc["round"]), encoding="utf-8")
    result = run("check", answers, "--format", "json")
    assert result.exit_code == 0, result.stdout
    report = json.loads(result.stdout)["files"][0]
    assert report["score"] == report["max_score"] == len(values)

    # one answer with its sign flipped: wrong, diagnosis sign
    key = next(k for k in reversed(list(values)) if values[k] != 0
               and " + " not in by_key(doc)[k]["formula"])  # a sum's flip may be a lost term
    flipped = dict(values, **{key: -values[key]})
    answers.write_text(filled(template.stdout, flipped, doc["round"]), encoding="utf-8")
    result = run("check", answers, "--format", "json")
    assert result.exit_code == 1
    item = next(i for i in json.loads(result.stdout)["files"][0]["items"] if i["key"] == key)
    assert item["verdict"] == "wrong" and item["diagnosis"] == "sign"


def test_follow_through_from_a_wrong_node(run, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("problem: graph-c-a-2b\nanswers:\n  d: 3\n  e: 6\n  L: 12\n",
                       encoding="utf-8")
    result = run("check", answers, "--format", "json")
    items = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert items["d"]["verdict"] == "wrong"
    assert items["e"]["verdict"] == items["L"]["verdict"] == "follow_through"
    assert items["L"]["because"] == "d"


def test_an_input_is_no_step(run, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("problem: graph-c-a-2b\nanswers:\n  a: 3\n", encoding="utf-8")
    item = json.loads(run("check", answers, "--format", "json").stdout)["files"][0]["items"][-1]
    assert item["verdict"] == "unknown" and "notation" not in item["message"]


# -- broken graph files: located errors, exit 2, no traceback -------------------------------------

BROKEN = """\
bptutor: 1
kind: graph
inputs: {a: 3, b: 0}
nodes:
  d: 2*b
  e: a + d
  L: a*e
"""


@pytest.mark.parametrize("old, new, line, col, words", [
    ("d: 2*b", "d: 2*b + L", 5, 12, "L is used before it is defined"),  # a cycle
    ("e: a + d", "e: a + e", 6, 10, "e is used before it is defined"),  # uses itself
    ("L: a*e", "L: q*e", 7, 6, "unknown name 'q'"),
    ("L: a*e", "L: a*exq(e)", 7, 8, "unknown function 'exq'"),
    ("L: a*e", "L: a*(e", 7, 8, "'(' is never closed"),
    ("L: a*e", "L: a*e b", 7, 10, "an operator is missing"),
    ("L: a*e", "L: a*log(b)", 7, 8, "log(0) is undefined"),  # at solve time
    ("L: a*e", "L: e/d", 7, 7, "division by 0"),
    ("L: a*e", "L: sqrt(b)", 7, 6, "cannot compute dL/db"),  # 1/(2·sqrt(0)) going back
    ("L: a*e", "L: exp(a*e*100)", 7, 6, "too large"),
    ("inputs: {a: 3, b: 0}", "inputs: {a: 3, b: 0, c: 1}", 3, 22, "'c' is not used by any"),
    ("inputs: {a: 3, b: 0}", "inputs: {a: 3, b: 0, exp: 1}", 3, 22, "name of a function"),
    ("  d: 2*b", "  a: 2*b", 5, 3, "the name 'a' is used twice"),
    ("kind: graph", "kind: graph\nloss: squared_error", 3, 1, "unknown key 'loss'"),
    ("L: a*e", "L: a*e\noutput: b", 8, 9, "the output 'b' is not a node"),
])
def test_broken_graphs_are_located_errors(run, tmp_path, old, new, line, col, words):
    path = tmp_path / "broken.yaml"
    assert BROKEN.count(old) == 1
    path.write_text(BROKEN.replace(old, new), encoding="utf-8")
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 2, result.stdout
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert_located(result.stderr, path, line, col, [words])


@pytest.mark.parametrize("problem, key, given, diagnosis", [
    ("graph-c-a-2b", "dL/db", 8, "factor2"),
    ("graph-c-a-2b", "dL/db", 0.4, "decimal_shift"),
    ("graph-c-a-2b", "dL/dc", -5, "sign"),
    ("graph-reuse", "df/da", 3, "missing_term"),  # df/dd·b alone: the df/de term is lost
])
def test_generic_diagnoses_apply_to_graph_steps(run, tmp_path, problem, key, given, diagnosis):
    answers = tmp_path / "answers.yaml"
    written = key.replace("d", "∂", 1).replace("/d", "/∂")  # the ∂ alias is read too
    answers.write_text(f"problem: {problem}\nanswers:\n  {written}: {given}\n", encoding="utf-8")
    result = run("check", answers, "--format", "json")
    item = next(i for i in json.loads(result.stdout)["files"][0]["items"] if i["key"] == key)
    assert item["verdict"] == "wrong" and item["diagnosis"] == diagnosis


def test_number_nodes_and_no_inputs(tmp_path, solve_json):
    path = tmp_path / "numbers.yaml"
    path.write_text("bptutor: 1\nkind: graph\ninputs: {}\nnodes:\n  a: 2\n  L: a*a\n",
                    encoding="utf-8")
    steps = by_key(solve_json(path))
    assert steps["a"]["formula"] == "2" and steps["L"]["value"] == 4
    assert steps["dL/da"]["formula"] == "2·a" and steps["dL/da"]["value"] == 4


# -- SPEC §6: an upstream gradient (output_gradient) and an update step (parameters) ------------

def scaled_difference(graph: Graph, inputs: dict[str, float], name: str, g: float) -> float:
    """Central difference of g·(the output) in ``name``: what dL/d(name) is when dL/dL = g."""
    return g * (bumped(graph, inputs, name, EPS) - bumped(graph, inputs, name, -EPS)) / (2 * EPS)


@pytest.mark.parametrize("seed", range(20))
def test_output_gradient_gradients_are_finite_differences_of_g_times_the_output(tmp_path, seed):
    rng = random.Random(seed)
    inputs, nodes = random_graph(rng)
    g = rng.choice([-2.5, -1, 0.3, 4])
    plain = load(write_graph(tmp_path, inputs, nodes, name="plain.yaml"))
    graph = load(write_graph(tmp_path, inputs, nodes, f"output_gradient: {g}"))
    sheet, base = solve(graph, None), solve(plain, None)
    if any(kinked(expr, sheet.exact) for expr in graph.nodes.values()):
        pytest.skip("a relu, abs, max or min sits at its kink: no derivative to compare")
    assert graph.loss_name == "L" and sheet.givens["dL/dL"] == g
    for name in [*graph.inputs, *graph.nodes][:-1]:
        key = f"dL/d{name}"
        numeric = scaled_difference(graph, inputs, name, g)
        assert math.isclose(sheet.exact[key], numeric, rel_tol=1e-5, abs_tol=1e-7), (nodes, key)
        assert math.isclose(sheet.exact[key], g * base.exact[key], rel_tol=1e-12, abs_tol=1e-300)
    assert evaluate_output(graph, inputs) == pytest.approx(g * evaluate_output(plain, inputs))


def test_an_upstream_gradient_on_the_sheet(tmp_path, solve_json):
    """Output f with dL/df = −1.5 given: the gradients are of the loss L downstream, dL/dv,
    and the given dL/df is the first factor (SPEC §6 ``output_gradient``)."""
    path = write_graph(tmp_path, {"w": 0.5, "x": 2}, {"s": "w*x", "f": "tanh(s)"},
                       "round: 2\noutput: f\noutput_gradient: -1.5")
    steps = by_key(solve_json(path))
    assert list(steps) == ["s", "f", "dL/ds", "dL/dx", "dL/dw"]
    assert (steps["dL/ds"]["formula"], steps["dL/ds"]["substituted"]) == (
        "dL/df·(1 - f²)", "-1.5·(1 - 0.76²)")
    assert steps["dL/ds"]["value"] == round_half_up(-1.5 * (1 - 0.76 ** 2), 2) == -0.63
    assert steps["dL/ds"]["exact"] == pytest.approx(-1.5 * (1 - math.tanh(1) ** 2), rel=1e-12)
    assert steps["dL/dw"]["value"] == -1.26  # R(−0.63·2): later steps use the rounded value
    # a local derivative of 1 leaves the given gradient alone: L = a + b, dL/dL = 3
    path = write_graph(tmp_path, {"a": 1, "b": 2}, {"L": "a + b"}, "output_gradient: 3",
                       name="sum.yaml")
    steps = by_key(solve_json(path))
    assert (steps["dL/da"]["formula"], steps["dL/da"]["value"]) == ("dL/dL", 3)


def test_parameters_with_a_learning_rate_add_update_steps(run, solve_json):
    doc = solve_json("graph-upstream-update")
    steps = by_key(doc)
    updates = [s for s in doc["steps"] if s["kind"] == "update"]
    assert [s["key"] for s in updates] == ["new(w1)", "new(w2)", "new(b)"]  # the file's order
    given = {"w1": 0.4, "w2": 0.3, "b": 0.15}
    for step in updates:
        name = step["key"][4:-1]
        assert step["formula"] == f"{name} - η·dL/d{name}"
        grad = steps[f"dL/d{name}"]
        assert step["value"] == round_half_up(given[name] - 0.5 * grad["value"], 3)
        assert step["exact"] == pytest.approx(given[name] - 0.5 * grad["exact"], rel=1e-12)
    # dL/dz = 0.8·y(1 − y) from the rounded y: the upstream 0.8 is the first factor
    y = steps["y"]["value"]
    assert steps["dL/dz"]["value"] == round_half_up(0.8 * y * (1 - y), 3) == 0.2
    only = solve_json("graph-upstream-update", "--only", "update")["steps"]
    assert [s["key"] for s in only] == [s["key"] for s in updates]
    report = json.loads(run("gradcheck", "graph-upstream-update", "--format", "json").stdout)
    assert report["passed"] and {i["key"] for i in report["items"]} == {
        "dL/dw1", "dL/dw2", "dL/db", "dL/dx1", "dL/dx2"}


def test_upstream_and_update_template_check_round_trip(run, solve_json, tmp_path):
    doc = solve_json("graph-upstream-update")
    values = {s["key"]: s["value"] for s in doc["steps"]}
    template = run("template", "graph-upstream-update")
    assert re.findall(r"^  (\S+):", template.stdout, re.M) == list(values)
    answers = tmp_path / "answers.yaml"
    answers.write_text(filled(template.stdout, values, 3), encoding="utf-8")
    report = json.loads(run("check", answers, "--format", "json").stdout)["files"][0]
    assert report["score"] == report["max_score"] == len(values) == 11
    # an update with + instead of −: wrong, diagnosis update_sign
    wrong = dict(values, **{"new(w2)": 0.3 + 0.5 * values["dL/dw2"]})
    answers.write_text(filled(template.stdout, wrong, 3), encoding="utf-8")
    items = {i["key"]: i for i in json.loads(
        run("check", answers, "--format", "json").stdout)["files"][0]["items"]}
    assert items["new(w2)"]["verdict"] == "wrong"
    assert items["new(w2)"]["diagnosis"] == "update_sign"


UPDATABLE = BROKEN + "output_gradient: 2\n"


@pytest.mark.parametrize("extra, line, col, words", [
    ("learning_rate: 0.1", 9, 16, "learning_rate needs 'parameters'"),
    ("parameters: [a]", 9, 13, "parameters are updated with a learning_rate"),
    ("parameters: [d]\nlearning_rate: 0.1", 9, 14, "'d' is not an input of the graph"),
    ("parameters: [q]\nlearning_rate: 0.1", 9, 14, "'q' is not an input of the graph"),
    ("parameters: [a, a]\nlearning_rate: 0.1", 9, 17, "'a' is listed twice"),
    ("parameters: a\nlearning_rate: 0.1", 9, 13, "parameters must be a list of input names"),
    ("parameters: []\nlearning_rate: 0.1", 9, 13, "parameters must be a list of input names"),
    ("parameters: [a]\nlearning_rate: 0", 10, 16, "learning_rate must be positive"),
    ("parameters: [a]\nlearning_rate: fast", 10, 16, "learning_rate must be a number"),
])
def test_broken_updates_are_located_errors(run, tmp_path, extra, line, col, words):
    path = tmp_path / "broken.yaml"
    path.write_text(UPDATABLE + extra + "\n", encoding="utf-8")
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.stderr
    assert_located(result.stderr, path, line, col, [words])


@pytest.mark.parametrize("text, line, col, words", [
    (BROKEN.replace("  L: a*e", "  L: a*e\n  M: L*2\noutput: L") + "output_gradient: 2\n"
     "parameters: [b]\nlearning_rate: 0.1\n", 9, 1, ""),  # fine: b feeds L
    (BROKEN.replace("  L: a*e", "  L: a*e\n  M: c*2\noutput: L").replace("b: 0}", "b: 0, c: 1}")
     + "parameters: [c]\nlearning_rate: 0.1\n", 10, 14, "the output 'L' does not depend on 'c'"),
    (BROKEN.replace("  L: a*e", "  L: a*e\n  f: L*2") + "output_gradient: 2\n", 9, 18,
     "'L' already names an input or node"),
    (BROKEN + "output_gradient: [1]\n", 8, 18, "output_gradient must be a number"),
])
def test_upstream_and_parameter_rules(run, tmp_path, text, line, col, words):
    path = tmp_path / "graph.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("solve", path, "--format", "json")
    if not words:
        assert result.exit_code == 0, result.stderr
        return
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert_located(result.stderr, path, line, col, [words])
