"""The one write helper behind -o, --save, --csv: stdout for -, never overwrite, announce."""

from __future__ import annotations

import pytest

from bptutor.errors import BptutorError
from bptutor.files.output import refuse_overwrite, to_stdout, write_output


def test_dash_and_none_mean_standard_output(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_output("-", "one\n")
    write_output(None, "two\n", then="never said")
    out, err = capsys.readouterr()
    assert (out, err) == ("one\ntwo\n", "")
    assert not (tmp_path / "-").exists()
    assert to_stdout("-") and to_stdout(None) and not to_stdout("a.yaml")


def test_a_file_is_written_exactly_and_announced(tmp_path, capsys):
    path = tmp_path / "out.yaml"
    write_output(str(path), "a: 1\nb: ü\n", then=f"try 'bptutor solve {path}'")
    assert path.read_bytes() == "a: 1\nb: ü\n".encode()
    assert capsys.readouterr() == ("", f"wrote {path}: try 'bptutor solve {path}'\n")
    write_output(str(tmp_path / "g.csv"), "x\n", announce=False)
    assert capsys.readouterr() == ("", "")


def test_an_existing_file_is_kept_unless_forced(tmp_path, capsys):
    path = tmp_path / "kept.txt"
    path.write_text("mine\n", encoding="utf-8")
    for attempt in (lambda: refuse_overwrite(str(path)),
                    lambda: write_output(str(path), "theirs\n")):
        with pytest.raises(BptutorError) as caught:
            attempt()
        assert str(caught.value) == (f"{path}:1:1: error: the file exists; bptutor never "
                                     "overwrites a file\nhint: choose another name, or add "
                                     "--force to replace it")
    assert path.read_text(encoding="utf-8") == "mine\n"
    refuse_overwrite(str(path), force=True)
    refuse_overwrite(None)
    refuse_overwrite("-")
    write_output(str(path), "theirs\n", force=True)
    assert path.read_text(encoding="utf-8") == "theirs\n"
    assert capsys.readouterr().err == f"wrote {path}\n"


def test_an_unwritable_place_is_an_error_at_that_path(tmp_path):
    path = tmp_path / "no" / "such" / "dir.txt"
    with pytest.raises(BptutorError, match="cannot write the file"):
        write_output(str(path), "x")
