"""`bptutor new`: seeded, lively, exam-style problems that load and solve; --like; errors."""

from __future__ import annotations

import dataclasses
import math
import re
import shlex
import subprocess
import sys

import pytest
from conftest import PROBLEMS, ROOT

from bptutor.files.problems import bundled_names, load
from bptutor.files.schema import schema_modeline
from bptutor.files.yamlfile import parse
from bptutor.model.network import Network
from bptutor.sheet.worksheet import solve
from bptutor.tools import practice as generate
from bptutor.tools.practice import Options, new_problem


def source_of(text: str) -> str:
    return parse(text, "p.yaml").items["source"].value


def written(tmp_path, text: str, name: str = "p.yaml") -> Network:
    """The text as a file, read by the real loader."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load(path)


# -- determinism -------------------------------------------------------------------------------

def test_same_seed_same_bytes_in_the_library():
    options = Options(shape="3-2-1", activation="tanh", seed=1234)
    first, second = new_problem(options), new_problem(options)
    assert first.text == second.text
    assert first.seed == 1234
    assert new_problem(Options(shape="3-2-1", activation="tanh", seed=1235)).text != first.text


def test_same_seed_same_bytes_on_the_command_line(run):
    args = ("new", "--shape", "3-2-1", "--activation", "tanh", "--seed", "1234")
    first, second = run(*args), run(*args)
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert first.stderr == ""
    assert first.stdout == new_problem(Options(shape="3-2-1", activation="tanh", seed=1234)).text
    assert source_of(first.stdout) == "bptutor new --shape 3-2-1 --activation tanh --seed 1234"


def test_without_a_seed_the_source_line_regenerates_the_file(run, tmp_path):
    out = tmp_path / "p.yaml"
    result = run("new", "--shape", "2-3-1", "--activation", "relu,sigmoid", "--learning-rate",
                 "0.8", "--title", "Übung: #3", "-o", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    words = shlex.split(source_of(text))
    assert words[:2] == ["bptutor", "new"] and "--seed" in words
    assert run(*words[1:]).stdout == text
    assert load(out).title == "Übung: #3"


def test_aliases_and_explicit_defaults_give_the_same_file(run):
    plain = run("new", "--seed", "5").stdout
    spelled = run("new", "--seed", "5", "--shape", "2-2-1", "--activation", "logistic",
                  "--loss", "binary_cross_entropy", "--round", "2", "--bias",
                  "--learning-rate", "0.5").stdout
    assert plain == spelled
    assert source_of(plain) == "bptutor new --shape 2-2-1 --activation sigmoid --seed 5"


# -- lively problems ---------------------------------------------------------------------------

CONFIGS = [  # (shape, activation, loss or None): 5 × 40 = 200 seeds
    ("2-2-1", "sigmoid", None),
    ("3-2-1", "tanh", None),
    ("2-3-1", "relu,sigmoid", None),
    ("3-3-3", "tanh,softmax", None),
    ("2-2-2", "leaky_relu,linear", "half_squared_error"),
    ("2-2-1", "elu", None),  # SPEC §6's five more activations
    ("2-3-1", "gelu,softplus", None),
    ("3-2-1", "silu,bipolar_sigmoid", None),
]


def check_lively(net: Network, text: str) -> None:
    """The dullness rules, recomputed from the solved values (not with generate.dull)."""
    sheet = solve(net)
    assert sheet.rounding.digits == 2
    for layer in net.layers:
        for neuron, act in zip(layer.neurons, layer.activations):
            z, z_rounded = sheet.exact[f"z({neuron})"], sheet.values[f"z({neuron})"]
            if act.name == "tanh":
                assert abs(math.tanh(z)) <= 0.95, (neuron, text)
            elif act.name == "sigmoid":
                assert 0.05 <= 1 / (1 + math.exp(-z)) <= 0.95, (neuron, text)
            elif act.name == "relu":
                assert z > 0 and z_rounded > 0, (neuron, text)
            elif act.name == "softmax":
                assert sheet.exact[neuron] <= 0.95, (neuron, text)
            elif act.name == "bipolar_sigmoid":
                assert abs(math.tanh(z / 2)) <= 0.95, (neuron, text)
            elif act.name == "elu":
                assert z != 0 and z_rounded != 0, (neuron, text)  # not at its kink
    backward = [s.key for s in sheet.steps if s.section == "backward"]
    assert backward and all(sheet.values[key] != 0 for key in backward), text
    for layer in net.layers:
        for names, row in zip(layer.weight_names, layer.weights):
            for name, w in zip(names, row):
                assert sheet.values[f"new({name})"] != w, (name, text)


def check_exam_numbers(net: Network, text: str) -> None:
    """One decimal, weights and biases in [-1, 1] and never 0, targets that suit the output."""
    body = "\n".join(line for line in text.splitlines()
                     if not line.startswith(("title:", "source:")))
    assert not re.search(r"\d\.\d\d", body), text
    params = [w for layer in net.layers for row in layer.weights for w in row]
    params += [b for layer in net.layers for b in layer.bias or []]
    numbers = params + [x for e in net.examples for x in e.inputs + e.targets]
    assert all(abs(v * 10 - round(v * 10)) < 1e-9 for v in numbers), text
    assert all(0 < abs(w) <= 1 for w in params), text
    assert all(0 < x <= 1 for e in net.examples for x in e.inputs), text
    out = net.layers[-1].activations[0].name
    for example in net.examples:
        if out == "softmax":
            assert sorted(example.targets) == [0] * (len(net.outputs) - 1) + [1], text
        elif out == "sigmoid":
            assert set(example.targets) <= {0, 1}, text
        elif out == "tanh":
            assert all(-1 <= t <= 1 for t in example.targets), text


@pytest.mark.parametrize("shape, activation, loss", CONFIGS)
def test_forty_seeds_each_load_solve_and_are_lively(tmp_path, shape, activation, loss):
    for seed in range(40):
        problem = new_problem(Options(shape=shape, activation=activation, loss=loss, seed=seed))
        net = written(tmp_path, problem.text)
        assert [len(net.inputs)] + [len(layer.neurons) for layer in net.layers] == \
            [int(n) for n in shape.split("-")]
        check_lively(net, problem.text)
        check_exam_numbers(net, problem.text)


@pytest.mark.parametrize("activation, loss", [
    ("sigmoid", "binary_cross_entropy"), ("tanh", "squared_error"),
    ("identity", "squared_error"), ("relu", "squared_error"),
    ("sigmoid,softmax", "cross_entropy"),
])
def test_default_loss_suits_the_output(activation, loss):
    net = new_problem(Options(shape="2-2-2", activation=activation, seed=3)).network
    assert net.loss.name == loss


def test_the_file_looks_like_a_bundled_problem():
    text = new_problem(Options(seed=7)).text
    keys = [line.split(":")[0] for line in text.splitlines() if re.match(r"\w", line)]
    assert keys == ["bptutor", "title", "source", "round", "notation", "loss", "network",
                    "input", "target", "learning_rate"]
    modeline = schema_modeline("problem")
    assert text.startswith(f"{modeline}\nbptutor: 1\ntitle: 2-2-1 sigmoid network (practice, "
                           "seed 7)\n")
    assert re.search(r"^      weights: \[\[-?[\d.]+, -?[\d.]+\], \[-?[\d.]+, -?[\d.]+\]\]$",
                     text, re.M), text
    assert re.search(r"^      bias: \[-?[\d.]+, -?[\d.]+\]$", text, re.M), text


def test_switches_reach_the_file(tmp_path):
    problem = new_problem(Options(shape="2-2-1", activation="tanh", bias=False, no_round=True,
                                  learning_rate=0.1, seed=11))
    net = written(tmp_path, problem.text)
    assert not re.search(r"^\s*(bias|round):", problem.text, re.M), problem.text
    assert (net.round, net.learning_rate) == (None, 0.1)
    assert all(layer.bias is None for layer in net.layers)
    assert source_of(problem.text) == ("bptutor new --shape 2-2-1 --activation tanh --no-bias "
                                       "--no-round --learning-rate 0.1 --seed 11")


@pytest.mark.parametrize("title", ["XOR: again #2", "yes", "true", "123", "-dash", "# hash",
                                   'say "hi" \\ back', "tab\there", " lead"])
def test_any_title_reads_back_as_given(run, tmp_path, title):
    out = tmp_path / "p.yaml"
    assert run("new", "--seed", "1", "--title", title, "-o", out).exit_code == 0
    net = load(out)
    assert net.title == title
    assert shlex.split(net.source)[-4:] == ["--title", title, "--seed", "1"]


@pytest.mark.parametrize("title", ["line\u2028break", "esc\x1b[2J", "new\nline"])
def test_a_title_that_would_control_the_terminal_is_a_usage_error(run, tmp_path, title):
    result = run("new", "--seed", "1", "--title", title, "-o", tmp_path / "p.yaml")
    assert result.exit_code == 2 and "control character" in result.stderr
    assert not (tmp_path / "p.yaml").exists()


LIKE_ME = """\
bptutor: 1
title: odd names
round: 3
notation: delta
loss: half_squared_error
network:
  inputs: 3
  layers:
    - neurons: [a.1, "b'"]
      activation: [leaky_relu, tanh]
      alpha: 0.2
      weights: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
      weight_names: [["w[1,1]", w12, w13], [w21, w22, w23]]
      bias: 0.1
      bias_names: [c1, c2]
    - neurons: 2
      activation: identity
      weights: [[0.1, 0.2], [0.3, 0.4]]
      bias: [0.5, 0.5]
