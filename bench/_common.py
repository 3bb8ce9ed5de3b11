"""What the benchmark scripts share: which command to time, and in what environment."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bptutor_command() -> tuple[list[str], str]:
    """The console script installed beside this interpreter, else ``python -m bptutor``."""
    folder = Path(sys.executable).parent
    for name in ("bptutor", "bptutor.exe"):
        script = folder / name
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)], f"console script {script}"
    return [sys.executable, "-m", "bptutor"], f"{sys.executable} -m bptutor (no console script)"


def add_bytecode_option(parser) -> None:
    parser.add_argument(
        "--bytecode", choices=("cache", "as-is"), default="cache",
        help="cache (default): child processes keep compiled bytecode in a temporary "
             "PYTHONPYCACHEPREFIX, as an installed bptutor would have it, even where the "
             "environment sets PYTHONDONTWRITEBYTECODE; as-is: the environment unchanged")


@contextmanager
def child_environment(bytecode: str) -> Iterator[tuple[dict[str, str], str]]:
    """The environment for timed processes, and a line saying what it does about bytecode.

    With PYTHONDONTWRITEBYTECODE set and no ``__pycache__`` beside the sources (an editable
    install in such an environment), every run compiles bptutor's modules afresh; a user's
    installed copy would not. The cache goes to a temporary folder, never into the tree.
    """
    env = dict(os.environ)
    if bytecode == "as-is":
        state = ("as the environment has it (PYTHONDONTWRITEBYTECODE="
                 f"{env.get('PYTHONDONTWRITEBYTECODE', '')!r})")
        yield env, state
        return
    folder = tempfile.mkdtemp(prefix="bptutor-bench-pyc-")
    try:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = folder
        yield env, f"cached in {folder} (PYTHONPYCACHEPREFIX), filled by the warm-up run"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
