"""SPEC §7's ``training:`` block: read with located errors, in the JSON Schema (which is never
stricter than the loader), and written back by problem_writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bptutor.errors import BptutorError
from bptutor.files import problems, yamlfile
from bptutor.files.problem_writer import problem_text
from bptutor.model.network import TrainingPlan

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Draft202012Validator(json.loads(
    (ROOT / "bptutor/schema/problem.schema.json").read_text(encoding="utf-8")))

BASE = """bptutor: 1
title: t
notation: {notation}
loss: half_squared_error
network:
  inputs: 1
  layers:
    - neurons: [y]
      activation: sigmoid
      weights: [[0.5]]
      bias: [0.1]
examples:
  - {{input: [1], target: [1]}}
  - {{input: [0], target: [0]}}
  - {{input: [1], target: [0]}}
{rate}training:
{block}"""


def text(block: str, notation: str = "activation", rate: bool = True) -> str:
    return BASE.format(notation=notation, rate="learning_rate: 0.5\n" if rate else "",
                       block="".join(f"  {line}\n" for line in block.splitlines()))


def load(tmp_path: Path, source: str):
    path = tmp_path / "p.yaml"
    path.write_text(source, encoding="utf-8")
    return problems.load(path)


def to_data(node: yamlfile.Node) -> object:
    """The YAML as the loader reads it, as JSON data."""
    if isinstance(node, yamlfile.Map):
        return {key: to_data(value) for key, value in node.items.items()}
    if isinstance(node, yamlfile.Seq):
        return [to_data(item) for item in node.items]
    assert isinstance(node, yamlfile.Scalar)
    return node.value


def schema_accepts(source: str) -> bool:
    return SCHEMA.is_valid(to_data(yamlfile.parse(source, "p.yaml")))


def test_the_schemas_keys_are_the_loaders():
    from bptutor.files.problems import _TRAINING_KEYS
    from bptutor.model.network import OPTIMIZERS, TRAINING_MODES

    block = SCHEMA.schema["$defs"]["training"]["properties"]
    assert tuple(block) == _TRAINING_KEYS
    assert tuple(block["mode"]["enum"]) == TRAINING_MODES
    assert tuple(block["optimizer"]["enum"]) == OPTIMIZERS


def test_every_setting_is_read(tmp_path):
    net = load(tmp_path, text("mode: minibatch\nbatch_size: 2\nepochs: 3\noptimizer: adam\n"
                              "l2: 0.01\nbeta1: 0.8\nbeta2: 0.99\nepsilon: 1.0e-6\n"
                              "after_update: true"))
    assert net.training == TrainingPlan("minibatch", 2, 3, "adam", 0.0, 0.01, 0.8, 0.99, 1e-6,
                                        True)
    assert load(tmp_path, text("mode: online\nmomentum: 0.9")).training == TrainingPlan(
        "online", momentum=0.9)


def test_a_problem_without_training_has_none(tmp_path):
    assert load(tmp_path, text("mode: batch").replace("training:\n  mode: batch\n", "")
                ).training is None


BAD = [  # block, notation, rate, line, message
    ("batch_size: 2", "activation", True, 18, "batch_size applies to mode minibatch only"),
    ("mode: minibatch", "activation", True, 18, "mode minibatch needs a batch_size"),
    ("optimizer: adam", "delta_rule", True, 18, "optimizer adam needs activation or delta"),
    ("mode: online", "activation", False, 16, "training needs a learning_rate"),
    ("epochs: 0", "activation", True, 18, "epochs must be a whole number from 1 to 1,000"),
    ("epochs: 1.5", "activation", True, 18, "epochs must be a whole number"),
    ("mode: minibatch\nbatch_size: 0", "activation", True, 19,
     "batch_size must be a whole number of 1 or more"),
    ("momentum: 1", "activation", True, 18, "momentum must be at least 0 and below 1"),
    ("momentum: -0.1", "activation", True, 18, "momentum must be at least 0"),
    ("optimizer: adam\nmomentum: 0.9", "activation", True, 19,
     "momentum applies to optimizer sgd only"),
    ("beta1: 0.9", "activation", True, 18, "beta1 applies to optimizer adam only"),
    ("optimizer: adam\nbeta2: 1", "activation", True, 19, "beta2 must be at least 0 and below 1"),
    ("optimizer: adam\nepsilon: 0", "activation", True, 19, "epsilon must be positive"),
    ("l2: -1", "activation", True, 18, "l2 must be 0 or more"),
    ("after_update: yes please", "activation", True, 18, "after_update must be true or false"),
    ("mode: onlne", "activation", True, 18, "unknown training mode 'onlne'"),
    ("optimiser: adam", "activation", True, 18, "optimiser"),
]


@pytest.mark.parametrize("block,notation,rate,line,message", BAD)
def test_bad_settings_are_located_errors(tmp_path, block, notation, rate, line, message):
    with pytest.raises(BptutorError) as caught:
        load(tmp_path, text(block, notation, rate))
    assert message in caught.value.message
    assert caught.value.mark.line == line


@pytest.mark.parametrize("block,notation,rate,line,message", BAD)
def test_the_schema_is_never_stricter_than_the_loader(block, notation, rate, line, message):
    """What the loader reads the schema accepts; these the loader refuses, and the schema
    refuses those JSON Schema can state (not adam under the delta rule: a notation rule)."""
    source = text(block, notation, rate)
    if "adam needs activation" in message or "1.5" in block:
        return  # beyond JSON Schema here (2.0-style integers), the loader's alone
    assert not schema_accepts(source)


@pytest.mark.parametrize("block", ["mode: online\nepochs: 2\nmomentum: 0.9\nl2: 0.01",
                                   "mode: minibatch\nbatch_size: 2\noptimizer: adam\n"
                                   "beta1: 0.8\nepsilon: 1.0e-6\nafter_update: true",
                                   "mode: batch"])
def test_the_schema_accepts_what_the_loader_reads(tmp_path, block):
    load(tmp_path, text(block))
    assert schema_accepts(text(block))


@pytest.mark.parametrize("plan", [TrainingPlan(), TrainingPlan("online", epochs=2, momentum=0.9,
                                                               l2=0.01, after_update=True),
                                  TrainingPlan("minibatch", 2, 3, "adam", beta1=0.8,
                                               beta2=0.99, epsilon=1e-6)])
def test_the_writer_writes_the_block_back(tmp_path, plan):
    from dataclasses import replace

    net = replace(load(tmp_path, text("mode: batch")), training=plan)
    again = load(tmp_path, problem_text(net, None))
    assert again.training == plan
