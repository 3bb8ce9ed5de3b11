"""The network as a small terminal diagram above ``solve``'s steps.

Layers are columns: inputs, then each layer with its neurons and their values, and under each
layer the edges into it (``x1 ─u1=0.2→ q``; a bias comes from ``+1``). Wide nets drop the
weight names first; a net that still does not fit the console, or has too many edges to
read, is not drawn at all (the steps say everything anyway).

A diagram may also show a sheet part-way: only the values of the ``known`` keys (the given
numbers always), ``?`` for the rest, and the places of the ``highlight`` keys marked ``▸``
and drawn reversed, so the mark survives NO_COLOR. ``solve --step``, ``show`` and the tutor
draw it so.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from bptutor.model import keys
from bptutor.model.problem import as_network
from bptutor.sheet.worksheet import Worksheet
from bptutor.views import KIND_STYLE

MAX_EDGES = 16  # per layer: more lines than that is a wall of numbers, not a picture
GAP = 3  # spaces between columns
UNKNOWN = "?"  # a value not revealed yet
MARK = "▸"  # the text twin of a highlighted unit or edge
HIGHLIGHT = "reverse"  # not a colour: NO_COLOR keeps it

ACT = KIND_STYLE["activation"][1]
WEIGHT = KIND_STYLE["gradient"][1]


@dataclass
class Column:
    title: str
    units: list[Text]
    edges: list[Text]

    def width(self) -> int:
        return max(cell_len(t.plain) for t in [Text(self.title), *self.units, *self.edges])


class Reveal:
    """Which values a diagram shows and which places it marks.

    ``known`` None shows every value; a collection shows the givens and those keys. A
    ``highlight`` of None draws no mark column; a collection (even empty) reserves one, so
    the diagram keeps its width as the marks move."""

    def __init__(self, sheet: Worksheet, known: Collection[str] | None = None,
                 highlight: Collection[str] | None = None, example: int = 1,
                 update: int | None = None):
        self.sheet, self.known = sheet, None if known is None else set(known)
        self.example = example if len(sheet.network.examples) > 1 else None
        # SPEC §7: a sheet of several updates shows the update asked for, else the first
        # that works on the example
        self.update = update or next((s.update for s in sheet.steps
                                      if s.example == self.example), None)
        self.marks = highlight is not None
        self.marked = set()
        for key in highlight or ():  # a key marks the place of its name: dE/dq marks q
            parts = keys.parse(key)
            if parts.example in (None, self.example):
                self.marked.add(parts.name)

    def at(self, name: str) -> str:
        """The key of ``name``'s value in the example shown; a weight's in update k > 1 is
        the one update k − 1 made (SPEC §7: each update starts from the weights before it)."""
        own = keys.at(name, self.example)
        if own in self.sheet.givens:  # an input of this example (or of the one example)
            return own
        if name not in self.sheet.givens:  # a neuron's value in this update
            return keys.numbered(own, self.update)
        if self.update and self.update > 1:  # a weight or bias, shared by the examples
            before = keys.numbered(keys.update(name), self.update - 1)
            if before in self.sheet.values:
                return before
        return name

    def shows(self, key: str) -> bool:
        return self.known is None or key in self.known or key in self.sheet.givens

    def value(self, key: str, width: int = 0) -> str:
        """The value as the sheet writes it, or ``?`` padded to ``width`` cells."""
        if self.shows(key):
            return self.sheet.show(key)
        return UNKNOWN + " " * max(0, width - 1)

    def widest(self, key_list: list[str]) -> int:
        """The widest of these values once known: a ``?`` takes its room from the start."""
        return max((cell_len(self.sheet.show(k)) for k in key_list), default=0)

    def mark(self, text: Text, name: str) -> Text:
        """``text`` with the mark column in front; reversed where ``name`` is marked."""
        if not self.marks:
            return text
        if name not in self.marked:
            return Text(" ") + text
        text.stylize(HIGHLIGHT)
        return Text(MARK, style="bold") + text


def _unit(name: str, value: str, name_width: int, style: str) -> Text:
    padded = name + " " * (name_width - cell_len(name))  # cells, not characters: 中 is two
    text = Text(padded, style=f"bold {style}".strip())
    text.append(" " + (value if value.startswith("-") else " " + value), style=style)
    return text


def _edge(source: str, weight: str, value: str, target: str, named: bool) -> Text:
    text = Text(source)
    text.append(" ─", style="dim")
    text.append(f"{weight}={value}" if named else value, style=WEIGHT)
    text.append("→ ", style="dim")
    text.append(target, style=ACT)
    return text


def _layer_title(sheet: Worksheet, index: int, compact: bool) -> str:
    layer = as_network(sheet.network).layers[index]
    names = sorted({a.name for a in layer.activations})
    act = names[0] if len(names) == 1 else "mixed"
    return act if compact else f"layer {layer.index} · {act}"


def _units(reveal: Reveal, names: list[str], style: str) -> list[Text]:
    width = max(map(cell_len, names))
    room = reveal.widest([reveal.at(n) for n in names])
    return [reveal.mark(_unit(n, reveal.value(reveal.at(n), room), width, style), n)
            for n in names]


def _offset(layer) -> str:
    """Where a bias comes from: +1; a threshold θ (z = Σ w·a − θ, SPEC §6) from −1."""
    return "-1" if layer.threshold else "+1"


def columns(reveal: Reveal, compact: bool) -> list[Column]:
    """The diagram's columns (one example's values in a batch); ``compact`` leaves out
    weight names and the word 'layer'."""
    sheet = reveal.sheet
    net = as_network(sheet.network)
    cols = [Column("inputs", _units(reveal, net.inputs, ""), [])]
    prev = net.inputs
    for index, layer in enumerate(net.layers):
        biases: list[str | None] = (list(layer.bias_names) if layer.bias_names
                                    else [None] * len(layer.neurons))
        edges = [reveal.mark(_edge(a, w, reveal.value(reveal.at(w)), n, not compact), w)
                 for n, names, b in zip(layer.neurons, layer.weight_names, biases)
                 for a, w in [*zip(prev, names), *([(_offset(layer), b)] if b else [])]]
        cols.append(Column(_layer_title(sheet, index, compact),
                           _units(reveal, layer.neurons, ACT), edges))
        prev = layer.neurons
    return cols


def graph_columns(reveal: Reveal) -> list[Column]:
    """A computation graph by depth: inputs, then each node one column right of what it reads."""
    from bptutor.views.draw import graph_picture

    pic = graph_picture(reveal.sheet)
    names = {node.id: node.name for _, nodes in pic.columns for node in nodes}
    into: dict = {}  # edges by target: a scan of every edge per node is quadratic
    for e in pic.edges:
        into.setdefault(e.target, []).append(e)
    cols = []
    for title, nodes in pic.columns:
        shown = [names[node.id] for node in nodes]
        width = max(map(cell_len, shown))
        room = reveal.widest(shown)
        units = [reveal.mark(_unit(names[node.id], reveal.value(names[node.id], room), width,
                                   "" if node.kind == "input" else ACT), names[node.id])
                 for node in nodes]
        edges = [Text(f"{names[e.source]} → {names[e.target]}", style="dim")
                 for node in nodes for e in into.get(node.id, [])]
        cols.append(Column(title, units, edges))
    return cols


def grid(cols: list[Column]) -> list[Text]:
    """Columns side by side: a title row, the units, a blank line, the edges."""
    widths = [c.width() for c in cols]
    rows: list[list[Text]] = [[Text(c.title, style="bold dim") for c in cols]]
    height = max(len(c.units) for c in cols)
    rows += [[c.units[i] if i < len(c.units) else Text() for c in cols] for i in range(height)]
    rows.append([Text() for _ in cols])
    depth = max(len(c.edges) for c in cols)
    rows += [[c.edges[i] if i < len(c.edges) else Text() for c in cols] for i in range(depth)]
    out = []
    for row in rows:
        line = Text()
        for i, (cell, width) in enumerate(zip(row, widths)):
            line.append_text(cell)
            if i < len(row) - 1:
                line.append(" " * (width - cell_len(cell.plain) + GAP))
        line.rstrip()
        out.append(line)
    return out


class NetworkDiagram:
    """A rich renderable that draws itself only where it fits (else nothing at all).

    ``known``: None draws every value; a collection of keys draws only theirs (and the
    givens: inputs, weights, biases), ``?`` for the rest. ``highlight``: keys whose places
    (a unit, a weight's edge; dE/dq marks q) are marked ``▸`` and reversed; None draws no mark
    column. ``example``: in a batch, whose neuron values are drawn."""

    def __init__(self, sheet: Worksheet, known: Collection[str] | None = None,
                 highlight: Collection[str] | None = None, example: int = 1,
                 update: int | None = None):
        self.sheet = sheet
        self.reveal = Reveal(sheet, known, highlight, example, update)

    def lines(self, max_width: int) -> list[Text]:
        draw = {"network": self.network_lines, "graph": self.graph_lines}
        return draw[self.sheet.network.kind](max_width)

    def graph_lines(self, max_width: int) -> list[Text]:
        cols = graph_columns(self.reveal)
        if max(len(c.edges) for c in cols) > MAX_EDGES:
            return []
        out = grid(cols)
        fits = max(cell_len(line.plain) for line in out) <= max_width
        return [Text(), *out, Text()] if fits else []

    def network_lines(self, max_width: int) -> list[Text]:
        layers = as_network(self.sheet.network).layers
        if any(len(sum(layer.weight_names, [])) + len(layer.bias_names or []) > MAX_EDGES
               for layer in layers):
            return []
        for compact in (False, True):  # weight names if they fit, else values alone
            out = grid(columns(self.reveal, compact))
            if max(cell_len(line.plain) for line in out) <= max_width:
                return [Text(), *out, *self.caption()]  # blank lines set it apart
        return []

    def caption(self) -> list[Text]:
        count = len(self.sheet.network.examples)
        if count == 1:
            return [Text()]
        return [Text(f"neuron values of example {self.reveal.example} of {count}",
                     style="dim italic"), Text()]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            line.no_wrap = True
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.lines(options.max_width)
        width = max((cell_len(line.plain) for line in lines), default=0)
        return Measurement(width, width)
