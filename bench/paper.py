"""The cost of paper arithmetic (SPEC §3): per-step time of ``solve`` and ``check`` against
the last float-arithmetic commit, measured in one run.

Run from the repository root::

    python bench/paper.py [--base 23966a2] [--runs 5]

The base commit is checked out with ``git worktree add`` into a temporary folder (removed
afterwards); both trees run under this interpreter, the base one through PYTHONPATH. Each
command is timed as a whole process on a generated network large enough for its steps to
dominate (30 inputs, hidden layers of 30 tanh and 30 sigmoid units, 10 sigmoid outputs,
round 3, a learning rate: 4,551 steps) and on a net of one neuron per layer; the per-step
time is (big − tiny) / (their difference in steps) in CPU seconds (user + system, which a
busy machine disturbs less than wall time), the median of ``--runs`` runs. ``check`` grades an
answers file holding every step's right value. The headline is

    per-step time (working tree) ÷ per-step time (base)    for solve and for check

with a target of at most 1.5. A measurement, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "23966a2"  # the last commit whose worksheet computed in binary floats
TARGET_RATIO = 1.5


def network_yaml(widths: list[int], seed: int = 1) -> str:
    """A problem with these layer widths (the first is the input count), round 3."""
    rng = random.Random(seed)
    acts = ["tanh", "sigmoid", "sigmoid"]
    lines = ["bptutor: 1", "title: paper benchmark", "round: 3", "loss: squared_error",
             "network:", f"  inputs: {widths[0]}", "  layers:"]
    for k, (fan_in, width) in enumerate(zip(widths, widths[1:])):
        rows = [[round(rng.uniform(-0.5, 0.5), 2) for _ in range(fan_in)] for _ in range(width)]
        bias = [round(rng.uniform(-0.5, 0.5), 2) for _ in range(width)]
        lines += [f"    - neurons: {width}", f"      activation: {acts[min(k, 2)]}",
                  f"      weights: {rows}", f"      bias: {bias}"]
    lines += [f"input: {[round(rng.uniform(0, 1), 1) for _ in range(widths[0])]}",
              f"target: {[rng.choice([0, 1]) for _ in range(widths[-1])]}",
              "learning_rate: 0.5"]
    return "\n".join(lines) + "\n"


def run_once(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """CPU seconds (user + system) of one whole process: a machine busy with other work
    disturbs it less than wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"command failed ({done.returncode}): {' '.join(argv)}\n"
                 f"{done.stderr.decode(errors='replace')}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def answers_for(problem: Path, out: Path, env: dict[str, str]) -> int:
    """An answers file with every step's right value; returns the number of steps."""
    solved = subprocess.run([sys.executable, "-m", "bptutor", "solve", str(problem), "-f",
                             "json"], env=env, capture_output=True, text=True, check=True)
    steps = json.loads(solved.stdout)["steps"]
    lines = [f"problem: {problem}", "answers:"]
    lines += [f"  {json.dumps(s['key'])}: {s['value']!r}" for s in steps]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bptutor-paper-bench-"))
    base_tree = work / "base"
    subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), args.base],
                   cwd=ROOT, check=True, capture_output=True)
    try:
        big, tiny = work / "big.yaml", work / "tiny.yaml"
        big.write_text(network_yaml([30, 30, 30, 10]), encoding="utf-8")
        tiny.write_text(network_yaml([1, 1, 1, 1]), encoding="utf-8")
        trees = {"base": base_tree, "paper": ROOT}
        envs = {name: {**os.environ, "PYTHONPATH": str(tree)} for name, tree in trees.items()}
        steps = {}
        for size, path in (("big", big), ("tiny", tiny)):
            steps[size] = answers_for(path, work / f"{size}-answers.yaml", envs["paper"])
        per_step: dict[tuple[str, str], float] = {}
        python = [sys.executable, "-m", "bptutor"]
        commands = {"solve": lambda p: [*python, "solve", str(p), "-f", "json"],
                    "check": lambda p: [*python, "check", str(work / f"{p.stem}-answers.yaml"),
                                        "-f", "json"]}
        for command, argv in commands.items():
            for name, tree in trees.items():
                run_once(argv(tiny), envs[name], tree)  # warm-up: bytecode, disk cache
                samples = []
                for _ in range(args.runs):
                    t_big = run_once(argv(big), envs[name], tree)
                    t_tiny = run_once(argv(tiny), envs[name], tree)
                    samples.append((t_big - t_tiny) / (steps["big"] - steps["tiny"]))
                per_step[command, name] = statistics.median(samples)
        print(f"base {args.base} against the working tree; {steps['big']} steps "
              f"(tiny net: {steps['tiny']}), median of {args.runs} runs")
        for command in commands:
            base, paper = per_step[command, "base"], per_step[command, "paper"]
            ratio = paper / base
            verdict = "ok" if ratio <= TARGET_RATIO else f"above the target {TARGET_RATIO}"
            print(f"{command:6} per step: base {base * 1e6:7.1f} µs, paper {paper * 1e6:7.1f} µs,"
                  f" ratio {ratio:.2f} ({verdict})")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=ROOT,
                       capture_output=True)
        for path in sorted(work.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        work.rmdir()


if __name__ == "__main__":
    main()
