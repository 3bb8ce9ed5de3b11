"""Limits and numerics: a cap on problem size, and finite, warning-free numbers at z = ±1000.

A worksheet larger than ``MAX_STEPS`` is refused before it is built, at ``examples:`` when
the batch is what makes it large, else at ``network:``. The exact sheet takes a log loss's
ln y, 1/y and σ′ of sigmoid and softmax outputs from z (float y saturates: σ(40) is 1.0);
a rounded sheet computes from its rounded y (SPEC §3), so there a rounded y of 0 or 1 under
a log is a genuine ln 0, reported at the ``loss`` line.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import shlex
import subprocess
import sys
import threading
import time
import warnings
from decimal import Decimal, localcontext

import pytest
from conftest import ROOT, assert_located

from bptutor.errors import BptutorError
from bptutor.files.problems import Validator, bundled_names, load
from bptutor.files.yamlfile import parse
from bptutor.model.activations import log_sigmoid
from bptutor.model.losses import output_logs
from bptutor.model.network import Network
from bptutor.sheet.network_steps import MAX_STEPS, build_steps, count_steps
from bptutor.sheet.worksheet import solve

# -- problem size ---------------------------------------------------------------------------

SMALL = """\
bptutor: 1
loss: squared_error
network:
  inputs: 2
  layers:
    - neurons: 2
      activation: sigmoid
      weights: [[0.1, 0.2], [0.3, 0.4]]
    - neurons: 1
      activation: sigmoid
      weights: [[0.5, 0.6]]
