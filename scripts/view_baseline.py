"""Capture the terminal views' output for every bundled problem into tests/views/baseline/.

Run from the repository root:  python scripts/view_baseline.py [--out DIR]

Each case is one real ``bptutor`` command (``solve``, ``solve --step``, ``check``,
``gradcheck``) run as a process with a given environment: piped (no colour), FORCE_COLOR=1
(ANSI codes), FORCE_COLOR=1 with NO_COLOR=1, at 80 columns and at a wide width. The answers
files ``check`` marks are written here too: one right file per problem and one with a
wrong, a missing, an invalid and an unknown entry. ``cases.json`` lists every case (its
arguments, environment, exit code); tests/views/test_terminal_baseline.py runs each again
and compares the output line by line. The baseline was captured from the table-based views
before they became styled text; regenerate it only to follow a change of the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "views" / "baseline"
PIPE = {"COLUMNS": "80"}
WIDE = {"COLUMNS": "160"}
COLOUR = {"COLUMNS": "80", "FORCE_COLOR": "1"}
WIDE_COLOUR = {"COLUMNS": "160", "FORCE_COLOR": "1"}
NO_COLOUR = {"COLUMNS": "80", "FORCE_COLOR": "1", "NO_COLOR": "1"}
ENVIRONMENTS = {"pipe": PIPE, "wide": WIDE, "colour": COLOUR, "wide-colour": WIDE_COLOUR,
                "no-colour": NO_COLOUR}


def bptutor(args: list[str], env: dict[str, str], cwd: Path,
            stdin: str = "") -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")}
    return subprocess.run([sys.executable, "-m", "bptutor", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, encoding="utf-8",
                          env={**clean, "LINES": "50", **env}, check=False)


def problems() -> list[str]:
    listed = json.loads(bptutor(["list", "-f", "json"], PIPE, ROOT).stdout)
    rows = listed["problems"] if isinstance(listed, dict) else listed
    return [row["name"] for row in rows]


def steps(name: str) -> list[dict]:
    return json.loads(bptutor(["solve", name, "-f", "json"], PIPE, ROOT).stdout)["steps"]


def answers_files(name: str, out: Path) -> tuple[str, str]:
    """A right answers file and one with slips, named after the problem."""
    worked = steps(name)
    right = [f"problem: {name}", "student: Ada", "answers:"]
    right += [f"  {json.dumps(s['key'])}: {s['value']!r}" for s in worked]
    slips = [f"problem: {name}", "student: Bo", "answers:"]
    for n, step in enumerate(worked):
        key, value = json.dumps(step["key"]), step["value"]
        if n == 0 or n == len(worked) - 1:
            slips.append(f"  {key}: {-value - 0.5!r}")  # wrong
        elif n == 1:
            continue  # missing
        elif n == 2:
            slips.append(f"  {key}: abc")  # invalid
        else:
            slips.append(f"  {key}: {value!r}")
    slips.append('  "W9[9,9]": 1.5')  # unknown
    (out / f"{name}.right.yaml").write_text("\n".join(right) + "\n", encoding="utf-8")
    (out / f"{name}.slips.yaml").write_text("\n".join(slips) + "\n", encoding="utf-8")
    return f"{name}.right.yaml", f"{name}.slips.yaml"


def many_unknown(out: Path) -> str:
    """More unknown keys than a table shows (the '… more unknown keys' row)."""
    lines = ["problem: tanh-chain", "answers:"]
    lines += [f'  "W{n}[1,1]": 0.5' for n in range(1, 26)]
    (out / "unknown.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "unknown.yaml"


def cases(out: Path) -> list[tuple[str, list[str], str, str]]:
    """(case name, arguments, environment name, standard input)."""
    found: list[tuple[str, list[str], str, str]] = []
    names = problems()
    for name in names:
        for env in ENVIRONMENTS:
            found.append((f"solve.{name}.{env}", ["solve", name], env, ""))
        found.append((f"solve.{name}.backward", ["solve", name, "--only", "backward"], "pipe",
                       ""))
        found.append((f"solve.{name}.backward-colour", ["solve", name, "--only", "backward"],
                      "colour", ""))
        found.append((f"solve.{name}.exact", ["solve", name, "--exact"], "pipe", ""))
        found.append((f"solve.{name}.delta", ["solve", name, "--notation", "delta"], "pipe",
                      ""))
        found.append((f"solve.{name}.narrow", ["solve", name, "--no-diagram"], "narrow", ""))
        found.append((f"step.{name}.colour", ["solve", name, "--step"], "colour",
                      "\n" * 400))
        right, slips = answers_files(name, out)
        found.append((f"check.{name}.right", ["check", right], "pipe", ""))
        for env in ("pipe", "colour", "no-colour", "wide"):
            found.append((f"check.{name}.slips.{env}", ["check", slips], env, ""))
        for reveal in ("verdict", "diagnosis"):
            found.append((f"check.{name}.slips.{reveal}", ["check", slips, "--reveal", reveal],
                          "colour", ""))
        for env in ("pipe", "colour"):
            found.append((f"gradcheck.{name}.{env}", ["gradcheck", name], env, ""))
    unknown = many_unknown(out)
    found.append(("check.unknown", ["check", unknown], "colour", ""))
    every = sorted(p.name for p in out.glob("*.yaml"))
    found.append(("check.class", ["check", *every], "pipe", ""))
    found.append(("check.class.colour", ["check", *every], "colour", ""))
    found.append(("gradcheck.probe.colour", ["gradcheck", "tanh-chain", "--method", "forward",
                                             "--weight", "u3", "--h", "1e-4"], "colour", ""))
    found.append(("gradcheck.answers.colour", ["gradcheck", "--answers", "xor.slips.yaml"],
                  "colour", ""))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    environments = {**ENVIRONMENTS, "narrow": {"COLUMNS": "50", "FORCE_COLOR": "1"}}
    manifest = []
    for name, args, env, stdin in cases(out):
        done = bptutor(args, environments[env], out, stdin)
        (out / f"{name}.txt").write_text(done.stdout, encoding="utf-8")
        manifest.append({"name": name, "args": args, "env": environments[env],
                         "stdin": stdin, "exit": done.returncode})
        if done.stderr:
            (out / f"{name}.stderr.txt").write_text(done.stderr, encoding="utf-8")
    (out / "cases.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(manifest)} cases in {out}")


if __name__ == "__main__":
    main()
