"""bptutor: a command-line tutor for backpropagation, and its library.

    >>> import bptutor
    >>> sheet = bptutor.solve(bptutor.load("tanh-chain"))
    >>> sheet.values["dE/dq"]
    -1.07

- ``load(name_or_path)``: a problem file, or a bundled problem by name (``tanh-chain``).
- ``solve(problem, digits="file", notation=None)``: its Worksheet — the steps, their values
  under the problem's rounding (``values``) and exactly (``exact``).
- ``grade(answers, sheet=None, only=None)``: an answers file marked as ``bptutor check``
  marks it.
- ``Worksheet``, ``Step``, ``BptutorError`` (bad input, with its file position), and
  ``__version__``.

Every name is imported on first use (PEP 562), so ``import bptutor`` — which the command line
does first — costs nothing.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy reads it as True)

__all__ = ["BptutorError", "Step", "Worksheet", "__version__", "grade", "load", "solve"]

_HOMES = {
    "BptutorError": "bptutor.errors",
    "Step": "bptutor.sheet.ops",
    "Worksheet": "bptutor.sheet.worksheet",
    "grade": "bptutor.tools.marking",
    "load": "bptutor.files.problems",
    "solve": "bptutor.sheet.worksheet",
}

if TYPE_CHECKING:
    from bptutor.errors import BptutorError
    from bptutor.files.problems import load
    from bptutor.sheet.ops import Step
    from bptutor.sheet.worksheet import Worksheet, solve
    from bptutor.tools.marking import grade

    __version__: str


def _version() -> str:
    """The installed distribution's version; in a source checkout without installed metadata,
    pyproject.toml's (importlib.metadata alone costs ~20 ms, so this runs on first use)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bptutor")
    except PackageNotFoundError:
        import re
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        found = pyproject.is_file() and re.search(
            r'^version\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"), re.M)
        return found[1] if found else "0+unknown"


def __getattr__(name: str) -> object:
    if name == "__version__":
        value: object = _version()
    elif name in _HOMES:
        value = getattr(import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module 'bptutor' has no attribute {name!r}")
    globals()[name] = value  # once: later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
