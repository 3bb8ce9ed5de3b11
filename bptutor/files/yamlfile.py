"""A strict YAML reader that keeps the line and column of every value.

Problem and answers files are typed by hand, so every error must point at a place. We build
our own small tree straight from PyYAML's event stream: that lets us reject what a hand-written
exercise never needs (anchors, aliases, tags, duplicate keys, several documents) and keep each
scalar's text exactly as written (``-0.60`` keeps its two decimals for the grader).
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bptutor.errors import BptutorError, Mark, clip

MAX_FILE_BYTES = 1_000_000
# libyaml where PyYAML was built with it; its scanner reads a flow collection's brackets ahead
# of the events, and newer builds stop at about 1,000 levels before we see the depth ourselves
_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 64  # lists and mappings nested deeper than this are no exercise (and would recurse)

_INT = re.compile(r"[-+]?[0-9]+")
# each digit can match one way only: an ambiguous split of a digit run ([0-9]+\.?[0-9]*)
# backtracks quadratically, minutes for a 100,000-digit scalar that ends in a letter
_FLOAT = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


@dataclass
class Scalar:
    value: object  # str, int, float, bool or None
    text: str  # the characters as written
    mark: Mark
    quoted: bool = False


@dataclass
class Seq:
    items: list[Node]
    mark: Mark


@dataclass
class Map:
    items: dict[str, Node]
    mark: Mark
    key_marks: dict[str, Mark] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        return self.items.get(key)


Node = Scalar | Seq | Map


def _mark(event: yaml.Event) -> Mark:
    start = event.start_mark  # PyYAML's parsers always set it; the stubs allow None
    return Mark(start.line + 1, start.column + 1) if start else Mark()


def _resolve(text: str, quoted: bool) -> object:
    """Plain scalars become numbers, booleans or null; ``1e-3`` is a number (YAML 1.2 style)."""
    if quoted:
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        # an integer beyond the float range cannot be computed with (and Python refuses to
        # convert very long digit strings): it becomes infinite and is rejected below
        if len(text.lstrip("+-").lstrip("0")) > 309 or abs(int(text)) > sys.float_info.max:
            return math.inf
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _NON_FINITE.fullmatch(text):
        return math.nan  # rejected by the reader below with a clear message
    return text


class _Reader:
    def __init__(self, path: str, events: Iterator[yaml.Event], finite: bool = True):
        self.path = path
        self.events = events
        self.depth = 0
        self.finite = finite

    def fail(self, event: yaml.Event, message: str, hint: str | None = None) -> BptutorError:
        return BptutorError(self.path, _mark(event), message, hint)

    def node(self, event: yaml.Event) -> Node:
        if type(event) is yaml.ScalarEvent and event.anchor is None and event.tag is None:
            return self.scalar(event)  # the common case, checked as below in short
        if isinstance(event, yaml.AliasEvent):
            raise self.fail(event, "aliases (*name) are not allowed", "write the value out again")
        if getattr(event, "anchor", None) is not None:
            raise self.fail(event, "anchors (&name) are not allowed", "write the value out in full")
        # only scalars and collection starts carry a tag
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)) \
                and event.tag is not None:
            tag = re.sub(r"^tag:yaml\.org,2002:", "!!", event.tag)  # as it was written
            raise self.fail(event, f"tags such as {clip(tag, 80)!r} are not allowed",
                            "remove the tag; plain numbers, names and lists are enough")
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event)
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if self.depth >= MAX_DEPTH:
                raise self.fail(event, f"lists and mappings are nested more than {MAX_DEPTH} "
                                "deep", "an exercise file needs only a few levels, like [[1, 2]]")
            self.depth += 1
            try:
                return self.collection(event)
            finally:
                self.depth -= 1
        raise self.fail(event, "unexpected YAML structure")

    def scalar(self, event: yaml.ScalarEvent) -> Scalar:
        quoted = event.style is not None and event.style != ""
        value = _resolve(event.value, quoted)
        if self.finite and isinstance(value, float) and not math.isfinite(value):
            if _NON_FINITE.fullmatch(event.value):
                raise self.fail(event, f"{event.value} is not a finite number")
            raise self.fail(event, f"{clip(event.value)} is too large to compute with")
        return Scalar(value, event.value, _mark(event), quoted)

    def collection(self, event: yaml.Event) -> Node:
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Node] = []
            for item in self.events:
                if isinstance(item, yaml.SequenceEndEvent):
                    return Seq(items, _mark(event))
                items.append(self.node(item))
        if isinstance(event, yaml.MappingStartEvent):
            result = Map({}, _mark(event))
            for key_event in self.events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return result
                key = self.node(key_event)
                if not isinstance(key, Scalar):
                    raise self.fail(key_event, "a key must be a plain name")
                if key.text in result.items:
                    first = result.key_marks[key.text]
                    raise self.fail(key_event, f"duplicate key {clip(key.text)!r}",
                                    f"it is already set on line {first.line}")
                result.key_marks[key.text] = key.mark
                result.items[key.text] = self.node(next(self.events))
        raise self.fail(event, "unexpected end of the YAML structure")  # the parser says first


class _LibyamlTooDeep(Exception):
    """libyaml stopped at its own nesting limit before our reader saw the depth."""


def _events(text: str, path: str, loader: type = _FAST_LOADER) -> Iterator[yaml.Event]:
    """PyYAML's events, one at a time (a document nested too deep stops early; libyaml takes
    quadratic time over deep nesting), with its errors turned into located BptutorErrors."""
    try:
        yield from yaml.parse(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        if loader is not yaml.SafeLoader and "maximum nesting depth" in str(exc.problem):
            raise _LibyamlTooDeep from None
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark()
        message = " ".join(filter(None, [exc.context, exc.problem])) or "not valid YAML"
        raise BptutorError(path, where, f"not valid YAML: {message}") from None
    except yaml.reader.ReaderError as exc:  # a control character the reader refuses
        if not isinstance(exc.character, int):
            raise BptutorError(path, Mark(), f"not valid YAML: {exc.reason}") from None
        # its position counts bytes (libyaml) or characters: find the character instead
        lines = re.split(r"\r\n|\r|\n", text[: max(text.find(chr(exc.character)), 0)])
        raise BptutorError(path, Mark(len(lines), len(lines[-1]) + 1),
                           f"the file holds the control character U+{exc.character:04X}, which "
                           "YAML does not allow", "delete it, or retype the line") from None
    except yaml.YAMLError as exc:
        raise BptutorError(path, Mark(), f"not valid YAML: {exc}") from None


# -- the fast path: flat "key: value" files ----------------------------------------------------
# An answers file is a few root keys and one block mapping of "key: number" lines. For a text
# inside the small subset below, the tree the strict reader would build is known line by line,
# so we build it directly (about a fifth of the cost); any other text gives None and goes the
# strict way, so every error and its place stay the strict reader's.
#
# Why the subset reads exactly as YAML does (tests/files/test_yamlfile.py checks it against
# both of PyYAML's parsers on generated near-misses):
# - only "\n" breaks lines, no tab or BOM, and every character is one YAML's reader accepts;
# - a key is a plain scalar that starts with a letter or "_" (no indicator) and holds no space
#   or ":" (so no ": " or " #" ends it early), or is double-quoted with no escape ("\") in
#   it (templates quote "dE/dW1[1,2]"); both shorter than YAML's 1,024-character limit;
# - a value is one word with no space, ":" or "#" (so it holds no ": " or " #") and no quote
#   or flow character (plain in block context, but left to the strict way); its first
#   character is no indicator ("-" only before a digit or "."), so it is one plain scalar;
#   an empty value is YAML's empty plain scalar, which it places just after the colon;
# - a comment needs a space before its "#"; comment and blank lines are skipped at any indent;
# - one level of nesting: lines indented alike right after a root key with an empty value
#   form its block mapping, marked at its first key; any other indentation (a deeper level,
#   a plain scalar continued on the next line) goes the strict way, as do duplicate keys and
#   files with no key at all.
# any character but "\n" and the printable ones above, named as the ranges left out (the
# complement, written as the ranges kept, takes ten times as long to compile at start-up)
_NOT_FLAT_CHAR = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_FLAT_LINE = re.compile(  # one row per line: (indent, key, gap, value, the line if it is bad)
    r"( *)(?:([A-Za-z_][!-9;-~]{0,999}|\"[^\"\\\n]{1,999}\"):"
    r"(?:( +)((?:[0-9A-Za-z_.+(~/]|[^\x00-\x7f]|-[0-9.])[^ \n:#,\[\]{}'\"]*))?"
    r"(?: +#[^\n]*| *)"  # a comment after the key or value, or trailing spaces
    r"|(?:#[^\n]*)?)(?:\n|\Z)"  # or a comment line, or a blank one
    r"|([^\n]+)")  # no two parts above take the same spaces: linear time on any line
# Marks are immutable and a class's files share a layout, words and their values: built once
_FLAT_MARKS: dict[tuple[int, int, int], tuple[Mark, Mark]] = {}  # of a key and its value
_FLAT_VALUES: dict[str, object] = {}  # _resolve(word, False)
_FLAT_CACHED = 10_000  # entries kept at most in each


def _parse_flat(text: str, finite: bool) -> Node | None:
    """The strict reader's tree of a flat file, or None for any text outside the subset."""
    if _NOT_FLAT_CHAR.search(text):
        return None
    if len(_FLAT_MARKS) > _FLAT_CACHED or len(_FLAT_VALUES) > _FLAT_CACHED:
        _FLAT_MARKS.clear()
        _FLAT_VALUES.clear()
    root: Map | None = None
    parent = ""  # the last root key while its value is empty: it may open a nested mapping
    nested: Map | None = None  # that mapping, once open
    indent = 0  # the column of its keys
    items: dict[str, Node] = {}
    key_marks: dict[str, Mark] = {}  # those of the mapping the lines go into
    for number, (spaces, key, gap, word, bad) in enumerate(_FLAT_LINE.findall(text), 1):
        if not key:
            if bad:
                return None
            continue  # a comment or a blank line
        column = len(spaces) + 1
        name = key[1:-1] if key[0] == '"' else key
        value = _FLAT_VALUES.get(word, _FLAT_VALUES)
        if value is _FLAT_VALUES:
            value = _FLAT_VALUES[word] = _resolve(word, False)
        if finite and type(value) is float and not math.isfinite(value):
            return None
        at = (number, column, column + len(key) + len(gap) + 1)  # no value: no gap either
        marks = _FLAT_MARKS.get(at)
        if marks is None:
            marks = _FLAT_MARKS[at] = (Mark(number, column), Mark(number, at[2]))
        if column == 1:
            if root is None:
                root = Map({}, marks[0])
            items, key_marks = root.items, root.key_marks
            parent, nested = ("" if word else name), None
        elif nested is None and parent and root is not None:
            nested = root.items[parent] = Map({}, marks[0])
            items, key_marks = nested.items, nested.key_marks
            parent, indent = "", column
        elif nested is None or column != indent:
            return None
        if name in items:
            return None
        items[name] = Scalar(value, word, marks[1])
        key_marks[name] = marks[0]
    return root


