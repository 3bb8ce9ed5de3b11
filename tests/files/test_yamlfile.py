"""The strict YAML reader: marked nodes, and every bad file a located error (exit 2)."""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import time

import pytest
import yaml
from conftest import PROBLEMS, ROOT, assert_located
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bptutor.cli import app
from bptutor.errors import BptutorError, Mark
from bptutor.files.yamlfile import (
    MAX_DEPTH,
    Map,
    Scalar,
    Seq,
    _parse,
    _parse_flat,
    parse,
    read,
)

GOOD = """\
bptutor: 1
loss: squared_error
network:
  inputs: [x1, x2]
  layers:
    - neurons: [y]
      activation: tanh
      weights: [[0.2, -0.5]]
input: [1, 0]
target: [1]
"""


def solve(path) -> tuple[int, str]:
    """Run `bptutor solve PATH` in-process; no exception may escape (no traceback)."""
    result = CliRunner().invoke(app, ["solve", str(path), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback instead of an error: {result.exception!r}")
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def fails_at(tmp_path, content: str | bytes, line: int, col: int, *words: str,
             hint: str | None = None) -> str:
    """Write the file, solve it, and check for `path:line:col: error: ...` and exit code 2."""
    path = tmp_path / "problem.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, err = solve(path)
    assert code == 2, err
    return assert_located(err, path, line, col, words, hint)


# -- parse: the tree it builds ----------------------------------------------------------------

def test_scalars_keep_their_text_and_marks_are_one_based():
    root = parse("a: -0.60\nb:\n  - 1e-3\n  - '0.5'\n", "f.yaml")
    assert isinstance(root, Map) and root.mark == Mark(1, 1)
    a = root.items["a"]
    assert isinstance(a, Scalar)
    assert (a.text, a.value, a.mark, a.quoted) == ("-0.60", -0.6, Mark(1, 4), False)
    assert root.key_marks == {"a": Mark(1, 1), "b": Mark(2, 1)}
    b = root.items["b"]
    assert isinstance(b, Seq) and b.mark == Mark(3, 3)
    assert b.items[0].value == 0.001 and isinstance(b.items[0].value, float)
    assert b.items[0].mark == Mark(3, 5)
    quoted = b.items[1]
    assert (quoted.value, quoted.text, quoted.quoted) == ("0.5", "0.5", True)
    assert quoted.mark == Mark(4, 5)


@pytest.mark.parametrize("text, value", [
    ("1e-3", 0.001), ("1E3", 1000.0), ("+.5", 0.5), ("-0", 0), ("2.", 2.0), ("7", 7),
    ("true", True), ("False", False), ("~", None), ("null", None), ("", None),
    ("tanh", "tanh"), ("0x10", "0x10"), ("1_000", "1_000"), ("1/2", "1/2"), ("yes", "yes"),
    ("nan", "nan"), ("inf", "inf"),
])
def test_plain_scalars_resolve(text, value):
    node = parse(f"v: {text}\n", "f.yaml").items["v"]
    assert node.value == value and type(node.value) is type(value)
    assert node.text == text


@pytest.mark.parametrize("text", ['"1"', "'-0.60'", '"true"', "'~'", '""'])
def test_quoted_scalars_stay_strings(text):
    node = parse(f"v: {text}\n", "f.yaml").items["v"]
    assert isinstance(node.value, str) and node.quoted
    assert node.value == text[1:-1]


def test_columns_count_characters_not_bytes():
    root = parse("a: [ĥ₁😀, x]\nb: é\n", "f.yaml")
    assert root.items["a"].items[1].mark == Mark(1, 10)
    assert root.items["b"].value == "é"


def test_crlf_and_bom_are_fine(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + b"a: 1\r\nb: [2, 3]\r\n")
    root = read(path)
    assert root.items["b"].items[1].mark == Mark(2, 8)


@pytest.mark.parametrize("text, line, col, words", [
    ("a: 1\nb: !!str 2\n", 2, 4, "tags"),
    ("a: &x 1\n", 1, 4, "anchors"),
    ("a: [1]\nb: *x\n", 2, 4, "aliases"),
    ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"),
    ("a: .nan\n", 1, 4, "not a finite number"),
    ("a: [1, -.inf]\n", 1, 8, "not a finite number"),
    ("a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document"),
])
def test_parse_rejects_with_a_mark(text, line, col, words):
    with pytest.raises(BptutorError) as info:
        parse(text, "f.yaml")
    assert info.value.mark == Mark(line, col)
    assert words in info.value.message


# -- through the command line -----------------------------------------------------------------

def test_the_good_file_solves(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(GOOD)
    assert solve(path)[0] == 0


def test_one_e_minus_three_is_a_number(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(GOOD.replace("[[0.2, -0.5]]", "[[1e-3, -0.5]]"))
    assert solve(path)[0] == 0


def test_duplicate_key_names_the_first_line(tmp_path):
    fails_at(tmp_path, GOOD + "loss: half_squared_error\n", 11, 1, "duplicate key 'loss'",
             hint="already set on line 2")


def test_duplicate_key_in_a_layer(tmp_path):
    text = GOOD.replace("activation: tanh\n", "activation: tanh\n      activation: relu\n")
    fails_at(tmp_path, text, 8, 7, "duplicate key 'activation'", hint="line 7")


def test_duplicate_key_written_once_quoted(tmp_path):
    fails_at(tmp_path, GOOD + '"target": [0]\n', 11, 1, "duplicate key 'target'", hint="line 10")


def test_python_object_tag(tmp_path):
    err = fails_at(tmp_path, GOOD.replace("target: [1]", "target: !!python/object:os.system [1]"),
                   10, 9, "tags", "not allowed", hint="remove the tag")
    assert "!!python/object:os.system" in err


@pytest.mark.parametrize("tagged", ["!foo [1]", "! [1]", "[!!float '1']", "!!str 1"])
def test_any_tag(tmp_path, tagged):
    col = 10 if tagged.startswith("[") else 9
    fails_at(tmp_path, GOOD.replace("target: [1]", f"target: {tagged}"), 10, col, "tags")


def test_tag_on_a_key(tmp_path):
    fails_at(tmp_path, "!!str bptutor: 1\n" + GOOD.split("\n", 1)[1], 1, 1, "tags")


def test_anchor(tmp_path):
    fails_at(tmp_path, GOOD.replace("input: [1, 0]", "input: &a [1, 0]"), 9, 8,
             "anchors (&name) are not allowed")


def test_alias(tmp_path):
    fails_at(tmp_path, GOOD.replace("target: [1]", "target: *a"), 10, 9,
             "aliases (*name) are not allowed")


def test_anchor_and_alias_together(tmp_path):
    text = GOOD.replace("input: [1, 0]", "input: &a [1, 0]").replace("target: [1]", "target: *a")
    fails_at(tmp_path, text, 9, 8, "anchors")


@pytest.mark.parametrize("value, col", [("abc", 23), ("true", 23), ("~", 23), ("'0.5'", 23),
                                        ("[1]", 23), ("0x10", 23), ("−0.5", 23)])
def test_a_weight_that_is_not_a_number(tmp_path, value, col):
    fails_at(tmp_path, GOOD.replace("[[0.2, -0.5]]", f"[[0.2, {value}]]"), 8, col,
             "a weight in layer 1 must be a number")


@pytest.mark.parametrize("value, words", [
    (".nan", "not a finite number"), (".inf", "not a finite number"),
    ("-.Inf", "not a finite number"), (".NaN", "not a finite number"),
    ("1e999", "too large"), ("9" * 400, "too large"), ("-" + "9" * 5000, "too large"),
])
def test_non_finite_or_huge_weights(tmp_path, value, words):
    err = fails_at(tmp_path, GOOD.replace("[[0.2, -0.5]]", f"[[{value}, -0.5]]"), 8, 18, words)
    assert len(err) < 300  # a 5000-digit number is not echoed in full


def test_huge_integer_input(tmp_path):
    fails_at(tmp_path, GOOD.replace("input: [1, 0]", f"input: [{'1' * 320}, 0]"), 9, 9,
             "too large")


def test_empty_file(tmp_path):
    fails_at(tmp_path, "", 1, 1, "the file is empty")


def test_only_comments(tmp_path):
    fails_at(tmp_path, "# a problem\n\n   # to come\n", 1, 1, "the file is empty")


def test_only_a_document_marker(tmp_path):
    fails_at(tmp_path, "# nothing yet\n---\n", 3, 1, "holds no problem", hint="bptutor: 1")


def test_unclosed_flow_list(tmp_path):
    fails_at(tmp_path, GOOD.replace("[[0.2, -0.5]]", "[[0.2, -0.5]"), 9, 1, "not valid YAML",
             "flow sequence")


def test_tab_indented_mess(tmp_path):
    fails_at(tmp_path, "bptutor: 1\nnetwork:\n\tinputs: 2\n\tlayers: []\n", 3, 1,
             "not valid YAML")


def test_bad_indentation(tmp_path):
    fails_at(tmp_path, "bptutor: 1\nloss: squared_error\n  network: 3\n", 3, 10, "not valid YAML")


def test_two_documents(tmp_path):
    fails_at(tmp_path, GOOD + "---\n" + GOOD, 11, 1, "more than one YAML document",
             hint="second '---'")


def test_document_end_then_more(tmp_path):
    fails_at(tmp_path, GOOD + "...\nfoo: 1\n", 12, 1, "YAML")  # libyaml: no '---' there


def test_a_second_document_is_refused_before_its_syntax_error(tmp_path):
    fails_at(tmp_path, GOOD + "---\nweights: [[1, 2]\n", 11, 1, "more than one YAML document")


@pytest.mark.parametrize("top", ["- 1\n- 2\n", "hello\n", "5\n", "[bptutor, 1]\n"])
def test_top_level_not_a_mapping(tmp_path, top):
    fails_at(tmp_path, top, 1, 1, "a problem file must be a mapping")


def test_key_that_is_a_list(tmp_path):
    fails_at(tmp_path, "? [a, b]\n: 1\n" + GOOD, 1, 3, "a key must be a plain name")


def test_binary_file(tmp_path):
    fails_at(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", 1, 1, "not UTF-8")


def test_non_utf8_on_a_later_line(tmp_path):
    fails_at(tmp_path, GOOD.encode().replace(b"[x1, x2]", b"[x1, x\xe92]"), 4, 1, "not UTF-8")


def test_utf16_file(tmp_path):
    fails_at(tmp_path, GOOD.encode("utf-16"), 1, 1, "not UTF-8")


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b"])
def test_control_character_is_located(tmp_path, char):
    text = GOOD.replace("loss: squared_error", f"loss: squa{char}red_error")
    fails_at(tmp_path, text, 2, 11, f"control character U+{ord(char):04X}")


def test_control_character_after_wide_characters(tmp_path):
    # libyaml reports a byte offset; the column must still count characters
    fails_at(tmp_path, "title: ééé\x07\n" + GOOD, 1, 11, "control character")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_deeply_nested_lists(tmp_path, depth):
    text = GOOD.replace("[[0.2, -0.5]]", "[" * depth + "]" * depth)
    # the weights list is the fifth level (problem, network, layers, layer, weights)
    fails_at(tmp_path, text, 8, 16 + MAX_DEPTH - 4, "nested more than", hint="[[1, 2]]")


def test_deeply_nested_mappings(tmp_path):
    fails_at(tmp_path, "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n" + GOOD, 1,
             4 + 4 * (MAX_DEPTH - 1), "nested more than")


def test_oversized_file(tmp_path):
    fails_at(tmp_path, GOOD + "#" * 1_000_001 + "\n", 1, 1, "larger than the limit")


OVERSIZED = ("error: the file is larger than the limit of 1,000,000 bytes\n"
             "hint: an exercise file is a few kilobytes\n")


@pytest.mark.parametrize("command, text", [
    ("check", "problem: tanh-chain\nanswers:\n"),  # an answers file
    ("template", GOOD),  # a problem, through another command
])
def test_oversized_file_through_every_reader(tmp_path, command, text):
    path = tmp_path / "big.yaml"
    path.write_text(text + "#" * 1_000_001 + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"{path}:1:1: {OVERSIZED}"


def test_long_digit_run_ending_in_a_letter_is_refused_promptly(tmp_path):
    # the number pattern split a digit run two ways and backtracked quadratically: minutes
    # for 100,000 digits (the fuzz test's 1 s per run caught it)
    start = time.perf_counter()
    fails_at(tmp_path, GOOD.replace("[[0.2, -0.5]]", f"[[{'9' * 100_000}x, -0.5]]"), 8, 18,
             "a weight in layer 1 must be a number, not '999")
    assert time.perf_counter() - start < 1.0


def test_non_finite_numbers_can_be_kept_for_answers_files():
    root = parse("a: 1e999\nb: .nan\nc: -.inf\n", "f.yaml", finite=False)
    assert root.items["a"].value == math.inf
    assert [root.items[k].text for k in "abc"] == ["1e999", ".nan", "-.inf"]
    assert all(math.isnan(root.items[k].value) for k in "bc")  # the text says which


def test_missing_file(tmp_path):
    code, err = solve(tmp_path / "missing.yaml")
    assert code == 2
    assert err.startswith(f"{tmp_path / 'missing.yaml'}:1:1: error: no such file")


def test_directory(tmp_path):
    code, err = solve(tmp_path)
    assert code == 2
    assert err.startswith(f"{tmp_path}:1:1: error: this is a folder, not a file")


def test_endless_device_is_not_read_forever():
    code, err = solve("/dev/zero")
    assert code == 2 and err.startswith("/dev/zero:1:1: error: the file is larger than")


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(GOOD.replace("input: [1, 0]", "input: &a [1, 0]"))
    proc = subprocess.run([sys.executable, "-m", "bptutor", "solve", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{path}:9:8: error: anchors")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


# -- the fast path for flat files: the strict reader's tree, or None ---------------------------

def strict(text: str, finite: bool, loader: type) -> object:
    """What the strict reader makes of ``text``: its tree, or its error as data."""
    try:
        return _parse(text, "f.yaml", finite, loader)
    except BptutorError as error:
        return ("error", error.message, error.mark, error.hint)


def public(text: str, finite: bool) -> object:
    try:
        return parse(text, "f.yaml", finite)
    except BptutorError as error:
        return ("error", error.message, error.mark, error.hint)


LOADERS = [yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)]

# the parts of a line: what a flat file holds, and near-misses of every kind
GOOD_KEYS = ["a", "problem", "answers", "z(q)", "dE/dw1", "new(W1[1,2])", "E#9", "h'",
             "delta(o5)#2", "_x", "null", "true", "Yes", "x" * 999, '"dE/dW1[1,2]"',
             '"a b: #c"', '"σ′"']
BAD_KEYS = ["x" * 1030, '"' + "x" * 1020 + '"', '""', '"a\\"b"', '"a\\tb"', "'q'", '"q',
            "[1,2]", "ü", "-a", "? a", "a b", "a:b", "&a", "!t", "1", "~", "*x", "%x", "a\tb"]
GOOD_VALUES = ["", "1", "-0.60", "1e-3", "-1E+3", "1e999", "-1e999", "9" * 400, "~", "null",
               "true", "False", ".nan", "-.inf", ".Inf", "+.5", "-1", "-.5", "+", ".", "...",
               "/p/a.yaml", "../p.yaml", "~/p", "student3", "Zoë", "é", "−0.5", "0x10",
               "1_000", "(x)", "3/4", "x?y", "a!b", "\\", "1\xa02"]
BAD_VALUES = ["-", "-x", "!t", "&a", "*a", "?x", ":x", "#x", ",x", "]x", "}x", "|x", ">x",
              "x#y", "x #y", "1,2", "[1, 2]", "{a: 1}", "[1,2]", "'x'", '"y"', "&a 1", "!t 1",
              "|", ">", "%x", "@x", "`x", "a b", "a: b", "a:b", "- item", "? x", "\xa0x", "a\tb"]
GAPS = [" ", " ", "  ", "   "]
BAD_GAPS = ["", "\t", " \t"]
ENDS = ["", "", " ", "  ", " #c", "  # ünï · ✓ \U0001F600", " #", " # a: [b] 'c", "   #\xa0"]
BAD_ENDS = ["#c", "\t", " #\t", " x", ": 1"]
INDENTS = [" ", "  ", "   ", "    "]
BAD_INDENTS = ["", " ", "  ", "     ", "\t", "  \t"]
COMMENTS = ["", "   ", "# c", "#", "  # c", "      # deeper", "# ---"]
BAD_LINES = ["\t# c", "---", "--- a: 1", "...", "%YAML 1.2", "- item", "  - item", "key",
             "  more", "[1, 2]", "{a: 1}", "a: b: c", "a:value", "\ufeffa: 1", "a: 1\r",
             "a: \x85b", "a: b\u2028", "a: \x07", "a: \x0c", "a: \uffff", "a: \x00"]
TEXT = st.text(max_size=5)  # any characters but lone surrogates, which no UTF-8 file holds


@st.composite
def flat_texts(draw) -> str:
    """Flat texts (root keys, each with a value or with lines indented under it, comments,
    blank lines), then none, one or a few of their parts replaced by a near-miss."""
    keys = st.sampled_from(GOOD_KEYS) | st.from_regex(r"[A-Za-z_][!-9;-~]{0,6}", fullmatch=True)
    values = st.sampled_from(GOOD_VALUES) | st.from_regex(r"-?[0-9]\.[0-9]{1,2}", fullmatch=True)

    def key_line(indent: str, empty: bool) -> list[str]:
        value = "" if empty else draw(values)
        gap = draw(st.sampled_from(GAPS if value else ["", " ", "  "]))
        return [indent, draw(keys), ":", gap, value, draw(st.sampled_from(ENDS)), "\n"]

    indent = draw(st.sampled_from(INDENTS))
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        lines.append(key_line("", nests := draw(st.booleans())))
        for _ in range(draw(st.integers(0, 6)) if nests else 0):
            lines.append([draw(st.sampled_from(COMMENTS)), "\n"] if draw(st.integers(0, 4)) == 0
                         else key_line(indent, draw(st.integers(0, 4)) == 0))
    endings = ["\r\n", "\r", "\n\t"]
    near_misses = [BAD_INDENTS, BAD_KEYS, [": ", "::", " :", "", ";"], BAD_GAPS, BAD_VALUES,
                   BAD_ENDS, endings]  # for each part of a key line
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2, 3]))):
        line = draw(st.sampled_from(lines))
        where = draw(st.integers(-1, len(line) - 1))
        if where == -1:  # a line of its own
            lines.insert(draw(st.integers(0, len(lines))), [draw(st.sampled_from(BAD_LINES)), "\n"])
        else:
            pools = near_misses if len(line) == len(near_misses) else [BAD_LINES, endings]
            line[where] = draw(TEXT if draw(st.integers(0, 3)) == 0
                               else st.sampled_from(pools[where]))
    text = "".join("".join(line) for line in lines)
    return text if draw(st.booleans()) else text.rstrip("\r\n")


def reads_as_the_strict_reader(text: str) -> bool:
    """Where the fast path reads ``text``, both strict readers give the same tree; ``parse``
    always gives the strict reader's tree or its very error and place. Fast path taken?"""
    taken = False
    for finite in (True, False):
        flat = _parse_flat(text, finite)
        if flat is not None:
            taken = True
            for loader in LOADERS:
                assert strict(text, finite, loader) == flat, (text, loader)
        assert public(text, finite) == strict(text, finite, LOADERS[-1]), text
    return taken


@settings(max_examples=800, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(flat_texts())
def test_the_fast_path_reads_exactly_as_the_strict_reader(text):
    event("fast path" if reads_as_the_strict_reader(text) else "strict path only")


def test_each_near_miss_alone_in_a_flat_file():
    """Every near-miss of the generator in each part of a root line and of a nested line:
    the property test above meets each of them only now and then."""
    lines = {"": "problem: p\n{}\nanswers:\n  z: 1\n",
             "  ": "problem: p\nanswers:\n  z: 1\n{}\n  w:\nend: 3"}
    endings = ["\r\n", "\r", "\n\t"]
    near_misses = [BAD_INDENTS, BAD_KEYS + GOOD_KEYS, [": ", "::", " :", "", ";"], BAD_GAPS,
                   BAD_VALUES + GOOD_VALUES, BAD_ENDS + ENDS, endings]
    taken = 0
    for indent, text in lines.items():
        for line in BAD_LINES + COMMENTS:
            taken += reads_as_the_strict_reader(text.format(line))
        good = [indent, "q", ":", " ", "-0.66", " # c", "\n"]
        for where, pool in enumerate(near_misses):
            for part in pool:
                line = "".join(good[:where] + [part] + good[where + 1:])
                taken += reads_as_the_strict_reader(text.format(line))
    assert taken > 100  # the good parts and comments: read by the fast path


def test_the_fast_path_marks_an_empty_value_just_after_its_colon():
    text = "problem: p\nanswers:   # mine\n\n  # forward\n  z(q):    # u1·x1\n  q: -0.66\n"
    root = _parse_flat(text, True)
    assert isinstance(root, Map) and root.mark == Mark(1, 1)
    answers = root.items["answers"]
    assert isinstance(answers, Map) and answers.mark == Mark(5, 3)
    assert answers.items["z(q)"] == Scalar(None, "", Mark(5, 8))
    assert answers.items["q"] == Scalar(-0.66, "-0.66", Mark(6, 6))
    assert answers.key_marks == {"z(q)": Mark(5, 3), "q": Mark(6, 3)}
    assert root == strict(text, True, LOADERS[-1])


def filled(template: str, values: dict[str, float]) -> str:
    """The template with each step answered as a student types it, just after the colon."""
    lines = []
    for line in template.split("\n"):
        match = re.fullmatch(r'(  "?(.+?)"?:) (.*)', line)
        if match and match[2] in values:
            line = f"{match[1]} {values[match[2]]:.2f} {match[3]}"
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("name", sorted(path.stem for path in PROBLEMS.glob("*.yaml")))
def test_the_fast_path_reads_every_template_empty_and_filled(run, solve_json, name):
    template = run("template", name).stdout
    steps = {step["key"]: step["value"] for step in solve_json(name)["steps"]}
    answered = filled(template, steps)
    assert answered.count("\n") == template.count("\n") and answered != template
    for text in (template, answered):
        flat = _parse_flat(text, False)
        assert flat is not None, text
        assert flat == strict(text, False, LOADERS[-1])
    answers = _parse_flat(answered, False).items["answers"]
    assert [node.value for node in answers.items.values()] == \
        [round(value, 2) for value in steps.values()]


def test_the_fast_path_reads_the_benchmark_answers_files(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_check", ROOT / "bench" / "check.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for path in bench.write_files(tmp_path, 20):
        text = path.read_text(encoding="utf-8")
        flat = _parse_flat(text, False)
        assert flat is not None and flat == strict(text, False, LOADERS[-1])
        assert isinstance(flat, Map) and flat.items["problem"].value == str(bench.PROBLEM)


@pytest.mark.parametrize("text", [
    GOOD,  # lists
    "problem: 'tanh-chain'\nanswers:\n  q: -0.66\n",  # a quoted value
    'problem: tanh-chain\nanswers:\n  q: "-0.66"\n',
    "problem: tanh-chain\nanswers:\n  q: -0.66\n  q: -0.67\n",  # the strict reader says where
    "problem: tanh-chain\nanswers:\n  q: 1e999\n",  # too large: the strict reader says so
    "problem: tanh-chain\nanswers:\n  q:\n    -0.66\n",  # a deeper level
    "problem: tanh\n  chain\n",  # a plain scalar on two lines
    "# nothing yet\n",
])
def test_the_fast_path_leaves_the_rest_to_the_strict_reader(text):
    assert _parse_flat(text, True) is None


def test_a_file_is_read_whole_up_to_the_limit_and_refused_beyond(tmp_path):
    """read_text asks for the size the file says it has: a file of exactly the limit is read
    whole, one byte more is refused."""
    from bptutor.files.yamlfile import MAX_FILE_BYTES, read_text

    line = "# " + "x" * 97 + "\n"
    at_limit = "a: 1\n" + line * ((MAX_FILE_BYTES - 5) // len(line))
    at_limit += "#" * (MAX_FILE_BYTES - len(at_limit) - 1) + "\n"
    assert len(at_limit.encode()) == MAX_FILE_BYTES
    path = tmp_path / "big.yaml"
    path.write_text(at_limit, encoding="utf-8")
    assert read_text(path) == at_limit
    path.write_text(at_limit + "#", encoding="utf-8")
    with pytest.raises(BptutorError, match="larger than the limit"):
        read_text(path)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes")
def test_a_pipe_is_read_to_its_end_in_many_pieces(tmp_path):
    """A FIFO has no size: it is read in pieces until its writer closes it."""
    import os

    from bptutor.files.yamlfile import read_text

    fifo = tmp_path / "long.fifo"
    os.mkfifo(fifo)
    text = "a: 1\n" + "# " + "y" * 300_000 + "\n"
    source = tmp_path / "source.yaml"
    source.write_text(text, encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-c", "import time\n"
                               f"text = open({str(source)!r}).read()\n"
                               f"f = open({str(fifo)!r}, 'w')\n"
                               "for part in (text[:1000], text[1000:]):\n"
                               "    f.write(part); f.flush(); time.sleep(0.2)\n"])
    try:
        assert read_text(fifo) == text
    finally:
        writer.wait(timeout=20)
