"""check's views with hostile and honest files: escaped student text, formula-proof CSV,
the problem each file was marked against everywhere, Gradescope's reveal, answers as written."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from conftest import PROBLEMS

from bptutor.views.gradebook import csv_cell, json_text

ESC_NAME = '"\\e[2J\\e[32mscore 27/27\\e[0m\\nfake: 27/27"'  # YAML escapes: ESC, newline


@pytest.fixture
def run():
    """run(*args, env=…) -> the real command line's result, stdout and stderr apart."""
    from typer.testing import CliRunner

    from bptutor.cli import app

    def invoke(*args: str, env: dict | None = None):
        return CliRunner().invoke(app, [str(a) for a in args], env=env,
                                  catch_exceptions=False)

    return invoke


def _write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "evil.yaml", f"problem: tanh-chain\nstudent: {ESC_NAME}\nanswers:\n"
                                  '  z(q): -0.80\n  "q\\e[31m": "\\e[2Jx"\n  dE/dq: "1\\u202e2"\n')
    _write(tmp_path, "formula.yaml", 'problem: tanh-chain\nstudent: "=HYPERLINK(\\"http://x\\")"\n'
                                     "answers:\n  q: -0.66\n")
    return tmp_path


def test_no_control_character_reaches_the_terminal(run, hostile):
    result = run("check", "evil.yaml", "formula.yaml")
    for stream in (result.stdout, result.stderr):
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", stream)
    assert "\\x1b[2J\\x1b[32mscore 27/27\\x1b[0m\\nfake: 27/27" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("fake")]
    assert "q\\x1b[31m" in result.stdout and "\\x1b[2Jx" in result.stdout
    assert "1\\u202e2" in result.stdout


def test_an_escaped_file_name_in_an_error(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "a\x1b[2J.yaml"
    _write(tmp_path, name, "problem: tanh-chain\nanswers: [1\n")
    result = run("check", name)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and result.stderr.startswith("a\\x1b[2J.yaml:")


def test_answers_are_shown_as_written(run, hostile):
    result = run("check", "evil.yaml", env={"COLUMNS": "200"})
    assert re.search(r"^z\(q\)\s+│\s+-0\.80\s+│\s+-0\.80\s+│ ✓ correct", result.stdout, re.M)


def test_json_escapes_what_json_leaves_raw_and_keeps_the_data(run, hostile):
    doc = {"student": "a\x9bb\u202ec\x1bd"}
    text = json_text(doc)
    assert "\x9b" not in text and "\u202e" not in text and "\x1b" not in text
    assert json.loads(text) == doc
    result = run("check", "evil.yaml", "-f", "json")
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", result.stdout)
    [entry] = json.loads(result.stdout)["files"]
    items = {item["key"]: item for item in entry["items"]}
    assert items["q\x1b[31m"]["given"] == "\x1b[2Jx"  # the data itself is unchanged


@pytest.mark.parametrize("cell, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd", "'+cmd"),
    ("-1+2", "'-1+2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-0.5", "-0.5"), ("+3", "+3"), ("1e-3", "1e-3"), ("-.5", "-.5"), ("Ada", "Ada"),
    ("27", "27"), ("", ""),
])
def test_csv_cells_cannot_be_formulas_but_numbers_stay_numbers(cell, safe):
    assert csv_cell(cell) == safe


