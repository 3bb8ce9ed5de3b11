"""The terminal: a rich console on standard output, lines from standard input, a progress bar.

rich is imported inside each function, so a command that prints JSON never loads it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from bptutor.errors import BptutorError, printable

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment
    from rich.style import Style

Reader = Callable[[], "str | None"]

def printable_error(error: object) -> str:
    """An error (``path:line:col: error: …`` and its hint line) with any text from a file
    escaped, the line break before the hint kept."""
    return "\n".join(printable(line) for line in str(error).split("\n"))


def utf8_output() -> None:
    """Standard output and error in UTF-8 whatever the locale says (cp1252 on a Windows
    redirect cannot write σ′ or ✓); a character that still cannot be written is replaced.
    Standard output survives a closed pipe (``| head``): see ``PipeSafe``."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    if not isinstance(sys.stdout, PipeSafe) and hasattr(sys.stdout, "fileno"):
        sys.stdout = PipeSafe(sys.stdout)


class PipeSafe:
    """Standard output that goes quiet when its reader closes the pipe (``check … | head``):
    the rest of the output goes to the null device, so the command still writes its files
    (``--csv``) and ends with its own exit code, as the Python docs recommend for SIGPIPE."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.closed_pipe = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)
        except OSError as exc:  # a full disk, /dev/full: an error, not a traceback
            raise _unwritable(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()
        except OSError as exc:
            raise _unwritable(exc) from None

    def _silence(self) -> None:
        self.closed_pipe = True
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)
        try:
            self._stream.flush()  # what was buffered goes to the null device
        except OSError:
            pass


def _unwritable(exc: OSError) -> BptutorError:
    return BptutorError("<stdout>", None, f"cannot write the output: {exc.strerror}",
                        "the output goes to a file or device that is full or refuses it")


def console(no_color: bool = False) -> Console:
    """The console every terminal view prints to; ``--no-color`` and NO_COLOR drop colours."""
    from rich.console import Console

    return clamped(Console(no_color=no_color or bool(os.environ.get("NO_COLOR")) or None,
                           highlight=False, emoji=False))


MAX_WIDTH, MAX_HEIGHT = 1000, 1000  # COLUMNS=99999999 would pad every line to that width


def clamp_size_variables() -> None:
    """COLUMNS and LINES above the limits are lowered in the environment, so every console
    (typer's help and usage errors too) renders at a sane size."""
    for variable, limit in (("COLUMNS", MAX_WIDTH), ("LINES", MAX_HEIGHT)):
        value = os.environ.get(variable, "").strip()
        if value.isdigit() and int(value) > limit:
            os.environ[variable] = str(limit)


def clamped(out: Console) -> Console:
    """The console with its size (from COLUMNS and LINES where set) kept within reason."""
    if out.width > MAX_WIDTH:
        out.width = MAX_WIDTH
    if out.height > MAX_HEIGHT:
        out.height = MAX_HEIGHT
    return out


MAX_INPUT_LINE = 4096  # characters: an answer is a number; /dev/zero is one endless line


def stdin_reader() -> tuple[Reader, bool]:
    """A line reader for standard input (None at its end), and whether to echo what it reads.

    A terminal echoes what is typed; piped input does not, so ``quiz`` echoes the answers
    after their prompts to keep the transcript readable. A closed standard input is one
    with nothing in it; a line longer than MAX_INPUT_LINE is a located error (exit 2)."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:  # `bptutor quiz <&-`
        return lambda: None, False
    if _is_tty(stdin):
        try:
            import readline  # noqa: F401  (line editing for input())
        except ImportError:
            pass

        def read_tty() -> str | None:
            try:
                return input()
            except (EOFError, KeyboardInterrupt, OSError):
                return None

        return read_tty, False
    return _pipe_reader(stdin), True


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _pipe_reader(stdin: TextIO) -> Reader:
    """Lines of piped input, read in bounded pieces and decoded leniently (a stray byte
    becomes U+FFFD, an unreadable answer rather than a crash)."""
    binary = getattr(stdin, "buffer", None)
    count = 0

    def read_pipe() -> str | None:
        nonlocal count
        try:
            raw = (binary.readline(MAX_INPUT_LINE + 1) if binary is not None
                   else stdin.readline(MAX_INPUT_LINE + 1))
        except (OSError, ValueError):
            return None
        if not raw:
            return None
        count += 1
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if len(raw) > MAX_INPUT_LINE and not line.endswith("\n"):
            print(f"<stdin>:{count}:1: error: the line is longer than {MAX_INPUT_LINE:,} "
                  "characters\nhint: answer with one number per line", file=sys.stderr)
            raise SystemExit(2)
        return line.rstrip("\r\n")

    return read_pipe


@contextmanager
def epoch_progress(epochs: int) -> Iterator[Callable[[int, float], None] | None]:
    """A progress bar on stderr, only when stderr is a terminal (pipes stay clean); yields the
    per-epoch callback for ``training.train``, or None."""
    from rich.console import Console

    err = clamped(Console(stderr=True))
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("training"), BarColumn(), TextColumn("epoch {task.completed:.0f}/"
               "{task.total:.0f}  E = {task.fields[loss]}"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("train", total=epochs, loss="…")
        yield lambda epoch, loss: progress.update(task, completed=epoch, loss=f"{loss:.4g}")


# -- styled lines: the terminal views' own layout -------------------------------------------
# A view builds its output as lines of (text, style) spans, wraps them itself (formulas at
# their operators, prose at spaces) and writes the whole batch at once: a rich Table row
# costs about 0.3 ms, a line of spans a few microseconds. The escape codes are the ones the
# console itself would write (its colour system, NO_COLOR); a recording console
# (--save-svg) still renders every span itself.

Span = tuple[str, str]  # text and its rich style ("" for none)
Spans = list[Span]

# Where a formula is best broken, best first: before a gloss set off by two spaces (the
# exact value), after a relation, after a sum's operator, after a product's dot or a
# division; all outside brackets. Any space will do when none fits.
_GLOSS, _RELATION, _SUM, _PRODUCT, _SPACE = 4, 3, 2, 1, 0
_OPERATORS = {" = ": _RELATION, " + ": _SUM, " - ": _SUM, " − ": _SUM, " / ": _PRODUCT}
_OPENING, _CLOSING = "([{", ")]}"


# Characters rich counts as one column each (tests/views check rich agrees): most text here
# (σ′ · ½ ² ✓ ✗ → ≈ ━ │ ⚠) is measured by its length; anything else rich measures.
ONE_COLUMN = re.compile("[ -~\xa0-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205f"
                        "\u2070-\u20cf\u2100-\u2319\u2400-\u25fc\u26a0\u2700-\u2704"
                        "\u2706-\u2709\u270c-\u2727]*")


def cells(text: str) -> int:
    """How many terminal columns ``text`` takes (a CJK character takes two)."""
    if text.isascii() or ONE_COLUMN.fullmatch(text):
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def plain(spans: Spans) -> str:
    return "".join(text for text, _ in spans)


_BREAK_CHARACTERS = re.compile(r"[ ·()\[\]{}]")
_PROSE_BREAK = re.compile(r"(?<=[^ ]) ")
_FLAT_BREAK = re.compile(r" [=+\-−/] |(?<=[^ ]) |·")
_SIMPLE_GROUP = re.compile(r"\[[^\[\](){} ·]*\]|\([^\[\](){} ·]*\)|\{[^\[\](){} ·]*\}")
_BRACKET = re.compile(r"[\[\](){}]")


def _breaks(text: str, formula: bool) -> list[tuple[int, int, int]]:
    """Where a line may end: (end of this line, start of the next, rank). Prose breaks at its
    spaces; a formula after an operator outside brackets, by the ranks above."""
    if not formula:
        return [(m.start(), m.start() + 1, _RELATION) for m in _PROSE_BREAK.finditer(text)]
    gloss = text.rfind("  (")  # the exact value's gloss, at the end, holds a space
    is_gloss = gloss > 0 and text[gloss - 1] != " " and text[gloss - 2:gloss + 1] not in _OPERATORS
    head = text[:gloss] if is_gloss else text
    if _flat(head):
        found = []
        for match in _FLAT_BREAK.finditer(head):
            index, piece = match.start(), match.group()
            if len(piece) == 3:
                found.append((index + 2, index + 3, _OPERATORS[piece]))
            elif piece == " ":
                gloss_here = head[index + 1:index + 2] == " "
                found.append((index, index + 2, _GLOSS) if gloss_here else
                             (index, index + 1, _SPACE))
            elif index + 1 < len(text):
                found.append((index + 1, index + 1, _PRODUCT))
        if len(head) < len(text):
            found.append((gloss, gloss + 2, _GLOSS))
            found += [(end + gloss, after + gloss, rank)
                      for end, after, rank in _nested_breaks(text[gloss:])]
        return found
    return _nested_breaks(text)


def _flat(text: str) -> bool:
    """Whether no bracket holds a space or a dot, so every break is outside brackets (the
    common case — W1[1,1]·x1 + … — found by regular expressions alone)."""
    while True:
        text, count = _SIMPLE_GROUP.subn("", text)
        if not count:
            return not _BRACKET.search(text)


def _nested_breaks(text: str) -> list[tuple[int, int, int]]:
    found: list[tuple[int, int, int]] = []
    depth = 0
    after_operator = -1  # the space that closes an operator is not a break of its own
    for match in _BREAK_CHARACTERS.finditer(text):
        index, char = match.start(), match.group()
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        elif char == " ":
            if index == after_operator:
                continue
            rank = _OPERATORS.get(text[index:index + 3]) if depth == 0 else None
            if rank is not None:
                found.append((index + 2, index + 3, rank))
                after_operator = index + 2
            elif depth == 0 and text[index:index + 2] == "  " and index and \
                    text[index - 1] != " ":
                found.append((index, index + 2, _GLOSS))
            elif index and text[index - 1] != " ":
                found.append((index, index + 1, _SPACE))
        elif depth == 0 and index + 1 < len(text):  # a product's dot
            found.append((index + 1, index + 1, _PRODUCT))
    return found


def _best(usable: list[tuple[int, int, int]], start: int, width: int,
          text: str) -> tuple[int, int, int]:
    """The break for the line from ``start``: where the rest then fits on one more line, the
    first operator break of the highest rank that leaves this line a third full (two
    balanced lines, not a full one and a lone value); else the last break of the highest
    rank that leaves it half full; else the last operator break, else the last space."""
    half = [b for b in usable if b[0] - start >= width // 2]
    if text and len(text) - start <= 2 * width + 2:  # a formula (prose fills its lines)
        last_line = [b for b in usable if b[0] - start >= width // 3 and b[2] != _SPACE
                     and cells(text[b[1]:]) <= width]
        if last_line:
            rank = max(b[2] for b in last_line)
            return next(b for b in last_line if b[2] == rank)
    for rank in (_GLOSS, _RELATION, _SUM, _PRODUCT):
        ranked = [b for b in half if b[2] == rank]
        if ranked:
            return ranked[-1]
    operators = [b for b in usable if b[2] != _SPACE]
    return (operators or usable)[-1]


def _fits(text: str, start: int, width: int) -> int:
    """The end of the longest piece of ``text`` from ``start`` that fits ``width`` columns."""
    piece = text[start:start + width]
    if piece.isascii() or cells(piece) == len(piece):  # one column a character
        return start + len(piece)
    from rich.cells import get_character_cell_size

    used, end = 0, start
    while end < len(text):
        used += get_character_cell_size(text[end])
        if used > width:
            break
        end += 1
    return end


def wrap_ranges(text: str, width: int, formula: bool = True,
                fold: bool = True) -> list[tuple[int, int]]:
    """``text`` cut into lines of at most ``width`` columns, as (start, end) ranges; a word
    longer than a line is folded, or (``fold=False``) left whole on a line of its own.
    Linear in the text's length: each line looks only at the breaks within its reach."""
    width = max(1, width)
    if cells(text) <= width:
        return [(0, len(text))]
    breaks = _breaks(text, formula)
    ranges: list[tuple[int, int]] = []
    start = first = 0
    while (limit := _fits(text, start, width)) < len(text):
        while first < len(breaks) and breaks[first][0] <= start:
            first += 1
        last = first
        while last < len(breaks) and breaks[last][0] <= limit:
            last += 1
        if last > first:
            end, after, _ = _best(breaks[first:last], start, width, text if formula else "")
        elif fold:
            end = after = max(limit, start + 1)
        else:
            end, after, _ = breaks[first] if first < len(breaks) else (len(text),) * 3
        while end > start and text[end - 1] == " ":
            end -= 1
        ranges.append((start, end))
        start = after
        while start < len(text) and text[start] == " ":
            start += 1
    end = len(text.rstrip(" "))
    if start < end:
        ranges.append((start, end))
    return ranges


def cut(spans: Spans, start: int, end: int) -> Spans:
    """The spans covering characters ``start`` to ``end`` of their joined text."""
    out: Spans = []
    offset = 0
    for text, style in spans:
        stop = offset + len(text)
        if stop > start and offset < end:
            out.append((text[max(0, start - offset):end - offset], style))
        offset = stop
        if offset >= end:
            break
    return out


def wrap(spans: Spans, width: int, formula: bool = True, fold: bool = True) -> list[Spans]:
    """Styled text cut into lines of at most ``width`` columns (see ``wrap_ranges``)."""
    text = plain(spans)
    if cells(text) <= width:
        return [spans]
    return [cut(spans, start, end) for start, end in wrap_ranges(text, width, formula, fold)]


def rule(title: str, width: int, style: str = "bold", ascii_only: bool = False) -> Spans:
    """A section rule with its title in the middle, as rich's ``Rule`` draws it."""
    char = "-" if ascii_only else "─"
    if width <= 4:
        return [(char * max(0, width), style)]
    if cells(title) > width - 4:  # cut with an ellipsis, as rich does
        title = plain(truncated([(title, "")], width - 4))
    title_width = cells(title)
    side = (width - title_width) // 2
    right = min(side + 1, width - (side - 1) - title_width - 2)
    return [(char * (side - 1) + " ", style), (title, ""), (" " + char * right, style)]


def trimmed(spans: Spans) -> Spans:
    """The line without the spaces at its end."""
    while spans and (not spans[-1][0] or spans[-1][0].endswith(" ")):
        text = spans[-1][0].rstrip(" ")
        spans = spans[:-1] + ([(text, spans[-1][1])] if text else [])
    return spans


def merged(spans: Spans) -> Spans:
    """Neighbouring spans of one style as one (one segment each, as rich's Text gives)."""
    out: Spans = []
    for text, style in spans:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + text, style)
        elif text:
            out.append((text, style))
    return out


