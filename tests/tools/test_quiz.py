"""`bptutor quiz`: steps asked one at a time and marked at once, through stdin and the library."""

from __future__ import annotations

import io

import pytest
from conftest import PROBLEMS
from rich.console import Console

from bptutor.files.answers import load as load_answers
from bptutor.files.problems import load
from bptutor.sheet.worksheet import solve
from bptutor.tools.grading import Grader
from bptutor.views.quiz_view import Quiz

TANH = PROBLEMS / "tanh-chain.yaml"

# `bptutor solve tanh-chain -f json`, in step order (round 2, activation notation); the sheet's
# published numbers among them: y -0.94, dE/dy -3.88, dE/dp1 -0.09, dE/dp2 2.26, dE/dq -1.07.
REFERENCE = {
    "z(q)": "-0.80", "q": "-0.66", "z(p1)": "-0.59", "p1": "-0.53", "z(p2)": "0.33",
    "p2": "0.32", "z(y)": "-1.71", "y": "-0.94", "E": "3.76", "dE/dy": "-3.88",
    "dE/dp1": "-0.09", "dE/dp2": "2.26", "dE/dq": "-1.07", "dE/dw1": "0.24", "dE/dw2": "-0.14",
    "dE/dv1": "0.04", "dE/dv2": "-1.34", "dE/du1": "-0.60", "dE/du2": "0.00", "dE/du3": "-0.60",
    "new(w1)": "0.18", "new(w2)": "-4.99", "new(v1)": "0.90", "new(v2)": "-0.37",
    "new(u1)": "0.26", "new(u2)": "0.50", "new(u3)": "-0.94",
}
BACKWARD = [k for k in REFERENCE if k.startswith("dE/")]


def flat(text: str) -> str:
    """Rich wraps long lines at spaces; compare text with the wrapping undone."""
    return " ".join(text.split())


def lines(*answers: str) -> str:
    return "".join(f"{a}\n" for a in answers)


def quiz(*answers: str, carry: str = "right", only: str | None = None, digits="file"):
    """Run a quiz in the library over the given lines: (result, transcript)."""
    out = io.StringIO()
    console = Console(file=out, width=200, no_color=True, highlight=False)
    feed = iter(answers)
    session = Quiz(solve(load(TANH), digits), console, lambda: next(feed, None),
                   only=only, carry=carry, echo=True)
    return session.run(), out.getvalue()


def verdicts(result) -> dict[str, str]:
    return {item.key: item.verdict for item in result.report.items}


def test_reference_matches_solve(solve_json):
    steps = solve_json(TANH)["steps"]
    assert [s["key"] for s in steps] == list(REFERENCE)
    assert [s["value"] for s in steps] == [float(v) for v in REFERENCE.values()]


# -- through the command line ------------------------------------------------------------------

def test_every_answer_right_exits_0(run):
    result = run("quiz", TANH, input=lines(*REFERENCE.values()))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(1/27) z(q) = u1·x1 + u2·x2 + u3·x3 = ? -0.80" in out  # piped answers are echoed
    assert "(27/27) new(u3) = u3 - η·dE/du3 = ? -0.94" in out
    assert out.count("✓ correct") == 27 * 2  # once as each answer is marked, once in the table
    assert "score 27/27  (27 correct)" in out
    assert "stopped" not in out


def test_sign_flip_is_diagnosed_and_the_working_shown(run):
    result = run("quiz", TANH, "--only", "backward", input=lines("3.88", "quit"))
    assert result.exit_code == 1
    out = flat(result.stdout)
    assert "(1/11) dE/dy = 2·(y - t) = ? 3.88" in out
    assert "✗ wrong — the sign is flipped" in out
    assert "dE/dy = 2·(y - t) = 2·(-0.94 - 1) = -3.88" in out
    assert "score 0/1 (1 wrong)" in out


def test_hint_shows_the_numbers_and_asks_again(run):
    result = run("quiz", TANH, input=lines("-0.80", "-0.66", "hint", "?", "-0.59", "q"))
    out = flat(result.stdout)
    assert "hint: z(p1) = v1·q = 0.9·(-0.66)" in out
    assert out.count("(3/27) z(p1) = v1·q = ?") == 3  # asked, hint, hint (h/?), answered
    assert "(4/27) p1" in out
    assert "score 3/3 (3 correct)" in out
    assert "stopped after 3 of 27 steps" in out
    assert result.exit_code == 1  # not finished


