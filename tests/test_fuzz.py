"""Fuzzing the command line: mutated problem and answers files end in a result or a located error.

Seeds are the bundled problems and answers files filled from their own solutions (right, wrong,
empty and oddly written numbers). Each case applies a few mutations — truncation at any byte,
lines deleted, duplicated or swapped, values of the wrong type, huge and tiny numbers, NaN and
infinity spellings, deep nesting, odd unicode, long strings, tabs, CRLF, bad indentation,
invalid UTF-8 — writes the file, and runs the real CLI in-process once. The run must give a
result (exit 0 or 1) or exit 2 with ``path:line:col: error: …`` as the first line of stderr;
never a traceback (``catch_exceptions=False``), never a changed input file, never non-finite
JSON, and within a second.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from unittest import mock

import pytest
import typer.main
import typer.testing
from conftest import PROBLEMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bptutor.cli import app

# typer's CliRunner builds the click command from the app on every call (~10 ms of
# annotation evaluation); we build that same command once and hand it the runner.
COMMAND = typer.main.get_command(app)
RUNNER = CliRunner()


def invoke(args: list[str], input: str | bytes | None = None):
    with mock.patch.object(typer.testing, "_get_command", lambda _: COMMAND):
        return RUNNER.invoke(app, args, input=input, catch_exceptions=False)
SECONDS_PER_RUN = 20.0  # a hang guard, not a speed test (speed lives in bench/): a run takes
# milliseconds, a hang or a blow-up far more, and a loaded CI machine must not fail it
FUZZ = settings(derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SEED_PROBLEMS = sorted(PROBLEMS.glob("*.yaml"))

# -- what mutations put in ---------------------------------------------------------------------

WRONG_TYPES = ["[1, 2]", "[]", "{a: 1}", "{}", "'text'", '"0.5"', "true", "False", "null", "~",
               "yes", "[[1]]", "[[[1]]]", "[{input: [1]}]", "- 1", "tanh", "y", "E", "x1"]
NUMBERS = ["1e308", "-1e308", "1.7976931348623157e308", "1e-320", "5e-324", "1" + "0" * 400,
           "-0.0", "-0", "0", "1e999", "-1e999", "1000", "-1000", "40", "-40", "709.8", "0.5",
           "2.675", "1e-3", "1_000", "0x1F", "0o17", "1/2", "3/0", "−0.5", "+.5", "12"]
NON_FINITE = [".nan", ".NaN", ".inf", "-.inf", "+.Inf", "nan", "inf", "-inf", "NaN", "Infinity"]
ODD_TEXT = ["\u0301", "\u202e", "\u200f", "\u200b", "\ufeff", "\u2028", "\u0085", "\x00",
            "\x07", "\x1b", "𝔁", "ǅ", "é", "\t", "\r", "\r\n", "'", '"', "#", ": ", "- ", "? ",
            "&a ", "*a", "!x ", "%YAML 1.2\n", "---\n", "...\n", '"\\0"', '"\\ud800"',
            '"\\x85"', '"a\\u200bb"', "{", "}", "[", "]", ","]
LONG = ["x" * 100_000, "9" * 5000, "9" * 100_000 + "x", "1e" + "9" * 5000, "a" * 300,
        "1" * 400 + ".5", "0." + "1" * 1000, "1/" + "9" * 400, "9" * 400 + "/1", "1" * 5000 + "/3",
        "[" + ", ".join(["1"] * 3000) + "]"]
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"]


def nested(depth: int, kind: str) -> str:
    return "[" * depth + "1" + "]" * depth if kind == "list" else "{a: " * depth + "1" + "}" * depth


DEEP = [nested(d, k) for d in (10, 63, 64, 65, 2000) for k in ("list", "map")]
VALUES = WRONG_TYPES + NUMBERS + NON_FINITE + DEEP + LONG
_TOKEN = re.compile(r"[^\s\[\]{},:#]+")  # a scalar: a number, a name, a key
_NUMBER = re.compile(r"(?<![\w.])-?[0-9][0-9.e-]*")  # numbers outside names and comments' words
_NAME = re.compile(r"[A-Za-z_][\w\[\],()/@]*")  # a name or a key
# short pieces spliced over a few characters (the library-level fuzz test this file replaces)
SPLICE = ODD_TEXT + ["-", " ", "\n", "0", "1e9", "-1", "1e308", ".inf", "~", "null", "true",
                     "x1", "y", "E", "softmax", "relu", "cross_entropy", "[[1]]", "bias: 1"]
INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u0301", "\u202e", "\u00ad"]


# -- mutations: each takes the file's bytes and returns new bytes ------------------------------
# Text mutations work on the bytes decoded with surrogateescape, so invalid UTF-8 a previous
# mutation put in survives them.

def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@st.composite
def mutation(draw, data: bytes) -> bytes:
    text = _text(data)
    lines = text.splitlines(keepends=True) or [""]
    line = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "value", "value",
                                 "number", "number", "name", "insert", "splice", "splice",
                                 "indent", "crlf", "bytes", "bom", "huge"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if kind == "delete":
        del lines[line]
    elif kind == "duplicate":
        lines.insert(line, lines[line])
    elif kind == "swap":
        other = draw(st.integers(0, len(lines) - 1))
        lines[line], lines[other] = lines[other], lines[line]
    elif kind == "value":
        tokens = list(_TOKEN.finditer(text))
        if not tokens:
            return data
        token = draw(st.sampled_from(tokens))
        new = draw(st.sampled_from(VALUES))
        return _bytes(text[: token.start()] + new + text[token.end():])
    elif kind in ("number", "name"):  # a number made extreme; a name made invisibly different
        found = list((_NUMBER if kind == "number" else _NAME).finditer(text))
        if not found:
            return data
        token = draw(st.sampled_from(found))
        if kind == "number":
            new = draw(st.sampled_from(NUMBERS + NON_FINITE + LONG[1:3]))
        else:
            at = draw(st.integers(0, len(token[0])))
            new = token[0][:at] + draw(st.sampled_from(INVISIBLE)) + token[0][at:]
        return _bytes(text[: token.start()] + new + text[token.end():])
    elif kind in ("insert", "splice"):
        at = draw(st.integers(0, len(text)))
        end = at if kind == "insert" else draw(st.integers(at, min(len(text), at + 8)))
        return _bytes(text[:at] + draw(st.sampled_from(SPLICE)) + text[end:])
    elif kind == "indent":
        body = lines[line].lstrip(" ")
        lines[line] = draw(st.sampled_from(["", " ", "   ", "\t", "  \t", "      "])) + body
    elif kind == "crlf":
        return _bytes(text.replace("\r\n", "\n").replace("\n", draw(st.sampled_from(
            ["\r\n", "\r", "\n\n"]))))
    elif kind == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from(INVALID_UTF8)) + data[at:]
    elif kind == "bom":
        return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf" * 2])) + data
    else:  # past the size limit
        return data + b"#" + b"x" * 1_000_000 + b"\n"
    return _bytes("".join(lines))


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        data = draw(mutation(data))
    return data


# -- seeds ---------------------------------------------------------------------------------------

def _invoke(*args: str):
    return invoke(list(args))


def _fill(template: str, values: dict[str, float], form) -> str:
    """The template with each key's value written by ``form`` (None leaves the line empty)."""
    out = []
    for line in template.splitlines():
        match = re.match(r'^  ("(?:[^"\\]|\\.)*"|[^ #"]+):( *#.*)?$', line)
        if match:
            key = json.loads(match[1]) if match[1].startswith('"') else match[1]
            text = form(key, values[key])
            if text is not None:
                line = f"  {match[1]}: {text}{match[2] or ''}"
        out.append(line)
    return "\n".join(out) + "\n"


