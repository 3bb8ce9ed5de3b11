"""check's JSON stream, which keeps the text of the correct items it writes again."""

from __future__ import annotations

import json

from conftest import PROBLEMS

from bptutor.tools.marking import mark_files
from bptutor.views.gradebook import JsonFiles


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_kept_items_write_what_json_dumps_writes(tmp_path):
    """The same keys answered alike, written otherwise (0.5 / 0.50, 0 / -0.0 / -0.00), and
    against two sheets whose values differ: each file's text is json.dumps's of its object,
    whichever file wrote a kept item first."""
    text = (PROBLEMS / "tanh-chain.yaml").read_text(encoding="utf-8")
    other = _write(tmp_path, "other.yaml", text.replace("input: [1, 0, 1]", "input: [1, 0, 0]"))
    # z(p2) = -0.5·q; dE/dx-like zeros come from x2 = 0: dE/du2 is exactly 0 on both sheets
    files = []
    for n, (zq, du2) in enumerate([("-0.8", "0"), ("-0.80", "-0.0"), ("-0.8", "-0.00"),
                                   ("-0.8", "0.00"), ("-0.8", "0")]):
        for problem in ("tanh-chain", other):
            files.append(_write(tmp_path, f"a{n}-{len(files)}.yaml",
                                f"problem: {problem}\nanswers:\n  z(q): {zq}\n  dE/du2: {du2}\n"
                                "  q: -0.66\n"))
    outcomes = mark_files(files).outcomes
    verdicts = {(o.path, i.key): i.verdict for o in outcomes for i in o.items}
    assert verdicts[(files[0], "dE/du2")] == "correct"
    assert {verdicts[(f, "z(q)")] for f in files[::2]} == {"correct"}
    stream = JsonFiles()
    written = stream.OPENING + "".join(stream.file(o) for o in outcomes) + stream.closing()
    expected = json.dumps({"files": [o.as_json() for o in outcomes]}, indent=2,
                          ensure_ascii=False)
    assert written == expected
    assert '"given": -0.0' in written and '"given": 0.0' in written
