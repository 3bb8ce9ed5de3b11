"""How long `bptutor gradcheck` takes, against its floor: a minimal numpy central-difference loop.

For 64-32-10 (2,048 + 320 weights, 42 biases) and 256-128-10 (34,186 weights and biases),
measured in one run with the sizes taken in turn:

* the whole command ``bptutor gradcheck FILE -f json`` (process start to exit), median wall;
* ``gradcheck.check`` in process (exact side, finite differences, verdicts), median;
* the floor: a minimal numpy loop over the same parameters, each moved by ±ε in place and
  E recomputed by a plain forward pass (tanh hidden layer, softmax, cross-entropy);

and prints check / floor and command / floor. Target (issue 15): check at most 2× the floor
at 256-128-10, which the worksheet's 20,000-step cap refused before.

    python bench/gradcheck.py [--repeat 5] [--examples 1]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bptutor_command  # noqa: E402
from scaling import Net, problem_text  # noqa: E402

TARGET_RATIO = 2.0  # check / floor at 256-128-10
EPS = 1e-6


def with_examples(text: str, rng: random.Random, count: int) -> str:
    """The same network over ``count`` inputs (the first keeps the written target)."""
    if count == 1:
        return text
    head, _, tail = text.partition("input: ")
    x, _, rest = tail.partition("\n")
    target, _, rest = rest.partition("\n")
    target = target.removeprefix("target: ")
    lines = [head + "examples:", f"  - {{input: {x}, target: {target}}}"]
    size = x.count(",") + 1
    for _ in range(count - 1):
        xs = ", ".join(f"{rng.uniform(0, 1):.1f}" for _ in range(size))
        lines.append(f"  - {{input: [{xs}], target: {target}}}")
    return "\n".join(lines) + "\n" + rest


def floor_loop(network) -> float:
    """Seconds of the minimal central-difference loop: every weight and bias moved in place,
    E by a plain forward pass over all examples (tanh hidden, softmax, cross-entropy)."""
    layers = [(np.array(layer.weights), np.array(layer.bias)) for layer in network.layers]
    x = np.array([e.inputs for e in network.examples])
    t = np.array([e.targets for e in network.examples])

    def loss() -> float:
        a = x
        for k, (w, b) in enumerate(layers):
            z = a @ w.T + b
            a = np.tanh(z) if k < len(layers) - 1 else z
        top = a.max(axis=1, keepdims=True)
        log_y = a - top - np.log(np.exp(a - top).sum(axis=1, keepdims=True))
        return float(-(t * log_y).sum())

    start = time.perf_counter()
    for w, b in layers:
        for array in (w.reshape(-1), b):
            for i in range(len(array)):
                keep = array[i]
                array[i] = keep + EPS
                up = loss()
                array[i] = keep - EPS
                down = loss()
                array[i] = keep
                _ = (up - down) / (2 * EPS)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--examples", type=int, default=1)
    args = parser.parse_args()
    from bptutor.files.problems import load
    from bptutor.tools import gradcheck

    nets = [Net("64-32-10", [64, 32, 10], "softmax"), Net("256-128-10", [256, 128, 10], "softmax")]
    command, how = bptutor_command()
    print(f"command: {how}")
    with tempfile.TemporaryDirectory() as folder:
        paths, networks = [], []
        for net in nets:
            text = with_examples(problem_text(net, random.Random(7)), random.Random(8),
                                 args.examples)
            path = Path(folder) / f"{net.label}.yaml"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
            networks.append(load(path))
        times: dict[str, list[list[float]]] = {net.label: [[], [], []] for net in nets}
        for _ in range(args.repeat + 1):  # the first round warms the caches; dropped below
            for net, path, network in zip(nets, paths, networks):
                walls = times[net.label]
                start = time.perf_counter()
                done = subprocess.run([*command, "gradcheck", str(path), "-f", "json"],
                                      capture_output=True, text=True)
                walls[0].append(time.perf_counter() - start)
                if done.returncode != 0:
                    sys.exit(f"gradcheck failed ({done.returncode}): {done.stderr[-500:]}")
                start = time.perf_counter()
                report = gradcheck.check(network)
                walls[1].append(time.perf_counter() - start)
                walls[2].append(floor_loop(network))
        for net, network in zip(nets, networks):
            command_s, check_s, floor_s = (statistics.median(w[1:]) for w in times[net.label])
            report = gradcheck.check(network)
            count = len(report.items)
            print(f"{net.label}: {count:,} parameters, {args.examples} example(s); worst "
                  f"relative error {report.worst.rel_error:.1e} ({report.worst.verdict})")
            print(f"  floor (numpy loop, {2 * count:,} forward passes) {floor_s:.3f} s; "
                  f"check {check_s:.3f} s = {check_s / floor_s:.2f}× floor; whole command "
                  f"{command_s:.3f} s = {command_s / floor_s:.2f}× floor")
        last = times[nets[-1].label]
        # each round's own ratio (its two runs back to back), then the median: other load
        # on the machine then hits both sides of a ratio alike
        ratio = statistics.median(c / f for c, f in zip(last[1][1:], last[2][1:]))
        verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
        print(f"{nets[-1].label}: check / floor = {ratio:.2f} ({verdict} target ≤ "
              f"{TARGET_RATIO:g}×), median of {args.repeat} rounds' ratios")


if __name__ == "__main__":
    main()
