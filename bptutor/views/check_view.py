"""Views of grading reports: rich tables, SPEC JSON, Gradescope, CSV and a class summary.

Everything a file supplies (its path, the student's name, keys, answers as written, a
problem's title) is shown with control characters escaped (``terminal.printable``): a student
cannot clear the TA's screen, paint a score or forge a report line. Every view says which
problem each file was marked against, by name and content hash, and gives every file its row,
a file that could not be marked included.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from bptutor.model.rounding import show_given
from bptutor.tools.grading import DIAGNOSES, MISMATCH, Item, Report
from bptutor.tools.marking import Marked, Unmarked
from bptutor.views.gradebook import score_text
from bptutor.views.terminal import (
    Cell,
    Column,
    Lines,
    Spans,
    TextTable,
    measured,
    printable,
    printable_error,
)

if TYPE_CHECKING:
    from bptutor.sheet.ops import Step
    from bptutor.sheet.worksheet import Worksheet

VERDICT_STYLE = {
    "correct": ("✓", "green"),
    "accepted": ("≈", "green"),
    "follow_through": ("→", "yellow"),
    "uninformative": ("∅", "yellow"),
    "wrong": ("✗", "red"),
    "missing": ("·", "dim"),
    "invalid": ("?", "red"),
    "unknown": ("!", "magenta"),
}
MAX_UNKNOWN_ROWS = 20  # a table shows this many keys the problem has no step for, then counts


def _given(item: Item) -> str:
    """The answer as the student wrote it (-0.80 stays -0.80), escaped."""
    if item.written is not None:
        return printable(item.written.strip())
    value = item.given
    if value is None:
        return ""
    return show_given(value) if isinstance(value, float) else printable(str(value))


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def marked_against(report: Report) -> str:
    return printable(str(report.problem)) if report.problem else "its own problem"


def report_table(report: Report, reveal: str = "answer") -> TextTable:
    sheet = report.sheet
    columns = [Column("quantity", wrap=False), Column("yours", "right", wrap=False)]
    if reveal == "answer":
        columns.append(Column("expected", "right", wrap=False))
    columns.append(Column("verdict", wrap=False))
    if reveal != "verdict":
        columns.append(Column("why", fold=True, formula=True))
    table = TextTable(columns)
    texts = _sheet_texts(sheet)
    unknown = 0
    for item in report.items:
        if item.verdict == "unknown":
            unknown += 1
            if unknown > MAX_UNKNOWN_ROWS:
                continue
        row = [texts.key(item.key), measured(_given(item))]
        if reveal == "answer":
            row.append(_NOTHING if item.expected is None
                       else texts.expected(item.key, item.expected))
        row.append(_VERDICT_CELL[item.verdict])
        if reveal != "verdict":
            why = printable(item.message) if item.message else ""
            if reveal == "answer" and item.verdict in ("wrong", "invalid") and item.step:
                why += ("\n" if why else "") + texts.worked(item.key, item.step)
            row.append(measured((why.strip("\n"),
                                 "dim" if item.verdict in ("correct", "missing") else "")))
        table.add_cells(row)
    if unknown > MAX_UNKNOWN_ROWS:
        table.add_row((f"… {unknown - MAX_UNKNOWN_ROWS:,} more unknown keys", "magenta"))
    return table


_VERDICT_CELL = {verdict: measured((f"{symbol} {verdict.replace('_', '-')}", colour))
                 for verdict, (symbol, colour) in VERDICT_STYLE.items()}
_NOTHING = measured("")


class _SheetTexts:
    """A sheet's per-step text, the same in every file marked against it (a class's
    reports show each key, expected value and worked step a thousand times): made once."""

    def __init__(self, sheet: Worksheet):
        self.sheet = sheet
        self._keys: dict[str, Cell] = {}
        self._expected: dict[tuple[str, float], Cell] = {}
        self._worked: dict[str, str] = {}

    def key(self, key: str) -> Cell:
        shown = self._keys.get(key)
        if shown is None:
            shown = self._keys[key] = measured(printable(key))
        return shown

    def expected(self, key: str, value: float) -> Cell:
        if value == 0:  # 0.0 and -0.0 would share a key, though they may show apart
            return measured(self.sheet.show_value(key, value))
        shown = self._expected.get((key, value))
        if shown is None:
            shown = self._expected[(key, value)] = measured(self.sheet.show_value(key, value))
        return shown

    def worked(self, key: str, step: Step) -> str:
        shown = self._worked.get(key)
        if shown is None:
            shown = self._worked[key] = _worked(self.sheet, key, step)
        return shown


_LAST_SHEET: list[_SheetTexts] = []  # the last sheet's texts (held, so its id is not reused)


def _sheet_texts(sheet: Worksheet) -> _SheetTexts:
    if not _LAST_SHEET or _LAST_SHEET[0].sheet is not sheet:
        _LAST_SHEET[:] = [_SheetTexts(sheet)]
    return _LAST_SHEET[0]


def worked(report: Report, item: Item) -> str:
    """The step worked with the sheet's numbers, for a wrong or unreadable answer."""
    if item.verdict not in ("wrong", "invalid") or item.step is None:
        return ""
    return _worked(report.sheet, item.key, item.step)


