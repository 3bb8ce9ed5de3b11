"""``solve --format markdown``: revision notes, one table per section."""

from __future__ import annotations

from bptutor.sheet.worksheet import Worksheet
from bptutor.views import KIND_STYLE, heading, lines, settings


def render(sheet: Worksheet, only: str | None = None) -> str:
    net = sheet.network
    out = [f"# {net.title}", ""]
    if net.source:
        out += [f"*{net.source}*", ""]
    setting = settings(sheet)
    out += [setting[0].upper() + setting[1:] + ".", ""]
    current = None
    for line in lines(sheet, only):
        title = heading(line.step, len(net.examples))
        if title != current:
            current = title
            out += ["", f"## {title}", "",
                    "| | quantity | formula | with numbers | value | exact |",
                    "|---|---|---|---|---|---|"]
        tag = KIND_STYLE[line.step.kind][0]
        exact = line.exact_shown or ""
        out.append(f"| {tag} | `{line.step.key}` | `{line.formula}` | `{line.substituted}` "
                   f"| **{line.shown}** | {exact} |")
    return "\n".join(out) + "\n"
