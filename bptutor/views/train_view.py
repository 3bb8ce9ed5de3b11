"""The terminal view of a training run: loss curve, predictions, what the hidden layer computes.

The loss curve is drawn here with block characters (no plotting dependency): one column per
epoch, or per group of epochs on long runs (the group's largest E, so a spike never hides),
on a log scale when E spans two decades or more.
"""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bptutor.tools.training import Result

_BLOCKS = " ▁▂▃▄▅▆▇█"
_LOSS_STYLE = "yellow"  # the loss's colour in solve's legend
_MAX_COLUMNS = 8  # hidden neurons (or inputs) shown side by side
_MAX_ROWS = 16  # examples shown in the tables
_MAX_WEIGHTS = 40  # more than this: see --save or --format json


def loss_chart(losses: list[float], width: int = 60, height: int = 8,
               style: str = _LOSS_STYLE) -> Text:
    """E per epoch as a block chart with a labelled y axis and the first and last epoch."""
    values = [v for v in losses if math.isfinite(v)]
    if not values:
        return Text("(no finite loss to plot)")
    n, cols = len(values), max(1, min(width, len(values)))
    columns = [max(values[c * n // cols:max((c + 1) * n // cols, c * n // cols + 1)])
               for c in range(cols)]
    top, bottom = max(values), min(values)
    log = bottom > 0 and top / bottom >= 100
    low = bottom if log else min(0.0, bottom)
    scale = math.log10 if log else float
    span = (scale(top) - scale(low)) or 1.0
    levels = [max(1, round((scale(v) - scale(low)) / span * height * 8)) for v in columns]
    middle = 10 ** ((math.log10(top) + math.log10(low)) / 2) if log else (top + low) / 2
    labels = {0: _short(top), height // 2: _short(middle), height - 1: _short(low)}
    gutter = max(len(label) for label in labels.values()) + 1
    text = Text()
    for row in range(height):
        floor = (height - 1 - row) * 8
        text.append(labels.get(row, "").rjust(gutter) + ("┤" if row in labels else "│"),
                    style="dim")
        text.append("".join(_BLOCKS[min(8, max(0, lv - floor))] for lv in levels), style=style)
        text.append("\n")
    first, last = "0", str(len(losses) - 1)
    text.append(" " * gutter + "└" + "─" * cols + "\n", style="dim")
    axis = first + ("epoch" if cols >= 16 else "").center(max(cols - len(first) - len(last), 1))
    text.append(" " * (gutter + 1) + axis + last, style="dim")
    if log:
        text.append("\n" + " " * (gutter + 1) + "(log scale)", style="dim")
    return text


def _short(v: float) -> str:
    return f"{v:.3g}"


def print_report(console: Console, result: Result) -> None:
    net = result.network
    console.print(Text(net.title, style="bold"))
    console.print(_settings_line(result), style="dim")
    losses = result.losses
    per = result.seconds / max(result.epochs_run, 1) * 1000
    console.print(Text.assemble(("E", _LOSS_STYLE), f" = {losses[0]:.4g} before training → ",
                                (f"{losses[-1]:.4g}", f"bold {_LOSS_STYLE}"),
                                f" after epoch {result.epochs_run}"))
    console.print(f"{result.epochs_run} epochs in {result.seconds:.2f} s ({per:.2g} ms each)",
                  style="dim")
    console.rule("Loss E per epoch")
    width = max(10, min(console.width - 12, 72))
    console.print(loss_chart(losses, width=width))
    if result.diverged_at is not None:
        return
    console.rule("Predictions")
    console.print(_predictions(result))
    verdicts = [p.right for p in result.predictions if p.right is not None]
    if verdicts:
        console.print(_verdict_line(verdicts, net.layers[-1].softmax))
    console.rule("What the hidden layer computes")
    if result.hidden:
        console.print(_hidden(result))
        if any(h.function for h in result.hidden):
            cuts: dict[float, set[str]] = {}  # the value that counts as 1, by activation
            for a in (a for layer in net.layers[:-1] for a in layer.activations):
                cuts.setdefault(a.function.midpoint, set()).add(a.name)
            main = 0.5 if 0.5 in cuts else min(cuts)
            others = ", ".join(f"{c:g} for {'/'.join(sorted(names))}"
                               for c, names in sorted(cuts.items()) if c != main)
            cut = f"{main:g}" + (f" ({others})" if others else "")
            console.print(f"≈ the boolean function it computes, an activation ≥ {cut} counting "
                          "as 1", style="dim")
    else:
        console.print("no hidden layer: the inputs feed the output directly")
    if len(result.params) <= _MAX_WEIGHTS:
        console.rule("Trained weights")
        for line in _weight_lines(result):
            console.print(line)


def _settings_line(result: Result) -> str:
    s = result.settings
    mode = {"online": "online (one update per example)",
            "batch": "batch (one update per epoch)",
            "minibatch": f"mini-batch of {s.batch_size}"}[s.mode]
    parts = [mode, f"η = {result.rate:g}"]
    if s.optimizer == "adam":
        parts.append(f"Adam β1 = {s.beta1:g}, β2 = {s.beta2:g}, ε = {s.epsilon:g}")
    if s.momentum:
        parts.append(f"momentum μ = {s.momentum:g}")
    if s.l2:
        parts.append(f"L2 l2 = {s.l2:g} (E + l2·Σw²)")
    if s.shuffle:
        parts.append("shuffled")
    if result.drawn:
        layers = ", ".join(str(k) for k in result.drawn)
        parts.append(f"weights of layer{'s' * (len(result.drawn) > 1)} {layers} drawn with "
                     f"seed {s.seed}")
    elif s.shuffle:
        parts.append(f"seed {s.seed}")
    return " · ".join(parts)


def _predictions(result: Result) -> Table:
    net = result.network
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("#", justify="right", style="dim")
    inputs = _headers(net.inputs, "input", 3)
    targets = _headers(["t"] if len(net.outputs) == 1 else net.outputs, "target", 1)
    outputs = _headers(net.outputs, "output", 4)
    for name in inputs + targets:
        table.add_column(name, justify="right")
    for name in outputs:
        table.add_column(name, justify="right", style="green")
    if any(p.right is not None for p in result.predictions):
        table.add_column("right")
    for k, p in enumerate(result.predictions[:_MAX_ROWS], start=1):
        cells: list[str | Text] = [str(k), *_cells(p.inputs, inputs, "g"),
                                   *_cells(p.targets, targets, "g"),
                                   *_cells(p.outputs, outputs, ".4f")]
        if p.right is not None:
            cells.append(Text("✓ yes", "green") if p.right else Text("✗ no", "bold red"))
        table.add_row(*cells)
    _note_more(table, len(result.predictions))
    return table


def _verdict_line(verdicts: list[bool], softmax: bool) -> Text:
    right, count = sum(verdicts), len(verdicts)
    if count == 1:
        if softmax:
            text = "The right output is the largest." if right else \
                "The largest output is not yet the right one."
        else:
            text = f"The prediction is {'' if right else 'not yet '}on the right side of 0.5."
        return Text(text, style="green" if right else "red")
    side = "have the right output largest" if softmax else "are on the right side of 0.5"
    if right == count:
        return Text(f"All {count} predictions {side}.", style="green")
    return Text(f"{right} of {count} predictions {side}: train longer, change "
                "--learning-rate, or try another --seed.", style="red")


def _hidden(result: Result) -> Table:
    net, units = result.network, result.hidden[:_MAX_COLUMNS]
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("#", justify="right", style="dim")
    inputs = _headers(net.inputs, "input", 3)
    for name in inputs:
        table.add_column(name, justify="right")
    for unit in units:
        table.add_column(unit.neuron, justify="right", style="green")
    for k, example in enumerate(net.examples[:_MAX_ROWS], start=1):
        table.add_row(str(k), *_cells(example.inputs, inputs, "g"),
                      *(f"{u.activations[k - 1]:.4f}" for u in units))
    _note_more(table, len(net.examples))
    if any(u.function for u in units):
        table.add_row("≈", *[""] * len(inputs), *(Text(u.function or "?", "bold")
                                                  for u in units))
    if len(result.hidden) > _MAX_COLUMNS:
        table.caption = f"{len(result.hidden) - _MAX_COLUMNS} more hidden neurons: see -f json"
    return table


def _headers(names: list[str], together: str, most: int) -> list[str]:
    """A column per name, or one column for the whole vector when there are many."""
    return names if len(names) <= most else [together]


def _cells(values: list[float], headers: list[str], spec: str) -> list[str]:
    if len(headers) == len(values):
        return [format(v, spec) for v in values]
    return [" ".join(format(v, spec) for v in values)]


def _note_more(table: Table, count: int) -> None:
    if count > _MAX_ROWS:
        table.caption = f"{count - _MAX_ROWS} more examples: see -f json"


def _weight_lines(result: Result) -> list[str]:
    """One line per neuron: its incoming weights (a row of W) and its bias."""
    lines = []
    for layer in result.network.layers:
        for j, neuron in enumerate(layer.neurons):
            line = f"{neuron}: w = [" + ", ".join(f"{w:.4f}" for w in layer.weights[j]) + "]"
            if layer.bias is not None:
                line += f", b = {layer.bias[j]:.4f}"
            lines.append(line)
    return lines


def divergence_message(result: Result) -> str | None:
    """The error that ends a diverged run (``train`` exits 1), or None when it did not."""
    if result.diverged_at is None:
        return None
    return (f"{result.network.path}: error: training diverged at epoch {result.diverged_at}: "
            f"the loss or a weight is no longer finite\nhint: lower --learning-rate (it was "
            f"{result.rate:g})")
