"""Views of a worksheet: rich (terminal), json and markdown. All read the same steps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the sheet loads when a view needs it: main() imports views.terminal
    from bptutor.sheet.ops import Step
    from bptutor.sheet.worksheet import Worksheet

SECTION_TITLES = {"forward": "Forward pass", "loss": "Loss", "backward": "Backward pass",
                  "update": "Update"}

# The sheet's colour coding, each colour with a text twin so nothing is lost without colour.
KIND_STYLE = {
    "preactivation": ("pre", "blue", "preactivation"),
    "activation": ("act", "green", "activation"),
    "loss": ("loss", "yellow", "loss"),
    "error": ("err", "red", "error derivative at a neuron"),
    "delta": ("δ", "red", "error derivative at a preactivation (δ)"),
    "gradient": ("grad", "magenta", "weight gradient"),
    "update": ("new", "magenta", "updated weight"),
    "slope": ("σ′", "green", "activation derivative σ′"),  # SPEC §6 show: [slope]
    "change": ("Δ", "magenta", "weight change Δw"),  # SPEC §6 delta_rule, show: [change]
    "velocity": ("vel", "magenta", "momentum velocity"),  # SPEC §7
    "moment": ("mom", "cyan", "Adam moment"),  # SPEC §7
    "node": ("node", "cyan", "graph node"),
}
# The delta rule's δ is the negative error derivative (SPEC §6 notation delta_rule).
DELTA_RULE_MEANING = "δ = −dE/dz at a preactivation"
NO_BREAK = "\u00a0"  # holds a formula together in a wrapped line; printed as a space
_FORMULA_SPACE = re.compile(r"(?<=\S) (?=[=+−] \S)|(?<=\S [=+−]) (?=\S)")


def meaning(kind: str, notation: str) -> str:
    """What a step kind is, in words, in the sheet's notation (for the legend)."""
    if kind == "delta" and notation == "delta_rule":
        return DELTA_RULE_MEANING
    return KIND_STYLE[kind][2]


def unbroken(text: str) -> str:
    """``text`` with the spaces inside its formulas (δ = −dE/dz, w + Δw) made no-break, so
    that wrapping keeps each formula on one line."""
    return _FORMULA_SPACE.sub(NO_BREAK, text)


@dataclass
class Line:
    """One step as every view needs it."""

    step: Step
    formula: str
    substituted: str
    value: float
    exact: float
    shown: str  # the value as the worksheet writes it
    exact_shown: str | None  # the exact value where it differs from the shown one


def lines(sheet: Worksheet, only: str | None = None) -> Iterator[Line]:
    from bptutor.sheet.worksheet import selected

    for step in selected(sheet, only):
        yield line(sheet, step)


def line(sheet: Worksheet, step: Step) -> Line:
    """One step as every view shows it: formula, numbers substituted, value, exact value."""
    value, exact = sheet.values[step.key], sheet.exact[step.key]
    shown = sheet.rounding.show(value, step.kind)
    exact_shown = None
    if sheet.rounding.rounds and abs(value - exact) > 1e-12:
        exact_shown = exact_note(exact, shown)
    return Line(step, step.formula, sheet.substituted(step), value, exact, shown, exact_shown)


def exact_note(exact: float, shown: str, most: int = 10) -> str | None:
    """The exact value beside a rounded one: 5 significant digits, or more (up to ``most``)
    until it reads differently from the value shown — ``0.8808 (exact 0.880797)``, never
    ``0.8808 (exact 0.8808)``; None where even ``most`` digits read as the value shown."""
    from bptutor.model.rounding import show_exact

    try:
        rounded = float(shown)
    except ValueError:  # not a plain number: nothing to compare against
        return show_exact(exact)
    for digits in range(5, most + 1):
        text = show_exact(exact, digits)
        if float(text) != rounded:
            return text
    return None


def heading(step: Step, examples: int) -> str:
    """Section heading for a step: 'Forward pass', 'Backward pass (example 2)', …"""
    title = SECTION_TITLES[step.section]
    if examples > 1 and step.section != "update":
        title += f" (example {step.example})" if step.example else " (all examples)"
    if step.update is not None:  # SPEC §7: a sheet of several updates
        title = f"Update {step.update} · {title}"
    return title


def settings(sheet: Worksheet) -> str:
    from bptutor.sheet.worksheet import notation_summary

    return f"{sheet.rounding.words()} · {notation_summary(sheet.network, sheet.notation)}"
