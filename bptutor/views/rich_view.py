"""``solve`` in the terminal: the sheet's colour coding, each colour with a text twin."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console, Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from bptutor.sheet.worksheet import Worksheet
from bptutor.views import KIND_STYLE, Line, heading, lines, settings

# What a gradient is of, by problem kind: a graph's are of its inputs and nodes.
GRADIENT_MEANING = {"network": "weight gradient", "graph": "gradient"}


def legend(kinds: set[str], problem_kind: str = "network") -> Text:
    text = Text("Legend: ", style="bold")
    for kind, (tag, colour, meaning) in KIND_STYLE.items():
        if kind in kinds:
            text.append(f"[{tag}]", style=f"bold {colour}")
            text.append(f" {GRADIENT_MEANING[problem_kind] if kind == 'gradient' else meaning}   ")
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


def header(sheet: Worksheet, chosen: list[Line], diagram: bool = False) -> list:
    net = sheet.network
    parts: list = [Text(net.title, style="bold")]
    if net.source:
        parts.append(Text(net.source, style="italic dim"))
    parts.append(Text(settings(sheet), style="dim"))
    if diagram:  # draws itself only where it fits the console
        from bptutor.views.diagram import NetworkDiagram

        parts.append(NetworkDiagram(sheet))
    if not chosen:  # e.g. --only update where nothing is updated
        parts.append(Text("this problem has no steps in the chosen pass", style="dim"))
    else:
        parts.append(legend({line.step.kind for line in chosen}, sheet.network.kind))
    return parts


def section_table(key_width: int = 0) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, min_width=key_width)
    table.add_column(overflow="fold")
    return table


def renderable(sheet: Worksheet, only: str | None = None, diagram: bool = False) -> Group:
    chosen = list(lines(sheet, only))
    parts = header(sheet, chosen, diagram)
    current = None
    for line in chosen:
        title = heading(line.step, len(sheet.network.examples))
        if title != current:
            current = title
            table = section_table()
            parts += [Rule(title, style="bold"), table]
        table.add_row(*step_row(line))
    return Group(*parts)


def render(sheet: Worksheet, console: Console, only: str | None = None,
           diagram: bool = False) -> None:
    console.print(renderable(sheet, only, diagram))


def render_stepwise(sheet: Worksheet, console: Console, only: str | None,
                    read: Callable[[], str | None], diagram: bool = False,
                    keys: bool = False) -> int:
    """One step per key (``keys``) or line, like turning slides; ``q`` (or end of input) stops.

    Nothing printed is ever erased, and nothing is given away before its step: the exercise
    comes first, its diagram with the given numbers only, and the diagram is drawn again,
    filled in, once its forward pass is done. Returns how many steps were shown."""
    from bptutor.views import exercise

    chosen = list(lines(sheet, only))
    console.print(exercise.renderable(exercise.build(sheet, only), diagram, tasks=False))
    if chosen:
        console.print(legend({line.step.kind for line in chosen}, sheet.network.kind))
    else:
        console.print(Text("this problem has no steps in the chosen pass", style="dim"))
    turn = "Enter or Space: next step · q: quit" if keys else "Enter: next step · q: quit"
    console.print(Text(turn, style="dim"))
    width = max((len(line.step.key) for line in chosen), default=0)
    redraw = _diagram_keys(sheet) if diagram else set()  # drawn again once all are known
    shown_keys: set[str] = set()
    current = None
    for shown, line in enumerate(chosen, start=1):
        title = heading(line.step, len(sheet.network.examples))
        if title != current:
            current = title
            redraw = _filled_in(sheet, console, redraw, shown_keys)
            console.print(Rule(title, style="bold"))
        table = section_table(width)
        table.add_row(*step_row(line))
        console.print(table)
        shown_keys.add(line.step.key)
        if shown == len(chosen):
            _filled_in(sheet, console, redraw, shown_keys)
            return shown
        answer = read()
        if answer is None or answer.strip().lower() in ("q", "quit"):
            return shown
    return len(chosen)


def _diagram_keys(sheet: Worksheet) -> set[str]:
    """The step keys whose values the diagram draws (a batch: its first example's)."""
    from bptutor.views.diagram import Reveal

    reveal = Reveal(sheet)
    return {reveal.at(name) for name in sheet.network.names()} & {s.key for s in sheet.steps}


def _filled_in(sheet: Worksheet, console: Console, waiting: set[str],
               known: set[str]) -> set[str]:
    """Draw the diagram again once every value it waits for is known; what still waits."""
    if not waiting or not waiting <= known:
        return waiting
    from bptutor.views.diagram import NetworkDiagram

    console.print(NetworkDiagram(sheet, known=known))
    return set()
