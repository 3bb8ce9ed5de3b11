"""Expressions of computation-graph nodes: a whitelist parser (never ``eval``) and a small AST.

Each AST node knows its value, its local partial derivatives with respect to its children
(micrograd style: every operation carries its own local derivative), and how it is written,
with names or with numbers substituted. ``derivative`` chains the local derivatives into
∂e/∂v as another expression, simplified the way a person would write it (1 + 1 → 2,
a + a → 2·a), so a worksheet can show it, substitute numbers into it and compute it.

Math errors (log of 0, division by 0, overflow) raise ``MathError`` with the mark of the
node that failed, so the worksheet can point at the place in the problem file.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal
from decimal import Overflow as DecimalOverflow
from typing import Any

from bptutor.errors import BptutorError, Mark, clip
from bptutor.model import paper
from bptutor.model.rounding import show_given

# Python's precedences: unary minus binds tighter than * and /, looser than ** (-a**2 = -(a**2))
ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5
MAX_DEPTH = 100  # deeper expressions are no exercise, and would exhaust Python's recursion

# name: (fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "exp": (1, 1), "log": (1, 1), "sqrt": (1, 1), "tanh": (1, 1), "sigmoid": (1, 1),
    "relu": (1, 1), "abs": (1, 1), "sin": (1, 1), "cos": (1, 1), "max": (2, None),
    "min": (2, None),
}
_ALIASES = {"ln": "log", "σ": "sigmoid", "sigma": "sigmoid", "logistic": "sigmoid"}
_SHOWN = {"sigmoid": "σ"}  # how a function is written on the sheet (the lecture's σ)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TOKEN = re.compile(r"(?P<space>\s+)|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[^\W\d]\w*)|(?P<op>\*\*|[-+*/(),^·×−])")
_SAME_OP = {"·": "*", "×": "*", "−": "-"}  # the sheet's product sign and minus are read too
NAME = re.compile(r"[^\W\d]\w*")


class MathError(ArithmeticError):
    """A value the expression cannot have (log 0, a division by 0, an overflow), where."""

    def __init__(self, mark: Mark | None, message: str):
        super().__init__(message)
        self.mark = mark
        self.message = message


def _num(x: float) -> str:
    return show_given(float(f"{x:.12g}"))


# -- the AST ------------------------------------------------------------------------------

class Expr:
    prec = ATOM
    names: frozenset[str] = frozenset()
    depth = 1

    def __init__(self, mark: Mark | None):
        self.mark = mark

    def children(self) -> tuple[Expr, ...]:
        return ()

    def value(self, env: Mapping[str, float]) -> float:
        raise NotImplementedError

    def local(self, out: Expr) -> tuple[Expr, ...]:
        """∂self/∂child for each child; ``out`` is what stands for this node's own value."""
        return ()

    def write(self, subst: Mapping[str, str] | None, lead: bool) -> str:
        raise NotImplementedError

    def _grow(self, *parts: Expr) -> None:
        self.names = frozenset().union(*(p.names for p in parts))
        self.depth = 1 + max((p.depth for p in parts), default=0)

    def fail(self, message: str) -> MathError:
        return MathError(self.mark, message)

    def finite(self, x: float) -> float:
        if not math.isfinite(x):
            raise self.fail(f"{write(self)} is too large to compute with")
        return x


def _w(e: Expr, subst, lead: bool, parens: bool = False) -> str:
    """A child written in its slot: bracketed when precedence needs it, or when it starts
    with a minus where a minus may not stand (after an operator): 2·(-3), 1 - (-0.5)²."""
    if parens:
        return f"({e.write(subst, True)})"
    text = e.write(subst, lead)
    return f"({text})" if not lead and text.startswith("-") else text


def write(e: Expr, subst: Mapping[str, str] | None = None) -> str:
    """The expression with its names, or with the texts in ``subst`` in place of names."""
    return e.write(subst, True)


class Num(Expr):
    def __init__(self, value: float, mark: Mark | None = None):
        super().__init__(mark)
        self.number = float(value)

    def value(self, env):
        return self.number

    def write(self, subst, lead):
        return _num(self.number)


class Name(Expr):
    def __init__(self, name: str, mark: Mark | None = None):
        super().__init__(mark)
        self.name = name
        self.names = frozenset([name])

    def value(self, env):
        return env[self.name]

    def write(self, subst, lead):
        return subst[self.name] if subst is not None else self.name


