"""``solve`` in the terminal: the sheet's colour coding, each colour with a text twin."""

from __future__ import annotations

from rich.console import Console, Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bptutor.render import KIND_STYLE, Line, heading, lines, settings
from bptutor.worksheet import Worksheet


def legend(kinds: set[str]) -> Text:
    text = Text("Legend: ", style="bold")
    for kind, (tag, colour, meaning) in KIND_STYLE.items():
        if kind in kinds:
            text.append(f"[{tag}]", style=f"bold {colour}")
            text.append(f" {meaning}   ")
    return text


def step_row(line: Line) -> tuple[Text, Text, Text]:
    tag, colour, _ = KIND_STYLE[line.step.kind]
    body = Text()
    body.append("= ")
    body.append(line.formula)
    if line.substituted not in (line.shown, line.formula):  # a bare copy says nothing new
        body.append(" = ", style="dim")
        body.append(line.substituted)
    body.append(" = ")
    body.append(line.shown, style=f"bold {colour}")
    if line.exact_shown is not None:
        body.append(f"  (exact {line.exact_shown})", style="dim")
    return Text(f"[{tag}]", style=colour), Text(line.step.key, style=f"bold {colour}"), body


def renderable(sheet: Worksheet, only: str | None = None) -> Group:
    net = sheet.network
    parts: list = [Text(net.title, style="bold")]
    if net.source:
        parts.append(Text(net.source, style="italic dim"))
    parts.append(Text(settings(sheet), style="dim"))
    chosen = list(lines(sheet, only))
    parts.append(legend({line.step.kind for line in chosen}))
    table = None
    current = None
    for line in chosen:
        title = heading(line.step, len(net.examples))
        if title != current:
            current = title
            parts.append(Rule(title, style="bold"))
            table = Table.grid(padding=(0, 1))
            table.add_column(no_wrap=True)
            table.add_column(no_wrap=True)
            table.add_column(overflow="fold")
            parts.append(table)
        table.add_row(*step_row(line))
    return Group(*parts)


def render(sheet: Worksheet, console: Console, only: str | None = None) -> None:
    console.print(renderable(sheet, only))
