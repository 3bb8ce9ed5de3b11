"""Exports of the same steps: LaTeX sheets, SVG/HTML recordings, DOT/Mermaid drawings, and
the network diagram above `solve`'s terminal view."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import PROBLEMS
from rich.console import Console
from typer.testing import CliRunner

from bptutor.cli import app
from bptutor.files.problems import bundled_names, load
from bptutor.sheet.worksheet import solve
from bptutor.views.diagram import NetworkDiagram

TANH = PROBLEMS / "tanh-chain.yaml"
XOR = PROBLEMS / "xor.yaml"

# Names with every character a name may hold, and a title with every LaTeX special character.
AWKWARD = """\
bptutor: 1
title: "odd # $ % & _ ^ ~ { } \\\\ < > | \\" names: Müller's net, α → β · ½ ə"
round: 2
loss: squared_error
learning_rate: 0.5
network:
  inputs: [in_1, "x.2"]
  layers:
    - neurons: ["h[1]", "h'2"]
      activation: sigmoid
      weights: [[0.1, -0.2], [0.3, 0.4]]
      weight_names: [["w[1,1]", "w_a.b"], ["g'", "W1[2,2]"]]
      bias: [0.1, -0.1]
      bias_names: [b_1, "b.2"]
    - neurons: [out_put]
      activation: tanh
      weights: [[0.5, -0.6]]