_STYLES: dict[str, Style] = {}


def _style(name: str) -> Style:
    parsed = _STYLES.get(name)
    if parsed is None:
        from rich.style import Style

        parsed = _STYLES[name] = Style.parse(name)
    return parsed


class Lines:
    """Styled lines collected for one write to the console (see ``Lines.flush``)."""

    def __init__(self, console: Console):
        self.console = console
        self.width = console.width
        self.ascii_only = not console.encoding.lower().startswith("utf")
        self._lines: list[Spans] = []

    def add(self, spans: Spans) -> None:
        """One line, already fitted to the width (spaces at its end are dropped)."""
        self._lines.append(merged(trimmed(spans)))

    def emit(self, spans: Spans) -> None:
        """One line as it is: no span empty, no space at its end."""
        self._lines.append(spans)

    def text(self, text: str, style: str = "") -> None:
        """Prose in one style, wrapped at its spaces."""
        self.add_wrapped([(text, style)])

    def add_wrapped(self, spans: Spans) -> None:
        """Styled prose wrapped at its spaces (not at no-break spaces, printed as spaces)."""
        for line in wrap(spans, self.width, formula=False):
            self.add([(text.replace("\u00a0", " "), style) for text, style in line])

    def blank(self) -> None:
        self._lines.append([])

    def table(self, table: TextTable) -> None:
        self._lines += table.lines(self.width, self.ascii_only)

    def flush(self) -> None:
        """Everything collected, in one write: straight to the console's file as the console
        would write it (its colour system, NO_COLOR), or through the console where it does
        more than write (recording for --save-svg, Jupyter, the Windows console API)."""
        if not self._lines:
            return
        console = self.console
        if _plain_writer(console):
            codes = _codes(console)
            out: list[str] = []
            for line in self._lines:
                for text, style in line:
                    if style:
                        before, after = codes(style)
                        out.append(before + text + after)
                    else:
                        out.append(text)
                out.append("\n")
            console.file.write("".join(out))
            console.file.flush()
        else:
            from rich.segment import Segment, Segments

            segments = []
            for line in self._lines:
                segments += [Segment(text, _style(style) if style else None)
                             for text, style in line]
                segments.append(Segment("\n"))
            console.print(Segments(segments), crop=False, soft_wrap=True)
        self._lines = []


