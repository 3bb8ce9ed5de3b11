"""JSON Schemas for editors: valid draft 2020-12, true to every bundled file and template.

The problem schema is never stricter than the loader ("schema and loader agree": what it
rejects, `bptutor solve` rejects too, with a located exit-2 error); the loader may reject more
(shapes and other rules JSON Schema cannot state). The answers schema also flags values that
load but that `check` marks invalid.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
import test_problems as test_problem  # the validator's cases
import test_yamlfile
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import bptutor.files.schema
from bptutor.cli import app
from bptutor.errors import BptutorError
from bptutor.files import problems as problem_module
from bptutor.files.problems import NOTATIONS, bundled_dir, load
from bptutor.files.schema import KINDS, schema_modeline, schema_text, schema_url
from bptutor.files.yamlfile import Map, Node, Scalar, Seq, parse, read
from bptutor.model.activations import ACTIVATION_ALIASES, ACTIVATIONS
from bptutor.model.expression import FUNCTIONS, NAME
from bptutor.model.losses import LOSSES

SCHEMAS = {kind: json.loads(schema_text(kind)) for kind in KINDS}
PROBLEM = Draft202012Validator(SCHEMAS["problem"])
ANSWERS = Draft202012Validator(SCHEMAS["answers"])
BUNDLED = sorted(bundled_dir().glob("*.yaml"))
GRAPH = {"bptutor": 1, "kind": "graph", "title": "L = c(a + 2b)",  # SPEC §1
         "inputs": {"a": 3, "b": 1, "c": 2}, "nodes": {"d": "2*b", "e": "a + d", "L": "c*e"},
         "output": "L"}


def to_data(node: Node) -> object:
    """The YAML as the loader reads it (its own scalar rules: 1e-3 is a number), as JSON data."""
    if isinstance(node, Map):
        return {key: to_data(value) for key, value in node.items.items()}
    if isinstance(node, Seq):
        return [to_data(item) for item in node.items]
    assert isinstance(node, Scalar)
    return node.value


def _defs(kind: str = "problem") -> dict:
    return SCHEMAS[kind]["$defs"]


# -- the schemas themselves ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind):
    Draft202012Validator.check_schema(SCHEMAS[kind])
    assert SCHEMAS[kind]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMAS[kind]["$id"] == schema_url(kind)


def test_names_and_keys_match_the_loader():
    defs = _defs()
    assert set(defs["activationName"]["enum"]) == set(ACTIVATIONS) | set(ACTIVATION_ALIASES)
    per_neuron = defs["layer"]["properties"]["activation"]["anyOf"][1]["items"]["enum"]
    assert set(per_neuron) == set(defs["activationName"]["enum"]) - {"softmax"}
    network = defs["network"]["properties"]
    assert tuple(network["loss"]["enum"]) == LOSSES
    assert tuple(network["notation"]["enum"]) == NOTATIONS
    assert set(network) == set(problem_module._TOP_KEYS) - {"inputs", "nodes", "output"}
    assert set(defs["layer"]["properties"]) == set(problem_module._LAYER_KEYS)
    name = re.compile(defs["name"]["pattern"])
    for text in ["x1", "_a", "W1[1,2]", "w_H0U0", "u1'", "ĥ₁", "Ω", "a.b"]:
        assert name.search(text) and problem_module._NAME.fullmatch(text), text
    for text in ["1x", "a-b", "a b", "", "[a]", "a/b", "-a", "'a", "x+"]:
        assert not name.search(text) and not problem_module._NAME.fullmatch(text), text


def test_graph_names_and_keys_match_the_loader():
    graph = _defs()["graph"]["properties"]
    assert set(graph) == set(problem_module._GRAPH_KEYS)
    assert set(_defs()["graphName"]["not"]["enum"]) == set(FUNCTIONS)
    name = re.compile(_defs()["graphName"]["pattern"])
    for text in ["a", "x1", "_t", "dot", "ĥ"]:
        assert name.search(text) and NAME.fullmatch(text), text
    for text in ["1x", "W1[1,2]", "a.b", "u1'", "a-b", ""]:
        assert not name.search(text) and not NAME.fullmatch(text), text


def test_modeline_names_the_installed_schema_file():
    for kind in KINDS:
        prefix, _, url = schema_modeline(kind).partition("$schema=")
        assert prefix == "# yaml-language-server: " and url.startswith("file://")
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path))
        assert path.read_text(encoding="utf-8") == schema_text(kind)
        assert json.loads(path.read_text(encoding="utf-8"))["$id"] == schema_url(kind)
    with pytest.raises(ValueError):
        schema_modeline("nope")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_modeline_finds_the_schema_in_the_source_tree(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    target = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)[1]
    schema_file = Path(bptutor.__file__).parent / "schema" / "problem.schema.json"
    assert (ROOT / "problems" / target).resolve() == schema_file.resolve()


# -- `bptutor schema` ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_schema_command_prints_the_file(run, kind):
    result = run("schema", kind)
    assert result.exit_code == 0, result.stderr
    path = Path(bptutor.__file__).parent / "schema" / f"{kind}.schema.json"
    assert result.stdout == path.read_text(encoding="utf-8")
    assert json.loads(result.stdout) == SCHEMAS[kind]


def test_schema_command_unknown_name_is_a_usage_error(run):
    result = run("schema", "nope")
    assert result.exit_code == 2
    assert result.stdout == "" and "nope" in result.stderr
    assert "Examples" in run("schema", "--help").stdout


def test_schema_and_template_work_from_an_installed_wheel(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True)
    wheel = next(tmp_path.glob("bptutor-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"bptutor/schema/{kind}.schema.json" for kind in KINDS} <= set(names)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    for args in (["schema", "answers"], ["template", "xor"]):
        code = ("import bptutor, sys; assert 'site' in bptutor.__file__; "
                f"from bptutor.cli import main; sys.argv = ['bptutor', *{args!r}]; main()")
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        if args[0] == "schema":
            assert out.stdout == schema_text("answers")
        else:
            # the modeline names the schema of the copy that wrote it
            installed = site / "bptutor" / "schema" / "answers.schema.json"
            assert out.stdout.splitlines()[0] == (
                f"# yaml-language-server: $schema={installed.resolve().as_uri()}")


# -- good files validate -------------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_problem_validates(path):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in PROBLEM.iter_errors(
        to_data(read(path)))]
    assert not errors, errors


def test_spec_graph_example_validates():
    assert not list(PROBLEM.iter_errors(GRAPH))


_KEY_LINE = re.compile(r'^(  (?:"(?:[^"\\]|\\.)*"|[^\s#"][^#]*?):)\s*(?:#.*)?$')


def _fill(template: str, values: dict[str, float]) -> str:
    """Each empty `key:` line of a template gets the solve value of its key."""
    out = []
    for line in template.splitlines():
        match = _KEY_LINE.match(line)
        if match:
            raw = match[1].strip()[:-1]
            key = json.loads(raw) if raw.startswith('"') else raw  # "…" escapes are JSON's
            line = f"{match[1]} {values[key]!r}"
        out.append(line)
    return "\n".join(out) + "\n"


NETWORKS = [path for path in BUNDLED if to_data(read(path)).get("kind") != "graph"]


@pytest.mark.parametrize("path, options", [(path, []) for path in BUNDLED] + [
    (path, ["--notation", "delta"]) for path in NETWORKS],
    ids=lambda v: v.stem if isinstance(v, Path) else " ".join(v) or "as-filed")
def test_template_answers_validate_empty_and_filled(run, tmp_path, path, options):
    made = run("template", path.stem, *options)
    assert made.exit_code == 0, made.stderr
    assert made.stdout.splitlines()[0] == schema_modeline("answers")
    solved = run("solve", path.stem, *options, "-f", "json")
    values = {step["key"]: step["value"] for step in json.loads(solved.stdout)["steps"]}
    filled = _fill(made.stdout, values)
    for text in (made.stdout, filled):
        data = to_data(parse(text, "answers.yaml"))
        assert not [e.message for e in ANSWERS.iter_errors(data)]
    assert set(to_data(parse(filled, "a.yaml"))["answers"]) == set(values)
    (tmp_path / "a.yaml").write_text(filled, encoding="utf-8")
    assert run("check", tmp_path / "a.yaml").exit_code == 0


@pytest.mark.parametrize("answers, outcome", [
    ({"problem": "tanh-chain", "answers": {"q": "tanh(-0.8)"}}, "invalid"),
    ({"problem": "tanh-chain", "answers": {"q": True}}, "invalid"),
    ({"problem": "tanh-chain", "answers": {"q": [1]}}, "invalid"),
    ({"problem": "tanh-chain", "answer": {}}, "refused"),
    ({"student": "Ada", "answers": {}}, "refused"),
    ({"problem": 3}, "refused"),
])
def test_answers_schema_flags_what_check_refuses_or_marks_invalid(run, tmp_path, answers,
                                                                  outcome):
    """Answers files are the one place the schema is stricter than loading: a value that is no
    number loads, and check marks it invalid."""
    assert not ANSWERS.is_valid(answers)
    path = tmp_path / "a.yaml"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = run("check", path, "-f", "json")
    if outcome == "refused":
        assert result.exit_code == 2 and result.stderr.startswith(f"{path}:")
    else:
        items = json.loads(result.stdout)["files"][0]["items"]
        assert [item["verdict"] for item in items if item["key"] == "q"] == ["invalid"]


@pytest.mark.parametrize("value", [-0.66, "−0.66", "1e-3", "3/4", "-0.60", None])
def test_answers_schema_accepts_what_check_reads(value):
    assert ANSWERS.is_valid({"problem": "tanh-chain", "student": None, "answers": {"q": value}})


# -- schema and loader agree ----------------------------------------------------------------------

def loader_verdict(text: str, folder: Path) -> str | None:
    """None when the loader accepts the file; else its error, checked to be located and exit 2
    through the real command line."""
    path = folder / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load(path)
        return None
    except BptutorError as exc:
        error = exc
    result = CliRunner().invoke(app, ["solve", str(path), "-f", "json"])
    assert result.exit_code == 2, (text, result.output)
    assert re.match(rf"{re.escape(str(path))}:[1-9]\d*:[1-9]\d*: error: ", result.stderr)
    return error.message


def schema_errors(data: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in PROBLEM.iter_errors(data)]


def agree(text: str, folder: Path) -> tuple[bool, str | None]:
    """Assert the agreement for one problem text; (schema rejected, loader's error)."""
    data = to_data(parse(text, "p.yaml"))
    rejected = bool(schema_errors(data))
    verdict = loader_verdict(text, folder)
    assert not rejected or verdict is not None, (text, schema_errors(data))
    return rejected, verdict


def _runs(fn) -> list[dict]:
    """Every parameter set of a pytest test function (stacked parametrize marks multiply)."""
    sets = [[]]
    for mark in getattr(fn, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        rows = [getattr(v, "values", v) for v in values]
        rows = [row if len(names) > 1 else (row,) for row in rows]
        sets = [a + list(zip(names, row)) for a in sets for row in rows]
    return [dict(s) for s in sets]


def harvest(module) -> list[str | bytes]:
    """The broken files a test module hands to its `fails_at` helper: each test that calls it
    runs with `fails_at` replaced by a recorder (what the test asserts afterwards is moot)."""
    texts: list[str | bytes] = []
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as folder:
        patch.setattr(module, "fails_at", lambda tmp_path, content, *a, **k: texts.append(
            content) or "")
        for name, fn in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(fn)) or \
                    hasattr(fn, "hypothesis") or "fails_at(" not in inspect.getsource(fn):
                continue
            wanted = inspect.signature(fn).parameters
            for params in _runs(fn):
                fixtures = {"tmp_path": Path(folder)} if "tmp_path" in wanted else {}
                try:
                    fn(**fixtures, **params)
                except Exception:  # noqa: BLE001 - the recorder returns no error text to check
                    pass
    return texts


def yaml_data_corpus() -> tuple[list[str], list[str | bytes]]:
    """The harvested broken files split into those the strict reader turns into data and those
    it refuses as YAML (bad bytes, tags, anchors, duplicate keys, …: no data to check)."""
    readable, refused = [], []
    for content in harvest(test_problem) + harvest(test_yamlfile):
        try:
            text = content.decode("utf-8") if isinstance(content, bytes) else content
            parse(text, "p.yaml")
            readable.append(text)
        except (BptutorError, UnicodeDecodeError):
            refused.append(content)
    return readable, refused


def test_broken_files_of_the_loader_tests(tmp_path):
    readable, refused = yaml_data_corpus()
    assert len(readable) > 100 and len(refused) > 20  # the harvest found the tests' files
    rejected = [text for text in readable if agree(text, tmp_path)[0]]
    assert len(rejected) > 60  # and the schema catches a good share of them


def test_loader_rejected_texts_include_the_schema_rejected(tmp_path):
    text = test_problem.edit("activation: tanh", "activation: tnah")
    assert agree(text, tmp_path) == (True, "unknown activation 'tnah'")
    shape = test_problem.edit("[[0.5, -0.5]]", "[[0.5]]")
    rejected, verdict = agree(shape, tmp_path)
    assert not rejected and "has 1 entry; it needs 2" in verdict


# mutations at the data level of good problems

BASES = [to_data(read(path)) for path in BUNDLED] + [
    to_data(parse(test_problem.BASE, "p.yaml")), to_data(parse(test_problem.SOFTMAX, "p.yaml")),
    GRAPH]
WRONG = [0, -3, 1, 2.5, 13, 10_001, "", "text", "1x", "E", "tanh", "a ^ 2", "2*", True, False,
         None,
         [], [1], [0.5, 2], [[1]], [["a"]], {"a": 1}, {}]
UNKNOWN_KEYS = ["biases", "learning_rte", "inputs", "nodes", "output", "input", "target",
                "examples", "kind", "alpha", "bias_names", "extra", "exp", "1x", "a.b"]
ENUM_KEYS = {"loss": list(LOSSES) + ["squared-error", "hinge", "cross entropy"],
             "notation": ["activation", "delta", "Delta", "deltas"],
             "kind": ["network", "graph", "grahp", "Network"],
             "activation": ["tanh", "softmax", "linear", "logistic", "tnah", "step", "ReLU",
                            ["tanh", "relu"], ["softmax"], ["sigmod"], []]}
ROUNDS = [-1, 13, 100, 2.5, "2", True, 0, 12, None]


def _paths(data, at=()):
    yield at
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        yield from _paths(value, (*at, key))


def _get(data, path):
    for key in path:
        data = data[key]
    return data


@st.composite
def mutated(draw) -> dict:
    def pick(pool: list):  # a copy: pools are shared by every example
        return copy.deepcopy(draw(st.sampled_from(pool)))

    data = pick(BASES)
    for _ in range(draw(st.integers(1, 2))):
        if not isinstance(data, dict):
            break
        paths = list(_paths(data))
        how = draw(st.sampled_from(["delete", "add", "wrong", "enum", "round"]))
        if how == "round":
            data["round"] = pick(ROUNDS)
            continue
        if how == "add":
            maps = [p for p in paths if isinstance(_get(data, p), dict)]
            target = _get(data, draw(st.sampled_from(maps)))
            target[draw(st.sampled_from(UNKNOWN_KEYS))] = pick(WRONG)
            continue
        if how == "enum":
            spots = [p for p in paths if p and p[-1] in ENUM_KEYS]
            path = draw(st.sampled_from(spots)) if spots else ("loss",)
            _get(data, path[:-1])[path[-1]] = pick(ENUM_KEYS[path[-1]])
            continue
        path = draw(st.sampled_from([p for p in paths if p]))
        parent = _get(data, path[:-1])
        if how == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = pick(WRONG)
    return data


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutants")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_problems(folder, data):
    text = json.dumps(data, ensure_ascii=False)  # JSON is YAML; strings stay quoted strings
    assert to_data(parse(text, "p.yaml")) == data
    agree(text, folder)


def test_every_base_is_valid_for_both(tmp_path):
    for data in BASES:
        assert not schema_errors(data)
        assert loader_verdict(json.dumps(data), tmp_path) is None
