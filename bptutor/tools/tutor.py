"""The step-through tutor's state, without I/O: where the student is, what is revealed, the marks.

``TutorSession`` holds a worksheet's steps, split into sections (forward, loss, backward,
update; per example in a batch), and how many of them are revealed. Watching moves that count
step by step or section by section; practising asks the first step not yet revealed through a
``QuizSession`` (check's grader: verdict, diagnosis, precision hint, carry right|mine), and a
step answered or skipped is revealed. ``bptutor.views.tutor`` draws it; tests drive it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bptutor.sheet.ops import Step
from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.grading import Item
from bptutor.tools.quiz import Marked, QuizSession, Reply

# The summary's rows, in order (a computation graph has forward and backward only).
KINDS = ("forward", "loss", "backward", "update")


@dataclass(frozen=True)
class Section:
    title: str
    start: int  # index of its first step
    end: int  # one past its last step
    kind: str  # forward | loss | backward | update
    example: int | None  # its steps' example; None for totals and updates

    def __len__(self) -> int:
        return self.end - self.start


@dataclass
class KindScore:
    """One row of the summary: the steps of one kind answered, their points, the diagnoses."""

    kind: str
    points: int = 0
    answered: int = 0
    diagnoses: list[str] = field(default_factory=list)  # the messages, each once, in order


def sections_of(steps: list[Step], title: Callable[[Step], str]) -> list[Section]:
    """Runs of consecutive steps with the same title."""
    found: list[Section] = []
    for index, step in enumerate(steps):
        name = title(step)
        if found and found[-1].title == name:
            found[-1] = replace(found[-1], end=index + 1)
        else:
            found.append(Section(name, index, index + 1, step.section, step.example))
    return found


class TutorSession:
    """One sitting over a worksheet: ``revealed`` steps shown, the last one ``current``."""

    def __init__(self, sheet: Worksheet, *, title: Callable[[Step], str] | None = None,
                 practise: bool = False, carry: str = "right"):
        self.sheet = sheet
        self.steps = list(sheet.steps)
        self.sections = sections_of(self.steps, title or (lambda step: step.section))
        self.revealed = 0  # how many steps are shown, in order; 0: the exercise alone
        self.show_exact = True
        self.quiz = QuizSession(sheet, carry=carry)  # asks steps[revealed] when practising
        self.marks: dict[str, Item] = {}  # step key -> its latest mark
        self.mode = "practise" if practise else "watch"
        self.last: Reply = None  # practise: the reply to the last line typed
        self.ended = False  # practise has just ended (every step answered, or quit): summary
        self._index = {step.key: i for i, step in enumerate(self.steps)}

    # -- where the student is ---------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def current(self) -> Step | None:
        """The step shown last; None before the first."""
        return self.steps[self.revealed - 1] if self.revealed else None

    @property
    def asked(self) -> Step | None:
        """Practising: the step to answer (the first not revealed); None when watching or
        when every step is revealed."""
        if self.mode != "practise" or self.revealed >= self.total:
            return None
        return self.steps[self.revealed]

    @property
    def focus(self) -> Step | None:
        """The step the screen is about: the one asked, else the one shown last."""
        return self.asked or self.current

    @property
    def number(self) -> int:
        """The focused step's number, 1-based; 0 before the first step is shown."""
        return self.revealed + (self.asked is not None)

    def section_index(self) -> int:
        """The section of the focused step (the first before any step is shown)."""
        step = self.focus
        if step is None:
            return 0
        at = self._index[step.key]
        return next(i for i, s in enumerate(self.sections) if s.start <= at < s.end)

    def is_revealed(self, key: str) -> bool:
        """Whether a step's value is shown; keys that are no step (givens) always are."""
        at = self._index.get(key)
        return at is None or at < self.revealed

    def revealed_keys(self) -> set[str]:
        return {step.key for step in self.steps[:self.revealed]}

    def reads(self) -> tuple[str, ...]:
        """The keys the focused step reads (highlighted in the exercise and the diagram)."""
        step = self.focus
        return step.inputs if step else ()

    # -- watching ------------------------------------------------------------------------------

    def go(self, revealed: int) -> None:
        self.revealed = max(0, min(self.total, revealed))
        self.last, self.ended = None, False

    def next(self) -> None:
        self.go(self.revealed + 1)

    def previous(self) -> None:
        self.go(self.revealed - 1)

    def first(self) -> None:
        """Home: the exercise alone, nothing revealed."""
        self.go(0)

    def end(self) -> None:
        self.go(self.total)

    def next_section(self) -> None:
        """The first step of the next section; from the last section, the end."""
        if not self.revealed:
            self.go(1)
            return
        following = self.section_index() + 1
        if following < len(self.sections):
            self.go(self.sections[following].start + 1)
        else:
            self.end()

    def previous_section(self) -> None:
        """The first step of the previous section; from the first, the exercise alone."""
        preceding = self.section_index() - 1
        self.go(self.sections[preceding].start + 1 if preceding >= 0 else 0)

    def toggle_exact(self) -> None:
        self.show_exact = not self.show_exact

    # -- practising ----------------------------------------------------------------------------

    def switch(self) -> None:
        """Watch ↔ practise; practising starts at the first step not revealed."""
        self.mode = "watch" if self.mode == "practise" else "practise"
        self.last, self.ended = None, False

    def prepare(self) -> None:
        """Build what marking needs before the first answer: the other notation's worksheet
        (its rounding path is accepted too), 50 ms on a 64-32-10 sheet."""
        _ = self.quiz.grader.other

    def respond(self, line: str) -> Reply:
        """A line typed while practising: a number, hint, skip or quit (as in ``quiz``)."""
        step = self.asked
        if step is None:
            return None
        quiz = self.quiz  # asks the same steps in the same order: positions agree
        if quiz.position != self.revealed:  # moved by watching: a hint is for another step
            quiz.position, quiz.hinted = self.revealed, False
        quiz.stopped = False
        reply = quiz.respond(line)
        if quiz.stopped:  # quit: back to watching, the marks kept
            self.mode, self.ended = "watch", True
        if isinstance(reply, Marked):
            self.marks[step.key] = reply.item
            self.revealed += 1
            self.ended = self.revealed == self.total
        self.last = reply
        return reply

    def score(self) -> tuple[int, int]:
        """(points, steps marked)."""
        items = self.marks.values()
        return sum(item.earns_point for item in items), len(items)

    def summary(self) -> list[KindScore]:
        """The marks by kind of step (forward, loss, backward, update), in worksheet order."""
        rows = {kind: KindScore(kind) for kind in KINDS}
        for step in self.steps:
            item = self.marks.get(step.key)
            if item is None:
                continue
            row = rows[step.section]
            row.answered += 1
            row.points += item.earns_point
            if item.diagnosis and item.message not in row.diagnoses:
                row.diagnoses.append(item.message)
        return [row for row in rows.values() if row.answered]
