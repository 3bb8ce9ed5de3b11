"""What every problem offers, layered network or computation graph (SPEC §1).

Callers read a problem through ``Problem`` instead of asking which kind it is. The few that
draw its structure (layers or nodes) pick a function from a table keyed by ``kind`` and get
the concrete problem from ``as_network`` / ``as_graph``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Protocol, cast

from bptutor.errors import BptutorError, Mark

if TYPE_CHECKING:
    from bptutor.model.graph import Graph
    from bptutor.model.network import Example, Network
    from bptutor.model.rounding import Rounding


class Problem(Protocol):
    path: str  # the file it was read from (errors point into it)
    title: str
    source: str | None
    round: int | Rounding | None  # round: d (decimals), a long form (SPEC §6), None: exact
    marks: dict[str, Mark]  # where each top-level key was written
    learning_rate: float | None  # None: no update step

    @property
    def kind(self) -> str:
        """"network" or "graph": the table key of the code that draws its structure."""

    @property
    def notation(self) -> str:
        """The file's notation (the default of ``--notation``)."""

    @property
    def notations(self) -> Sequence[str]:
        """Every notation its worksheet can be written in."""

    @property
    def loss_name(self) -> str:
        """What the gradients differentiate: E, or a graph's output (dL/da)."""

    @property
    def inputs(self) -> Collection[str]:
        """The input names."""

    @property
    def examples(self) -> Sequence[Example]:
        """The examples (a graph's inputs are its one example)."""

    @property
    def parameters_key(self) -> str:
        """The top-level key where the parameters are written (``network``, ``inputs``)."""

    @property
    def parameter_words(self) -> tuple[str, str]:
        """What a parameter is called, singular and plural: ("input", "inputs")."""

    def parameters(self) -> list[str]:
        """What gradcheck perturbs, in the worksheet's order: weights and biases, or the
        inputs a graph's output depends on."""

    def names(self) -> list[str]:
        """Every name a formula may use."""

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error placed where ``key`` (a name, a step key, a top-level key) is written."""

    def compute_error(self, key: str, exc: Exception) -> BptutorError:
        """The step ``key`` is undefined for these numbers (``exc`` says why)."""

    def overflow_error(self, key: str, kind: str) -> BptutorError:
        """The step ``key`` (of step kind ``kind``) is too large to compute with."""


def as_network(problem: Problem) -> Network:
    """A problem of kind "network" as the layered network it is."""
    if problem.kind != "network":
        raise TypeError(f"a {problem.kind} problem has no layers")
    return cast("Network", problem)


def as_graph(problem: Problem) -> Graph:
    """A problem of kind "graph" as the computation graph it is."""
    if problem.kind != "graph":
        raise TypeError(f"a {problem.kind} problem has no nodes")
    return cast("Graph", problem)


if TYPE_CHECKING:  # mypy proves here that both kinds satisfy the protocol
    def _network_is_a_problem(network: Network) -> Problem:
        return network

    def _graph_is_a_problem(graph: Graph) -> Problem:
        return graph
