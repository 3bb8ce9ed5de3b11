"""How long `bptutor gradcheck` takes on the 64-32-10 network (2,048 + 320 weights, 42 biases).

The perturbed forward passes run as numpy batches, not a Python loop per weight. Prints
the whole command's wall time (process start to exit) and the in-process split between
the exact worksheet (analytic side) and the finite differences (numeric side).
Target: under 2 s for the whole command.

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bptutor_command  # noqa: E402
from scaling import Net, problem_text  # noqa: E402

TARGET = 2.0  # seconds, whole command


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--examples", type=int, default=1)
    args = parser.parse_args()
    net = Net("64-32-10", [64, 32, 10], "softmax")
    text = with_examples(problem_text(net, random.Random(7)), random.Random(8), args.examples)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.yaml"
        path.write_text(text, encoding="utf-8")
        command, how = bptutor_command()
        walls = []
        for _ in range(args.repeat + 1):  # the first run warms the caches
            start = time.perf_counter()
            done = subprocess.run([*command, "gradcheck", str(path), "-f", "json"],
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                sys.exit(f"gradcheck failed ({done.returncode}): {done.stderr[-500:]}")
        from bptutor.files.problems import load
        from bptutor.sheet.worksheet import solve
        from bptutor.tools import gradcheck

        network = load(path)
        start = time.perf_counter()
        solve(network, None, "activation")
        analytic = time.perf_counter() - start
        loss = gradcheck.NetworkLoss(network)
        start = time.perf_counter()
        gradcheck.numeric_gradients(loss, 1e-6, list(range(len(loss.names))))
        numeric = time.perf_counter() - start
        report = gradcheck.check(network)
    wall = statistics.median(walls[1:])
    print(f"command: {how}")
    print(f"network 64-32-10, {len(loss.names):,} parameters, {args.examples} example(s), "
          f"{2 * len(loss.names):,} perturbed forward passes in batches of "
          f"{loss.batch_size()}")
    print(f"in process: exact worksheet {analytic:.3f} s, finite differences {numeric:.3f} s")
    print(f"worst relative error {report.worst.rel_error:.1e} ({report.worst.verdict})")
    verdict = "meets" if wall < TARGET else "MISSES"
    print(f"whole command: {wall:.3f} s wall, median of {args.repeat} "
          f"({verdict} target < {TARGET:.0f} s)")


if __name__ == "__main__":
    main()
