"""``solve --save-svg / --save-html``: the terminal view, recorded and saved as a file.

The recording has its own console — 100 columns, true colour, settings passed explicitly so
neither the terminal nor the environment (COLUMNS, NO_COLOR, FORCE_COLOR) changes a byte —
and the SVG's element ids derive from the problem's title, so the same problem gives the
same file on every run and every machine.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence

from rich.console import Console

from bptutor.files.output import write_output
from bptutor.sheet.worksheet import Worksheet
from bptutor.views import rich_view

WIDTH = 100


def record(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool) -> Console:
    console = Console(record=True, width=WIDTH, height=25, file=io.StringIO(),
                      color_system="truecolor", force_terminal=True, force_jupyter=False,
                      force_interactive=False, no_color=no_color, highlight=False, emoji=False,
                      legacy_windows=False, soft_wrap=False, tab_size=8)
    rich_view.render(sheet, console, only, diagram)
    return console


def unique_id(sheet: Worksheet) -> str:
    """A CSS-safe id from the problem's title (rich's default hashes the content instead)."""
    return "bptutor-" + hashlib.sha256(sheet.network.title.encode("utf-8")).hexdigest()[:10]


def svg(console: Console, sheet: Worksheet) -> str:
    return console.export_svg(title=f"bptutor solve: {sheet.network.title}", clear=False,
                              unique_id=unique_id(sheet))


def html(console: Console) -> str:
    return console.export_html(clear=False, inline_styles=True)


def save(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool,
         svg_path: str | None = None, html_path: str | None = None, force: bool = False,
         inputs: Sequence[str] = ()) -> None:
    """Write the pictures (``-``: standard output) by the one rule of ``files.output``."""
    console = record(sheet, only, diagram, no_color)
    if svg_path:
        write_output(svg_path, svg(console, sheet), force, announce=False, inputs=inputs)
    if html_path:
        write_output(html_path, html(console), force, announce=False, inputs=inputs)