class Neg(Expr):
    prec = NEG

    def __init__(self, x: Expr, mark: Mark | None = None):
        super().__init__(mark)
        self.x = x
        self._grow(x)

    def children(self):
        return (self.x,)

    def value(self, env):
        return -self.x.value(env)

    def local(self, out):
        return (Num(-1.0, self.mark),)

    def write(self, subst, lead):
        return "-" + _w(self.x, subst, False, self.x.prec <= ADD)


class Bin(Expr):
    """a + b, a - b, a·b, a/b, a^b."""

    def __init__(self, op: str, a: Expr, b: Expr, mark: Mark | None = None):
        super().__init__(mark)
        self.op, self.a, self.b = op, a, b
        self.prec = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "**": POW}[op]
        self._grow(a, b)

    def children(self):
        return (self.a, self.b)

    def value(self, env):
        a, b = self.a.value(env), self.b.value(env)
        match self.op:
            case "+":
                return self.finite(a + b)
            case "-":
                return self.finite(a - b)
            case "*":
                return self.finite(a * b)
            case "/":
                if b == 0:
                    raise self.fail(f"division by 0 in {write(self)}: {write(self.b)} is 0")
                return self.finite(a / b)
        return self.power(a, b)

    def power(self, a: float, b: float) -> float:
        if a == 0 and b < 0:
            raise self.fail(f"{write(self)}: 0 to a negative power is undefined")
        if a < 0 and b != int(b):
            raise self.fail(f"{write(self)}: a negative number ({_num(a)}) to a fractional "
                            "power is undefined")
        try:
            return self.finite(a ** b)
        except OverflowError:
            raise self.fail(f"{write(self)} is too large to compute with") from None

    def local(self, out):
        a, b, m = self.a, self.b, self.mark
        match self.op:
            case "+":
                return Num(1.0, m), Num(1.0, m)
            case "-":
                return Num(1.0, m), Num(-1.0, m)
            case "*":
                return b, a
            case "/":  # 1/b and -a/b²
                return div(Num(1.0, m), b, m), neg(div(a, power(b, Num(2.0, m), m), m), m)
        one_less = subtract(b, Num(1.0, m), m)
        return mul(b, power(a, one_less, m), m), mul(out, Call("log", [a], m), m)

    def write(self, subst, lead):
        a, b = self.a, self.b
        match self.op:
            case "+":
                return f"{_w(a, subst, lead)} + {_w(b, subst, False)}"
            case "-":
                return f"{_w(a, subst, lead)} - {_w(b, subst, False, b.prec <= ADD)}"
            case "*":
                return f"{_w(a, subst, lead, a.prec < MUL)}·{_w(b, subst, False, b.prec < MUL)}"
            case "/":
                return f"{_w(a, subst, lead, a.prec < MUL)}/{_w(b, subst, False, b.prec <= MUL)}"
        base = _w(a, subst, False, a.prec <= POW)
        if isinstance(b, Num) and b.number in range(10):
            return base + str(int(b.number)).translate(_SUPERSCRIPT)
        return f"{base}^{_w(b, subst, False, b.prec < ATOM)}"


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class Call(Expr):
    """A whitelisted function, or ``sign`` (the derivative of abs)."""

    def __init__(self, fn: str, args: list[Expr], mark: Mark | None = None):
        super().__init__(mark)
        self.fn, self.args = fn, list(args)
        self._extremes: tuple[Expr, ...] | None = None  # max/min's local derivatives
        self._grow(*self.args)

    def children(self):
        return tuple(self.args)

    def value(self, env):
        xs = [arg.value(env) for arg in self.args]
        x = xs[0]
        match self.fn:
            case "max":
                return max(xs)
            case "min":
                return min(xs)
            case "log" if x <= 0:
                raise self.fail(f"log({_num(x)}) is undefined: log needs a number above 0")
            case "sqrt" if x < 0:
                raise self.fail(f"sqrt({_num(x)}) is undefined: sqrt needs a number ≥ 0")
            case "exp":
                try:
                    return self.finite(math.exp(x))
                except OverflowError:
                    raise self.fail(f"exp({_num(x)}) is too large to compute with") from None
        return _UNARY[self.fn](x)

    def local(self, out):
        x, m = self.args[0], self.mark
        one = Num(1.0, m)
        match self.fn:
            case "exp":
                return (out,)
            case "log":
                return (div(one, x, m),)
            case "sqrt":
                return (div(one, mul(Num(2.0, m), out, m), m),)
            case "tanh":
                return (subtract(one, power(out, Num(2.0, m), m), m),)
            case "sigmoid":
                return (mul(out, subtract(one, out, m), m),)
            case "relu":  # relu′(0) = 1, as in the lectures (SPEC §1)
                return (Iverson([(x, "≥", Num(0.0, m))], m),)
            case "abs":
                return (Call("sign", [x], m),)
            case "sin":
                return (Call("cos", [x], m),)
            case "cos":
                return (neg(Call("sin", [x], m), m),)
        if self._extremes is None:  # asked once per input the node reads: build them once
            self._extremes = tuple(self._extreme(i) for i in range(len(self.args)))
        return self._extremes

    def _extreme(self, i: int) -> Expr:
        """∂max/∂xᵢ: 1 where xᵢ is the first largest argument, else 0 (min alike)."""
        strict, loose = (">", "≥") if self.fn == "max" else ("<", "≤")
        xs = self.args
        return Iverson([(xs[i], strict if j < i else loose, xs[j])
                        for j in range(len(xs)) if j != i], self.mark)

    def write(self, subst, lead):
        args = ", ".join(_w(arg, subst, True) for arg in self.args)
        return f"{_SHOWN.get(self.fn, self.fn)}({args})"


