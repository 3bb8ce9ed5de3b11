"""``quiz``: the worksheet's steps asked one at a time, each marked at once by check's grader.

``QuizSession`` is the quiz as a state machine without I/O: it holds the sheet, the grader,
the carry mode and the position, and turns each reply (an answer, a hint, a skip, a quit) into
data. Any front end drives it: the terminal loop in ``bptutor.views.quiz_view``, tests, or a
full-screen UI. It keeps ``own``: the values the student is working from (the reference,
overlaid with their answers when ``carry="mine"``), which is what ``Grader.judge`` needs for
follow-through and what hints substitute into formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

from bptutor.errors import Mark
from bptutor.files.answers import Answer, read_number, significant_figures
from bptutor.sheet.ops import Step
from bptutor.sheet.worksheet import Worksheet, selected
from bptutor.tools.grading import Grader, Item, Report

COMMANDS = {"hint": "hint", "h": "hint", "?": "hint", "skip": "skip", "s": "skip",
            "quit": "quit", "q": "quit", "exit": "quit"}
HOW = "write e.g. -0.53, 1e-3 or 3/4 (or hint, skip, quit)"
CARRY = ("right", "mine")


@dataclass
class Result:
    report: Report  # the steps answered or skipped, in order
    total: int  # how many steps the quiz has
    finished: bool  # False when the student quit or the input ran out

    @property
    def passed(self) -> bool:
        """Exit code 0: every step asked, and every one earned its point."""
        return self.finished and self.report.all_right


@dataclass(frozen=True)
class Reveal:
    """The working after a wrong answer or a skip, from the numbers the student works from."""

    working: str  # key = formula = numbers substituted
    value: float | None  # what those numbers give; None where they leave it undefined (ln 0)
    sheet_value: float  # the worksheet's value (differs when the student carries an error)
    key: str = ""  # the step's key: its kind's precision shows the values


@dataclass(frozen=True)
class Marked:
    """A step answered (or skipped): its verdict, and what to show after it."""

    item: Item
    reveal: Reveal | None  # the working, when the answer was wrong or skipped
    carried: str | None = None  # with carry="mine" after a wrong answer: the text carried on


@dataclass(frozen=True)
class Hint:
    working: str  # key = formula = numbers substituted; the step is asked again


@dataclass(frozen=True)
class Unreadable:
    text: str  # the line that is neither a number nor a command; the step is asked again
    how: str = HOW


Reply = Marked | Hint | Unreadable | None  # None: an empty line, or the session ended


class QuizSession:
    """One quiz over a worksheet: ``current`` is the step asked; each reply moves it on."""

    def __init__(self, sheet: Worksheet, *, only: str | None = None, carry: str = "right",
                 name: str = ""):
        if carry not in CARRY:
            raise ValueError(f"carry must be one of {CARRY}, not {carry!r}")
        self.sheet, self.only, self.carry = sheet, only, carry
        self.grader = Grader(sheet)
        self.steps = selected(sheet, only)
        self.position = 0  # index of the step asked
        self.hinted = False  # the step asked has had a hint
        self.stopped = False  # the student quit (or the input ran out)
        self.own = dict(sheet.values)  # what the student is working from
        self.root: dict[str, str] = {}  # key -> the earlier key whose error it carries
        self.report = Report(name or sheet.network.title, None, sheet)

    # -- where the session is -----------------------------------------------------------------

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> bool:
        return self.stopped or self.position >= len(self.steps)

    @property
    def current(self) -> Step | None:
        """The step being asked; None once the session is done."""
        return None if self.done else self.steps[self.position]

    @property
    def number(self) -> int:
        """The step's number as the student sees it, 1-based."""
        return self.position + 1

    def result(self) -> Result:
        return Result(self.report, len(self.steps), not self.stopped and self.done)

    # -- replies --------------------------------------------------------------------------------

    def respond(self, line: str) -> Reply:
        """One line as typed: a number, or hint (h, ?), skip (s), quit (q, exit)."""
        if self.done:
            return None
        text = line.strip()
        command = COMMANDS.get(text.lower())
        if not text:
            return None
        if command == "quit":
            self.quit()
            return None
        if command == "hint":
            return self.hint()
        if command == "skip":
            return self.skip()
        return self.answer(text)

    def answer(self, text: str) -> Marked | Unreadable:
        """Mark a number as written; an unreadable one leaves the step to be asked again."""
        step = self._asked()
        number_read = read_number(text)
        if number_read is None:
            return Unreadable(text)
        value, decimals = number_read
        item = self.grader.judge(step, value, self.own, self.root)
        item.written = text  # shown as typed: −0.1311 stays −0.1311, -0.80 stays -0.80
        answer = Answer(step.key, text, value, decimals, Mark(), step.key,
                        significant_figures(text))
        self.grader.precision_hint(item, answer)
        if self.hinted:
            item.message = f"{item.message}; after a hint" if item.message else "after a hint"
        wrong = item.verdict == "wrong"
        reveal = self.reveal(step) if wrong else None
        carried = None
        if self.carry == "mine":
            self.own[step.key] = value
            carried = text if wrong else None  # the reveal showed the right value: say which
        return self._advance(Marked(item, reveal, carried))

    def hint(self) -> Hint:
        """The step's formula with the numbers substituted; the answer will say so."""
        step = self._asked()
        self.hinted = True
        return Hint(self.working(step))

    def skip(self) -> Marked:
        """A skip counts as missing, reveals the answer and carries on from the right value."""
        step, sheet = self._asked(), self.sheet
        item = Item(step.key, None, sheet.values[step.key], sheet.exact[step.key], "missing",
                    "skipped", step=step)
        reveal = self.reveal(step)
        self.own[step.key] = sheet.values[step.key]
        return self._advance(Marked(item, reveal))

    def quit(self) -> None:
        self.stopped = True

    # -- working ----------------------------------------------------------------------------------

    def working(self, step: Step) -> str:
        """key = formula = numbers substituted, from the values the student works from."""
        return f"{step.key} = {step.formula} = {self.sheet.substituted(step, self.own)}"

    def reveal(self, step: Step) -> Reveal:
        """The formula with the numbers substituted and the right value from them."""
        mine = self.grader.recompute(step, self.own)
        return Reveal(self.working(step), mine, self.sheet.values[step.key], step.key)

    def _asked(self) -> Step:
        step = self.current
        if step is None:
            raise RuntimeError("the quiz is over: no step is being asked")
        return step

    def _advance(self, marked: Marked) -> Marked:
        self.report.items.append(marked.item)
        self.position += 1
        self.hinted = False
        return marked
