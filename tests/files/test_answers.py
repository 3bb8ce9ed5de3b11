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


def test_numbers_read_once_per_text_read_as_afresh(tmp_path):
    """A class writes the same numbers again and again, so a number's text is read once; each
    file still gets what reading it afresh gives (value, decimals, significant figures)."""
    import random

    from bptutor.files import answers

    rng = random.Random(3)
    texts = [rng.choice(["", "-", "+", "−"]) + rng.choice(["0", "1", "12", "0.060", "3.", ".5"])
             + rng.choice(["", "e-3", "E+2", "/4", "0"]) for _ in range(300)]
    texts += ["x", "1/0", "1e999", "9" * 60]
    for _ in range(2):  # the second time, every text is one read before
        for n, text in enumerate(texts):
            path = tmp_path / f"a{n}.yaml"
            path.write_text(f'problem: tanh-chain\nanswers:\n  q: "{text}"\n', encoding="utf-8")
            answer = answers.load(path).answers["q"]
            number = answers.read_number(text)
            assert (answer.value, answer.decimals) == (number or (None, None))
            assert answer.significant == (answers.significant_figures(text) if number else None)
