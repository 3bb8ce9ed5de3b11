"""Grading speed: 1,000 answers files against one problem, against PyYAML alone loading them.

Run from the repository root:  python bench/check.py
Prints the time to read and grade every file in-process (one problem solved once), the time
PyYAML alone takes to load the same files (pure-Python SafeLoader and libyaml's CSafeLoader),
the ratios (target ≤ 2), and the wall time of the whole `bptutor check` command.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bptutor.files import answers  # noqa: E402
from bptutor.files.problems import load  # noqa: E402
from bptutor.sheet.worksheet import solve  # noqa: E402
from bptutor.tools.grading import Grader  # noqa: E402

FILES = 1000
PROBLEM = ROOT / "problems" / "tanh-chain.yaml"


def write_files(folder: Path) -> list[Path]:
    """Answers files as a class would hand them in: mostly right, some slips."""
    sheet = solve(load(PROBLEM))
    rng = random.Random(7)
    paths = []
    for n in range(FILES):
        lines = [f"problem: {PROBLEM}", f"student: student{n}", "answers:"]
        for step in sheet.steps:
            value = sheet.values[step.key]
            roll = rng.random()
            if roll < 0.05:
                lines.append(f"  {step.key}:")
                continue
            if roll < 0.15:
                value = -value
            elif roll < 0.25:
                value += rng.choice((-0.02, 0.01, 0.3))
            lines.append(f"  {step.key}: {value:.2f}")
        path = folder / f"a{n:04}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp))

        def grade_all():
            grader = Grader(solve(load(PROBLEM)))
            for path in paths:
                grader.grade(answers.load(path))

        def pyyaml(loader):
            def run():
                for path in paths:
                    yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
            return run

        ours = best_of(3, grade_all)
        pure = best_of(3, pyyaml(yaml.SafeLoader))
        fast = best_of(3, pyyaml(getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bptutor", "check", *map(str, paths), "-f", "json"],
                       capture_output=True, check=False)
        wall = time.perf_counter() - start

    print(f"{FILES} answers files, {len(solve(load(PROBLEM)).steps)} steps each (tanh-chain)")
    print(f"  read + grade (in process)          {ours:7.3f} s   {ours / FILES * 1e3:6.2f} ms/file")
    print(f"  PyYAML SafeLoader (pure Python)    {pure:7.3f} s   ratio {ours / pure:5.2f}")
    print(f"  PyYAML CSafeLoader (libyaml)       {fast:7.3f} s   ratio {ours / fast:5.2f}")
    print(f"  bptutor check … -f json (wall)     {wall:7.3f} s")
    print("target: ratio ≤ 2 against PyYAML loading the same files")


if __name__ == "__main__":
    main()
