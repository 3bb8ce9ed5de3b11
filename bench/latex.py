"""How the LaTeX sheet (``solve --format latex``) scales with the number of steps.

Run from the repository root::

    python bench/latex.py [--runs 3] [--sizes 1000,20000]

For each size it writes a network of bench/scaling.py's family (n - n/2 - min(10, n/4), tanh
hidden, softmax output) with about that many steps, solves it once, and times
``bptutor.views.latex_view.render`` alone (best of ``--runs``, CPU time of this process). It
prints microseconds per step and the ratio of each size's per-step cost to the smallest's:
the target is at most 1.5 at 20,000 steps against 1,000 (linear in the sheet's size). A
larger network has longer formulas (a z sums n terms), so per step means per step of the
same family, as a user's sheets grow.
This is a measurement, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT
from scaling import SEED, Net, family, problem_text

sys.path.insert(0, str(ROOT))

from bptutor.errors import BptutorError  # noqa: E402
from bptutor.files.problems import load  # noqa: E402
from bptutor.sheet.worksheet import Worksheet, solve  # noqa: E402
from bptutor.views import latex_view  # noqa: E402

TARGET_RATIO = 1.5


def steps_of(n: int) -> int:
    """Steps of the family member with n inputs, counted by solving it (a network beyond
    the worksheet's step cap counts as larger than any size asked for)."""
    try:
        return len(sheet_of(n).steps)
    except BptutorError:
        return sys.maxsize


def sheet_of(n: int) -> Worksheet:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "net.yaml"
        path.write_text(problem_text(Net(f"n={n}", family(n), "softmax"), random.Random(SEED)),
                        encoding="utf-8")
        return solve(load(path))


def member_with(steps: int) -> int:
    """The n whose network has about ``steps`` steps (bisection: steps grow with n)."""
    low, high = 2, 400
    while high - low > 1:
        middle = (low + high) // 2
        if steps_of(middle) < steps:
            low = middle
        else:
            high = middle
    return min((low, high), key=lambda n: abs(steps_of(n) - steps))


def render_time(sheet: Worksheet, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        latex_view.render(sheet)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,20000", help="steps, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'shape':>12} {'steps':>7} {'render s':>9} {'µs/step':>8} {'ratio':>6}")
    first = None
    for target in sizes:
        n = member_with(target)
        sheet = sheet_of(n)
        seconds = render_time(sheet, args.runs)
        per_step = seconds / len(sheet.steps)
        first = first or per_step
        shape = "-".join(map(str, family(n)))
        print(f"{shape:>12} {len(sheet.steps):>7,} {seconds:>9.3f} {per_step * 1e6:>8.1f} "
              f"{per_step / first:>6.2f}")
    print(f"target: per-step cost at the largest size within {TARGET_RATIO}× the smallest's")


if __name__ == "__main__":
    main()