input: [1, 2]
target: [0.5]
"""


@pytest.fixture
def awkward(tmp_path):
    path = tmp_path / "awkward.yaml"
    path.write_text(AWKWARD, encoding="utf-8")
    return path


def invoke(*args, env: dict | None = None):
    result = CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


def output(*args, env: dict | None = None) -> str:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- LaTeX: a structural check (pdflatex, where installed, in the test after it) ----------------

# What article and amsmath define that the sheet may use; anything else is a mistake.
LATEX_COMMANDS = {
    "documentclass", "usepackage", "allowdisplaybreaks", "title", "author", "date", "begin",
    "end", "maketitle", "section", "noindent", "textit", "text", "frac", "partial", "cdot",
    "mathrm", "mathit", "tanh", "sigma", "exp", "ln", "log", "sin", "cos", "max", "min", "eta",
    "tfrac", "quad", "times", "sum", "backslash", "sim", "ensuremath", "textbackslash",
    "textasciicircum", "textasciitilde", "textless", "textgreater", "textbar", "to",
    "leftarrow", "approx", "pm", "leq", "geq", "neq", "surd", "infty", "dots", "ss", "ae",
    "AE", "o", "O", "oe", "OE", "aa", "AA", "l", "L", "i", "c", "v", "u", "r", "H",
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "iota", "kappa", "lambda",
    "mu", "nu", "xi", "pi", "rho", "varsigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega",
}
LATEX_SYMBOLS = set("\\{}#$%&_,'`^~\"=.")  # \\ \{ \} \# … and the accents \' \` \^ \~ \" \= \.
ENVIRONMENTS = {"document", "align*", "gather*"}
TEXT_SPECIAL = set("#$%&_^~")
MATH_GROUPS = {"ensuremath"}  # their argument is math, whatever mode they stand in
TEXT_GROUPS = {"text", "textit", "title", "section", "author", "date"}


def check_latex(doc: str) -> set[str]:
    """Balanced braces and environments, known commands only, no special character in text
    mode, ASCII only. Returns the commands used."""
    assert doc.isascii(), [c for c in doc if not c.isascii()]
    used: set[str] = set()
    modes = ["text"]  # the mode of each open group: text, math, or $ (inline math)
    groups: list[str] = []  # what each open brace opened: its mode
    envs: list[str] = []
    pending = None  # the mode the next '{' opens, after \text, \ensuremath, …
    i = 0
    while i < len(doc):
        c = doc[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+\*?|.)", doc[i:], re.S)
            name = m.group(1)
            if name[0].isalpha():
                assert name.rstrip("*") in LATEX_COMMANDS, f"unknown command \\{name}"
                used.add(name.rstrip("*"))
                pending = ("math" if name in MATH_GROUPS else "text" if name in TEXT_GROUPS
                           else None)
                if name in ("begin", "end"):
                    env = re.match(r"\{([^}]*)\}", doc[i + m.end():]).group(1)
                    assert env in ENVIRONMENTS, env
                    if name == "begin":
                        envs.append(env)
                        modes.append("text" if env == "document" else "math")
                    else:
                        assert envs and envs.pop() == env, f"\\end{{{env}}} closes nothing"
                        modes.pop()
                    i += m.end() + len(env) + 2
                    continue
            else:
                assert name in LATEX_SYMBOLS or name in " ", f"unknown symbol \\{name}"
            i += m.end()
            continue
        mode = modes[-1]
        if c == "{":
            groups.append(pending or mode)
            modes.append(pending or mode)
            pending = None
        elif c == "}":
            assert groups, f"unbalanced }} at {i}: {doc[max(0, i - 40):i + 1]!r}"
            groups.pop()
            modes.pop()
        elif c == "$":
            assert mode in ("text", "$"), f"$ inside display math at {i}"
            modes.pop() if mode == "$" else modes.append("$")
        elif mode == "text":
            assert c not in TEXT_SPECIAL, f"unescaped {c!r} in text: {doc[max(0, i - 40):i + 1]!r}"
        elif not c.isspace():
            pending = None if c not in "[]" else pending
        i += 1
    assert not groups, "unclosed {"
    assert not envs, f"unclosed environments {envs}"
    assert modes == ["text"], modes
    return used


@pytest.mark.parametrize("bad", [
    r"\begin{document}{\end{document}",  # an unclosed brace
    r"\begin{document}\foo{x}\end{document}",  # a command article and amsmath lack
    r"\begin{document}a_b\end{document}",  # _ outside math
    r"\begin{document}50% done\end{document}",  # a comment that eats the rest
    r"\begin{document}\begin{align*}x\end{document}",  # an environment left open
    r"\begin{document}$x\end{document}",  # inline math left open
    "\\begin{document}\u00e9\\end{document}",  # not ASCII: é
])
def test_the_latex_check_catches_mistakes(bad):
    with pytest.raises(AssertionError):
        check_latex(bad)


def latex(*args) -> str:
    return output("solve", *args, "--format", "latex")


@pytest.mark.parametrize("name", bundled_names())
def test_latex_of_every_bundled_problem_is_well_formed(name):
    doc = latex(name)
    used = check_latex(doc)
    # a delta_rule sheet (SPEC §6) writes δ and Δw, no ∂E/∂… fraction
    derivatives = {"frac", "partial"} if load(name).notation != "delta_rule" else set()
    assert {"documentclass"} | derivatives <= used
    assert doc.startswith("\\documentclass") and doc.rstrip().endswith("\\end{document}")
    assert "\\usepackage{amsmath}" in doc
    assert [p for p in re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", doc)] == ["amsmath"]


@pytest.mark.parametrize("args", [("--notation", "delta"), ("--exact",), ("--only", "backward"),
                                  ("--round", "4")])
def test_latex_options_stay_well_formed(args):
    check_latex(latex(TANH, *args))
    check_latex(latex(XOR, *args))


def test_latex_escapes_awkward_names_and_titles(awkward):
    doc = latex(awkward)
    check_latex(doc)
    assert r"\#" in doc and r"\$" in doc and r"\%" in doc and r"\&" in doc
    assert r"\text{\textit{h'2}}" in doc  # an apostrophe is no prime here
    assert r"\text{\textit{w\_a.b}}" in doc
    assert r"h^{[1]}" not in doc and r"\text{\textit{h[1]}}" in doc
    assert r"M{\"u}ller" in doc and r"\ensuremath{\alpha}" in doc and "[U+0259]" in doc
    check_latex(latex(awkward, "--notation", "delta"))


def test_latex_has_the_seed_sheet_numbers():
    doc = latex(TANH)
    for number in ("-0.94", "-3.88", "-0.09", "2.26", "-1.07", "0.24", "-0.06 - 1.01"):
        assert number in doc, number
    assert r"\frac{\partial E}{\partial q} &= " in doc
    assert r"\frac{\partial E}{\partial w_{1}}" in doc and r"\mathrm{new}(w_{1})" in doc
    assert r"\tanh'(z_{p_{1}})" in doc and "z_{q} &=" in doc
    assert r"\text{(exact $-1.1297$)}" in doc
    assert doc.count(r"\section*{") == 5  # given, forward, loss, backward, update
    delta = latex(TANH, "--notation", "delta")
    assert r"\frac{\partial E}{\partial z_{q}}" in delta and r"\sigma'" not in delta


def test_latex_batch_marks_examples():
    doc = latex(XOR)
    assert r"\section*{Forward pass (example 2)}" in doc
    assert r"\frac{\partial {E}^{(2)}}{\partial W^{[2]}_{1,1}}" in doc
    assert "{h_{1}}^{(3)}" in doc and r"\section*{Backward pass (all examples)}" in doc


def test_formula_translation():
    from bptutor.views.latex_view import Math, name_tex, number_tex, split_sum

    math = Math(["x1", "x12", "e", "W2[1,3]", "h1_2", "a'b"], "L")
    assert math.expr("e^(-0.5)·x12") == r"e^{(-0.5)} \cdot x_{12}"
    assert math.expr("dL/dx1@3 + dL/dz(e)") == (
        r"\frac{\partial {L}^{(3)}}{\partial x_{1}} + \frac{\partial L}{\partial z_{e}}")
    assert math.expr("-1/e² + x1^(e + 1)") == r"-1/e^{2} + x_{1}^{(e + 1)}"
    assert math.expr("σ′(z(h1_2))·ln a'b") == r"\sigma'(z_{h_{1,2}}) \cdot \ln \text{\textit{a'b}}"
    assert name_tex("W2[1,3]") == "W^{[2]}_{1,3}" and name_tex("heavy") == r"\mathit{heavy}"
    assert number_tex("1.2e-05") == r"1.2 \times 10^{-5}" and number_tex("-0.5") == "-0.5"
    long = " + ".join(f"x{i}·w{i}" for i in range(20))
    assert all(len(line) <= 64 for line in split_sum(long)) and len(split_sum(long)) > 1
    assert split_sum("e/(" + long + ")")[0].startswith("e/(x0·w0")


@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex is not installed")
@pytest.mark.parametrize("name", ["tanh-chain", "xor", "softmax", "graph-sigmoid-exp",
                                  "awkward"])
def test_latex_compiles_with_pdflatex(name, awkward, tmp_path):
    problem = awkward if name == "awkward" else name
    if name.startswith("graph") and name not in bundled_names():
        pytest.skip("no graph problems in this checkout")
    (tmp_path / "sheet.tex").write_text(latex(problem), encoding="ascii")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "sheet.tex"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 1000


# -- SVG and HTML recordings -------------------------------------------------------------------

def test_svg_is_byte_stable_and_holds_the_steps(tmp_path):
    one, two = tmp_path / "one.svg", tmp_path / "two.svg"
    invoke("solve", TANH, "--save-svg", one, env={"COLUMNS": "60"})
    out = output("solve", TANH, "--save-svg", two, "--no-color", env={"COLUMNS": "132",
                                                                    "NO_COLOR": "1"})
    assert "dE/dq" in out  # printed as usual, besides
    assert one.read_bytes() != b""
    # --no-color changes the file (no colours), so compare two colour runs
    three = tmp_path / "three.svg"
    invoke("solve", TANH, "--save-svg", three, env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert one.read_bytes() == three.read_bytes()
    text = html.unescape(one.read_text(encoding="utf-8")).replace("\xa0", " ")
    assert text.startswith("<svg") and "bptutor solve: tanh chain" in text
    for piece in ("dE/dq", "-0.06 - 1.01 = ", "-1.07", "u1=0.2", "Backward pass"):
        assert piece in text, piece
    assert 'class="bptutor-' in text and "terminal-" not in text


def test_svg_is_the_same_from_another_process(tmp_path):
    """Separate runs, different hash seeds and terminals: still the same bytes."""
    files = []
    for seed, columns in (("1", "70"), ("2", "150")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": columns}
        files.append(tmp_path / f"{seed}.svg")
        subprocess.run([sys.executable, "-m", "bptutor", "solve", str(XOR), "--save-svg",
                        str(files[-1])], env=env, capture_output=True, check=True)
    assert files[0].read_bytes() == files[1].read_bytes()


def test_html_holds_the_steps(tmp_path):
    page = tmp_path / "sheet.html"
    output("solve", XOR, "--save-html", page, "-f", "json")  # any format prints; HTML is rich
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert text.startswith("<!DOCTYPE html>")
    for piece in ("dE/dW2[1,1]@4", "Backward pass (all examples)", "new(b2[1])", "Legend"):
        assert piece in text, piece


def test_saving_never_overwrites_without_force(tmp_path):
    target = tmp_path / "sheet.svg"
    target.write_text("keep me", encoding="utf-8")
    result = invoke("solve", TANH, "--save-svg", target)
    assert result.exit_code == 2
    assert "exists" in result.stderr and "--force" in result.stderr
    assert result.stdout == ""  # refused before anything was printed
    assert target.read_text(encoding="utf-8") == "keep me"
    page = tmp_path / "sheet.html"
    page.write_text("keep me too", encoding="utf-8")
    assert invoke("solve", TANH, "--save-html", page).exit_code == 2
    assert page.read_text(encoding="utf-8") == "keep me too"
    assert invoke("solve", TANH, "--save-svg", target, "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<svg")
    same = invoke("solve", TANH, "--save-svg", tmp_path / "x", "--save-html", tmp_path / "x")
    assert same.exit_code == 2


# -- draw: DOT and Mermaid ---------------------------------------------------------------------

def check_dot(text: str) -> None:
    """Balanced braces outside quoted strings; every edge endpoint declared as a node."""
    depth, nodes, edges = 0, set(), []
    for line in text.splitlines():
        unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        assert '"' not in unquoted.replace('""', ""), f"unclosed string: {line}"
        depth += unquoted.count("{") - unquoted.count("}")
        assert depth >= 0, line
        if m := re.match(r"\s*(n\d+) \[label=", line):
            nodes.add(m.group(1))
        if m := re.match(r"\s*(n\d+) -> (n\d+)", line):
            edges.append((m.group(1), m.group(2)))
    assert depth == 0
    assert text.startswith("digraph bptutor {") and "rankdir=LR" in text
    assert edges and all(a in nodes and b in nodes for a, b in edges)


def check_mermaid(text: str) -> None:
    """Starts with 'flowchart LR'; ids are safe; quoted labels hold no quote; subgraphs end."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, depth = set(), 0
    for line in lines[1:]:
        body = line.strip()
        if body.startswith("%%"):
            continue
        for label in re.findall(r'"([^"]*)"', body):
            assert not re.search(r"[<>](?!br>)", label.replace("<br>", "")), label
        assert body.count('"') % 2 == 0, line
        if body.startswith("subgraph "):
            depth += 1
            assert re.match(r"subgraph c\d+\[\"", body)
        elif body == "end":
            depth -= 1
        elif m := re.match(r"(n\d+) -->(?:\|\"[^\"]*\"\|)? (n\d+)$", body):
            assert m.group(1) in nodes and m.group(2) in nodes, body
        elif m := re.match(r"(\w+)[\[(]", body):
            assert re.fullmatch(r"n\d+", m.group(1)), body
            nodes.add(m.group(1))
        else:
            assert body == "direction TB", body
    assert depth == 0 and nodes