examples:
  - {input: [1, 2, 3], target: [1, 2]}
  - {input: [3, 2, 1], target: [2, 1]}
learning_rate: 0.3
update_biases: false
"""


def test_like_copies_every_convention_of_a_hand_written_file(tmp_path):
    original = written(tmp_path, LIKE_ME, "odd.yaml")
    problem = new_problem(Options(like=str(tmp_path / "odd.yaml"), seed=8))
    copy = written(tmp_path, problem.text)
    assert structure(copy) == structure(original)
    assert numbers(copy) != numbers(original)
    assert "      alpha: 0.2\n" in problem.text and "update_biases: false\n" in problem.text
    assert '[["w[1,1]", w12, w13], [w21, w22, w23]]' in problem.text
    assert problem.text.count("bias_names") == 1  # c1, c2; layer 2 keeps the default names


def test_a_big_network_writes_long_rows_one_per_line(tmp_path):
    problem = new_problem(Options(shape="12-3-2", activation="tanh", seed=2))
    assert "      weights:\n        - [" in problem.text
    assert max(len(line) for line in problem.text.splitlines()) <= 100
    net = written(tmp_path, problem.text)
    assert len(net.layers[0].weights) == 3 and len(net.layers[0].weights[0]) == 12


def test_dull_names_what_is_wrong_with_bundled_problems():
    # tanh-chain's x2 = 0 makes dE/du2 = 0, which is its data's (not judged: --like keeps
    # 0/1 data), but new(v1) = 0.8955 rounds back to v1 = 0.9; relu-sigmoid's output is
    # saturated (a2 → 1.000)
    assert generate.dull(solve(load("tanh-chain"))) == "an update that leaves a weight unchanged"
    assert generate.dull(solve(load("relu-sigmoid"))) == "saturated sigmoid unit"
    assert generate.dull(solve(load("delta-rule"))) is None


# -- --like --------------------------------------------------------------------------------------

def structure(net: Network) -> tuple:
    return (net.inputs, net.loss.name, net.round, net.notation, net.learning_rate,
            net.update_biases, len(net.examples),
            [(layer.neurons, [(a.name, a.alpha) for a in layer.activations], layer.weight_names,
              layer.bias_names, len(layer.weights[0])) for layer in net.layers])


def numbers(net: Network) -> list:
    return [layer.weights for layer in net.layers] + [layer.bias for layer in net.layers] + \
        [(e.inputs, e.targets) for e in net.examples]


def network_problems() -> list[str]:
    return [name for name in bundled_names() if isinstance(load(name), Network)]


@pytest.mark.parametrize("name", network_problems())
def test_like_keeps_the_structure_and_changes_the_numbers(tmp_path, name):
    original = load(name)
    problem = new_problem(Options(like=name, seed=21))
    copy = written(tmp_path, problem.text)
    assert structure(copy) == structure(original)
    assert numbers(copy) != numbers(original)
    # boolean data (XOR's truth table) is the point of the exercise: kept, new weights only
    kept = generate.boolean_data(original)
    assert copy.title == f"{original.title}, new {'weights' if kept else 'numbers'} (seed 21)"
    assert (copy.examples == original.examples) == kept
    assert source_of(problem.text) == f"bptutor new --like {name} --seed 21"


def test_like_takes_a_path_and_overrides(run, tmp_path):
    out = tmp_path / "p.yaml"
    path = PROBLEMS / "tanh-chain.yaml"
    result = run("new", "--like", path, "--round", "3", "--seed", "4", "-o", out)
    assert result.exit_code == 0, result.stderr
    copy, original = load(out), load(path)
    assert copy.round == 3
    assert [layer.weight_names for layer in copy.layers] == \
        [layer.weight_names for layer in original.layers]
    assert source_of(out.read_text()) == f"bptutor new --like {path} --round 3 --seed 4"


# -- files and errors ----------------------------------------------------------------------------

def test_output_never_overwrites_without_force(run, tmp_path):
    out = tmp_path / "mine.yaml"
    out.write_text("keep me\n")
    refused = run("new", "--seed", "1", "-o", out)
    assert refused.exit_code == 2
    assert f"{out}:1:1: error: the file exists" in refused.stderr
    assert out.read_text() == "keep me\n"
    forced = run("new", "--seed", "1", "-o", out, "--force")
    assert forced.exit_code == 0
    assert forced.stdout == ""
    assert forced.stderr == f"wrote {out}: try 'bptutor solve {out}'\n"
    assert out.read_text() == new_problem(Options(seed=1)).text


@pytest.mark.parametrize("args, words", [
    (["--shape", "3"], "at least two sizes"),
    (["--shape", "3-x-1"], "not a list of sizes"),
    (["--shape", "3-²-1"], "not a list of sizes"),
    (["--shape", "3-0-1"], "from 1 to 12"),
    (["--shape", "3-13-1"], "from 1 to 12"),
    (["--shape", "2-2-2-2-2-2-2"], "at most 5"),
    (["--activation", "softmax", "--shape", "2-3-3"], "only allowed on the output layer"),
    (["--activation", "sigmoid,softmax", "--shape", "2-2-1"], "at least 2 neurons"),
    (["--activation", "relu,tanh,tanh"], "3 activations for 2 layers"),
    (["--activation", "sigmod"], "did you mean 'sigmoid'"),
    (["--loss", "cross_entropy"], "needs a softmax output"),
    (["--activation", "tanh", "--loss", "binary_cross_entropy"], "needs sigmoid outputs"),
    (["--loss", "squared"], "unknown loss"),
    (["--round", "2", "--no-round"], "not both"),
    (["--round", "13"], "from 0 to 12"),
    (["--learning-rate", "0"], "positive"),
    (["--seed", "-3"], "0 or more"),
    (["--like", "tanh-chain", "--shape", "2-1"], "leave out --shape"),
    (["--like", "graph-reuse"], "not a network"),
    (["--threshold", "--no-bias"], "leave out --no-bias"),
    (["--like", "tanh-chain", "--threshold"], "leave out --threshold"),
    (["--notation", "deltarule"], "unknown notation 'deltarule' (did you mean 'delta_rule'?)"),
    (["--activation", "gleu"], "did you mean 'gelu'"),
])
def test_bad_options_are_one_line_usage_errors(run, args, words):
    if args[:2] == ["--like", "graph-reuse"] and "graph-reuse" not in bundled_names():
        pytest.skip("no bundled computation graph")
    result = run("new", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bptutor new: error: "), result.stderr
    assert words in lines[0]


def test_a_hopeless_request_gives_up_with_advice(run):
    result = run("new", "--round", "0", "--seed", "1")  # every gradient rounds to 0
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"bptutor new: error: no lively problem in {generate.MAX_TRIES} draws")
    assert "hint: try a smaller shape" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_shows_examples(run):
    result = run("new", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "--like tanh-chain" in result.stdout


def test_new_does_not_import_numpy():
    code = ("import sys; from bptutor.cli import app; "
            "app(['new', '--seed', '1'], standalone_mode=False); "
            "sys.exit('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "bptutor: 1"


# -- one rule for the losses' outputs -------------------------------------------------------------

def _loader_accepts(output: str, loss: str) -> bool:
    from bptutor.errors import BptutorError
    from bptutor.files.problems import Validator

    text = ("bptutor: 1\n"
            f"loss: {loss}\nnetwork:\n  inputs: [x1, x2]\n  layers:\n"
            "    - neurons: [h1, h2]\n      activation: sigmoid\n"
            "      weights: [[0.1, 0.2], [0.3, 0.4]]\n"
            f"    - neurons: [y1, y2]\n      activation: {output}\n"
            "      weights: [[0.5, -0.5], [0.2, 0.1]]\n"
            "input: [1, 0]\ntarget: [0, 1]\n")
    try:
        Validator("p.yaml").network(parse(text, "p.yaml"))
    except BptutorError as exc:
        assert exc.mark is not None and (exc.mark.line, exc.mark.col) == (2, 7), exc
        assert "needs" in exc.message
        return False
    return True


def _new_accepts(output: str, loss: str) -> bool:
    try:
        generate.check_loss(loss, output)
    except generate.UsageError:
        return False
    return True


@pytest.mark.parametrize("loss", ["squared_error", "half_squared_error", "mean_squared_error",
                                  "binary_cross_entropy", "cross_entropy"])
def test_new_and_the_loader_accept_the_same_outputs(loss):
    """tanh outputs under binary_cross_entropy were loaded (ln of a negative y, or E < 0),
    though `new` refused them: one rule now, the loss's."""
    outputs = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
    loader = {o for o in outputs if _loader_accepts(o, loss)}
    assert loader == {o for o in outputs if _new_accepts(o, loss)}
    if loss == "binary_cross_entropy":
        assert loader == {"sigmoid", "softmax"}
    elif loss == "cross_entropy":
        assert loader == {"softmax"}
    else:
        assert loader == set(outputs)


