"""Answers files (SPEC §4): reading a student's numbers as written (templates are a view)."""

from __future__ import annotations

import errno
import hashlib
import math
import os
import re
import stat
from collections.abc import Container
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from bptutor.errors import BptutorError, Mark, clip
from bptutor.files.yamlfile import Map, Node, Scalar, read
from bptutor.model import keys

# unambiguous digit runs (no \d+\.?\d*): backtracking over a long one would be quadratic
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.(\d*))?|\.(\d+))(?:[eE]([-+]?\d+))?")
_FRACTION = re.compile(r"([-+]?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)")
_MINUS = str.maketrans({"−": "-", "–": "-"})  # in numbers; keys.clean does keys


@dataclass(slots=True)  # made for every answer of a class: slots are quicker
class Answer:
    key: str  # the sheet key it answers (``AnswersFile.resolved``), else as cleaned
    text: str | None  # as written; None when left empty
    value: float | None  # None when empty or unreadable
    decimals: int | None  # decimals written (None: exact, like a fraction)
    mark: Mark
    written_key: str = ""
    significant: int | None = None  # significant figures written
    key_mark: Mark | None = None  # where the key is written


_EXPONENT = re.compile("[eE]")
_MANTISSA = re.compile(r"\d*(?:\.\d*)?")


def significant_figures(text: str) -> int | None:
    """How many significant figures a decimal number was written with (0.060 has 2)."""
    text = text.strip().translate(_MINUS).lstrip("+-")
    mantissa = _EXPONENT.split(text, 1)[0]
    if not _MANTISSA.fullmatch(mantissa) or mantissa in ("", "."):  # digits and one point
        return None
    digits = mantissa.replace(".", "").lstrip("0")
    if "." not in mantissa:
        digits = digits.rstrip("0") or digits
    return max(len(digits), 1)


@dataclass
class AnswersFile:
    path: str
    problem: str  # resolved path or bundled name
    problem_mark: Mark
    student: str | None
    answers: dict[str, Answer] = field(default_factory=dict)

    def resolved(self, known: Container[str]) -> AnswersFile:
        """The answers keyed by the sheet keys they mean. An alias depends on the sheet
        (``keys.canonical``: h' is a neuron's activation where the sheet has one, else
        new(h)), so it is read once the sheet's keys ``known`` are."""
        out = AnswersFile(self.path, self.problem, self.problem_mark, self.student)  # no answers
        for answer in self.answers.values():
            written = answer.written_key or answer.key
            # a key written as the sheet writes it is that key (keys.canonical, in short)
            key = written if written == answer.key and written in known \
                else keys.canonical(written, known)
            if key in out.answers:
                raise BptutorError(self.path, answer.key_mark or answer.mark,
                                   f"{written!r} answers {key!r} a second time"
                                   + _first_written(out.answers[key]))
            # an answer is never changed once read: one already keyed so is shared
            out.answers[key] = answer if key == answer.key else replace(answer, key=key)
        return out


def _first_written(first: Answer) -> str:
    """Where a key answered twice was first answered, when it was written otherwise (δ(O6))."""
    written = first.written_key or first.key
    if written == first.key:
        return ""
    mark = first.key_mark or first.mark
    return f" (first written {written!r}, line {mark.line})"


def read_number(text: str) -> tuple[float, int | None] | None:
    """The number a student wrote and how many decimals they wrote; None if unreadable.

    A number beyond the float range (``1e999``, ``10**400/1``) is unreadable too: SPEC §4
    makes it ``invalid``, not an error that stops the file."""
    text = text.strip().translate(_MINUS).replace(" ", "")
    match = _NUMBER.fullmatch(text)
    if match:
        exponent = match.group(3) or "0"
        if len(exponent.lstrip("+-0")) > 6:  # far beyond any float (and int() of it is slow)
            return None
        value = float(text)
        if not math.isfinite(value):
            return None
        return value, max(0, len(match.group(1) or match.group(2) or "") - int(exponent))
    match = _FRACTION.fullmatch(text)
    if match:
        try:
            return float(Fraction(match.group(1)) / Fraction(match.group(2))), None
        except (ArithmeticError, ValueError):  # a zero denominator, too large, too many digits
            return None
    return None


