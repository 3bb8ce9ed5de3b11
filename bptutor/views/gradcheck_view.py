"""Views of gradient checks: a rich table, markdown, and the one-line-per-problem summary."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptutor.tools.gradcheck import Report

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


def outcome(report: Report) -> Text:
    worst = report.worst
    if worst is None:
        return Text("nothing to check: no gradients", style="yellow")
    label = "passed" if report.passed else "FAILED"
    text = Text(f"{label}: ", style="bold green" if report.passed else "bold red")
    count = len(report.items)
    text.append(f"{count} gradient{'s' * (count != 1)}, worst relative error "
                f"{_rel(worst.rel_error)} at {worst.key} ({worst.verdict})")
    return text


def print_report(console: Console, report: Report) -> None:
    step = "h" if report.method == "forward" else "ε"
    console.print(Text(report.title, style="bold"))
    what = f"the gradients in {report.answers}" if report.answers else "exact gradients"
    console.print(Text(f"{what} against {_method(report)}, {step} = {report.eps:g}",
                       style="dim"))
    for probe in report.probes:
        name, h, E = probe.name, probe.step, report.loss_name
        lines = Table.grid(padding=(0, 1))
        lines.add_column(no_wrap=True)
        lines.add_column(justify="right", no_wrap=True)
        lines.add_row(f"{E} at {name} = {probe.value:g}", _num(probe.loss_at))
        lines.add_row(f"{E} at {name} + h = {probe.value + h:g}", _num(probe.loss_after))
        lines.add_row(f"({E}({name} + h) − {E}({name})) / h",
                      _num((probe.loss_after - probe.loss_at) / h))
        console.print(lines)
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("gradient", no_wrap=True)
    table.add_column("yours" if report.answers else "analytic", justify="right", no_wrap=True)
    table.add_column("numeric", justify="right", no_wrap=True)
    table.add_column("rel. error", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for item in report.items:
        style = VERDICT_STYLE[item.verdict]
        table.add_row(item.key, _num(item.analytic), _num(item.numeric), _rel(item.rel_error),
                      Text(item.verdict, style=style))
    console.print(table)
    for note in dict.fromkeys(f"{item.verdict}: {item.note}" for item in report.items
                              if item.note):  # each explained once, under the table
        console.print(Text(note, style="dim"))
    for warning in report.warnings:
        console.print(Text(f"warning: {warning}", style="yellow"))
    if report.method == "forward" and not report.passed:
        console.print(Text("forward differences err by about h·E″/2; central differences "
                           "(the default) by about h²", style="dim"))
    console.print(outcome(report))


def markdown(report: Report) -> str:
    out = [f"# Gradient check: {report.title}", "",
           f"{_method(report)}, eps = {report.eps:g}", "",
           "| gradient | analytic | numeric | rel. error | verdict |",
           "|---|---:|---:|---:|---|"]
    out += [f"| `{i.key}` | {_num(i.analytic)} | {_num(i.numeric)} | {_rel(i.rel_error)} | "
            f"{i.verdict} |" for i in report.items]
    out += ["", *(f"> warning: {w}" for w in report.warnings), outcome(report).plain, ""]
    return "\n".join(out)


def print_summary(console: Console, named: list[tuple[str, Report]]) -> None:
    """The tutor checking itself: one line per bundled problem, then the tally."""
    table = Table.grid(padding=(0, 2))
    for _ in range(4):
        table.add_column(no_wrap=True)
    for name, report in named:
        worst = report.worst
        detail = (f"worst {_rel(worst.rel_error)} at {worst.key}" if worst
                  else "no gradients")
        table.add_row(Text("ok" if report.passed else "FAIL",
                           style="green" if report.passed else "bold red"),
                      name, f"{len(report.items):>3} gradients", detail)
    console.print(table)
    for name, report in named:
        for warning in report.warnings:
            console.print(Text(f"warning: {name}: {warning}", style="yellow"))
    passed = sum(report.passed for _, report in named)
    total = sum(len(report.items) for _, report in named)
    console.print(Text(f"{passed}/{len(named)} problems passed, {total} gradients checked",
                       style="bold green" if passed == len(named) else "bold red"))


def bundled_json(named: list[tuple[str, Report]]) -> dict:
    """``gradcheck -f json`` over every bundled problem: one object per problem, by name."""
    return {"passed": all(report.passed for _, report in named),
            "problems": [{"problem": name, **report.as_json()} for name, report in named]}
