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


# -- safe writes: exclusive and atomic, the same file however spelt, never an input -----------

def test_a_file_created_while_the_command_worked_is_not_overwritten(tmp_path, monkeypatch):
    # the early check passes; then someone creates the file before the write: it is kept
    from bptutor.files import output

    path = tmp_path / "grades.csv"
    real = output.refuse_overwrite

    def check_then_race(target, force=False, inputs=()):
        real(target, force, inputs)
        path.write_text("theirs\n", encoding="utf-8")

    monkeypatch.setattr(output, "refuse_overwrite", check_then_race)
    with pytest.raises(BptutorError, match="created while bptutor worked"):
        write_output(str(path), "mine\n")
    assert path.read_text(encoding="utf-8") == "theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]  # no temporary left
    write_output(str(path), "mine\n", force=True)  # --force replaces it, in one step
    assert path.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_written_file_has_the_usual_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        write_output(str(tmp_path / "a.txt"), "x\n", announce=False)
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644


def test_the_same_file_however_its_path_is_spelt(tmp_path, monkeypatch):
    from bptutor.files.output import same_file

    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.svg").write_text("mine\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.svg").symlink_to(tmp_path / "x.svg")
    for spelling in ("x.svg", "./x.svg", "sub/../x.svg", str(tmp_path / "x.svg"), "link.svg"):
        assert same_file("x.svg", spelling), spelling
        with pytest.raises(BptutorError, match="own input"):
            refuse_overwrite(spelling, force=True, inputs=["./x.svg"])
    assert same_file("new.svg", "./new.svg")  # neither exists: the resolved paths
    assert not same_file("x.svg", "new.svg") and not same_file("x.svg", "sub")
    refuse_overwrite("other.svg", force=True, inputs=["x.svg"])  # another file is fine
    assert (tmp_path / "x.svg").read_text(encoding="utf-8") == "mine\n"


def test_an_input_is_never_written_even_with_force(tmp_path):
    path = tmp_path / "ben.yaml"
    path.write_text("problem: tanh-chain\n", encoding="utf-8")
    with pytest.raises(BptutorError) as caught:
        write_output(str(path), "file,score\n", force=True, inputs=[str(path)])
    assert "never overwrites its input, even with --force" in caught.value.message
    assert path.read_text(encoding="utf-8") == "problem: tanh-chain\n"
