"""Marking answers files as ``bptutor check`` does: one file, or a class of them.

A class set is marked file by file, each problem solved once (``Graders``). A file that cannot
be read, or whose problem cannot, is reported as its error and the others are still marked:
one broken file does not cost the rest of the class its marks, and it still gets its row.

``--problem P`` marks every file against P, whatever the file names: a student does not choose
what they are marked against. A file that names another problem is marked against P all the
same and flagged (status ``mismatch``) in every view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bptutor.errors import BptutorError, OptionError
from bptutor.files import answers as answers_file
from bptutor.files.answers import AnswersFile, ProblemRef, problem_ref
from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.grading import FOLLOW_THROUGH, MISMATCH, Grader, Graders, Report

ERROR = "error"  # the status of a file that could not be marked


def grade(answers: str | Path | AnswersFile, sheet: Worksheet | None = None,
          only: str | None = None, follow_through: str = "full") -> Report:
    """Mark one answers file (a path, or one already read) against ``sheet``, by default its
    own problem's worksheet; ``only`` is a pass (forward, backward, update). Bad input raises
    BptutorError."""
    written = answers if isinstance(answers, AnswersFile) else answers_file.load(answers)
    if sheet is not None:
        return Grader(sheet, follow_through).grade(written, only)
    return Graders(follow_through).for_answers(written).grade(written, only)


@dataclass
class Unmarked:
    """A file that could not be marked: its row says so, with the error."""

    path: str
    error: BptutorError
    student: str | None = None
    status: str = ERROR

    def as_json(self) -> dict:
        # score and max_score stay present (SPEC §5) as null: not marked is not a score of 0
        return {"path": self.path, "score": None, "max_score": None, "items": [],
                "status": self.status, "problem": None, "error": str(self.error)}


Marked = Report | Unmarked


@dataclass
class Marking:
    """A class set's outcome: a row per file given, in order — a report, or why not. With
    ``keep`` false the outcomes are counted, not kept (a view that wrote each as it came)."""

    outcomes: list[Marked] = field(default_factory=list)
    keep: bool = True
    unmarked: int = 0  # files that could not be marked
    imperfect: int = 0  # files marked with a point lost, or against another problem

    def __post_init__(self) -> None:
        for outcome in self.outcomes:
            self._count(outcome)

    def add(self, outcome: Marked) -> None:
        self._count(outcome)
        if self.keep:
            self.outcomes.append(outcome)

    def _count(self, outcome: Marked) -> None:
        if isinstance(outcome, Unmarked):
            self.unmarked += 1
        elif not outcome.all_right or outcome.status == MISMATCH:
            self.imperfect += 1

    @property
    def reports(self) -> list[Report]:
        return [outcome for outcome in self.outcomes if isinstance(outcome, Report)]

    @property
    def errors(self) -> list[BptutorError]:
        return [outcome.error for outcome in self.outcomes if isinstance(outcome, Unmarked)]

    @property
    def exit_code(self) -> int:
        """``check``'s: 2 when a file could not be marked, else 0 when every answer earned
        its point (in a file naming the problem it was marked against), 1 otherwise."""
        if self.unmarked:
            return 2
        return 1 if self.imperfect else 0


class Marker:
    """Marks answers files by the TA's choices: the problem (``--problem``, else each file's
    own), the pass (``only``) and the follow-through policy."""

    def __init__(self, only: str | None = None, problem: str | None = None,
                 follow_through: str = "full"):
        if follow_through not in FOLLOW_THROUGH:
            raise ValueError(f"follow_through is one of {', '.join(FOLLOW_THROUGH)}")
        self.only = only
        self.graders = Graders(follow_through)
        self.fixed = self.graders.for_problem(problem) if problem is not None else None
        if self.fixed is not None:
            Grader.check_only(self.fixed.sheet, only)  # a usage error before any file

    def mark(self, path: str | Path) -> Marked:
        try:
            written = answers_file.load(path)
        except BptutorError as exc:
            return Unmarked(str(path), exc)
        try:
            if self.fixed is None:
                return self.graders.for_answers(written).grade(written, self.only)
            report = self.fixed.grade(written, self.only)
        except BptutorError as exc:
            return Unmarked(str(path), exc, written.student)
        except OptionError as exc:  # --only a pass this file's problem does not have
            return Unmarked(str(path), BptutorError(written.path, written.problem_mark,
                                                    f"{exc.option} {self.only}: {exc.message}"),
                            written.student)
        note = self.names_other(written)
        if note:
            report.status, report.note = MISMATCH, note
        return report

    def names_other(self, written: AnswersFile) -> str:
        """Why the problem the file names is not the one it is marked against ("" if it is).
        Only the named file's fingerprint is read: it is not what the file is marked against."""
        assert self.fixed is not None and self.fixed.problem is not None
        try:
            named: ProblemRef = problem_ref(written.problem,
                                            (written.path, written.problem_mark))
        except BptutorError as exc:
            return f"the file names another problem, which cannot be used: {exc.message}"
        if named.sha256 == self.fixed.problem.sha256:
            return ""
        return f"the file names another problem: {named}"


def mark_each(paths: Iterable[str | Path], only: str | None = None,
              problem: str | None = None, follow_through: str = "full",
              marker: Marker | None = None) -> Iterator[Marked]:
    """Each answers file marked in turn: its report, or why it could not be marked;
    ``marker`` (else one made of the other options) marks them."""
    marker = marker or Marker(only, problem, follow_through)
    for path in paths:
        yield marker.mark(path)


def mark_files(paths: Iterable[str | Path], only: str | None = None,
               on_each: Callable[[Marked], None] | None = None, problem: str | None = None,
               follow_through: str = "full", marker: Marker | None = None,
               keep: bool = True) -> Marking:
    """Mark every file; ``on_each`` sees each outcome as it comes (a view printing reports
    while the rest are marked); ``keep`` false keeps only the counts."""
    marking = Marking(keep=keep)
    for outcome in mark_each(paths, only, problem, follow_through, marker):
        marking.add(outcome)
        if on_each:
            on_each(outcome)
    return marking
