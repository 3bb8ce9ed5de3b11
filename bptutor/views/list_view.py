"""``bptutor list``: the bundled problems as a table, or as JSON."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich loads for the table only: `list -f json` never needs it
    from rich.console import Console

Row = tuple[str, str, str]  # name, title, source


def catalogue_json(rows: list[Row]) -> str:
    return json.dumps([{"name": n, "title": t, "source": s} for n, t, s in rows], indent=2,
                      ensure_ascii=False)


def print_catalogue(console: Console, rows: list[Row]) -> None:
    """Name and title, the source dimmed below; how to run one goes to stderr."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("title and source")
    for name, title, source in rows:
        table.add_row(name, Group(Text(title), Text(source, style="dim", no_wrap=True,
                                                    overflow="ellipsis")))
    from bptutor.views.terminal import Trimmed

    console.print(Trimmed(table))  # no trailing spaces when piped
    print("Run one by name: bptutor solve NAME · full sources: bptutor list -f json",
          file=sys.stderr)