def load(path: str | Path) -> AnswersFile:
    name = str(path)
    root = read(path, finite=False)  # 1e999 is one invalid answer, not a broken file
    if not isinstance(root, Map):
        raise BptutorError(name, getattr(root, "mark", None),
                           "an answers file is a mapping with 'problem' and 'answers'",
                           "run 'bptutor template PROBLEM -o FILE' to make one")
    for key in root.items:
        if key not in ("problem", "student", "answers"):
            raise BptutorError(name, root.key_marks[key], f"unknown key {key!r} in an answers file",
                               "an answers file has 'problem', 'student' and 'answers'")
    problem = root.get("problem")
    if not isinstance(problem, Scalar) or not isinstance(problem.value, str):
        raise BptutorError(name, problem.mark if problem else root.mark,
                           "the answers file needs 'problem:' naming the problem file",
                           "a path relative to this file, or a bundled problem's name")
    student = root.get("student")
    result = AnswersFile(name, _problem_path(problem, Path(path)), problem.mark,
                         student.text if isinstance(student, Scalar) and student.value else None)
    answers = root.get("answers")
    if answers is None or (isinstance(answers, Scalar) and answers.value is None):
        return result
    if not isinstance(answers, Map):
        raise BptutorError(name, answers.mark, "'answers' must map keys to numbers",
                           "e.g.  answers:\n  z(q): -0.8")
    for written, node in answers.items.items():
        key = keys.clean(written)  # aliases wait for the sheet: AnswersFile.resolved
        mark = answers.key_marks[written]
        if key in result.answers:
            raise BptutorError(name, mark, f"{written!r} answers {key!r} a second time")
        result.answers[key] = _answer(key, node, written, mark)
    return result


def _answer(key: str, node: Node, written: str, key_mark: Mark) -> Answer:
    """One answer as written: a number, empty, or unreadable."""
    if not isinstance(node, Scalar):
        return Answer(key, "(a list or mapping)", None, None, node.mark, written, None, key_mark)
    if (node.value is None and not node.quoted) or not node.text.strip():
        return Answer(key, None, None, None, node.mark, written, None, key_mark)
    value, decimals, significant = _read(node.text)
    return Answer(key, node.text, value, decimals, node.mark, written, significant, key_mark)


_READ: dict[str, tuple[float | None, int | None, int | None]] = {}  # text -> what _read gives
_READ_KEPT, _READ_LENGTH = 100_000, 40  # numbers kept read, of at most 40 characters: a
# class writes the same ones again and again


def _read(text: str) -> tuple[float | None, int | None, int | None]:
    """A number as written: its value, decimals and significant figures (None, None, None
    if unreadable)."""
    found = _READ.get(text)
    if found is None:
        number = read_number(text)
        found = (*number, significant_figures(text)) if number else (None, None, None)
        if len(text) <= _READ_LENGTH:  # a long text is no number a class repeats
            if len(_READ) > _READ_KEPT:
                _READ.clear()
            _READ[text] = found
    return found


def _problem_path(node: Scalar, answers_path: Path) -> str:
    problem, candidate = str(node.value), answers_path.parent / str(node.value)
    try:
        if "\0" in problem:  # only a quoted "\0" puts one there; no file name holds it
            raise OSError(errno.EINVAL, "a file name cannot hold a NUL character")
        exists = candidate.exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise BptutorError(str(answers_path), node.mark, f"cannot use {clip(problem)!r} as a "
                           f"problem file: {exc.strerror}",
                           "a path relative to this file, or a bundled problem's name") from None
    if exists or "/" in problem or problem.endswith((".yaml", ".yml")):
        return str(candidate)
    return problem  # a bundled problem's name