_UNARY: dict[str, Callable[[float], float]] = {
    "log": math.log, "sqrt": math.sqrt, "tanh": math.tanh, "sigmoid": _sigmoid,
    "relu": lambda x: x if x > 0 else 0.0, "abs": abs, "sin": math.sin, "cos": math.cos,
    "sign": lambda x: float((x > 0) - (x < 0)),
}
_COMPARE = {">": lambda a, b: a > b, "≥": lambda a, b: a >= b,
            "<": lambda a, b: a < b, "≤": lambda a, b: a <= b}


class Iverson(Expr):
    """[a ≥ b, …]: 1 when every comparison holds, else 0 (relu′, ∂max/∂xᵢ)."""

    def __init__(self, tests: list[tuple[Expr, str, Expr]], mark: Mark | None = None):
        super().__init__(mark)
        self.tests = tests
        self._grow(*(e for a, _, b in tests for e in (a, b)))

    def value(self, env):
        return float(all(_COMPARE[op](a.value(env), b.value(env)) for a, op, b in self.tests))

    def write(self, subst, lead):
        return "[" + ", ".join(f"{_w(a, subst, True)} {op} {_w(b, subst, True)}"
                               for a, op, b in self.tests) + "]"


# -- building expressions the way a person simplifies them ----------------------------------

def _finite(x: float) -> bool:
    return math.isfinite(x)


def _is(e: Expr, number: float) -> bool:
    return isinstance(e, Num) and e.number == number


def _split(e: Expr) -> tuple[float, Expr | None]:
    """e as coefficient·rest (rest None for a number): 2·a → (2, a), -a → (-1, a)."""
    if isinstance(e, Num):
        return e.number, None
    if isinstance(e, Neg):
        c, rest = _split(e.x)
        return -c, rest
    if isinstance(e, Bin) and e.op == "*" and isinstance(e.a, Num):
        return e.a.number, e.b
    return 1.0, e


def add(a: Expr, b: Expr, mark: Mark | None = None) -> Expr:
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    (ca, ra), (cb, rb) = _split(a), _split(b)
    if ra is None and rb is None and _finite(ca + cb):
        return Num(ca + cb, mark)
    if ra is not None and rb is not None and write(ra) == write(rb) and _finite(ca + cb):
        return mul(Num(ca + cb, mark), ra, mark)  # like terms: a + a = 2·a
    if isinstance(b, Neg):
        return Bin("-", a, b.x, mark)
    if isinstance(b, Num) and b.number < 0:
        return Bin("-", a, Num(-b.number, mark), mark)
    return Bin("+", a, b, mark)


def subtract(a: Expr, b: Expr, mark: Mark | None = None) -> Expr:
    if isinstance(a, Num) and isinstance(b, Num) and _finite(a.number - b.number):
        return Num(a.number - b.number, mark)
    if _is(b, 0):
        return a
    if _is(a, 0):
        return neg(b, mark)
    return Bin("-", a, b, mark)


def neg(x: Expr, mark: Mark | None = None) -> Expr:
    if isinstance(x, Num):
        return Num(-x.number, mark)
    if isinstance(x, Neg):
        return x.x
    return Neg(x, mark)


