"""files/answers.py: reading a student's answers as written."""

from __future__ import annotations


def test_a_key_answered_twice_names_how_it_was_first_written(run, tmp_path):
    path = tmp_path / "a_dup.yaml"
    path.write_text("problem: han-kamber\nanswers:\n  δ(O6): 0.1311\n  delta(O6): 0.1311\n",
                    encoding="utf-8")
    result = run("check", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"{path}:4:3: error: 'delta(O6)' answers 'delta(O6)' a second time "
        "(first written 'δ(O6)', line 3)")
