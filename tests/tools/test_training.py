"""`bptutor train`: gradient descent over the examples, checked against the worksheet."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from conftest import PROBLEMS, assert_located
from hypothesis import HealthCheck, assume, given, settings
from test_numeric import dense_network, dialect_networks, smooth_and_finite
from test_worksheet import assume_smooth, problems

from bptutor.errors import BptutorError
from bptutor.files.problems import Validator, bundled_names, load
from bptutor.files.yamlfile import parse
from bptutor.model.activations import Activation
from bptutor.model.network import Network
from bptutor.sheet.network_steps import parameters
from bptutor.sheet.worksheet import solve
from bptutor.tools import training
from bptutor.tools.training import Settings, boolean_name, train, with_parameters
from bptutor.views.train_view import loss_chart

XOR = PROBLEMS / "xor.yaml"
# XOR from scratch: the weights are left out (drawn from --seed), the biases start at 0
SCRATCH = """\
bptutor: 1
title: XOR from scratch
loss: half_squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: sigmoid
      bias: 0
    - neurons: [y]
      activation: sigmoid
      bias: [0]
examples:
  - {input: [0, 0], target: [0]}
  - {input: [0, 1], target: [1]}
  - {input: [1, 0], target: [1]}
  - {input: [1, 1], target: [0]}
learning_rate: 0.5
"""


def network(text: str, untrained: bool = False):
    return Validator("t.yaml", untrained).network(parse(text, "t.yaml"))


def values(net) -> dict[str, float]:
    return dict(training.parameter_values(net))


def worksheet_step(net, rate: float) -> dict[str, float]:
    """One update computed by the exact worksheet: new(w), or w itself when w is fixed."""
    sheet = solve(replace(net, learning_rate=rate), None)
    return {name: sheet.exact.get(f"new({name})", value) for name, value in values(net).items()}


def assert_same(got: dict[str, float], want: dict[str, float], scale: float) -> None:
    """Equal to 1e-12 relative to the update as a vector: max |w| or η·max |dE/dw|. (Per
    weight, a gradient that is pure cancellation noise, 1e-20 say, has no relative digits.)"""
    assert got.keys() == want.keys()
    for name in want:
        assert abs(got[name] - want[name]) <= 1e-12 * max(scale, 1e-300), name


def update_scale(net, sheet, rate: float) -> float:
    return max(max(abs(v) for v in values(net).values()),
               rate * max(abs(sheet.exact[f"dE/d{n}"]) for n in values(net)))


# -- the training gradients are the worksheet's ------------------------------------------------

NETWORKS = [name for name in bundled_names() if isinstance(load(name), Network)]


@pytest.mark.parametrize("name", NETWORKS)
def test_one_batch_step_is_the_worksheets_update(name):
    net = replace(load(name), training=None)  # SPEC §7's several updates: test_training_sheets
    rate = net.learning_rate or 0.1
    want = worksheet_step(net, rate)
    got = values(train(net, Settings(epochs=1, mode="batch", learning_rate=rate)).network)
    assert_same(got, want, update_scale(net, solve(net, None, "activation"), rate))
    assert got != values(net)  # the step moved something


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(rate=True))
def test_one_batch_step_on_random_networks(spec):
    assume_smooth(spec)
    net = spec.network()
    try:
        sheet = solve(net, None)
    except BptutorError:  # ln 0: a log loss whose output saturated to exactly 0 or 1
        assume(False)
    assume_log_loss_conditioned(net, sheet)
    model = training.Model(net)
    params = model.loss.base
    grad, _ = model.gradient(params, np.arange(len(net.examples)))
    # σ′ = a(1 − a) from an activation a near 1 keeps only ~1e-16/(1 − a) of its relative
    # digits, in the worksheet as here (z up to 20: ~1e-8), so the gradients agree to that;
    # a wrong formula would miss by far more. The update itself is held to 1e-12 below.
    # (1e-13: a gradient that cancels to exactly 0 on the sheet may keep roundoff here.)
    largest = max(abs(sheet.exact[f"dE/d{name}"]) for name in model.loss.names)
    for name, g in zip(model.loss.names, grad):
        assert abs(g - sheet.exact[f"dE/d{name}"]) <= 1e-7 * largest + 1e-13, name
    got = values(train(net, Settings(epochs=1, learning_rate=spec.rate)).network)
    # an update that cancels to 0 (all weights 0, a symmetric softmax: 2/9 − 2/9) keeps the
    # roundoff of its terms, 4e-82 on the sheet's 80 digits of 1/3 and 0.0 in floats: as in
    # the online test below, η·max |value| bounds them
    terms = spec.rate * max(abs(v) for v in sheet.exact.values())
    assert_same(got, worksheet_step(net, spec.rate),
                max(update_scale(net, sheet, spec.rate), terms))


def assume_log_loss_conditioned(net, sheet) -> None:
    """Keep log-loss outputs away from 0 and 1: there ∂E/∂y = (1 − t)/(1 − y) takes its
    digits from 1 − y, so two computations of y one ulp apart give updates ~1e-16/(1 − y)
    apart — the loss's conditioning, not a difference between the two."""
    if net.loss.name not in ("binary_cross_entropy", "cross_entropy"):
        return
    many = len(net.examples) > 1
    for e in range(1, len(net.examples) + 1):
        for y in net.outputs:
            value = sheet.exact[f"{y}@{e}" if many else y]
            assume(1e-3 < value < 1 - 1e-3)


