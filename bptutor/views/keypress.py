"""One key at a time from a terminal, for ``solve --step``: nothing echoed, nothing to erase.

In a terminal a key is read without echo (termios cbreak): Enter, Space, n, → or ↓ turn the
page and q, Esc or Ctrl-D stop. Piped input (``yes '' | bptutor solve xor --step``) and
systems without termios read whole lines with ``terminal.stdin_reader``: each line turns the
page and ``q`` stops.
"""

from __future__ import annotations

import sys

from bptutor.views.terminal import Reader, stdin_reader

NEXT = {b"\r", b"\n", b" ", b"n", b"\x1b[C", b"\x1b[B", b"\x1b[6~", b"\x1bOC", b"\x1bOB"}
QUIT = {b"q", b"Q", b"\x1b"}
END = {b"\x04", b"\x03", b""}  # Ctrl-D, Ctrl-C (when not a signal), end of input


def page_reader() -> tuple[Reader, bool]:
    """A reader for ``render_stepwise`` ('' next, 'q' quit, None at the end) and whether it
    reads single keys (else lines)."""
    try:
        import termios  # noqa: F401  (not on Windows)
    except ImportError:
        return stdin_reader()[0], False
    if sys.stdin is None or sys.stdin.closed or not sys.stdin.isatty():  # `<&-` too
        return stdin_reader()[0], False
    return read_key, True


def read_key() -> str | None:
    """Wait for a key that means next or quit; other keys are ignored."""
    while True:
        try:
            key = _one_key()
        except KeyboardInterrupt:
            return None
        if key in NEXT:
            return ""
        if key in QUIT:
            return "q"
        if key in END:
            return None


def _one_key(fd: int | None = None) -> bytes:
    """The bytes of one key press on ``fd`` (standard input); an arrow's escape sequence
    comes in one read."""
    import os
    import termios
    import tty

    fd = sys.stdin.fileno() if fd is None else fd
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)  # no line buffering, no echo; Ctrl-C still interrupts
        return os.read(fd, 8)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
