"""The exercise without its answers: what a student is given, and what to compute.

``bptutor show`` prints it — in the terminal, as markdown, or as a LaTeX question sheet to
print beside ``solve -f latex`` — and ``quiz``, ``template`` and ``solve --step`` begin with
it. It holds the network (or graph) in words, the given numbers (a batch's examples as a
table), the diagram with the given numbers only and what to compute, in words. With ``only``
(one pass), the values of the passes before it are given too: a backward pass reads them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from bptutor.model import keys
from bptutor.model.problem import as_graph, as_network
from bptutor.sheet.worksheet import ONLY, Worksheet, selected
from bptutor.views import SECTION_TITLES, settings, unbroken
from bptutor.views.terminal import Prose, Trimmed

if TYPE_CHECKING:
    from bptutor.model.network import Network
    from bptutor.views.latex_view import Math

SECTIONS = list(SECTION_TITLES)  # forward, loss, backward, update: the order of the passes

# What each kind of step is, in the plural, for "what to compute".
KIND_WORDS = {"preactivation": "preactivations", "activation": "activations",
              "loss": "the loss", "error": "error derivatives at the neurons",
              "delta": "error derivatives at the preactivations (δ)",
              "gradient": "weight gradients", "update": "updated weights",
              "slope": "activation derivatives σ′", "change": "weight changes Δw",
              "node": "node values", "velocity": "momentum velocities",
              "moment": "Adam moments"}
GRAPH_WORDS = {"gradient": "gradients"}  # a graph's gradients are of its inputs and nodes


@dataclass
class Fact:
    """One line of the net or graph in words: ``label``: words, a formula, a note."""

    label: str
    words: str
    formula: str = ""
    note: str = ""

    def text(self) -> str:
        out = ": ".join(part for part in (self.words, self.formula) if part)
        return f"{out}; {self.note}" if self.note else out


@dataclass
class Given:
    """Given numbers of one kind: (key, value as the sheet writes it)."""

    label: str
    items: list[tuple[str, str]]


@dataclass
class Examples:
    """A batch's examples: one row per example, a column per input and target."""

    columns: list[str]
    rows: list[list[str]]


@dataclass
class Task:
    """One part of what to compute: a pass, and its quantities kind by kind."""

    title: str  # the pass: Forward pass, Loss, …
    scope: str  # in a batch: "each example" or "summed (averaged) over the examples"; else ""
    parts: list[tuple[str, list[str]]]  # (what, in words; its keys)

    def heading(self) -> str:
        return f"{self.title} ({self.scope})" if self.scope else self.title


@dataclass
class Exercise:
    sheet: Worksheet
    structure: list[Fact]  # the net or graph in words
    givens: list[Given]
    examples: Examples | None
    tasks: list[Task]
    known: set[str] = field(default_factory=set)  # values given beyond the file's (``only``)


def build(sheet: Worksheet, only: str | None = None) -> Exercise:
    asked = selected(sheet, only)
    known = _worked_before(sheet, only)
    examples = None
    if sheet.network.kind == "network":
        structure = _network_structure(sheet)
        givens, examples = _network_givens(sheet)
    else:
        structure = _graph_structure(sheet)
        givens = _graph_givens(sheet)
    if known:
        givens.append(Given("worked out", [(s.key, sheet.show(s.key)) for s in sheet.steps
                                           if s.key in known]))
    return Exercise(sheet, structure, givens, examples, _tasks(sheet, asked), known)


def _worked_before(sheet: Worksheet, only: str | None) -> set[str]:
    """The steps of the passes before ``only``'s: given, as the pass asked reads them."""
    if only is None:
        return set()
    first = min(SECTIONS.index(section) for section in ONLY[only])
    return {s.key for s in sheet.steps if SECTIONS.index(s.section) < first}


def _network_structure(sheet: Worksheet) -> list[Fact]:
    net = as_network(sheet.network)
    out = [Fact("inputs", ", ".join(net.inputs))]
    for layer in net.layers:
        names = [a.name for a in layer.activations]
        if len(set(names)) == 1:
            units = f"{', '.join(layer.neurons)} ({names[0]})"
        else:
            units = ", ".join(f"{n} ({a})" for n, a in zip(layer.neurons, names))
        offset = " with thresholds" if layer.threshold else " with biases"
        bias = offset if layer.bias_names else ""
        out.append(Fact(f"layer {layer.index}", units + bias))
    loss = next((s for s in sheet.steps if s.kind == "loss"), None)
    if loss is not None:
        per = f"E {_batch_verb(net.batch)} it over the examples" if len(net.examples) > 1 else ""
        out.append(Fact("loss", net.loss.name.replace("_", " "), f"E = {loss.formula}", per))
    if net.learning_rate is not None and not net.update_biases:
        fixed = "thresholds" if all(layer.threshold for layer in net.layers) else "biases"
        out.append(Fact("update", f"the weights only ({fixed} stay fixed)"))
    return out