def test_skip_counts_as_missing_and_reveals_the_answer(run):
    result = run("quiz", TANH, input=lines("-0.80", "s", "-0.59"))
    out = flat(result.stdout)
    assert "· missing — skipped" in out
    assert "q = tanh(z(q)) = tanh(-0.80) = -0.66" in out
    assert "score 2/3 (2 correct, 1 missing)" in out


def test_unreadable_and_empty_lines_ask_again_uncounted(run):
    result = run("quiz", TANH, input=lines("", "minus 0.8", "-0.80", "quit"))
    out = flat(result.stdout)
    assert "? not a number: write e.g. -0.53, 1e-3 or 3/4 (or hint, skip, quit)" in out
    assert out.count("(1/27) z(q)") == 3
    assert "score 1/1 (1 correct)" in out


def test_quit_midway_shows_the_partial_table(run):
    result = run("quiz", TANH, input=lines("-0.80", "-0.7", "quit", "-0.59"))
    assert result.exit_code == 1
    out = result.stdout
    table = out[out.index("Score"):]
    assert "z(q)" in table and "q " in table and "z(p1)" not in table
    assert "score 1/2  (1 correct, 1 wrong)" in out
    assert "stopped after 2 of 27 steps" in out


def test_end_of_input_ends_like_quit(run):
    result = run("quiz", TANH, input="-0.80\n-0.66")  # no newline after the last answer
    assert result.exit_code == 1
    assert "score 2/2  (2 correct)" in result.stdout
    assert "stopped after 2 of 27 steps" in result.stdout
    assert not result.stderr


def test_only_backward_asks_only_backward_steps(run):
    result = run("quiz", TANH, "--only", "backward", input=lines(*(REFERENCE[k] for k in BACKWARD)))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert len(BACKWARD) == 11
    assert "(1/11) dE/dy" in out and "(11/11) dE/du3" in out
    assert "z(q) =" not in out and "new(w1)" not in out and "Forward pass" not in out
    assert "score 11/11" in out


def test_carry_option_through_the_cli(run):
    # z(q) wrong (-0.90), then q and z(p1) right from it: follow-through only with --carry mine
    answers = lines("-0.90", "-0.72", "-0.65")
    mine = run("quiz", TANH, "--carry", "mine", input=answers)
    assert "score 2/3  (1 wrong, 2 follow-through)" in mine.stdout
    assert "(carrying on from your z(q) = -0.90)" in mine.stdout
    right = run("quiz", TANH, input=answers)
    assert "score 0/3  (3 wrong)" in right.stdout


