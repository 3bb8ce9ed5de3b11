"""The layering rule, checked on the source of every module under ``bptutor/``.

bptutor is built in layers. A module imports only from its own layer and the layers below it;
data flows files → model → sheet → tools → views → command line:

    0  errors    bptutor/errors.py: BptutorError, Mark, clip, printable
    1  model     bptutor/model/: networks, graphs, activations, losses, rounding, expressions
    2  files     bptutor/files/: reading, validating and writing problem and answers files
    3  sheet     bptutor/sheet/: the worksheet's steps (ops), solving, step selection by pass
    4  tools     bptutor/tools/: grading, the quiz session, gradcheck, training, practice
    5  views     bptutor/views/: every renderer (rich, JSON, Markdown, LaTeX, template, quiz)
    6  cli       bptutor/cli.py: the typer commands
       API       bptutor/__init__.py and bptutor/__main__.py, on top of everything

- No upward import anywhere in a module: imports inside functions count too. Only
  ``if TYPE_CHECKING:`` blocks are exempt, as they never run.
- No cycle among module-level imports.
- rich and textual are imported only in views/ and cli.py: everything below renders nothing.
- numpy is imported at module level only by the numeric tools (tools/numeric.py,
  tools/gradcheck.py, tools/training.py); anything else imports it inside the function that
  needs it, so that ``bptutor solve`` and the command line start without it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = "bptutor"
LAYERS = {"errors": 0, "model": 1, "files": 2, "sheet": 3, "tools": 4, "views": 5, "cli": 6}
API = 7  # bptutor/__init__.py and bptutor/__main__.py
LAYER_NAMES = {rank: name for name, rank in LAYERS.items()} | {API: "API"}
RENDERING = ("rich", "textual")  # only views and the command line may import these
RENDERERS = ("bptutor.views", "bptutor.cli")
# numpy at module level: the numeric tools, which only numpy-backed commands import
NUMERIC_TOOLS = ("bptutor.tools.numeric", "bptutor.tools.gradcheck", "bptutor.tools.training")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (a submodule where ``from pkg import sub`` names one)
    names: tuple[str, ...]  # the names of a ``from`` import; () for ``import x``
    line: int
    module_level: bool  # False inside a function body: it runs only when the function does


# -- reading the imports ---------------------------------------------------------------------

def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _ImportFinder(ast.NodeVisitor):
    """Every import statement of a module, knowing whether it runs at import time."""

    def __init__(self, module: str, is_package: bool, modules: set[str]):
        self.module, self.modules = module, modules
        self.package = module if is_package else module.rpartition(".")[0]
        self.in_function = 0
        self.found: list[Import] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):  # never runs: only its else branch counts
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.in_function += 1
        self.generic_visit(node)
        self.in_function -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.in_function += 1
        self.generic_visit(node)
        self.in_function -= 1

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, (), node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from the importing module's package, up level - 1
            parts = self.package.split(".")
            parts = parts[:len(parts) - (node.level - 1)]
            base = ".".join(parts + ([base] if base else []))
        names = tuple(alias.name for alias in node.names)
        submodules = [f"{base}.{name}" for name in names if f"{base}.{name}" in self.modules]
        for target in submodules:
            self._add(target, names, node.lineno)
        if len(submodules) < len(names):  # names defined in ``base`` itself
            self._add(base, names, node.lineno)

    def _add(self, target: str, names: tuple[str, ...], line: int) -> None:
        self.found.append(Import(self.module, target, names, line, not self.in_function))


def imports_of(sources: dict[str, str]) -> dict[str, list[Import]]:
    """Module name -> its imports, for a map of module names to their source text."""
    modules = set(sources)
    result = {}
    for module, source in sources.items():
        is_package = any(other.startswith(module + ".") for other in modules)
        finder = _ImportFinder(module, is_package, modules)
        finder.visit(ast.parse(source))
        result[module] = finder.found
    return result


def package_sources(root: Path = ROOT) -> tuple[dict[str, str], dict[str, str]]:
    """(module name -> source, module name -> path relative to the repository)."""
    sources, paths = {}, {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        module = ".".join(parts)
        sources[module] = path.read_text(encoding="utf-8")
        paths[module] = str(path.relative_to(root))
    return sources, paths


# -- the rules -------------------------------------------------------------------------------

def layer(module: str) -> int | None:
    """The layer of a bptutor module; None for a module outside the package or one of no
    known layer (reported by ``unlayered``)."""
    if module in (PACKAGE, f"{PACKAGE}.__main__"):
        return API
    top, _, rest = module.partition(".")
    if top != PACKAGE:
        return None
    return LAYERS.get(rest.split(".")[0])


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _top(target: str) -> str:
    return target.split(".")[0]


def _where(imp: Import, paths: dict[str, str]) -> str:
    return f"{paths.get(imp.source, imp.source)}:{imp.line}"


def unlayered(graph: dict[str, list[Import]]) -> list[str]:
    return [f"{module}: no layer; add its package to LAYERS in tests/test_layers.py"
            for module in graph if layer(module) is None]


def upward(graph: dict[str, list[Import]], paths: dict[str, str] | None = None) -> list[str]:
    problems = []
    for module, found in graph.items():
        mine = layer(module)
        for imp in found:
            theirs = layer(imp.target)
            if mine is None or theirs is None or theirs <= mine:
                continue
            if imp.target == PACKAGE and all(n.startswith("__") for n in imp.names):
                continue  # __version__: package metadata, not the API
            problems.append(f"{_where(imp, paths or {})}: {module} ({LAYER_NAMES[mine]}, "
                            f"{mine}) imports {imp.target} ({LAYER_NAMES[theirs]}, {theirs})")
    return problems


def cycles(graph: dict[str, list[Import]]) -> list[list[str]]:
    """The import cycles among module-level imports (Tarjan's strongly connected components),
    each as its modules in order of discovery."""
    edges = {m: sorted({i.target for i in found if i.module_level and i.target in graph})
             for m, found in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges[module]:
            if target not in index:
                connect(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in edges[module]:
                found.append(component[::-1])

    for module in sorted(edges):
        if module not in index:
            connect(module)
    return found


def rendering_outside_views(graph: dict[str, list[Import]],
                            paths: dict[str, str] | None = None) -> list[str]:
    return [f"{_where(imp, paths or {})}: {module} imports {imp.target}; only views/ and "
            "cli.py may render"
            for module, found in graph.items() if not _in(module, RENDERERS)
            for imp in found if _top(imp.target) in RENDERING]


def numpy_at_module_level(graph: dict[str, list[Import]],
                          paths: dict[str, str] | None = None) -> list[str]:
    return [f"{_where(imp, paths or {})}: {module} imports numpy at module level; import it "
            "inside the function that needs it"
            for module, found in graph.items() if module not in NUMERIC_TOOLS
            for imp in found if _top(imp.target) == "numpy" and imp.module_level]


def violations(graph: dict[str, list[Import]], paths: dict[str, str] | None = None) -> list[str]:
    return (unlayered(graph) + upward(graph, paths) + rendering_outside_views(graph, paths)
            + numpy_at_module_level(graph, paths)
            + ["import cycle: " + " → ".join(c + c[:1]) for c in cycles(graph)])


# -- the package obeys the rule -----------------------------------------------------------------

@pytest.fixture(scope="module")
def package() -> tuple[dict[str, list[Import]], dict[str, str]]:
    sources, paths = package_sources()
    return imports_of(sources), paths


def test_the_package_obeys_the_layering_rule(package):
    graph, paths = package
    problems = violations(graph, paths)
    assert not problems, "layering violations:\n" + "\n".join(problems)


def test_the_reader_sees_the_whole_package(package):
    graph, _ = package
    # every layer is present, and known imports are read (a reader that found nothing would
    # pass every rule)
    assert {layer(m) for m in graph} == set(range(7)) | {API}
    targets = {(i.source, i.target) for found in graph.values() for i in found}
    assert ("bptutor.views.quiz_view", "bptutor.tools.quiz") in targets
    assert ("bptutor.tools.training", "numpy") in targets
    function_level = {(i.source, i.target) for found in graph.values() for i in found
                      if not i.module_level}
    assert ("bptutor.cli", "bptutor.views.quiz_view") in function_level


@pytest.mark.parametrize("module", ["bptutor.cli", "bptutor.tools.quiz", "bptutor.tools.grading",
                                    "bptutor.sheet.worksheet", "bptutor.files.answers"])
def test_importing_loads_no_renderer_and_no_numpy(module):
    # at run time too: an import reached some other way (importlib, a re-export) shows here
    code = (f"import sys, {module}; "
            "print(' '.join(m for m in ('numpy', 'rich', 'textual') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []


# -- the checker catches planted violations --------------------------------------------------

CLEAN = {
    "bptutor": "",
    "bptutor.__main__": "from bptutor.cli import main\n",
    "bptutor.errors": "import os\n",
    "bptutor.model": "",
    "bptutor.model.net": "from bptutor.errors import BptutorError\n",
    "bptutor.files": "",
    "bptutor.files.answers": "from bptutor.model import net\nfrom . import problems\n",
    "bptutor.files.problems": "from ..model.net import Net\n",
    "bptutor.tools": "",
    "bptutor.tools.gradcheck": "import numpy as np\nfrom bptutor.files.answers import read\n",
    "bptutor.views": "",
    "bptutor.views.table": "from rich.table import Table\nfrom bptutor.tools import gradcheck\n",
    "bptutor.cli": ("import typer\nfrom bptutor import __version__\n"
                    "def quiz():\n    from bptutor.views import table\n    import numpy\n"),
}


def planted(**changes: str) -> dict[str, list[Import]]:
    """The clean synthetic package with some modules' source replaced or added."""
    return imports_of({**CLEAN, **{name.replace("__", "."): src for name, src in changes.items()}})


def test_the_clean_synthetic_package_passes():
    graph = imports_of(CLEAN)
    assert violations(graph) == []
    # relative and submodule imports resolve to the modules they name
    targets = {i.target for i in graph["bptutor.files.answers"]}
    assert targets == {"bptutor.model.net", "bptutor.files.problems"}
    assert [i.target for i in graph["bptutor.files.problems"]] == ["bptutor.model.net"]


def test_an_upward_import_is_caught_with_its_line():
    graph = planted(bptutor__files__answers="import os\nfrom bptutor.views.table import x\n")
    assert upward(graph) == ["bptutor.files.answers:2: bptutor.files.answers (files, 2) imports "
                             "bptutor.views.table (views, 5)"]


def test_an_upward_import_inside_a_function_is_caught_but_not_under_type_checking():
    inside = planted(bptutor__model__net="def f():\n    from bptutor.tools import gradcheck\n")
    assert len(upward(inside)) == 1 and "imports bptutor.tools.gradcheck" in upward(inside)[0]
    typing_only = planted(bptutor__model__net=(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from bptutor.tools.gradcheck import Report\nelse:\n    from bptutor.views import x\n"))
    # the TYPE_CHECKING branch is exempt; its else branch runs and is not
    assert [p.split(" imports ")[1] for p in upward(typing_only)] == ["bptutor.views (views, 5)"]


def test_a_relative_upward_import_is_caught():
    graph = planted(bptutor__model__net="from ..views import table\n")
    assert upward(graph) == ["bptutor.model.net:1: bptutor.model.net (model, 1) imports "
                             "bptutor.views.table (views, 5)"]


def test_the_api_is_on_top_except_for_its_metadata():
    graph = planted(bptutor__files__answers="from bptutor import load\n")
    assert upward(graph) == ["bptutor.files.answers:1: bptutor.files.answers (files, 2) "
                             "imports bptutor (API, 7)"]


def test_a_cycle_is_caught_and_a_function_level_back_edge_is_not():
    cycle = planted(bptutor__model__net="from bptutor.model import shape\n",
                    bptutor__model__shape="from bptutor.model.net import Net\n")
    assert cycles(cycle) == [["bptutor.model.net", "bptutor.model.shape"]]
    assert "import cycle: bptutor.model.net → bptutor.model.shape → bptutor.model.net" in \
        violations(cycle)
    deferred = planted(bptutor__model__net="from bptutor.model import shape\n",
                       bptutor__model__shape="def f():\n    from bptutor.model.net import Net\n")
    assert cycles(deferred) == []


def test_a_longer_cycle_and_a_self_import_are_caught():
    graph = planted(bptutor__tools__a="import bptutor.tools.b\n",
                    bptutor__tools__b="import bptutor.tools.c\n",
                    bptutor__tools__c="from bptutor.tools import a\n",
                    bptutor__tools__d="import bptutor.tools.d\n")
    assert sorted(map(sorted, cycles(graph))) == [
        ["bptutor.tools.a", "bptutor.tools.b", "bptutor.tools.c"], ["bptutor.tools.d"]]


def test_rich_and_textual_outside_the_views_are_caught():
    graph = planted(bptutor__tools__quiz="def ask():\n    from rich.console import Console\n",
                    bptutor__sheet__tutor="import textual.app\n")
    assert sorted(rendering_outside_views(graph)) == [
        "bptutor.sheet.tutor:1: bptutor.sheet.tutor imports textual.app; only views/ and cli.py "
        "may render",
        "bptutor.tools.quiz:2: bptutor.tools.quiz imports rich.console; only views/ and cli.py "
        "may render"]


def test_numpy_at_module_level_outside_the_numeric_tools_is_caught():
    graph = planted(bptutor__model__net="import numpy\n",
                    bptutor__tools__practice="def draw():\n    import numpy as np\n",
                    bptutor__views__table="from numpy import linspace\n")
    assert [p.split(":")[0] for p in numpy_at_module_level(graph)] == [
        "bptutor.model.net", "bptutor.views.table"]


def test_a_module_of_no_known_layer_is_reported():
    graph = planted(bptutor__plugins__extra="")
    assert unlayered(graph) == [
        "bptutor.plugins.extra: no layer; add its package to LAYERS in tests/test_layers.py"]
