"""How ``bptutor solve`` scales with the size of the network.

Run from the repository root::

    python bench/scaling.py [--runs 7] [--keep DIR] [--max-weights 5000]

Generates problem files (into a temporary folder, or ``--keep DIR``) for networks of growing
size, all of the same shape — inputs n, one tanh hidden layer of n/2, a softmax output of
min(10, n/4) neurons with cross_entropy, biases everywhere, round 2, learning_rate 0.1 —
plus the 2-2-1 textbook toy (sigmoid, squared_error) and the 64-32-10 MNIST-style net.
For each it times, after one warm-up and with the sizes taken in turn round after round
(so that a busy moment of the machine lands on all of them alike):

* ``bptutor solve FILE --format json`` as a whole process: median wall time of ``--runs``,
  and the median CPU time of the process, which a busy machine disturbs less;
* the same work in-process: ``bptutor.files.problems.load`` + ``bptutor.sheet.worksheet.solve`` +
  ``bptutor.views.json_view.render``: median wall time, and the CPU time of each part
  with the garbage collector's share (from ``gc.callbacks``);

and prints the step count (read from the JSON) and microseconds per step, so one can see
whether the time per step stays flat from 10 to 5,000 weights (``--max-weights 20000``
goes further). Target: 64-32-10 under one
second wall time. Weights come from a fixed seed: numbers with 1–2 decimals in [-1, 1]
(scaled by 1/√fan-in so that tanh does not saturate and no softmax output rounds to 0).
This is a measurement, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import ROOT, add_bytecode_option, bptutor_command, child_environment

SEED = 20240
TARGET_64_32_10 = 1.0  # seconds, whole process


@dataclass
class Net:
    label: str
    sizes: list[int]  # units per layer: inputs, hidden..., outputs
    output: str  # "softmax" (with cross_entropy) or "sigmoid" (with squared_error)

    @property
    def weights(self) -> int:
        return sum(a * b for a, b in zip(self.sizes, self.sizes[1:]))

    @property
    def biases(self) -> int:
        return sum(self.sizes[1:])


def family(n: int) -> list[int]:
    """The shape all sized networks share: n - n/2 - min(10, n/4)."""
    return [n, max(1, n // 2), min(10, max(2, n // 4))]


def sized(target: int) -> Net:
    """The member of the family whose weight count comes closest to ``target``."""
    best = min(range(2, 400), key=lambda n: abs(Net("", family(n), "").weights - target))
    sizes = family(best)
    return Net(f"~{target:,} weights", sizes, "softmax")


def networks(max_weights: int) -> list[Net]:
    nets = [Net("2-2-1 toy", [2, 2, 1], "sigmoid")]
    nets += [sized(t) for t in (10, 100, 1_000, 2_500, 5_000, 10_000, 20_000) if t <= max_weights]
    nets.append(Net("64-32-10 (target)", [64, 32, 10], "softmax"))
    return nets


# -- writing problems ------------------------------------------------------------------------

def number(rng: random.Random, limit: float) -> str:
    """A number with one or two decimals in [-limit, limit] ⊆ [-1, 1], never -0."""
    value = round(rng.uniform(-limit, limit), 2)
    return repr(value + 0.0) if value != 0 else "0.0"


def forward(weights: list[list[list[float]]], biases: list[list[float]], x: list[float],
            output: str) -> list[float]:
    """Exact forward pass (tanh hidden), to pick a target the softmax already favours."""
    a = x
    for k, (w, b) in enumerate(zip(weights, biases)):
        z = [sum(wi * ai for wi, ai in zip(row, a)) + bj for row, bj in zip(w, b)]
        if k < len(weights) - 1:
            a = [math.tanh(v) for v in z]
        elif output == "softmax":
            top = max(z)
            e = [math.exp(v - top) for v in z]
            a = [v / sum(e) for v in e]
        else:
            a = [1 / (1 + math.exp(-v)) for v in z]
    return a


def problem_text(net: Net, rng: random.Random) -> str:
    sizes = net.sizes
    lines = ["bptutor: 1", f"title: scaling benchmark {'-'.join(map(str, sizes))}",
             "round: 2", "notation: activation",
             f"loss: {'cross_entropy' if net.output == 'softmax' else 'squared_error'}",
             "network:", f"  inputs: {sizes[0]}", "  layers:"]
    all_w, all_b = [], []
    for k, (fan_in, n) in enumerate(zip(sizes, sizes[1:]), start=1):
        limit = min(1.0, 1.0 / math.sqrt(fan_in))
        rows = [[number(rng, max(limit, 0.1)) for _ in range(fan_in)] for _ in range(n)]
        bias = [number(rng, 0.1) for _ in range(n)]
        all_w.append([[float(v) for v in row] for row in rows])
        all_b.append([float(v) for v in bias])
        activation = "tanh" if k < len(sizes) - 1 else net.output
        lines += [f"    - neurons: {n}", f"      activation: {activation}", "      weights:"]
        lines += [f"        - [{', '.join(row)}]" for row in rows]
        lines.append(f"      bias: [{', '.join(bias)}]")
    x = [f"{rng.uniform(0, 1):.1f}" for _ in range(sizes[0])]
    y = forward(all_w, all_b, [float(v) for v in x], net.output)
    if net.output == "softmax":
        best = y.index(max(y))
        target = ["1" if j == best else "0" for j in range(len(y))]
    else:
        target = [f"{rng.uniform(0, 1):.1f}" for _ in y]
    lines += [f"input: [{', '.join(x)}]", f"target: [{', '.join(target)}]",
              "learning_rate: 0.1", ""]
    return "\n".join(lines)


# -- timing ----------------------------------------------------------------------------------

def run_cli(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """One whole process: wall seconds, its CPU seconds (user + system) and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(argv)}\n"
                 f"{done.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.decode()


