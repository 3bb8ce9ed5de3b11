"""Marking answers files as ``bptutor check`` does: one file, or a class of them.

A class set is marked file by file, each problem solved once (``Graders``). A file that cannot
be read, or whose problem cannot, is reported as its error and the others are still marked:
one broken file does not cost the rest of the class its marks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bptutor.errors import BptutorError
from bptutor.files import answers as answers_file
from bptutor.files.answers import AnswersFile
from bptutor.sheet.worksheet import Worksheet
from bptutor.sheet.worksheet import solve as solve_sheet
from bptutor.tools.grading import Grader, Graders, Report


def grade(answers: str | Path | AnswersFile, sheet: Worksheet | None = None,
          only: str | None = None) -> Report:
    """Mark one answers file (a path, or one already read) against ``sheet``, by default its
    own problem's worksheet; ``only`` is a pass (forward, backward, update). Bad input raises
    BptutorError."""
    written = answers if isinstance(answers, AnswersFile) else answers_file.load(answers)
    if sheet is None:
        sheet = solve_sheet(answers_file.load_problem(written))
    return Grader(sheet).grade(written, only)


Marked = Report | BptutorError


@dataclass
class Marking:
    """A class set's outcome: a report per marked file, an error per file that could not be."""

    reports: list[Report] = field(default_factory=list)
    errors: list[BptutorError] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """``check``'s: 2 when a file could not be marked, else 0 when every answer earned
        its point, 1 otherwise."""
        if self.errors:
            return 2
        return 0 if all(report.all_right for report in self.reports) else 1


def mark_each(paths: Iterable[str | Path], only: str | None = None) -> Iterator[Marked]:
    """Each answers file marked in turn: its report, or the error that stopped it."""
    graders = Graders()
    for path in paths:
        try:
            written = answers_file.load(path)
            outcome: Marked = graders.for_answers(written).grade(written, only)
        except BptutorError as exc:
            outcome = exc
        yield outcome


def mark_files(paths: Iterable[str | Path], only: str | None = None,
               on_each: Callable[[Marked], None] | None = None) -> Marking:
    """Mark every file; ``on_each`` sees each outcome as it comes (a view printing reports
    while the rest are marked)."""
    marking = Marking()
    for outcome in mark_each(paths, only):
        if isinstance(outcome, BptutorError):
            marking.errors.append(outcome)
        else:
            marking.reports.append(outcome)
        if on_each:
            on_each(outcome)
    return marking