def mul(a: Expr, b: Expr, mark: Mark | None = None) -> Expr:
    if _is(a, 0) or _is(b, 0):
        return Num(0.0, mark)
    if _is(a, 1):
        return b
    if _is(b, 1):
        return a
    if _is(a, -1):
        return neg(b, mark)
    if _is(b, -1):
        return neg(a, mark)
    if isinstance(a, Num) and isinstance(b, Num):
        product = a.number * b.number  # folded only where finite: else computing says so
        return Num(product, mark) if _finite(product) else Bin("*", a, b, mark)
    if isinstance(b, Num):  # numbers first: 2·a, as a person writes it
        return mul(b, a, mark)
    if isinstance(a, Neg):
        return neg(mul(a.x, b, mark), mark)
    if isinstance(b, Neg):
        return neg(mul(a, b.x, mark), mark)
    (ca, ra), (cb, rb) = _split(a), _split(b)
    if not _finite(ca * cb):
        return Bin("*", a, b, mark)
    if isinstance(a, Num) and cb != 1 and rb is not None:  # gather the numbers in front
        return mul(Num(ca * cb, mark), rb, mark)
    if ra is not None and rb is not None and (ca != 1 or cb != 1):
        return mul(Num(ca * cb, mark), mul(ra, rb, mark), mark)
    if isinstance(b, Bin) and b.op == "/" and _is(b.a, 1):  # t·(1/y) = t/y
        return Bin("/", a, b.b, b.mark)
    return Bin("*", a, b, mark)


def div(a: Expr, b: Expr, mark: Mark | None = None) -> Expr:
    return a if _is(b, 1) else Bin("/", a, b, mark)


def power(a: Expr, b: Expr, mark: Mark | None = None) -> Expr:
    if _is(b, 1):
        return a
    if _is(b, 0):
        return Num(1.0, mark)
    return Bin("**", a, b, mark)


def derivative(e: Expr, v: str, out: Expr | None = None) -> Expr:
    """∂e/∂v as an expression: the chain rule over the local derivatives, summed over every
    place v occurs. ``out`` stands for e's own value (a node's name, so that σ′ is written
    y·(1 - y) from the node's rounded value, as the sheet does); inner nodes stand for
    themselves."""
    if isinstance(e, Name):
        return Num(1.0 if e.name == v else 0.0, e.mark)
    total: Expr = Num(0.0, e.mark)
    for child, local in zip(e.children(), e.local(out or e)):
        if v in child.names:
            total = add(total, mul(local, derivative(child, v), e.mark), e.mark)
    return total


def ordered_names(e: Expr) -> tuple[str, ...]:
    """The names an expression reads, each once, in the order they are written."""
    seen: dict[str, None] = {}

    def walk(node: Expr) -> None:
        if isinstance(node, Name):
            seen.setdefault(node.name)
        elif isinstance(node, Iverson):
            for a, _, b in node.tests:
                walk(a)
                walk(b)
        for child in node.children():
            walk(child)

    walk(e)
    return tuple(seen)


# -- parsing --------------------------------------------------------------------------------

