"""The terminal: a rich console on standard output, lines from standard input, a progress bar.

rich is imported inside each function, so a command that prints JSON never loads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from bptutor.errors import BptutorError, printable

if TYPE_CHECKING:
    from rich.console import Console

Reader = Callable[[], "str | None"]

def printable_error(error: object) -> str:
    """An error (``path:line:col: error: …`` and its hint line) with any text from a file
    escaped, the line break before the hint kept."""
    return "\n".join(printable(line) for line in str(error).split("\n"))


def utf8_output() -> None:
    """Standard output and error in UTF-8 whatever the locale says (cp1252 on a Windows
    redirect cannot write σ′ or ✓); a character that still cannot be written is replaced.
    Standard output survives a closed pipe (``| head``): see ``PipeSafe``."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    if not isinstance(sys.stdout, PipeSafe) and hasattr(sys.stdout, "fileno"):
        sys.stdout = PipeSafe(sys.stdout)


class PipeSafe:
    """Standard output that goes quiet when its reader closes the pipe (``check … | head``):
    the rest of the output goes to the null device, so the command still writes its files
    (``--csv``) and ends with its own exit code, as the Python docs recommend for SIGPIPE."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.closed_pipe = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)
        except OSError as exc:  # a full disk, /dev/full: an error, not a traceback
            raise _unwritable(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()
        except OSError as exc:
            raise _unwritable(exc) from None

    def _silence(self) -> None:
        self.closed_pipe = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)
        try:
            self._stream.flush()  # what was buffered goes to the null device
        except OSError:
            pass


def _unwritable(exc: OSError) -> BptutorError:
    return BptutorError("<stdout>", None, f"cannot write the output: {exc.strerror}",
                        "the output goes to a file or device that is full or refuses it")


def console(no_color: bool = False) -> Console:
    """The console every terminal view prints to; ``--no-color`` and NO_COLOR drop colours."""
    from rich.console import Console

    return clamped(Console(no_color=no_color or bool(os.environ.get("NO_COLOR")) or None,
                           highlight=False, emoji=False))


MAX_WIDTH, MAX_HEIGHT = 1000, 1000  # COLUMNS=99999999 would pad every line to that width


def clamp_size_variables() -> None:
    """COLUMNS and LINES above the limits are lowered in the environment, so every console
    (typer's help and usage errors too) renders at a sane size."""
    for variable, limit in (("COLUMNS", MAX_WIDTH), ("LINES", MAX_HEIGHT)):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > limit:
            os.environ[variable] = str(limit)


def clamped(out: Console) -> Console:
    """The console with its size (from COLUMNS and LINES where set) kept within reason."""
    if out.width > MAX_WIDTH:
        out.width = MAX_WIDTH
    if out.height > MAX_HEIGHT:
        out.height = MAX_HEIGHT
    return out


MAX_INPUT_LINE = 4096  # characters: an answer is a number; /dev/zero is one endless line


def stdin_reader() -> tuple[Reader, bool]:
    """A line reader for standard input (None at its end), and whether to echo what it reads.

    A terminal echoes what is typed; piped input does not, so ``quiz`` echoes the answers
    after their prompts to keep the transcript readable. A closed standard input is one
    with nothing in it; a line longer than MAX_INPUT_LINE is a located error (exit 2)."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:  # `bptutor quiz <&-`
        return lambda: None, False
    if _is_tty(stdin):
        try:
            import readline  # noqa: F401  (line editing for input())
        except ImportError:
            pass

        def read_tty() -> str | None:
            try:
                return input()
            except (EOFError, KeyboardInterrupt, OSError):
                return None

        return read_tty, False
    return _pipe_reader(stdin), True


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _pipe_reader(stdin: TextIO) -> Reader:
    """Lines of piped input, read in bounded pieces and decoded leniently (a stray byte
    becomes U+FFFD, an unreadable answer rather than a crash)."""
    binary = getattr(stdin, "buffer", None)
    count = 0

    def read_pipe() -> str | None:
        nonlocal count
        try:
            raw = (binary.readline(MAX_INPUT_LINE + 1) if binary is not None
                   else stdin.readline(MAX_INPUT_LINE + 1))
        except (OSError, ValueError):
            return None
        if not raw:
            return None
        count += 1
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if len(raw) > MAX_INPUT_LINE and not line.endswith("\n"):
            print(f"<stdin>:{count}:1: error: the line is longer than {MAX_INPUT_LINE:,} "
                  "characters\nhint: answer with one number per line", file=sys.stderr)
            raise SystemExit(2)
        return line.rstrip("\r\n")

    return read_pipe


@contextmanager
def epoch_progress(epochs: int) -> Iterator[Callable[[int, float], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal (pipes stay clean); yields the
    per-epoch callback for ``training.train``, or None."""
    from rich.console import Console

    err = clamped(Console(stderr=True))
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training"), BarColumn(), TextColumn("epoch {task.completed:.0f}/"
               "{task.total:.0f}  E = {task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("train", total=epochs, loss="…")
        yield lambda epoch, loss: progress.update(task, completed=epoch, loss=f"{loss:.4g}")
