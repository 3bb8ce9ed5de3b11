"""Files the user asks a command to write (``-o``, ``--save``, ``--csv``, ``--save-svg``).

One rule for all of them: ``-`` (or no file) means standard output; an existing file is never
replaced without ``--force``, and a command's own input never, even with it; a written file is
announced on stderr (``wrote FILE: …``) so that standard output stays what the command prints.

A file is written to a temporary file in the same folder and then moved into place in one
step: linked (which fails if the name exists, so a file created after the early check is still
not overwritten) or, with ``--force``, renamed over the old one. A reader never sees half a file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bptutor.errors import BptutorError

STDOUT = "-"
_EXISTS_HINT = "choose another name, or add --force to replace it"


def to_stdout(path: str | None) -> bool:
    return path is None or path == STDOUT


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file however they are spelt (``x.svg``, ``./x.svg``, a
    symlink, a hard link): the same device and inode where both exist, else one resolved path."""
    try:
        first, second = os.stat(a), os.stat(b)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        try:
            return Path(a).resolve() == Path(b).resolve()
        except (OSError, RuntimeError, ValueError):
            return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def refuse_overwrite(path: str | None, force: bool = False,
                     inputs: Iterable[str | Path] = ()) -> None:
    """Fail before any work is done when ``path`` is one of the command's ``inputs`` (even
    with ``force``), or exists and ``force`` is not given."""
    if path is None or to_stdout(path):
        return
    for name in inputs:
        if same_file(path, name):
            raise BptutorError(path, None, f"this is the command's own input ({name}); "
                               "bptutor never overwrites its input, even with --force",
                               "choose another name for the output")
    if not force and os.path.lexists(path):
        raise BptutorError(path, None, "the file exists; bptutor never overwrites a file",
                           _EXISTS_HINT)


def write_output(path: str | None, text: str, force: bool = False, then: str | None = None,
                 announce: bool = True, inputs: Iterable[str | Path] = ()) -> None:
    """Write ``text`` to ``path`` (standard output for ``-`` or None), never replacing a file
    without ``force`` nor an input at all; announce it on stderr as ``wrote PATH`` plus
    ``: then`` when given."""
    if path is None or to_stdout(path):
        sys.stdout.write(text)
        return
    refuse_overwrite(path, force, inputs)
    _write_atomically(path, text, force)
    if announce:
        print(f"wrote {path}" + (f": {then}" if then else ""), file=sys.stderr)


def _write_atomically(path: str, text: str, force: bool) -> None:
    folder = os.path.dirname(path) or "."
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".bptutor-", suffix=".tmp")
    except OSError as exc:
        raise BptutorError(path, None, f"cannot write the file: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:  # \n everywhere
            out.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp's 0600 is for the temporary name
        if force:
            os.replace(temporary, path)
        else:
            _link_exclusively(temporary, path)
    except FileExistsError:
        raise BptutorError(path, None, "the file was created while bptutor worked; bptutor "
                           "never overwrites a file", _EXISTS_HINT) from None
    except OSError as exc:
        raise BptutorError(path, None, f"cannot write the file: {exc.strerror}") from None
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _link_exclusively(temporary: str, path: str) -> None:
    """Give the finished file its name only if the name is free (FileExistsError if not)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: create the name exclusively instead
        with open(path, "x", encoding="utf-8", newline="\n") as out, \
                open(temporary, encoding="utf-8", newline="\n") as finished:
            out.write(finished.read())
