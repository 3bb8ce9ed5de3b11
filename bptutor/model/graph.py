"""A computation graph (SPEC §1, ``kind: graph``): given inputs, then nodes in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bptutor.errors import BptutorError, Mark
from bptutor.model import keys
from bptutor.model.network import Example

if TYPE_CHECKING:
    from bptutor.model.expression import Expr  # only graphs pay for the parser
    from bptutor.model.rounding import Rounding

UPSTREAM_LOSS = "L"  # the loss an output_gradient comes from (SPEC §6): dL/d(output) = g


@dataclass
class Graph:
    """A computation graph (SPEC §1): given inputs, then nodes computed in order."""

    path: str
    title: str
    source: str | None
    round: int | Rounding | None
    inputs: dict[str, float]
    nodes: dict[str, Expr]  # in order; each uses only the inputs and the nodes above it
    output: str
    marks: dict[str, Mark] = field(default_factory=dict)  # where top-level keys were written
    places: dict[str, Mark] = field(default_factory=dict)  # each input's value, node's expression
    learning_rate: float | None = None  # with ``updated``: new(w) steps (SPEC §6)
    updated: tuple[str, ...] = ()  # the file's ``parameters``: inputs that get a new(w) step
    output_gradient: float | None = None  # dL/d(output) given upstream (SPEC §6); None: 1

    # -- the Problem protocol (bptutor.model.problem) --
    kind = "graph"
    notation = "graph"  # one notation only: dL/d(value), local derivatives inline
    notations = ("graph",)
    parameters_key = "inputs"  # a graph's gradients are its inputs' (where they are written)
    parameter_words = ("input", "inputs")

    @property
    def loss_name(self) -> str:
        """What the gradients differentiate: the output (dL/da for output L); with an
        ``output_gradient``, the loss L downstream of the output (dL/da, given dL/df = g)."""
        return self.output if self.output_gradient is None else UPSTREAM_LOSS

    @property
    def examples(self) -> list[Example]:
        """A graph's inputs are its one example."""
        return [Example(list(self.inputs.values()), [])]

    def depends(self) -> set[str]:
        """The inputs and nodes the output depends on (the output itself included)."""
        needed = {self.output}
        for name in reversed(list(self.nodes)):
            if name in needed:
                needed |= self.nodes[name].names
        return needed

    def parameters(self) -> list[str]:
        """The inputs the output depends on, in the worksheet's (backward) order."""
        needed = self.depends()
        return [name for name in reversed(list(self.inputs)) if name in needed]

    def names(self) -> list[str]:
        return [*self.inputs, *self.nodes]

    @property
    def upstream_key(self) -> str:
        """The given dL/d(output) (``output_gradient``): dL/df for output f."""
        return keys.derivative(self.output, of=self.loss_name)

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error placed where ``key`` (a name, ``dL/da``, or a top-level key) is written."""
        parts = keys.parse(key)
        name = parts.name if parts.form == "d" and parts.of == self.loss_name else key
        return BptutorError(self.path, self.places.get(name) or self.marks.get(key), message,
                            hint)

    def compute_error(self, key: str, exc: Exception) -> BptutorError:
        """A value the numbers leave undefined, at the expression that failed where known."""
        error = self.error(key, f"cannot compute {key}: {exc}",
                           "check the numbers this expression receives")
        error.mark = getattr(exc, "mark", None) or error.mark
        return error

    def overflow_error(self, key: str, kind: str) -> BptutorError:
        """A value too large for a float, at the expression that computes it."""
        return self.error(key, f"{key} is too large to compute with",
                          "use smaller weights or inputs")