def draw(*args) -> str:
    return output("draw", *args)


def test_draw_dot_shows_every_neuron_and_weight_with_values():
    text = draw(TANH)
    check_dot(text)
    sheet = solve(load(TANH))
    net = sheet.network
    for name in [*net.inputs, *(n for layer in net.layers for n in layer.neurons)]:
        assert f"{name} = {sheet.show(name)}" in text, name
    for layer in net.layers:
        for w in sum(layer.weight_names, []):
            for key in (w, f"dE/d{w}", f"new({w})"):
                assert f"{key} = {sheet.show(key)}" in text, key
    assert "dE/dq = -1.07" in text and "z(q) = -0.80" in text and "dE/dw1 = 0.24" in text
    assert text.count("rank=same") == 4


def test_draw_mermaid_shows_every_neuron_and_weight():
    text = draw(TANH, "--format", "mermaid")
    check_mermaid(text)
    for piece in ("q = -0.66", "dE/dq = -1.07", "u3 = -1", "dE/du3 = -0.60", "new(w2) = -4.99"):
        assert piece in text, piece


def test_draw_batch_biases_and_options():
    text = draw(XOR)
    check_dot(text)
    assert "b1[1] = 0.1" in text and "dE/db1[1] = " in text and "new(b1[1]) = " in text
    assert "example 1 of 4" in text
    assert "h1 = 0.42556" in draw(XOR, "--example", "2")  # σ(-0.3)
    assert invoke("draw", XOR, "--example", "5").exit_code == 2
    assert "h1 = 0.525" in draw(XOR, "--round", "3")
    assert "dE/dz(q) = " in draw(TANH, "--notation", "delta")
    exact = draw(TANH, "--exact")
    assert "dE/dq = -1.1297" in exact
    check_mermaid(draw(XOR, "-f", "mermaid"))


