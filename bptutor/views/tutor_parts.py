"""What the full-screen tutor shows, as rich text: the exercise, the step, where you are, keys.

Pure functions of a ``TutorSession`` (no Textual here), so they are tested and timed alone;
``bptutor.views.tutor`` lays them out. Every colour has a text twin: kinds keep their
``[pre]``-style tags, verdicts their symbols, and a highlighted number is marked ``▸`` and
reversed (reverse is no colour, so NO_COLOR keeps it).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from bptutor.model import keys
from bptutor.model.expression import write
from bptutor.model.problem import as_graph, as_network
from bptutor.sheet.ops import Step
from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.grading import Item
from bptutor.tools.quiz import Hint, Marked, Reveal, Unreadable
from bptutor.tools.tutor import Section, TutorSession
from bptutor.views import KIND_STYLE, line, settings
from bptutor.views.check_view import VERDICT_STYLE
from bptutor.views.diagram import NetworkDiagram

MIN_WIDTH, MIN_HEIGHT = 80, 24  # smaller terminals get a message instead of the tutor
MARK = "▸"  # the text twin of a highlighted number (as in the diagram)
HIGHLIGHT = "bold reverse"
MAX_LISTED = 40  # numbers of one layer listed in full; a bigger layer lists what a step reads,
MAX_READ = 12  # up to this many (the step's substituted formula has them all)
NOTE_WIDTH = 24  # the note that a network is too big to draw leaves the rest to the exercise
MAX_EXAMPLES = 8  # batch rows listed in full; beyond, the current example's row too

# Every key, in the order the help lists them (README's table says the same).
KEYS = [
    ("Enter  Space  →  n", "next step"),
    ("←  p", "previous step"),
    ("PgDn  PgUp", "next / previous section"),
    ("Home  End", "the exercise alone / every step"),
    ("x", "exact values on / off"),
    ("m", "practise: type each value before it is revealed"),
    ("Esc", "back to watching (from practise)"),
    ("?  F1", "this help"),
    ("q", "quit"),
]
PRACTISE_WORDS = "a number (-0.53, 1e-3, 3/4), or hint (h, ?), skip (s), quit (q)"
SHORT = {"forward": "F", "loss": "L", "backward": "B", "update": "U"}
WORDS = {"forward": "fwd", "loss": "loss", "backward": "bwd", "update": "upd"}


# -- the exercise ------------------------------------------------------------------------------

def _number(sheet: Worksheet, key: str, label: str, marked: Collection[str]) -> Text:
    """``label = value``, marked where the step reads it; a leading space keeps widths."""
    text = Text(f"{label}={sheet.show(key)}")
    if key in marked:
        text.stylize(HIGHLIGHT)
        return Text(MARK, style="bold") + text
    return Text(" ") + text


@dataclass
class Row:
    """``head`` then the items, wrapped between items; wrapped lines start under the first."""

    head: str
    items: list[Text]
    indent: int

    def lines(self, width: int) -> list[Text]:
        out = [Text(self.head.ljust(self.indent))]
        for item in self.items:
            line = out[-1]
            fresh = cell_len(line.plain) <= self.indent
            if not fresh and cell_len(line.plain) + 1 + cell_len(item.plain) > width:
                out.append(line := Text(" " * self.indent))
                fresh = True
            line.append_text(item if fresh else Text(" ") + item)
        return out


def _listed(sheet: Worksheet, names: list[str], marked: Collection[str],
            what: str) -> list[Text]:
    """The numbers of a group by name, or only those read where the group is big."""
    if len(names) <= MAX_LISTED:
        return [_number(sheet, n, n, marked) for n in names]
    read = [n for n in names if n in marked]
    shown = [_number(sheet, n, n, marked) for n in read[:MAX_READ]]
    more = [Text(f"… {len(read) - MAX_READ} more", style="dim")] if len(read) > MAX_READ else []
    return [Text(f"{len(names)} {what}", style="dim"), *shown, *more]


def _examples_table(sheet: Worksheet, marked: Collection[str], focus: int | None) -> list[Text]:
    """A batch's examples as rows: inputs, then targets."""
    net = as_network(sheet.network)
    columns = [*net.inputs, *(keys.target(y) for y in net.outputs)]
    rows = [k for k in range(1, len(net.examples) + 1)
            if k <= MAX_EXAMPLES or k == focus]
    widths = [max(cell_len(c), *(cell_len(sheet.show(keys.at(c, k))) for k in rows)) + 1
              for c in columns]
    head = Text("ex ", style="bold dim")
    for column, width in zip(columns, widths):
        head.append(" " + column.rjust(width), style="bold dim")
    out = [head]
    for k in rows:
        line = Text(f"{k:>2} ", style="dim")
        for column, width in zip(columns, widths):
            key = keys.at(column, k)
            shown = sheet.show(key).rjust(width)
            line.append(MARK if key in marked else " ", style="bold")
            line.append(shown, style=HIGHLIGHT if key in marked else "")
        out.append(line)
    if len(net.examples) > len(rows):
        out.append(Text(f"… {len(net.examples)} examples", style="dim"))
    return out


