"""Writing a network as a problem file: the inverse of ``problem.load``.

``bptutor new`` writes the problems it draws and ``bptutor train --save`` the networks it
trained, both through ``problem_text``: the layout of the bundled problems (flow lists, a
row per line when a list is long), given numbers as typed, default names left implicit.
"""

from __future__ import annotations

import re
import textwrap

from bptutor.files.schema import schema_modeline
from bptutor.model.activations import DEFAULT_ALPHA
from bptutor.model.network import Layer, Network, default_bias_names, default_weight_names
from bptutor.model.rounding import show_given

WIDTH = 100  # a flow list longer than this is written one row per line, as word2vec.yaml is

_TYPED = re.compile(r"[-+.0-9eE]+|true|false|null|~", re.I)


def problem_text(net: Network, source: str | None, modeline: bool = True) -> str:
    """``net`` as a problem file; ``source`` replaces the file's own."""
    lines = [schema_modeline("problem")] if modeline else []
    lines += ["bptutor: 1", f"title: {string(net.title)}"]
    if source:
        lines += _source(source)
    if net.round is not None:
        lines.append(f"round: {net.round}")
    lines += [f"notation: {net.notation}", f"loss: {net.loss.name}", "network:",
              f"  inputs: {names(net.inputs)}", "  layers:"]
    for layer in net.layers:
        lines += _layer(layer)
    examples = [(numbers(e.inputs), numbers(e.targets)) for e in net.examples]
    if len(examples) == 1:
        lines += [f"input: {examples[0][0]}", f"target: {examples[0][1]}"]
    else:
        lines.append("examples:")
        lines += [f"  - {{input: {xs}, target: {ts}}}" for xs, ts in examples]
    if net.learning_rate is not None:
        lines.append(f"learning_rate: {show_given(net.learning_rate)}")
    if not net.update_biases and any(layer.bias for layer in net.layers):
        lines.append("update_biases: false")
    return "\n".join(lines) + "\n"


def _layer(layer: Layer) -> list[str]:
    acts = [a.name for a in layer.activations]
    lines = [f"    - neurons: {names(layer.neurons)}",
             f"      activation: {acts[0] if len(set(acts)) == 1 else flow(acts)}"]
    if any(a.function.takes_alpha for a in layer.activations) \
            and layer.activations[0].alpha != DEFAULT_ALPHA:
        lines.append(f"      alpha: {show_given(layer.activations[0].alpha)}")
    lines += rows("weights", [[show_given(w) for w in row] for row in layer.weights])
    n, width = len(layer.neurons), len(layer.weights[0])
    if layer.weight_names != default_weight_names(layer.index, n, width):
        lines += rows("weight_names", [[name(w) for w in row] for row in layer.weight_names])
    if layer.bias is not None:
        lines.append(f"      bias: {numbers(layer.bias)}")
        # the loader and `new` name every bias they set; without names the defaults read back
        if layer.bias_names is not None \
                and layer.bias_names != default_bias_names(layer.index, n):
            lines.append(f"      bias_names: {names(layer.bias_names)}")
    return lines


def _source(text: str) -> list[str]:
    """One line, or a folded block (``>-``: read back, its lines join with spaces)."""
    line = f"source: {string(text)}"
    if len(line) <= WIDTH or not text.isprintable() or text != " ".join(text.split()):
        return [line]
    return ["source: >-", *textwrap.wrap(text, 92, initial_indent="  ", subsequent_indent="  ",
                                         break_long_words=False, break_on_hyphens=False)]


def string(text: str) -> str:
    """A YAML string: plain where that reads back as the same text, else double-quoted."""
    plain = (text and text.isprintable() and text[0] not in "-?:,[]{}#&*!|>'\"%@` "
             and ": " not in text and " #" not in text and not text.endswith((":", " "))
             and not _TYPED.fullmatch(text))
    return text if plain else quoted(text)


def name(text: str) -> str:
    """A name inside a flow list: W1[1,2] holds flow indicators and must be quoted."""
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text) and not _TYPED.fullmatch(text)
    return text if plain else quoted(text)


def quoted(text: str) -> str:
    """A double-quoted YAML string; what YAML may not hold raw (tabs, U+2028) is escaped."""
    def char(c: str) -> str:
        if c in '"\\':
            return "\\" + c
        if c.isprintable():
            return c
        return f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}"

    return '"' + "".join(map(char, text)) + '"'


def flow(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def names(items: list[str]) -> str:
    return flow([name(n) for n in items])


def numbers(values: list[float]) -> str:
    return flow([show_given(v) for v in values])


def rows(key: str, table: list[list[str]], indent: str = "      ") -> list[str]:
    line = f"{indent}{key}: {flow([flow(row) for row in table])}"
    if len(line) <= WIDTH:
        return [line]
    return [f"{indent}{key}:"] + [f"{indent}  - {flow(row)}" for row in table]
