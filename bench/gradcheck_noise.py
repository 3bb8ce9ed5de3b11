"""gradcheck's false alarms on right gradients, and the planted errors it still catches.

2,000 random networks with saturated units (tests/tools/saturated.py), their exact
gradients right to the last digits. Prints how many networks the lecture's relative
thresholds alone would FAIL (the old verdict) and how many the noise-aware verdict fails
(target: 0), then the mutation test: every gradient scaled by 1.001, counted where that
change is above the finite difference's estimated noise, and how many of those are caught.

    python bench/gradcheck_noise.py [--networks 2000] [--seed 1] [--eps 1e-6]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "tools"))
from saturated import saturated_network  # noqa: E402

from bptutor.tools import gradcheck  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--eps", type=float, default=1e-6)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    old_fails = new_fails = gradients = unresolved = above = caught = 0
    start = time.perf_counter()
    for _ in range(args.networks):
        report = gradcheck.check(saturated_network(rng), args.eps)
        gradients += len(report.items)
        new_fails += not report.passed
        old_fails += any(gradcheck.verdict(i.rel_error) not in gradcheck.PASSING
                         for i in report.items)
        unresolved += sum(i.verdict == gradcheck.BELOW_RESOLUTION for i in report.items)
        for item in report.items:
            # above the noise of both sides, and above SPEC's 1e-12 floor of rel_error
            if 0.001 * abs(item.analytic) > 2 * item.noise and abs(item.analytic) > 1e-12:
                above += 1
                mutated = gradcheck._item(item.key, 1.001 * item.analytic, item.numeric,
                                          item.noise, args.eps)
                caught += mutated.verdict not in gradcheck.PASSING
    took = time.perf_counter() - start
    print(f"{args.networks:,} random right networks with saturated units, {gradients:,} "
          f"gradients, eps {args.eps:g} ({took:.1f} s)")
    print(f"false alarms, relative thresholds only: {old_fails:,} networks FAIL")
    print(f"false alarms, noise-aware verdict:      {new_fails:,} networks FAIL "
          f"({unresolved:,} gradients below resolution)")
    print(f"mutation ×1.001 above the noise: {caught:,} of {above:,} caught "
          f"({above and 100 * caught / above:.2f}%)")
    if new_fails or caught != above:
        sys.exit(1)


if __name__ == "__main__":
    main()
