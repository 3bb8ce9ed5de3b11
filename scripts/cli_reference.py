"""The README's command reference, generated from the commands' own ``--help``.

    .venv/bin/python scripts/cli_reference.py           # rewrite the generated blocks of README.md
    .venv/bin/python scripts/cli_reference.py --check   # exit 1 when README.md is out of date

README.md holds two generated blocks between marker comments: ``commands`` (``bptutor
--help``: every command in a line or two) and ``reference`` (each command's ``--help``).
Each help text comes from a child ``bptutor … --help`` in a fixed environment — 100 columns,
no colour, TERM=dumb — so the text is the same on every machine; trailing spaces are cut.
tests/test_readme.py fails when the README and the help drift apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
COMMAND = ".venv/bin/python scripts/cli_reference.py"
WIDTH = 100
# Settings that would change rich's or typer's output: colour forced on, another width, CI.
_UNSET = ("FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE", "GITHUB_ACTIONS", "TTY_COMPATIBLE",
          "TTY_INTERACTIVE", "TERMINAL_WIDTH", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES",
          "_TYPER_FORCE_DISABLE_TERMINAL")
# One child prints every help text, under the command's installed name, each followed by
# a separator line.
_SEPARATOR = "\x00 end of help \x00"
_CHILD = f"""
import json, sys
from bptutor.cli import app
for command in json.loads(sys.argv[1]):
    try:
        app([*command, "--help"], prog_name="bptutor")
    except SystemExit as end:
        if end.code:
            raise
    print({_SEPARATOR!r}, flush=True)
"""


def help_texts(*commands: tuple[str, ...]) -> list[str]:
    """``bptutor COMMAND --help`` for each command, as a 100-column terminal without colour
    shows it, trailing spaces cut."""
    env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    env.update(COLUMNS=str(WIDTH), NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(commands)], env=env,
                          capture_output=True, text=True, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"bptutor --help failed:\n{done.stderr}")
    texts = done.stdout.split(_SEPARATOR + "\n")[:-1]
    return ["\n".join(line.rstrip() for line in text.splitlines()).strip("\n")
            for text in texts]


def help_text(*command: str) -> str:
    return help_texts(command)[0]


def command_names() -> list[str]:
    """The commands in the order ``bptutor --help`` lists them."""
    import typer.main

    from bptutor.cli import app

    return list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _fenced(text: str) -> str:
    return f"```text\n{text}\n```"


def blocks() -> dict[str, str]:
    """Each generated block's text, by marker name."""
    note = f"<!-- generated from --help by `{COMMAND}`: edit the commands, not this text -->"
    names = command_names()
    top, *each = help_texts((), *((name,) for name in names))
    reference = [note]
    for name, text in zip(names, each):
        reference += ["", f"### `bptutor {name}`", "", _fenced(text)]
    return {"commands": f"{note}\n\n{_fenced(top)}", "reference": "\n".join(reference)}


def updated(readme: str, generated: dict[str, str]) -> str:
    """``readme`` with the text between each ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``
    replaced by the block NAME."""
    for name, text in generated.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, found, rest = readme.partition(start)
        _, found_end, tail = rest.partition(end)
        if not (found and found_end):
            raise ValueError(f"README.md has no {start} … {end} block")
        readme = f"{head}{start}\n{text}\n{end}{tail}"
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report whether README.md is up to date (exit 1 if not)")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = updated(current, blocks())
    if args.check:
        if wanted != current:
            print(f"README.md's command reference is out of date: run '{COMMAND}'",
                  file=sys.stderr)
            return 1
        return 0
    if wanted != current:
        README.write_text(wanted, encoding="utf-8", newline="\n")
        print("updated README.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