class Trimmed:
    """A rich renderable drawn without the spaces rich pads table cells and wrapped lines
    with at a line's end: piped output (and a copy from the terminal) has no trailing spaces."""

    def __init__(self, inner: RenderableType):
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        for line in console.render_lines(self.inner, options, pad=False):
            while line and not line[-1].control and not line[-1].text.rstrip(" "):
                line.pop()
            if line and not line[-1].control:
                line[-1] = Segment(line[-1].text.rstrip(" "), line[-1].style)
            yield from line
            yield Segment.line()


class Prose:
    """Styled prose wrapped at its spaces as ``Lines.add_wrapped`` wraps it (a no-break
    space holds a formula together and prints as a space), for a rich ``Group``."""

    def __init__(self, text: str, style: str = ""):
        self.spans: Spans = [(text, style)]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        for line in wrap(self.spans, options.max_width, formula=False):
            for text, style in trimmed(line):
                yield Segment(text.replace("\u00a0", " "), _style(style) if style else None)
            yield Segment.line()


def _plain_writer(console: Console) -> bool:
    """Whether the console would only write text to its file (nothing recorded or
    buffered, no Jupyter, no legacy Windows console)."""
    return not (console.record or console.is_jupyter or sys.platform == "win32"
                or bool(getattr(console, "_buffer_index", 0)))


