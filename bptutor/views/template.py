"""``template``: an empty answers file (SPEC §4), a rendering of the worksheet's step keys.

Reading answers files is ``bptutor.files.answers``; this writes one for the student to fill in.
"""

from __future__ import annotations

import json
import re

from bptutor.files.schema import schema_modeline
from bptutor.sheet.worksheet import Worksheet, selected
from bptutor.views import heading


def template(sheet: Worksheet, problem_ref: str, only: str | None = None) -> str:
    """An empty answers file: every step key in order, its formula as a comment."""
    steps = selected(sheet, only)
    width = max((len(_yaml_key(s.key)) for s in steps), default=0) + 1
    title = " ".join(sheet.network.title.split())  # a comment is one line
    lines = [schema_modeline("answers"), f"# Answers for: {title}", "#",
             *_exercise_comments(sheet, only), "#",
             f"# Fill in each value; {_precision(sheet)}. Leave a line empty to skip it.",
             f"problem: {yaml_scalar(problem_ref)}", "student:", "answers:"]
    current = None
    for step in steps:
        title = heading(step, len(sheet.network.examples))
        if title != current:
            current = title
            lines.append(f"  # {title}")
        key = _yaml_key(step.key) + ":"
        lines.append(f"  {key:<{width}} # {step.formula}")
    return "\n".join(lines) + "\n"


def _exercise_comments(sheet: Worksheet, only: str | None) -> list[str]:
    """The exercise (``bptutor show``'s block: given numbers, no answers) as YAML comments."""
    from bptutor.views import exercise

    text = exercise.plain(exercise.build(sheet, only), width=88, tasks=False)
    return [f"# {line}".rstrip() for line in text.splitlines()]


def _precision(sheet: Worksheet) -> str:
    rounding, digits = sheet.rounding, sheet.rounding.digits
    if not rounding.rounds:
        return "give 3 significant figures"
    if rounding.as_json() == digits:  # round: d
        return f"round to {digits} decimals after every step, as the exercise says"
    return f"as the exercise says: {rounding.words()}"


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML value that reads back as written: plain where the reader gives the
    same string back (``tanh-chain``, ``../p.yaml``), else double-quoted (``"xor #2.yaml"``:
    plain, ``#`` would start a comment and every student would be marked against ``xor``)."""
    from bptutor.errors import BptutorError
    from bptutor.files.yamlfile import Map, Scalar, parse

    if re.fullmatch(r"[\w./][\w./ -]*", text) and not text.endswith(" "):
        try:
            root = parse(f"problem: {text}\n", "<template>")
        except BptutorError:
            root = None
        node = root.get("problem") if isinstance(root, Map) else None
        if isinstance(node, Scalar) and node.value == text:
            return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _yaml_key(key: str) -> str:
    """Keys are plain YAML where that reads back the same, else double-quoted."""
    if re.fullmatch(r"[A-Za-z_(][\w()/\[\],.'@]*", key) and "," not in key and "[" not in key:
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
