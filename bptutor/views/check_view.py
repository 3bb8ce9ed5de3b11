"""Views of grading reports: rich tables, SPEC JSON, Gradescope, CSV and a class summary."""

from __future__ import annotations

import csv
import io
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptutor.model.rounding import show_given
from bptutor.tools.grading import DIAGNOSES, Report

VERDICT_STYLE = {
    "correct": ("✓", "green"),
    "accepted": ("≈", "green"),
    "follow_through": ("→", "yellow"),
    "wrong": ("✗", "red"),
    "missing": ("·", "dim"),
    "invalid": ("?", "red"),
    "unknown": ("!", "magenta"),
}
REVEAL = ("verdict", "diagnosis", "answer")


def _given(value) -> str:
    if value is None:
        return ""
    return show_given(value) if isinstance(value, float) else str(value)


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
    for item in report.items:
        symbol, colour = VERDICT_STYLE[item.verdict]
        row = [Text(item.key), Text(_given(item.given))]
        if reveal == "answer":
            expected = "" if item.expected is None else sheet.rounding.show(item.expected)
            row.append(Text(expected))
        row.append(Text(f"{symbol} {item.verdict.replace('_', '-')}", style=colour))
        if reveal != "verdict":
            why = item.message
            if reveal == "answer" and item.verdict in ("wrong", "invalid") and item.step:
                shown = sheet.rounding.show(sheet.values[item.key])
                why += ("\n" if why else "") + (f"{item.key} = {item.step.formula} = "
                                                f"{sheet.substituted(item.step)} = {shown}")
            row.append(Text(why, style="dim" if item.verdict in ("correct", "missing") else ""))
        table.add_row(*row)
    return table


def print_report(console: Console, report: Report, reveal: str = "answer") -> None:
    who = f" — {report.student}" if report.student else ""
    console.print(Text(f"{report.path}{who}", style="bold"),
                  Text(f"({report.sheet.network.title})", style="dim"))
    console.print(report_table(report, reveal))
    console.print(score_line(report))
    console.print()


def score_line(report: Report) -> Text:
    counts = Counter(item.verdict for item in report.items)
    parts = ", ".join(f"{n} {verdict.replace('_', '-')}" for verdict, n in counts.items())
    style = "bold green" if report.all_right else "bold"
    return Text(f"score {report.score}/{report.max_score}  ({parts})", style=style)


def print_summary(console: Console, reports: list[Report]) -> None:
    """One line per student, the score distribution, the most frequent diagnoses per key."""
    table = Table(title="Class", show_edge=False)
    for name in ("file", "student", "score"):
        table.add_column(name, justify="right" if name == "score" else "left")
    for report in reports:
        table.add_row(report.path, report.student or "", f"{report.score}/{report.max_score}")
    console.print(table)
    scores = Counter(f"{r.score}/{r.max_score}" for r in reports)
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
            console.print(f"  {key}: {n} wrong" + (f" — {why}" if why else ""))


def json_doc(reports: list[Report]) -> dict:
    return {"files": [report.as_json() for report in reports]}


def gradescope_doc(report: Report) -> dict:
    """Gradescope's autograder results.json: one test per step."""
    tests = []
    for item in report.items:
        if item.verdict == "unknown":
            continue
        earned = item.earns_point
        output = item.verdict.replace("_", "-") + (f": {item.message}" if item.message else "")
        tests.append({"name": item.key, "score": 1 if earned else 0, "max_score": 1,
                      "status": "passed" if earned else "failed", "output": output})
    return {"score": report.score, "max_score": report.max_score, "tests": tests}


def gradebook_csv(reports: list[Report]) -> str:
    keys: list[str] = []
    for report in reports:
        keys += [i.key for i in report.items if i.verdict != "unknown" and i.key not in keys]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "student", "score", "max_score", *keys])
    for report in reports:
        verdicts = {item.key: item.verdict for item in report.items}
        writer.writerow([report.path, report.student or "", report.score, report.max_score,
                         *(verdicts.get(key, "") for key in keys)])
    return out.getvalue()
