"""Start-up cost of the ``bptutor`` command against the libraries it stands on.

Run from the repository root::

    python bench/startup.py [--runs 20] [--bytecode cache|as-is]

Times whole processes (``subprocess.run`` between two ``time.perf_counter`` calls, output to
/dev/null) and prints the median, min and max wall time of each, and the median CPU time
(user + system, from ``getrusage``), which a busy machine disturbs less. The headline figure is

    bptutor solve problems/tanh-chain.yaml      (rich output, not a terminal)
    ÷ python -c "import numpy, rich, typer, yaml"

with a target of at most 1.2: solving the seed exercise should cost little more than
importing the dependencies. ``python -c pass``, ``bptutor --help`` and ``--format json``
are printed for context. Child processes get a bytecode cache of their own (``--bytecode``,
see bench/_common.py), so that an environment with PYTHONDONTWRITEBYTECODE does not charge
bptutor for recompiling its sources on every run. This is a measurement, not a test: it
never fails on a slow figure. Where the time goes: bench/startup_profile.py.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

from _common import ROOT, add_bytecode_option, bptutor_command, child_environment

PROBLEM = "problems/tanh-chain.yaml"
TARGET_RATIO = 1.2


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of one whole process, and its CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(argv)}\n"
                 f"{done.stderr.decode(errors='replace')}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(cases: list[tuple[str, list[str]]], runs: int,
            env: dict[str, str]) -> dict[str, list[tuple[float, float]]]:
    """Each case warmed up once, then the cases interleaved round-robin ``runs`` times, so a
    slow patch of the machine hits all of them alike rather than one."""
    for _, argv in cases:
        run_once(argv, env)
    times: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in cases}
    for _ in range(runs):
        for label, argv in cases:
            times[label].append(run_once(argv, env))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command (20)")
    add_bytecode_option(parser)
    args = parser.parse_args()
    with child_environment(args.bytecode) as (env, bytecode):
        report(args.runs, env, bytecode)


def report(runs: int, env: dict[str, str], bytecode: str) -> None:
    bptutor, how = bptutor_command()
    py = sys.executable
    # The same work every run: output goes to /dev/null, so rich sees no terminal (as in a
    # pipe) and the default format is rich; colour settings and width fixed.
    env.pop("NO_COLOR", None)
    env["COLUMNS"] = "100"

    baseline = "python -c 'import numpy, rich, typer, yaml'"
    solve = f"bptutor solve {PROBLEM}"
    cases = [
        ("python -c pass", [py, "-c", "pass"]),
        (baseline, [py, "-c", "import numpy, rich, typer, yaml"]),
        ("bptutor --help", [*bptutor, "--help"]),
        (solve, [*bptutor, "solve", PROBLEM]),
        (f"{solve} --format json", [*bptutor, "solve", PROBLEM, "--format", "json"]),
    ]

    print(f"python   : {py} ({sys.version.split()[0]})")
    print(f"bptutor  : {how}")
    print(f"bytecode : {bytecode}")
    print(f"machine  : {os.cpu_count()} CPUs, {sys.platform}, load average "
          f"{os.getloadavg()[0]:.2f}; {runs} runs each after one warm-up, commands "
          "interleaved, output to /dev/null")
    on_path = shutil.which("bptutor")
    if on_path and len(bptutor) == 1 and os.path.realpath(on_path) != os.path.realpath(
            bptutor[0]):
        print(f"note     : `bptutor` on PATH is {on_path}; timing {bptutor[0]}")
    print()

    times = measure(cases, runs, env)
    wall = {label: statistics.median(w for w, _ in t) for label, t in times.items()}
    cpu = {label: statistics.median(c for _, c in t) for label, t in times.items()}

    width = max(len(label) for label, _ in cases)
    head = (f"{'command':<{width}}  {'wall ms':>7}  {'min':>6}  {'max':>6}  {'ratio':>5}  "
            f"{'CPU ms':>6}  {'ratio':>5}")
    print(head)
    print("-" * len(head))
    for label, _ in cases:
        w = [w for w, _ in times[label]]
        print(f"{label:<{width}}  {wall[label] * 1e3:7.1f}  {min(w) * 1e3:6.1f}  "
              f"{max(w) * 1e3:6.1f}  {wall[label] / wall[baseline]:5.2f}  "
              f"{cpu[label] * 1e3:6.1f}  {cpu[label] / cpu[baseline]:5.2f}")
    print("wall: median, min, max; CPU: median user + system time of the process; "
          "ratio: to the baseline")
    print()

    ratio = wall[solve] / wall[baseline]
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"solve / import baseline = {wall[solve] * 1e3:.1f} ms / "
          f"{wall[baseline] * 1e3:.1f} ms = {ratio:.2f} wall ({verdict} the target <= "
          f"{TARGET_RATIO}); {cpu[solve] / cpu[baseline]:.2f} in CPU time")
    print(f"solve costs {(wall[solve] - wall[baseline]) * 1e3:+.1f} ms over the baseline; "
          f"the interpreter alone {wall['python -c pass'] * 1e3:.1f} ms. "
          "Where it goes: python bench/startup_profile.py")


if __name__ == "__main__":
    main()
