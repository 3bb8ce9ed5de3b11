"""``solve --format latex``: a solution sheet for pdflatex (article + amsmath, nothing else).

The steps' formulas are plain text (``dE/dp1·tanh′(z(p1))·v1``). They are translated token by
token: keys become ∂ notation (``\\frac{\\partial E}{\\partial p_1}``), names become math
(``W1[1,2]`` → ``W^{[1]}_{1,2}``), and anything a user wrote is escaped. The document is pure
ASCII, so it needs no input encoding, and only commands that article and amsmath define.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from bptutor.model.activations import ACTIVATION_FUNCTIONS
from bptutor.model.expression import FUNCTIONS as GRAPH_FUNCTIONS
from bptutor.model.keys import RATE
from bptutor.sheet.worksheet import Worksheet
from bptutor.views import Line, heading, lines, settings

# -- text mode ---------------------------------------------------------------------------------

_TEXT_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': "''",
}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "varsigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma",
    "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma",
    "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}
_GREEK_LATIN = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧο", "ABEZHIKMNOPTXo"))  # no commands of their own
_MATH_SYMBOLS = {  # written with \ensuremath so they work in text and in math
    "·": r"\cdot", "′": "'", "−": "-", "→": r"\to", "←": r"\leftarrow", "≈": r"\approx",
    "×": r"\times", "±": r"\pm", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "∂": r"\partial",
    "∑": r"\sum", "½": r"\tfrac{1}{2}", "²": "^{2}", "³": "^{3}", "√": r"\surd", "∞": r"\infty",
}
_TEXT_UNICODE = {
    "–": "--", "—": "---", "…": r"\dots{}", "“": "``", "”": "''", "‘": "`", "’": "'",
    "ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}", "Ø": r"\O{}", "œ": r"\oe{}",
    "Œ": r"\OE{}", "å": r"\aa{}", "Å": r"\AA{}", "ł": r"\l{}", "Ł": r"\L{}", "\u00a0": " ",
}
_ACCENTS = {  # combining mark -> LaTeX accent command (OT1 has them all)
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u0327": "c", "\u030c": "v", "\u0306": "u", "\u030a": "r", "\u030b": "H",
}


def _accented(char: str) -> str | None:
    """é -> {\\'e}: a letter with one accent, spelt in ASCII."""
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in _ACCENTS:
        base = r"\i" if parts[0] == "i" else parts[0]  # a dotless i under the accent
        command = _ACCENTS[parts[1]]
        return f"{{\\{command}{{{base}}}}}" if command.isalpha() else f"{{\\{command}{base}}}"
    return None


def escape_char(char: str) -> str:
    if char in _TEXT_SPECIAL:
        return _TEXT_SPECIAL[char]
    if char.isascii():
        return char if char.isprintable() else " "
    if char in _GREEK:
        return rf"\ensuremath{{\{_GREEK[char]}}}"
    if char in _GREEK_LATIN:
        return _GREEK_LATIN[char]
    if char in _MATH_SYMBOLS:
        return rf"\ensuremath{{{_MATH_SYMBOLS[char]}}}"
    if char in _TEXT_UNICODE:
        return _TEXT_UNICODE[char]
    if char.isspace():
        return " "
    return _accented(char) or f"[U+{ord(char):04X}]"  # visible, never a compile error


def escape(text: str) -> str:
    """User text (a title, a name) for LaTeX's text mode: every special character escaped."""
    return "".join(escape_char(c) for c in text)


# -- names and keys as math --------------------------------------------------------------------

_NAME_FORMS = [  # (pattern, template): single letters with indices read as on a sheet
    (re.compile(r"([A-Za-z])"), "{0}"),
    (re.compile(r"([A-Za-z])([0-9]+)"), "{0}_{{{1}}}"),
    (re.compile(r"([A-Za-z])([0-9]+)_([0-9]+)"), "{0}_{{{1},{2}}}"),  # h1_2: layer 1, neuron 2
    (re.compile(r"([A-Za-z])([0-9]+)\[([0-9]+(?:,[0-9]+)*)\]"), "{0}^{{[{1}]}}_{{{2}}}"),
    (re.compile(r"([A-Za-z]{2,})"), r"\mathit{{{0}}}"),
    (re.compile(r"([A-Za-z]{2,})([0-9]+)"), r"\mathit{{{0}}}_{{{1}}}"),
]


def name_tex(name: str) -> str:
    """A user's name as math: x1 -> x_{1}, W2[1,3] -> W^{[2]}_{1,3}, else upright text."""
    if name in _GREEK:
        return rf"\{_GREEK[name]}"
    for pattern, template in _NAME_FORMS:
        match = pattern.fullmatch(name)
        if match:
            return template.format(*match.groups())
    return rf"\text{{\textit{{{escape(name)}}}}}"


def _example(tex: str, k: str | None) -> str:
    """Example k of a batch as a superscript (k): braces keep it off any index already there."""
    return f"{{{tex}}}^{{({k})}}" if k else tex


def _partial(out: str, wrt: str, k: str | None) -> str:
    return rf"\frac{{\partial {_example(name_tex(out), k)}}}{{\partial {wrt}}}"


class Math:
    """Translates the worksheet's plain-text formulas and keys into LaTeX math.

    A formula is read token by token, left to right, each token the first of these forms
    that fits where it starts: dE/dz(n)@k, dE/dn@k, new(n), z(n)@k, t(n)@k, a function name
    (σ′ before a bracket), a number, a name n@k, a power, a symbol, small powers, a word,
    any other character. A name is the longest one the sheet knows that fits there, looked
    up in a set by length (a handful of lengths), so the cost of a token does not grow with
    the number of names.
    """

    # LaTeX commands for function names (others are \mathrm): the activations' own, and
    # those of graph expressions and the losses' ln
    FUNCTIONS = {"exp": r"\exp", "ln": r"\ln", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                 "max": r"\max", "min": r"\min",
                 **{f.symbol: f.latex for f in ACTIVATION_FUNCTIONS.values() if f.latex}}
    SYMBOLS = {"·": r"\cdot", "*": r"\cdot", "²": "^{2}", "½": r"\tfrac{1}{2}", "η": r"\eta",
               "′": "'", "−": "-", "{": r"\{", "}": r"\}", "\\": r"\backslash", "%": r"\%",
               "#": r"\#", "&": r"\&", "$": r"\$", "_": r"\_", "~": r"\sim", "Σ": r"\sum"}
    # the forms that read a name in brackets: kind -> what comes before it, whether @k may follow
    _CALLS = (("dz", "d{out}/dz(", True), ("new", "new(", False), ("z", "z(", True),
              ("t", "t(", True),
              # SPEC §6: δ, Δw, σ′, e and loss terms as the delta rule's sheets write them
              ("delta", "delta(", True), ("change", "change(", True), ("slope", "slope(", True),
              ("e", "e(", True), ("term", "E(", True))

    def __init__(self, names: Iterable[str], out: str = "E"):
        self.names = frozenset({*names, out})
        self.lengths = sorted({len(name) for name in self.names}, reverse=True)
        self.out = out
        self.derivative = f"d{out}/d"
        self.calls = [(kind, opening.format(out=out), at) for kind, opening, at in self._CALLS]
        # every function a formula may call: σ′(z) and id(z), a graph's exp(a), a loss's ln y
        written = {*(f.symbol for f in ACTIVATION_FUNCTIONS.values() if not f.layerwise),
                   *GRAPH_FUNCTIONS, "ln"}
        functions = "|".join(re.escape(f) for f in sorted(written, key=lambda f: (-len(f), f)))
        self.before_names = re.compile(
            rf"(?P<fn>({functions})(′?)(?=[(′ ]))|(?P<num>[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)")
        self.after_names = re.compile("|".join([
            r"(?P<pow>\*\*|\^)",
            r"(?P<sym>[·*²½η′−{}\\%#&$_~Σ])",
            r"(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)",  # a graph's small powers: h²
            r"(?P<word>[^\W\d_]+)",
            r"(?P<other>.)",
        ]), re.S)

    def key(self, key: str) -> str:
        """A whole quantity key (SPEC §2) as math."""
        if key == RATE:
            return r"\eta"
        return self.expr(key)

    def expr(self, text: str) -> str:
        """A formula as math, spaced as written (a letter command keeps a space after it)."""
        out: list[str] = []
        # whether the output so far ends with a letter command (\eta): the last piece says,
        # as a piece starting with a letter gets a space after one, and none ends in a bare \
        pos, space, command = 0, False, False
        while pos < len(text):
            tex, pos = self._operand(text, pos)
            if not tex:
                space = True
                continue
            if tex == r"\cdot":
                tex, space = r" \cdot ", False
            elif space or (command and tex[0].isalnum()):
                tex = " " + tex
            out.append(tex)
            space, command = False, _ENDS_WITH_COMMAND.search(tex) is not None
        return re.sub(" +", " ", "".join(out)).strip()

    def _operand(self, text: str, pos: int) -> tuple[str, int]:
        """One token (or a power with its exponent) as LaTeX, and where the next one starts."""
        if text[pos] == " ":
            return "", pos + 1
        kind, groups, k, end = self._token(text, pos)
        if kind == "pow":
            exponent, end = self._exponent(text, end)
            return f"^{{{exponent}}}", end
        return self._tex(kind, groups, k, text[pos:end]), end

    def _token(self, text: str, pos: int) -> tuple[str, list[str], str | None, int]:
        """The token at ``pos``: its kind, its parts (a name; a function and its prime), the
        example k of ``@k`` and where it ends."""
        if text.startswith(self.derivative, pos):
            for kind, opening, at in self.calls[:1]:  # dE/dz(n) before dE/dn
                found = self._called(text, pos, opening, at)
                if found:
                    return kind, *found
            name = self._name(text, pos + len(self.derivative))
            if name is not None:
                return "d", [text[pos + len(self.derivative):name]], *self._example_at(text, name)
        for kind, opening, at in self.calls[1:]:
            found = self._called(text, pos, opening, at)
            if found:
                return kind, *found
        m = self.before_names.match(text, pos)
        if m:
            kind = m.lastgroup or ""
            return kind, [g for g in m.groups() if g is not None][1:], None, m.end()
        name = self._name(text, pos)
        if name is not None:
            return "name", [text[pos:name]], *self._example_at(text, name)
        m = self.after_names.match(text, pos)
        # the last branch, (?P<other>.) under re.S, takes any character (the caller stops at
        # the end of the text): there is always a match
        assert m is not None and m.lastgroup is not None
        return m.lastgroup, [], None, m.end()

    def _called(self, text: str, pos: int, opening: str,
                at: bool) -> tuple[list[str], str | None, int] | None:
        """``opening`` name ``)`` at ``pos`` (then @k where ``at``): the name, k and the end."""
        if not text.startswith(opening, pos):
            return None
        start = pos + len(opening)
        end = self._name(text, start, ")")
        if end is None:
            return None
        if not at:
            return [text[start:end]], None, end + 1
        return [text[start:end]], *self._example_at(text, end + 1)

    def _name(self, text: str, pos: int, then: str = "") -> int | None:
        """The end of the longest known name at ``pos`` (followed by ``then``), or None."""
        for length in self.lengths:
            end = pos + length
            if end <= len(text) and text[pos:end] in self.names and text.startswith(then, end):
                return end
        return None

    @staticmethod
    def _example_at(text: str, pos: int) -> tuple[str | None, int]:
        """An @k at ``pos``: k and where it ends; else None and ``pos``."""
        m = _EXAMPLE.match(text, pos)
        return (m.group(1), m.end()) if m else (None, pos)

    def _exponent(self, text: str, pos: int) -> tuple[str, int]:
        if pos < len(text) and text[pos] == "(":
            depth, end = 0, pos
            while end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            return "(" + self.expr(text[pos + 1:end - 1]) + ")", end
        if pos >= len(text):
            return "", pos
        return self._operand(text, pos)

    def _tex(self, kind: str, g: list[str], k: str | None, raw: str) -> str:
        if kind == "dz":
            return _partial(self.out, f"z_{{{name_tex(g[0])}}}", k)
        if kind == "d":
            return _partial(self.out, name_tex(g[0]), k)
        if kind == "new":
            return rf"\mathrm{{new}}({name_tex(g[0])})"
        if kind in ("z", "t"):
            return _example(f"{kind}_{{{name_tex(g[0])}}}", k)
        if kind in _DIALECT_KEYS:
            return _example(_DIALECT_KEYS[kind].format(name_tex(g[0])), k)
        if kind == "fn":
            base = self.FUNCTIONS.get(g[0], rf"\mathrm{{{g[0]}}}")
            return base + ("'" if g[1] else "")
        if kind == "num":
            return number_tex(raw)
        if kind == "name":
            return _example(name_tex(g[0]), k)
        if kind == "word":
            return "".join(_letter(c) for c in raw) if len(raw) == 1 else name_tex(raw)
        if kind == "sup":
            return "^{" + raw.translate(_FROM_SUPERSCRIPT) + "}"
        if raw in self.SYMBOLS:
            return self.SYMBOLS[raw]
        return raw if raw.isascii() and raw.isprintable() else rf"\text{{{escape(raw)}}}"


_EXAMPLE = re.compile(r"@([0-9]+)")
_DIALECT_KEYS = {"delta": r"\delta_{{{}}}", "change": r"\Delta {}", "slope": r"\sigma'_{{{}}}",
                 "e": "e_{{{}}}", "term": "E_{{{}}}"}
_ENDS_WITH_COMMAND = re.compile(r"\\[A-Za-z]+$")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _letter(char: str) -> str:
    return rf"\{_GREEK[char]}" if char in _GREEK else name_tex(char)


def number_tex(text: str) -> str:
    """1.2e-5 -> 1.2 \\times 10^{-5}; a plain number as it is."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


# -- the document ------------------------------------------------------------------------------

WIDTH = 64  # characters of plain formula text per line of the sheet (A4, 10pt, article)


def split_sum(text: str, width: int = WIDTH) -> list[str]:
    """A long formula as lines, broken before a + or - outside brackets, or else inside as
    few brackets as it takes (a softmax's long denominator)."""
    chunks = [text]
    for deepest in range(3):
        if max(map(len, chunks)) <= width:
            break
        chunks = _greedy(text, _cuts(text, deepest), width)
    return chunks


def _cuts(text: str, deepest: int) -> list[int]:
    """Where a line may break: before each ' + ' or ' - ' at bracket depth <= ``deepest``."""
    cuts, depth = [0], 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if i and depth <= deepest and text[i:i + 3] in (" + ", " - "):
            cuts.append(i + 1)
    return cuts


def _greedy(text: str, cuts: list[int], width: int) -> list[str]:
    """Grow a line until the next piece would make it too long."""
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:] + [len(text)])]
    chunks = [pieces[0]]
    for piece in pieces[1:]:
        if len(chunks[-1]) + len(piece) > width:
            chunks.append(piece)
        else:
            chunks[-1] += piece
    return [c.strip() for c in chunks]


