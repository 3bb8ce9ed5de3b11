"""Reading and writing the network dialects of SPEC §6: thresholds, shared parameters,
``batch:``, ``show:`` and ``notation: delta_rule`` — each mistake located at its place."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import ROOT

from bptutor.errors import BptutorError
from bptutor.files.problem_writer import problem_text
from bptutor.files.problems import Validator
from bptutor.files.problems import load as load_file
from bptutor.files.yamlfile import parse

BASE = """\
bptutor: 1
loss: half_squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: sigmoid
      weights: [[0.5, -0.4], [0.3, 0.5]]
{hidden}
    - neurons: [y]
      activation: sigmoid
      weights: [[0.7, -0.2]]
{output}
input: [1, 0.5]
target: [1]
{top}"""


def text(hidden: str = "", output: str = "", top: str = "") -> str:
    return BASE.format(hidden=hidden, output=output, top=top).replace("\n\n", "\n")


def load(source: str):
    return Validator("p.yaml").network(parse(source, "p.yaml"))


def located(source: str) -> tuple[int, int, str]:
    with pytest.raises(BptutorError) as caught:
        load(source)
    return caught.value.mark.line, caught.value.mark.col, caught.value.message


def test_thresholds_read_with_default_and_given_names():
    net = load(text(hidden="      threshold: [0.2, -0.1]",
                    output="      threshold: 0.3\n      threshold_names: [t5]"))
    hidden, out = net.layers
    assert hidden.threshold and hidden.bias == [0.2, -0.1]
    assert hidden.bias_names == ["theta1[1]", "theta1[2]"]
    assert out.threshold and out.bias_names == ["t5"] and out.bias == [0.3]


def test_shared_names_are_one_parameter():
    net = load(text(hidden="      weight_names: [[w1, w2], [w3, w4]]\n      bias: 0.1\n"
                           "      bias_names: b1"))
    assert net.layers[0].bias_names == ["b1", "b1"]
    assert [n for n, _ in net.parameter_values()].count("b1") == 1
    same = text(hidden="      weight_names: [[w1, w2], [w3, w4]]",
                output="      weight_names: [[v, v]]").replace("[[0.7, -0.2]]", "[[0.7, 0.7]]")
    net = load(same)
    assert net.layers[1].weight_names == [["v", "v"]]
    assert dict(net.parameter_values())["v"] == 0.7


def place(source: str, fragment: str, occurrence: int = 1) -> tuple[int, int]:
    """(line, col) of the start of ``fragment``'s n-th occurrence in ``source``."""
    at = -1
    for _ in range(occurrence):
        at = source.index(fragment, at + 1)
    before = source[:at]
    return before.count("\n") + 1, at - before.rfind("\n")


@pytest.mark.parametrize("hidden, top, fragment, occurrence, words", [
    # a bias and a threshold in one layer: at the threshold
    ("      bias: 0.1\n      threshold: 0.2", "", "threshold", 1,
     "both a bias and a threshold"),
    ("      threshold_names: [t1, t2]", "", "threshold_names", 1,
     "threshold_names but no threshold"),
    ("      threshold: 0.2\n      bias_names: [b1, b2]", "", "bias_names", 1,
     "bias_names but no bias"),
    # a shared weight holding two values (0.5, 0.3): at its second place
    ("      weight_names: [[w1, w2], [w1, w4]]", "", "w1", 2, "shared weight 'w1'"),
    # one bias name for the layer, two bias values: at the values
    ("      bias: [0.1, 0.2]\n      bias_names: b1", "", "[0.1, 0.2]", 1, "shares one bias"),
    ("      weight_names: [[w1, w2], [w3, w4]]\n      bias: 0.1\n      bias_names: [w1, b2]",
     "", "w1", 2, "names a weight"),
    # a neuron's name reused as a weight's
    ("      weight_names: [[w1, w2], [w3, h1]]", "", "h1", 2, "used twice"),
    ("", "show: [slope, gradient]", "gradient", 1, "unknown show step"),
    ("", "batch: average", "average", 1, "unknown batch"),
    ("", "notation: delta-rule", "delta-rule", 1, "unknown notation"),
])
def test_dialect_mistakes_are_located(hidden, top, fragment, occurrence, words):
    source = text(hidden, "", top)
    line, col, message = located(source)
    assert (line, col) == place(source, fragment, occurrence), message
    assert words in message


def test_output_error_needs_a_factor_t_minus_y():
    source = text(top="show: [output_error]").replace("half_squared_error",
                                                      "binary_cross_entropy")
    line, col, message = located(source)
    assert (line, col) == place(source, "output_error") and "output_error" in message
    assert load(text(top="show: output_error")).show == frozenset({"output_error"})


@pytest.mark.parametrize("extra", [
    dict(hidden="      threshold: [0.2, -0.1]\n      threshold_names: [t1, t2]"),
    dict(hidden="      bias: 0.1\n      bias_names: b1"),
    dict(output="      weight_names: [[v, v]]", top="batch: mean\nnotation: delta_rule\n"
         "learning_rate: 0.5\nshow: [input_gradient, slope]"),
])
def test_written_back_and_valid_under_the_schema(tmp_path, extra):
    source = text(**extra).replace("[[0.7, -0.2]]", "[[0.7, 0.7]]")
    net = load(source)
    written = problem_text(net, None, modeline=False)
    again = load(written)
    for a, b in zip(net.layers, again.layers):
        assert (a.bias, a.bias_names, a.threshold, a.weight_names) == \
            (b.bias, b.bias_names, b.threshold, b.weight_names)
    assert (again.notation, again.batch, again.show) == (net.notation, net.batch, net.show)
    schema = json.loads((ROOT / "bptutor/schema/problem.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for document in (source, written):
        assert not list(validator.iter_errors(yaml.safe_load(document)))


def test_schema_refuses_a_bias_and_a_threshold():
    schema = json.loads((ROOT / "bptutor/schema/problem.schema.json").read_text())
    document = yaml.safe_load(text(hidden="      bias: 0.1\n      threshold: 0.2"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document))


@pytest.mark.parametrize("name", ["mazur-shared-bias", "negnevitsky-xor", "delta-rule-lecture"])
def test_new_like_keeps_the_dialect(run, tmp_path, name):
    like = load_file(name)
    out = tmp_path / "new.yaml"
    result = run("new", "--like", name, "--seed", "3", "-o", out)
    assert result.exit_code == 0, result.stderr
    drawn = load_file(out)
    assert (drawn.notation, drawn.batch, drawn.show) == (like.notation, like.batch, like.show)
    for a, b in zip(like.layers, drawn.layers):
        assert (a.threshold, a.bias_names, a.weight_names) == \
            (b.threshold, b.bias_names, b.weight_names)
        if b.bias_names and len(set(b.bias_names)) == 1:  # shared: one number
            assert len(set(b.bias)) == 1
    assert drawn.parameter_values() != like.parameter_values()  # new numbers
