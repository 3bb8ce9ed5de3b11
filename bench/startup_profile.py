"""Where the start-up time of ``bptutor solve`` goes, for when bench/startup.py misses.

Run from the repository root::

    python bench/startup_profile.py [--runs 10] [--problem problems/tanh-chain.yaml]

Two views, each the median of ``--runs`` fresh processes:

1. phases of one ``solve`` (rich output to /dev/null), timed with ``time.perf_counter``
   inside the process: importing the CLI, importing what ``solve`` imports, typer's
   parameter handling (its pydantic import and TypeAdapter builds counted apart), and the
   library's load / solve / render;
2. ``python -X importtime`` of the same command against the import baseline of
   bench/startup.py: the modules bptutor loads that the baseline does not (and the
   reverse), grouped by package, and the costliest import chains with who pulled them in;
3. a what-if: the same solve without typer (argparse, then the library and rich_view), as
   a whole process against the baseline, to show what the command layer costs.

It measures only; it changes nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from _common import ROOT, add_bytecode_option, bptutor_command, child_environment

BASELINE = "import numpy, rich, typer, yaml"

# Runs in a fresh interpreter; prints one JSON object of phase -> seconds.
PHASES = r'''
import json, os, sys, time
T0 = time.perf_counter()
out = {}
import bptutor.cli as cli
out["import bptutor.cli (typer, click)"] = time.perf_counter() - T0
t = time.perf_counter()
import rich.console
import bptutor.model.network, bptutor.sheet.worksheet, bptutor.views.rich_view
out["import model/sheet/views.rich_view, rich.console"] = time.perf_counter() - t
import typer.core as core
lib = {"pydantic + typer._adapters import": 0.0, "typer TypeAdapter builds": 0.0}
build = core.build_runtime_param
def timed_build(descriptor):
    t = time.perf_counter()
    if "typer._adapters" not in sys.modules:
        import typer._adapters
        lib["pydantic + typer._adapters import"] += time.perf_counter() - t
        t = time.perf_counter()
    result = build(descriptor)
    lib["typer TypeAdapter builds"] += time.perf_counter() - t
    return result
core.build_runtime_param = timed_build
def wrap(module, name, label):
    f = getattr(module, name)
    def g(*args, **kwargs):
        t = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            lib[label] = lib.get(label, 0.0) + time.perf_counter() - t
    setattr(module, name, g)
wrap(bptutor.files.problems, "load", "bptutor.files.problems.load")
wrap(bptutor.sheet.worksheet, "solve", "bptutor.sheet.worksheet.solve")
wrap(bptutor.views.rich_view, "render", "bptutor.views.rich_view.render")
sys.argv = ["bptutor", "solve", PROBLEM]
sys.stdout = open(os.devnull, "w")
t = time.perf_counter()
try:
    cli.main()
except SystemExit:
    pass
run = time.perf_counter() - t
sys.stdout = sys.__stdout__
out["typer: run the solve command (all)"] = run
for key, value in lib.items():
    out["  of which " + key] = value
out["  of which the rest of typer/click"] = run - sum(lib.values())
out["total after interpreter start-up"] = time.perf_counter() - T0
print(json.dumps(out))
'''

# What ``bptutor solve PROBLEM`` does, with argparse in place of typer.
LEAN = r'''
import argparse, sys
parser = argparse.ArgumentParser(prog="bptutor solve")
parser.add_argument("problem")
parser.add_argument("--format", "-f", default="rich", choices=["rich", "json"])
args = parser.parse_args()
from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
sheet = solve(load(args.problem))
if args.format == "json":
    from bptutor.views import json_view
    print(json_view.render(sheet))
else:
    from rich.console import Console
    from bptutor.views import rich_view
    rich_view.render(sheet, Console(highlight=False))
'''

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def phases(problem: str, runs: int, env: dict[str, str]) -> None:
    samples = []
    code = f"PROBLEM = {problem!r}\n" + PHASES
    for _ in range(runs + 1):  # the first fills the bytecode cache
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, check=True, env=env)
        samples.append(json.loads(done.stdout))
    samples = samples[1:]
    interp = statistics.median(_wall([sys.executable, "-c", "pass"], env) for _ in range(runs))
    print(f"1. phases of `bptutor solve {problem}` (rich, to /dev/null), "
          f"median of {runs} fresh processes")
    print(f"   {interp * 1e3:7.1f} ms  interpreter start-up (python -c pass, measured apart)")
    for key in samples[0]:
        value = statistics.median(s[key] for s in samples)
        print(f"   {value * 1e3:7.1f} ms  {key}")
    print()


def _wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, env=env)
    return time.perf_counter() - start


def importtime(argv: list[str], runs: int,
               env: dict[str, str]) -> dict[str, tuple[float, float, list[str]]]:
    """module -> (median self µs, median cumulative µs, import chain from the top)."""
    selfs: dict[str, list[int]] = defaultdict(list)
    cums: dict[str, list[int]] = defaultdict(list)
    chains: dict[str, list[str]] = {}
    subprocess.run([sys.executable, *argv], cwd=ROOT, stdout=subprocess.DEVNULL, env=env,
                   check=True)  # fills the bytecode cache
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              check=True, env=env)
        # importtime prints a module after the modules it imported, indented less deep, so
        # the lines still waiting at a deeper indent are its direct children. A name can
        # appear twice (``import asyncio.coroutines`` first loads ``asyncio``, which loads
        # ``asyncio.coroutines``): the tree is kept per line, the times summed per name.
        names: list[str] = []
        parent: dict[int, int] = {}
        own_times: dict[str, int] = defaultdict(int)
        cum_times: dict[str, int] = {}
        pending: list[tuple[int, int]] = []  # (depth, line index)
        for line in done.stderr.splitlines():
            m = _LINE.match(line)
            if not m:
                continue
            own, cum, depth, name = int(m[1]), int(m[2]), len(m[3]), m[4]
            index = len(names)
            names.append(name)
            own_times[name] += own
            cum_times.setdefault(name, cum)
            for d, child in pending:
                if d > depth:
                    parent[child] = index
            pending = [(d, c) for d, c in pending if d <= depth] + [(depth, index)]
        for name in own_times:
            selfs[name].append(own_times[name])
            cums[name].append(cum_times[name])
        for index, name in enumerate(names):
            if name not in chains:
                chain, node = [], index
                while node in parent:
                    node = parent[node]
                    chain.append(names[node])
                chains[name] = list(reversed(chain))
    return {name: (statistics.median(selfs[name]), statistics.median(cums[name]), chains[name])
            for name in selfs}


def package(name: str) -> str:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top.startswith("_"):
        return "(standard library)"
    return top


def owner(name: str, chain: list[str]) -> str:
    """The package to blame for a module: itself, or for the standard library the nearest
    importer outside it (asyncio loaded by pydantic_core counts for pydantic_core)."""
    for module in [name, *reversed(chain)]:
        if package(module) != "(standard library)":
            return package(module) + ("" if module == name else " (via the standard library)")
    return "(standard library, imported directly)"


def compare(problem: str, runs: int, env: dict[str, str]) -> None:
    command, _ = bptutor_command()
    if command[0] == sys.executable:  # python -m bptutor
        command = command[1:]
    ours = importtime([*command, "solve", problem], runs, env)
    base = importtime(["-c", BASELINE], runs, env)
    extra = {k: v for k, v in ours.items() if k not in base}
    spared = {k: v for k, v in base.items() if k not in ours}

    def total(mods) -> float:
        return sum(v[0] for v in mods.values()) / 1e3

    print(f"2. python -X importtime, median of {runs}: `bptutor solve` imports "
          f"{len(ours)} modules ({total(ours):.1f} ms of import work); the baseline "
          f"`{BASELINE}` {len(base)} ({total(base):.1f} ms)")
    print(f"   bptutor loads {len(extra)} modules the baseline does not: +{total(extra):.1f} ms;"
          f" it skips {len(spared)} the baseline loads: -{total(spared):.1f} ms")
    for title, mods in (("loaded by bptutor only", extra),
                        ("loaded by the baseline only", spared)):
        groups: dict[str, float] = defaultdict(float)
        for name, (own, _, chain) in mods.items():
            groups[owner(name, chain)] += own
        print(f"\n   {title}, self time charged to the package that caused it:")
        for name, us in sorted(groups.items(), key=lambda kv: -kv[1])[:8]:
            print(f"   {us / 1e3:7.1f} ms  {name}")

    print("\n   the import statements that load them (cumulative ms, self ms):")
    roots = [k for k in extra if not any(p in extra for p in ours[k][2])]
    for name in sorted(roots, key=lambda k: -extra[k][1])[:8]:
        own, cum, chain = extra[name]
        via = f"  (inside {' > '.join(chain)})" if chain else ""
        print(f"   {cum / 1e3:7.1f} {own / 1e3:6.1f}  {name}{via}")
    deep = sorted(extra, key=lambda k: -extra[k][0])[:12]
    print("\n   largest self times among them:")
    for name in deep:
        own, cum, chain = extra[name]
        print(f"   {own / 1e3:7.1f} ms  {name}  (under {' > '.join(chain[-3:]) or 'top'})")
    print()


def what_if(problem: str, runs: int, env: dict[str, str]) -> None:
    bptutor, _ = bptutor_command()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        f"python -c '{BASELINE}'": [sys.executable, "-c", BASELINE],
        f"bptutor solve {problem}": [*bptutor, "solve", problem],
        "the same without typer (argparse)": [sys.executable, "-c", LEAN, problem],
        "bptutor solve -f json": [*bptutor, "solve", problem, "-f", "json"],
        "the same without typer (argparse) -f json": [sys.executable, "-c", LEAN, problem,
                                                       "-f", "json"],
    }
    for argv in cases.values():
        _wall(argv, env)
    times: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for label, argv in cases.items():
            times[label].append(_wall(argv, env))
    base = statistics.median(times[f"python -c '{BASELINE}'"])
    print(f"3. what the command layer costs: whole processes, median wall of {runs}, "
          "interleaved")
    for label, t in times.items():
        median = statistics.median(t)
        print(f"   {median * 1e3:7.1f} ms  {median / base:5.2f}x baseline  {label}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes per view (10)")
    parser.add_argument("--problem", default="problems/tanh-chain.yaml")
    add_bytecode_option(parser)
    args = parser.parse_args()
    with child_environment(args.bytecode) as (env, bytecode):
        print(f"bytecode: {bytecode}\n")
        phases(args.problem, args.runs, env)
        compare(args.problem, args.runs, env)
        what_if(args.problem, max(args.runs, 10), env)


if __name__ == "__main__":
    main()
