"""Grading speed: 1,000 answers files against one problem, against PyYAML alone loading them.

Run from the repository root:  python bench/check.py
Prints the time to read and grade every file in-process (one problem solved once), the time
PyYAML alone takes to load the same files (pure-Python SafeLoader and libyaml's CSafeLoader),
the ratios, and the wall time of the whole `bptutor check` command; then the CPU time of the
whole ``check -f json`` process against a whole process that loads the same files with
CSafeLoader (``python -c``; target ≤ 2), and against CSafeLoader's in-process time; its peak
memory at 10,000 files (a fresh child's RUSAGE_CHILDREN; target ≤ 100 MiB), and the smaller
costs (--csv, the missing-term diagnosis, "did you mean") per item at a size and at 10× it.
"""

from __future__ import annotations

import os
import random
import resource
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


def write_files(folder: Path, count: int = FILES) -> list[Path]:
    """Answers files as a class would hand them in: mostly right, some slips."""
    sheet = solve(load(PROBLEM))
    rng = random.Random(7)
    paths = []
    for n in range(count):
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


def best_of(runs: int, fn, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


# -- check -f json: the whole command, and its memory -------------------------------------------

def command(paths: list[Path]) -> list[str]:
    return [sys.executable, "-m", "bptutor", "check", *map(str, paths), "-f", "json"]


# the floor as a whole command too: Python starting, importing PyYAML and loading every file
FLOOR = ("import sys, yaml\n"
         "for path in sys.argv[1:]:\n"
         "    with open(path, encoding='utf-8') as f:\n"
         "        yaml.load(f.read(), Loader=yaml.CSafeLoader)\n")


def floor_command(paths: list[Path]) -> list[str]:
    return [sys.executable, "-c", FLOOR, *map(str, paths)]


# as on a user's machine, where pip has compiled the modules: a child may write (and then
# reads) the bytecode cache even where this shell sets PYTHONDONTWRITEBYTECODE
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def child_cpu(argv: list[str]) -> float:
    """CPU seconds (user + system) of one whole command, its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=CHILD_ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peak_mib(argv: list[str]) -> float:
    """Peak resident memory of one command: a fresh child runs it and reads the largest of
    its children (RUSAGE_CHILDREN), so no earlier run of this script counts."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
            "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=CHILD_ENV).stdout
    return int(out) / 1024  # Linux gives KiB


MEMORY_FILES = 10_000


# -- the smaller costs: per-item cost at 10× the size ------------------------------------------

def per_item(sizes: tuple[int, int], run) -> tuple[float, float]:
    """Seconds per item of ``run(size)`` (best of 3) at each size."""
    return tuple(min(_timed(run, size) for _ in range(3)) / size  # type: ignore[return-value]
                 for size in sizes)


def _timed(run, size: int) -> float:
    prepared = run(size)
    start = time.process_time()
    prepared()
    return time.process_time() - start


def gradebook(keys: int):
    """--csv of 10 files of ``keys`` steps each (per item: a key)."""
    from bptutor.tools.grading import Item, Report
    from bptutor.views.gradebook import gradebook_csv

    reports = [Report(f"a{n}.yaml", None, None,  # type: ignore[arg-type]
                      [Item(f"dE/dw{i}", 0.5, 0.5, 0.5, "correct") for i in range(keys)])
               for n in range(10)]
    return lambda: gradebook_csv(reports)  # type: ignore[arg-type]


def left_out(terms: int, rebuilt: bool = False):
    """The mistakes of one wrong sum of ``terms`` products w·x (per item: a term)."""
    from bptutor.model.rounding import Rounding
    from bptutor.sheet.ops import Product, Ref, Sum
    from bptutor.tools import grading

    rng = random.Random(terms)
    op = Sum([Product([Ref(f"w{i}", f"w{i}"), Ref(f"x{i}", f"x{i}")]) for i in range(terms)])
    values = [round(rng.uniform(-1, 1), 2) for _ in op.inputs]
    few = grading._FEW_INPUTS

    def run():
        grading._FEW_INPUTS = 10**9 if rebuilt else few
        try:
            for _ in grading.mistaken_values(grading.mistakes(op), values, Rounding(2)):
                pass
        finally:
            grading._FEW_INPUTS = few
    return run


def nearest(steps: int, old: bool = False):
    """"Did you mean" for 50 mistyped keys against ``steps`` keys of a sheet's forms (per
    item: a step key searched)."""
    import difflib

    from bptutor.tools.grading import NearestKey

    keys = [f"{form}W{k}[{i},{j}]{close}" for k in (1, 2) for i in range(1, steps // 200 + 2)
            for j in range(1, 51) for form, close in (("", ""), ("dE/d", ""), ("new(", ")"))]
    keys = keys[:steps]
    rng = random.Random(5)
    words = [k[:-1] + "x" for k in rng.sample(keys, 50)]
    if old:
        return lambda: [difflib.get_close_matches(w, keys, n=1, cutoff=0.5) for w in words]
    return lambda: list(map(NearestKey(keys), words))  # the index made once per sheet


def smaller_costs() -> None:
    print("smaller costs: time per item at a size and at 10× it (linear: ratio about 1)")
    for label, run, sizes in (
            ("check --csv, per key", gradebook, (1_000, 10_000)),
            ("missing-term diagnosis, per term", left_out, (200, 2_000)),
            ("  the same, each sum rebuilt (before)", lambda n: left_out(n, True), (200, 2_000)),
            ("did you mean (50 words), per step key", nearest, (1_000, 10_000)),
            ("  the same, difflib on every key (before)", lambda n: nearest(n, True),
             (1_000, 10_000))):
        small, large = per_item(sizes, run)
        print(f"  {label:<42} {small * 1e6:8.2f} µs at {sizes[0]:>6,}  {large * 1e6:8.2f} µs "
              f"at {sizes[1]:>6,}  ratio {large / small:5.2f}")


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
        fast_cpu = best_of(3, pyyaml(getattr(yaml, "CSafeLoader", yaml.SafeLoader)),
                           time.process_time)
        subprocess.run(command(paths), capture_output=True, check=False, env=CHILD_ENV)  # warm
        start = time.perf_counter()
        subprocess.run(command(paths), capture_output=True, check=False, env=CHILD_ENV)
        wall = time.perf_counter() - start
        json_cpu = min(child_cpu(command(paths)) for _ in range(5))
        floor_cpu = min(child_cpu(floor_command(paths)) for _ in range(5))

    print(f"{FILES} answers files, {len(solve(load(PROBLEM)).steps)} steps each (tanh-chain)")
    print(f"  read + grade (in process)          {ours:7.3f} s   {ours / FILES * 1e3:6.2f} ms/file")
    print(f"  PyYAML SafeLoader (pure Python)    {pure:7.3f} s   ratio {ours / pure:5.2f}")
    print(f"  PyYAML CSafeLoader (libyaml)       {fast:7.3f} s   ratio {ours / fast:5.2f}")
    print(f"  bptutor check … -f json (wall)     {wall:7.3f} s")
    print("target: ratio ≤ 2 against PyYAML loading the same files")
    print(f"  bptutor check … -f json (CPU)      {json_cpu:7.3f} s   the whole process")
    print(f"  python -c: CSafeLoader loads them  {floor_cpu:7.3f} s   the whole process")
    print(f"  ratio, command against command     {json_cpu / floor_cpu:7.2f}     (target ≤ 2)")
    print(f"  ratio, against the in-process load {json_cpu / fast_cpu:7.2f}     (CSafeLoader's "
          f"CPU {fast_cpu:.3f} s, no start-up)")
    with tempfile.TemporaryDirectory() as tmp:
        peak = peak_mib(command(write_files(Path(tmp), MEMORY_FILES)))
    print(f"  check -f json of {MEMORY_FILES:,} files: peak RSS {peak:6.1f} MiB (target ≤ 100)")
    smaller_costs()


if __name__ == "__main__":
    main()
