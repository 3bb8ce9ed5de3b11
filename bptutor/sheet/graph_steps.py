"""The steps of a computation-graph problem (SPEC §1 ``kind: graph``), as worksheet ops.

Forward: one step per node, its expression with the (rounded) values substituted. Backward,
in reverse order, a step ``dL/dv`` for every node and input v that the output L depends on:
the sum over the nodes u that use v of dL/du · ∂u/∂v, where the local derivative ∂u/∂v is
computed inline from the rounded values, as σ′ is on a network sheet (written from u's own
value where u's expression is one function: σ(z) → u·(1 - u), exp(x) → u). Like a hidden
neuron's error (SPEC §3 rule 4), each term of a sum is rounded, then the sum.

SPEC §6: an ``output_gradient`` g is the given dL/d(output) of a loss L downstream (a given
value, the first factor of the output's own terms), and ``parameters`` with a learning rate
add ``new(w)`` = w − η·dL/dw for those inputs, after the backward pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from bptutor.model import keys
from bptutor.model.expression import (
    ADD,
    Expr,
    Name,
    Num,
    derivative,
    ordered_names,
    paper_value,
    write,
)
from bptutor.model.graph import Graph
from bptutor.model.rounding import Rounding
from bptutor.sheet.ops import Op, Product, Ref, Step, Sum, Texts, Update, Values


class NodeValue:
    """A node's value: its expression, from the values of the names it reads."""

    def __init__(self, expr: Expr):
        self.expr = expr
        self.inputs = ordered_names(expr)
        self.formula = write(expr)

    def value(self, v: Values, R: Rounding) -> Decimal:
        return paper_value(self.expr, dict(zip(self.inputs, v)))

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return write(self.expr, dict(zip(self.inputs, t)))


class Local:
    """∂u/∂v as a factor of a term (``slot`` "factor"), a term of a sum ("term"), or the
    whole step ("alone"); bracketed where its slot needs it: dL/de·(1 - e²)."""

    def __init__(self, expr: Expr, slot: str):
        self.expr, self.slot = expr, slot
        self.inputs = ordered_names(expr)
        self.formula = self._place(write(expr))

    def _place(self, text: str) -> str:
        if self.slot != "alone" and (self.expr.prec <= ADD or text.startswith("-")):
            return f"({text})"
        return text

    def value(self, v: Values, R: Rounding) -> Decimal:
        return paper_value(self.expr, dict(zip(self.inputs, v)))

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self._place(write(self.expr, dict(zip(self.inputs, t))))


def gradient_key(graph: Graph, name: str) -> str:
    return keys.derivative(name, of=graph.loss_name)


def build_steps(graph: Graph) -> tuple[list[Step], dict[str, float]]:
    """Forward steps for every node, then backward steps in reverse order."""
    steps = [Step(name, "node", "forward", None, NodeValue(expr))
             for name, expr in graph.nodes.items()]
    needed = graph.depends()
    order = [name for name in [*graph.inputs, *graph.nodes] if name in needed]
    users: dict[str, list[str]] = {v: [] for v in order}
    for u, expr in graph.nodes.items():  # one pass: a chain of 20,000 nodes stays linear
        if u in needed:
            for v in expr.names:
                users[v].append(u)
    for v in reversed(order):
        if v == graph.output:
            continue  # dL/dL (1, or the given output_gradient) is not a step
        steps.append(Step(gradient_key(graph, v), "gradient", "backward", None,
                          _gradient(graph, v, users[v])))
    givens = dict(graph.inputs)
    if graph.output_gradient is not None:
        givens[graph.upstream_key] = graph.output_gradient
    if graph.learning_rate is not None:  # SPEC §6: new(w) = w − η·dL/dw for each parameter
        givens[keys.RATE] = graph.learning_rate
        for w in graph.updated:
            grad = gradient_key(graph, w)
            steps.append(Step(keys.update(w), "update", "update", None,
                              Update(w, grad, keys.RATE, w, grad)))
    return steps, givens


def _gradient(graph: Graph, v: str, users: list[str]) -> Op:
    """Σ over the nodes u using v of dL/du · ∂u/∂v (no dL/dL factor when u is L, unless
    the problem gives dL/dL: its ``output_gradient``)."""
    alone = len(users) == 1
    terms: list[Product] = []
    for u in users:
        local = derivative(graph.nodes[u], v, Name(u))
        if u == graph.output and graph.output_gradient is None:
            terms.append(Product([Local(local, "alone" if alone else "term")]))
        else:  # a local derivative of 1 is not written, as σ′ = 1 is not on a network sheet
            key = gradient_key(graph, u)  # for the output: the given output_gradient
            factors: list[Op] = [] if _one(local) else [Local(local, "factor")]
            terms.append(Product([Ref(key, key), *factors]))
    return terms[0] if alone else Sum(terms, round_terms=True)


def _one(e: Expr) -> bool:
    return isinstance(e, Num) and e.number == 1


def forward(graph: Graph, inputs: Mapping[str, float]) -> dict[str, float]:
    """Every input and node value, exactly (float64, no rounding), from ``inputs`` (one
    value per input name). Raises ``expression.MathError`` where a value is undefined."""
    values = {name: float(inputs[name]) for name in graph.inputs}
    for name, expr in graph.nodes.items():
        values[name] = expr.value(values)
    return values


def evaluate_output(graph: Graph, inputs: Mapping[str, float]) -> float:
    """What the sheet differentiates, exactly, from the inputs (what finite differences
    perturb): the output, times the given dL/d(output) where the problem gives one."""
    out = forward(graph, inputs)[graph.output]
    return out if graph.output_gradient is None else graph.output_gradient * out
