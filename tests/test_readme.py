"""README.md's command reference is the commands' own --help, as scripts/cli_reference.py
writes it: a changed option or help text without a regenerated README fails here."""

from __future__ import annotations

import difflib
import importlib.util
import re
import sys

import pytest
from conftest import ROOT

README = ROOT / "README.md"


@pytest.fixture(scope="module")
def generator():
    path = ROOT / "scripts" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["cli_reference"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def blocks(generator):
    return generator.blocks()


def test_readme_command_reference_is_the_help(generator, blocks):
    current = README.read_text(encoding="utf-8")
    wanted = generator.updated(current, blocks)
    if wanted != current:
        diff = "".join(list(difflib.unified_diff(
            current.splitlines(keepends=True), wanted.splitlines(keepends=True),
            "README.md", "from --help", n=1))[:60])
        pytest.fail("README.md's command reference differs from the commands' --help; "
                    f"run '.venv/bin/python scripts/cli_reference.py' to update it:\n{diff}")


def test_every_command_has_its_help_in_the_reference(generator, blocks):
    from bptutor.cli import app  # noqa: F401  (the commands the generator lists)

    names = generator.command_names()
    assert {"solve", "template", "check", "quiz", "gradcheck", "train", "new", "draw", "list",
            "schema"} <= set(names)
    headings = re.findall(r"^### `bptutor (\w+)`$", blocks["reference"], re.M)
    assert headings == names
    for name in names:
        assert f"Usage: bptutor {name} [OPTIONS]" in blocks["reference"], name
    assert "Usage: bptutor [OPTIONS] COMMAND" in blocks["commands"]


def test_help_text_is_the_same_whatever_the_terminal(generator, monkeypatch):
    """Colour forced on, another width, CI: the reference stays plain 100-column text."""
    plain = generator.help_text("check")
    for name, value in (("FORCE_COLOR", "1"), ("COLUMNS", "60"), ("TERMINAL_WIDTH", "60"),
                        ("GITHUB_ACTIONS", "true"), ("NO_COLOR", "")):
        monkeypatch.setenv(name, value)
    assert generator.help_text("check") == plain
    assert "\x1b[" not in plain and not re.search(r" +$", plain, re.M)
    assert max(len(line) for line in plain.splitlines()) == generator.WIDTH


def test_updated_replaces_only_between_the_markers(generator):
    text = ("intro\n<!-- commands:start -->\nold\n<!-- commands:end -->\nmiddle\n"
            "<!-- reference:start -->\n<!-- reference:end -->\nend\n")
    new = generator.updated(text, {"commands": "A", "reference": "B\nC"})
    assert new == ("intro\n<!-- commands:start -->\nA\n<!-- commands:end -->\nmiddle\n"
                   "<!-- reference:start -->\nB\nC\n<!-- reference:end -->\nend\n")
    assert generator.updated(new, {"commands": "A", "reference": "B\nC"}) == new
    with pytest.raises(ValueError, match="reference:start"):
        generator.updated("intro\n<!-- commands:start -->\n<!-- commands:end -->\n",
                          {"commands": "A", "reference": "B"})


def test_check_mode_names_the_command_that_updates(generator, blocks, monkeypatch, tmp_path,
                                                   capsys):
    stale = tmp_path / "README.md"
    stale.write_text(README.read_text(encoding="utf-8").replace("Usage: bptutor solve",
                                                                "Usage: bptutor solved"),
                     encoding="utf-8")
    monkeypatch.setattr(generator, "README", stale)
    monkeypatch.setattr(generator, "blocks", lambda: blocks)  # generated once, above
    monkeypatch.setattr(sys, "argv", ["cli_reference.py", "--check"])
    assert generator.main() == 1
    assert "run '.venv/bin/python scripts/cli_reference.py'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["cli_reference.py"])
    assert generator.main() == 0  # rewrites it
    assert stale.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")