def test_bad_problem_file_exits_2(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bptutor: 1\ntitle: x\nloss: nope\n", encoding="utf-8")
    result = run("quiz", bad, input="")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{bad}:")
    assert ": error: " in result.stderr and "Traceback" not in result.stderr


def test_round_and_exact_together_is_a_usage_error(run):
    result = run("quiz", TANH, "--round", "3", "--exact", input="")
    assert result.exit_code == 2


def test_help_has_examples(run):
    result = run("quiz", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and "--carry" in result.stdout


# -- through the library -------------------------------------------------------------------------

def test_one_unit_off_is_accepted():
    result, out = quiz("-0.81")
    item = result.report.items[0]
    assert (item.key, item.verdict, item.message) == ("z(q)", "accepted",
                                                      "within one unit of the last digit")
    assert "≈ accepted — within one unit of the last digit (the sheet has -0.80)" in out


def test_exact_value_at_the_required_precision_is_accepted():
    # dE/dq: the sheet's rounding path gives -1.07, rounding only at the end gives -1.13
    answers = [REFERENCE[k] for k in BACKWARD[:3]] + ["-1.13"]
    result, out = quiz(*answers, only="backward")
    item = result.report.items[3]
    assert (item.key, item.verdict) == ("dE/dq", "accepted")
    assert item.message == "matches the exact value -1.1297 (rounded at the end)"


def test_wrong_answer_is_diagnosed_and_revealed():
    result, out = quiz("-3.88", "0.09", only="backward")
    first, second = result.report.items
    assert first.verdict == "correct"
    assert (second.key, second.verdict, second.diagnosis) == ("dE/dp1", "wrong", "sign")
    assert "✗ wrong — the sign is flipped" in out
    assert "dE/dp1 = dE/dy·tanh′(z(y))·w1 = -3.88·(1 - (-0.94)²)·0.2 = -0.09" in out


def test_missing_derivative_is_diagnosed():
    # dE/dp1 without tanh′: -3.88·0.2 = -0.78
    result, _ = quiz("-3.88", "-0.78", only="backward")
    assert result.report.items[1].diagnosis == "missing_derivative"


def test_carry_mine_earns_follow_through_and_carry_right_does_not():
    mine, out_mine = quiz("-0.90", "-0.72", "-0.65", "-0.57", carry="mine")
    assert verdicts(mine) == {"z(q)": "wrong", "q": "follow_through",
                              "z(p1)": "follow_through", "p1": "follow_through"}
    assert [i.because for i in mine.report.items[1:]] == ["z(q)"] * 3
    right, _ = quiz("-0.90", "-0.72", "-0.65", "-0.57", carry="right")
    assert verdicts(right) == {"z(q)": "wrong", "q": "wrong", "z(p1)": "wrong", "p1": "wrong"}
    assert mine.report.score == 3 and right.report.score == 0


def test_carry_mine_substitutes_the_students_numbers():
    result, out = quiz("-0.90", "hint", "5", carry="mine")
    assert "hint: q = tanh(z(q)) = tanh(-0.90)" in out
    # the working after a wrong answer uses the numbers the student works from
    working = "q = tanh(z(q)) = tanh(-0.90) = -0.72 from your numbers; the sheet has -0.66"
    assert working in flat(out)
    _, out = quiz("-0.90", "hint", carry="right")
    assert "hint: q = tanh(z(q)) = tanh(-0.80)" in out


def test_skip_carries_on_from_the_right_value_even_with_carry_mine():
    result, out = quiz("-0.90", "skip", "-0.59", carry="mine")
    assert verdicts(result) == {"z(q)": "wrong", "q": "missing", "z(p1)": "correct"}


def test_end_of_input_and_ctrl_c_stop_cleanly():
    result, out = quiz("-0.80")
    assert not result.finished and not result.passed
    assert result.total == 27 and len(result.report.items) == 1

    def interrupted():
        raise KeyboardInterrupt

    console = Console(file=io.StringIO(), width=200, no_color=True)
    session = Quiz(solve(load(TANH)), console, interrupted)
    result = session.run()
    assert not result.finished and result.report.items == []
    assert "no step answered" in console.file.getvalue()


def test_all_right_passes():
    result, out = quiz(*REFERENCE.values())
    assert result.finished and result.passed
    assert result.report.score == result.report.max_score == 27


def test_exact_quiz_grades_to_three_significant_figures():
    result, _ = quiz("-0.8", "-0.664", "-0.66", digits=None)
    assert verdicts(result) == {"z(q)": "correct", "q": "correct", "z(p1)": "wrong"}
    # -0.66 is not -0.598 cut short: a precision hint would mislead
    assert "significant" not in result.report.items[2].message


def test_quiz_with_carry_mine_marks_as_check_does(tmp_path):
    # the same answers, one per step: quiz --carry mine and check give the same verdicts
    answers = dict(REFERENCE, **{"z(q)": "-0.90", "q": "-0.72", "dE/dy": "3.88",
                                 "dE/dq": "-1.13", "new(w1)": "0.22"})
    path = tmp_path / "ada.yaml"
    path.write_text(f"problem: {TANH}\nanswers:\n" + "".join(
        f'  "{k}": "{v}"\n' for k, v in answers.items()), encoding="utf-8")
    sheet = solve(load(TANH))
    checked = Grader(sheet).grade(load_answers(path))
    result, _ = quiz(*answers.values(), carry="mine")
    assert verdicts(result) == {i.key: i.verdict for i in checked.items}
    assert [i.diagnosis for i in result.report.items] == [i.diagnosis for i in checked.items]


def test_substituted_writes_the_students_numbers_when_given():
    sheet = solve(load(TANH))
    own = dict(sheet.values, **{"z(q)": -0.9, "q": -0.7})
    assert sheet.substituted(sheet.step("q")) == "tanh(-0.80)"
    assert sheet.substituted(sheet.step("q"), own) == "tanh(-0.90)"
    assert sheet.substituted(sheet.step("z(p1)"), own) == "0.9·(-0.70)"


def test_bad_carry_is_refused():
    with pytest.raises(ValueError):
        Quiz(solve(load(TANH)), Console(file=io.StringIO()), lambda: None, carry="theirs")


# -- the session without I/O (what any front end drives) -------------------------------------------

def test_the_session_walks_the_steps_without_a_console():
    from bptutor.tools.quiz import Hint, Marked, QuizSession, Unreadable

    sheet = solve(load(TANH))
    session = QuizSession(sheet, carry="mine")
    assert (session.total, session.number, session.current.key) == (27, 1, "z(q)")
    assert session.respond("") is None and session.number == 1  # an empty line: asked again
    unreadable = session.respond("minus 0.8")
    assert isinstance(unreadable, Unreadable) and unreadable.text == "minus 0.8"
    marked = session.respond("-0.90")
    assert isinstance(marked, Marked) and marked.item.verdict == "wrong"
    assert marked.carried == "-0.90"
    numbers = sheet.substituted(sheet.step("z(q)"))  # nothing carried yet: the sheet's
    assert marked.reveal.working == f"z(q) = u1·x1 + u2·x2 + u3·x3 = {numbers}"
    assert (marked.reveal.value, marked.reveal.sheet_value) == (-0.8, -0.8)
    hint = session.hint()  # substitutes the student's own -0.90, which is carried
    assert isinstance(hint, Hint) and hint.working == "q = tanh(z(q)) = tanh(-0.90)"
    marked = session.answer("-0.72")  # tanh(-0.90) = -0.716
    assert (marked.item.verdict, marked.item.because, marked.reveal) == (
        "follow_through", "z(q)", None)
    assert marked.item.message.endswith("after a hint")
    skipped = session.skip()
    assert (skipped.item.key, skipped.item.verdict) == ("z(p1)", "missing")
    assert skipped.reveal.value == round(0.9 * -0.72, 2)  # from the student's q
    assert session.number == 4 and not session.done
    session.quit()
    assert session.done and session.current is None and session.respond("-0.53") is None
    with pytest.raises(RuntimeError):
        session.answer("-0.53")
    result = session.result()
    assert [i.key for i in result.report.items] == ["z(q)", "q", "z(p1)"]
    assert not result.finished and result.total == 27


def test_the_session_finishes_when_every_step_is_answered():
    from bptutor.tools.quiz import QuizSession

    session = QuizSession(solve(load(TANH)), only="update")
    for key in [k for k in REFERENCE if k.startswith("new(")]:
        assert session.current.key == key
        assert session.respond(REFERENCE[key]).item.verdict == "correct"
    assert session.done and session.result().finished and session.result().passed


def test_a_step_the_students_numbers_leave_undefined_is_revealed_without_a_traceback(run):
    # logistic regression with BCE: y = -0.5 carried makes E's ln(y) undefined
    from bptutor.tools.quiz import QuizSession

    session = QuizSession(solve(load(PROBLEMS / "logistic-regression.yaml")), carry="mine")
    session.respond("0")
    session.respond("-0.5")
    marked = session.respond("1")
    assert marked.item.key == "E" and marked.item.verdict == "wrong"
    assert marked.reveal.value is None and marked.reveal.sheet_value == 0.693
    result = run("quiz", "logistic-regression", "--carry", "mine", input=lines("0", "-0.5", "1"))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "= undefined  from your numbers; the sheet has 0.693" in result.stdout


def test_quiz_begins_with_the_numbers_it_asks_about():
    """The issue: z(q) = u1·x1 + … = ? was asked with u and x nowhere on screen."""
    _, text = quiz("quit")
    intro = text[:text.index("(1/")]
    for given in ("x1=1", "x2=0", "x3=1", "u1=0.2", "u2=0.5", "u3=-1", "t(y)=1", "η=0.1"):
        assert given in intro, given
    assert "q  ?" in intro and "-0.66" not in intro  # the diagram: no answer given away
    _, backward = quiz("quit", only="backward")
    intro = backward[:backward.index("(1/")]
    assert "y=-0.94" in intro and "t(y)=1" in intro  # dE/dy = 2·(y - t) needs both
    assert "dE/dy=" not in intro


def test_an_answer_typed_with_a_unicode_minus_is_shown_as_typed():
    from bptutor.tools.quiz import QuizSession

    session = QuizSession(solve(load(TANH)))
    marked = session.respond("−0.80")  # U+2212, as the README's quantities are written
    assert (marked.item.verdict, marked.item.written) == ("correct", "−0.80")
    result, transcript = quiz("−0.80", "−0.7", "quit")
    table = transcript.split("Score")[1]
    yours = {row.split("│")[0].strip(): row.split("│")[1].strip()
             for row in table.splitlines() if row.count("│") >= 2}
    assert (yours["z(q)"], yours["q"]) == ("−0.80", "−0.7")
