"""``solve --format json``: exactly the object of SPEC §5."""

from __future__ import annotations

import json

from bptutor.sheet.worksheet import Worksheet
from bptutor.views import lines


def solution(sheet: Worksheet, only: str | None = None) -> dict:
    # "+ 0.0" turns −0 into 0: SPEC §3 says −0 prints as 0
    return {
        "bptutor": 1,
        "title": sheet.network.title,
        "round": sheet.rounding.digits,
        "notation": sheet.notation,
        "steps": [{"key": line.step.key, "kind": line.step.kind, "value": line.value + 0.0,
                   "exact": line.exact + 0.0, "formula": line.formula,
                   "substituted": line.substituted} for line in lines(sheet, only)],
    }


def render(sheet: Worksheet, only: str | None = None) -> str:
    return json.dumps(solution(sheet, only), indent=2, ensure_ascii=False)