_COLOR_SYSTEMS = {"standard": "STANDARD", "256": "EIGHT_BIT", "truecolor": "TRUECOLOR",
                  "windows": "WINDOWS"}


def _codes(console: Console) -> Callable[[str], tuple[str, str]]:
    """A style's escape codes before and after the text, as this console writes them."""
    from rich.color import ColorSystem

    name = console.color_system
    system = ColorSystem[_COLOR_SYSTEMS[name]] if name else None
    no_color = console.no_color
    known: dict[str, tuple[str, str]] = {}

    def codes(style: str) -> tuple[str, str]:
        found = known.get(style)
        if found is None:
            parsed = _style(style).without_color if no_color else _style(style)
            before, _, after = parsed.render("\0", color_system=system).partition("\0")
            found = known[style] = (before, after)
        return found

    return codes


def truncated(spans: Spans, width: int) -> Spans:
    """Spans cut to ``width`` columns, the last one an ellipsis where anything was cut."""
    text = plain(spans)
    if cells(text) <= width:
        return spans
    return [*cut(spans, 0, _fits(text, 0, max(0, width - 1))), ("…", spans[-1][1])]


@dataclass
class Column:
    header: str
    justify: str = "left"  # or "right"
    wrap: bool = True  # False: one line, cut with … where it does not fit
    fold: bool = False  # a word too long for the column: folded (True) or cut with …
    formula: bool = False  # wrapped after operators (see ``wrap_ranges``) rather than spaces


