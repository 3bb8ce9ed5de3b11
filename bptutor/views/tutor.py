"""``bptutor tutor``: the full-screen step-through tutor, a Textual app over a ``TutorSession``.

The screen holds, from the top: the title and mode; the exercise (left) beside the network
filling in (right); the current step, or in practise mode the step asked and the marks of the
last answer; where you are (sections, step count, score); the keys. Every state change goes
through the session (``bptutor.tools.tutor``); this module only draws it with the texts of
``bptutor.views.tutor_parts``. Only ``bptutor tutor`` imports this module, so no other command
loads Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.visual import VisualType
from textual.widgets import Input, Static

from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.tutor import TutorSession
from bptutor.views import heading, tutor_parts
from bptutor.views.tutor_parts import MARK, MIN_HEIGHT, MIN_WIDTH

EXERCISE_WIDTH = 28  # the exercise keeps this much beside the diagram (tanh-chain fits 80)

CSS = """
#small { display: none; height: 1fr; content-align: center middle; }
Screen.small #main { display: none; }
Screen.small #small { display: block; }
#main { height: 1fr; }
#header { height: auto; max-height: 3; padding: 0 1; background: $panel; }
#top { width: 100%; height: 1fr; }
#exercise-box { width: 1fr; min-width: 28; padding: 0 1; }
#diagram-box { width: auto; padding: 0 0 0 1; border-left: solid $primary 40%; }
#step-box { height: auto; max-height: 10; padding: 0 1; border-top: solid $primary 40%; }
#answer { display: none; height: 1; border: none; padding: 0 1; margin: 0 1; }
Screen.asking #answer { display: block; }
#where { height: auto; padding: 0 1; border-top: solid $primary 40%; }
#keys { height: 1; padding: 0 1; }
HelpScreen { align: center middle; }
#help { width: auto; height: auto; padding: 1 2; border: round $primary; background: $panel; }
"""


class HelpScreen(ModalScreen[None]):
    """Every key, over the tutor; any key closes it."""

    def compose(self) -> ComposeResult:
        yield Static(tutor_parts.help_text(), id="help")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss()


class TutorApp(App[None]):
    """The tutor over one worksheet; ``session`` holds everything but the drawing."""

    CSS = CSS
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = None  # watching, keys go to the app; practising focuses the answer box
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,space,right,n", "next", "next step", show=False),
        Binding("left,p", "previous", "previous step", show=False),
        Binding("pagedown", "next_section", "next section", show=False),
        Binding("pageup", "previous_section", "previous section", show=False),
        Binding("home", "first", "the exercise alone", show=False),
        Binding("end", "end", "every step", show=False),
        Binding("x", "exact", "exact values", show=False),
        Binding("m", "switch", "practise or watch", show=False),
        Binding("escape", "watch", "watch", show=False),
        Binding("question_mark,f1", "help", "help", show=False),
        Binding("q", "quit", "quit", show=False),
    ]

    def __init__(self, sheet: Worksheet, *, practise: bool = False, carry: str = "right"):
        super().__init__()
        examples = len(sheet.network.examples)
        self.session = TutorSession(sheet, title=lambda step: heading(step, examples),
                                    practise=practise, carry=carry)
        self.width = MIN_WIDTH  # the terminal's, as last seen
        self.diagram_width = 0  # the diagram's, as last drawn
        self.shown: dict[str, object] = {}  # widget id -> what its content was made from

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield Static(id="header")
            with Horizontal(id="top"):
                with VerticalScroll(id="exercise-box", can_focus=False):
                    yield Static(id="exercise")
                with VerticalScroll(id="diagram-box", can_focus=False):
                    yield Static(id="diagram")
            with VerticalScroll(id="step-box", can_focus=False):
                yield Static(id="step")
            yield Input(placeholder=tutor_parts.PRACTISE_WORDS, id="answer")
            yield Static(id="where")
            yield Static(id="keys")
        yield Static(id="small")

    def on_mount(self) -> None:
        self.fit(self.size.width, self.size.height)
        self.show()

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width, event.size.height)

    def fit(self, width: int, height: int) -> None:
        """Below 80×24 a message replaces the tutor; the state is kept for when it grows."""
        self.width = width  # App.size may not have caught up inside on_resize
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(small, "small")
        self.query_one("#small", Static).update(tutor_parts.too_small(width, height))
        if small:
            self.set_focus(None)  # the hidden answer box must not swallow q
        else:
            self.show()

    # -- drawing -------------------------------------------------------------------------------

    def show(self) -> None:
        """Redraw from the session the parts whose content changed (each costs a render)."""
        session = self.session
        asking = session.asked is not None
        focus = session.focus
        reads = frozenset(session.reads())
        example = focus.example if focus else None
        self.put("#header", lambda: tutor_parts.header(session), session.mode)
        self.put("#diagram", lambda: self.diagram(session),
                 (session.revealed, reads, example, self.width))
        self.put("#exercise", lambda: self.exercise(session, reads, example),
                 (reads, example, self.width))
        step = tutor_parts.step_panel(session)
        self.put("#step", lambda: step, step)
        where = tutor_parts.where(session, max(MIN_WIDTH, self.width) - 2)
        self.put("#where", lambda: where, where, layout=False)  # always two lines
        keys = tutor_parts.keys_line(session)
        self.put("#keys", lambda: keys, keys, layout=False)  # always one line
        self.screen.set_class(asking, "asking")
        answer = self.query_one("#answer", Input)
        if asking:
            answer.focus()
            self.call_after_refresh(session.prepare)  # while the student reads the question
        elif answer.has_focus:
            self.set_focus(None)
        self.query_one("#step-box", VerticalScroll).scroll_end(animate=False)

    def put(self, widget: str, content: Callable[[], VisualType], signature: object,
            layout: bool = True) -> None:
        """Update a widget only when its ``signature`` (what it depends on) changed; without
        ``layout`` where its size stays (a new layout of the screen costs most of a key)."""
        if self.shown.get(widget) != signature:
            self.shown[widget] = signature
            self.query_one(widget, Static).update(content(), layout=layout)

    def diagram(self, session: TutorSession) -> tutor_parts.Diagram:
        """The diagram, its box as wide as it is drawn (the exercise keeps the rest)."""
        diagram = tutor_parts.Diagram(session)
        room = max(MIN_WIDTH, self.width) - EXERCISE_WIDTH - 2  # less the rule and a space
        self.diagram_width = diagram.width(room)
        self.query_one("#diagram-box").styles.width = self.diagram_width + 2
        self.follow("#diagram-box", diagram.lines(self.diagram_width))
        return diagram

    def exercise(self, session: TutorSession, reads: frozenset[str],
                 example: int | None) -> tutor_parts.Exercise:
        exercise = tutor_parts.exercise(session.sheet, reads, example)
        width = max(MIN_WIDTH, self.width) - self.diagram_width - 4  # less both boxes' edges
        self.follow("#exercise-box", exercise.lines(max(1, width)))
        return exercise

    def follow(self, box_id: str, lines: list[Text]) -> None:
        """Scroll a box that overflows so the first marked line (what the step reads) shows."""
        marked = next((i for i, line in enumerate(lines) if MARK in line.plain), None)
        box = self.query_one(box_id, VerticalScroll)
        height = box.scrollable_content_region.height
        if marked is not None and not box.scroll_y <= marked < box.scroll_y + height:
            box.scroll_to(y=max(0, marked - 1), animate=False)

    # -- keys -----------------------------------------------------------------------------------

    def watching(self) -> bool:
        return self.session.asked is None

    def _move(self, move: Callable[[], object]) -> None:
        """Navigation, while watching (in practise the keys belong to the answer box)."""
        if self.watching():
            move()
            self.show()

    def action_next(self) -> None:
        self._move(self.session.next)

    def action_previous(self) -> None:
        self._move(self.session.previous)

    def action_next_section(self) -> None:
        self._move(self.session.next_section)

    def action_previous_section(self) -> None:
        self._move(self.session.previous_section)

    def action_first(self) -> None:
        self._move(self.session.first)

    def action_end(self) -> None:
        self._move(self.session.end)

    def action_exact(self) -> None:
        self.session.toggle_exact()
        self.show()

    def action_switch(self) -> None:
        self.session.switch()
        self.show()

    def action_watch(self) -> None:
        if self.session.mode == "practise":
            self.session.switch()
            self.show()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        self.session.respond(event.value)
        self.show()


def run(sheet: Worksheet, *, practise: bool = False, carry: str = "right") -> TutorSession:
    """Run the tutor in this terminal until the student quits; the session as it ended."""
    app = TutorApp(sheet, practise=practise, carry=carry)
    app.run()
    return app.session
