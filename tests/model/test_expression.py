"""The expression parser of graph problems (SPEC §1): Python's precedence and associativity,
each function's value and derivative against central differences, how expressions are
written, and every parse error as a located `path:line:col: error:` from the real CLI."""

from __future__ import annotations

import math

import pytest
from conftest import assert_located

from bptutor.errors import BptutorError, Mark
from bptutor.model.expression import (
    FUNCTIONS,
    MathError,
    Name,
    derivative,
    ordered_names,
    parse,
    write,
)

NAMES = ("a", "b", "c", "e", "t", "x", "y", "u")
EPS = 1e-6


def expr(text: str, names=NAMES):
    return parse(text, "test.yaml", lambda i: Mark(1, 1 + i), names)


def value(text: str, **env: float) -> float:
    return expr(text).value(env)


# -- precedence and associativity (as in Python) ------------------------------------------------

@pytest.mark.parametrize("text", [
    "1 + 2*3", "(1 + 2)*3", "2*3 + 4/8", "8/4/2", "8/(4/2)", "10 - 4 - 3", "10 - (4 - 3)",
    "2**3**2", "(2**3)**2", "-2**2", "(-2)**2", "2**-1", "-2*3", "--2", "-(-2)", "+3 - +2",
    "2*-3", "1e-3*1000", ".5 + 1.", "2**-1**2", "-3**-2", "6/2*3", "2 - -2",
])
def test_arithmetic_matches_python(text):
    assert value(text) == pytest.approx(eval(text), rel=1e-15)  # the reference, not the parser


def test_unary_minus_is_below_power_and_above_product():
    assert value("-a**2", a=3) == -9
    assert value("-a*b", a=2, b=3) == -6
    assert value("-a**-b", a=2, b=1) == -0.5


def test_power_is_right_associative():
    assert value("a**b**c", a=2, b=3, c=2) == 512


def test_unicode_signs_of_the_sheet_are_read():
    assert value("a·b − c×2", a=2, b=3, c=1) == 4


# -- how an expression is written ----------------------------------------------------------------

@pytest.mark.parametrize("text, written", [
    ("c*e", "c·e"), ("a + 2*b", "a + 2·b"), ("-a**2", "-a²"), ("(-a)**2", "(-a)²"),
    ("a**b**c", "a^(b^c)"), ("(a**b)**c", "(a^b)^c"), ("a - (b - c)", "a - (b - c)"),
    ("a - (b + c)", "a - (b + c)"), ("(a - b) - c", "a - b - c"), ("a/(b*c)", "a/(b·c)"),
    ("(a + b)*c", "(a + b)·c"), ("a**0.5", "a^0.5"), ("a**(b + 1)", "a^(b + 1)"),
    ("sigmoid(x)", "σ(x)"), ("max(a, b, c)", "max(a, b, c)"), ("a - -b", "a - (-b)"),
    ("1e-3*a", "0.001·a"), ("-(a*b)", "-a·b"), ("-(a + b)", "-(a + b)"),
])
def test_written_forms(text, written):
    assert write(expr(text)) == written


def test_negative_numbers_are_bracketed_after_an_operator_only():
    e = expr("a*b - c + a**2 + exp(c)")
    numbers = {"a": "-2", "b": "-3", "c": "-1"}
    assert write(e, numbers) == "-2·(-3) - (-1) + (-2)² + exp(-1)"


def test_names_are_listed_once_in_written_order():
    assert ordered_names(expr("b*a + a*c + b")) == ("b", "a", "c")


# -- values and derivatives of every function ----------------------------------------------------

POINTS = [-1.7, -0.4, 0.3, 0.9, 2.2]
ONE_ARGUMENT = [fn for fn, (low, high) in FUNCTIONS.items() if high == 1]
REFERENCE = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh,
             "sigmoid": lambda x: 1 / (1 + math.exp(-x)), "relu": lambda x: max(x, 0.0),
             "abs": abs, "sin": math.sin, "cos": math.cos}


def central(text: str, name: str, env: dict[str, float]) -> float:
    e = expr(text)
    up, down = dict(env), dict(env)
    up[name] += EPS
    down[name] -= EPS
    return (e.value(up) - e.value(down)) / (2 * EPS)


