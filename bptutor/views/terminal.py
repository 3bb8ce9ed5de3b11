"""The terminal: a rich console on standard output, lines from standard input, a progress bar.

rich is imported inside each function, so a command that prints JSON never loads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

Reader = Callable[[], "str | None"]


def console(no_color: bool = False) -> Console:
    """The console every terminal view prints to; ``--no-color`` and NO_COLOR drop colours."""
    from rich.console import Console

    return Console(no_color=no_color or bool(os.environ.get("NO_COLOR")) or None,
                   highlight=False, emoji=False)


def stdin_reader() -> tuple[Reader, bool]:
    """A line reader for standard input (None at its end), and whether to echo what it reads.

    A terminal echoes what is typed; piped input does not, so ``quiz`` echoes the answers
    after their prompts to keep the transcript readable."""
    if sys.stdin.isatty():
        try:
            import readline  # noqa: F401  (line editing for input())
        except ImportError:
            pass

        def read_tty() -> str | None:
            try:
                return input()
            except (EOFError, KeyboardInterrupt):
                return None

        return read_tty, False

    def read_pipe() -> str | None:
        line = sys.stdin.readline()
        return line.rstrip("\r\n") if line else None

    return read_pipe, True


@contextmanager
def epoch_progress(epochs: int) -> Iterator[Callable[[int, float], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal (pipes stay clean); yields the
    per-epoch callback for ``training.train``, or None."""
    from rich.console import Console

    err = Console(stderr=True)
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training"), BarColumn(), TextColumn("epoch {task.completed:.0f}/"
               "{task.total:.0f}  E = {task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("train", total=epochs, loss="…")
        yield lambda epoch, loss: progress.update(task, completed=epoch, loss=f"{loss:.4g}")