"""


def dense(sizes: list[int], examples: int) -> str:
    """A fully connected sigmoid net with biases, fixed weights and ``examples`` examples."""
    lines = ["bptutor: 1", "round: 2", "loss: squared_error", "network:",
             f"  inputs: {sizes[0]}", "  layers:"]
    for k in range(1, len(sizes)):
        rows = [[((7 * j + 3 * i) % 21 - 10) / 10 for i in range(sizes[k - 1])]
                for j in range(sizes[k])]
        lines += [f"    - neurons: {sizes[k]}", "      activation: sigmoid",
                  f"      weights: {rows}", "      bias: 0.1"]
    lines.append("examples:")
    for e in range(examples):
        inputs = [(e + i) % 3 / 2 for i in range(sizes[0])]
        lines.append(f"  - {{input: {inputs}, target: {[e % 2] * sizes[-1]}}}")
    return "\n".join(lines + ["learning_rate: 0.1", ""])


def test_twenty_thousand_examples_are_refused_at_examples(tmp_path, run):
    path = tmp_path / "batch.yaml"
    path.write_text(SMALL + "examples:\n" + "  - {input: [0, 1], target: [1]}\n" * 20_000)
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    # 2 z, 2 activations … per example: 3·2 + 1 + 3 errors + 6 gradients = 16; E and 6 totals
    assert_located(result.stderr, path, 12, 1, ["20,000 examples of 16 steps each make "
                                                "320,007 steps, more than the 20,000 steps"],
                   hint="split the batch into several problems")


def test_a_network_too_large_for_one_example_is_refused_at_network(tmp_path, run):
    path = tmp_path / "wide.yaml"
    rows = [[0] * 100] * 200
    path.write_text(f"bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 100\n  layers:\n"
                    f"    - neurons: 200\n      activation: tanh\n      weights: {rows}\n"
                    f"input: {[0] * 100}\ntarget: {[0] * 200}\n")
    result = run("template", path)
    assert result.exit_code == 2
    assert_located(result.stderr, path, 3, 1, ["one example of this network takes 20,601 steps"],
                   hint="a few neurons per layer")


def test_a_64_32_10_network_with_five_examples_is_fine_and_six_are_refused(tmp_path, run):
    five, six = tmp_path / "five.yaml", tmp_path / "six.yaml"
    five.write_text(dense([64, 32, 10], 5))
    six.write_text(dense([64, 32, 10], 6))
    result = run("solve", five, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["steps"]) == 17_506 <= MAX_STEPS
    result = run("solve", six, "--format", "json")
    assert result.exit_code == 2
    assert_located(result.stderr, six, 15, 1, ["6 examples of 2,537 steps each make 20,043"])


@pytest.mark.parametrize("name", [n for n in bundled_names() if isinstance(load(n), Network)])
@pytest.mark.parametrize("notation", ["activation", "delta"])
@pytest.mark.parametrize("update_biases", [True, False])
def test_count_steps_is_the_worksheets_length(name, notation, update_biases):
    net = load(name)
    net.update_biases = update_biases
    one, single, total = count_steps(net, notation)  # the delta rule writes no dE/dw
    assert total == len(build_steps(net, notation)[0])
    net.examples = net.examples[:1]
    assert (count_steps(net, notation)[1], single) == (len(build_steps(net, notation)[0]),) * 2


# -- numerics -------------------------------------------------------------------------------

def test_log_sigmoid():
    assert log_sigmoid(0) == -math.log(2)
    assert log_sigmoid(40) == -4.248354255291589e-18  # ln σ(40), though σ(40) is 1.0
    assert (log_sigmoid(1000), log_sigmoid(-1000), log_sigmoid(-40)) == (0, -1000, -40)


def test_softmax_logs_at_saturation():
    from bptutor.model.activations import Activation, softmax

    zs = [1000.0, -1000.0, 3.0]
    logs = output_logs([Activation("softmax")] * 3, softmax(zs), zs)
    assert logs == [(0.0, -997.0), (-2000.0, 0.0), (-997.0, 0.0)]
    assert output_logs([Activation("softmax")] * 3, [0.5, 0.5, 0.0], zs) == [None] * 3


def net_text(activation: str, loss: str, z: float, t: float) -> str:
    """x = 1 → h = hidden(1) → outputs with preactivation ±z (two for softmax)."""
    softmax = activation == "softmax"
    w = f"[[{z}], [{-z}]]" if softmax else f"[[{z}]]"
    target = f"[{t}, {1 - t}]" if softmax else f"[{t}]"
    return (f"bptutor: 1\nloss: {loss}\nnetwork:\n  inputs: [x]\n  layers:\n"
            f"    - neurons: [h]\n      activation: identity\n      weights: [[1]]\n"
            f"    - neurons: {'[y1, y2]' if softmax else '[y]'}\n      activation: {activation}\n"
            f"      weights: {w}\ninput: [1]\ntarget: {target}\nlearning_rate: 0.1\n")


# (activation, loss, target, z); a sigmoid under a log loss only where z agrees with the
# target: against it ∂E/∂y = 1 + e^1000 has no float (see the overflow test below)
FINITE_CASES = [
    *itertools.product(["sigmoid", "tanh", "softmax", "relu", "leaky_relu", "identity"],
                       ["squared_error", "half_squared_error", "mean_squared_error"], [0, 1],
                       [1000, -1000]),
    *itertools.product(["softmax"], ["cross_entropy"], [0, 1], [1000, -1000]),
    ("sigmoid", "binary_cross_entropy", 1, 1000), ("sigmoid", "binary_cross_entropy", 0, -1000),
]  # (cross_entropy takes a softmax output layer only, as `new` always required)


@pytest.mark.parametrize("activation, loss, t, z", FINITE_CASES)
@pytest.mark.parametrize("notation", ["activation", "delta"])
def test_z_of_a_thousand_is_finite_and_warning_free(activation, loss, t, z, notation):
    net = Validator("p.yaml").network(parse(net_text(activation, loss, z, t), "p.yaml"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for digits in (None, 3):
            try:
                sheet = solve(net, digits, notation)
            except BptutorError as exc:  # a rounded log-loss output of 0 is a genuine ln 0
                assert digits is not None and "ln(0)" in str(exc), exc
                continue
            assert all(math.isfinite(v) for v in [*sheet.values.values(),
                                                  *sheet.exact.values()])


def test_softmax_cross_entropy_at_a_thousand_is_exact():
    net = Validator("p").network(parse(net_text("softmax", "cross_entropy", -1000, 1), "p"))
    sheet = solve(net, None)
    assert sheet.exact["y1"] == 0.0 and sheet.exact["E"] == 2000.0  # -ln softmax = 2000
    assert (sheet.exact["dE/dz(y1)"], sheet.exact["dE/dz(y2)"]) == (-1.0, 1.0)


SATURATED = net_text("sigmoid", "binary_cross_entropy", 40, 0)  # y = σ(40) is 1.0 in floats


@pytest.mark.parametrize("notation, key", [("activation", "dE/dy"), ("delta", "dE/dz(y)")])
def test_saturated_sigmoid_with_cross_entropy_is_exact(tmp_path, run, notation, key):
    # E = -ln(1 - σ(40)) = 40 + 4e-18; it was "ln(0) is undefined"
    path = tmp_path / "p.yaml"
    path.write_text(SATURATED)
    result = run("solve", path, "--exact", "--notation", notation, "--format", "json")
    assert result.exit_code == 0, result.stderr
    steps = {s["key"]: s["value"] for s in json.loads(result.stdout)["steps"]}
    assert steps["y"] == 1.0 and steps["E"] == 40.0
    if notation == "activation":
        assert steps["dE/dy"] == 1 + math.exp(40)  # 1/(1 - σ(40))
    assert steps[key] == pytest.approx(1 + math.exp(40) if key == "dE/dy" else 1.0, rel=1e-15)
    # dE/dw = (y - t)·h = 1·1, though float σ′ = y(1 - y) is 0
    assert steps["dE/dW2[1,1]"] == pytest.approx(1.0, rel=1e-15)


def test_saturated_sigmoid_rounded_is_a_located_ln_zero(tmp_path, run):
    # rounded, y = 1.00 and the sheet's E = -ln(1 - 1.00): a genuine ln 0, reported
    path = tmp_path / "p.yaml"
    path.write_text(SATURATED)
    result = run("solve", path, "--round", "2", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""
    assert_located(result.stderr, path, 2, 1,
                   ["cannot compute E: ln(0) is undefined: output 1 - y is 0"],
                   hint="check the targets and the output activations")


def test_a_thousand_against_the_target_is_a_located_overflow(tmp_path, run):
    # ∂E/∂y = 1/(1 - σ(1000)) = 1 + e^1000 has no float
    path = tmp_path / "p.yaml"
    path.write_text(net_text("sigmoid", "binary_cross_entropy", 1000, 0))
    result = run("solve", path, "--exact", "--notation", "activation")
    assert result.exit_code == 2
    assert_located(result.stderr, path, 2, 1, ["dE/dy is too large to compute with"])
    # on paper (SPEC §3) 1 + e^1000 is a number: the delta sheet multiplies it by
    # σ′ = σ(1000)·σ(−1000) and gets dE/dz = y − t = 1, which floats could not reach
    result = run("solve", path, "--exact", "--notation", "delta", "--format", "json")
    assert result.exit_code == 0, result.stderr
    steps = {s["key"]: s for s in json.loads(result.stdout)["steps"]}
    assert steps["dE/dz(y)"]["exact"] == pytest.approx(1.0, rel=1e-15)


def test_softmax_binary_cross_entropy_gradient_near_saturation():
    # 1 - y of the larger output is 8.5e-11: as 1 - y it kept 6 digits, as the other y all
    net = Validator("p").network(parse(
        "bptutor: 1\nloss: binary_cross_entropy\nnetwork:\n  inputs: [a, b]\n  layers:\n"
        "    - neurons: [s1, s2]\n      activation: softmax\n      weights: [[1, 0], [0, 1]]\n"
        "input: [-8.8, 14.384]\ntarget: [0, 0]\n", "p"))
    sheet = solve(net, None)
    with localcontext() as ctx:  # E = -ln(1 - y1) - ln(1 - y2): dE/dz1 = y1 - y2
        ctx.prec = 50
        e = (Decimal(-8.8) - Decimal(14.384)).exp()
        expected = float((e - 1) / (e + 1))
    assert sheet.exact["dE/dz(s1)"] == pytest.approx(expected, rel=1e-14)
    assert sheet.exact["dE/dz(s2)"] == pytest.approx(-expected, rel=1e-14)


def test_grading_an_exact_saturated_sheet(tmp_path, run):
    # the reference E = 40 comes from z; a student's own y = 0.5 is used as written
    (tmp_path / "p.yaml").write_text(SATURATED)
    answers = tmp_path / "a.yaml"
    answers.write_text("problem: p.yaml\nanswers:\n  E: 40.0\n", encoding="utf-8")
    result = run("check", answers, "--format", "json")
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert graded["E"]["verdict"] == "correct"
    answers.write_text("problem: p.yaml\nanswers:\n  y: 0.5\n  E: 0.693\n", encoding="utf-8")
    result = run("check", answers, "--format", "json")
    graded = {i["key"]: i for i in json.loads(result.stdout)["files"][0]["items"]}
    assert (graded["E"]["verdict"], graded["E"]["because"]) == ("follow_through", "y")



# -- tracebacks and hangs (issue 14): each ends in a result or a located error, quickly ---------

def cli(*args: str, stdin=None, env: dict | None = None, shell_stdin: str = "",
        timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command in its own process (a hang is a timeout, not a stuck test run).
    ``shell_stdin`` is a shell redirection such as ``<&-`` (standard input closed)."""
    command = [sys.executable, "-m", "bptutor", *map(str, args)]
    if shell_stdin:
        command = ["sh", "-c", " ".join(map(shlex.quote, command)) + " " + shell_stdin]
    return subprocess.run(command, stdin=stdin, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell redirection")
@pytest.mark.parametrize("args", [("quiz", "tanh-chain"), ("solve", "tanh-chain", "--step")])
def test_closed_stdin_is_the_end_of_input(args):
    done = cli(*args, shell_stdin="<&-")
    no_traceback(done)
    assert done.returncode == (1 if args[0] == "quiz" else 0), done.stderr
    if args[0] == "quiz":
        assert "no step answered" in done.stdout


def test_quiz_from_an_endless_line_stops_at_the_line_limit():
    """/dev/zero is one line that never ends: read in pieces of MAX_INPUT_LINE, not 4 GB."""
    from bptutor.views.terminal import MAX_INPUT_LINE

    with open(os.devnull if sys.platform == "win32" else "/dev/zero", "rb") as zero:
        done = cli("quiz", "tanh-chain", stdin=zero, timeout=30)
    no_traceback(done)
    if sys.platform != "win32":
        assert done.returncode == 2
        assert done.stderr.startswith(f"<stdin>:1:1: error: the line is longer than "
                                      f"{MAX_INPUT_LINE:,} characters")


def test_quiz_line_limit_and_stray_bytes(run):
    long = "0." + "1" * 5000
    proc = subprocess.run([sys.executable, "-m", "bptutor", "quiz", "tanh-chain"],
                          input=b"-0.8\n\xff\xfe\n" + long.encode() + b"\n", capture_output=True,
                          timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert err.startswith("<stdin>:3:1: error: the line is longer than 4,096 characters")
    assert "not a number" in proc.stdout.decode()  # the stray bytes: an unreadable answer


@pytest.mark.parametrize("value", ["1e300", "-1e300", "1000", "-1000", "0", "1", "1e308"])
@pytest.mark.parametrize("name", ["tanh-chain", "two-hidden-multi-output", "relu-sigmoid",
                                  "graph-sigmoid-exp", "softmax", "logistic-regression"])
def test_quiz_carrying_my_own_overflowing_numbers_never_crashes(name, value):
    """--carry mine with numbers that make later steps overflow (1e300² = inf) or undefined
    (ln 0, exp 1000): every step is still asked and marked."""
    from bptutor.tools.quiz import QuizSession

    session = QuizSession(solve(load(name)), carry="mine")
    asked = 0
    while session.current is not None:
        session.respond(value)
        asked += 1
    result = session.result()
    assert asked == session.total == len(result.report.items)


def test_quiz_view_carrying_overflow_prints_every_step():
    from rich.console import Console

    from bptutor.views.quiz_view import Quiz

    lines = iter(["1e300"] * 100)
    out = io.StringIO()
    result = Quiz(solve(load("tanh-chain")), Console(file=out, width=100),
                  lambda: next(lines, None), carry="mine").run()
    assert result.total > 5 and "Score" in out.getvalue()


@pytest.mark.parametrize("seed", ["-1", "-5"])
def test_train_with_a_negative_seed_is_a_usage_error(run, seed):
    result = run("train", "xor", "--seed", seed)
    assert result.exit_code == 2 and "seed must be 0 or more" in result.stderr


def test_train_refuses_two_ten_thousand_neuron_layers_at_once(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 2\n  layers:\n"
                    "    - neurons: 10000\n      activation: tanh\n"
                    "    - neurons: 10000\n      activation: tanh\n"
                    "    - neurons: 1\n      activation: sigmoid\ninput: [1, 0]\ntarget: [1]\n")
    start = time.perf_counter()
    done = cli("train", path, timeout=60)
    assert time.perf_counter() - start < 20  # before: minutes and 14 GB, then MemoryError
    no_traceback(done)
    assert done.returncode == 2
    assert_located(done.stderr, path, 8, 16, ["would draw 100,020,000 weights, more than the "
                                              "2,000,000"], hint="a few neurons per layer")


def test_train_size_check_counts_drawn_weights_and_activations():
    from bptutor.tools import training

    training._check_size(load("xor"))  # fine
    many = Validator("<many>").network(parse(dense([2, 2, 1], 1), "<many>"))
    many.examples = many.examples * 2_000_000
    with pytest.raises(BptutorError, match="2,000,000 examples × 3 neurons"):
        training._check_size(many)
    with pytest.raises(BptutorError, match="more than the 2,000,000 bptutor trains"):
        Validator("<drawn>", untrained=True).network(parse(
            "bptutor: 1\nloss: squared_error\nnetwork:\n  inputs: 2000\n  layers:\n"
            "    - neurons: 1001\n      activation: tanh\ninput: 0\ntarget: 0\n", "<drawn>"))


def chain(nodes: int) -> str:
    lines = ["bptutor: 1", "kind: graph", "inputs: {a: 0.5}", "nodes:", "  n1: a*1.0001"]
    lines += [f"  n{i}: n{i - 1}*1.0001" for i in range(2, nodes + 1)]
    return "\n".join(lines) + "\n"


def test_a_twenty_thousand_node_chain_is_linear(tmp_path):
    """Before: 115 s (each node scanned every other node). A chain ten times longer must
    not take a hundred times longer: time 2,000 and 20,000 nodes as JSON."""
    from bptutor.sheet.worksheet import solve as solve_sheet

    times = {}
    for n in (2_000, 20_000):
        path = tmp_path / f"chain{n}.yaml"
        path.write_text(chain(n))
        start = time.perf_counter()
        sheet = solve_sheet(load(path), None)
        times[n] = time.perf_counter() - start
        assert len(sheet.steps) == 2 * n and sheet.exact[f"n{n}"] == pytest.approx(
            0.5 * 1.0001 ** n)
    assert times[20_000] < 25 * times[2_000] + 1.0, times


def test_a_graph_with_too_many_nodes_is_refused_at_nodes(tmp_path, run):
    from bptutor.files.problems import MAX_GRAPH_NODES

    path = tmp_path / "long.yaml"
    path.write_text(chain(MAX_GRAPH_NODES + 1))
    result = run("solve", path, "-f", "json")
    assert result.exit_code == 2
    assert_located(result.stderr, path, 5, 3, ["the graph has 20,001 nodes, more than the "
                                               "20,000"], hint="a few nodes")


def test_max_of_500_arguments_is_fast_and_right(tmp_path, run):
    """Before: 40 s, then a RecursionError. ∂max/∂xᵢ is 1 at the first largest argument."""
    names = [f"x{i}" for i in range(500)]
    values = {name: (i * 37 % 500) / 10 for i, name in enumerate(names)}  # no ties: no kink
    path = tmp_path / "max.yaml"
    inputs = ", ".join(f"{k}: {v}" for k, v in values.items())
    path.write_text(f"bptutor: 1\nkind: graph\ninputs: {{{inputs}}}\nnodes:\n"
                    f"  L: max({', '.join(names)})\n")
    start = time.perf_counter()
    doc = json.loads(run("solve", path, "-f", "json").stdout)
    assert time.perf_counter() - start < 10
    steps = {s["key"]: s["value"] for s in doc["steps"]}
    largest = max(values.values())
    first = next(k for k, v in values.items() if v == largest)
    assert steps["L"] == largest
    assert {k: v for k, v in steps.items() if k.startswith("dL/d") and v} == {f"dL/d{first}": 1}
    result = run("gradcheck", path, "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["passed"] is True


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_problem_read_through_a_fifo_nobody_writes_is_refused(tmp_path):
    fifo = tmp_path / "problem.yaml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    done = cli("solve", fifo, timeout=30)
    assert time.perf_counter() - start < 15
    no_traceback(done)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{fifo}:1:1: error: this is a named pipe (FIFO) that nothing "
                                  "writes to")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_fifo_that_is_written_to_is_read(tmp_path):
    fifo = tmp_path / "problem.yaml"
    os.mkfifo(fifo)
    text = (ROOT / "problems" / "xor.yaml").read_bytes()

    def write() -> None:
        with open(fifo, "wb") as pipe:
            pipe.write(text)

    writer = threading.Thread(target=write, daemon=True)  # never keeps the run alive
    writer.start()
    try:
        done = cli("solve", fifo, "-f", "json", timeout=30)
    finally:  # a writer still waiting for a reader is released
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"].startswith("one batch step on XOR")


@pytest.mark.parametrize("args", [("solve", "tanh-chain"), ("--help",), ("solve", "--bogus"),
                                  ("gradcheck", "tanh-chain")])
def test_a_huge_columns_is_clamped(args):
    """COLUMNS=99999999 made rich pad every line to that width (a hang)."""
    from bptutor.views.terminal import MAX_WIDTH

    done = cli(*args, env={"COLUMNS": "99999999", "LINES": "99999999"}, timeout=60)
    no_traceback(done)
    assert done.returncode in (0, 2)
    widest = max(map(len, (done.stdout + done.stderr).splitlines()), default=0)
    assert 0 < widest <= MAX_WIDTH