def online_by_worksheet(net, rate: float, size: int = 1, conditioned: bool = False):
    """One epoch of updates, each the worksheet's step on ``size`` consecutive examples;
    ``conditioned``: assume every step's log-loss outputs stay away from 0 and 1 (a later
    step can saturate where the first did not)."""
    current = net
    for start in range(0, len(net.examples), size):
        part = replace(current, examples=net.examples[start:start + size])
        if conditioned:
            assume_log_loss_conditioned(part, solve(part, None))
        new = worksheet_step(part, rate)
        params = np.array([new[n] for n in training.Model(net).loss.names])
        current = with_parameters(net, params)
    return current


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(rate=True, batch=True))
def test_online_epoch_is_one_worksheet_step_per_example(spec):
    assume_smooth(spec)
    net = spec.network()
    try:
        want = online_by_worksheet(net, spec.rate, conditioned=True)
    except BptutorError:  # a step meets ln 0 or overflows: nothing to compare
        assume(False)
    got = train(net, Settings(epochs=1, mode="online", learning_rate=spec.rate)).network
    # each later step carries the roundoff of the steps before it, amplified by up to
    # |1 − η·curvature| (seen: 3e-13 with η = 1), hence 10·1e-12 here. An update that
    # cancels to 0 (all weights 0, a symmetric softmax) keeps the roundoff of its terms,
    # products of the sheet's values: η·max |value| bounds them
    terms = spec.rate * max(abs(v) for v in solve(net, None).exact.values())
    scale = max(abs(v) for v in [*values(net).values(), *values(want).values(), terms])
    assert_same(values(got), values(want), 10 * scale)


def test_online_and_batch_differ_as_defined_on_xor():
    net = load(XOR)
    online = train(net, Settings(epochs=1, mode="online"))
    batch = train(net, Settings(epochs=1, mode="batch"))
    want_online, want_batch = online_by_worksheet(net, 0.5), with_parameters(
        net, np.array(list(worksheet_step(net, 0.5).values())))
    for got, want in ((online, want_online), (batch, want_batch)):
        for name, value in values(want).items():
            assert values(got.network)[name] == pytest.approx(value, rel=1e-12, abs=1e-15)
    # four updates against one: the first weight moves differently
    assert values(online.network)["W1[1,1]"] != pytest.approx(values(batch.network)["W1[1,1]"])
    pairs = train(net, Settings(epochs=1, mode="minibatch", batch_size=2))
    for name, value in values(online_by_worksheet(net, 0.5, size=2)).items():
        assert values(pairs.network)[name] == pytest.approx(value, rel=1e-12, abs=1e-15)


