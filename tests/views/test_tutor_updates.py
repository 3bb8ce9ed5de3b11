"""The tutor on a sheet of several updates (SPEC §7): watched and practised through ``#k``
keys, with the diagram showing the first update's example."""

from __future__ import annotations

from test_tutor import flat, screen, type_line

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.views.tutor import TutorApp

PROBLEM = """bptutor: 1
title: one neuron, online
round: 2
loss: half_squared_error
network:
  inputs: [x]
  layers:
    - neurons: [y]
      activation: identity
      weights: [[0.5]]
      weight_names: [[w]]
examples:
  - {input: [1], target: [1]}
  - {input: [2], target: [0]}
learning_rate: 0.1
training: {mode: online, momentum: 0.5}
"""


def test_watch_and_practise_across_updates(tmp_path):
    import asyncio

    path = tmp_path / "p.yaml"
    path.write_text(PROBLEM, encoding="utf-8")
    sheet = solve(load(path))
    # update 1: z = 0.5, E = 0.125 → 0.13, dE/dy = -0.5, dE/dw = -0.5, velocity 0.05, w 0.55
    # update 2: z = 0.55·2 = 1.1, dE/dw = 1.1·2 = 2.2, velocity 0.5·0.05 − 0.1·2.2 = -0.195
    assert sheet.values["new(w)#1"] == 0.55 and sheet.values["velocity(w)#2"] == -0.2
    app = TutorApp(sheet)
    seen = {}

    async def main() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("m")
            for answer in ("0.5", "0.5", "0.13", "-0.5", "-0.5", "0.05", "0.55", "1.1"):
                await type_line(pilot, answer)
            seen["practised"] = screen(app)

    asyncio.run(main())
    practised = flat(seen["practised"])
    assert "z(y)@2#2: ✓ correct" in practised and "score 8/8" in practised
    marks = app.session.marks
    assert [marks[k].verdict for k in ("z(y)@1#1", "velocity(w)#1", "new(w)#1", "z(y)@2#2")] \
        == ["correct"] * 4
