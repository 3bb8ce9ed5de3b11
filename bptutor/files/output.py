"""Files the user asks a command to write (``-o``, ``--save``, ``--csv``, ``--save-svg``).

One rule for all of them: ``-`` (or no file) means standard output, an existing file is never
replaced without ``--force``, and a written file is announced on stderr (``wrote FILE: …``)
so that standard output stays what the command prints.
"""

from __future__ import annotations

import os
import sys

from bptutor.errors import BptutorError, write_file

STDOUT = "-"


def to_stdout(path: str | None) -> bool:
    return path is None or path == STDOUT


def refuse_overwrite(path: str | None, force: bool = False) -> None:
    """Fail before any work is done when ``path`` exists and ``force`` is not given."""
    if path is not None and not to_stdout(path) and not force and os.path.exists(path):
        raise BptutorError(path, None, "the file exists; bptutor never overwrites a file",
                           "choose another name, or add --force to replace it")


def write_output(path: str | None, text: str, force: bool = False, then: str | None = None,
                 announce: bool = True) -> None:
    """Write ``text`` to ``path`` (standard output for ``-`` or None), never replacing a file
    without ``force``; announce it on stderr as ``wrote PATH`` plus ``: then`` when given."""
    if path is None or to_stdout(path):
        sys.stdout.write(text)
        return
    refuse_overwrite(path, force)
    write_file(path, text)
    if announce:
        print(f"wrote {path}" + (f": {then}" if then else ""), file=sys.stderr)
