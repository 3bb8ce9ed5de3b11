"""The ``quiz`` in a terminal: a line-by-line loop over a ``QuizSession``, printed with rich.

The loop reads through an injected line reader (None at the end of input), so the same code
runs in a terminal, from piped standard input and in tests. All marking is the session's; this
module only prints prompts, verdicts, the working and the final score table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from bptutor.sheet.ops import Step
from bptutor.sheet.worksheet import Worksheet
from bptutor.tools.grading import Item, Report
from bptutor.tools.quiz import Hint, Marked, QuizSession, Reply, Result, Reveal, Unreadable
from bptutor.views import KIND_STYLE, heading
from bptutor.views.check_view import VERDICT_STYLE, report_table, score_line
from bptutor.views.terminal import Trimmed

Reader = Callable[[], str | None]  # one line without its newline; None at end of input


class Quiz:
    """One quiz session in a terminal; ``run()`` asks every step and returns the result."""

    def __init__(self, sheet: Worksheet, console: Console, read: Reader, *,
                 only: str | None = None, carry: str = "right", echo: bool = False,
                 name: str = ""):
        self.session = QuizSession(sheet, only=only, carry=carry, name=name)
        self.sheet, self.console, self._read, self.echo = sheet, console, read, echo

    def run(self) -> Result:
        session = self.session
        self.intro()
        section = None
        while (step := session.current) is not None:
            title = heading(step, len(self.sheet.network.examples))
            if title != section:
                section = title
                self.console.print(Rule(title, style="bold"))
            line = self.prompt(step, session.number)
            if line is None:
                session.quit()
                break
            self.show(session.respond(line))
        result = session.result()
        self.summary(result)
        return result

    def prompt(self, step: Step, number: int) -> str | None:
        """Ask for one line; None at the end of input or on Ctrl-C (both stop as quit does)."""
        colour = KIND_STYLE[step.kind][1]
        prompt = Text(f"({number}/{self.session.total}) ", style="dim")
        prompt.append(step.key, style=f"bold {colour}")
        prompt.append(f" = {step.formula} = ? ")
        self.console.print(prompt, end="", soft_wrap=True)
        try:
            line = self._read()
        except KeyboardInterrupt:
            line = None
        if line is None:
            self.console.print()  # end the prompt's line before the score table
        elif self.echo:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        return line

    # -- replies ------------------------------------------------------------------------------

    def show(self, reply: Reply) -> None:
        if isinstance(reply, Hint):
            self.say(Text("hint: ", style="bold") + Text(reply.working))
        elif isinstance(reply, Unreadable):
            self.say(Text(f"? not a number: {reply.how}", style="red"))
        elif isinstance(reply, Marked):
            self.verdict(reply.item)
            if reply.reveal:
                self.reveal(reply.reveal)
            if reply.carried is not None:
                self.say(Text(f"(carrying on from your {reply.item.key} = {reply.carried})",
                              style="dim"))

    def verdict(self, item: Item) -> None:
        symbol, colour = VERDICT_STYLE[item.verdict]
        line = Text(f"{symbol} {item.verdict.replace('_', '-')}", style=f"bold {colour}")
        if item.message:
            line.append(f" — {item.message}")
        if item.earns_point and item.verdict != "correct" and item.expected is not None:
            line.append(f" (the sheet has {self.sheet.show_value(item.key, item.expected)})",
                        style="dim")
        self.say(line)

    def reveal(self, reveal: Reveal) -> None:
        def show(value: float) -> str:
            return self.sheet.show_value(reveal.key, value)

        line = Text(f"{reveal.working} = ")
        if reveal.value is None:  # the student's numbers leave it undefined (a log of y ≤ 0)
            line.append("undefined", style="bold")
        else:
            line.append(show(reveal.value), style="bold")
        if reveal.value is None or show(reveal.value) != show(reveal.sheet_value):
            line.append(f"  from your numbers; the sheet has {show(reveal.sheet_value)}",
                        style="dim")
        self.say(line)

    def say(self, text: Text) -> None:
        self.console.print(Trimmed(Text("  ") + text))  # a wrap leaves no space at a line end

    # -- start and end ------------------------------------------------------------------------

    def intro(self) -> None:
        from bptutor.views import exercise

        sheet, session = self.sheet, self.session
        # the exercise first: the numbers every question reads, none of the answers
        self.console.print(exercise.renderable(exercise.build(sheet, session.only)))
        if not session.total:
            self.console.print(f"this problem has no {session.only} steps to ask")
            return
        where = ("your own value (later steps can earn follow-through)"
                 if session.carry == "mine" else "the right value")
        self.console.print(Text(f"{session.total} steps: answer each with a number, or type "
                                "hint (h, ?), skip (s), quit (q)", style="dim"))
        self.console.print(Text(f"after a wrong answer you carry on from {where}", style="dim"))

    def summary(self, result: Result) -> None:
        if not result.total:
            return
        self.console.print(Rule("Score", style="bold"))
        report = result.report
        if not report.items:
            self.console.print("no step answered")
            return
        # the formulas were shown as the quiz went; the table keeps to verdicts and reasons
        shown = Report(report.path, None, report.sheet,
                       [replace(item, step=None) for item in report.items])
        self.console.print(report_table(shown))
        self.console.print(score_line(report))
        if not result.finished:
            self.console.print(f"stopped after {len(report.items)} of {result.total} steps")