def parse(text: str, path: str, finite: bool = True) -> Node:
    """Parse one YAML document into marked nodes; any problem is a BptutorError.

    ``finite=False`` keeps non-finite and out-of-range numbers (as inf or nan, their text as
    written) instead of refusing them: an answers file marks such an answer ``invalid``."""
    flat = _parse_flat(text, finite)
    if flat is not None:
        return flat
    try:
        return _parse(text, path, finite, _FAST_LOADER)
    except _LibyamlTooDeep:
        # the pure-Python scanner looks ahead at most 1,024 characters, so our own depth
        # check meets the 65th level first and reports it at its place
        return _parse(text, path, finite, yaml.SafeLoader)


def _parse(text: str, path: str, finite: bool, loader: type) -> Node:
    events = _events(text, path, loader)
    next(events)  # StreamStart
    start = next(events)
    if isinstance(start, yaml.StreamEndEvent):
        raise BptutorError(path, Mark(), "the file is empty")
    root = _Reader(path, events, finite).node(next(events))
    next(events)  # DocumentEnd
    second = next(events)
    if isinstance(second, yaml.DocumentStartEvent):
        raise BptutorError(path, _mark(second), "the file holds more than one YAML document",
                           "remove the second '---' and what follows it")
    return root


class _NoWriter(Exception):
    """A named pipe with no writer: reading it would wait forever."""


