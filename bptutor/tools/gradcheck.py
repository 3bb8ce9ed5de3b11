"""Gradient checks: the worksheet's exact gradients against finite differences.

The numeric side is independent of the worksheet: a float64 numpy forward pass that
evaluates every perturbed copy of the parameters at once, as one batch (rows = copies).
Central differences by default; ``method="forward"`` is the lecture's
(E(u + h) − E(u)) / h. numpy is imported here only, so ``solve`` never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bptutor.model.graph import Graph
from bptutor.model.network import Network
from bptutor.sheet.network_steps import parameters
from bptutor.sheet.worksheet import Worksheet
from bptutor.sheet.worksheet import solve as solve_sheet

# rel_error thresholds of the lecture's rule of thumb: ≤ 1e-7 good, ≤ 1e-4 acceptable,
# > 1e-2 wrong, in between suspicious.
PASSING = ("good", "acceptable", "rounding")
_CHUNK = 2_000_000  # floats per layer's weight stack in one batch: memory stays ~16 MB


def rel_error(a: float, n: float) -> float:
    return abs(a - n) / max(abs(a), abs(n), 1e-12)


def verdict(rel: float) -> str:
    if rel <= 1e-7:
        return "good"
    if rel <= 1e-4:
        return "acceptable"
    return "wrong" if rel > 1e-2 else "suspicious"


@dataclass
class Item:
    key: str
    analytic: float  # the worksheet's exact gradient, or the student's number
    numeric: float
    rel_error: float
    verdict: str
    note: str = ""

    def as_json(self) -> dict:
        data = {"key": self.key, "analytic": self.analytic + 0.0, "numeric": self.numeric + 0.0,
                "rel_error": self.rel_error, "verdict": self.verdict}
        if self.note:
            data["note"] = self.note
        return data


@dataclass
class Probe:
    """The lecture's forward check of one weight, written out: E(u), E(u + h)."""

    name: str
    value: float
    step: float
    loss_at: float
    loss_after: float


@dataclass
class Report:
    title: str
    method: str
    eps: float
    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    answers: str | None = None  # the answers file checked, if any
    loss_name: str = "E"  # a graph's output name: L, f

    @property
    def passed(self) -> bool:
        return all(item.verdict in PASSING for item in self.items)

    @property
    def worst(self) -> Item | None:
        return max(self.items, key=lambda item: item.rel_error, default=None)

    def as_json(self) -> dict:
        data = {"method": self.method, "eps": self.eps, "passed": self.passed,
                "items": [item.as_json() for item in self.items]}
        if self.warnings:
            data["warnings"] = self.warnings
        return data


# -- the loss as a batched numpy function --------------------------------------------------

