"""Views of grading reports: rich tables, SPEC JSON, Gradescope, CSV and a class summary.

Everything a file supplies (its path, the student's name, keys, answers as written, a
problem's title) is shown with control characters escaped (``terminal.printable``): a student
cannot clear the TA's screen, paint a score or forge a report line. Every view says which
problem each file was marked against, by name and content hash, and gives every file its row,
a file that could not be marked included.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptutor.model.rounding import show_given
from bptutor.tools.grading import DIAGNOSES, MISMATCH, Item, Report
from bptutor.tools.marking import Marked, Unmarked
from bptutor.views.terminal import printable, printable_error

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
REVEAL = ("verdict", "diagnosis", "answer")
MAX_UNKNOWN_ROWS = 20  # a table shows this many keys the problem has no step for, then counts


def _given(item: Item) -> str:
    """The answer as the student wrote it (-0.80 stays -0.80), escaped."""
    if item.written is not None:
        return printable(item.written.strip())
    value = item.given
    if value is None:
        return ""
    return show_given(value) if isinstance(value, float) else printable(str(value))


def _score(value: float) -> str:
    return f"{value:g}"


def _number(value: float) -> int | float:
    return int(value) if value == int(value) else value


def marked_against(report: Report) -> str:
    return printable(str(report.problem)) if report.problem else "its own problem"


def report_table(report: Report, reveal: str = "answer") -> Table:
    sheet = report.sheet
    table = Table(show_edge=False, pad_edge=False, expand=False)
    table.add_column("quantity", no_wrap=True)
    table.add_column("yours", justify="right", no_wrap=True)
    if reveal == "answer":
        table.add_column("expected", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    if reveal != "verdict":
        table.add_column("why", overflow="fold")
    unknown = 0
    for item in report.items:
        if item.verdict == "unknown":
            unknown += 1
            if unknown > MAX_UNKNOWN_ROWS:
                continue
        symbol, colour = VERDICT_STYLE[item.verdict]
        row = [Text(printable(item.key)), Text(_given(item))]
        if reveal == "answer":
            expected = "" if item.expected is None else sheet.rounding.show(item.expected)
            row.append(Text(expected))
        row.append(Text(f"{symbol} {item.verdict.replace('_', '-')}", style=colour))
        if reveal != "verdict":
            why = printable(item.message)
            if reveal == "answer":
                why += ("\n" if why else "") + worked(report, item)
            row.append(Text(why.strip("\n"),
                            style="dim" if item.verdict in ("correct", "missing") else ""))
        table.add_row(*row)
    if unknown > MAX_UNKNOWN_ROWS:
        table.add_row(Text(f"… {unknown - MAX_UNKNOWN_ROWS:,} more unknown keys",
                           style="magenta"))
    return table


def worked(report: Report, item: Item) -> str:
    """The step worked with the sheet's numbers, for a wrong or unreadable answer."""
    if item.verdict not in ("wrong", "invalid") or item.step is None:
        return ""
    sheet = report.sheet
    shown = sheet.rounding.show(sheet.values[item.key])
    return printable(f"{item.key} = {item.step.formula} = {sheet.substituted(item.step)} = "
                     f"{shown}")


def print_report(console: Console, report: Report, reveal: str = "answer") -> None:
    who = f" — {report.student}" if report.student else ""
    console.print(Text(printable(f"{report.path}{who}"), style="bold"),
                  Text(printable(f"({report.sheet.network.title})"), style="dim"))
    console.print(Text(f"marked against {marked_against(report)}", style="dim"))
    if report.status == MISMATCH:
        console.print(Text(f"⚠ flagged: {printable(report.note)}", style="bold red"))
    console.print(report_table(report, reveal))
    console.print(score_line(report))
    console.print()


