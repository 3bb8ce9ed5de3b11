"""check's machine-readable outputs: the JSON document, written a file at a time, and the CSV
gradebook. Neither needs rich, so ``check -f json`` starts without loading it.

Everything a file supplies is escaped as in the terminal views (``terminal.printable``), and a
gradebook cell can never run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from bptutor.tools.grading import Report
from bptutor.tools.marking import Marked, Unmarked
from bptutor.views.json_view import Written, indented, record_insides, records
from bptutor.views.terminal import printable

REVEAL = ("verdict", "diagnosis", "answer")  # how much check shows (--reveal)
_KEPT_ITEMS = 100_000  # correct items' texts kept (a class's keys × the ways they are written)


def score_text(value: float) -> str:
    return f"{value:g}"


def json_doc(outcomes: list[Marked]) -> dict:
    return {"files": [outcome.as_json() for outcome in outcomes]}


# characters that could control a terminal which json does not escape (it does those < U+0020)
_CONTROL = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(doc: object, level: int = 0) -> str:
    """JSON (indented, as nested ``level`` deep) with every character that could control a
    terminal written as a \\u escape: the same data, safe to print."""
    text = indented(doc, level)
    if text.isascii() and "\x7f" not in text:  # O(1) and a memchr: most documents
        return text
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class JsonFiles:
    """``check -f json`` written a file at a time, as each is marked (memory stays flat): the
    same text as ``json_text(json_doc(outcomes))``.

    A class writes the same right answers again and again, so a correct item's text is kept:
    it follows from the sheet, the key and the answer as written (the number read from it,
    the sheet's value and exact value, the verdict and no message)."""

    OPENING = '{\n  "files": ['
    ITEM_LEVEL = 3  # a file's items: files → [ → { → items

    def __init__(self) -> None:
        self.files = 0
        self._sheets: dict[int, object] = {}  # each sheet seen, kept so its id stays its own
        self._correct: dict[tuple[int, str, str], str] = {}

    def file(self, outcome: Marked) -> str:
        """A file's object, after the opening or the previous file's."""
        self.files += 1
        doc = outcome.json_with(self._items(outcome)) if isinstance(outcome, Report) \
            else outcome.as_json()
        return ("\n    " if self.files == 1 else ",\n    ") + json_text(doc, 2)

    def _items(self, report: Report) -> Written:
        sheet = id(report.sheet)
        self._sheets.setdefault(sheet, report.sheet)
        if len(self._correct) >= _KEPT_ITEMS:
            self._correct.clear()
        kept = self._correct
        insides: list[str] = []
        new: list[tuple[int, tuple[int, str, str] | None]] = []  # to write: where, key to keep
        for item in report.items:
            key = None if item.verdict != "correct" or item.message or item.written is None \
                or item.diagnosis or item.because else (sheet, item.key, item.written)
            inside = kept.get(key) if key else None
            if inside is None:
                new.append((len(insides), key))
            insides.append(inside or "")
        # the rest in one call
        written = record_insides([report.items[n].as_json() for n, _ in new], self.ITEM_LEVEL)
        for (n, key), inside in zip(new, written):
            insides[n] = inside
            if key:
                kept[key] = inside
        return records(insides, self.ITEM_LEVEL)

    def closing(self) -> str:
        return ("\n  ]" if self.files else "]") + "\n}"


# a cell a spreadsheet would run as a formula; a plain number (-0.5) stays a number
_FORMULA = re.compile(r"[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def csv_cell(value: object) -> str:
    """A gradebook cell that cannot be a formula (``=HYPERLINK(…)`` becomes text)."""
    text = "" if value is None else str(value)
    if _FORMULA.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def gradebook_csv(outcomes: list[Marked]) -> str:
    book = Gradebook()
    for outcome in outcomes:
        book.add(outcome)
    return book.text()


class Gradebook:
    """``--csv``: a row per file, kept as its cells while the files are marked (the reports
    themselves need not be kept), written once the columns, every step's key, are known."""

    def __init__(self) -> None:
        self.keys: dict[str, None] = {}  # the steps' keys in order of first appearance (a set)
        self.rows: list[tuple[list[str], dict[str, str] | None]] = []  # None: not marked
        self.problems: list[Path] = []  # the problem files marked against, one per report

    def add(self, outcome: Marked) -> None:
        if isinstance(outcome, Unmarked):
            self.rows.append(([outcome.path, outcome.student or "", "", "", outcome.status,
                               "", ""], None))
            return
        self.keys.update((i.key, None) for i in outcome.items if i.verdict != "unknown")
        problem = outcome.problem
        if problem:
            self.problems.append(problem.path)
        self.rows.append(([outcome.path, outcome.student or "", score_text(outcome.score),
                           str(outcome.max_score), outcome.status,
                           problem.name if problem else "", problem.sha256 if problem else ""],
                          {item.key: item.verdict for item in outcome.items}))

    def add_and(self, each: Callable[[Marked], None]) -> Callable[[Marked], None]:
        """``each`` (a view's), the outcome added to the gradebook first."""
        def both(outcome: Marked) -> None:
            self.add(outcome)
            each(outcome)
        return both

    def text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["file", "student", "score", "max_score", "status", "problem", "sha256",
                         *map(csv_cell, self.keys)])
        for cells, verdicts in self.rows:
            row = cells if verdicts is None else [*cells, *(verdicts.get(key, "")
                                                            for key in self.keys)]
            writer.writerow([csv_cell(printable(c)) for c in row])
        return out.getvalue()