def network_exercise(sheet: Worksheet, marked: Collection[str],
                     focus: int | None) -> list[Text | Row]:
    net = as_network(sheet.network)
    out: list[Text | Row] = []
    if len(net.examples) > 1:
        out += _examples_table(sheet, marked, focus)
    else:
        out.append(Row("inputs", _listed(sheet, net.inputs, marked, "values"), 8))
        out.append(Row("targets", [_number(sheet, t, t, marked)
                                    for t in map(keys.target, net.outputs)], 8))
    for layer in net.layers:
        names = sorted({a.name for a in layer.activations})
        out.append(Text(f"layer {layer.index} · {' '.join(names)}", style="bold dim"))
        given = sum(layer.weight_names, []) + (layer.bias_names or [])
        if len(given) > MAX_LISTED:
            out.append(Row("", _listed(sheet, given, marked, "weights and biases"), 2))
            continue
        biases: list[str | None] = (list(layer.bias_names) if layer.bias_names
                                    else [None] * len(layer.neurons))
        width = max(map(cell_len, layer.neurons)) + 3
        for neuron, row, bias in zip(layer.neurons, layer.weight_names, biases):
            names_in = [*row, *([bias] if bias else [])]
            out.append(Row(f"  {neuron}", [_number(sheet, n, n, marked) for n in names_in],
                            width))
    return out


def graph_exercise(sheet: Worksheet, marked: Collection[str],
                   focus: int | None) -> list[Text | Row]:
    graph = as_graph(sheet.network)
    given = [_number(sheet, n, n, marked) for n in graph.inputs]
    out: list[Text | Row] = [Row("inputs", given, 7), Text("compute", style="bold dim")]
    for name, expr in graph.nodes.items():
        read = name in marked
        out.append(Text(f" {MARK if read else ' '}", style="bold")
                   + Text(f"{name} = {write(expr)}", style=HIGHLIGHT if read else ""))
    out.append(Text(f"output {graph.output}", style="dim"))
    if graph.output_gradient is not None:  # SPEC §6: dL/d(output) given from upstream
        key = graph.upstream_key
        out.append(Row("upstream", [_number(sheet, key, key, marked)], 7))
    return out


EXERCISES = {"network": network_exercise, "graph": graph_exercise}


class Exercise:
    """Lines and rows of numbers, the rows wrapped to the width they are drawn at."""

    def __init__(self, parts: list[Text | Row]):
        self.parts = parts
        self._lines: dict[int, list[Text]] = {}  # by width: measured, scrolled to and drawn

    def lines(self, width: int) -> list[Text]:
        if width not in self._lines:
            self._lines[width] = [line for part in self.parts for line in (
                part.lines(width) if isinstance(part, Row) else [part])]
        return self._lines[width]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n").join(self.lines(options.max_width))


def exercise(sheet: Worksheet, marked: Collection[str] = (),
             focus: int | None = None) -> Exercise:
    """What the student is given: the numbers by name, the loss and η (the rounding rule
    and notation are in the ``header``); the ``marked`` keys (what the current step reads)
    highlighted; ``focus``: the example whose row a long batch lists too."""
    net = sheet.network
    lines = [Text("Exercise", style="bold"),
             *EXERCISES[net.kind](sheet, marked, focus)]
    extra = [Text(as_network(net).loss.name)] if net.kind == "network" else []
    if net.learning_rate is not None:
        extra.append(_number(sheet, keys.RATE, "η", marked))
    if extra:
        lines.append(Row("loss" if net.kind == "network" else "update", extra, 5))
    return Exercise(lines)


