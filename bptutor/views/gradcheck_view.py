"""Views of gradient checks: a rich table, markdown, and the one-line-per-problem summary."""

from __future__ import annotations

import math

from rich.console import Console
from rich.text import Text

from bptutor.tools.gradcheck import Report
from bptutor.views.terminal import Column, Lines, Spans, TextTable, cells

VERDICT_STYLE = {"good": "green", "acceptable": "green", "rounding": "green",
                 "suspicious": "yellow", "wrong": "red", "undefined": "yellow",
                 "below_resolution": "green"}
_METHOD = {"central": "central differences ({E}(w + ε) − {E}(w − ε)) / 2ε",
           "forward": "forward differences ({E}(w + h) − {E}(w)) / h"}


def _method(report: Report) -> str:
    return _METHOD[report.method].format(E=report.loss_name)


def _num(value: float) -> str:
    if not math.isfinite(value):  # a difference across an undefined loss
        return "n/a"
    return f"{value + 0.0:.10g}"  # −0 prints as 0


def _rel(value: float) -> str:
    return f"{value:.1e}" if math.isfinite(value) else "n/a"


def outcome_spans(report: Report) -> Spans:
    worst = report.worst
    if worst is None:
        return [("nothing to check: no gradients", "yellow")]
    label = "passed" if report.passed else "FAILED"
    count = len(report.items)
    return [(f"{label}: {count} gradient{'s' * (count != 1)}, worst relative error "
             f"{_rel(worst.rel_error)} at {worst.key} ({worst.verdict})",
             "bold green" if report.passed else "bold red")]


def outcome(report: Report) -> Text:
    text = Text()
    for part, style in outcome_spans(report):
        text.append(part, style=style)
    return text


def print_report(console: Console, report: Report) -> None:
    out = Lines(console)
    step = "h" if report.method == "forward" else "ε"
    out.text(report.title, "bold")
    what = f"the gradients in {report.answers}" if report.answers else "exact gradients"
    out.text(f"{what} against {_method(report)}, {step} = {report.eps:g}", "dim")
    if report.note:  # SPEC §7: a problem of several updates checks its first
        out.text(report.note, "dim")
    for probe in report.probes:
        name, h, E = probe.name, probe.step, report.loss_name
        rows = [(f"{E} at {name} = {probe.value:g}", _num(probe.loss_at)),
                (f"{E} at {name} + h = {probe.value + h:g}", _num(probe.loss_after)),
                (f"({E}({name} + h) − {E}({name})) / h",
                 _num((probe.loss_after - probe.loss_at) / h))]
        left = max(cells(label) for label, _ in rows)
        right = max(len(number) for _, number in rows)
        for label, number in rows:
            out.add([(label + " " * (left - cells(label) + 1) + number.rjust(right), "")])
    table = TextTable([Column("gradient", wrap=False),
                       Column("yours" if report.answers else "analytic", "right", wrap=False),
                       Column("numeric", "right", wrap=False),
                       Column("rel. error", "right", wrap=False),
                       Column("verdict", wrap=False)])
    for item in report.items:
        table.add_row(item.key, _num(item.analytic), _num(item.numeric), _rel(item.rel_error),
                      (item.verdict, VERDICT_STYLE[item.verdict]))
    out.table(table)
    for note in dict.fromkeys(f"{item.verdict}: {item.note}" for item in report.items
                              if item.note):  # each explained once, under the table
        out.text(note, "dim")
    for warning in report.warnings:
        out.text(f"warning: {warning}", "yellow")
    if report.method == "forward" and not report.passed:
        out.text("forward differences err by about h·E″/2; central differences "
                 "(the default) by about h²", "dim")
    out.add_wrapped(outcome_spans(report))
    out.flush()


def markdown(report: Report) -> str:
    out = [f"# Gradient check: {report.title}", "",
           f"{_method(report)}, eps = {report.eps:g}", "",
           *([report.note, ""] if report.note else []),
           "| gradient | analytic | numeric | rel. error | verdict |",
           "|---|---:|---:|---:|---|"]
    out += [f"| `{i.key}` | {_num(i.analytic)} | {_num(i.numeric)} | {_rel(i.rel_error)} | "
            f"{i.verdict} |" for i in report.items]
    out += ["", *(f"> warning: {w}" for w in report.warnings), outcome(report).plain, ""]
    return "\n".join(out)


def print_summary(console: Console, named: list[tuple[str, Report]]) -> None:
    """The tutor checking itself: one line per bundled problem, then the tally."""
    rows: list[list[tuple[str, str]]] = []
    for name, report in named:
        worst = report.worst
        detail = (f"worst {_rel(worst.rel_error)} at {worst.key}" if worst
                  else "no gradients")
        if report.first_update is not None:  # SPEC §7: a problem of several updates
            detail += " (update 1)"
        rows.append([("ok", "green") if report.passed else ("FAIL", "bold red"), (name, ""),
                     (f"{len(report.items):>3} gradients", ""), (detail, "")])
    widths = [max((cells(row[i][0]) for row in rows), default=0) for i in range(4)]
    out = Lines(console)
    for row in rows:
        line: Spans = []
        for (text, style), width in zip(row, widths):
            line += [(text, style), (" " * (width - cells(text) + 2), "")]
        out.add(line)
    for name, report in named:
        for warning in report.warnings:
            out.text(f"warning: {name}: {warning}", "yellow")
    passed = sum(report.passed for _, report in named)
    total = sum(len(report.items) for _, report in named)
    out.text(f"{passed}/{len(named)} problems passed, {total} gradients checked",
             "bold green" if passed == len(named) else "bold red")
    out.flush()


def bundled_json(named: list[tuple[str, Report]]) -> dict:
    """``gradcheck -f json`` over every bundled problem: one object per problem, by name."""
    return {"passed": all(report.passed for _, report in named),
            "problems": [{"problem": name, **report.as_json()} for name, report in named]}
