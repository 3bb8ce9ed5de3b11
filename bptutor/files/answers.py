"""Answers files (SPEC §4): reading a student's numbers as written (templates are a view)."""

from __future__ import annotations

import errno
import math
import os
import re
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


@dataclass
class Answer:
    key: str  # the sheet key it answers (``AnswersFile.resolved``), else as cleaned
    text: str | None  # as written; None when left empty
    value: float | None  # None when empty or unreadable
    decimals: int | None  # decimals written (None: exact, like a fraction)
    mark: Mark
    written_key: str = ""
    significant: int | None = None  # significant figures written
    key_mark: Mark | None = None  # where the key is written


def significant_figures(text: str) -> int | None:
    """How many significant figures a decimal number was written with (0.060 has 2)."""
    text = text.strip().translate(_MINUS).lstrip("+-")
    mantissa = re.split(r"[eE]", text)[0]
    if not re.fullmatch(r"\d*(?:\.\d*)?", mantissa) or not any(c.isdigit() for c in mantissa):
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
        out = replace(self, answers={})
        for answer in self.answers.values():
            written = answer.written_key or answer.key
            key = keys.canonical(written, known)
            if key in out.answers:
                raise BptutorError(self.path, answer.key_mark or answer.mark,
                                   f"{written!r} answers {key!r} a second time")
            out.answers[key] = replace(answer, key=key)
        return out


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
    number = read_number(node.text)
    value, decimals = number if number else (None, None)
    return Answer(key, node.text, value, decimals, node.mark, written,
                  significant_figures(node.text) if number else None, key_mark)


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


def load_problem(sheet: AnswersFile):
    """The problem an answers file names; a missing one is an error at its ``problem:`` line."""
    from bptutor.files.problems import load as load_problem_file

    try:
        return load_problem_file(sheet.problem)
    except BptutorError as exc:
        if exc.path == sheet.problem and "no such file" in exc.message:
            raise BptutorError(sheet.path, sheet.problem_mark,
                               f"problem {sheet.problem!r}: {exc.message}", exc.hint) from None
        raise