class Diagram:
    """The network as far as it is revealed, the current step's inputs marked; a note where
    it does not fit (the steps say everything anyway)."""

    def __init__(self, session: TutorSession):
        focus = session.focus
        example = focus.example if focus and focus.example else 1
        update = focus.update if focus else None  # SPEC §7: the weights this update starts from
        self.drawing = NetworkDiagram(session.sheet, session.revealed_keys(), session.reads(),
                                      example, update)
        self._drawn: dict[int, list[Text]] = {}  # by width: measured, scrolled to and drawn

    def drawn(self, max_width: int) -> list[Text]:
        if max_width not in self._drawn:
            self._drawn[max_width] = self.drawing.lines(max_width)
            for line in self._drawn[max_width]:
                line.no_wrap = True
        return self._drawn[max_width]

    def lines(self, max_width: int) -> list[Text]:
        return self.drawn(max_width) or [Text("(too big to draw here: the exercise and the "
                                              "steps say everything)", style="dim italic")]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)

    def width(self, max_width: int) -> int:
        """The cells it takes at most ``max_width`` (the note where it is not drawn: a few)."""
        if not self.drawn(max_width):
            return min(max_width, NOTE_WIDTH)
        return min(max_width, max(cell_len(line.plain) for line in self.lines(max_width)))


# -- the step ------------------------------------------------------------------------------------

def _tag(step: Step) -> Text:
    tag, colour, _ = KIND_STYLE[step.kind]
    text = Text(f"[{tag}] ", style=colour)
    text.append(step.key, style=f"bold {colour}")
    return text


def worked(sheet: Worksheet, step: Step, exact: bool) -> Text:
    """key = formula, = numbers substituted, = value (exact beside it), a line each."""
    colour = KIND_STYLE[step.kind][1]
    shown = line(sheet, step)
    head = _tag(step)
    pad = " " * (cell_len(head.plain) + 1)
    text = head + Text(f" = {step.formula}")
    if shown.substituted not in (shown.shown, step.formula):
        text.append(f"\n{pad}= {shown.substituted}")
    text.append(f"\n{pad}= ")
    text.append(shown.shown, style=f"bold {colour}")
    if exact and shown.exact_shown:
        text.append(f"    exact {shown.exact_shown}", style="dim")
    return text


def verdict(sheet: Worksheet, item: Item) -> Text:
    symbol, colour = VERDICT_STYLE[item.verdict]
    line = Text(f"{symbol} {item.verdict.replace('_', '-')}", style=f"bold {colour}")
    if item.message:
        line.append(f" — {item.message}")
    if item.earns_point and item.verdict != "correct" and item.expected is not None:
        line.append(f" (the sheet has {sheet.show_value(item.key, item.expected)})",
                    style="dim")
    return line


def revealed(sheet: Worksheet, reveal: Reveal) -> Text:
    def show(value: float) -> str:
        return sheet.show_value(reveal.key, value)

    line = Text(f"  {reveal.working} = ")
    line.append("undefined" if reveal.value is None else show(reveal.value), style="bold")
    if reveal.value is None or show(reveal.value) != show(reveal.sheet_value):
        line.append(f"  from your numbers; the sheet has {show(reveal.sheet_value)}",
                    style="dim")
    return line


def reply_lines(session: TutorSession) -> list[Text]:
    """What the last line typed earned: a verdict and the working, a hint, or a complaint."""
    reply, sheet = session.last, session.sheet
    if isinstance(reply, Hint):
        return [Text("hint: ", style="bold") + Text(reply.working)]
    if isinstance(reply, Unreadable):
        return [Text(f"? not a number: {reply.how}", style="red")]
    if not isinstance(reply, Marked):
        return []
    out = [Text(f"{reply.item.key}: ", style="bold") + verdict(sheet, reply.item)]
    if reply.reveal:
        out.append(revealed(sheet, reply.reveal))
    else:
        out.append(Text("  ") + worked_line(sheet, sheet.step(reply.item.key)))
    if reply.carried is not None:
        out.append(Text(f"  (carrying on from your {reply.item.key} = {reply.carried})",
                        style="dim"))
    return out


def worked_line(sheet: Worksheet, step: Step) -> Text:
    """key = formula = numbers = value, on one line (an answer's working after a verdict)."""
    return Text(f"{step.key} = {step.formula} = {sheet.substituted(step)} = "
                f"{sheet.show(step.key)}", style="dim")


def question(session: TutorSession, step: Step) -> Text:
    text = Text(f"({session.number}/{session.total}) ", style="dim")
    return text + _tag(step) + Text(f" = {step.formula} = ?")


def summary(session: TutorSession) -> Text:
    """The end of practice: the score, and by kind of step the points and diagnoses."""
    points, answered = session.score()
    head = "practice done" if session.revealed >= session.total else "practice stopped"
    out = [Text(f"{head}: score {points}/{answered}", style="bold")]
    for row in session.summary():
        line = Text(f"  {row.kind:<9}{row.points:>3}/{row.answered:<4}")
        if row.diagnoses:
            line.append("; ".join(row.diagnoses), style="dim")
        out.append(line)
    if not answered:
        out.append(Text("  no step answered", style="dim"))
    out.append(Text("Esc or m: watch · Home: from the start · q: quit", style="dim"))
    return Text("\n").join(out)


