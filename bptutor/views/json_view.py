"""``solve --format json``: exactly the object of SPEC §5."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache

from bptutor.sheet.worksheet import Worksheet
from bptutor.views import lines


def solution(sheet: Worksheet, only: str | None = None) -> dict:
    # "+ 0.0" turns −0 into 0: SPEC §3 says −0 prints as 0
    return {
        "bptutor": 1,
        "title": sheet.network.title,
        "round": sheet.rounding.as_json(),  # the int of round: d, else the long form
        "notation": sheet.notation,
        "steps": [{"key": line.step.key, "kind": line.step.kind, "value": line.value + 0.0,
                   "exact": line.exact + 0.0, "formula": line.formula,
                   "substituted": line.substituted} for line in lines(sheet, only)],
    }


def render(sheet: Worksheet, only: str | None = None) -> str:
    return indented(solution(sheet, only))


_SCALARS = frozenset({str, int, float, bool, type(None)})  # exact types: a C-speed test
_STR = frozenset({str})


class Written(str):
    """JSON text already written at the level it stands at (``records``): ``indented`` puts it
    in as it is."""


def indented(value: object, level: int = 0) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, as if nested ``level`` deep, made
    by the C encoder: ``indent=`` would use the pure-Python one, several times slower. A
    container of scalars is one C call whose item separator carries the newline and the
    indentation (a string's own newlines are escaped, so that is exact), and so is a list of
    such mappings (a sheet's steps, a file's items); other containers are written here."""
    if type(value) is Written:
        return value
    if isinstance(value, dict):
        if not _STR.issuperset(map(type, value)):  # json's own key conversions
            return json.dumps(value, indent=2, ensure_ascii=False).replace(
                "\n", "\n" + "  " * level)
        children: Iterable = value.values()
    elif isinstance(value, (list, tuple)):
        children = value
    else:
        return _encoder(0)(value)
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    inner, outer = "\n" + "  " * (level + 1), "\n" + "  " * level
    if _SCALARS.issuperset(map(type, children)):
        text = _encoder(level + 1)(value)
        return text[0] + inner + text[1:-1] + outer + text[-1]
    if not isinstance(value, dict) and all(_flat_mapping(child) for child in value):
        return _records(value, level)
    if isinstance(value, dict):
        items = [f"{_encoder(0)(key)}: {indented(child, level + 1)}"
                 for key, child in value.items()]
        return "{" + inner + ("," + inner).join(items) + outer + "}"
    return "[" + inner + ("," + inner).join(indented(child, level + 1)
                                            for child in value) + outer + "]"


def _flat_mapping(value: object) -> bool:
    return (type(value) is dict and bool(value) and _STR.issuperset(map(type, value))
            and _SCALARS.issuperset(map(type, value.values())))


def _records(value: list | tuple, level: int) -> str:
    """A list of mappings of scalars in one C call: every separator is written as the
    mappings' own, then the ones between mappings (``},`` newline ``{``: only there can a
    raw newline follow a brace) are given the list's indentation."""
    record, between = "\n" + "  " * (level + 2), "\n" + "  " * (level + 1)
    text = _encoder(level + 2)(value)[2:-2]  # without [{ and }]
    text = text.replace("}," + record + "{", between + "}," + between + "{" + record)
    return "[" + between + "{" + record + text + between + "}" + "\n" + "  " * level + "]"


def record_insides(mappings: list[dict], level: int) -> list[str]:
    """What ``records`` writes between each mapping's braces, as items of a list ``level``
    deep (mappings of scalars, as ``_records`` takes), in one C call split where ``_records``
    finds the seams."""
    if not mappings:
        return []
    record = "\n" + "  " * (level + 2)
    return _encoder(level + 2)(mappings)[2:-2].split("}," + record + "{")


def records(insides: list[str], level: int) -> Written:
    """A list of mappings of scalars, ``level`` deep, from each one's ``record_insides``: the
    text ``indented`` gives the list itself (a view may keep the insides it writes again)."""
    if not insides:
        return Written("[]")
    record, between = "\n" + "  " * (level + 2), "\n" + "  " * (level + 1)
    return Written("[" + between + "{" + record
                   + (between + "}," + between + "{" + record).join(insides)
                   + between + "}" + "\n" + "  " * level + "]")


@cache
def _encoder(level: int) -> Callable[[object], str]:
    """The C encoder with the item separator of ``level`` (0: no newlines, for scalars)."""
    separator = "," + "\n" + "  " * level if level else ", "
    return json.JSONEncoder(ensure_ascii=False, separators=(separator, ": ")).encode