class _Parser:
    """Recursive descent over Python's grammar for + - * / ** and calls:

    sum := product (('+' | '-') product)*     product := unary (('*' | '/') unary)*
    unary := ('-' | '+') unary | power        power := atom ('**' unary)?
    atom := number | name | function '(' sum (',' sum)* ')' | '(' sum ')'
    """

    def __init__(self, text: str, path: str, where: Callable[[int], Mark],
                 defined: Collection[str], later: Collection[str]):
        self.text, self.path, self.where = text, path, where
        self.defined, self.later = defined, later
        self.tokens = self.tokenize()
        self.i = 0
        self.nesting = 0

    def fail(self, pos: int, message: str, hint: str | None = None) -> BptutorError:
        return BptutorError(self.path, self.where(pos), message, hint)

    def tokenize(self) -> list[tuple[str, str, int]]:
        tokens, pos = [], 0
        while pos < len(self.text):
            match = _TOKEN.match(self.text, pos)
            if match is None:
                char = self.text[pos]
                raise self.fail(pos, f"unexpected character {char!r} in the expression",
                                "expressions use numbers, names, + - * / **, parentheses and "
                                "the functions " + ", ".join(FUNCTIONS))
            kind = match.lastgroup or ""  # never empty: every alternative is a named group
            if kind == "op" and match.group() == "^":
                raise self.fail(pos, "'^' is not a power here", "write a**2 for a squared")
            if kind != "space":
                text = match.group()
                tokens.append((kind, _SAME_OP.get(text, text), pos))
            pos = match.end()
        tokens.append(("end", "", len(self.text)))
        return tokens

    @property
    def token(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, *ops: str) -> tuple[str, str, int] | None:
        kind, text, pos = self.token
        if kind == "op" and text in ops:
            self.i += 1
            return kind, text, pos
        return None

    def parse(self) -> Expr:
        if self.token[0] == "end":
            raise self.fail(0, "the expression is empty", "write e.g. a + 2*b")
        expr = self.sum()
        kind, text, pos = self.token
        if kind != "end":
            if text == ")":
                raise self.fail(pos, "')' without a matching '('")
            if kind == "op" and text != "(":
                raise self.fail(pos, f"unexpected {text!r} after the end of the expression")
            raise self.fail(pos, f"an operator is missing before {text!r}",
                            "write 2*b, not 2b, for a product")
        return expr

    def grown(self, expr: Expr, pos: int) -> Expr:
        if expr.depth > MAX_DEPTH:
            raise self.fail(pos, f"the expression is nested more than {MAX_DEPTH} deep",
                            "split it into several nodes")
        return expr

    def sum(self) -> Expr:
        expr = self.product()
        while op := self.take("+", "-"):
            expr = self.grown(Bin(op[1], expr, self.product(), self.where(op[2])), op[2])
        return expr

    def product(self) -> Expr:
        expr = self.unary()
        while op := self.take("*", "/"):
            expr = self.grown(Bin(op[1], expr, self.unary(), self.where(op[2])), op[2])
        return expr

    def unary(self) -> Expr:
        if op := self.take("-", "+"):
            self.enter(op[2])
            inner = self.unary()
            self.nesting -= 1
            return inner if op[1] == "+" else self.grown(Neg(inner, self.where(op[2])), op[2])
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if op := self.take("**"):
            self.enter(op[2])
            exponent = self.unary()
            self.nesting -= 1
            return self.grown(Bin("**", base, exponent, self.where(op[2])), op[2])
        return base

    def enter(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise self.fail(pos, f"the expression is nested more than {MAX_DEPTH} deep",
                            "split it into several nodes")

    def atom(self) -> Expr:
        kind, text, pos = self.token
        if kind == "number":
            self.i += 1
            if not math.isfinite(float(text)):
                raise self.fail(pos, f"{text} is too large to compute with")
            return Num(float(text), self.where(pos))
        if kind == "name":
            self.i += 1
            if self.token[1] == "(" and self.token[0] == "op":
                return self.call(text, pos)
            return self.name(text, pos)
        if self.take("("):
            self.enter(pos)
            inner = self.sum()
            self.nesting -= 1
            if not self.take(")"):
                raise self.fail(pos, "'(' is never closed", "add the matching ')'")
            return inner
        what = "the end of the expression" if kind == "end" else repr(text)
        raise self.fail(pos, f"expected a number, a name or '(' but found {what}")

    def name(self, name: str, pos: int) -> Expr:
        if name in FUNCTIONS:
            raise self.fail(pos, f"{name} is a function", f"write {name}(...)")
        if name in self.later:
            raise self.fail(pos, f"{name} is used before it is defined",
                            "nodes are computed in order: each may use the inputs and the "
                            "nodes above it (so a graph has no cycles)")
        if name not in self.defined:
            close = difflib.get_close_matches(name, [*self.defined, *self.later], n=1)
            known = ", ".join(sorted(self.defined))
            raise self.fail(pos, f"unknown name {name!r}",
                            f"did you mean {close[0]!r}?" if close else "names are the inputs "
                            f"and the nodes above this one: {clip(known, 60) or 'none yet'}")
        return Name(name, self.where(pos))

    def call(self, fn: str, pos: int) -> Expr:
        if fn not in FUNCTIONS:
            if fn in self.defined or fn in self.later:
                raise self.fail(pos, f"{fn} is not a function", f"write {fn}*(...) for a product")
            close = [_ALIASES[fn]] if fn in _ALIASES else difflib.get_close_matches(
                fn, list(FUNCTIONS), n=1)
            raise self.fail(pos, f"unknown function {fn!r}", f"did you mean {close[0]!r}?"
                            if close else "functions: " + ", ".join(FUNCTIONS))
        self.take("(")
        self.enter(pos)
        args = [] if self.token[1] == ")" else [self.sum()]
        while self.take(","):
            args.append(self.sum())
        self.nesting -= 1
        if not self.take(")"):
            kind, text, at = self.token
            raise self.fail(at if kind != "end" else pos, f"{fn}( is never closed"
                            if kind == "end" else f"expected ',' or ')' in {fn}(...), found "
                            f"{text!r}")
        fewest, most = FUNCTIONS[fn]
        if len(args) < fewest or (most is not None and len(args) > most):
            need = (f"exactly {fewest} argument{'s' * (fewest != 1)}" if fewest == most
                    else f"at least {fewest} arguments")
            raise self.fail(pos, f"{fn} takes {need}, not {len(args)}")
        return self.grown(Call(fn, args, self.where(pos)), pos)


def parse(text: str, path: str, where: Callable[[int], Mark], defined: Collection[str],
          later: Collection[str] = ()) -> Expr:
    """Parse ``text``; names must be in ``defined`` (a name in ``later`` exists but comes
    later). Errors are BptutorErrors at ``where(i)``, i being the offending character."""
    return _Parser(text, path, where, defined, later).parse()


# -- paper arithmetic (SPEC §3, model/paper.py) ---------------------------------------------
# The worksheet evaluates a node on paper: + − · of given and rounded decimals are exact, a
# quotient or a fractional power that does not terminate and exp, log, sqrt, tanh, sigmoid are
# approximated to paper.DIGITS digits; sin and cos (no Decimal form) to double precision.

def paper_value(e: Expr, env: Mapping[str, Decimal]) -> Decimal:
    """``e.value`` on paper (call inside ``paper.working()``); the same errors, where."""
    return _PAPER[type(e)](e, env)


def _paper_bin(e: Bin, env: Mapping[str, Decimal]) -> Decimal:
    a, b = paper_value(e.a, env), paper_value(e.b, env)
    match e.op:
        case "+":
            return a + b
        case "-":
            return a - b
        case "*":
            return a * b
        case "/":
            if b == 0:
                raise e.fail(f"division by 0 in {write(e)}: {write(e.b)} is 0")
            return a / b
    if a == 0 and b < 0:
        raise e.fail(f"{write(e)}: 0 to a negative power is undefined")
    if a < 0 and b != b.to_integral_value():
        raise e.fail(f"{write(e)}: a negative number ({_num(float(a))}) to a fractional "
                     "power is undefined")
    try:
        return a ** b
    except DecimalOverflow:
        raise e.fail(f"{write(e)} is too large to compute with") from None


def _paper_call(e: Call, env: Mapping[str, Decimal]) -> Decimal:
    xs = [paper_value(arg, env) for arg in e.args]
    x = xs[0]
    match e.fn:
        case "max":
            return max(xs)
        case "min":
            return min(xs)
        case "log" if x <= 0:
            raise e.fail(f"log({_num(float(x))}) is undefined: log needs a number above 0")
        case "sqrt" if x < 0:
            raise e.fail(f"sqrt({_num(float(x))}) is undefined: sqrt needs a number ≥ 0")
        case "exp":
            result = paper.exp(x)
            if not math.isfinite(float(result)):
                raise e.fail(f"exp({_num(float(x))}) is too large to compute with")
            return result
    return _PAPER_UNARY[e.fn](x)


def _paper_iverson(e: Iverson, env: Mapping[str, Decimal]) -> Decimal:
    holds = all(_COMPARE[op](paper_value(a, env), paper_value(b, env)) for a, op, b in e.tests)
    return paper.ONE if holds else paper.ZERO


_PAPER: dict[type, Callable[[Any, Mapping[str, Decimal]], Decimal]] = {
    Num: lambda e, env: paper.given(e.number),
    Name: lambda e, env: env[e.name],
    Neg: lambda e, env: -paper_value(e.x, env),
    Bin: _paper_bin,
    Call: _paper_call,
    Iverson: _paper_iverson,
}
_PAPER_UNARY: dict[str, Callable[[Decimal], Decimal]] = {
    "log": paper.ln, "sqrt": paper.sqrt, "tanh": paper.tanh, "sigmoid": paper.sigmoid,
    "relu": lambda x: x if x > 0 else paper.ZERO, "abs": abs,
    "sin": lambda x: paper.given(math.sin(x)), "cos": lambda x: paper.given(math.cos(x)),
    "sign": lambda x: Decimal((x > 0) - (x < 0)),
}