def test_new_writes_binary_cross_entropy_over_a_softmax_layer():
    problem = new_problem(Options(shape="2-2-3", activation="sigmoid,softmax",
                                  loss="binary_cross_entropy", seed=4))
    assert problem.network.loss.name == "binary_cross_entropy"
    assert sorted(problem.network.examples[0].targets) == [0.0, 0.0, 1.0]


# -- SPEC §6 dialects: --notation, --threshold, the new activations, --like keeps them all ------

def test_notation_option_writes_and_reproduces_the_dialect(run, tmp_path):
    result = run("new", "--notation", "delta_rule", "--activation", "gelu", "--seed", "4")
    assert result.exit_code == 0, result.stderr
    net = written(tmp_path, result.stdout)
    assert net.notation == "delta_rule" and net.layers[0].activations[0].name == "gelu"
    words = shlex.split(source_of(result.stdout))
    assert words == ["bptutor", "new", "--shape", "2-2-1", "--activation", "gelu",
                     "--notation", "delta_rule", "--seed", "4"]
    assert run(*words[1:]).stdout == result.stdout
    sheet = solve(net)
    assert any(s.key.startswith("delta(") for s in sheet.steps)
    check_lively(net, result.stdout)


def test_threshold_option_draws_thresholds_in_every_layer(run, tmp_path):
    result = run("new", "--threshold", "--shape", "3-2-2", "--activation", "tanh", "--seed", "7")
    assert result.exit_code == 0, result.stderr
    assert "bias:" not in result.stdout and result.stdout.count("      threshold: [") == 2
    net = written(tmp_path, result.stdout)
    assert all(layer.threshold for layer in net.layers)
    assert net.layers[0].bias_names == ["theta1[1]", "theta1[2]"]
    sheet = solve(net, None)
    x, (w1, w2, w3), theta = net.examples[0].inputs, net.layers[0].weights[0], net.layers[0].bias
    assert sheet.exact["z(h1)"] == pytest.approx(w1 * x[0] + w2 * x[1] + w3 * x[2] - theta[0])
    assert "--threshold" in shlex.split(source_of(result.stdout))
    check_exam_numbers(net, result.stdout)


