"""The tutor's state without a screen: sections, navigation, practise through check's grader."""

from __future__ import annotations

import pytest

from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.tools.quiz import Hint, Marked, Unreadable
from bptutor.tools.tutor import TutorSession, sections_of
from bptutor.views import heading


def session(name: str = "tanh-chain", **options) -> TutorSession:
    sheet = solve(load(name))
    examples = len(sheet.network.examples)
    return TutorSession(sheet, title=lambda step: heading(step, examples), **options)


def test_sections_follow_the_headings_of_solve():
    tanh = session()
    assert [(s.title, s.start, s.end) for s in tanh.sections] == [
        ("Forward pass", 0, 8), ("Loss", 8, 9), ("Backward pass", 9, 20), ("Update", 20, 27)]
    xor = session("xor")
    titles = [s.title for s in xor.sections]
    assert titles[:4] == ["Forward pass (example 1)", "Loss (example 1)",
                          "Backward pass (example 1)", "Forward pass (example 2)"]
    assert titles[-3:] == ["Loss (all examples)", "Backward pass (all examples)", "Update"]
    # the sections tile the steps, in order, each step in exactly one
    assert [s.start for s in xor.sections[1:]] == [s.end for s in xor.sections[:-1]]
    assert xor.sections[-1].end == xor.total == len(xor.sheet.steps)
    graph = session("graph-c-a-2b")
    assert [(s.kind, len(s)) for s in graph.sections] == [("forward", 3), ("backward", 5)]


def test_sections_of_without_titles_group_by_pass():
    sheet = solve(load("xor"))
    sections = sections_of(sheet.steps, lambda step: step.section)
    assert [s.kind for s in sections][:3] == ["forward", "loss", "backward"]


def test_watching_forward_and_back_step_by_step():
    s = session()
    assert s.current is None and s.focus is None and s.reads() == ()
    s.next()
    assert s.current.key == "z(q)" and s.number == 1
    assert s.reads() == ("u1", "x1", "u2", "x2", "u3", "x3")
    for _ in range(7):
        s.next()
    assert s.current.key == "y"
    s.next()  # across into the loss section
    assert s.current.key == "E" and s.sections[s.section_index()].title == "Loss"
    s.previous()
    assert s.current.key == "y" and s.section_index() == 0
    s.previous()
    assert s.current.key == "z(y)"
    assert s.is_revealed("z(y)") and not s.is_revealed("y") and s.is_revealed("u1")
    assert s.revealed_keys() == {"z(q)", "q", "z(p1)", "p1", "z(p2)", "p2", "z(y)"}


def test_sections_home_and_end():
    s = session()
    s.next_section()  # from the exercise: the first step
    assert s.current.key == "z(q)"
    s.next_section()
    assert s.current.key == "E"
    s.next_section()
    assert s.current.key == "dE/dy"
    s.next()
    s.next()
    s.previous_section()  # from inside Backward pass: the first step of Loss
    assert s.current.key == "E"
    s.end()
    assert s.revealed == 27 and s.current.key == "new(u3)"
    s.next()  # nothing after the last step
    assert s.revealed == 27
    s.next_section()
    assert s.revealed == 27
    s.first()
    assert s.revealed == 0 and s.current is None
    s.previous()
    assert s.revealed == 0
    s.previous_section()
    assert s.revealed == 0


def test_paging_through_a_batch_visits_every_section_once():
    s = session("xor")
    starts = []
    while s.revealed < s.total:
        s.next_section()
        starts.append(s.revealed - 1)
    # each section's first step in turn, then from the last section (Update): its end
    assert starts == [sec.start for sec in s.sections] + [s.total - 1]
    back = []
    while s.revealed:
        s.previous_section()
        back.append(s.revealed - 1)
    # from the end, Update is current: back to the section before it, …, then the exercise
    assert back == [sec.start for sec in reversed(s.sections[:-1])] + [-1]


def test_exact_toggles():
    s = session()
    assert s.show_exact
    s.toggle_exact()
    assert not s.show_exact


# -- practise -----------------------------------------------------------------------------------