def test_minibatch_extremes_are_online_and_batch():
    net = load(XOR)
    for size, mode in ((1, "online"), (4, "batch"), (10, "batch")):
        a = train(net, Settings(epochs=5, mode="minibatch", batch_size=size))
        b = train(net, Settings(epochs=5, mode=mode))
        assert np.array_equal(a.params, b.params)


# -- XOR converges, and the hidden layer computes boolean features ---------------------------

def test_xor_bundled_converges_with_the_defaults():
    result = train(load(XOR), Settings())  # batch, η = 0.5 from the file, 2000 epochs
    assert result.rate == 0.5 and result.epochs_run == 2000
    assert result.losses[0] == pytest.approx(0.5094, abs=1e-4)
    assert result.losses[-1] < 0.01
    first = next(k for k, e in enumerate(result.losses) if e < 0.05)
    assert 900 < first < 1100  # E falls below 0.05 at epoch 978
    assert [p.right for p in result.predictions] == [True] * 4
    assert [round(p.outputs[0]) for p in result.predictions] == [0, 1, 1, 0]
    # the lecture's decomposition: XOR = OR(x1·x2', x1'·x2)
    assert [h.function for h in result.hidden] == ["x1 AND NOT x2", "NOT x1 AND x2"]
    assert [round(a) for a in result.hidden[0].activations] == [0, 0, 1, 0]


@pytest.mark.parametrize("settings_", [
    Settings(epochs=500, mode="batch", learning_rate=1, momentum=0.9, seed=1),
    Settings(epochs=1000, mode="online", learning_rate=2, seed=3),
])
def test_xor_from_scratch_converges(settings_):
    net = network(SCRATCH, untrained=True)
    assert not net.layers[0].weights_given and all(math.isnan(w) for w in net.layers[0].weights[0])
    result = train(net, settings_)
    assert result.drawn == [1, 2]
    assert result.losses[-1] < 0.05
    assert all(p.right for p in result.predictions)
    functions = {h.function for h in result.hidden}
    assert None not in functions and "TRUE" not in functions and "FALSE" not in functions


def test_drawn_weights_follow_the_seed():
    net = network(SCRATCH, untrained=True)
    first = training.initial_parameters(net, np.random.default_rng(1))[0]
    again = training.initial_parameters(net, np.random.default_rng(1))[0]
    other = training.initial_parameters(net, np.random.default_rng(2))[0]
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    model = training.Model(net)
    w1, b1, _ = model.loss.layout[0]
    w2, b2, _ = model.loss.layout[1]
    assert np.all(np.abs(first[w1]) <= 1 / math.sqrt(2)) and np.all(np.abs(first[w2]) <= 0.5)
    assert list(first[b1]) == [0, 0] and list(first[b2]) == [0]  # the file's biases
    run1 = train(net, Settings(epochs=50, seed=1))
    run2 = train(net, Settings(epochs=50, seed=1))
    assert run1.losses == run2.losses and np.array_equal(run1.params, run2.params)