class NetworkLoss:
    """E per example for many parameter vectors at once: rows of ``params`` are copies."""

    def __init__(self, net: Network):
        self.net = net
        self.names: list[str] = []
        self.base_values: list[float] = []
        self.layout: list[tuple[slice, slice | None, tuple[int, int]]] = []
        for layer in net.layers:
            shape = (len(layer.neurons), len(layer.weights[0]) if layer.weights else 0)
            w = self._claim(sum(layer.weight_names, []), sum(layer.weights, []))
            b = self._claim(layer.bias_names, layer.bias) if layer.bias is not None else None
            self.layout.append((w, b, shape))
        self.base = np.array(self.base_values, dtype=np.float64)
        self.inputs = np.array([e.inputs for e in net.examples], dtype=np.float64)
        self.targets = np.array([e.targets for e in net.examples], dtype=np.float64)

    def _claim(self, names, values) -> slice:
        start = len(self.names)
        self.names += names
        self.base_values += values
        return slice(start, len(self.names))

    def __call__(self, params: np.ndarray) -> np.ndarray:
        """(copies, parameters) → (copies, examples) losses; inf where a log meets 0."""
        z, a = self.forward(params)[-1]
        with np.errstate(all="ignore"):
            return _loss(self.net, z, a, self.targets)

    def forward(self, params: np.ndarray, inputs: np.ndarray | None = None
                ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) of every layer, each (copies, examples, neurons); ``inputs`` defaults to
        every example's (training passes a mini-batch)."""
        inputs = self.inputs if inputs is None else inputs
        out = []
        with np.errstate(all="ignore"):
            a = np.broadcast_to(inputs, (len(params), *inputs.shape))
            for layer, (w, b, shape) in zip(self.net.layers, self.layout):
                weights = params[:, w].reshape(len(params), *shape)
                z = np.einsum("noi,nei->neo", weights, a)
                if b is not None:
                    z = z + params[:, None, b]
                a = _activate(layer, z)
                out.append((z, a))
        return out

    @property
    def examples(self) -> int:
        return len(self.inputs)

    def batch_size(self) -> int:
        largest = max((shape[0] * shape[1] for _, _, shape in self.layout), default=1)
        return max(1, _CHUNK // max(largest * len(self.inputs), 1))



class GraphLoss:
    """A computation graph's output for many input vectors: the same interface as
    NetworkLoss, with the graph's inputs as the parameters (graphs are small: a plain loop)."""

    examples = 1

    def __init__(self, graph: Graph, names: list[str]):
        self.graph, self.names = graph, names
        self.base = np.array([graph.inputs[n] for n in names], dtype=np.float64)

    def __call__(self, params: np.ndarray) -> np.ndarray:
        from bptutor.model.expression import MathError
        from bptutor.sheet.graph_steps import evaluate_output

        out = np.empty((len(params), 1))
        values = dict(self.graph.inputs)
        for row, vector in enumerate(params):
            values.update(zip(self.names, vector.tolist()))
            try:
                out[row, 0] = evaluate_output(self.graph, values)
            except (MathError, ArithmeticError, ValueError):  # undefined there: no difference
                out[row, 0] = np.nan
        return out

    def batch_size(self) -> int:
        return 256

def _activate(layer, z: np.ndarray) -> np.ndarray:
    if layer.softmax:
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    out = np.empty_like(z)
    groups: dict = {}
    for j, act in enumerate(layer.activations):
        groups.setdefault(act, []).append(j)
    for act, cols in groups.items():
        out[..., cols] = _elementwise(act.name, act.alpha, z[..., cols])
    return out


def _elementwise(name: str, alpha: float, z: np.ndarray) -> np.ndarray:
    match name:
        case "sigmoid":
            return np.exp(-np.logaddexp(0.0, -z))  # never overflows
        case "tanh":
            return np.tanh(z)
        case "relu":
            return np.where(z > 0, z, 0.0)
        case "leaky_relu":
            return np.where(z >= 0, z, alpha * z)
        case _:
            return z


def _loss(net: Network, z: np.ndarray, y: np.ndarray, t: np.ndarray) -> np.ndarray:
    name, m = net.loss.name, y.shape[-1]
    if name in ("squared_error", "half_squared_error", "mean_squared_error"):
        total = ((t - y) ** 2).sum(axis=-1)
        return total * {"squared_error": 1.0, "half_squared_error": 0.5}.get(name, 1.0 / m)
    out = net.layers[-1]
    # logs straight from z where the output unit allows it: exact far into saturation
    if out.softmax:
        log_total = np.logaddexp.reduce(z, axis=-1, keepdims=True)
        log_y = z - log_total
        # 1 − y_k is the sum of the other outputs: summed as such, it keeps its digits
        # where y_k is within 1e-6 of 1 (1 − y would keep only ten)
        shifted = np.exp(z - z.max(axis=-1, keepdims=True))
        others = (shifted[..., None, :] * (1.0 - np.eye(m))).sum(axis=-1)
        log_not_y = np.log(others) + z.max(axis=-1, keepdims=True) - log_total
    elif all(act.name == "sigmoid" for act in out.activations):
        log_y, log_not_y = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
    else:
        log_y, log_not_y = np.log(y), np.log1p(-y)
    terms = np.where(t != 0, t * log_y, 0.0)  # a term with coefficient 0 counts as 0
    if name == "binary_cross_entropy":
        terms = terms + np.where(t != 1, (1 - t) * log_not_y, 0.0)
    return -terms.sum(axis=-1)


# -- the checks ------------------------------------------------------------------------------

def numeric_gradients(loss: NetworkLoss | GraphLoss, eps: float, which: list[int],
                      method: str = "central") -> np.ndarray:
    """(len(which), examples) finite-difference gradients of each example's loss."""
    out = np.empty((len(which), loss.examples))
    size = loss.batch_size()
    base_loss = loss(loss.base[None, :])[0] if method == "forward" else None
    for start in range(0, len(which), size):
        chunk = which[start:start + size]
        rows = np.arange(len(chunk))
        up = np.repeat(loss.base[None, :], len(chunk), axis=0)
        up[rows, chunk] += eps
        if method == "forward":
            step = up[rows, chunk] - loss.base[chunk]  # the step the floats really took
            out[start:start + len(chunk)] = (loss(up) - base_loss) / step[:, None]
            continue
        down = np.repeat(loss.base[None, :], len(chunk), axis=0)
        down[rows, chunk] -= eps
        step = up[rows, chunk] - down[rows, chunk]
        out[start:start + len(chunk)] = (loss(up) - loss(down)) / step[:, None]
    return out


def check(net: Network | Graph, eps: float = 1e-6, method: str = "central",
          only: list[str] | None = None,
          analytic: Callable[[Worksheet, str], float] | None = None) -> Report:
    """Every weight's and bias's (a graph: every input's) exact gradient against finite
    differences."""
    sheet = solve_sheet(net, None, "activation")
    loss, prefix, ordered = _target(net, sheet)
    warnings = [] if isinstance(net, Graph) else kink_warnings(sheet, eps)
    names = _chosen(net, ordered, only)
    index = {name: i for i, name in enumerate(loss.names)}
    numeric = numeric_gradients(loss, eps, [index[n] for n in names], method).sum(axis=1)
    report = Report(net.title, method, eps, warnings=warnings, loss_name=prefix[1:-2])
    for name, n in zip(names, numeric):
        key = prefix + name
        a = analytic(sheet, key) if analytic else sheet.exact[key]
        rel = rel_error(a, float(n))
        report.items.append(Item(key, a, float(n), rel, verdict(rel)))
    if method == "forward" and only and len(names) == 1:
        report.probes.append(_probe(loss, index[names[0]], names[0], eps))
    return report


def _target(net: Network | Graph, sheet: Worksheet
            ) -> tuple[NetworkLoss | GraphLoss, str, list[str]]:
    """What finite differences perturb: the loss function, the gradient keys' prefix
    (dE/d, or dL/d with a graph's output name) and the parameters in the worksheet's order."""
    if isinstance(net, Graph):
        prefix = f"d{net.output}/d"
        ordered = [s.key[len(prefix):] for s in sheet.steps
                   if s.kind == "gradient" and s.key[len(prefix):] in net.inputs]
        return GraphLoss(net, ordered), prefix, ordered
    return NetworkLoss(net), "dE/d", [name for name, _ in parameters(net)]


def _chosen(net: Network | Graph, ordered: list[str], only: list[str] | None) -> list[str]:
    """Parameters in the worksheet's order, or the ones asked for."""
    if not only:
        return ordered
    what = "input" if isinstance(net, Graph) else "weight or bias"
    for name in only:
        if name not in ordered:
            from bptutor.files.problems import _suggest

            known = "inputs" if isinstance(net, Graph) else "weights and biases"
            hint = _suggest(name, ordered) or f"{known}: " + ", ".join(ordered[:12])
            place = "inputs" if isinstance(net, Graph) else "network"
            raise net.error(place, f"the problem has no {what} {name!r}", hint)
    return [name for name in ordered if name in only]


def _probe(loss: NetworkLoss | GraphLoss, i: int, name: str, h: float) -> Probe:
    moved = loss.base.copy()
    moved[i] += h
    at, after = loss(np.stack([loss.base, moved])).sum(axis=1)
    return Probe(name, float(loss.base[i]), h, float(at), float(after))


def kink_warnings(sheet: Worksheet, eps: float) -> list[str]:
    """A relu whose z sits within reach of a perturbation: differences straddle the kink."""
    net, warnings = sheet.network, []
    many = len(net.examples) > 1
    previous = [net.inputs]
    for layer in net.layers:
        previous.append(layer.neurons)
    for k, layer in enumerate(net.layers):
        for j, neuron in enumerate(layer.neurons):
            if layer.activations[j].name not in ("relu", "leaky_relu"):
                continue
            for e in range(1, len(net.examples) + 1):
                suffix = f"@{e}" if many else ""
                z = sheet.exact[f"z({neuron}){suffix}"]
                # sheet.exact holds the givens too: the inputs as well as the activations
                reach = eps * (1 + sum(abs(sheet.exact[f"{p}{suffix}"]) for p in previous[k]))
                if abs(z) <= reach:
                    where = f" in example {e}" if many else ""
                    warnings.append(
                        f"{layer.activations[j].name} at {neuron} sits within eps of its kink "
                        f"(z = {z:.3g}{where}): finite differences straddle it there, so "
                        "gradients through it may disagree")
    return warnings


def check_answers(net: Network | Graph, written: dict[str, float], eps: float = 1e-6,
                  method: str = "central", only: list[str] | None = None) -> Report:
    """A student's gradients (``dE/dw``, ``dE/dw@k``, ``dL/da``) against finite differences.

    Hand-rounded answers cannot reach 1e-4, so a number that is as close to the numeric
    gradient as the rounded worksheet itself is (plus one unit) passes as ``rounding``."""
    sheet = solve_sheet(net, "file", "activation")
    loss, prefix, ordered = _target(net, sheet)
    chosen = _chosen(net, ordered, only)
    index = {name: i for i, name in enumerate(loss.names)}
    wanted = [(key, *_gradient_of(key, prefix, chosen)) for key in written]
    wanted = [(key, name, example) for key, name, example in wanted
              if name is not None and key in sheet.values]
    names = sorted({name for _, name, _ in wanted}, key=index.__getitem__)
    numeric = dict(zip(names, numeric_gradients(loss, eps, [index[n] for n in names], method)))
    report = Report(net.title, method, eps, loss_name=prefix[1:-2])
    digits = sheet.rounding.digits
    for key, name, example in wanted:
        n = float(numeric[name].sum() if example is None else numeric[name][example - 1])
        a = written[key]
        rel = rel_error(a, n)
        item = Item(key, a, n, rel, verdict(rel))
        if item.verdict not in ("good", "acceptable") and digits is not None:
            allowance = abs(sheet.values[key] - n) + 1.01 * 10.0 ** -digits
            if abs(a - n) <= allowance:
                item.verdict = "rounding"
                item.note = f"as close as rounding to {digits} decimals allows"
        report.items.append(item)
    return report


def _gradient_of(key: str, prefix: str, names: list[str]) -> tuple[str | None, int | None]:
    """('u3', None) for dE/du3, ('u3', 2) for dE/du3@2; (None, None) for other keys."""
    if not key.startswith(prefix):
        return None, None
    name, _, example = key[len(prefix):].partition("@")
    if name not in names:
        return None, None
    return name, int(example) if example.isdigit() else None