Cell = tuple[str, str, int]  # text, style, width in columns (of its widest line)
_FITTED: dict[tuple[Cell, int, bool, bool, bool], list[Cell]] = {}  # TextTable._fit's
_FITTED_KEPT, _FITTED_LENGTH = 4096, 2000  # cells kept fitted, of at most 2,000 characters
_LINES: dict[tuple, Spans] = {}  # TextTable._kept_line's: a row's line at a layout


def measured(cell: str | Span) -> Cell:
    """A table cell with its width in columns (of its widest line)."""
    text, style = (cell, "") if isinstance(cell, str) else cell
    if "\n" in text:
        return text, style, max(cells(line) for line in text.split("\n"))
    return text, style, len(text) if text.isascii() else cells(text)


class TextTable:
    """A table laid out as rich's ``Table(show_edge=False)`` lays it out — a bold header row,
    heavy rule, ``│`` between cells, the widest wrapping column narrowed first where it does
    not fit — written as styled lines (see ``Lines``). A cell has one style; a row whose
    cells all fit is one line built in one pass, which is what keeps a class's reports
    fast."""

    def __init__(self, columns: list[Column], pad_edge: bool = False, title: str = ""):
        self.columns = columns
        self.pad_edge = pad_edge
        self.title = title
        self.rows: list[list[Cell]] = []
        self._natural = [cells(c.header) for c in columns]

    def add_row(self, *row: str | Span) -> None:
        self.add_cells([measured(cell) for cell in row])

    def add_cells(self, row: list[Cell]) -> None:
        """A row of cells already measured (``measured``): a class's reports measure the
        text that every file shows alike once."""
        natural = self._natural
        for index, (_, _, width) in enumerate(row):
            if width > natural[index]:
                natural[index] = width
        if len(row) < len(self.columns):
            row = row + [("", "", 0)] * (len(self.columns) - len(row))
        self.rows.append(row)

    def _padding(self, index: int) -> tuple[int, int]:
        last = len(self.columns) - 1
        return (1 if index or self.pad_edge else 0, 1 if index < last or self.pad_edge else 0)

    def widths(self, width: int) -> list[int]:
        """Each column's width, padding included."""
        natural = [max(w, 1) + sum(self._padding(i)) for i, w in enumerate(self._natural)]
        borders = len(self.columns) - 1
        return _collapse(natural, [c.wrap for c in self.columns], max(1, width - borders))

    def lines(self, width: int, ascii_only: bool = False) -> Iterator[Spans]:
        widths = self.widths(width)
        pads = [self._padding(i) for i in range(len(self.columns))]
        room = [w - left - right for w, (left, right) in zip(widths, pads)]
        vertical, head, rule, cross = ("|", "|", "-", "+") if ascii_only else ("│", "┃", "━", "╇")
        if self.title:
            total = sum(widths) + len(widths) - 1
            left = (total - cells(self.title)) // 2
            yield [(" " * max(0, left) + self.title, "italic")] if left <= 0 else \
                [(" " * left, ""), (self.title, "italic")]
        right = [c.justify == "right" for c in self.columns]
        headers = [plain(truncated([(c.header, "")], r)) for c, r in zip(self.columns, room)]
        yield self._line([(h, "bold", cells(h)) for h in headers], room, pads, head, right)
        yield [(cross.join(rule * w for w in widths), "")]
        # only a column narrower than its widest cell, or with line breaks, needs fitting
        narrowed = [i for i, (w, r) in enumerate(zip(self._natural, room)) if w > r]
        broken = [i for i in range(len(self.columns))
                  if any("\n" in row[i][0] for row in self.rows)]
        check = sorted(set(narrowed + broken))
        layout = (tuple(room), tuple(pads), vertical, tuple(right))
        for row in self.rows:
            if all(row[i][2] <= room[i] and "\n" not in row[i][0] for i in check):
                yield self._kept_line(row, layout)
                continue
            fitted = [self._fit(index, cell, room[index]) for index, cell in enumerate(row)]
            for number in range(max(len(lines) for lines in fitted)):
                yield self._line([lines[number] if number < len(lines) else ("", "", 0)
                                  for lines in fitted], room, pads, vertical, right)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        """The table as a rich renderable too (``quiz`` prints it among its own)."""
        from rich.segment import Segment

        for line in self.lines(options.max_width, options.ascii_only):
            for text, style in line:
                yield Segment(text, _style(style) if style else None)
            yield Segment("\n")

    def _fit(self, index: int, cell: Cell, width: int) -> list[Cell]:
        """A cell's lines at ``width`` columns: wrapped, folded or cut (kept: a class's
        reports wrap the same worked steps at the same width again and again)."""
        column = self.columns[index]
        text, style, natural = cell
        if natural <= width and "\n" not in text:
            return [cell]
        if len(text) > _FITTED_LENGTH:
            return self._fitted(column, cell, width)
        key = (cell, width, column.wrap, column.fold, column.formula)
        found = _FITTED.get(key)
        if found is None:
            if len(_FITTED) > _FITTED_KEPT:
                _FITTED.clear()
            found = _FITTED[key] = self._fitted(column, cell, width)
        return found

    @staticmethod
    def _fitted(column: Column, cell: Cell, width: int) -> list[Cell]:
        text, style, _ = cell
        out: list[Cell] = []
        for paragraph in text.split("\n"):
            ranges = (wrap_ranges(paragraph, width, column.formula, column.fold)
                      if column.wrap else [(0, len(paragraph))])
            for start, end in ranges:
                piece = paragraph[start:end]
                if cells(piece) <= width:
                    out.append((piece, style, cells(piece)))
                elif column.fold:
                    while piece:
                        stop = max(1, _fits(piece, 0, width))
                        out.append((piece[:stop], style, cells(piece[:stop])))
                        piece = piece[stop:]
                else:
                    [(cut_text, _), *rest] = truncated([(piece, style)], width)
                    cut_text += "".join(t for t, _ in rest)
                    out.append((cut_text, style, cells(cut_text)))
        return out or [("", "", 0)]

    def _kept_line(self, row: list[Cell], layout: tuple) -> Spans:
        """``_line`` of a row that fits, kept: a class's reports repeat most rows."""
        key = (tuple(row), layout)
        found = _LINES.get(key)
        if found is None:
            room, pads, vertical, right = layout
            found = self._line(row, list(room), list(pads), vertical, list(right))
            if sum(len(text) for text, _, _ in row) <= _FITTED_LENGTH:
                if len(_LINES) > _FITTED_KEPT:
                    _LINES.clear()
                _LINES[key] = found
        return list(found)

    def _line(self, row: list[Cell], room: list[int], pads: list[tuple[int, int]],
              vertical: str, right: list[bool]) -> Spans:
        """One line of the table: plain stretches merged, styled cells between them."""
        spans: Spans = []
        pending = ""
        for index, (text, style, width) in enumerate(row):
            left, after = pads[index]
            gap = room[index] - width
            if right[index]:
                left, gap = left + gap, 0
            lead = (vertical if index else "") + " " * left
            if style and text:
                spans.append((pending + lead, ""))
                spans.append((text, style))
                pending = " " * (gap + after)
            else:
                pending += lead + text + " " * (gap + after)
        pending = pending.rstrip(" ")
        if pending:
            spans.append((pending, ""))
        elif spans and spans[-1][0].endswith(" "):
            spans[-1] = (spans[-1][0].rstrip(" "), spans[-1][1])
        return [span for span in spans if span[0]]


