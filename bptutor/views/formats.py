"""Output formats: for each kind of result, format name → the view that prints it.

The command line builds its ``--format`` choices from these tables, so a new format is one
entry here plus its view. Each view module is imported when its format is used: a JSON
format never loads rich.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from bptutor.errors import OptionError
from bptutor.views.terminal import console

if TYPE_CHECKING:
    from bptutor.sheet.worksheet import Worksheet
    from bptutor.tools.gradcheck import Bundled
    from bptutor.tools.gradcheck import Report as GradcheckReport
    from bptutor.tools.grading import Report
    from bptutor.tools.marking import Marked, Marking
    from bptutor.tools.training import Result
    from bptutor.views.exercise import Exercise
    from bptutor.views.list_view import Row


def _print_json(doc: object) -> None:
    print(json.dumps(doc, indent=2, ensure_ascii=False))


# -- a worksheet: solve ---------------------------------------------------------------------

def _sheet_rich(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool) -> None:
    from bptutor.views import rich_view

    rich_view.render(sheet, console(no_color), only, diagram)


def _sheet_json(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool) -> None:
    from bptutor.views import json_view

    print(json_view.render(sheet, only))


def _sheet_markdown(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool) -> None:
    from bptutor.views import markdown_view

    sys.stdout.write(markdown_view.render(sheet, only))


def _sheet_latex(sheet: Worksheet, only: str | None, diagram: bool, no_color: bool) -> None:
    from bptutor.views import latex_view

    sys.stdout.write(latex_view.render(sheet, only))


SheetView = Callable[["Worksheet", "str | None", bool, bool], None]
SHEET: dict[str, SheetView] = {"rich": _sheet_rich, "json": _sheet_json,
                               "markdown": _sheet_markdown, "latex": _sheet_latex}
TERMINAL = "rich"  # the format --step and --save-svg / --save-html show


# -- marked answers files: check ------------------------------------------------------------

class MarkedView:
    """Marked files as they come — a broken file's error on stderr at once — then the class."""

    keeps = True  # whether ``end`` reads the marking's outcomes (else they are not kept)

    def __init__(self, reveal: str = "answer", no_color: bool = False):
        self.reveal = reveal
        self.no_color = no_color

    def each(self, outcome: Marked) -> None:
        from bptutor.tools.marking import Unmarked
        from bptutor.views.terminal import printable_error

        if isinstance(outcome, Unmarked):
            print(printable_error(outcome.error), file=sys.stderr)
        else:
            self.report(outcome)

    def report(self, report: Report) -> None:
        """One file's report, as soon as it is marked (nothing, for a whole-class document)."""

    def end(self, marking: Marking) -> None:
        """After the last file."""


class _RichMarks(MarkedView):
    def __init__(self, reveal: str = "answer", no_color: bool = False):
        super().__init__(reveal, no_color)
        self.console = console(no_color)

    def report(self, report: Report) -> None:
        from bptutor.views import check_view

        check_view.print_report(self.console, report, self.reveal)

    def end(self, marking: Marking) -> None:
        from bptutor.views import check_view

        if len(marking.outcomes) > 1:
            check_view.print_summary(self.console, marking.outcomes)


class _JsonMarks(MarkedView):
    """Each file's object written as it is marked: nothing is kept (``keeps`` false)."""

    keeps = False

    def __init__(self, reveal: str = "answer", no_color: bool = False):
        from bptutor.views.gradebook import JsonFiles

        super().__init__(reveal, no_color)
        self.stream = JsonFiles()
        sys.stdout.write(self.stream.OPENING)

    def each(self, outcome: Marked) -> None:
        super().each(outcome)  # an error on stderr too, as it comes
        sys.stdout.write(self.stream.file(outcome))

    def end(self, marking: Marking) -> None:
        print(self.stream.closing())


class _GradescopeMarks(MarkedView):
    """Gradescope's results.json grades one submission: ``check`` refuses several files."""

    def end(self, marking: Marking) -> None:
        from bptutor.tools.marking import Unmarked
        from bptutor.views import check_view
        from bptutor.views.gradebook import json_text

        for outcome in marking.outcomes[:1]:
            print(json_text(
                check_view.gradescope_error(outcome) if isinstance(outcome, Unmarked)
                else check_view.gradescope_doc(outcome, self.reveal)))


CHECK: dict[str, type[MarkedView]] = {"rich": _RichMarks, "json": _JsonMarks,
                                      "gradescope": _GradescopeMarks}