def test_draw_quotes_awkward_names(awkward):
    dot_text, mermaid_text = draw(awkward), draw(awkward, "-f", "mermaid")
    check_dot(dot_text)
    check_mermaid(mermaid_text)
    assert "h'2 (sigmoid)" in dot_text and "w[1,1] = 0.1" in dot_text
    assert '\\"' in dot_text.splitlines()[1] and "\\\\" in dot_text  # the title, escaped
    assert "h'2 (sigmoid)" in mermaid_text and '"w[1,1] = 0.1<br>' in mermaid_text
    title = [line for line in mermaid_text.splitlines() if "odd #" in line]
    assert len(title) == 1 and title[0].startswith("  %% odd")  # a comment: read as nothing


def test_label_escaping():
    from bptutor.views.draw import dot_string, mermaid_string

    assert dot_string('a "b" \\n\nc') == '"a \\"b\\" \\\\n\\nc"'
    assert mermaid_string('a"b#c<d>&`e|f\ng') == '"a#quot;b#35;c#lt;d#gt;#amp;#96;e#124;f<br>g"'


@pytest.mark.parametrize("name", bundled_names())
def test_draw_every_bundled_problem(name):
    check_dot(draw(name))
    check_mermaid(draw(name, "-f", "mermaid"))


@pytest.mark.skipif(not shutil.which("dot"), reason="graphviz is not installed")
def test_graphviz_reads_the_dot(awkward, tmp_path):
    for problem in [*bundled_names(), awkward]:
        run = subprocess.run(["dot", "-Tsvg"], input=draw(problem), capture_output=True,
                             text=True, timeout=60)
        assert run.returncode == 0 and "<svg" in run.stdout, (problem, run.stderr)