def _worked(sheet: Worksheet, key: str, step: Step) -> str:
    shown = sheet.show_value(key, sheet.values[key])
    return printable(f"{key} = {step.formula} = {sheet.substituted(step)} = {shown}")


def print_report(console: Console, report: Report, reveal: str = "answer") -> None:
    """One file's report, written in one go: header, table, score."""
    out = Lines(console)
    who = f" — {report.student}" if report.student else ""
    out.add_wrapped([(printable(f"{report.path}{who}"), "bold"), (" ", ""),
                     (printable(f"({report.sheet.network.title})"), "dim")])
    out.text(f"marked against {marked_against(report)}", "dim")
    if report.status == MISMATCH:
        out.text(f"⚠ flagged: {printable(report.note)}", "bold red")
    out.table(report_table(report, reveal))
    out.add_wrapped(score_spans(report))
    out.blank()
    out.flush()


def score_spans(report: Report) -> Spans:
    counts = Counter(item.verdict for item in report.items)
    parts = ", ".join(f"{n} {verdict.replace('_', '-')}" for verdict, n in counts.items())
    style = "bold green" if report.all_right and report.status != MISMATCH else "bold"
    return [(f"score {score_text(report.score)}/{report.max_score}  ({parts})", style)]


def score_line(report: Report) -> Text:
    [(text, style)] = score_spans(report)
    return Text(text, style=style)


def print_summary(console: Console, outcomes: list[Marked]) -> None:
    """One line per file, the problems marked against, the score distribution, the most
    frequent diagnoses per key."""
    reports = [o for o in outcomes if isinstance(o, Report)]
    table = TextTable([Column(name, "right" if name == "score" else "left")
                       for name in ("file", "student", "score", "status", "marked against")],
                      pad_edge=True, title="Class")
    for outcome in outcomes:
        if isinstance(outcome, Unmarked):
            table.add_row(printable(outcome.path), printable(outcome.student or ""), "—",
                          ("error", "red"), "")
            continue
        status = ("flagged: names another problem", "bold red") \
            if outcome.status == MISMATCH else (outcome.status, "")
        table.add_row(printable(outcome.path), printable(outcome.student or ""),
                      f"{score_text(outcome.score)}/{outcome.max_score}", status,
                      marked_against(outcome))
    out = Lines(console)
    out.table(table)
    problems = Counter(marked_against(r) for r in reports)
    if len(problems) > 1:
        out.text("⚠ the files were marked against different problems: " + "  ".join(
            f"{name} ×{n}" for name, n in problems.most_common()), "bold red")
    flagged = sum(1 for r in reports if r.status == MISMATCH)
    if flagged:
        out.text(f"⚠ {flagged} file(s) name another problem than the one they were "
                 "marked against", "bold red")
    unmarked = len(outcomes) - len(reports)
    if unmarked:
        out.text(f"⚠ {unmarked} file(s) could not be marked (errors above)", "bold red")
    scores = Counter(f"{score_text(r.score)}/{r.max_score}" for r in reports)
    out.text("Scores: " + "  ".join(
        f"{score} ×{n}" for score, n in sorted(scores.items(), reverse=True)), "bold")
    mistakes = Counter((item.key, item.diagnosis) for r in reports for item in r.items
                       if item.diagnosis)
    wrong = Counter(item.key for r in reports for item in r.items if item.verdict == "wrong")
    if wrong:
        out.text("Most often wrong:", "bold")
        for key, n in wrong.most_common(5):
            common = [(d, m) for (k, d), m in mistakes.most_common() if k == key][:2]
            why = "; ".join(f"{DIAGNOSES[d]} ×{m}" for d, m in common)
            out.text(f"  {printable(key)}: {n} wrong" + (f" — {why}" if why else ""))
    out.flush()


def gradescope_doc(report: Report, reveal: str = "answer") -> dict:
    """Gradescope's autograder results.json: one test per step, each saying as much as
    ``reveal`` allows (the verdict; plus why; plus the right answer worked out)."""
    tests = []
    for item in report.items:
        if item.verdict == "unknown":
            continue
        output = item.verdict.replace("_", "-")
        if reveal != "verdict" and item.message:
            output += f": {item.message}"
        if reveal == "answer" and item.expected is not None and item.verdict != "correct":
            output += f"\nexpected {report.sheet.show_value(item.key, item.expected)}"
            step = worked(report, item)
            output += f"\n{step}" if step else ""
        tests.append({"name": item.key, "score": _number(item.earned), "max_score": 1,
                      "status": "passed" if item.earns_point else "failed",
                      "output": printable_text(output)})
    output = f"marked against {marked_against(report)}"
    if report.status == MISMATCH:
        output += f"\nflagged: {printable(report.note)}"
    return {"score": report.score, "max_score": report.max_score, "tests": tests,
            "output": output}


def gradescope_error(unmarked: Unmarked) -> dict:
    """Gradescope's results for a submission that could not be marked: 0 and the reason."""
    return {"score": 0, "max_score": 0, "tests": [],
            "output": f"not marked: {printable_error(unmarked.error)}"}


def printable_text(text: str) -> str:
    """Escaped line by line: the line breaks the view itself puts in are kept."""
    return "\n".join(printable(line) for line in text.split("\n"))