def _pick(key: str, n: int) -> int:
    """A fixed choice per key (str hashes change from run to run)."""
    return sum(map(ord, key)) % n


_FORMS = [
    lambda k, v: repr(v),  # right, in full
    lambda k, v: f"{v:.2f}",  # right at two decimals (or rounded once too often)
    lambda k, v: f"{-v * 1.5 + 0.01:.3f}",  # wrong
    lambda k, v: None if _pick(k, 3) == 0 else f"{v * 2:.2f}",  # some missing, some factor 2
    lambda k, v: f"'{v:.1e}'".replace("-", "−"),  # quoted, Unicode minus, exponent
    lambda k, v: "0" if _pick(k, 2) else "1/3",  # saturating guesses: ln 0 from the student's y
]


def _answers_seeds() -> list[bytes]:
    seeds = []
    for path in SEED_PROBLEMS:
        template = _invoke("template", path.stem).stdout
        steps = json.loads(_invoke("solve", path.stem, "--format", "json").stdout)["steps"]
        values = {step["key"]: step["value"] for step in steps}
        seeds += [_fill(template, values, form).encode() for form in _FORMS]
        # one names its problem by a path beside it (see ``workdir``), not by bundled name
        seeds[-1] = seeds[-1].replace(f"problem: {path.stem}\n".encode(),
                                      f"problem: {path.name}\n".encode())
    return seeds


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder holding copies of the bundled problems, for answers files that name a path."""
    folder = tmp_path_factory.mktemp("fuzz")
    for path in SEED_PROBLEMS:
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


_SEEDS: dict[str, list[bytes]] = {}


def seeds(kind: str) -> list[bytes]:
    """Built on first use (hypothesis needs the strategy before any fixture runs)."""
    if not _SEEDS:
        _SEEDS["problem"] = [path.read_bytes() for path in SEED_PROBLEMS]
        _SEEDS["answers"] = _answers_seeds()
    return _SEEDS[kind]


# -- the property --------------------------------------------------------------------------------

SOLVE_OPTIONS = [("--format", "json"), ("--format", "markdown"), ("--no-color",),
                 ("--exact", "--format", "json"), ("--round", "3", "--notation", "delta", "-f",
                                                   "json"), ("--only", "backward", "-f", "json")]
CHECK_OPTIONS = [("--format", "json"), (), ("--format", "gradescope"), ("--reveal", "diagnosis"),
                 ("--only", "forward", "--format", "json")]


def run_checked(args: list[str], path: Path, codes: tuple[int, ...],
                input: str | bytes | None = None) -> None:
    """Run once; a result, or exit 2 with a located first line — fast, and the file untouched."""
    before = path.read_bytes()
    start = time.perf_counter()
    result = invoke(args, input)
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS_PER_RUN, f"{args[0]} took {elapsed:.2f} s"
    assert path.read_bytes() == before, "the input file was changed"
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code in codes + (2,), (result.exit_code, result.stderr)
    if result.exit_code == 2:
        first = result.stderr.splitlines()[0] if result.stderr else ""
        # check may point into the problem its answers file names, beside it in the folder
        beside = args[0] == "check" or "--answers" in args
        where = re.escape(str(path)) if not beside else re.escape(str(path.parent)) + ".*"
        assert re.match(rf"^{where}:\d+:\d+: error: \S", first), result.stderr
    elif "json" in args or "gradescope" in args:
        json.loads(result.stdout, parse_constant=_no_constant)  # no NaN or Infinity


def _no_constant(name: str):
    raise AssertionError(f"{name} in JSON output")


@settings(FUZZ, max_examples=2000)
@given(data=st.deferred(lambda: mutated(seeds("problem"))), command=st.sampled_from(
    [("solve", *options) for options in SOLVE_OPTIONS] + [("template",), ("template", "-o")]))
def test_mutated_problem_files(workdir, data, command):
    path = workdir / "problem.yaml"
    path.write_bytes(data)
    args = [command[0], str(path), *command[1:]]
    if command[-1] == "-o":
        args.append(str(path))  # would overwrite the problem itself: must be refused
        run_checked(args, path, ())
    else:
        run_checked(args, path, (0,))


@settings(FUZZ, max_examples=1500)
@given(data=st.deferred(lambda: mutated(seeds("answers"))), options=st.sampled_from(CHECK_OPTIONS))
def test_mutated_answers_files(workdir, data, options):
    path = workdir / "answers.yaml"
    path.write_bytes(data)
    run_checked(["check", str(path), *options], path, (0, 1))


@settings(FUZZ, max_examples=200)
@given(data=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(
    lambda text: text.encode("utf-8", "replace"))), command=st.sampled_from(["solve", "check"]))
def test_arbitrary_content(workdir, data, command):
    path = workdir / "arbitrary.yaml"
    path.write_bytes(data)
    run_checked([command, str(path), "--format", "json"], path, (0, 1))


# -- hostile files and input for every command that reads them (issue 14) -------------------------

HOSTILE_GRAPHS = [
    # long chains, wide max/min (their scaling: test_limits.py), deep brackets, undefined and
    # overflowing functions
    "bptutor: 1\nkind: graph\ninputs: {a: 0.5}\nnodes:\n"
    + "".join(f"  n{i}: {'a' if i == 1 else f'n{i - 1}'}*1.01\n" for i in range(1, 200)),
    "bptutor: 1\nkind: graph\ninputs: {" + ", ".join(f"x{i}: {i % 7}" for i in range(120))
    + "}\nnodes:\n  L: max(" + ", ".join(f"x{i}" for i in range(120)) + ")\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 2, b: 3}\nnodes:\n  L: min(a, b, a, b, a*b, a - b)\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 0, b: 1000}\nnodes:\n  c: log(a)\n  L: exp(b)*c\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 1e308, b: -1e308}\nnodes:\n  L: a*a + b/a\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 1}\nnodes:\n  L: " + "(" * 60 + "a" + ")" * 60 + "\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 1}\nnodes:\n  L: " + "-" * 300 + "a\n",
    "bptutor: 1\nkind: graph\ninputs: {a: 4}\nnodes:\n"
    "  L: sqrt(a - 4) + abs(a - 4) + relu(a - 4)\n",
]
HOSTILE_LINES = ["", "0", "-0", "1e300", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "1/0",
                 "0/0", "h", "?", "s", "hint", "skip", "\x1b[2J", "\u202e1", "1" * 400,
                 "0." + "9" * 80, "−0.5", "1e999", "  3  ", "3,5", "\t", "\x00", "q"]

BIG_NUMBERS = ["1e300", "-1e300", "1e154", "1000", "-1000", "0", "1"]


def _hostile_seeds() -> list[bytes]:
    return [text.encode() for text in HOSTILE_GRAPHS] + seeds("problem")


@settings(FUZZ, max_examples=400)
@given(data=st.deferred(lambda: st.one_of(st.sampled_from(_hostile_seeds()),
                                          mutated(_hostile_seeds()))), command=st.sampled_from([
    ("gradcheck", "-f", "json"), ("gradcheck",), ("solve", "-f", "json"), ("template",),
    ("train", "--epochs", "3", "-f", "json")]))
def test_mutated_problems_through_gradcheck_train_and_solve(workdir, data, command):
    path = workdir / "hostile.yaml"
    path.write_bytes(data)
    run_checked([command[0], str(path), *command[1:]], path, (0, 1))


@settings(FUZZ, max_examples=500)
@given(data=st.deferred(lambda: st.one_of(st.sampled_from(_hostile_seeds()),
                                          mutated(_hostile_seeds()))),
       lines=st.one_of(  # one value over and over (carried, 1e300 overflows), or a mix
           st.sampled_from(BIG_NUMBERS).map(lambda line: [line] * 40),
           st.lists(st.one_of(st.sampled_from(HOSTILE_LINES), st.text(max_size=30)),
                    min_size=1, max_size=40)), carry=st.sampled_from(["right", "mine"]))
def test_quiz_on_hostile_problems_and_hostile_answers(workdir, data, lines, carry):
    """Any problem, any typed lines, either carry: a result or a located error; stray text
    and unreadable lines are answers marked unreadable, never a crash."""
    path = workdir / "quiz.yaml"
    path.write_bytes(data)
    typed = "\n".join(line.replace("\n", " ") for line in lines) + "\n"
    run_checked(["quiz", str(path), "--carry", carry], path, (0, 1), input=typed)


@settings(FUZZ, max_examples=400)
@given(data=st.deferred(lambda: mutated(seeds("answers"))),
       options=st.sampled_from([("-f", "json"), (), ("--method", "forward", "-f", "json")]))
def test_mutated_answers_files_through_gradcheck(workdir, data, options):
    path = workdir / "answers.yaml"
    path.write_bytes(data)
    run_checked(["gradcheck", "--answers", str(path), *options], path, (0, 1))


@settings(FUZZ, max_examples=60)
@given(data=st.deferred(lambda: mutated(seeds("problem"))))
def test_train_never_loses_an_existing_file(workdir, data):
    """train --save onto a file that exists, without --force: refused, the file kept."""
    path = workdir / "train.yaml"
    path.write_bytes(data)
    kept = workdir / "kept.yaml"
    kept.write_bytes(b"precious: true\n")
    result = invoke(["train", str(path), "--epochs", "2", "--save", str(kept)])
    assert "Traceback" not in result.stdout + result.stderr
    assert kept.read_bytes() == b"precious: true\n"
    assert result.exit_code == 2