def test_every_function_is_covered():
    assert set(ONE_ARGUMENT) == set(REFERENCE)
    assert {fn for fn, (low, high) in FUNCTIONS.items() if high is None} == {"max", "min"}


@pytest.mark.parametrize("fn", ONE_ARGUMENT)
@pytest.mark.parametrize("x", POINTS)
def test_function_value_and_derivative(fn, x):
    if fn in ("log", "sqrt"):
        x = abs(x)
    text = f"{fn}(x)"
    assert value(text, x=x) == pytest.approx(REFERENCE[fn](x), rel=1e-14)
    slope = derivative(expr(text), "x").value({"x": x})
    assert slope == pytest.approx(central(text, "x", {"x": x}), rel=1e-6, abs=1e-8)
    # written from the node's own value, as the sheet does (u = fn(x))
    own = derivative(expr(text), "x", Name("u")).value({"x": x, "u": REFERENCE[fn](x)})
    assert own == pytest.approx(slope, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("fn", ["max", "min"])
def test_max_and_min_derivatives(fn):
    env = {"a": 0.5, "b": -1.5, "c": 2.0}
    text = f"{fn}(a, b, c)"
    assert value(text, **env) == (max if fn == "max" else min)(env.values())
    for name in env:
        slope = derivative(expr(text), name).value(env)
        assert slope == pytest.approx(central(text, name, env), abs=1e-9)
    # a tie goes to the first argument, as relu′(0) = 1 goes to the right side
    tie = {"a": 1.0, "b": 1.0, "c": 0.0}
    slopes = [derivative(expr("max(a, b, c)"), n).value(tie) for n in "abc"]
    assert slopes == [1.0, 0.0, 0.0]


def test_relu_slope_at_zero_is_one():
    assert derivative(expr("relu(x)"), "x").value({"x": 0.0}) == 1.0


@pytest.mark.parametrize("text", [
    "a*b + b/c", "a**c", "c**a", "c**a**c", "-(a*log(c) + (1 - a)*log(c + 1))",
    "sqrt(c)*exp(-a*b)", "tanh(a*b) - sigmoid(c/b)", "sin(a)*cos(a*b)", "a*a*a + a",
    "1/(1 + exp(-(a*b + c)))", "abs(b)*max(a, c)**2", "(a + b)/(c - b)",
])
def test_composite_derivatives_match_central_differences(text):
    env = {"a": 0.7, "b": -1.3, "c": 2.1}
    for name in env:
        slope = derivative(expr(text), name).value(env)
        assert slope == pytest.approx(central(text, name, env), rel=1e-6, abs=1e-8), name


@pytest.mark.parametrize("text, name, written", [
    ("a + a", "a", "2"), ("a*a", "a", "2·a"), ("a*a*a", "a", "3·a·a"), ("c*e", "e", "c"),
    ("2*b", "b", "2"), ("a - b", "b", "-1"), ("a/b", "b", "-a/b²"), ("a**3", "a", "3·a²"),
    ("-(t*log(y) + (1 - t)*log(1 - y))", "y", "-(t/y - (1 - t)/(1 - y))"),
])
def test_derivatives_are_written_as_a_person_would(text, name, written):
    e = expr(text)
    assert write(derivative(e, name)) == written


@pytest.mark.parametrize("text, name, written", [
    ("sigmoid(x)", "x", "u·(1 - u)"), ("tanh(x)", "x", "1 - u²"), ("exp(x)", "x", "u"),
    ("sqrt(x)", "x", "1/(2·u)"), ("relu(x)", "x", "[x ≥ 0]"), ("log(x)", "x", "1/x"),
])
def test_a_nodes_own_value_stands_for_its_function(text, name, written):
    assert write(derivative(expr(text), name, Name("u"))) == written


@pytest.mark.parametrize("text, env, words", [
    ("log(a)", {"a": 0.0}, "log(0) is undefined"),
    ("sqrt(a)", {"a": -4.0}, "sqrt(-4) is undefined"),
    ("a/b", {"a": 1.0, "b": 0.0}, "division by 0"),
    ("exp(a)", {"a": 1000.0}, "too large"),
    ("a**b", {"a": -8.0, "b": 1 / 3}, "fractional power"),
    ("a**b", {"a": 0.0, "b": -1.0}, "0 to a negative power"),
    ("a*b", {"a": 1e200, "b": 1e200}, "too large"),
])
def test_math_errors_say_where(text, env, words):
    with pytest.raises(MathError) as info:
        expr(text).value(env)
    assert words in info.value.message
    assert isinstance(info.value.mark, Mark)


def test_deep_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(BptutorError, match="nested more than"):
        expr("(" * 150 + "a" + ")" * 150)
    with pytest.raises(BptutorError, match="nested more than"):
        expr(" + ".join(["a"] * 150))
    assert expr(" + ".join(["a"] * 60)).value({"a": 1.0}) == 60


# -- parse errors, located in the file ---------------------------------------------------------

GRAPH = """\
bptutor: 1
kind: graph
inputs: {a: 3, b: 1, c: 2}
nodes:
  d: 2*b
  e: a + d
  L: {L}
"""


def fails_at(run, tmp_path, expression: str, line: int, col: int, *words: str,
             hint: str | None = None, text: str = GRAPH) -> str:
    path = tmp_path / "graph.yaml"
    path.write_text(text.replace("{L}", expression), encoding="utf-8")
    result = run("solve", path, "--format", "json")
    assert result.exit_code == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    return assert_located(result.stderr, path, line, col, words, hint)


@pytest.mark.parametrize("expression, col, words, hint", [
    ("c*q", 8, ["unknown name 'q'"], "names are the inputs and the nodes above"),
    ("c*ee", 8, ["unknown name 'ee'"], "did you mean 'e'?"),
    ("c*L", 8, ["L is used before it is defined"], "no cycles"),
    ("foo(e)", 6, ["unknown function 'foo'"], "functions: exp"),
    ("c*sigmod(e)", 8, ["unknown function 'sigmod'"], "did you mean 'sigmoid'?"),
    ("ln(e)", 6, ["unknown function 'ln'"], "did you mean 'log'?"),
    ("c(a + 2*b)", 6, ["c is not a function"], "c*(...)"),
    ("exp", 6, ["exp is a function"], "exp(...)"),
    ("exp(c, e)", 6, ["exp takes exactly 1 argument, not 2"], None),
    ("max(c)", 6, ["max takes at least 2 arguments, not 1"], None),
    ("exp()", 6, ["exp takes exactly 1 argument, not 0"], None),
    ("c * * e", 10, ["expected a number, a name or '('", "'*'"], None),
    ("c*(e", 8, ["'(' is never closed"], None),
    ("c*e)", 9, ["')' without a matching '('"], None),
    ("c*e e", 10, ["an operator is missing before 'e'"], None),
    ("2c", 7, ["an operator is missing before 'c'"], "2*b"),
    ("c*e,", 9, ["unexpected ','"], None),
    ("max(c e)", 12, ["expected ',' or ')' in max(...)"], None),
    ("exp(", 10, ["expected a number, a name or '('", "end of the expression"], None),
    ("c ^ 2", 8, ["'^' is not a power here"], "a**2"),
    ("c & e", 8, ["unexpected character '&'"], None),
    ("c*1e999", 8, ["1e999 is too large"], None),
])
def test_parse_errors_are_located(run, tmp_path, expression, col, words, hint):
    fails_at(run, tmp_path, expression, 7, col, *words, hint=hint)


def test_a_node_using_itself_or_a_later_node(run, tmp_path):
    text = GRAPH.replace("  d: 2*b", "  d: 2*b + e")
    fails_at(run, tmp_path, "c*e", 5, 12, "e is used before it is defined", text=text)
    fails_at(run, tmp_path, "c*e + L", 7, 12, "L is used before it is defined")


def test_columns_inside_quoted_and_block_scalars(run, tmp_path):
    fails_at(run, tmp_path, '"c * q"', 7, 11, "unknown name 'q'")
    fails_at(run, tmp_path, "'c*q'", 7, 9, "unknown name 'q'")
    fails_at(run, tmp_path, "|\n    c *\n      q", 9, 7, "unknown name 'q'")
    fails_at(run, tmp_path, ">\n    c * e +\n    q", 9, 5, "unknown name 'q'")
    fails_at(run, tmp_path, "c * e\n    + q", 8, 7, "unknown name 'q'")
