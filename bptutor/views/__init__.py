"""Views of a worksheet: rich (terminal), json and markdown. All read the same steps."""

from __future__ import annotations

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
    from bptutor.model.rounding import show_exact

    value, exact = sheet.values[step.key], sheet.exact[step.key]
    exact_shown = None
    if sheet.rounding.rounds and abs(value - exact) > 1e-12:
        exact_shown = show_exact(exact)
    return Line(step, step.formula, sheet.substituted(step), value, exact,
                sheet.rounding.show(value, step.kind), exact_shown)


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