def _collapse(widths: list[int], wrapable: list[bool], limit: int) -> list[int]:
    """Narrow the widest wrapping columns to the next widest, in turn, until the table fits
    (rich's ``Table._collapse_widths``); then all columns evenly, as rich does last."""
    widths = list(widths)
    excess = sum(widths) - limit
    while excess > 0 and any(wrapable):
        widest = max(w for w, ok in zip(widths, wrapable) if ok)
        second = max((w for w, ok in zip(widths, wrapable) if ok and w != widest), default=0)
        if widest == second:
            break
        ratios = [1 if ok and w == widest else 0 for w, ok in zip(widths, wrapable)]
        widths = _reduce(excess, ratios, min(excess, widest - second), widths)
        excess = sum(widths) - limit
    if excess > 0:
        widths = _reduce(excess, [1] * len(widths), None, widths)
    return widths


def _reduce(total: int, ratios: list[int], most: int | None, values: list[int]) -> list[int]:
    """``total`` taken from ``values`` in proportion to ``ratios`` (rich's ``ratio_reduce``),
    at most ``most`` from each (None: as much as each has)."""
    remaining_ratio = sum(ratios)
    out = []
    for ratio, value in zip(ratios, values):
        if ratio and remaining_ratio > 0:
            share = round(ratio * total / remaining_ratio)
            share = min(value if most is None else most, share)
            out.append(value - share)
            total -= share
            remaining_ratio -= ratio
        else:
            out.append(value)
    return out