def test_practise_asks_the_first_step_not_revealed_and_marks_as_check():
    s = session(practise=True)
    assert s.asked.key == "z(q)" and s.number == 1
    reply = s.respond("-0.80")
    assert isinstance(reply, Marked) and reply.item.verdict == "correct"
    assert s.revealed == 1 and s.asked.key == "q"
    # a wrong answer: the grader's diagnosis, the working revealed, the step revealed
    reply = s.respond("0.66")
    assert reply.item.verdict == "wrong" and reply.item.diagnosis == "sign"
    assert reply.reveal.working == "q = tanh(z(q)) = tanh(-0.80)"
    assert s.revealed == 2 and s.score() == (1, 2)


def test_practise_hint_skip_and_unreadable():
    s = session(practise=True)
    hint = s.respond("hint")
    assert isinstance(hint, Hint)
    assert hint.working == "z(q) = u1·x1 + u2·x2 + u3·x3 = 0.2·1 + 0.5·0 - 1·1"
    assert s.revealed == 0 and s.last is hint
    assert isinstance(s.respond("abc"), Unreadable) and s.revealed == 0
    reply = s.respond("-0.8")  # right, after a hint: the mark says so
    assert reply.item.verdict == "correct" and "after a hint" in reply.item.message
    skipped = s.respond("skip")
    assert skipped.item.verdict == "missing" and skipped.reveal.working.startswith("q = ")
    assert s.revealed == 2 and s.score() == (1, 2)


@pytest.mark.parametrize("carry, verdict", [("mine", "follow_through"), ("right", "wrong")])
def test_both_carry_modes(carry, verdict):
    s = session(practise=True, carry=carry)
    assert s.respond("-0.90").item.verdict == "wrong"  # z(q) is -0.80
    # tanh(-0.90) = -0.72: right from the student's own z(q), wrong against the sheet
    assert s.respond("-0.72").item.verdict == verdict


def test_switching_modes_keeps_the_marks_and_asks_where_watching_left_off():
    s = session()
    for _ in range(8):
        s.next()
    s.switch()
    assert s.mode == "practise" and s.asked.key == "E"
    s.respond("3.76")
    s.switch()
    assert s.mode == "watch" and s.asked is None and s.current.key == "E"
    # back over an answered step and practise it again: its new mark replaces the old one
    s.previous()
    s.switch()
    assert s.asked.key == "E"
    s.respond("3")
    assert s.score() == (0, 1) and s.marks["E"].verdict == "wrong"


def test_a_hint_is_forgotten_once_watching_moves_elsewhere():
    s = session(practise=True)
    s.respond("hint")
    s.switch()
    s.next()
    s.switch()  # now asked: q, never hinted
    reply = s.respond("-0.66")
    assert reply.item.verdict == "correct" and "hint" not in reply.item.message


def test_quit_ends_practise_with_a_summary_and_keeps_watching():
    s = session(practise=True)
    s.respond("0.2")  # z(q): a term left out
    s.respond("quit")
    assert s.ended and s.mode == "watch" and s.asked is None
    rows = s.summary()
    assert [(r.kind, r.points, r.answered) for r in rows] == [("forward", 0, 1)]
    assert rows[0].diagnoses == ["a term of the sum is left out"]
    s.next()
    assert not s.ended


def test_a_whole_practise_run_is_summarised_by_kind():
    from test_quiz import REFERENCE  # the sheet's values, in step order

    s = session(practise=True)
    wrong = {"dE/dy": "3.88", "new(w1)": "0.22"}  # a sign slip; w1 + η·g for w1 − η·g
    for key, value in REFERENCE.items():
        assert s.asked.key == key
        s.respond(wrong.get(key, value))
    assert s.ended and s.asked is None and s.mode == "practise"
    rows = {r.kind: r for r in s.summary()}
    assert {k: (r.points, r.answered) for k, r in rows.items()} == {
        "forward": (8, 8), "loss": (1, 1), "backward": (10, 11), "update": (6, 7)}
    assert rows["backward"].diagnoses == ["the sign is flipped"]
    assert rows["update"].diagnoses == ["the update adds η·gradient instead of subtracting it"]
    assert rows["forward"].diagnoses == []
    assert s.score() == (25, 27)