def score_line(report: Report) -> Text:
    counts = Counter(item.verdict for item in report.items)
    parts = ", ".join(f"{n} {verdict.replace('_', '-')}" for verdict, n in counts.items())
    style = "bold green" if report.all_right and report.status != MISMATCH else "bold"
    return Text(f"score {_score(report.score)}/{report.max_score}  ({parts})", style=style)


def print_summary(console: Console, outcomes: list[Marked]) -> None:
    """One line per file, the problems marked against, the score distribution, the most
    frequent diagnoses per key."""
    reports = [o for o in outcomes if isinstance(o, Report)]
    table = Table(title="Class", show_edge=False)
    for name in ("file", "student", "score", "status", "marked against"):
        table.add_column(name, justify="right" if name == "score" else "left")
    for outcome in outcomes:
        if isinstance(outcome, Unmarked):
            table.add_row(printable(outcome.path), printable(outcome.student or ""), "—",
                          Text("error", style="red"), "")
            continue
        status = Text("flagged: names another problem", style="bold red") \
            if outcome.status == MISMATCH else Text(outcome.status)
        table.add_row(printable(outcome.path), printable(outcome.student or ""),
                      f"{_score(outcome.score)}/{outcome.max_score}", status,
                      marked_against(outcome))
    console.print(table)
    problems = Counter(marked_against(r) for r in reports)
    if len(problems) > 1:
        console.print(Text("⚠ the files were marked against different problems: ",
                           style="bold red") + Text("  ".join(
                               f"{name} ×{n}" for name, n in problems.most_common())))
    flagged = sum(1 for r in reports if r.status == MISMATCH)
    if flagged:
        console.print(Text(f"⚠ {flagged} file(s) name another problem than the one they were "
                           "marked against", style="bold red"))
    unmarked = len(outcomes) - len(reports)
    if unmarked:
        console.print(Text(f"⚠ {unmarked} file(s) could not be marked (errors above)",
                           style="bold red"))
    scores = Counter(f"{_score(r.score)}/{r.max_score}" for r in reports)
    console.print(Text("Scores: ", style="bold") + Text(
        "  ".join(f"{score} ×{n}" for score, n in sorted(scores.items(), reverse=True))))
    mistakes = Counter((item.key, item.diagnosis) for r in reports for item in r.items
                       if item.diagnosis)
    wrong = Counter(item.key for r in reports for item in r.items if item.verdict == "wrong")
    if wrong:
        console.print(Text("Most often wrong:", style="bold"))
        for key, n in wrong.most_common(5):
            common = [(d, m) for (k, d), m in mistakes.most_common() if k == key][:2]
            why = "; ".join(f"{DIAGNOSES[d]} ×{m}" for d, m in common)
            console.print(Text(f"  {printable(key)}: {n} wrong" + (f" — {why}" if why else "")))


def json_doc(outcomes: list[Marked]) -> dict:
    return {"files": [outcome.as_json() for outcome in outcomes]}


def json_text(doc: object) -> str:
    """JSON with every character that could control a terminal written as a \\u escape
    (json itself escapes only those below U+0020): the same data, safe to print."""
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)


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
            output += f"\nexpected {report.sheet.rounding.show(item.expected)}"
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
    keys: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, Report):
            keys += [i.key for i in outcome.items if i.verdict != "unknown" and i.key not in keys]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "student", "score", "max_score", "status", "problem", "sha256",
                     *map(csv_cell, keys)])
    for outcome in outcomes:
        if isinstance(outcome, Unmarked):
            cells = [outcome.path, outcome.student or "", "", "", outcome.status, "", ""]
            writer.writerow([csv_cell(printable(c)) for c in cells])
            continue
        verdicts = {item.key: item.verdict for item in outcome.items}
        problem = outcome.problem
        row = [outcome.path, outcome.student or "", _score(outcome.score), str(outcome.max_score),
               outcome.status, problem.name if problem else "", problem.sha256 if problem else "",
               *(verdicts.get(key, "") for key in keys)]
        writer.writerow([csv_cell(printable(str(c))) for c in row])
    return out.getvalue()