def dialect(net: Network) -> tuple:
    """Everything about a network except its numbers, title and source: every field of the
    problem and of its layers, whatever fields they have (so a new convention is covered)."""
    numbers_and_words = {"path", "title", "source", "marks", "examples", "layers"}
    top = {f.name: getattr(net, f.name) for f in dataclasses.fields(net)
           if f.name not in numbers_and_words}
    layers = [{f.name: getattr(layer, f.name) for f in dataclasses.fields(layer)
               if f.name not in ("weights", "bias")} for layer in net.layers]
    return top, layers, [len(e.inputs) for e in net.examples]


@pytest.mark.parametrize("name", network_problems())
def test_like_keeps_every_convention_of_the_problem(tmp_path, name):
    original = load(name)
    copy = written(tmp_path, new_problem(Options(like=name, seed=5)).text)
    assert dialect(copy) == dialect(original)
    assert numbers(copy) != numbers(original)


def test_like_keeps_an_elu_alpha_beside_another_function(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text("bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 2\n  layers:\n"
                    "    - neurons: 2\n      activation: [tanh, elu]\n      alpha: 0.5\n"
                    "      weights: [[0.1, 0.2], [0.3, 0.4]]\n    - neurons: 1\n"
                    "      activation: elu\n      weights: [[0.5, -0.5]]\n"
                    "input: [1, 1]\ntarget: [0.5]\nlearning_rate: 0.5\n", encoding="utf-8")
    problem = new_problem(Options(like=str(path), seed=3, notation="delta"))
    copy = written(tmp_path, problem.text)
    assert [a.alpha for a in copy.layers[0].activations][1] == 0.5
    assert copy.layers[1].activations[0].alpha == 1.0  # elu's default, written nowhere
    assert copy.notation == "delta" and "--notation delta" in source_of(problem.text)


# -- SPEC §7: --like keeps boolean examples; --new-data; the training: block -------------------

def test_like_xor_keeps_the_truth_table_and_draws_new_weights(tmp_path):
    original = load("xor")
    copy = written(tmp_path, new_problem(Options(like="xor", seed=3)).text)
    assert copy.examples == original.examples
    assert [layer.weights for layer in copy.layers] != [layer.weights for layer in original.layers]
    assert copy.title == f"{original.title}, new weights (seed 3)"


def test_new_data_draws_new_examples_and_says_so(tmp_path):
    original = load("xor")
    problem = new_problem(Options(like="xor", new_data=True, seed=3))
    copy = written(tmp_path, problem.text)
    assert len(copy.examples) == 4 and copy.examples != original.examples
    assert len({tuple(e.targets) for e in copy.examples}) > 1  # not all one target
    assert copy.title == f"new data for the network of {original.title} (seed 3)"
    assert source_of(problem.text) == "bptutor new --like xor --new-data --seed 3"


@pytest.mark.parametrize("options, plan", [
    (dict(mode="online"), dict(mode="online")),
    (dict(mode="online", epochs=2, momentum=0.9), dict(mode="online", epochs=2, momentum=0.9)),
    (dict(batch_size=2, l2=0.01), dict(mode="minibatch", batch_size=2, l2=0.01)),
    (dict(optimizer="adam"), dict(optimizer="adam")),
])
def test_training_options_write_a_training_block(tmp_path, options, plan):
    from bptutor.model.network import TrainingPlan

    problem = new_problem(Options(like="xor", seed=2, **options))
    copy = written(tmp_path, problem.text)
    assert copy.training == TrainingPlan(**plan)
    assert copy.examples == load("xor").examples
    # the source repeats the file byte for byte
    words = shlex.split(source_of(problem.text))[2:]
    again = subprocess.run([sys.executable, "-m", "bptutor", "new", *words], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    assert again == problem.text


def test_a_fresh_problem_with_several_examples_and_updates_solves(tmp_path):
    problem = new_problem(Options(examples=3, mode="online", epochs=2, seed=5))
    copy = written(tmp_path, problem.text)
    assert len(copy.examples) == 3 and copy.training is not None
    keys = [step.key for step in solve(copy).steps]
    assert "E@3#6" in keys  # epoch 2's third update works on example 3


@pytest.mark.parametrize("args, words", [
    (["--new-data"], "--new-data goes with --like"),
    (["--epochs", "0"], "--epochs 0"),
    (["--mode", "minibatch"], "needs --batch-size"),
    (["--optimizer", "adam", "--momentum", "0.9"], "Adam has its own moments"),
    (["--optimizer", "adam", "--notation", "delta_rule"], "needs --notation activation"),
    (["--like", "xor", "--examples", "2"], "add --new-data"),
    (["--momentum", "1"], "[0, 1)"),
])
def test_training_option_errors(run, args, words):
    result = run("new", *args, "--seed", "1")
    assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_sheet_past_the_step_cap_is_said_at_once(run):
    # no redraw can shrink it: the cap's own message, not "no lively problem in 400 draws"
    result = run("new", "--shape", "12-12-12-12-12-12", "--examples", "8", "--mode", "online",
                 "--epochs", "10", "--seed", "1")
    assert result.exit_code == 2
    assert "asks for 139,280 steps over 80 updates" in result.stderr
    assert "fewer --epochs or --examples" in result.stderr
