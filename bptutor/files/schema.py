"""JSON Schemas of problem and answers files, for editors (hover text, completion, red squiggles).

The schemas are data files beside this module, read with importlib.resources so they are found
in an installed wheel as in a source checkout. They check what JSON Schema can express; shapes
(a weight row per neuron, one weight per unit of the layer before) stay the loader's job.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

KINDS = ("problem", "answers")

# Each schema's "$id": an identifier for the file-format version (`bptutor: 1`), not an
# address editors fetch from (tests/files/test_schema.py checks the files carry it).
SCHEMA_BASE_URL = "https://bptutor.github.io/schema/1/"


def schema_url(kind: str) -> str:
    """The schema's "$id": ``kind`` is ``problem`` or ``answers``."""
    if kind not in KINDS:
        raise ValueError(f"no schema named {kind!r}; choose one of: {', '.join(KINDS)}")
    return f"{SCHEMA_BASE_URL}{kind}.schema.json"


def schema_file(kind: str) -> Path:
    schema_url(kind)  # the same check of the name
    # one name per joinpath: Traversable takes several only from Python 3.11
    return Path(str(files("bptutor").joinpath("schema").joinpath(f"{kind}.schema.json"))).resolve()


def schema_text(kind: str) -> str:
    """The schema file's text, exactly as shipped."""
    return schema_file(kind).read_text(encoding="utf-8")


def schema_modeline(kind: str) -> str:
    """The first line of a file the YAML language server (VS Code, Neovim, …) checks against a
    schema; no trailing newline.

    It names the installed schema as a file:// URL: it works offline at once, on the machine
    where ``template`` or ``new`` wrote the file. After moving to another machine (or Python),
    ``bptutor schema KIND > FILE`` and editing the line points it anew."""
    return f"# yaml-language-server: $schema={schema_file(kind).as_uri()}"
