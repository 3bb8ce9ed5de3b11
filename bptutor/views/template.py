"""``template``: an empty answers file (SPEC §4), a rendering of the worksheet's step keys.

Reading answers files is ``bptutor.files.answers``; this writes one for the student to fill in.
"""

from __future__ import annotations

import re

from bptutor.files.schema import schema_modeline
from bptutor.sheet.worksheet import Worksheet, selected
from bptutor.views import heading


def template(sheet: Worksheet, problem_ref: str, only: str | None = None) -> str:
    """An empty answers file: every step key in order, its formula as a comment."""
    steps = selected(sheet, only)
    width = max((len(_yaml_key(s.key)) for s in steps), default=0) + 1
    lines = [schema_modeline("answers"), f"# Answers for: {sheet.network.title}",
             f"# Fill in each value; {_precision(sheet)}. Leave a line empty to skip it.",
             f"problem: {problem_ref}", "student:", "answers:"]
    current = None
    for step in steps:
        title = heading(step, len(sheet.network.examples))
        if title != current:
            current = title
            lines.append(f"  # {title}")
        key = _yaml_key(step.key) + ":"
        lines.append(f"  {key:<{width}} # {step.formula}")
    return "\n".join(lines) + "\n"


def _precision(sheet: Worksheet) -> str:
    digits = sheet.rounding.digits
    if digits is None:
        return "give 3 significant figures"
    return f"round to {digits} decimals after every step, as the exercise says"


def _yaml_key(key: str) -> str:
    """Keys are plain YAML where that reads back the same, else double-quoted."""
    if re.fullmatch(r"[A-Za-z_(][\w()/\[\],.'@]*", key) and "," not in key and "[" not in key:
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