def _rhs(math: Math, text: str) -> list[str]:
    """One right-hand side as aligned lines: '&= first' then '&\\quad {}+ rest'."""
    parts = split_sum(text)
    out = [f"&= {math.expr(parts[0])}"]
    out += [rf"&\quad {{}}{math.expr(part)}" for part in parts[1:]]
    return out


def step_rows(math: Math, line: Line) -> list[str]:
    """A step as align* rows: key = formula = numbers (each '=' of them) = value."""
    rows = _rhs(math, line.formula)
    rows[0] = f"{math.key(line.step.key)} {rows[0]}"
    if line.substituted not in (line.shown, line.formula):
        for part in line.substituted.split(" = "):
            rows += _rhs(math, part)
    value = f"&= {number_tex(line.shown)}"
    if line.exact_shown is not None:
        value += rf" \quad \text{{(exact ${number_tex(line.exact_shown)}$)}}"
    return rows + [value]


def givens(sheet: Worksheet, math: Math) -> list[str]:
    """The given numbers, a few to a line: weights, biases, inputs and targets, η."""
    from bptutor.model.rounding import show_given

    return packed(math, [(key, show_given(value)) for key, value in sheet.givens.items()])


def packed(math: Math, pairs: list[tuple[str, str]]) -> list[str]:
    """``key = value`` pairs (values as the sheet writes them), a few to a line."""
    rows: list[str] = []
    row: list[str] = []
    size = 0
    for key, value in pairs:
        if row and size + len(key) + 8 > WIDTH:
            rows.append(r",\quad ".join(row))
            row, size = [], 0
        row.append(f"{math.key(key)} = {number_tex(value)}")
        size += len(key) + 8
    if row:
        rows.append(r",\quad ".join(row))
    return rows


