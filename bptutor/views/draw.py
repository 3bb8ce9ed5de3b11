"""``bptutor draw``: the solved network (or computation graph) as Graphviz DOT or Mermaid.

A builder turns a worksheet into a ``Picture`` — columns of nodes, each a list of label
lines, and labelled edges — and a writer turns that into one language. Nodes get
generated ids (``n0``, ``n1``…), so a user's name (``W1[1,2]``, ``h.1'``) only ever
appears inside a quoted, escaped label. Biases are label lines of their neuron, not nodes
of their own: a bias node per neuron would double the picture for one number each. A layer's
thresholds θ (z = Σ w·a − θ, SPEC §6) come, as in the terminal diagram, from one ``-1`` unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bptutor.errors import OptionError
from bptutor.model import keys
from bptutor.model.network import Network, TrainingPlan
from bptutor.model.problem import as_graph, as_network
from bptutor.sheet.worksheet import Worksheet


@dataclass
class Node:
    id: str
    lines: list[str]  # the first is the name
    kind: str  # input | neuron | output | node
    name: str = ""


@dataclass
class Edge:
    source: str
    target: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Picture:
    title: str
    note: str
    columns: list[tuple[str, list[Node]]]  # left to right, each drawn at one rank
    edges: list[Edge]


def _value(sheet: Worksheet, key: str) -> str | None:
    """'key = value' as the sheet writes it, or None where the sheet has no such value."""
    if key in sheet.givens or key in sheet.values:
        return f"{keys.base(key)} = {sheet.show(key)}"
    return None


def _lines(sheet: Worksheet, first: str, wanted: list[str]) -> list[str]:
    return [first, *(text for text in (_value(sheet, k) for k in wanted) if text)]


def picture(sheet: Worksheet, example: int = 1) -> Picture:
    """The picture of a solved network or, for ``kind: graph``, of a computation graph."""
    return PICTURES[sheet.network.kind](sheet, example)


def updates_of(net: Network) -> list[list[int]]:
    """The 1-based examples of each update the sheet writes out (SPEC §7)."""
    plan = net.training or TrainingPlan()
    return plan.batches(len(net.examples))


def update_picture(sheet: Worksheet, update: int, example: int | None = None) -> Picture:
    """The network in update ``update``: the neuron values of one of its examples (the first
    unless ``example`` is one of them), each weight's gradient in that update, the steps of
    its rule (change, velocity, Adam's moments) and its new value ``new(w)#k``."""
    if sheet.network.kind != "network":
        raise OptionError("--update", "a computation graph has one update: leave out --update")
    net = as_network(sheet.network)
    batches = updates_of(net)
    if not 1 <= update <= len(batches):
        raise OptionError("--update", f"the sheet has {len(batches)} update(s): give 1 to "
                                      f"{len(batches)}")
    batch = batches[update - 1]
    if example is not None and example not in batch:
        raise OptionError("--example", f"update {update} works on example(s) "
                                       f"{', '.join(map(str, batch))}")
    shown = example or batch[0]
    plan = net.training or TrainingPlan()
    numbered = len(batches) > 1 or plan.after_update  # keys end in #k (SPEC §7)
    k = update if numbered else None
    several = len(net.examples) > 1

    def at(key: str) -> str:  # the shown example's key in this update; an input has no #k
        plain = keys.at(key, shown if several else None)
        return keys.numbered(plain, k) if _known(sheet, keys.numbered(plain, k)) else plain

    def weight_lines(name: str) -> list[str]:
        before = name if update == 1 else keys.numbered(keys.update(name), update - 1)
        lines = [f"{name} = {sheet.show(before)}"] if _known(sheet, before) else []
        gradient = next((g for g in (keys.numbered(keys.derivative(name), k),
                                     at(keys.derivative(name)))
                         if _known(sheet, g)), None)
        rule = [keys.numbered(key, k) for key in (
            keys.change(name), keys.velocity(name),
            *(keys.moment(which, name) for which in keys.MOMENTS), keys.update(name))]
        return lines + [text for text in (_value(sheet, key) for key in
                                          ([gradient] if gradient else []) + rule) if text]

    pic = _network_columns(sheet, net, at, weight_lines)
    pic.note = (f"update {update} of {len(batches)} (example{'s' * (len(batch) > 1)} "
                f"{', '.join(map(str, batch))}); neuron values of example {shown}")
    return pic


def _known(sheet: Worksheet, key: str) -> bool:
    return key in sheet.givens or key in sheet.values


def network_picture(sheet: Worksheet, example: int = 1) -> Picture:
    net = as_network(sheet.network)
    count = len(net.examples)

    def at(key: str) -> str:  # the shown example's key
        return keys.at(key, example if count > 1 else None)

    def with_gradient(name: str) -> list[str]:  # a weight or bias, its gradient, its update
        return _lines(sheet, "", [name, keys.derivative(name), keys.change(name),
                                  keys.update(name)])[1:]

    pic = _network_columns(sheet, net, at, with_gradient)
    if count > 1:
        total = "averaged" if net.batch == "mean" else "summed"  # batch: mean (SPEC §6)
        pic.note = (f"neuron values of example {example} of {count}; weight gradients {total} "
                    "over the batch")
    return pic


def _network_columns(sheet: Worksheet, net: Network, at: Callable[[str], str],
                     with_gradient: Callable[[str], list[str]]) -> Picture:
    """Inputs and neurons in columns, an edge per weight: ``at`` names the shown example's
    key of a neuron value, ``with_gradient`` gives a weight's or bias's lines."""
    ids: dict[str, str] = {}

    def node(name: str, lines: list[str], kind: str) -> Node:
        ids[name] = f"n{len(ids)}"
        return Node(ids[name], lines, kind, name)

    columns = [("inputs", [node(x, _lines(sheet, "", [at(x)])[1:], "input")
                           for x in net.inputs])]
    edges, prev = [], net.inputs
    for layer in net.layers:
        nodes = []
        thresholds = layer.bias_names if layer.threshold else None
        if thresholds:  # the -1 unit each threshold comes from, beside the layer's inputs
            columns[-1][1].append(node(f"-1 → layer {layer.index}", ["-1"], "input"))
        for j, n in enumerate(layer.neurons):
            act = layer.activations[j].name
            unit = [keys.preactivation(n), n, keys.derivative(n), keys.delta(n),
                    keys.delta_rule(n)]
            lines = _lines(sheet, f"{n} ({act})", [at(key) for key in unit])
            if layer.bias_names and not thresholds:
                lines += with_gradient(layer.bias_names[j])
            kind = "output" if layer is net.layers[-1] else "neuron"
            nodes.append(node(n, lines, kind))
            for a, w in zip(prev, layer.weight_names[j]):
                edges.append(Edge(ids[a], ids[n], with_gradient(w)))
            if thresholds:
                edges.append(Edge(ids[f"-1 → layer {layer.index}"], ids[n],
                                  with_gradient(thresholds[j])))
        columns.append((f"layer {layer.index}", nodes))
        prev = layer.neurons
    return Picture(net.title, "", columns, edges)


def graph_picture(sheet: Worksheet, example: int = 1) -> Picture:
    """Inputs and nodes with their values, gradients and updates, an edge for every use, one
    column per depth (an input is at depth 0, a node one deeper than the deepest value it
    reads). The gradients are of the graph's loss: its output, or the L downstream whose
    dL/d(output) is given (``output_gradient``). A graph has one example: ``example`` is there
    to match ``network_picture``."""
    graph = as_graph(sheet.network)
    out = graph.output
    given = graph.output_gradient is not None
    ids = {name: f"n{i}" for i, name in enumerate([*graph.inputs, *graph.nodes])}
    depth = dict.fromkeys(graph.inputs, 0)
    for name, expr in graph.nodes.items():
        depth[name] = 1 + max((depth[v] for v in expr.names), default=0)
    columns: list[tuple[str, list[Node]]] = [
        ("inputs" if d == 0 else f"depth {d}", []) for d in range(max(depth.values()) + 1)]
    for name in ids:
        kind = "input" if name in graph.inputs else "output" if name == out else "node"
        first = f"{name} = {sheet.step(name).formula}" if name in graph.nodes else ""
        wanted = [name, keys.derivative(name, of=graph.loss_name)]
        if name in graph.updated:
            wanted.append(keys.update(name))
        lines = [line for line in _lines(sheet, first, wanted) if line]
        if given and name == out:
            lines[-1] += " (given)"
        columns[depth[name]][1].append(Node(ids[name], lines, kind, name))
    edges = [Edge(ids[v], ids[name]) for name, expr in graph.nodes.items()
             for v in _ordered(expr)]
    return Picture(graph.title, "", columns, edges)


PICTURES = {"network": network_picture, "graph": graph_picture}  # by the problem's kind


def _ordered(expr) -> list[str]:
    from bptutor.model.expression import ordered_names

    return list(ordered_names(expr))


def heading(sheet: Worksheet, pic: Picture) -> str:
    from bptutor.views import settings

    return " · ".join(part for part in (settings(sheet), pic.note) if part)


# -- Graphviz DOT -------------------------------------------------------------------------------

def dot_string(text: str) -> str:
    """A DOT quoted string: backslash and quote escaped; a line break as DOT's \\n."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(text.splitlines() or [""]) + '"'


def _dot_label(lines: list[str]) -> str:
    return dot_string("\n".join(lines))


DOT_SHAPES = {"input": 'shape=ellipse', "neuron": 'shape=box, style=rounded',
              "output": 'shape=box, style=rounded, peripheries=2',
              "node": 'shape=box, style=rounded'}


def dot(sheet: Worksheet, pic: Picture) -> str:
    label = "\n".join(part for part in (pic.title, heading(sheet, pic)) if part)
    out = ["digraph bptutor {",
           f"  graph [rankdir=LR, labelloc=t, fontname=Helvetica, label={dot_string(label)}];",
           "  node [fontname=Helvetica, fontsize=11];",
           "  edge [fontname=Helvetica, fontsize=9];"]
    for title, nodes in pic.columns:
        out.append(f"  // {title.replace(chr(10), ' ')}")
        for node in nodes:
            out.append(f"  {node.id} [label={_dot_label(node.lines)}, {DOT_SHAPES[node.kind]}];")
        out.append("  { rank=same; " + " ".join(f"{node.id};" for node in nodes) + " }")
    for edge in pic.edges:
        attrs = f" [label={_dot_label(edge.lines)}]" if edge.lines else ""
        out.append(f"  {edge.source} -> {edge.target}{attrs};")
    out.append("}")
    return "\n".join(out) + "\n"


# -- Mermaid ------------------------------------------------------------------------------------

_MERMAID_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
                     "`": "#96;", "|": "#124;"}


def mermaid_string(text: str) -> str:
    """A Mermaid quoted label: characters Mermaid reads as syntax become #entities;."""
    escaped = "".join(_MERMAID_ENTITIES.get(c, c) for c in text)
    return '"' + "<br>".join(escaped.splitlines() or [""]) + '"'


MERMAID_SHAPES = {"input": ("([", "])"), "neuron": ("(", ")"), "output": ("[[", "]]"),
                  "node": ("(", ")")}  # the output framed twice, as DOT's peripheries=2


def mermaid(sheet: Worksheet, pic: Picture) -> str:
    out = ["flowchart LR"]
    for part in (pic.title, heading(sheet, pic)):
        if part:
            out.append("  %% " + " ".join(part.split()))  # a comment: one line, no syntax
    for c, (title, nodes) in enumerate(pic.columns):
        out.append(f"  subgraph c{c}[{mermaid_string(title)}]")
        out.append("    direction TB")
        for node in nodes:
            left, right = MERMAID_SHAPES[node.kind]
            out.append(f"    {node.id}{left}{mermaid_string(chr(10).join(node.lines))}{right}")
        out.append("  end")
    for edge in pic.edges:
        label = f"|{mermaid_string(chr(10).join(edge.lines))}|" if edge.lines else ""
        out.append(f"  {edge.source} -->{label} {edge.target}")
    return "\n".join(out) + "\n"


def render(sheet: Worksheet, fmt: str, example: int | None = None,
           update: int | None = None) -> str:
    """The diagram; ``update``: a network's update k of several (SPEC §7), with its new
    weights, and the values of ``example`` (or the update's first example)."""
    pic = picture(sheet, example or 1) if update is None else \
        update_picture(sheet, update, example)
    return dot(sheet, pic) if fmt == "dot" else mermaid(sheet, pic)
