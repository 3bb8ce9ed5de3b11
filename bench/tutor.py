"""How fast `bptutor tutor` is: its first screen, and each key on a 64-32-10 sheet.

Run from the repository root::

    python bench/tutor.py [--runs 7] [--keys 40] [--bytecode cache|as-is]

First screen. The real command runs in a pseudo-terminal of 80×24 (``os.openpty``), and the
time is from starting the process to reading the first frame's last line (``step 0 of``)
from the terminal; then ``q`` quits it. Exercise-sized problems (tanh-chain, xor, a graph)
and the 64-32-10 network. Floor, measured in the same run: ``python -c "import textual.app"``
(what any Textual app pays before it draws) and ``python -c pass``. Target: under 1 s.

Each key. The app runs headless in this process on the 64-32-10 sheet (4,947 steps, 2,410
weights and biases): a key event is posted to the app and the clock stops when the screen has
been refreshed after the redraw (``call_after_refresh``): dispatch, the session, the new texts,
layout and the compositor's render. Headless Textual skips only writing the frame to the
terminal. Floor: the same keys on tanh-chain (27 steps). Target: under 50 ms each.

A measurement, not a test: it never fails on a slow figure.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, add_bytecode_option, bptutor_command, child_environment  # noqa: E402

FIRST_SCREEN_TARGET = 1.0  # seconds
KEY_TARGET = 0.050  # seconds
MARKER = b"step 0 of"  # the first frame's last part: the where-you-are line
BIG = "64-32-10"


def big_problem(folder: Path) -> Path:
    """The 64-32-10 network of bench/scaling.py (softmax output, two decimals)."""
    import random

    from scaling import Net, problem_text

    path = folder / "net-64-32-10.yaml"
    path.write_text(problem_text(Net(BIG, [64, 32, 10], "softmax"), random.Random(7)),
                    encoding="utf-8")
    return path


# -- first screen, in a pseudo-terminal ------------------------------------------------------

def _drain(fd: int, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            if not os.read(fd, 65536):
                return
        except OSError:  # the child closed the terminal
            return


def first_screen(argv: list[str], env: dict[str, str], timeout: float = 20.0) -> float:
    """Seconds from starting ``argv`` in an 80×24 terminal to the first frame's last line."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while MARKER not in seen:
            ready, _, _ = select.select([master], [], [], timeout)
            if not ready:
                raise TimeoutError(f"no first screen from {' '.join(argv)}: {seen[-300:]!r}")
            seen += os.read(master, 65536)
        elapsed = time.perf_counter() - start
        os.write(master, b"q")
        _drain(master, 5.0)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    return elapsed


def plain(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def startup(runs: int, env: dict[str, str], big: Path) -> None:
    bptutor, how = bptutor_command()
    env = dict(env, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    py = sys.executable
    floors = {"python -c pass": [py, "-c", "pass"],
              "python -c 'import textual.app'": [py, "-c", "import textual.app"]}
    problems = {"tanh-chain": "tanh-chain", "xor": "xor", "graph-c-a-2b": "graph-c-a-2b",
                BIG: str(big)}
    print(f"bptutor  : {how}")
    for argv in [*floors.values()]:  # warm-up: caches, bytecode
        plain(argv, env)
    for problem in problems.values():
        first_screen([*bptutor, "tutor", problem], env)
    times: dict[str, list[float]] = {label: [] for label in [*floors, *problems]}
    for _ in range(runs):  # interleaved, so a slow moment hits every case alike
        for label, argv in floors.items():
            times[label].append(plain(argv, env))
        for label, problem in problems.items():
            times[label].append(first_screen([*bptutor, "tutor", problem], env))
    floor = statistics.median(times["python -c 'import textual.app'"])
    print(f"\nfirst screen (80×24 pseudo-terminal), {runs} runs; target < "
          f"{FIRST_SCREEN_TARGET:.0f} s")
    print(f"{'case':<34} {'median ms':>9} {'max ms':>7} {'÷ import textual':>16}")
    for label, values in times.items():
        median = statistics.median(values)
        name = label if label in floors else f"bptutor tutor {label}"
        print(f"{name:<34} {median * 1e3:9.0f} {max(values) * 1e3:7.0f} {median / floor:16.2f}")
    worst = max(max(times[label]) for label in problems)
    verdict = "meets" if worst < FIRST_SCREEN_TARGET else "MISSES"
    print(f"slowest first screen {worst * 1e3:.0f} ms: {verdict} the target")


# -- keys, headless --------------------------------------------------------------------------

KEYS = ["right", "right", "left", "pagedown", "right", "pagedown", "right", "pageup", "end",
        "left", "home", "x", "pagedown", "x"]


async def _time_keys(path: str, keys: list[str], answers: int) -> dict[str, list[float]]:
    from textual import events

    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve
    from bptutor.views.tutor import TutorApp

    app = TutorApp(solve(load(path)))
    times: dict[str, list[float]] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        redraw = app.show

        async def press(key: str, label: str) -> None:
            refreshed = asyncio.Event()
            painted: list[float] = []

            def mark() -> None:
                painted.append(time.perf_counter())
                refreshed.set()

            def show() -> None:  # a mark first in line after the refresh, then the redraw
                app.call_after_refresh(mark)
                redraw()

            app.show = show  # type: ignore[method-assign]
            start = time.perf_counter()
            app.post_message(events.Key(key, key if len(key) == 1 else None))
            await asyncio.wait_for(refreshed.wait(), 10)
            times.setdefault(label, []).append(painted[0] - start)
            app.show = redraw  # type: ignore[method-assign]
            await pilot.pause()

        for key in keys:
            await press(key, key)
        await press("m", "m")  # practise: answers typed into the box, Enter marks them
        box = app.query_one("#answer")
        for i in range(answers):
            box.value = "0.1" if i % 2 else "skip"  # type: ignore[attr-defined]
            await press("enter", "Enter (practise)")
    return times


def keys(runs: int, big: Path) -> None:
    sequence = KEYS * max(1, runs // len(KEYS))
    small = asyncio.run(_time_keys("tanh-chain", sequence, 10))
    large = asyncio.run(_time_keys(str(big), sequence, 10))
    print(f"\neach key, headless 80×24, key posted → screen refreshed; target < "
          f"{KEY_TARGET * 1e3:.0f} ms")
    print(f"{'key':<18} {'n':>3} {BIG + ' median':>16} {'max ms':>7} {'tanh-chain':>10} "
          f"{'ratio':>6}")
    worst = 0.0
    for label, values in large.items():
        median, floor = statistics.median(values), statistics.median(small[label])
        worst = max(worst, max(values))
        print(f"{label:<18} {len(values):>3} {median * 1e3:13.1f} ms {max(values) * 1e3:7.1f} "
              f"{floor * 1e3:7.1f} ms {median / floor:6.2f}")
    verdict = "meets" if worst < KEY_TARGET else "MISSES"
    print(f"slowest key on {BIG}: {worst * 1e3:.1f} ms: {verdict} the target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="first-screen runs per case (7)")
    parser.add_argument("--keys", type=int, default=42, help="keys timed per sheet (42)")
    add_bytecode_option(parser)
    args = parser.parse_args()
    print(f"python   : {sys.executable} ({sys.version.split()[0]})")
    print(f"machine  : {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder, \
            child_environment(args.bytecode) as (env, bytecode):
        print(f"bytecode : {bytecode}")
        big = big_problem(Path(folder))
        startup(args.runs, env, big)
        keys(args.keys, big)


if __name__ == "__main__":
    main()
