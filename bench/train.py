"""How fast `bptutor train` runs, against its floor: a minimal numpy loop doing the same updates.

Measured in one run, in process, with the networks taken in turn round after round:

* **per epoch**, batch gradient descent (one update per epoch, E recorded after each):
  ``training.train``'s epoch loop against a hand-written numpy loop over the same weights,
  examples and learning rate (forward, E, backward, in-place update; one more forward for
  the last E), on XOR (2-2-1 sigmoid, ½Σ(t − y)², the bundled problem) and on 64-1000-10
  (tanh, softmax with cross-entropy, 8 examples, weights drawn). Target (issue 13): at most
  2× the floor on both.
* **set-up**: reading the file and everything ``train`` does besides its epochs (the
  parameter vector, the first E, the result's network, predictions and hidden units), for
  64-500-10 up to 64-4000-10, per weight. Target: linear, so the per-weight time at
  64-4000-10 over that at 64-500-10 stays near 1 (it was quadratic: 1.7 s at 64-4000-10).

    python bench/train.py [--repeat 5] [--epochs 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT  # noqa: E402

TARGET_RATIO = 2.0
SETUP_SIZES = (500, 1000, 2000, 4000)
EXAMPLES = 8


def untrained_text(hidden: int, examples: int = EXAMPLES) -> str:
    """64-hidden-10: tanh, softmax with cross-entropy, weights left out (drawn by train)."""
    rng = random.Random(hidden)
    lines = ["bptutor: 1", f"title: train benchmark 64-{hidden}-10", "loss: cross_entropy",
             "network:", "  inputs: 64", "  layers:",
             f"    - neurons: {hidden}", "      activation: tanh", "      bias: 0",
             "    - neurons: 10", "      activation: softmax", "      bias: 0", "examples:"]
    for e in range(examples):
        x = ", ".join(f"{rng.uniform(0, 1):.1f}" for _ in range(64))
        lines.append(f"  - {{input: [{x}], target: y{e % 10 + 1}}}")
    return "\n".join(lines) + "\n"


def floor_epochs(net, params: np.ndarray, layout, rate: float, epochs: int) -> float:
    """Seconds of the minimal loop: batch gradient descent, E after every epoch."""
    (w1, b1, s1), (w2, b2, s2) = layout
    W1, B1 = params[w1].reshape(s1).copy(), params[b1].copy()
    W2, B2 = params[w2].reshape(s2).copy(), params[b2].copy()
    x = np.array([e.inputs for e in net.examples])
    t = np.array([e.targets for e in net.examples])
    hidden = net.layers[0].activations[0].name
    softmax = net.layers[1].softmax
    losses = []

    def forward():
        z1 = x @ W1.T + B1
        a1 = np.tanh(z1) if hidden == "tanh" else 1 / (1 + np.exp(-z1))
        z2 = a1 @ W2.T + B2
        if softmax:
            shifted = z2 - z2.max(axis=1, keepdims=True)
            log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            return a1, np.exp(log_y), float(-(t * log_y).sum())
        y = 1 / (1 + np.exp(-z2))
        return a1, y, float(0.5 * ((t - y) ** 2).sum())

    start = time.perf_counter()
    for _ in range(epochs):
        a1, y, e = forward()
        losses.append(e)
        d2 = y - t if softmax else (y - t) * y * (1 - y)
        g1 = d2 @ W2
        d1 = g1 * (1 - a1 ** 2) if hidden == "tanh" else g1 * a1 * (1 - a1)
        W2 -= rate * (d2.T @ a1)
        B2 -= rate * d2.sum(axis=0)
        W1 -= rate * (d1.T @ x)
        B1 -= rate * d1.sum(axis=0)
    losses.append(forward()[2])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()
    from bptutor.files.problems import load
    from bptutor.tools import training

    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for hidden in SETUP_SIZES:
            paths[hidden] = Path(folder) / f"64-{hidden}-10.yaml"
            paths[hidden].write_text(untrained_text(hidden), encoding="utf-8")
        cases = {"XOR": load(ROOT / "problems" / "xor.yaml"),
                 "64-1000-10": load(paths[1000], untrained=True)}
        epoch_times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        setup_times: dict[int, list[float]] = {hidden: [] for hidden in SETUP_SIZES}
        settings = training.Settings(epochs=args.epochs, learning_rate=0.1)
        for round_ in range(args.repeat + 1):  # round 0 warms the caches; dropped below
            for name, net in cases.items():
                layout = training.Model(net).loss.layout
                start_params, _ = training.initial_parameters(
                    net, np.random.default_rng(settings.seed))
                floor = floor_epochs(net, start_params, layout, 0.1, args.epochs)
                ours = training.train(net, settings).seconds
                floor = min(floor, floor_epochs(net, start_params, layout, 0.1, args.epochs))
                ours = min(ours, training.train(net, settings).seconds)
                if round_:  # each side's better of two runs, interleaved
                    epoch_times[name].append((ours, floor))
            for hidden in SETUP_SIZES:
                start = time.perf_counter()
                net = load(paths[hidden], untrained=True)
                result = training.train(net, training.Settings(epochs=1))
                if round_:
                    setup_times[hidden].append(time.perf_counter() - start - result.seconds)
    print(f"per epoch, batch mode, {args.epochs} epochs; medians of {args.repeat} rounds "
          "(the ratio: median of each round's own ratio, as other load hits both alike):")
    for name, pairs in epoch_times.items():
        ours = statistics.median(p[0] for p in pairs) / args.epochs
        floor = statistics.median(p[1] for p in pairs) / args.epochs
        ratio = statistics.median(p[0] / p[1] for p in pairs)
        verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
        print(f"  {name:>10}: train {ours * 1e6:8.1f} µs, numpy loop {floor * 1e6:8.1f} µs: "
              f"{ratio:.2f}× ({verdict} ≤ {TARGET_RATIO:g}×)")
    print("set-up (load + train besides its epochs), per weight:")
    per_weight = {}
    for hidden in SETUP_SIZES:
        weights = 64 * hidden + hidden * 10
        seconds = statistics.median(setup_times[hidden])
        per_weight[hidden] = seconds / weights
        print(f"  64-{hidden}-10: {seconds:.3f} s, {weights:,} weights, "
              f"{per_weight[hidden] * 1e6:.2f} µs per weight")
    growth = per_weight[SETUP_SIZES[-1]] / per_weight[SETUP_SIZES[0]]
    print(f"per-weight set-up time, 64-{SETUP_SIZES[-1]}-10 over 64-{SETUP_SIZES[0]}-10: "
          f"{growth:.2f} (1 is linear; 8 would be quadratic)")


if __name__ == "__main__":
    main()