def sheet_names(sheet: Worksheet) -> list[str]:
    """Every name a formula may use: a network's units and weights, a graph's values, and
    t (a single output's target)."""
    return [*sheet.network.names(), "t"]


def environment(name: str, rows: list[str], gap: str = "") -> Iterator[str]:
    yield rf"\begin{{{name}}}"
    for i, row in enumerate(rows):
        yield row + (r" \\" + gap if i < len(rows) - 1 else "")
    yield rf"\end{{{name}}}"


def preamble(title: str, source: str | None, summary: str) -> list[str]:
    """The document up to its first section: title, source, the rounding and notation."""
    out = [r"\documentclass[a4paper]{article}", r"\usepackage{amsmath}",
           r"\allowdisplaybreaks", "", rf"\title{{{escape(title)}}}", r"\author{}",
           r"\date{}", "", r"\begin{document}", r"\maketitle", ""]
    if source:
        out += [rf"\noindent\textit{{{escape(source)}}}", ""]
    return out + [rf"\noindent {escape(summary[0].upper() + summary[1:])}.", ""]


def render(sheet: Worksheet, only: str | None = None) -> str:
    net = sheet.network
    math = Math(sheet_names(sheet), net.loss_name)  # a graph's L in place of E
    out = preamble(net.title, net.source, settings(sheet))
    if sheet.givens:
        out += [r"\section*{Given}", *environment("gather*", givens(sheet, math)), ""]
    sections: dict[str, list[str]] = {}
    for line in lines(sheet, only):
        title = heading(line.step, len(net.examples))
        sections.setdefault(title, []).append(r"\\ ".join(step_rows(math, line)))
    for title, steps in sections.items():  # [1ex]: a little air between steps
        out += [rf"\section*{{{escape(title)}}}", *environment("align*", steps, "[1ex]"), ""]
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