def _batch_verb(batch: str) -> str:
    """How a batch's totals come from its examples (``batch: mean`` averages them)."""
    return "averages" if batch == "mean" else "sums"


def _offset_words(net: Network) -> str:
    """The given weights' heading: biases, or thresholds θ (z = Σ w·a − θ), or both."""
    kinds = {"thresholds" if layer.threshold else "biases" for layer in net.layers
             if layer.bias_names}
    return "weights" if not kinds else "weights and " + " and ".join(sorted(kinds))


def _graph_structure(sheet: Worksheet) -> list[Fact]:
    graph = as_graph(sheet.network)
    out = [Fact("inputs", ", ".join(graph.inputs))]
    out += [Fact("nodes" if i == 0 else "", "", f"{name} = {sheet.step(name).formula}")
            for i, name in enumerate(graph.nodes)]
    out.append(Fact("output", graph.output))
    return out


def _graph_givens(sheet: Worksheet) -> list[Given]:
    """The inputs, then what SPEC §6 adds: the upstream gradient and the learning rate."""
    graph = as_graph(sheet.network)
    inputs = [(k, sheet.show(k)) for k in sheet.givens if k in graph.inputs]
    out = [Given("inputs", inputs)]
    if graph.output_gradient is not None:
        out.append(Given("upstream", [(graph.upstream_key, sheet.show(graph.upstream_key))]))
    if keys.RATE in sheet.givens:
        out.append(Given("learning rate", [(keys.RATE, sheet.show(keys.RATE))]))
    return out


def _network_givens(sheet: Worksheet) -> tuple[list[Given], Examples | None]:
    net = as_network(sheet.network)
    inputs, targets, rate, params, training = [], [], [], [], []
    for key in sheet.givens:
        parts = keys.parse(key)
        if parts.form == "rate":
            rate.append((key, sheet.show(key)))
        elif key in keys.CONSTANTS:  # SPEC §7: μ, λ, β1, β2, ε
            training.append((key, sheet.show(key)))
        elif parts.form == "t":
            targets.append(key)
        elif parts.form == "value" and parts.name in net.inputs:
            inputs.append(key)
        else:
            params.append((key, sheet.show(key)))
    out = [Given(_offset_words(net), params)]
    examples = None
    if len(net.examples) > 1:
        columns = [keys.base(k) for k in inputs + targets if keys.parse(k).example == 1]
        rows = [[sheet.show(keys.at(c, k)) for c in columns]
                for k in range(1, len(net.examples) + 1)]
        examples = Examples(columns, rows)
    else:
        out[:0] = [Given("inputs", [(k, sheet.show(k)) for k in inputs]),
                   Given("targets", [(k, sheet.show(k)) for k in targets])]
    if rate:
        out.append(Given("learning rate", rate))
    if training:
        out.append(Given("training", training))
    return [g for g in out if g.items], examples


def _task_scope(sheet: Worksheet, section: str, example: int | None) -> str:
    if len(sheet.network.examples) == 1 or section == "update":
        return ""
    if example:
        return "each example"
    mean = sheet.network.kind == "network" and as_network(sheet.network).batch == "mean"
    return f"{'averaged' if mean else 'summed'} over the examples"


def _tasks(sheet: Worksheet, asked: list) -> list[Task]:
    """What to compute, pass by pass (a batch's per-example passes once, keys without @k)."""
    words = KIND_WORDS | (GRAPH_WORDS if sheet.network.kind == "graph" else {})
    tasks: dict[tuple[str, str], dict[str, list[str]]] = {}
    for step in asked:
        place = (SECTION_TITLES[step.section], _task_scope(sheet, step.section, step.example))
        kinds = tasks.setdefault(place, {})
        names = kinds.setdefault(words[step.kind], [])
        key = keys.base(step.key)
        if key not in names:
            names.append(key)
    return [Task(title, scope, list(kinds.items())) for (title, scope), kinds in tasks.items()]


def shown(key: str) -> str:
    """A given's key as a student reads it: the learning rate is η."""
    if key in keys.CONSTANTS:  # μ() → μ: the parentheses only keep keys apart from names
        return key.removesuffix("()")
    return "η" if key == keys.RATE else key