@pytest.mark.parametrize("bits, name", [
    ([0, 1, 1, 1], "x1 OR x2"), ([0, 0, 0, 1], "x1 AND x2"), ([1, 1, 1, 0], "x1 NAND x2"),
    ([1, 0, 0, 0], "x1 NOR x2"), ([0, 1, 1, 0], "x1 XOR x2"), ([1, 0, 0, 1], "x1 XNOR x2"),
    ([0, 0, 1, 1], "x1"), ([1, 0, 1, 0], "NOT x2"), ([0, 0, 0, 0], "FALSE"),
    ([0, 0, 1, 0], "x1 AND NOT x2"), ([1, 1, 0, 1], "NOT x1 OR x2"),
])
def test_boolean_names(bits, name):
    inputs = [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert boolean_name(inputs, bits, ["x1", "x2"]) == name


def test_no_boolean_name_without_binary_inputs_or_every_pattern():
    assert boolean_name([[0, 0.5], [1, 1]], [0, 1], ["a", "b"]) is None
    assert boolean_name([[0, 0], [1, 1]], [0, 1], ["a", "b"]) is None  # two of four patterns
    every = [list(bits) for bits in np.ndindex(2, 2, 2)]
    assert boolean_name(every, [int(sum(x) > 0) for x in every], ["a", "b", "c"]) == "OR(a, b, c)"


# -- momentum and L2 by hand -------------------------------------------------------------------

LINE = """\
bptutor: 1
loss: half_squared_error
network:
  inputs: [x]
  layers:
    - neurons: [y]
      activation: identity
      weights: [[1]]
input: [1]
target: [0]
"""


def test_momentum_by_hand():
    # E = ½(w·1 − 0)², g = w. v1 = −0.1·1, w1 = 0.9; v2 = 0.9·(−0.1) − 0.1·0.9 = −0.18,
    # w2 = 0.72; v3 = 0.9·(−0.18) − 0.1·0.72 = −0.234, w3 = 0.486
    net = network(LINE)
    for epochs, w in ((1, 0.9), (2, 0.72), (3, 0.486)):
        result = train(net, Settings(epochs=epochs, learning_rate=0.1, momentum=0.9))
        assert result.params[0] == pytest.approx(w, abs=1e-15)
    assert train(net, Settings(epochs=2, learning_rate=0.1)).params[0] == pytest.approx(0.81)


def test_l2_decays_weights_not_biases_by_hand():
    # with b = 1: E = ½(w + b)², dE/dw = dE/db = 2; l2 = 0.5 adds l2·w² to E (SPEC §7), so
    # 2·l2·w = 1 to the weight's gradient only
    net = network(LINE.replace("weights: [[1]]", "weights: [[1]]\n      bias: 1"))
    result = train(net, Settings(epochs=1, learning_rate=0.1, l2=0.5))
    assert result.params[0] == pytest.approx(1 - 0.1 * 3, abs=1e-15)  # 0.7
    assert result.params[1] == pytest.approx(1 - 0.1 * 2, abs=1e-15)  # 0.8
    assert result.penalty == pytest.approx(0.5 * 0.7**2)
    fixed = replace(net, update_biases=False)
    assert train(fixed, Settings(epochs=3, learning_rate=0.1)).params[1] == 1.0


def test_divergence_stops_and_says_so(run, tmp_path):
    path = tmp_path / "line.yaml"
    path.write_text(LINE.replace("half_squared_error", "squared_error"))
    result = train(network(path.read_text()), Settings(epochs=5000, learning_rate=10))
    assert result.diverged_at is not None and result.diverged_at < 5000
    assert result.epochs_run == result.diverged_at
    out = run("train", path, "--learning-rate", "10", "--save", tmp_path / "x.yaml")
    assert out.exit_code == 1
    assert "training diverged at epoch" in out.stderr and "lower --learning-rate" in out.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_a_graph_has_nothing_to_train(run):
    out = run("train", "graph-c-a-2b")
    assert out.exit_code == 2 and "has no weights to train" in out.stderr


def test_a_loss_that_cannot_be_computed_is_a_located_error(run, tmp_path):
    path = tmp_path / "ln0.yaml"  # a one-unit softmax: y = 1 exactly, target 0: ln(1 − y) = ln 0
    path.write_text(LINE.replace("half_squared_error", "binary_cross_entropy").replace(
        "activation: identity", "activation: softmax"))
    out = run("train", path)
    assert out.exit_code == 2
    assert_located(out.stderr, path, 2, 1, ["E cannot be computed with the starting weights"])


def test_single_example_problem_trains():
    result = train(load("tanh-chain"), Settings(epochs=20))
    assert result.rate == 0.1 and len(result.predictions) == 1
    assert result.losses[-1] < result.losses[0] / 2


# -- the command ---------------------------------------------------------------------------------

def test_train_json(run):
    out = run("train", "xor", "--epochs", "50", "-f", "json")
    assert out.exit_code == 0 and out.stderr == ""  # no progress bar when not on a terminal
    doc = json.loads(out.stdout)
    assert (doc["mode"], doc["epochs"], doc["learning_rate"], doc["seed"]) == ("batch", 50, 0.5, 0)
    assert len(doc["loss"]) == 51 and doc["loss"][0] == pytest.approx(0.5094, abs=1e-4)
    assert doc["loss"] == train(load("xor"), Settings(epochs=50)).losses
    assert list(doc["weights"]) == [n for n in training.Model(load("xor")).loss.names]
    assert [p["input"] for p in doc["predictions"]] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert [h["neuron"] for h in doc["hidden"]] == ["h1", "h2"]
    assert all(len(h["activations"]) == 4 for h in doc["hidden"])


def test_train_rich_view(run):
    out = run("train", "xor", "--no-color")
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    for words in ("Loss E per epoch", "All 4 predictions are on the right side of 0.5",
                  "What the hidden layer computes", "x1 AND NOT x2", "NOT x1 AND x2",
                  "batch (one update per epoch) · η = 0.5", "2000 epochs"):
        assert words in text, text
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("args, words", [
    (["--mode", "minibatch"], "needs --batch-size"),
    (["--mode", "online", "--batch-size", "2"], "applies to --mode minibatch"),
    (["--momentum", "1"], "[0, 1)"),
    (["--learning-rate", "0"], "positive"),
    (["--l2", "-1"], "0 or more"),
])
def test_usage_errors(run, args, words):
    out = run("train", "xor", *args)
    assert out.exit_code == 2 and words in out.stderr


def test_save_reloads_and_reproduces_predictions(run, tmp_path):
    scratch = tmp_path / "scratch.yaml"
    scratch.write_text(SCRATCH)
    saved = tmp_path / "trained.yaml"
    args = ["train", scratch, "--epochs", "500", "--learning-rate", "1", "--momentum", "0.9",
            "--seed", "1", "-f", "json"]
    out = run(*args, "--save", saved)
    assert out.exit_code == 0, out.stderr
    assert f"wrote {saved}" in out.stderr
    doc = json.loads(out.stdout)
    net = load(saved)  # every layer has its weights now: solve, check … accept it
    assert net.learning_rate == 1 and net.title == "XOR from scratch (trained)"
    assert "--momentum 0.9 --seed 1" in net.source and "--epochs 500" in net.source
    for name, value in values(net).items():  # 4 decimals
        assert value == pytest.approx(doc["weights"][name], abs=5e-5)
        assert value == round(value, 4)
    again, _ = training.inspect(net, training.Model(net).loss.base)
    for p, q in zip(again, doc["predictions"]):
        assert p.outputs[0] == pytest.approx(q["output"][0], abs=1e-3)
        assert p.right == q["right"] is True
    assert run("solve", saved).exit_code == 0
    # never overwrites without --force; the same seed writes the same file
    before = saved.read_text()
    refused = run(*args, "--save", saved)
    assert refused.exit_code == 2 and "never overwrites" in refused.stderr
    assert saved.read_text() == before
    forced = run(*args, "--save", saved, "--force")
    assert forced.exit_code == 0 and saved.read_text() == before
    other = tmp_path / "seed2.yaml"
    assert run(*args[:-4], "--seed", "2", "--save", other).exit_code == 0
    assert other.read_text() != before


def test_saved_file_keeps_the_structure(tmp_path):
    net = load("two-hidden-multi-output")
    result = train(net, Settings(epochs=3))
    text = training.saved_problem(result, "two-hidden-multi-output")
    path = tmp_path / "t.yaml"
    path.write_text(text)
    back = load(path)
    assert [layer.neurons for layer in back.layers] == [layer.neurons for layer in net.layers]
    assert [layer.weight_names for layer in back.layers] == [
        layer.weight_names for layer in net.layers]
    assert (back.loss, back.round, back.notation, back.examples, back.inputs) == (
        net.loss, net.round, net.notation, net.examples, net.inputs)
    assert [name for name, _ in parameters(back)] == [name for name, _ in parameters(net)]
    # a long source is folded over several lines and reads back as one
    assert back.source.startswith("trained with 'bptutor train two-hidden-multi-output --mode "
                                  "batch --epochs 3 --learning-rate ")
    assert back.source.endswith("Before training: " + " ".join(net.source.split()))
    assert max(len(line) for line in text.splitlines()) <= 100


# -- a layer without weights ------------------------------------------------------------------

@pytest.mark.parametrize("command", ["solve", "template", "gradcheck", "quiz"])
def test_other_commands_refuse_a_layer_without_weights(run, tmp_path, command):
    path = tmp_path / "scratch.yaml"
    path.write_text(SCRATCH)
    out = run(command, path)
    assert out.exit_code == 2
    assert_located(out.stderr, path, 7, 7, ["layer 1 has no weights: give them, or run "
                                            "'bptutor train' with --save"])
    assert "Traceback" not in out.stderr


def test_check_refuses_a_layer_without_weights(run, tmp_path):
    (tmp_path / "scratch.yaml").write_text(SCRATCH)
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: scratch.yaml\nanswers:\n  z(h1)@1: 0\n")
    out = run("check", answers)
    # check names the place, not the named file's text (issue 14); solve shows the message
    assert out.exit_code == 2 and "not a valid problem file (its first error is at line" \
        in out.stderr
    assert "layer 1 has no weights" in run("solve", tmp_path / "scratch.yaml").stderr


def test_solve_does_not_import_numpy():
    code = ("import sys; from bptutor.cli import app; "
            "sys.argv = ['bptutor', 'solve', 'xor', '-f', 'json']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "sys.exit(2 if 'numpy' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- the loss chart ----------------------------------------------------------------------------

def test_loss_chart_scales():
    chart = loss_chart([1.0, 0.5, 0.1, 0.001], width=20, height=4).plain
    rows = [line.split("┤") if "┤" in line else line.split("│") for line in chart.splitlines()[:4]]
    assert "(log scale)" in chart
    assert [label.strip() for label, _ in rows] == ["1", "", "0.0316", "0.001"]
    # one column per epoch; the first a full column, the last still one eighth high
    assert [bars for _, bars in rows] == ["█▅  ", "██▅ ", "███ ", "███▁"]
    assert chart.splitlines()[5].split() == ["0", "3"]
    linear = loss_chart([2.0, 1.0], width=20, height=2).plain
    assert "(log scale)" not in linear and linear.splitlines()[1].split("┤")[0].strip() == "0"
    wide = loss_chart([float(v) for v in range(1000, 0, -1)], width=30).plain
    assert len(wide.splitlines()[0].split("┤")[1]) == 30


# -- every dialect (SPEC §6), and the epoch loop works on whole layers ----------------------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialect_networks())
def test_one_batch_step_descends_the_reference_gradient_in_every_dialect(net):
    """Thresholds, shared names, batch: mean and every activation and loss: one batch step
    is w − η·dE/dw, with dE/dw from the tests' own plain forward pass (central differences
    of it, each shared name moved at all its places)."""
    reference, base = smooth_and_finite(net)
    result = train(net, Settings(epochs=1, learning_rate=0.1))
    floor = 1e-7 * (1 + abs(base))
    before = values(net)
    for name, value in values(result.network).items():
        want = before[name] - 0.1 * reference[name]
        assert abs(value - want) <= 1e-6 * abs(reference[name]) + 0.1 * floor, name
    assert result.losses[0] == pytest.approx(base, rel=1e-12, abs=1e-300)


def test_batch_mean_averages_each_updates_gradient():
    """Two examples per update, averaged, at η is their sum at η/2: the same floats."""
    net = load(XOR)
    mean = train(replace(net, batch="mean"), Settings(epochs=3, mode="minibatch", batch_size=2,
                                                      learning_rate=0.5))
    summed = train(net, Settings(epochs=3, mode="minibatch", batch_size=2, learning_rate=0.25))
    assert np.array_equal(mean.params, summed.params)
    assert mean.losses == [e / 4 for e in summed.losses]  # E: the mean of the four losses


def test_epochs_work_on_whole_layers(monkeypatch):
    """64-100-10 (100 tanh units): no call per neuron in an epoch. The activations are asked
    once per layer and forward pass, and the units are grouped by activation once, at set-up."""
    from bptutor.tools import numeric

    net = dense_network([64, 100, 10])
    counts = {"groups": 0, "values": 0}
    grouping, activating = numeric.unit_groups, Activation.array_value

    def count_groups(layer):
        counts["groups"] += 1
        return grouping(layer)

    def count_values(self, z):
        counts["values"] += 1
        return activating(self, z)

    monkeypatch.setattr(numeric, "unit_groups", count_groups)
    monkeypatch.setattr(Activation, "array_value", count_values)
    seen = []
    for epochs in (1, 11):
        counts.update(groups=0, values=0)
        train(net, Settings(epochs=epochs, learning_rate=0.01))
        seen.append(dict(counts))
    assert seen[0]["groups"] == seen[1]["groups"] == 2  # one per layer
    # ten more epochs: one forward pass each (its E is the next gradient's), two layers
    assert seen[1]["values"] - seen[0]["values"] == 10 * 2


def test_mazur_shared_biases_one_update_is_the_published_one():
    """Matt Mazur's "A Step by Step Backpropagation Example": one bias per layer shared by
    its neurons, biases kept fixed, η = 0.5. His published E = 0.298371109 and weights after
    the first update (his E after it, 0.291027924, comes from rounded weights: 0.2910277737
    unrounded)."""
    result = train(load("mazur-shared-bias"), Settings(epochs=1))
    published = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
                 "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
                 "b1": 0.35, "b2": 0.60}
    got = values(result.network)
    for name, value in published.items():
        assert got[name] == pytest.approx(value, abs=5e-9), name
    assert round(result.losses[0], 9) == 0.298371109
    assert result.losses[1] == pytest.approx(0.291027924, abs=2e-7)


# -- SPEC §7: Adam, L2 as l2·Σw², the file's training: block, train_updates ----------------------

def test_adam_by_hand():
    # E = ½w², g = w, η = 0.1, from w = 1. k = 1: m = 0.1·1, v = 0.001·1, m̂ = 1, v̂ = 1,
    # w = 1 − 0.1/(1 + ε). k = 2: g = w1, m = 0.9·0.1 + 0.1·g, v = 0.999·0.001 + 0.001·g²,
    # m̂ = m/(1 − 0.81), v̂ = v/(1 − 0.998001)
    net = network(LINE)
    adam = Settings(epochs=1, learning_rate=0.1, optimizer="adam")
    w1 = 1 - 0.1 * 1 / (1 + 1e-8)
    assert train(net, adam).params[0] == pytest.approx(w1, abs=1e-15)
    m, v = 0.09 + 0.1 * w1, 0.000999 + 0.001 * w1**2
    w2 = w1 - 0.1 * (m / 0.19) / (math.sqrt(v / 0.001999) + 1e-8)
    assert w2 == pytest.approx(0.8004122, abs=1e-7)
    assert train(net, replace(adam, epochs=2)).params[0] == pytest.approx(w2, abs=1e-14)


SHARED = """\
bptutor: 1
loss: squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [h1, h2]
      activation: tanh
      weights: [[0.3, -0.2], [0.5, 0.3]]
      weight_names: [[u, v], [w, u]]
      bias: [0.1, -0.1]
    - neurons: [y]
      activation: sigmoid
      weights: [[0.7, -0.4]]
examples:
  - {input: [1, 0.5], target: [1]}
  - {input: [-0.5, 1], target: [0]}
learning_rate: 0.2
"""


def test_l2_update_descends_the_penalised_loss_by_finite_differences():
    # one batch update descends E + l2·Σw² with a shared weight (u) counted once, biases
    # not at all: compared with central differences of that objective
    from bptutor.model.network import TrainingPlan
    from bptutor.tools.numeric import NetworkLoss

    net = network(SHARED.replace("0.3, -0.2], [0.5, 0.3", "0.3, -0.2], [0.5, 0.3"))
    loss = NetworkLoss(net)
    penalised = [not name.startswith("b") for name in loss.names]

    def objective(p: np.ndarray) -> float:
        return float(loss.losses(p).sum() + 0.05 * sum(x * x for x, w in zip(p, penalised) if w))

    base, eps = loss.base.copy(), 1e-6
    numeric = np.array([(objective(base + eps * e) - objective(base - eps * e)) / (2 * eps)
                        for e in np.eye(len(base))])
    got = training.train_updates(net, TrainingPlan(l2=0.05), 1)
    assert list(got) == loss.names and loss.names.count("u") == 1
    assert np.allclose(list(got.values()), base - 0.2 * numeric, atol=1e-9)


@pytest.mark.parametrize("plan", [
    dict(mode="online", epochs=3), dict(mode="minibatch", batch_size=3, epochs=2),
    dict(mode="online", momentum=0.9, l2=0.01), dict(mode="batch", optimizer="adam", epochs=3),
])
def test_train_updates_is_train_for_the_same_updates(plan):
    from bptutor.model.network import TrainingPlan

    net = load("xor")
    plan_ = TrainingPlan(**plan)
    updates = len(plan_.batches(len(net.examples)))
    got = training.train_updates(net, plan_, updates)
    result = train(net, training.checked_settings(plan=plan_))
    assert list(got.values()) == result.params.tolist()
    # an update count inside the plan stops there: the first update alone is one step
    first = training.train_updates(net, plan_, 1)
    assert first != got


def test_the_files_training_block_gives_the_defaults_and_options_override():
    from bptutor.errors import OptionError
    from bptutor.model.network import TrainingPlan

    plan = TrainingPlan(mode="minibatch", batch_size=2, epochs=3, momentum=0.5, l2=0.1)
    s = training.checked_settings(plan=plan)
    assert (s.mode, s.batch_size, s.epochs, s.momentum, s.l2) == ("minibatch", 2, 3, 0.5, 0.1)
    s = training.checked_settings(epochs=9, mode="online", momentum=0.0, plan=plan)
    assert (s.mode, s.batch_size, s.epochs, s.momentum, s.l2) == ("online", None, 9, 0.0, 0.1)
    s = training.checked_settings(optimizer="adam", plan=plan)  # the file's μ is sgd's
    assert (s.optimizer, s.momentum) == ("adam", 0.0)
    assert training.checked_settings().epochs == training.DEFAULT_EPOCHS  # no block
    assert training.checked_settings(plan=TrainingPlan()).epochs == 1
    for option, kwargs in {"--momentum": dict(optimizer="adam", momentum=0.9),
                           "--beta1": dict(beta1=1.0), "--beta2": dict(beta2=-0.1),
                           "--epsilon": dict(epsilon=0.0), "--optimizer": dict(optimizer="sgdx")
                           }.items():
        with pytest.raises(OptionError) as caught:
            training.checked_settings(**kwargs)  # type: ignore[arg-type]
        assert caught.value.option == option


def test_train_reads_the_training_block_and_saves_it(run, tmp_path):
    path = tmp_path / "line.yaml"
    path.write_text(LINE + "learning_rate: 0.1\ntraining:\n  optimizer: adam\n  epochs: 2\n")
    doc = json.loads(run("train", path, "--format", "json").stdout)
    assert (doc["optimizer"], doc["epochs"], doc["beta2"]) == ("adam", 2, 0.999)
    assert doc["weights"]["W1[1,1]"] == pytest.approx(0.8004122, abs=1e-7)  # as by hand
    out = run("train", path, "--optimizer", "sgd", "--momentum", "0.9", "--epochs", "3",
              "--save", tmp_path / "saved.yaml")
    assert out.exit_code == 0, out.stderr
    saved = load(str(tmp_path / "saved.yaml"))
    assert saved.training is not None
    assert (saved.training.optimizer, saved.training.momentum, saved.training.epochs) == (
        "sgd", 0.9, 2)  # the rule of the run; the file's own epochs (a sheet to solve)
    assert "--momentum 0.9" in (saved.source or "")
    assert run("train", path, "--momentum", "0.5").exit_code == 2  # Adam has no momentum
