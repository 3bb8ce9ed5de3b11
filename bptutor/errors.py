"""The one error type users see: a message tied to a place in a file."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in a file."""

    line: int = 1
    col: int = 1


class BptutorError(Exception):
    """Bad input: printed as ``path:line:col: error: message`` (plus a hint), exit code 2."""

    def __init__(self, path: str, mark: Mark | None, message: str, hint: str | None = None):
        super().__init__(message)
        self.path = path
        self.mark = mark or Mark()
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.path}:{self.mark.line}:{self.mark.col}: error: {self.message}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class OptionError(ValueError):
    """Options a tool cannot work with (``--mode minibatch`` without a batch size): the command
    line reports it as a usage error on ``option`` (None: on the command), exit code 2."""

    def __init__(self, option: str | None, message: str):
        super().__init__(message)
        self.option = option
        self.message = message


def clip(text: str, limit: int = 40) -> str:
    """User text short enough to quote in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Characters a file must not send to a terminal: C0 and C1 controls and DEL (ESC sequences
# clear a screen and paint a fake score; a newline forges a report line), bidirectional
# overrides (they reorder what is shown) and the Unicode line separators.
UNSAFE_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2066-\u2069]")


def control_character(text: str, allowed: str = "\t") -> str | None:
    """The first character of ``text`` that could control a terminal, but those ``allowed``
    (a tab only moves the cursor on); None when there is none."""
    found = UNSAFE_CHARACTERS.search(text.translate(dict.fromkeys(map(ord, allowed))))
    return found.group() if found else None


def printable(text: str) -> str:
    """``text`` with every character that could control a terminal shown escaped, as Python
    writes it (ESC as \\x1b, a newline as \\n): what a student wrote is shown, never obeyed."""
    return UNSAFE_CHARACTERS.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return repr(char)[1:-1] if char.isascii() or ord(char) < 0x100 else f"\\u{ord(char):04x}"