# -- rich ------------------------------------------------------------------------------------

def renderable(exercise: Exercise, diagram: bool = True, tasks: bool = True) -> Trimmed:
    """The exercise for the terminal; ``diagram`` draws the net with the given numbers only
    (where it fits), ``tasks`` adds what to compute."""
    net = exercise.sheet.network
    parts: list = [Text(net.title, style="bold")]
    if net.source:
        parts.append(Text(net.source, style="italic dim"))
    parts += [Prose(unbroken(settings(exercise.sheet)), "dim"), Text()]
    grid = _grid()
    for i, fact in enumerate(exercise.structure):
        grid.add_row(Text("Network" if i == 0 else "", style="bold"),
                     Text(fact.label, style="dim"), Text(fact.text()))
    for i, given in enumerate(exercise.givens):
        items = "   ".join(f"{shown(k)}={v}" for k, v in given.items)  # wraps between items
        grid.add_row(Text("Given" if i == 0 else "", style="bold"),
                     Text(given.label, style="dim"), Text(items))
    if exercise.examples is not None:
        grid.add_row(Text("" if exercise.givens else "Given", style="bold"),
                     Text("examples", style="dim"), _examples_table(exercise.examples))
    parts.append(grid)
    if diagram:
        from bptutor.views.diagram import NetworkDiagram

        parts.append(NetworkDiagram(exercise.sheet, known=exercise.known))
    if tasks and exercise.tasks:
        if not diagram:
            parts.append(Text())
        parts.append(_tasks_grid(exercise.tasks))
    return Trimmed(Group(*parts))


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


def _examples_table(examples: Examples) -> Table:
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, header_style="bold")
    table.add_column("example", justify="right", style="dim")
    for column in examples.columns:
        table.add_column(column, justify="right")
    for k, row in enumerate(examples.rows, start=1):
        table.add_row(str(k), *row)
    return table


def _tasks_grid(tasks: list[Task]) -> Table:
    grid = _grid()
    for i, task in enumerate(tasks):
        for j, (what, names) in enumerate(task.parts):
            text = Text(f"{what}: {', '.join(names)}")
            if j == 0 and task.scope:
                text = Text(f"({task.scope}) ", style="italic") + text
            grid.add_row(Text("Compute" if i == j == 0 else "", style="bold"),
                         Text(task.title if j == 0 else "", style="dim"), text)
    return grid


def plain(exercise: Exercise, width: int = 100, diagram: bool = True,
          tasks: bool = True) -> str:
    """The terminal view as plain text (``show -o FILE``, the template's comments)."""
    return _text(renderable(exercise, diagram, tasks), width) + "\n"


def _text(shown: RenderableType, width: int) -> str:
    """A renderable as plain text, no trailing spaces, no blank lines around it."""
    console = Console(width=width, file=io.StringIO(), record=True, no_color=True,
                      color_system=None, highlight=False, emoji=False)
    console.print(shown)
    text = console.export_text(styles=False)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


# -- markdown --------------------------------------------------------------------------------

def markdown(exercise: Exercise) -> str:
    net = exercise.sheet.network
    out = [f"# {net.title}", ""]
    if net.source:
        out += [f"*{net.source}*", ""]
    summary = settings(exercise.sheet)
    out += [summary[0].upper() + summary[1:] + ".", "", "## Network", ""]
    for fact in exercise.structure:
        parts = [fact.words, f"`{fact.formula}`" if fact.formula else ""]
        text = ": ".join(part for part in parts if part)
        text += f"; {fact.note}" if fact.note else ""
        out.append(f"- {fact.label}: {text}" if fact.label else f"- {text}")
    out += ["", "## Given", ""]
    out += [f"- {given.label}: " + ", ".join(f"`{shown(k)} = {v}`" for k, v in given.items)
            for given in exercise.givens]
    if exercise.examples is not None:
        cols = exercise.examples.columns
        out += ["", "| example | " + " | ".join(f"`{c}`" for c in cols) + " |",
                "|---:|" + "---:|" * len(cols)]
        out += [f"| {k} | " + " | ".join(row) + " |"
                for k, row in enumerate(exercise.examples.rows, start=1)]
    picture = _diagram_text(exercise)
    if picture:
        out += ["", "```text", picture, "```"]
    out += ["", "## Compute", ""]
    for task in exercise.tasks:
        asked = "; ".join(f"{what} " + ", ".join(f"`{k}`" for k in names)
                          for what, names in task.parts)
        out.append(f"- **{task.heading()}:** {asked}")
    return "\n".join(out) + "\n"