ONE_FILE_ONLY = ("gradescope",)


# -- the bundled problems: list -------------------------------------------------------------

def _list_rich(rows: list[Row], no_color: bool) -> None:
    from bptutor.views import list_view

    list_view.print_catalogue(console(no_color), rows)


def _list_json(rows: list[Row], no_color: bool) -> None:
    from bptutor.views import list_view

    print(list_view.catalogue_json(rows))


LIST: dict[str, Callable[[list[Row], bool], None]] = {"rich": _list_rich, "json": _list_json}


# -- gradient checks: one problem's report, or every bundled problem's by name --------------
# (Bundled is imported in each function: tools.gradcheck loads numpy)

def _gradcheck_rich(checked: GradcheckReport | Bundled,
                    no_color: bool) -> None:
    from bptutor.tools.gradcheck import Bundled
    from bptutor.views import gradcheck_view

    if isinstance(checked, Bundled):
        gradcheck_view.print_summary(console(no_color), checked.reports)
    else:
        gradcheck_view.print_report(console(no_color), checked)


def _gradcheck_json(checked: GradcheckReport | Bundled,
                    no_color: bool) -> None:
    from bptutor.tools.gradcheck import Bundled
    from bptutor.views import gradcheck_view

    if isinstance(checked, Bundled):
        print(json.dumps(gradcheck_view.bundled_json(checked.reports), indent=2))
    else:
        _print_json(checked.as_json())


def _gradcheck_markdown(checked: GradcheckReport | Bundled,
                        no_color: bool) -> None:
    from bptutor.tools.gradcheck import Bundled
    from bptutor.views import gradcheck_view

    if isinstance(checked, Bundled):  # the summary has no markdown form: the terminal's
        _gradcheck_rich(checked, no_color)
    else:
        sys.stdout.write(gradcheck_view.markdown(checked))


GRADCHECK: dict[str, Callable[..., None]] = {"rich": _gradcheck_rich, "json": _gradcheck_json,
                                             "markdown": _gradcheck_markdown}


# -- a training run: train ------------------------------------------------------------------

def _train_rich(result: Result, no_color: bool) -> None:
    from bptutor.views import train_view

    train_view.print_report(console(no_color), result)


def _train_json(result: Result, no_color: bool) -> None:
    _print_json(result.as_json())


TRAIN: dict[str, Callable[[Result, bool], None]] = {"rich": _train_rich, "json": _train_json}


# -- the solved network as a diagram: draw (text, for standard output or a file) ------------

def _drawing(fmt: str) -> Callable[[Worksheet, int | None, int | None], str]:
    def render(sheet: Worksheet, example: int | None = None, update: int | None = None
               ) -> str:
        from bptutor.views import draw

        count = len(sheet.network.examples)
        if example is not None and not 1 <= example <= count:
            raise OptionError("--example", f"the problem has {count} example(s)")
        return draw.render(sheet, fmt, example, update)

    return render


DRAW: dict[str, Callable[[Worksheet, int | None, int | None], str]] = {
    "dot": _drawing("dot"), "mermaid": _drawing("mermaid")}


# -- the exercise without its answers: show -------------------------------------------------

def _show_rich(sheet: Worksheet, only: str | None, output: str | None, force: bool,
               no_color: bool) -> None:
    from bptutor.files.output import to_stdout, write_output
    from bptutor.views import exercise

    shown = exercise.build(sheet, only)
    if to_stdout(output):
        console(no_color).print(exercise.renderable(shown))
    else:  # a file gets plain text: no colour codes
        write_output(output, exercise.plain(shown), force)


def _show_text(render: Callable[[Exercise], str]) -> ShowView:
    def show(sheet: Worksheet, only: str | None, output: str | None, force: bool,
             no_color: bool) -> None:
        from bptutor.files.output import write_output
        from bptutor.views import exercise

        write_output(output, render(exercise.build(sheet, only)), force)

    return show


def _markdown(shown: Exercise) -> str:
    from bptutor.views import exercise

    return exercise.markdown(shown)


def _latex(shown: Exercise) -> str:
    from bptutor.views import exercise

    return exercise.latex(shown)


ShowView = Callable[["Worksheet", "str | None", "str | None", bool, bool], None]
SHOW: dict[str, ShowView] = {"rich": _show_rich, "markdown": _show_text(_markdown),
                             "latex": _show_text(_latex)}