def _open_without_waiting(path: Path | str) -> tuple[int, int]:
    """The file opened for reading, and its size (0 where it has none, as a FIFO). Opening
    a FIFO waits until something writes to it, so it is opened non-blocking; one that no
    process is writing to is refused, one that a process writes to (``<(cat x.yaml)``) is
    then read normally."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(path)
        if stat.S_ISFIFO(status.st_mode):
            _wait_for_writer(fd)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, status.st_size if stat.S_ISREG(status.st_mode) else 0


def _read_at_most(fd: int, limit: int, size: int) -> bytes:
    """Up to ``limit`` bytes, read to the end. A read asks for the size the file says it has
    (plus one, to see the end): a buffer of the whole limit, allocated per file, cost more
    than reading a class's files."""
    chunks, total = [], 0
    ask = min(size + 1, limit) if size else 65_536
    while total < limit:
        chunk = os.read(fd, min(ask, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        ask = 65_536
    return b"".join(chunks)


def _wait_for_writer(fd: int, seconds: float = 2.0) -> None:
    """A FIFO opened before its writer: wait briefly for data or a hang-up; nothing at all
    (no writer ever came) is refused."""
    import select

    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        raise _NoWriter


def read(path: Path | str, finite: bool = True) -> Node:
    """Read and parse a file; missing, unreadable, binary or oversized files are errors."""
    return parse(read_text(path), str(path), finite)


def read_text(path: Path | str) -> str:
    """A file's text, read once (a FIFO can be read only once); the errors of ``read``."""
    name = str(path)
    try:
        fd, size = _open_without_waiting(path)
        try:  # no more than the limit: /dev/zero
            data = _read_at_most(fd, MAX_FILE_BYTES + 1, size)
        finally:
            os.close(fd)
    except _NoWriter:
        raise BptutorError(name, None, "this is a named pipe (FIFO) that nothing writes to",
                           "give the problem file itself") from None
    except FileNotFoundError:
        raise BptutorError(name, None, "no such file") from None
    except IsADirectoryError:
        raise BptutorError(name, None, "this is a folder, not a file") from None
    except OSError as exc:
        raise BptutorError(name, None, f"cannot read the file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise BptutorError(name, None, f"the file is larger than the limit of {MAX_FILE_BYTES:,} "
                           "bytes", "an exercise file is a few kilobytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BptutorError(name, Mark(line, 1), "the file is not UTF-8 text") from None
    return text