def _diagram_text(exercise: Exercise, width: int = 100) -> str:
    from bptutor.views.diagram import NetworkDiagram

    return _text(NetworkDiagram(exercise.sheet, known=exercise.known), width)


# -- LaTeX -----------------------------------------------------------------------------------

def latex(exercise: Exercise) -> str:
    """A question sheet for pdflatex, in the answer sheet's (``solve -f latex``) notation."""
    from bptutor.views import latex_view as tex

    sheet, net = exercise.sheet, exercise.sheet.network
    math = tex.Math(tex.sheet_names(sheet), net.loss_name)
    out = tex.preamble(net.title, net.source, settings(sheet))
    out += [r"\section*{Network}", r"\begin{itemize}"]
    for fact in exercise.structure:
        parts = [tex.escape(fact.words), f"${math.expr(fact.formula)}$" if fact.formula else ""]
        body = ": ".join(part for part in parts if part)
        body += tex.escape(f"; {fact.note}") if fact.note else ""
        out.append(rf"\item {tex.escape(fact.label)}: {body}" if fact.label else rf"\item {body}")
    out += [r"\end{itemize}", "", r"\section*{Given}"]
    for given in exercise.givens:
        out += [rf"\noindent {tex.escape(given.label.capitalize())}:",
                *tex.environment("gather*", tex.packed(math, given.items)), ""]
    if exercise.examples is not None:
        out += _latex_examples(math, exercise.examples)
    out += _latex_diagram(exercise, math)
    out += [r"\section*{Compute}", r"\begin{itemize}"]
    for task in exercise.tasks:
        asked = "; ".join(tex.escape(what) + " " + ", ".join(f"${math.key(k)}$" for k in names)
                          for what, names in task.parts)
        out.append(rf"\item \textbf{{{tex.escape(task.heading())}:}} {asked}")
    out += [r"\end{itemize}", "", r"\end{document}"]
    return "\n".join(out) + "\n"


def _latex_examples(math: Math, examples: Examples) -> list[str]:
    from bptutor.views.latex_view import number_tex

    head = " & ".join(["k", *(f"${math.key(c)}$" for c in examples.columns)])
    rows = [" & ".join([str(k), *(f"${number_tex(v)}$" for v in row)]) + r" \\"
            for k, row in enumerate(examples.rows, start=1)]
    return [r"\noindent Examples:", "", r"\begin{center}",
            r"\begin{tabular}{r" + "r" * len(examples.columns) + "}", head + r" \\ \hline",
            *rows, r"\end{tabular}", r"\end{center}", ""]


def _latex_diagram(exercise: Exercise, math: Math) -> list[str]:
    """A network's layers as table columns, each edge as x -w=0.2-> q (a graph's nodes are
    listed under Network already); left out where a layer has more edges than fit a page."""
    from bptutor.views.diagram import MAX_EDGES
    from bptutor.views.latex_view import number_tex

    sheet = exercise.sheet
    if sheet.network.kind != "network":
        return []
    net = as_network(sheet.network)
    if len(net.layers) > 4 or any(
            len(sum(layer.weight_names, [])) + len(layer.bias_names or []) > MAX_EDGES
            for layer in net.layers):
        return []
    columns: list[list[str]] = [[r"\textit{inputs}", *(f"${math.key(x)}$" for x in net.inputs)]]
    edges: list[list[str]] = [[]]
    prev = net.inputs
    for layer in net.layers:
        columns.append([rf"\textit{{layer {layer.index}}}",
                        *(f"${math.key(n)}$" for n in layer.neurons)])
        biases: list[str | None] = (list(layer.bias_names) if layer.bias_names
                                    else [None] * len(layer.neurons))
        edges.append([
            rf"${source} \xrightarrow{{{math.key(w)} = {number_tex(sheet.show(w))}}} "
            rf"{math.key(n)}$"
            for n, names, b in zip(layer.neurons, layer.weight_names, biases)
            for source, w in [*((math.key(a), w) for a, w in zip(prev, names)),
                              *([("1", b)] if b else [])]])
        prev = layer.neurons
    height = max(map(len, columns))
    depth = max(map(len, edges))
    rows = [" & ".join(c[i] if i < len(c) else "" for c in columns) + r" \\"
            for i in range(height)]
    rows += [r"\noalign{\smallskip}"]
    rows += [" & ".join(e[i] if i < len(e) else "" for e in edges) + r" \\"
             for i in range(depth)]
    return [r"\begin{center}", r"\small", r"\begin{tabular}{" + "l" * len(columns) + "}",
            *rows, r"\end{tabular}", r"\end{center}", ""]
