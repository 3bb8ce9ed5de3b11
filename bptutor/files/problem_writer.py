"""Writing a network as a problem file: the inverse of ``problem.load``.

``bptutor new`` writes the problems it draws and ``bptutor train --save`` the networks it
trained, both through ``problem_text``: the layout of the bundled problems (flow lists, a
row per line when a list is long), given numbers as typed, default names left implicit.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import fields

from bptutor.files.schema import schema_modeline
from bptutor.model.network import (
    SHOW_STEPS,
    Layer,
    Network,
    TrainingPlan,
    default_bias_names,
    default_threshold_names,
    default_weight_names,
)
from bptutor.model.rounding import Precision, Rounding, show_given

WIDTH = 100  # a flow list longer than this is written one row per line, as word2vec.yaml is

_TYPED = re.compile(r"[-+.0-9eE]+|true|false|null|~", re.I)


def round_lines(rounding: int | Rounding) -> list[str]:
    """``round: d``, or the long form of SPEC §6 with only what differs from the defaults."""
    if isinstance(rounding, int):
        return [f"round: {rounding}"]
    if rounding.short and rounding.digits is not None and not rounding.kinds:
        return [f"round: {rounding.digits}"]
    lines = ["round:"]
    if rounding.significant is not None:
        lines.append(f"  significant: {rounding.significant}")
    else:
        lines.append(f"  decimals: {rounding.digits}")
    if not rounding.carry:
        lines.append("  carry: false")
    if rounding.ties != "half_up":
        lines.append(f"  ties: {rounding.ties}")
    if rounding.kinds:
        lines.append("  kinds: {" + ", ".join(f"{kind}: {_places(p)}"
                                               for kind, p in rounding.kinds) + "}")
    return lines


def _places(precision: Precision) -> str:
    return f"{{significant: {precision.places}}}" if precision.significant \
        else str(precision.places)


def problem_text(net: Network, source: str | None, modeline: bool = True) -> str:
    """``net`` as a problem file; ``source`` replaces the file's own."""
    lines = [schema_modeline("problem")] if modeline else []
    lines += ["bptutor: 1", f"title: {string(net.title)}"]
    if source:
        lines += _source(source)
    if net.round is not None:
        lines += round_lines(net.round)
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
    if net.batch != "sum":
        lines.append(f"batch: {net.batch}")
    if net.show:  # in the SPEC's order, whatever order the file gave
        lines.append(f"show: {flow([step for step in SHOW_STEPS if step in net.show])}")
    if net.training is not None:
        lines += training_lines(net.training)
    return "\n".join(lines) + "\n"


def training_lines(plan: TrainingPlan) -> list[str]:
    """SPEC §7's ``training:`` block: the mode, and every setting that is not the default."""
    lines = ["training:", f"  mode: {plan.mode}"]
    default = TrainingPlan()
    for item in fields(plan):
        value = getattr(plan, item.name)
        if item.name == "mode" or value == getattr(default, item.name):
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = show_given(value)
        else:
            text = str(value)
        lines.append(f"  {item.name}: {text}")
    return lines


def _layer(layer: Layer) -> list[str]:
    acts = [a.name for a in layer.activations]
    lines = [f"    - neurons: {names(layer.neurons)}",
             f"      activation: {acts[0] if len(set(acts)) == 1 else flow(acts)}"]
    taker = next((a for a in layer.activations if a.function.takes_alpha), None)
    if taker is not None and taker.alpha != taker.function.default_alpha:  # elu's is 1
        lines.append(f"      alpha: {show_given(taker.alpha)}")
    lines += rows("weights", [[show_given(w) for w in row] for row in layer.weights])
    n, width = len(layer.neurons), len(layer.weights[0])
    if layer.weight_names != default_weight_names(layer.index, n, width):
        lines += rows("weight_names", [[name(w) for w in row] for row in layer.weight_names])
    if layer.bias is not None:
        word = "threshold" if layer.threshold else "bias"
        shared = n > 1 and layer.bias_names is not None and len(set(layer.bias_names)) == 1
        # one name the layer shares holds one number (SPEC §6)
        lines.append(f"      {word}: "
                     f"{show_given(layer.bias[0]) if shared else numbers(layer.bias)}")
        # the loader and `new` name every bias they set; without names the defaults read back
        defaults = default_threshold_names if layer.threshold else default_bias_names
        if layer.bias_names is not None and layer.bias_names != defaults(layer.index, n):
            written = name(layer.bias_names[0]) if shared else names(layer.bias_names)
            lines.append(f"      {word}_names: {written}")
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
