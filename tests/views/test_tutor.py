"""`bptutor tutor`: the full-screen app driven headless by Textual's pilot, and its snapshots.

The pilot tests read the screen as plain text (what a student sees, colours dropped: every
colour has a text twin), so they assert what is on screen, not the widgets' internals. The
snapshot tests keep Textual's SVG screenshots in tests/views/__snapshots__/; after a deliberate
change to the screen, run ``pytest tests/views/test_tutor.py --snapshot-update`` and look at
the new pictures before committing them.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable

import pytest
from rich.console import Console
from test_quiz import REFERENCE

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.views.tutor import TutorApp

Script = Callable[[TutorApp, "Pilot"], Awaitable[None]]  # noqa: F821


def app_for(name: str = "tanh-chain", **options) -> TutorApp:
    return TutorApp(solve(load(name)), **options)


def screen(app: TutorApp) -> str:
    """The screen as plain text, line by line (as App.export_screenshot renders it)."""
    size = app.size
    console = Console(width=size.width, height=size.height, file=io.StringIO(), record=True,
                      color_system=None, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def flat(text: str) -> str:
    return " ".join(text.split())


def drive(script: Script, name: str = "tanh-chain", size=(80, 24), **options) -> TutorApp:
    """Run ``script(app, pilot)`` in a headless app of ``size``; the app afterwards."""
    app = app_for(name, **options)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    return app


async def type_line(pilot, text: str) -> None:
    """Type ``text`` into the focused box key by key and press Enter."""
    await pilot.press(*text, "enter")
    await pilot.pause()


async def enter_line(pilot, text: str) -> None:
    """Put ``text`` in the answer box and press Enter (quicker than a key per character)."""
    pilot.app.query_one("#answer").value = text
    await pilot.press("enter")


# -- watch ------------------------------------------------------------------------------------

def test_watch_forward_and_back_across_sections():
    seen = {}

    async def script(app, pilot):
        seen["start"] = screen(app)
        await pilot.press("enter")
        seen["first"] = screen(app)
        await pilot.press("space", "right", "n", "right", "right", "right", "right")
        seen["y"] = screen(app)
        await pilot.press("right")  # into the Loss section
        seen["loss"] = screen(app)
        await pilot.press("left", "p")
        seen["back"] = screen(app)

    drive(script)
    start = seen["start"]
    assert "Exercise" in start and "step 0 of 27" in start
    assert "x1=1" in start and "u3=-1" in start and "t(y)=1" in start and "η=0.1" in start
    assert "rounded to 2 decimals after every step" in flat(start)
    assert "q  ?" in start and "y  ?" in start  # the diagram gives nothing away
    first = flat(seen["first"])
    assert "[pre] z(q) = u1·x1 + u2·x2 + u3·x3 = 0.2·1 + 0.5·0 - 1·1 = -0.80" in first
    assert "step 1 of 27 · Forward pass: 1 of 8" in first
    assert "▸u1=0.2" in first and "▸x1=1" in first  # what the step reads, marked
    y = flat(seen["y"])
    assert "[act] y = tanh(z(y)) = tanh(-1.71) = -0.94 exact -0.93649" in y
    assert "y -0.94" in y and "q -0.66" in y and "p2 0.32" in y
    loss = flat(seen["loss"])
    assert "[loss] E = (t - y)² = (1 - (-0.94))² = 3.76 exact 3.75" in loss
    assert "step 9 of 27 · Loss: 1 of 1" in loss
    back = flat(seen["back"])
    assert "[pre] z(y) = w1·p1 + w2·p2 = 0.2·(-0.53) - 5·0.32 = -1.71" in back
    assert "y ?" in back  # stepping back hides y again


def test_sections_home_end_and_exact():
    seen = {}

    async def script(app, pilot):
        await pilot.press("pagedown", "pagedown", "pagedown")
        seen["backward"] = screen(app)
        await pilot.press("pageup")
        seen["loss"] = screen(app)
        await pilot.press("end")
        seen["end"] = screen(app)
        await pilot.press("x")
        seen["no exact"] = screen(app)
        await pilot.press("home")
        seen["home"] = screen(app)

    app = drive(script)
    assert "[err] dE/dy = 2·(y - t) = 2·(-0.94 - 1) = -3.88" in flat(seen["backward"])
    assert "step 10 of 27 · Backward pass: 1 of 11" in flat(seen["backward"])
    assert "step 9 of 27 · Loss: 1 of 1" in flat(seen["loss"])
    end = flat(seen["end"])
    assert "[new] new(u3) = u3 - η·dE/du3 = -1 - 0.1·(-0.60) = -0.94" in end
    assert "exact -0.93684" in end  # −1 − 0.1·(−0.63159), the exact gradient of u3
    assert "exact" not in flat(seen["no exact"]).split("[new]")[1].split("step 27")[0]
    assert "step 0 of 27" in seen["home"] and not app.session.show_exact


def test_help_overlay_lists_every_key_and_any_key_closes_it():
    seen = {}

    async def script(app, pilot):
        await pilot.press("question_mark")
        seen["help"] = screen(app)
        await pilot.press("n")  # closes the help; does not move on
        seen["after"] = screen(app)
        await pilot.press("f1")
        seen["f1"] = screen(app)

    app = drive(script)
    help_text = seen["help"]
    for keys, what in [("Enter  Space  →  n", "next step"), ("←  p", "previous step"),
                       ("PgDn  PgUp", "next / previous section"), ("Home  End", ""),
                       ("x", "exact values on / off"), ("?  F1", "this help"), ("q", "quit"),
                       ("m", "practise"), ("Esc", "back to watching")]:
        assert keys in help_text and what in help_text
    assert "Keys" not in seen["after"] and "step 0 of 27" in seen["after"]
    assert "Keys" in seen["f1"] and app.session.revealed == 0


def test_q_quits():
    async def script(app, pilot):
        await pilot.press("right", "q")
        await pilot.pause()
        assert not app.is_running

    drive(script)


def test_a_batch_and_a_graph():
    seen = {}

    async def batch(app, pilot):
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.press("pagedown", "right")  # example 2's forward pass, second step
        seen["xor"] = screen(app)

    async def graph(app, pilot):
        await pilot.press("pagedown", "pagedown", "right")
        seen["graph"] = screen(app)

    drive(batch, "xor")
    drive(graph, "graph-c-a-2b")
    xor = flat(seen["xor"])
    assert "[act] h1@2 = σ(z(h1)) = σ(-0.3) = 0.42556" in xor
    assert "Forward pass (example 2): 2 of 6" in xor
    assert "neuron values of example 2 of 4" in xor and "h1 0.42556" in xor
    assert "F1 L1 B1 ▸F2 L2 B2" in xor  # every section, the current one marked
    graph_screen = flat(seen["graph"])
    assert "[grad] dL/dd = dL/de = 2" in graph_screen
    assert "inputs a=3 b=1 c=2" in graph_screen and "e = a + d" in graph_screen
    assert "L 10" in graph_screen


# -- practise ---------------------------------------------------------------------------------

def test_practise_right_wrong_hint_and_skip():
    seen = {}

    async def script(app, pilot):
        await pilot.press("m")
        seen["asked"] = screen(app)
        await type_line(pilot, "-0.80")
        seen["right"] = screen(app)
        await type_line(pilot, "0.66")
        seen["wrong"] = screen(app)
        await type_line(pilot, "hint")
        seen["hint"] = screen(app)
        await type_line(pilot, "skip")
        seen["skip"] = screen(app)
        await type_line(pilot, "0.2")
        seen["unread"] = screen(app)

    app = drive(script)
    asked = flat(seen["asked"])
    assert "(1/27) [pre] z(q) = u1·x1 + u2·x2 + u3·x3 = ?" in asked and "practise" in asked
    assert "z(q)" not in asked.split("Exercise")[1].split("(1/27)")[0]  # no value given away
    right = flat(seen["right"])
    assert "z(q): ✓ correct" in right and "(2/27) [act] q = tanh(z(q)) = ?" in right
    assert "score 1/1" in right and "q ?" in right
    wrong = flat(seen["wrong"])
    assert "q: ✗ wrong — the sign is flipped" in wrong
    assert "q = tanh(z(q)) = tanh(-0.80) = -0.66" in wrong and "score 1/2" in wrong
    assert "q -0.66" in wrong  # revealed in the diagram once answered
    assert "hint: z(p1) = v1·q = 0.9·(-0.66)" in flat(seen["hint"])
    skip = flat(seen["skip"])
    assert "z(p1): · missing — skipped" in skip and "z(p1) = v1·q = 0.9·(-0.66) = -0.59" in skip
    assert "score 1/3" in skip and "(4/27) [act] p1" in skip
    assert app.session.marks["p1"].verdict == "wrong"  # 0.2 for p1 = -0.53
    assert "p1: ✗ wrong" in flat(seen["unread"])


@pytest.mark.parametrize("carry", ["right", "mine"])
def test_practise_carry_modes(carry):
    seen = {}

    async def script(app, pilot):
        await type_line(pilot, "-0.90")
        await type_line(pilot, "-0.72")
        seen["screen"] = flat(screen(app))

    drive(script, practise=True, carry=carry)
    text = seen["screen"]
    assert f"carry {carry}" in text
    if carry == "mine":
        assert "q: → follow-through" in text and "score 1/2" in text
    else:
        assert "q: ✗ wrong" in text and "score 0/2" in text


def test_carry_mine_says_what_it_carries():
    async def script(app, pilot):
        await type_line(pilot, "-0.90")
        assert "(carrying on from your z(q) = -0.90)" in flat(screen(app))

    drive(script, practise=True, carry="mine")


def test_practise_to_the_end_shows_the_summary_by_kind():
    seen = {}
    wrong = {"dE/dy": "3.88", "new(w1)": "0.22"}

    async def script(app, pilot):
        for key, value in REFERENCE.items():
            await enter_line(pilot, wrong.get(key, value))
        seen["end"] = screen(app)
        await pilot.press("q")  # the box is gone: q quits
        await pilot.pause()
        seen["running"] = app.is_running

    drive(script, practise=True)
    end = flat(seen["end"])
    assert "practice done: score 25/27" in end
    assert "forward 8/8" in end and "loss 1/1" in end
    assert "backward 10/11 the sign is flipped" in end
    assert "update 6/7 the update adds η·gradient instead of subtracting it" in end
    assert seen["running"] is False


def test_quit_in_practise_summarises_and_returns_to_watching():
    seen = {}

    async def script(app, pilot):
        await type_line(pilot, "0.2")
        await type_line(pilot, "quit")
        seen["quit"] = flat(screen(app))
        await pilot.press("right")  # watching again: keys move
        seen["moved"] = flat(screen(app))

    drive(script, practise=True)
    assert "practice stopped: score 0/1" in seen["quit"]
    assert "forward 0/1 a term of the sum is left out" in seen["quit"]
    assert "watch" in seen["quit"].split("Exercise")[0]
    assert "step 2 of 27" in seen["moved"]


def test_escape_and_m_switch_modes_midway():
    seen = {}

    async def script(app, pilot):
        await pilot.press("pagedown", "pagedown")  # watching: E shown
        await pilot.press("m")
        seen["asked"] = flat(screen(app))
        await pilot.press("escape", "left")
        seen["watching"] = flat(screen(app))

    drive(script)
    assert "(10/27) [err] dE/dy = 2·(y - t) = ?" in seen["asked"]
    assert "[act] y = tanh(z(y))" in seen["watching"] and "step 8 of 27" in seen["watching"]


# -- terminal size and colour -----------------------------------------------------------------

def test_smaller_than_80x24_gets_a_message_and_back():
    seen = {}

    async def script(app, pilot):
        await pilot.press("right", "right")
        for size in [(79, 24), (80, 23), (40, 10), (20, 5)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            seen[size] = screen(app)
        await pilot.press("right")  # keys still work on the state behind the message
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        seen["back"] = screen(app)

    drive(script)
    assert "at least 80×24; this one is 79×24" in flat(seen[(79, 24)])
    assert "this one is 80×23" in flat(seen[(80, 23)])
    assert "Exercise" not in seen[(40, 10)] and "this one is 40×10" in flat(seen[(40, 10)])
    assert "Enlarge" in flat(seen[(20, 5)]) or "80×24" in flat(seen[(20, 5)])
    back = flat(seen["back"])
    assert "Exercise" in back and "step 3 of 27" in back and "needs a terminal" not in back


def test_q_quits_a_small_screen_even_while_practising():
    async def script(app, pilot):
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    drive(script, practise=True)


def test_starting_small_and_growing():
    seen = {}

    async def script(app, pilot):
        seen["small"] = flat(screen(app))
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        seen["big"] = screen(app)

    drive(script, size=(60, 20))
    assert "this one is 60×20" in seen["small"]
    big = seen["big"]
    assert "Exercise" in big and "x1 ─u1=0.2→ q" in big  # wider: weight names in the diagram


def test_no_color_keeps_every_text_twin(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    seen = {}

    async def script(app, pilot):
        await pilot.press("right", "right")
        seen["screen"] = flat(screen(app))
        seen["no_color"] = app.no_color

    drive(script)
    text = seen["screen"]
    assert seen["no_color"]
    assert "[act] q = tanh(z(q))" in text  # the kind's tag
    assert "▸q -0.66" in text  # the step reads z(q): q's place is marked, not only coloured
    assert "▸Forward pass" in text  # the current section, marked without colour


# -- snapshots ----------------------------------------------------------------------------------

def _steady(pilot) -> None:
    """No blinking cursor in a picture."""
    for box in pilot.app.query("Input"):
        box.cursor_blink = False


SNAPSHOTS = {
    "tanh_watch": ("tanh-chain", False, ["right"] * 11),
    "tanh_practise": ("tanh-chain", True, [*"-0.80", "enter", *"0.2", "enter"]),
    "xor_watch": ("xor", False, ["pagedown"] * 5 + ["right", "right"]),
    "xor_practise": ("xor", True, [*"0.1", "enter", "h", "enter"]),
    "graph_watch": ("graph-c-a-2b", False, ["pagedown", "pagedown", "right", "right"]),
    "graph_practise": ("graph-c-a-2b", True, [*"2", "enter", *"6", "enter"]),
}


@pytest.mark.parametrize("case", SNAPSHOTS)
def test_snapshot(case, snap_compare):
    name, practise, keys = SNAPSHOTS[case]
    assert snap_compare(app_for(name, practise=practise), press=keys, terminal_size=(80, 24),
                        run_before=_steady)


def test_snapshot_too_small(snap_compare):
    assert snap_compare(app_for(), terminal_size=(60, 16))
