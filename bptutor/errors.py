"""The one error type users see: a message tied to a place in a file."""

from __future__ import annotations

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
