"""``quiz``: the worksheet's steps asked one at a time, each marked at once by check's grader.

The session is driven by an injected line reader and a rich Console, so the same code runs in
a terminal, from piped standard input and in tests. It keeps ``own``: the values the student
is working from (the reference, overlaid with their answers when ``carry="mine"``), which is
what ``Grader.judge`` needs for follow-through and what hints substitute into formulas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from bptutor.errors import Mark
from bptutor.files.answers import Answer, read_number, significant_figures
from bptutor.sheet.ops import Step
from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.grading import Grader, Item, Report
from bptutor.views import KIND_STYLE, heading, selected, settings
from bptutor.views.check_view import VERDICT_STYLE, report_table, score_line

Reader = Callable[[], str | None]  # one line without its newline; None at end of input

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


class Quiz:
    """One quiz session over a worksheet; ``run()`` asks every step and returns the result."""

    def __init__(self, sheet: Worksheet, console: Console, read: Reader, *,
                 only: str | None = None, carry: str = "right", echo: bool = False,
                 name: str = ""):
        if carry not in CARRY:
            raise ValueError(f"carry must be one of {CARRY}, not {carry!r}")
        self.sheet, self.console, self._read = sheet, console, read
        self.carry, self.echo = carry, echo
        self.grader = Grader(sheet)
        self.steps = selected(sheet, only)
        self.only = only
        self.own = dict(sheet.values)  # what the student is working from
        self.root: dict[str, str] = {}  # key -> the earlier key whose error it carries
        self.report = Report(name or sheet.network.title, None, sheet)

    # -- the session ------------------------------------------------------------------------

    def run(self) -> Result:
        self.intro()
        finished, section = True, None
        for number, step in enumerate(self.steps, start=1):
            title = heading(step, len(self.sheet.network.examples))
            if title != section:
                section = title
                self.console.print(Rule(title, style="bold"))
            item = self.ask(step, number)
            if item is None:
                finished = False
                break
            self.report.items.append(item)
        self.summary(finished)
        return Result(self.report, len(self.steps), finished)

    def ask(self, step: Step, number: int) -> Item | None:
        """Ask until the step is answered (an Item) or the student stops (None)."""
        hinted = False
        while True:
            line = self.prompt(step, number)
            if line is None:
                return None
            text = line.strip()
            command = COMMANDS.get(text.lower())
            if not text:
                continue
            if command == "quit":
                return None
            if command == "hint":
                self.say(Text("hint: ", style="bold") + Text(self.working(step)))
                hinted = True
            elif command == "skip":
                return self.skip(step)
            elif (number_read := read_number(text)) is None:
                self.say(Text(f"? not a number: {HOW}", style="red"))
            else:
                return self.mark(step, text, *number_read, hinted)

    def prompt(self, step: Step, number: int) -> str | None:
        colour = KIND_STYLE[step.kind][1]
        prompt = Text(f"({number}/{len(self.steps)}) ", style="dim")
        prompt.append(step.key, style=f"bold {colour}")
        prompt.append(f" = {step.formula} = ? ")
        self.console.print(prompt, end="", soft_wrap=True)
        try:
            line = self._read()
        except KeyboardInterrupt:  # Ctrl-C at the prompt: stop as quit does
            line = None
        if line is None:
            self.console.print()  # end the prompt's line before the score table
        elif self.echo:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        return line

    # -- answers ----------------------------------------------------------------------------

    def mark(self, step: Step, text: str, value: float, decimals: int | None,
             hinted: bool) -> Item:
        item = self.grader.judge(step, value, self.own, self.root)
        answer = Answer(step.key, text, value, decimals, Mark(), step.key,
                        significant_figures(text))
        self.grader.precision_hint(item, answer)
        if hinted:
            item.message = f"{item.message}; after a hint" if item.message else "after a hint"
        self.verdict(item)
        if item.verdict == "wrong":
            self.reveal(step)
        if self.carry == "mine":
            self.own[step.key] = value
            if item.verdict == "wrong":  # the reveal showed the right value: say which is used
                self.say(Text(f"(carrying on from your {step.key} = {text})", style="dim"))
        return item

    def skip(self, step: Step) -> Item:
        sheet = self.sheet
        item = Item(step.key, None, sheet.values[step.key], sheet.exact[step.key], "missing",
                    "skipped", step=step)
        self.verdict(item)
        self.reveal(step)
        self.own[step.key] = sheet.values[step.key]  # a skip carries on from the right value
        return item

    def verdict(self, item: Item) -> None:
        symbol, colour = VERDICT_STYLE[item.verdict]
        line = Text(f"{symbol} {item.verdict.replace('_', '-')}", style=f"bold {colour}")
        if item.message:
            line.append(f" — {item.message}")
        if item.verdict in ("accepted", "follow_through"):
            line.append(f" (the sheet has {self.sheet.rounding.show(item.expected)})",
                        style="dim")
        self.say(line)

    def working(self, step: Step) -> str:
        """key = formula = numbers substituted, from the values the student works from."""
        return f"{step.key} = {step.formula} = {self.sheet.substituted(step, self.own)}"

    def reveal(self, step: Step) -> None:
        """The formula with the numbers substituted and the right value from them."""
        R, ref = self.sheet.rounding, self.sheet.values[step.key]
        mine = step.compute(self.own, R)
        line = Text(f"{self.working(step)} = ")
        line.append(R.show(mine), style="bold")
        if R.show(mine) != R.show(ref):
            line.append(f"  from your numbers; the sheet has {R.show(ref)}", style="dim")
        self.say(line)

    def say(self, text: Text) -> None:
        self.console.print(Text("  ") + text)

    # -- start and end ----------------------------------------------------------------------

    def intro(self) -> None:
        sheet = self.sheet
        self.console.print(Text(sheet.network.title, style="bold"))
        self.console.print(Text(settings(sheet), style="dim"))
        if not self.steps:
            self.console.print(f"this problem has no {self.only} steps to ask")
            return
        where = ("your own value (later steps can earn follow-through)" if self.carry == "mine"
                 else "the right value")
        self.console.print(Text(f"{len(self.steps)} steps: answer each with a number, or type "
                                "hint (h, ?), skip (s), quit (q)", style="dim"))
        self.console.print(Text(f"after a wrong answer you carry on from {where}", style="dim"))

    def summary(self, finished: bool) -> None:
        if not self.steps:
            return
        self.console.print(Rule("Score", style="bold"))
        report = self.report
        if not report.items:
            self.console.print("no step answered")
            return
        # the formulas were shown as the quiz went; the table keeps to verdicts and reasons
        shown = Report(report.path, None, report.sheet,
                       [replace(item, step=None) for item in report.items])
        self.console.print(report_table(shown))
        self.console.print(score_line(report))
        if not finished:
            self.console.print(f"stopped after {len(report.items)} of {len(self.steps)} steps")
