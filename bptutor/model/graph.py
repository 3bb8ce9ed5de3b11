"""A computation graph (SPEC §1, ``kind: graph``): given inputs, then nodes in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bptutor.errors import BptutorError, Mark
from bptutor.model.network import Example

if TYPE_CHECKING:
    from bptutor.model.expression import Expr  # only graphs pay for the parser


@dataclass
class Graph:
    """A computation graph (SPEC §1): given inputs, then nodes computed in order."""

    path: str
    title: str
    source: str | None
    round: int | None
    inputs: dict[str, float]
    nodes: dict[str, Expr]  # in order; each uses only the inputs and the nodes above it
    output: str
    marks: dict[str, Mark] = field(default_factory=dict)  # where top-level keys were written
    places: dict[str, Mark] = field(default_factory=dict)  # each input's value, node's expression
    notation = "graph"  # one notation only: dL/d(value), local derivatives inline
    learning_rate = None

    @property
    def examples(self) -> list[Example]:
        """One example, so views that count examples treat a graph like a single one."""
        return [Example(list(self.inputs.values()), [])]

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error placed where ``key`` (a name, ``dL/da``, or a top-level key) is written."""
        prefix = f"d{self.output}/d"
        name = key[len(prefix):] if key.startswith(prefix) else key
        return BptutorError(self.path, self.places.get(name) or self.marks.get(key), message,
                            hint)

    def compute_error(self, key: str, exc: Exception) -> BptutorError:
        """A value the numbers leave undefined, at the expression that failed where known."""
        error = self.error(key, f"cannot compute {key}: {exc}",
                           "check the numbers this expression receives")
        error.mark = getattr(exc, "mark", None) or error.mark
        return error
