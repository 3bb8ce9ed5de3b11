"""Marking a class set: each file's report or error, each problem solved once, check's exit
codes. (The verdicts themselves are tests/tools/test_grading.py's.)"""

from __future__ import annotations

import pytest

from bptutor.errors import BptutorError
from bptutor.tools import marking
from bptutor.tools.marking import Marking, grade, mark_each, mark_files


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
    assert [type(outcome) for outcome in seen] == [type(result.reports[0]), BptutorError,
                                                   type(result.reports[0])]
    assert [report.path for report in result.reports] == [str(right), str(wrong)]
    assert [e.path for e in result.errors] == [str(broken)]
    assert result.exit_code == 2


def test_exit_codes_follow_check():
    sheet_right = type("R", (), {"all_right": True})()
    sheet_wrong = type("R", (), {"all_right": False})()
    assert Marking([sheet_right]).exit_code == 0
    assert Marking([sheet_right, sheet_wrong]).exit_code == 1
    assert Marking([sheet_right], [BptutorError("x", None, "bad")]).exit_code == 2
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