def relative_problem(problem_path: str, output: str | None, bundled: bool) -> str:
    """How an answers file at ``output`` should name its problem."""
    if bundled:
        return Path(problem_path).stem
    base = Path(output).resolve().parent if output else Path.cwd()
    return os.path.relpath(Path(problem_path).resolve(), base)


@dataclass(frozen=True)
class ProblemRef:
    """The problem a file is marked against: its name as given, the file, and a fingerprint of
    the file's bytes (so a gradebook shows which problem, not only which name)."""

    name: str  # a bundled problem's name, or the path as given
    path: Path  # the file found
    sha256: str  # the first 12 hex digits of the SHA-256 of its bytes

    def __str__(self) -> str:
        return f"{self.name} (sha256 {self.sha256})"

    def as_json(self) -> dict:
        return {"name": self.name, "sha256": self.sha256}


NOT_A_FILE_HINT = "a problem is a bundled problem's name or a regular file"


def problem_ref(name: str, where: tuple[str, Mark] | None = None) -> ProblemRef:
    """Find the problem ``name`` and fingerprint it. Only a bundled problem or a regular file
    will do: a device, FIFO or folder is refused before it is opened, so nothing blocks on it.
    Errors are reported at ``where`` (an answers file's ``problem:`` line) when given, and never
    quote the named file's contents."""
    from bptutor.files.problems import locate
    from bptutor.files.yamlfile import MAX_FILE_BYTES

    def fail(message: str, hint: str | None = None) -> BptutorError:
        if where is None:
            return BptutorError(clip(name), None, message, hint)
        return BptutorError(where[0], where[1], f"problem {clip(name, 240)!r}: {message}", hint)

    try:
        path = locate(name)
        fingerprint = _read_regular(path, MAX_FILE_BYTES)
    except BptutorError as exc:  # locate's own messages: about the name, not the contents
        raise fail(exc.message, exc.hint) from None
    except FileNotFoundError:
        raise fail("no such file") from None
    except _NotRegular as exc:
        raise fail(f"this is {exc.args[0]}, not a problem file", NOT_A_FILE_HINT) from None
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read the file: {getattr(exc, 'strerror', None) or exc}") from None
    return ProblemRef(name, path, fingerprint)


class _NotRegular(Exception):
    """A path that names something other than a regular file (args[0] says what)."""


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read_regular(path: Path, limit: int) -> str:
    """The sha256 prefix of a regular file's first ``limit`` bytes; the file is checked with
    stat before it is opened, and opened without blocking in case it was swapped since."""
    kind = _kind(os.stat(path).st_mode)
    if kind:
        raise _NotRegular(kind)
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        kind = _kind(os.fstat(stream.fileno()).st_mode)
        if kind:
            raise _NotRegular(kind)
        data = stream.read(limit + 1)
    return hashlib.sha256(data).hexdigest()[:12]


def load_problem(sheet: AnswersFile, ref: ProblemRef | None = None):
    """The problem an answers file names (``ref``: already found and fingerprinted). Every
    error about it is reported at the answers file's ``problem:`` line, without quoting the
    problem file (it may be any file the student named: its contents are not theirs to see)."""
    where = (sheet.path, sheet.problem_mark)
    return load_named_problem(ref or problem_ref(sheet.problem, where), where)


def load_named_problem(ref: ProblemRef, where: tuple[str, Mark] | None = None):
    """The problem ``ref`` found; a file that is not a valid problem is an error at ``where``
    naming the place of its first error, not what is there."""
    from bptutor.files.problems import load as load_problem_file

    try:
        return load_problem_file(ref.path)
    except BptutorError as exc:
        if where is None:
            raise
        place = f"line {exc.mark.line}, column {exc.mark.col}"
        raise BptutorError(where[0], where[1], f"problem {clip(ref.name, 240)!r} is not a valid "
                           f"problem file (its first error is at {place})",
                           f"run 'bptutor solve {clip(str(ref.path), 80)}' to see it") from None