def step_panel(session: TutorSession) -> Text:
    """The middle of the screen: the step shown, or the one asked, or the summary."""
    sheet = session.sheet
    if session.ended:
        return Text("\n").join([*reply_lines(session), summary(session)])
    asked = session.asked
    if asked is not None:
        lines = reply_lines(session)
        return Text("\n").join([*lines, question(session, asked)])
    step = session.current
    if step is None:
        total = f"{session.total} steps" if session.total != 1 else "1 step"
        return Text(f"{total} to go. Enter, Space, → or n: the first step · m: practise "
                    "(type each value first) · ?: help", style="dim")
    return worked(sheet, step, session.show_exact)


# -- where you are -------------------------------------------------------------------------------

def _label(section: Section, size: str) -> str:
    if size == "full":
        return section.title
    example = "" if section.kind == "update" else (
        str(section.example) if section.example else "Σ")
    if size == "short":
        return f"{WORDS[section.kind]}{example}"
    return f"{SHORT[section.kind]}{example}"


def sections_line(session: TutorSession, width: int) -> Text:
    """Every section, the current one marked; shorter labels (then a window) where needed."""
    current = session.section_index()
    sections = session.sections

    def cells(labels: list[str], gap: str) -> int:
        return sum(1 + cell_len(label) for label in labels) + len(gap) * (len(labels) - 1)

    for size, gap in (("full", " › "), ("short", "  "), ("letter", " ")):
        labels = [_label(s, size) for s in sections]
        if cells(labels, gap) <= width:
            break
    lo, hi = 0, len(labels)
    while cells(labels[lo:hi], gap) + 4 > width and hi - lo > 1:
        if current - lo > hi - 1 - current:  # drop from the side further from the current
            lo += 1
        else:
            hi -= 1
    text = Text("… " if lo else "")
    for i in range(lo, hi):
        done = i < current or (i == current and session.revealed >= sections[i].end)
        if i == current:
            text.append(f"{MARK}{labels[i]}", style=HIGHLIGHT)
        else:
            text.append(f" {labels[i]}", style="" if done else "dim")
        if i < hi - 1:
            text.append(gap, style="dim")
    if hi < len(labels):
        text.append(" …")
    return text


def where(session: TutorSession, width: int) -> Text:
    """The sections, then: step n of N, the section in full, and the score when practising."""
    section = session.sections[session.section_index()] if session.sections else None
    text = sections_line(session, width) if section else Text()
    count = Text(f"\nstep {session.number} of {session.total}", style="bold")
    if section is not None:
        into = max(0, session.number - section.start)
        count.append(f" · {section.title}: {into} of {len(section)}", style="")
    points, answered = session.score()
    if session.mode == "practise" or answered:
        count.append(f" · score {points}/{answered}", style="bold")
    return text + count


def header(session: TutorSession) -> Text:
    """The title and mode; the rounding rule and notation under them (always in sight)."""
    mode = session.mode if session.mode == "watch" else f"practise · carry {session.quiz.carry}"
    text = Text(session.sheet.network.title, style="bold") + Text(f"   {mode}", style="dim")
    return text + Text(f"\n{settings(session.sheet)}", style="dim")


def keys_line(session: TutorSession) -> Text:
    if session.mode == "practise" and session.asked is not None:
        return Text("type a number, hint, skip or quit, then Enter · Esc watch · F1 help",
                    style="dim")
    return Text("→/← step  PgDn/PgUp section  Home/End  x exact  m practise  ? help  q quit",
                style="dim")


def help_text() -> Text:
    width = max(cell_len(k) for k, _ in KEYS) + 3
    lines = [Text("Keys", style="bold")]
    lines += [Text(k.ljust(width), style="bold") + Text(what) for k, what in KEYS]
    lines += [Text(""), Text("Practising, type into the box: " + PRACTISE_WORDS),
              Text("Enter marks it at once, as 'bptutor check' does."),
              Text(""), Text("Any key closes this help.", style="dim")]
    return Text("\n").join(lines)


def too_small(width: int, height: int) -> Text:
    return Text(f"bptutor tutor needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT}; this one "
                f"is {width}×{height}.\nEnlarge the window, or press q to quit.",
                justify="center")