class GcClock:
    """Seconds the cyclic garbage collector runs, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._start = 0.0
        gc.callbacks.append(self._tick)

    def _tick(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.spent += time.perf_counter() - self._start


GC = GcClock()


def run_library(path: Path) -> dict[str, float]:
    """Load, solve and render in this process: CPU seconds of each, their total in wall and
    CPU seconds, and the seconds the garbage collector took within them."""
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve
    from bptutor.views import json_view

    gc.collect()  # start each run from the same heap, not with the last run's garbage
    gc_before = GC.spent
    w0, c0 = time.perf_counter(), time.process_time()
    network = load(path)
    c1 = time.process_time()
    sheet = solve(network)
    c2 = time.process_time()
    json_view.render(sheet)
    w3, c3 = time.perf_counter(), time.process_time()
    return {"load": c1 - c0, "solve": c2 - c1, "render": c3 - c2, "cpu": c3 - c0,
            "wall": w3 - w0, "gc": GC.spent - gc_before}


@dataclass
class Result:
    net: Net
    path: Path
    steps: int = 0
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    libs: list[dict[str, float]] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def lib(self) -> dict[str, float]:
        """The median in-process run (by CPU time), so that its parts add up to its total."""
        return sorted(self.libs, key=lambda s: s["cpu"])[len(self.libs) // 2]

    @property
    def lib_wall(self) -> float:
        return statistics.median(s["wall"] for s in self.libs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per size (7)")
    parser.add_argument("--max-weights", type=int, default=5_000,
                        help="largest sized network, in weights (5000; up to 20000)")
    parser.add_argument("--keep", type=Path, help="write the problems here and keep them")
    add_bytecode_option(parser)
    args = parser.parse_args()
    with child_environment(args.bytecode) as (env, bytecode):
        report(args, env, bytecode)


def report(args: argparse.Namespace, env: dict[str, str], bytecode: str) -> None:
    sys.path.insert(0, str(ROOT))  # the library of this checkout, even if not installed
    bptutor, how = bptutor_command()
    print(f"python   : {sys.executable} ({sys.version.split()[0]})")
    print(f"bptutor  : {how}")
    print(f"bytecode : {bytecode}")
    print(f"machine  : {os.cpu_count()} CPUs, {sys.platform}, load average "
          f"{os.getloadavg()[0]:.2f}; median of {args.runs} runs, sizes interleaved; "
          f"seed {SEED}")
    print("networks : n - n/2 (tanh) - min(10, n/4) (softmax, cross_entropy), biases, round 2, "
          "learning_rate 0.1")
    print()

    with tempfile.TemporaryDirectory(prefix="bptutor-scaling-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(SEED)
        results = []
        for net in networks(args.max_weights):
            path = folder / f"net-{'-'.join(map(str, net.sizes))}.yaml"
            path.write_text(problem_text(net, rng), encoding="utf-8")
            results.append(Result(net, path))
        # warm-up (and the step count), then every size once per round, so that a busy
        # moment of the machine lands on all sizes alike rather than on one
        for r in results:
            _, _, output = run_cli([*bptutor, "solve", str(r.path), "--format", "json"], env)
            r.steps = len(json.loads(output)["steps"])
            run_library(r.path)
        for _ in range(args.runs):
            for r in results:
                wall, cpu, _ = run_cli([*bptutor, "solve", str(r.path), "--format", "json"], env)
                r.walls.append(wall)
                r.cpus.append(cpu)
                r.libs.append(run_library(r.path))

        head = (f"{'network':<18} {'shape':>9} {'weights':>7} {'steps':>6} "
                f"| {'wall s':>6} {'µs/step':>7} {'cpu s':>6} "
                f"| {'wall s':>6} {'µs/step':>7} {'cpu µs':>6} {'load':>5} {'solve':>5} "
                f"{'render':>6} {'gc':>5}")
        first, second = head.index("|"), head.index("|", head.index("|") + 1)
        print(" " * first + "| bptutor solve -f json".ljust(second - first)
              + "| in-process load + solve + render: CPU ms of each, gc within")
        print(head)
        print("-" * len(head))
        for r in results:
            net, lib = r.net, r.lib
            print(f"{net.label:<18} {'-'.join(map(str, net.sizes)):>9} {net.weights:>7,} "
                  f"{r.steps:>6,} | {r.wall:>6.3f} {r.wall / r.steps * 1e6:>7.0f} "
                  f"{r.cpu:>6.3f} | {r.lib_wall:>6.3f} {r.lib_wall / r.steps * 1e6:>7.1f} "
                  f"{lib['cpu'] / r.steps * 1e6:>6.1f} {lib['load'] * 1e3:>5.0f} "
                  f"{lib['solve'] * 1e3:>5.0f} {lib['render'] * 1e3:>6.0f} "
                  f"{lib['gc'] * 1e3:>5.0f}")
        if args.keep:
            print(f"\nproblems kept in {folder}")

    print()
    sized_rows = [r for r in results if r.net.label.startswith("~")]
    big = [r for r in sized_rows if r.net.weights >= 100]  # below, fixed costs dominate
    if big:
        cpu = [r.lib["cpu"] / r.steps * 1e6 for r in big]
        nogc = [(r.lib["cpu"] - r.lib["gc"]) / r.steps * 1e6 for r in big]
        print(f"in-process CPU µs/step, {big[0].net.label} to {big[-1].net.label}: "
              f"{min(cpu):.1f} to {max(cpu):.1f} ({max(cpu) / min(cpu):.2f}x); "
              f"less the gc's share: {min(nogc):.1f} to {max(nogc):.1f} "
              f"({max(nogc) / min(nogc):.2f}x). Flat means linear time.")
    if len(sized_rows) >= 2:
        small, large = sized_rows[0], sized_rows[-1]
        marginal = (large.cpu - small.cpu) / (large.steps - small.steps) * 1e6
        print(f"whole process, CPU time: fixed cost ≈ {small.cpu * 1e3:.0f} ms "
              f"({small.net.label}), then {marginal:.1f} µs per step up to {large.net.label}")
    last = results[-1]
    verdict = "meets" if last.wall < TARGET_64_32_10 else "MISSES"
    print(f"64-32-10: {last.steps:,} steps in {last.wall:.3f} s wall, {last.cpu:.3f} s CPU "
          f"({verdict} target < {TARGET_64_32_10:.0f} s)")


if __name__ == "__main__":
    main()
