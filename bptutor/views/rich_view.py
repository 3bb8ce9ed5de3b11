"""``solve`` in the terminal: the sheet's colour coding, each colour with a text twin.

Each step is one styled line — tag, key, then the formula, the numbers substituted and the
value — laid out here rather than as a rich table row: the key column is as wide as the
section's longest key, and a formula too long for the console continues under itself,
broken after an operator outside brackets where it can be."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.console import Console

from bptutor.sheet.worksheet import Worksheet
from bptutor.views import KIND_STYLE, Line, heading, lines, meaning, settings, unbroken
from bptutor.views.terminal import Lines, Span, Spans, cells, rule, wrap

# What a gradient is of, by problem kind: a graph's are of its inputs and nodes.
GRADIENT_MEANING = {"network": "weight gradient", "graph": "gradient"}
MIN_FORMULA_WIDTH = 16  # a console too narrow for the key column still shows formulas

Row = tuple[Span, Span, Spans]  # tag, key, body


def legend(kinds: set[str], problem_kind: str = "network",
           notation: str = "activation") -> Spans:
    spans: Spans = [("Legend: ", "bold")]
    for kind, (tag, colour, _) in KIND_STYLE.items():
        if kind in kinds:
            words = (GRADIENT_MEANING[problem_kind] if kind == "gradient"
                     else unbroken(meaning(kind, notation)))
            spans.append((f"[{tag}]", f"bold {colour}"))
            spans.append((f" {words}   ", "bold"))
    return spans


def sheet_legend(sheet: Worksheet, chosen: list[Line]) -> Spans:
    return legend({line.step.kind for line in chosen}, sheet.network.kind, sheet.notation)


def step_row(line: Line) -> Row:
    tag, colour, _ = KIND_STYLE[line.step.kind]
    body: Spans = [("= " + line.formula, "")]
    if line.substituted not in (line.shown, line.formula):  # a bare copy says nothing new
        body += [(" = ", "dim"), (line.substituted, "")]
    body += [(" = ", ""), (line.shown, f"bold {colour}")]
    if line.exact_shown is not None:
        body.append((f"  (exact {line.exact_shown})", "dim"))
    return (f"[{tag}]", colour), (line.step.key, f"bold {colour}"), body


def _padded(span: Span, width: int) -> Span:
    text, style = span
    return text + " " * (width - cells(text)), style


def column_widths(rows: Iterable[Row]) -> tuple[int, int]:
    """The tag and key columns' widths: each as wide as its widest entry."""
    rows = list(rows)
    return (max(cells(tag[0]) for tag, _, _ in rows),
            max(cells(key[0]) for _, key, _ in rows))


def add_rows(out: Lines, rows: Iterable[Row], widths: tuple[int, int] | None = None) -> None:
    """Rows in three columns — tag, key, formula — each column as wide as its widest entry
    (or as ``widths``: a section's, when its rows come one at a time)."""
    rows = list(rows)
    tag_width, key_width = widths or column_widths(rows)
    indent = " " * (tag_width + key_width + 2)
    room = max(MIN_FORMULA_WIDTH, out.width - len(indent))
    for tag, key, body in rows:
        first, *rest = wrap(body, room)
        out.add([_padded(tag, tag_width), (" ", ""), _padded(key, key_width), (" ", ""),
                 *first])
        for more in rest:
            out.add([(indent, ""), *more])


def add_header(out: Lines, sheet: Worksheet, chosen: list[Line], diagram: bool = False) -> None:
    net = sheet.network
    out.text(net.title, "bold")
    if net.source:
        out.text(net.source, "italic dim")
    out.text(unbroken(settings(sheet)), "dim")
    if diagram:  # draws itself only where it fits the console
        from bptutor.views.diagram import NetworkDiagram

        out.flush()
        out.console.print(NetworkDiagram(sheet))
    if not chosen:  # e.g. --only update where nothing is updated
        out.text("this problem has no steps in the chosen pass", "dim")
    else:
        out.add_wrapped(sheet_legend(sheet, chosen))


def add_rule(out: Lines, title: str) -> None:
    out.add(rule(title, out.width, "bold", out.ascii_only))


def render(sheet: Worksheet, console: Console, only: str | None = None,
           diagram: bool = False) -> None:
    out = Lines(console)
    chosen = list(lines(sheet, only))
    add_header(out, sheet, chosen, diagram)
    examples = len(sheet.network.examples)
    section: list[Row] = []
    current = None
    for line in chosen:
        title = heading(line.step, examples)
        if title != current:
            if section:
                add_rows(out, section)
                out.flush()  # a long sheet streams section by section
            current, section = title, []
            add_rule(out, title)
        section.append(step_row(line))
    if section:
        add_rows(out, section)
    out.flush()


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
    out = Lines(console)
    if chosen:
        out.add_wrapped(sheet_legend(sheet, chosen))
    else:
        out.text("this problem has no steps in the chosen pass", "dim")
    turn = "Enter or Space: next step · q: quit" if keys else "Enter: next step · q: quit"
    out.text(turn, "dim")
    out.flush()
    examples = len(sheet.network.examples)
    widths = _section_widths(chosen, examples)  # the full view's columns, section by section
    redraw = _diagram_keys(sheet) if diagram else set()  # drawn again once all are known
    shown_keys: set[str] = set()
    current = None
    for shown, line in enumerate(chosen, start=1):
        title = heading(line.step, examples)
        if title != current:
            current = title
            redraw = _filled_in(sheet, console, redraw, shown_keys)
            add_rule(out, title)
        add_rows(out, [step_row(line)], widths[title])
        out.flush()
        shown_keys.add(line.step.key)
        if shown == len(chosen):
            _filled_in(sheet, console, redraw, shown_keys)
            return shown
        answer = read()
        if answer is None or answer.strip().lower() in ("q", "quit"):
            return shown
    return len(chosen)


def _section_widths(chosen: list[Line], examples: int) -> dict[str, tuple[int, int]]:
    """Each section's tag and key column widths, as ``render`` lays the section out."""
    sections: dict[str, list[Row]] = {}
    for line in chosen:
        sections.setdefault(heading(line.step, examples), []).append(step_row(line))
    return {title: column_widths(rows) for title, rows in sections.items()}


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
