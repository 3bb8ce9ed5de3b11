"""Marking a class set: each file's report or error, each problem solved once, check's exit
codes. (The verdicts themselves are tests/tools/test_grading.py's.)"""

from __future__ import annotations

import pytest

from bptutor.errors import BptutorError
from bptutor.tools import marking
from bptutor.tools.grading import Report
from bptutor.tools.marking import Marking, Unmarked, grade, mark_each, mark_files


def _answers(folder, name: str, body: str):
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def test_a_broken_file_is_its_error_and_the_others_are_marked(tmp_path):
    right = _answers(tmp_path, "right.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
    broken = _answers(tmp_path, "broken.yaml", "problem: tanh-chain\nanswers: [1, 2\n")
    wrong = _answers(tmp_path, "wrong.yaml", "problem: tanh-chain\nanswers:\n  q: 0.66\n")
    seen = []
    result = mark_files([right, broken, wrong], on_each=seen.append)
    assert [type(outcome) for outcome in seen] == [Report, Unmarked, Report]
    assert result.outcomes == seen  # a row per file, in order
    assert [report.path for report in result.reports] == [str(right), str(wrong)]
    assert [e.path for e in result.errors] == [str(broken)]
    assert seen[1].path == str(broken) and seen[1].status == "error"
    assert result.exit_code == 2


def test_exit_codes_follow_check(tmp_path):
    right = grade(_answers(tmp_path, "r.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n"))
    right.items = [i for i in right.items if i.verdict == "correct"]
    wrong = grade(_answers(tmp_path, "w.yaml", "problem: tanh-chain\nanswers:\n  q: 0.66\n"))
    flagged = grade(_answers(tmp_path, "f.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n"))
    flagged.items, flagged.status = right.items, "mismatch"
    broken = Unmarked("b.yaml", BptutorError("b.yaml", None, "bad"))
    assert right.all_right and not wrong.all_right and flagged.all_right
    assert Marking([right]).exit_code == 0
    assert Marking([right, wrong]).exit_code == 1
    assert Marking([right, flagged]).exit_code == 1  # all right, but for another problem
    assert Marking([right, broken]).exit_code == 2
    assert Marking().exit_code == 0


def test_each_problem_is_solved_once(tmp_path, monkeypatch):
    solved = []
    real = marking.Graders.for_answers

    def counting(self, answers):
        grader = real(self, answers)
        solved.append(id(grader))
        return grader

    monkeypatch.setattr(marking.Graders, "for_answers", counting)
    paths = [_answers(tmp_path, f"s{i}.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
             for i in range(3)]
    reports = list(mark_each(paths))
    assert len(reports) == 3 and len(set(solved)) == 1


def test_grade_reads_the_file_or_takes_one_read(tmp_path):
    from bptutor.files.answers import load

    path = _answers(tmp_path, "a.yaml", "problem: tanh-chain\nanswers:\n  dE/dq: 1.07\n")
    by_path, by_file = grade(path), grade(load(path))
    [item] = [i for i in by_path.items if i.key == "dE/dq"]
    assert (item.verdict, item.diagnosis) == ("wrong", "sign")
    assert [(i.key, i.verdict) for i in by_file.items] == [
        (i.key, i.verdict) for i in by_path.items]


def test_grade_of_a_missing_problem_is_located_at_its_line(tmp_path):
    path = _answers(tmp_path, "a.yaml", "student: x\nproblem: nowhere.yaml\nanswers: {}\n")
    with pytest.raises(BptutorError) as caught:
        grade(path)
    assert (caught.value.path, caught.value.mark.line) == (str(path), 2)


# -- integrity: what a file is marked against ---------------------------------------------------

def _sha(path) -> str:
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _exam(folder):
    """exam.yaml: the tanh sheet with w2 = -4, so its numbers differ from the bundled one's."""
    from conftest import PROBLEMS

    text = (PROBLEMS / "tanh-chain.yaml").read_text(encoding="utf-8")
    path = folder / "exam.yaml"
    path.write_text(text.replace("weights: [[0.2, -5]]", "weights: [[0.2, -4]]"),
                    encoding="utf-8")
    return path


def test_problem_marks_every_file_against_it_and_flags_the_others(tmp_path):
    from conftest import PROBLEMS

    exam = _exam(tmp_path)
    cem = _answers(tmp_path, "cem.yaml", "problem: exam.yaml\nanswers:\n  z(y): -1.39\n")
    # bob names the bundled problem, whose solution is public: y, E, ... of *that* sheet
    bob = _answers(tmp_path, "bob.yaml", "problem: tanh-chain\nanswers:\n  z(y): -1.71\n")
    own = grade(bob)
    assert own.score == 1 and own.problem.sha256 == _sha(PROBLEMS / "tanh-chain.yaml")
    marking = mark_files([cem, bob], problem=str(exam))
    cem_report, bob_report = marking.reports
    for report in marking.reports:  # both marked against the exam, by name and content
        assert (report.problem.name, report.problem.sha256) == (str(exam), _sha(exam))
        assert report.sheet.values["z(y)"] == -1.39  # 0.2·(-0.53) - 4·0.32
    assert (cem_report.status, cem_report.score) == ("marked", 1)
    assert (bob_report.status, bob_report.score) == ("mismatch", 0)
    assert bob_report.note == ("the file names another problem: tanh-chain (sha256 "
                               f"{_sha(PROBLEMS / 'tanh-chain.yaml')})")
    assert marking.exit_code == 1


def test_a_copy_of_the_problem_is_the_same_problem(tmp_path):
    exam = _exam(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "copy.yaml").write_bytes(exam.read_bytes())
    ada = _answers(tmp_path / "sub", "ada.yaml", "problem: copy.yaml\nanswers:\n  q: -0.66\n")
    [report] = mark_files([ada], problem=str(exam)).reports
    assert report.status == "marked" and report.note == ""


def test_a_file_naming_something_unusable_is_flagged_not_read(tmp_path):
    exam = _exam(tmp_path)
    odd = _answers(tmp_path, "odd.yaml", "problem: /dev/zero\nanswers:\n  q: -0.66\n")
    [report] = mark_files([odd], problem=str(exam)).reports
    assert report.status == "mismatch"
    assert report.note == ("the file names another problem, which cannot be used: problem "
                           "'/dev/zero': this is a device, not a problem file")


@pytest.mark.parametrize("named, words", [
    ("/dev/null", "this is a device, not a problem file"),
    ("/dev/stdin", "this is a device, not a problem file"),
    (".", "this is a folder, not a problem file"),
])
def test_a_problem_must_be_a_regular_file(tmp_path, named, words):
    path = _answers(tmp_path, "a.yaml", f"student: x\nproblem: {named}\nanswers: {{}}\n")
    with pytest.raises(BptutorError) as caught:
        grade(path)
    assert (caught.value.path, caught.value.mark.line, caught.value.mark.col) == (
        str(path), 2, 10)
    assert caught.value.message.startswith("problem '")
    assert caught.value.message.endswith(f"': {words}")


def test_an_error_in_the_named_file_never_quotes_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password: hunter2\nkey: sk-12345\n", encoding="utf-8")
    path = _answers(tmp_path, "a.yaml", f"problem: {secret}\nanswers:\n  q: -0.66\n")
    marking = mark_files([path])
    [error] = marking.errors
    assert (error.path, error.mark.line, error.mark.col) == (str(path), 1, 10)
    shown = str(error)
    assert "hunter2" not in shown and "password" not in shown and "sk-12345" not in shown
    assert "is not a valid problem file (its first error is at line 1, column 1)" in shown
    passwd = _answers(tmp_path, "p.yaml", "problem: /etc/passwd\nanswers:\n  q: -0.66\n")
    [error] = mark_files([passwd]).errors
    assert "root:" not in str(error) and "/bin/" not in str(error) and error.path == str(passwd)


def test_a_file_that_cannot_be_marked_keeps_its_row_and_name(tmp_path):
    bad = _answers(tmp_path, "bad.yaml", "problem: tanh-chain\nstudent: Eve\nanswers:\n"
                                         "  q: 1\n  q: 2\n")
    gone = _answers(tmp_path, "gone.yaml", "problem: nowhere.yaml\nstudent: Dan\nanswers: {}\n")
    marking = mark_files([bad, gone])
    assert [(o.path, o.status, o.student) for o in marking.outcomes] == [
        (str(bad), "error", None), (str(gone), "error", "Dan")]
    doc = marking.outcomes[1].as_json()
    assert (doc["score"], doc["max_score"], doc["items"], doc["problem"]) == (None, None, [], None)
    assert doc["error"].startswith(f"{gone}:1:10: error: problem ")


def test_a_bundled_name_and_a_file_of_that_name(tmp_path, monkeypatch):
    # "tanh-chain" is the bundled problem unless a file of that name sits beside the answers
    from conftest import PROBLEMS

    monkeypatch.chdir(tmp_path)
    by_name = _answers(tmp_path, "n.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
    assert grade(by_name).problem.sha256 == _sha(PROBLEMS / "tanh-chain.yaml")
    exam = _exam(tmp_path)
    (tmp_path / "tanh-chain").write_bytes(exam.read_bytes())
    assert grade(by_name).problem.sha256 == _sha(exam)


def test_counted_without_keeping_the_outcomes(tmp_path):
    right = _answers(tmp_path, "r.yaml", "problem: tanh-chain\nanswers:\n  q: -0.66\n")
    wrong = _answers(tmp_path, "w.yaml", "problem: tanh-chain\nanswers:\n  q: 0.66\n")
    broken = _answers(tmp_path, "b.yaml", "problem: tanh-chain\nanswers: [1, 2\n")
    for files in ([right], [right, wrong], [wrong, right], [right, broken, wrong]):
        kept = mark_files(files)
        counted = mark_files(files, keep=False)
        assert counted.outcomes == [] and len(kept.outcomes) == len(files)
        assert counted.exit_code == kept.exit_code == Marking(kept.outcomes).exit_code
    assert [mark_files(f, keep=False).exit_code for f in ([wrong], [broken, right])] == [1, 2]