def test_draw_writes_a_file_and_never_overwrites(tmp_path):
    target = tmp_path / "net.dot"
    result = invoke("draw", TANH, "-o", target)
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("digraph")
    target.write_text("mine", encoding="utf-8")
    refused = invoke("draw", TANH, "-o", target, "-f", "mermaid")
    assert refused.exit_code == 2 and target.read_text(encoding="utf-8") == "mine"
    assert invoke("draw", TANH, "-o", target, "-f", "mermaid", "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("flowchart LR")


def test_draw_graph_problems():
    graphs = [name for name in bundled_names() if name.startswith("graph")]
    if not graphs:
        pytest.skip("no graph problems in this checkout")
    text = draw("graph-reuse")
    check_dot(text)
    assert "df/da = -3" in text and "df/db = -8" in text and "d = a·b" in text
    assert text.count(" -> ") == 6  # a and b feed d and e; d and e feed f
    check_mermaid(draw("graph-sigmoid-exp", "-f", "mermaid"))
    terminal = output("solve", "graph-reuse", "--no-color", env={"COLUMNS": "80"})
    assert "a → d" in terminal and "d -6" in terminal and "depth 2" in terminal


# -- the terminal diagram ----------------------------------------------------------------------

DIAGRAM_LINES = ("x1 ─u1=0.2→ q", "q -0.66", "p2 ─w2=-5→ y", "layer 2 · tanh")


def test_diagram_above_the_steps_at_80_columns():
    out = output("solve", TANH, "--no-color", env={"COLUMNS": "80"})
    for piece in DIAGRAM_LINES:
        assert piece in out, piece
    assert out.index("q -0.66") < out.index("Legend") < out.index("Forward pass")
    assert max(len(line) for line in out.splitlines()) <= 80
    xor = output("solve", XOR, "--no-color", env={"COLUMNS": "80"})
    assert "x2 ─W1[1,2]=-0.4→ h1" in xor and "+1 ─b2[1]=-0.3→ y" in xor
    assert "neuron values of example 1 of 4" in xor


def test_diagram_disappears_when_it_does_not_fit_or_is_not_wanted():
    narrow = output("solve", TANH, "--no-color", env={"COLUMNS": "40"})
    assert "─u1" not in narrow and "layer 2 · tanh" not in narrow and "dE/dq" in narrow
    for args in (("--no-diagram",), ("--only", "forward")):
        out = output("solve", TANH, "--no-color", *args, env={"COLUMNS": "80"})
        assert "─u1" not in out and "Forward pass" in out


def test_diagram_drops_weight_names_before_it_drops_itself():
    sheet = solve(load(TANH))

    def shown(width: int) -> str:
        console = Console(width=width, no_color=True, record=True, file=open("/dev/null", "w"))
        console.print(NetworkDiagram(sheet))
        return console.export_text()

    assert "x1 ─u1=0.2→ q" in shown(80)
    assert "x1 ─0.2→ q" in shown(50) and "u1" not in shown(50)
    assert shown(30).strip() == ""


def test_draw_a_graph_with_an_upstream_gradient_shows_its_gradients_and_updates():
    sheet = solve(load("graph-upstream-update"))  # output y, dL/dy = 0.8 given, 3 parameters
    for text in (draw("graph-upstream-update"), draw("graph-upstream-update", "-f", "mermaid")):
        for key in ("dL/dz", "dL/dx1", "dL/dw1", "dL/db", "new(w1)", "new(w2)", "new(b)"):
            assert f"{key} = {sheet.show(key)}" in text, key
        assert "dL/dy = 0.8 (given)" in text and "dy/d" not in text
    assert "dL/da = 2" in draw("graph-c-a-2b")  # a graph whose output is its loss


def test_draw_takes_thresholds_from_a_minus_one_unit():
    text = draw("negnevitsky-xor")
    check_dot(text)
    nodes = dict(re.findall(r'^  (n\d+) \[label="([^"]*)"', text, re.M))
    units = [n for n, label in nodes.items() if label == "-1"]
    assert len(units) == 2 and "z − theta" not in text  # one per threshold layer
    edges = re.findall(r'(n\d+) -> (n\d+) \[label="(theta\d) = ', text)
    assert {(source in units, nodes[target].split(" ")[0], theta)
            for source, target, theta in edges} == {
        (True, "y3", "theta3"), (True, "y4", "theta4"), (True, "y5", "theta5")}
    check_mermaid(draw("negnevitsky-xor", "-f", "mermaid"))