def test_the_gradebook_neutralises_formulas(run, hostile):
    result = run("check", "evil.yaml", "formula.yaml", "--csv", "grades.csv")
    assert result.exit_code == 1
    with open(hostile / "grades.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[1]["student"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["student"] == "\\x1b[2J\\x1b[32mscore 27/27\\x1b[0m\\nfake: 27/27"
    assert (rows[1]["score"], rows[1]["max_score"], rows[1]["status"]) == ("1", "27", "marked")
    assert rows[1]["problem"] == "tanh-chain" and len(rows[1]["sha256"]) == 12


def test_every_view_says_what_a_file_was_marked_against_and_flags_another(run, tmp_path,
                                                                           monkeypatch):
    import hashlib

    monkeypatch.chdir(tmp_path)
    exam = tmp_path / "exam.yaml"
    exam.write_bytes((PROBLEMS / "tanh-chain.yaml").read_bytes().replace(b"[[0.2, -5]]",
                                                                         b"[[0.2, -4]]"))
    digest = hashlib.sha256(exam.read_bytes()).hexdigest()[:12]
    _write(tmp_path, "cem.yaml", "problem: exam.yaml\nstudent: Cem\nanswers:\n  q: -0.66\n")
    _write(tmp_path, "bob.yaml", "problem: tanh-chain\nstudent: Bob\nanswers:\n  q: -0.66\n")
    _write(tmp_path, "dan.yaml", "problem: tanh-chain\nstudent: Dan\nanswers: [\n")
    files = ("cem.yaml", "bob.yaml", "dan.yaml")
    rich = run("check", *files, "--problem", "exam.yaml", "--csv", "g.csv",
               env={"COLUMNS": "200"})
    assert rich.exit_code == 2  # dan's file could not be marked
    assert rich.stdout.count(f"marked against exam.yaml (sha256 {digest})") == 2
    assert "⚠ flagged: the file names another problem: tanh-chain (sha256" in rich.stdout
    assert re.search(r"bob\.yaml\s+│ Bob\s+│\s+1/27 │ flagged: names another problem", rich.stdout)
    assert re.search(r"dan\.yaml\s+│\s+│\s+— │ error", rich.stdout)
    assert "1 file(s) name another problem" in rich.stdout
    with open("g.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["status"], r["problem"], r["sha256"]) for r in rows] == [
        ("cem.yaml", "marked", "exam.yaml", digest), ("bob.yaml", "mismatch", "exam.yaml", digest),
        ("dan.yaml", "error", "", "")]
    doc = json.loads(run("check", *files, "-p", "exam.yaml", "-f", "json").stdout)
    assert [(f["path"], f["status"]) for f in doc["files"]] == [
        ("cem.yaml", "marked"), ("bob.yaml", "mismatch"), ("dan.yaml", "error")]
    assert doc["files"][1]["problem"] == {"name": "exam.yaml", "sha256": digest}
    assert doc["files"][1]["note"].startswith("the file names another problem: tanh-chain")
    scope = json.loads(run("check", "bob.yaml", "-p", "exam.yaml", "-f", "gradescope").stdout)
    assert scope["output"].startswith(f"marked against exam.yaml (sha256 {digest})\nflagged: ")
    broken = run("check", "dan.yaml", "-f", "gradescope")
    assert broken.exit_code == 2
    assert json.loads(broken.stdout)["output"].startswith("not marked: dan.yaml:4:1: error:")


def test_files_marked_against_different_problems_are_pointed_out(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
    _write(tmp_path, "b.yaml", "problem: xor\nanswers:\n  E: 1\n")
    result = run("check", "a.yaml", "b.yaml", env={"COLUMNS": "200"})
    assert "⚠ the files were marked against different problems" in result.stdout


def test_gradescope_reveals_as_much_as_asked(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  dE/dw1: -0.24\n")
    outputs = {}
    for reveal in ("verdict", "diagnosis", "answer"):
        doc = json.loads(run("check", "a.yaml", "-f", "gradescope", "--reveal", reveal).stdout)
        outputs[reveal] = {t["name"]: t["output"] for t in doc["tests"]}["dE/dw1"]
    assert outputs["verdict"] == "wrong"
    assert outputs["diagnosis"] == "wrong: the sign is flipped"
    assert outputs["answer"] == ("wrong: the sign is flipped\nexpected 0.24\n"
                                 "dE/dw1 = dE/dy·tanh′(z(y))·p1 = -3.88·(1 - (-0.94)²)·(-0.53) "
                                 "= 0.24")


def test_csv_dash_is_standard_output(run, tmp_path, monkeypatch):
    # --csv - prints the gradebook: '-' is standard output for every writer
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
    result = run("check", "a.yaml", "-f", "json", "--csv", "-")
    assert not (tmp_path / "-").exists()
    text = result.stdout[result.stdout.index("file,student"):]
    assert list(csv.DictReader(io.StringIO(text)))[0]["q"] == "correct"


def _whole_document(outcomes) -> str:
    """check -f json as it was printed before it was streamed: the whole document at once,
    indented by json.dumps, then the terminal-controlling characters escaped."""
    text = json.dumps({"files": [o.as_json() for o in outcomes]}, indent=2, ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                  lambda m: f"\\u{ord(m.group()):04x}", text)


def test_streamed_json_is_the_whole_document_as_before(run, hostile):
    from bptutor.tools.marking import mark_files

    _write(hostile, "broken.yaml", "problem: tanh-chain\nanswers: [1, 2\n")
    _write(hostile, "other.yaml", "problem: xor\nanswers:\n  E: 1\n")
    files = ["evil.yaml", "broken.yaml", "formula.yaml", "other.yaml"]
    outcomes = mark_files(files).outcomes
    result = run("check", *files, "-f", "json")
    assert result.stdout == _whole_document(outcomes) + "\n"
    assert result.exit_code == 2 and "broken.yaml:3:1: error" in result.stderr
    one = run("check", "formula.yaml", "-f", "json")
    assert one.stdout == _whole_document(mark_files(["formula.yaml"]).outcomes) + "\n"
    assert one.exit_code == 1  # the other steps are missing


def test_the_json_stream_of_no_file_is_an_empty_list():
    from bptutor.views.gradebook import JsonFiles

    stream = JsonFiles()
    assert json.loads(stream.OPENING + stream.closing()) == {"files": []}
    assert stream.OPENING + stream.closing() == json.dumps({"files": []}, indent=2)


def test_gradebook_columns_are_each_step_once_in_order_of_first_appearance(tmp_path):
    from bptutor.tools.marking import mark_files
    from bptutor.views.gradebook import gradebook_csv

    _write(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n  nope: 1\n")
    _write(tmp_path, "b.yaml", "problem: xor\nanswers:\n  E: 1\n")
    outcomes = mark_files([tmp_path / "a.yaml", tmp_path / "b.yaml"]).outcomes
    header = next(csv.reader(io.StringIO(gradebook_csv(outcomes))))
    steps = [[i.key for i in o.items if i.verdict != "unknown"] for o in outcomes]
    expected = steps[0] + [k for k in steps[1] if k not in steps[0]]  # xor shares no key
    assert header[7:] == expected and len(set(header[7:])) == len(header[7:])
    assert "nope" not in header


def _gradebook_as_before(outcomes) -> str:
    """--csv as written before the gradebook kept rows instead of reports (the reference)."""
    from bptutor.tools.grading import Report
    from bptutor.tools.marking import Unmarked
    from bptutor.views.terminal import printable

    keys: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, Report):
            keys += [i.key for i in outcome.items if i.verdict != "unknown" and i.key not in keys]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file", "student", "score", "max_score", "status", "problem", "sha256",
                     *map(csv_cell, keys)])
    for outcome in outcomes:
        if isinstance(outcome, Unmarked):
            cells = [outcome.path, outcome.student or "", "", "", outcome.status, "", ""]
            writer.writerow([csv_cell(printable(c)) for c in cells])
            continue
        verdicts = {item.key: item.verdict for item in outcome.items}
        problem = outcome.problem
        score = f"{outcome.score:g}"
        row = [outcome.path, outcome.student or "", score, str(outcome.max_score),
               outcome.status, problem.name if problem else "", problem.sha256 if problem else "",
               *(verdicts.get(key, "") for key in keys)]
        writer.writerow([csv_cell(printable(str(c))) for c in row])
    return out.getvalue()


def test_gradebook_is_as_before_and_kept_without_the_reports(run, hostile):
    from bptutor.tools.marking import mark_files
    from bptutor.views.gradebook import gradebook_csv

    _write(hostile, "broken.yaml", "problem: tanh-chain\nanswers: [1, 2\n")
    _write(hostile, "other.yaml", "problem: xor\nanswers:\n  E: 1\n  z(q): 2\n")
    _write(hostile, "empty.yaml", "problem: tanh-chain\nanswers:\n")
    files = ["evil.yaml", "broken.yaml", "formula.yaml", "other.yaml", "empty.yaml"]
    outcomes = mark_files(files).outcomes
    empty = outcomes[-1]
    empty.items = []  # a report with no row of verdicts still gets every column
    assert gradebook_csv(outcomes) == _gradebook_as_before(outcomes)
    for fmt in ("json", "rich"):
        result = run("check", *files, "-f", fmt, "--csv", f"g-{fmt}.csv")
        assert result.exit_code == 2
        with open(f"g-{fmt}.csv", encoding="utf-8", newline="") as handle:
            assert handle.read() == gradebook_csv(mark_files(files).outcomes)


def _terminal_report(report) -> str:
    from rich.console import Console

    from bptutor.views import check_view

    console = Console(file=io.StringIO(), width=80, color_system=None, highlight=False)
    check_view.print_report(console, report)
    return console.file.getvalue()


def test_a_report_shows_its_own_sheets_numbers_after_another_sheets(tmp_path):
    """The per-step text kept for a class (keys, expected values, worked steps) is the sheet's
    own: the same keys marked against a sheet with other numbers show those numbers."""
    from bptutor.files import answers
    from bptutor.files.problems import load
    from bptutor.sheet.worksheet import solve
    from bptutor.tools.grading import Grader
    from bptutor.views import check_view

    text = (PROBLEMS / "tanh-chain.yaml").read_text(encoding="utf-8")
    other = _write(tmp_path, "other.yaml", text.replace("input: [1, 0, 1]", "input: [1, 1, 0]"))
    sheets = [solve(load(PROBLEMS / "tanh-chain.yaml")), solve(load(other))]
    assert sheets[0].values["q"] != sheets[1].values["q"]
    path = _write(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  q: 0.42\n  y: 0.5\n")
    reports = [Grader(sheet).grade(answers.load(path)) for sheet in sheets]
    fresh = []
    for report in reports:
        check_view._LAST_SHEET.clear()
        fresh.append(_terminal_report(report))
    for report, alone in zip(reports * 2, fresh * 2):  # one after the other, twice
        assert _terminal_report(report) == alone
    for sheet, shown in zip(sheets, fresh):
        worked_q = next(line for line in shown.splitlines() if "q = " in line)
        assert f"= {sheet.show_value('q', sheet.values['q'])}" in worked_q
