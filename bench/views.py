"""Terminal views against their floors, as ratios measured in one run.

Run from the repository root:  python bench/views.py [--runs 3] [--files 1000]

* ``check`` of 1,000 answers files (bench/check.py's class: mostly right, some slips) in the
  terminal view, against PyYAML's CSafeLoader loading the same files (target ≤ 5×): in
  process (grade + print every report and the class summary), the view's own share, and the
  whole command as a process next to ``check -f json``;
* ``solve`` on the 64-32-10 network (bench/scaling.py's) in the terminal view against its
  ``-f json`` (target ≤ 3×): the view in process, and both commands as processes;
* ``gradcheck`` on 64-32-10: the check against printing its table.

Consoles write to memory at 80 columns, as to a pipe; ``--colour`` forces ANSI colour codes.
This is a measurement, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from check import PROBLEM, write_files  # noqa: E402
from rich.console import Console  # noqa: E402
from scaling import SEED, Net, problem_text  # noqa: E402

from bptutor.files import answers  # noqa: E402
from bptutor.files.problems import load  # noqa: E402
from bptutor.sheet.worksheet import solve  # noqa: E402
from bptutor.tools.grading import Grader  # noqa: E402

CHECK_TARGET, SOLVE_TARGET = 5.0, 3.0


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def memory_console(colour: bool) -> Console:
    return Console(file=io.StringIO(), width=80, force_terminal=colour, highlight=False,
                   emoji=False, color_system="truecolor" if colour else None)


def process(args: list[str]) -> float:
    """Wall time of one ``bptutor`` command, its output thrown away (after a warm-up)."""
    env = {**os.environ, "COLUMNS": "80"}
    command = [sys.executable, "-m", "bptutor", *args]
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    return time.perf_counter() - start


def bench_check(runs: int, count: int, colour: bool) -> None:
    from bptutor.views import check_view

    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(Path(tmp), count)
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        floor = best_of(runs, lambda: [yaml.load(p.read_text(encoding="utf-8"), Loader=loader)
                                       for p in paths])
        grader = Grader(solve(load(PROBLEM)))
        reports = [grader.grade(answers.load(p)) for p in paths]

        def grade() -> None:
            fresh = Grader(solve(load(PROBLEM)))
            for path in paths:
                fresh.grade(answers.load(path))

        def view() -> None:
            console = memory_console(colour)
            for report in reports:
                check_view.print_report(console, report)
            check_view.print_summary(console, list(reports))

        graded = best_of(runs, grade)
        shown = best_of(runs, view)
        names = [str(p) for p in paths]
        terminal = process(["check", *names])
        json_wall = process(["check", *names, "-f", "json"])
    steps = len(reports[0].items)
    print(f"check: {count:,} answers files, {steps} answers each (tanh-chain)")
    print(f"  PyYAML CSafeLoader loading them (floor)  {floor:7.3f} s")
    print(f"  read + grade, in process                 {graded:7.3f} s   "
          f"{graded / floor:5.2f}× floor")
    print(f"  terminal view of every report + summary  {shown:7.3f} s   "
          f"{shown / floor:5.2f}× floor   {shown / (count * steps) * 1e6:5.1f} µs/row")
    total = graded + shown
    print(f"  grade + terminal view, in process        {total:7.3f} s   "
          f"{total / floor:5.2f}× floor   (target ≤ {CHECK_TARGET:g}×)")
    print(f"  bptutor check (process, terminal view)   {terminal:7.3f} s   "
          f"{terminal / floor:5.2f}× floor")
    print(f"  bptutor check -f json (process)          {json_wall:7.3f} s   "
          f"{json_wall / floor:5.2f}× floor")


def bench_solve(runs: int, colour: bool, folder: Path) -> Path:
    from bptutor.views import json_view, rich_view

    path = folder / "64-32-10.yaml"
    path.write_text(problem_text(Net("64-32-10", [64, 32, 10], "softmax"),
                                 random.Random(SEED)), encoding="utf-8")
    sheet = solve(load(path))
    as_json = best_of(runs, lambda: json_view.render(sheet))
    terminal = best_of(runs, lambda: rich_view.render(sheet, memory_console(colour)))
    json_wall = process(["solve", str(path), "-f", "json"])
    terminal_wall = process(["solve", str(path)])
    print(f"solve 64-32-10: {len(sheet.steps):,} steps")
    print(f"  -f json view, in process                 {as_json:7.3f} s")
    print(f"  terminal view, in process               {terminal:7.3f} s   "
          f"{terminal / as_json:5.2f}× json   {terminal / len(sheet.steps) * 1e6:5.1f} µs/step")
    print(f"  bptutor solve -f json (process)          {json_wall:7.3f} s")
    print(f"  bptutor solve (process, terminal view)   {terminal_wall:7.3f} s   "
          f"{terminal_wall / json_wall:5.2f}× json   (target ≤ {SOLVE_TARGET:g}×)")
    return path


def bench_gradcheck(runs: int, colour: bool, path: Path) -> None:
    from bptutor.tools import gradcheck
    from bptutor.views import gradcheck_view

    net = load(path)
    checked = best_of(1, lambda: gradcheck.check(net))
    report = gradcheck.check(net)
    shown = best_of(runs, lambda: gradcheck_view.print_report(memory_console(colour), report))
    print(f"gradcheck 64-32-10: {len(report.items):,} gradients")
    print(f"  the check (exact side + differences)     {checked:7.3f} s")
    print(f"  its table                                {shown:7.3f} s   "
          f"{shown / (shown + checked):5.1%} of the whole")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--colour", action="store_true", help="consoles write ANSI colours")
    options = parser.parse_args()
    bench_check(options.runs, options.files, options.colour)
    with tempfile.TemporaryDirectory() as tmp:
        path = bench_solve(options.runs, options.colour, Path(tmp))
        bench_gradcheck(options.runs, options.colour, path)


if __name__ == "__main__":
    main()
