"""Gradient checks: exact gradients against finite differences.

A network's exact side is tools/numeric.py's float64 backward pass (backprop in matrix form
with the worksheet's derivatives; tests/tools/test_numeric.py holds it to the worksheet's
exact values), so no printed worksheet is built and its step cap does not apply (except that
a gradient within roundoff of 0 takes a small sheet's paper-exact value); a graph's is its
worksheet. The numeric side shares no backward code: forward passes only, with one
parameter moved per copy, evaluated in batches (``NetworkLoss.perturbed``: each copy starts
at the first layer its parameter enters). Central differences by default;
``method="forward"`` is the lecture's (E(u + h) − E(u)) / h. numpy is imported by the
numeric tools only, so ``solve`` never pays for it. A difference that cannot be computed
(the loss is undefined or infinite within ε) has no number: its verdict says so, and JSON
gives null.

A finite difference has noise of its own: E(w ± ε) are float64 numbers, each off by about
u·S (u = 2.2e-16, S the size of the sums on the way to E, see ``NetworkLoss.roundoff_scale``),
so the difference carries about u·S/ε of roundoff whatever the gradient. As PyTorch's
gradcheck has an absolute tolerance besides its relative one, a disagreement within that
noise is no evidence against the gradient: its verdict is ``below_resolution`` and it passes
(with a hint to try another ε); above the noise the lecture's relative thresholds judge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from bptutor.errors import BptutorError, Mark
from bptutor.model import keys
from bptutor.model.graph import Graph
from bptutor.model.network import Network
from bptutor.model.problem import Problem, as_graph, as_network
from bptutor.sheet.worksheet import Worksheet
from bptutor.sheet.worksheet import solve as solve_sheet
from bptutor.tools.numeric import NetworkLoss

# rel_error thresholds of the lecture's rule of thumb: ≤ 1e-7 good, ≤ 1e-4 acceptable,
# > 1e-2 wrong, in between suspicious.
BELOW_RESOLUTION = "below_resolution"  # |a − n| within the finite difference's own noise
PASSING = ("good", "acceptable", "rounding", BELOW_RESOLUTION)
UNIT_ROUNDOFF = 2.0 ** -52  # float64's machine epsilon
# the noise bound is K·u·S/ε: the largest |n − a| seen over 2,000 random saturated networks
# with right gradients was 1.5·u·S/ε (bench/gradcheck_noise.py), so 8 leaves a margin
NOISE_FACTOR = 8.0
UNDEFINED = "undefined"  # the finite difference could not be computed: no verdict on the number
UNDEFINED_NOTE = ("the finite difference could not be computed: the loss is undefined or "
                  "infinite within eps of this value")


def rel_error(a: float, n: float) -> float:
    return abs(a - n) / max(abs(a), abs(n), 1e-12)


def verdict(rel: float, within_noise: bool = False) -> str:
    if math.isnan(rel):
        return UNDEFINED
    if rel <= 1e-7:
        return "good"
    if rel <= 1e-4:
        return "acceptable"
    if within_noise:
        return BELOW_RESOLUTION
    return "wrong" if rel > 1e-2 else "suspicious"


@dataclass
class Item:
    key: str
    analytic: float  # the worksheet's exact gradient, or the student's number
    numeric: float
    rel_error: float
    verdict: str
    note: str = ""
    noise: float = 0.0  # the finite difference's own roundoff bound, absolute

    def as_json(self) -> dict:
        data = {"key": self.key, "analytic": _json_number(self.analytic),
                "numeric": _json_number(self.numeric), "rel_error": _json_number(self.rel_error),
                "verdict": self.verdict}
        if self.note:
            data["note"] = self.note
        return data


def _json_number(x: float) -> float | None:
    """JSON has no NaN or Infinity: a number that could not be computed is null."""
    return x + 0.0 if math.isfinite(x) else None  # + 0.0: −0 is 0


def _item(key: str, analytic: float, numeric: float, noise: float, eps: float) -> Item:
    """A gradient against its finite difference; NaN relative error where either is not
    a number (a difference across an undefined or infinite loss)."""
    if not (math.isfinite(analytic) and math.isfinite(numeric)):
        return Item(key, analytic, numeric, math.nan, UNDEFINED, UNDEFINED_NOTE, noise)
    rel = rel_error(analytic, numeric)
    within_noise = abs(analytic - numeric) <= noise
    judged = verdict(rel, within_noise)
    if judged == "acceptable" and within_noise and max(abs(analytic), abs(numeric)) <= noise:
        # both sides are roundoff (a paper zero as 6e-18 against 0): their ratio means nothing
        judged = BELOW_RESOLUTION
    item = Item(key, analytic, numeric, rel, judged, noise=noise)
    if item.verdict == BELOW_RESOLUTION:
        item.note = resolution_note(noise, eps)
    return item


def resolution_note(noise: float, eps: float) -> str:
    """Why a below_resolution item passes, and what would resolve it."""
    other = f"--eps {eps * 100:g}" if eps * 100 <= 1e-2 else "a smaller --eps"
    return (f"the gradient and the finite difference agree to within the difference's own "
            f"roundoff (±{noise:.1e} at eps {eps:g}): too small to resolve at this eps; "
            f"try {other}")


def noise_bounds(loss: NetworkLoss | GraphLoss, eps: float, method: str,
                 sheet: Worksheet | None = None) -> np.ndarray:
    """Per example, how far roundoff alone can move a finite difference: E(w ± ε) each off
    by u·S, divided by the step (2ε central, h forward), times a safety factor. A graph's S
    needs its sheet's exact values; a network's forward pass has all it needs."""
    scale = loss.roundoff_scale(sheet.exact if sheet is not None else {})
    per_loss = UNIT_ROUNDOFF * scale
    spread = 2 * per_loss / (2 * eps if method == "central" else eps)
    return NOISE_FACTOR * spread


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
    first_update: list[int] | None = None  # SPEC §7: the examples of update 1 checked
    note: str | None = None  # what a ``training:`` problem's check covers, in words

    @property
    def passed(self) -> bool:
        return all(item.verdict in PASSING for item in self.items)

    @property
    def worst(self) -> Item | None:
        """The item with the largest relative error; one that could not be computed first,
        one below the difference's resolution last (its relative error is roundoff's)."""
        return max(self.items, key=lambda item: (math.isnan(item.rel_error),
                                                 item.verdict != BELOW_RESOLUTION,
                                                 item.rel_error), default=None)

    def as_json(self) -> dict:
        data = {"method": self.method, "eps": self.eps, "passed": self.passed,
                "items": [item.as_json() for item in self.items]}
        if self.warnings:
            data["warnings"] = self.warnings
        if self.first_update is not None:
            data["first_update"] = self.first_update
        return data


# -- a graph as a batched function of its inputs ---------------------------------------

class GraphLoss:
    """A computation graph's output for many input vectors: the same interface as
    NetworkLoss, with the graph's inputs as the parameters (graphs are small: a plain loop)."""

    examples = 1
    reduction = 1.0

    def __init__(self, graph: Graph, names: list[str]):
        self.graph, self.names = graph, names
        self.base = np.array([graph.inputs[n] for n in names], dtype=np.float64)

    def _output(self, values: dict[str, float]) -> float:
        from bptutor.model.expression import MathError
        from bptutor.sheet.graph_steps import evaluate_output

        try:
            return evaluate_output(self.graph, values)
        except (MathError, ArithmeticError, ValueError):  # undefined there: no difference
            return math.nan

    def base_losses(self) -> np.ndarray:
        return np.array([self._output(dict(self.graph.inputs))])

    def perturbed(self, which: np.ndarray, moved: np.ndarray) -> np.ndarray:
        """(len(which), 1) outputs, row c with input which[c] at moved[c]."""
        out = np.empty((len(which), 1))
        values = dict(self.graph.inputs)
        for row, (i, value) in enumerate(zip(which.tolist(), moved.tolist())):
            name = self.names[i]
            values[name] = value
            out[row, 0] = self._output(values)
            values[name] = self.graph.inputs[name]
        return out

    def roundoff_scale(self, exact: Mapping[str, float]) -> np.ndarray:
        """|L| plus every node's |dL/dv| (from the sheet's ``exact``) times the size of what
        it adds up (|v| and its operands): L's roundoff is about u times this (see
        NetworkLoss.roundoff_scale)."""
        from bptutor.sheet.graph_steps import forward, gradient_key

        values = forward(self.graph, self.graph.inputs)
        upstream = self.graph.output_gradient  # SPEC §6: the function is g·L
        top = 1.0 if upstream is None else abs(upstream)
        scale = top * abs(values[self.graph.output])
        for name, value in values.items():
            weight = top if name == self.graph.output else abs(
                float(exact.get(gradient_key(self.graph, name), 0.0)))
            expr = self.graph.nodes.get(name)
            operands = sum(abs(values[n]) for n in expr.names) if expr is not None else 0.0
            scale += weight * (abs(value) + operands)
        return np.array([scale if math.isfinite(scale) else math.inf])


# -- the checks ------------------------------------------------------------------------------

def numeric_gradients(loss: NetworkLoss | GraphLoss, eps: float, which: list[int],
                      method: str = "central") -> np.ndarray:
    """(len(which), examples) finite-difference gradients of each example's loss: each
    parameter moved alone, never a copy of the whole vector per move."""
    chosen = np.asarray(which, dtype=np.intp)
    base = loss.base[chosen]
    up = base + eps
    with np.errstate(all="ignore"):
        if method == "forward":
            step = up - base  # the step the floats really took
            return (loss.perturbed(chosen, up) - loss.base_losses()) / step[:, None]
        down = base - eps
        return (loss.perturbed(chosen, up) - loss.perturbed(chosen, down)) / (up - down)[:, None]


def check(net: Problem, eps: float = 1e-6, method: str = "central",
          only: list[str] | None = None) -> Report:
    """Every weight's and bias's (a graph: every input's) exact gradient against finite
    differences; a problem of several updates (SPEC §7): those of its first update."""
    first, note = None, None
    if isinstance(net, Network) and net.training is not None:
        net, first, note = first_update(net)
    loss, ordered = _target(net)
    names = _chosen(net, ordered, only)
    index = {name: i for i, name in enumerate(loss.names)}
    which = [index[n] for n in names]
    exact = _EXACT[net.kind](net, loss, which, eps)
    numeric = loss.reduction * numeric_gradients(loss, eps, which, method).sum(axis=1)
    noise = loss.reduction * float(noise_bounds(loss, eps, method, exact.sheet).sum())
    report = Report(net.title, method, eps, warnings=exact.warnings, loss_name=net.loss_name,
                    first_update=first, note=note)
    for name, n in zip(names, numeric):
        report.items.append(_item(keys.derivative(name, net.loss_name),
                                  float(exact.gradients[index[name]]), float(n), noise, eps))
    if net.kind == "network":
        _paper_zeros(net, report.items, eps)
    if method == "central":
        _allow_truncation(report.items, loss, which, eps, noise)
    if method == "forward" and only and len(names) == 1:
        report.probes.append(_probe(loss, index[names[0]], names[0], eps))
    return report


def _paper_zeros(net: Problem, items: list[Item], eps: float) -> None:
    """A float gradient within roundoff of 0 (6e-18 where a unit's z is 0.3 − 0.4 + 0.1)
    takes the worksheet's paper-exact value, which is 0 where the paper's is. The sheet is
    built only then, and only where it fits under the step cap: large nets keep numpy's."""
    from bptutor.sheet.network_steps import MAX_STEPS, count_steps

    tiny = [k for k, item in enumerate(items) if item.analytic != 0
            and abs(item.analytic) <= item.noise and item.verdict != UNDEFINED]
    if not tiny or count_steps(as_network(net), "activation")[2] > MAX_STEPS:
        return
    try:
        sheet = solve_sheet(net, None, "activation")
    except BptutorError:  # e.g. a log the paper cannot take: numpy's value stands
        return
    for k in tiny:
        item = items[k]
        if item.key in sheet.exact:
            items[k] = _item(item.key, sheet.exact[item.key], item.numeric, item.noise, eps)


def first_update(net: Network) -> tuple[Network, list[int], str]:
    """The problem its first update differentiates (SPEC §7: that update's examples, from
    the file's weights), the examples (1-based), and a line saying so."""
    plan = net.training
    assert plan is not None
    batches = plan.batches(len(net.examples))
    batch = batches[0]
    which = f"example {batch[0]}" if len(batch) == 1 else f"examples {batch[0]}–{batch[-1]}"
    note = f"the gradients of update 1 of {len(batches)} ({which})"
    if plan.l2:
        note += "; the L2 term 2·l2·w is not backprop and is left out"
    first = replace(net, examples=[net.examples[j - 1] for j in batch], training=None)
    return first, batch, note


TRUNCATION_NOTE = ("the difference is the central difference's own truncation error "
                   "(ε²·E‴/6): at eps/2 it shrinks fourfold, towards the gradient")


def _allow_truncation(items: list[Item], loss: NetworkLoss | GraphLoss, which: list[int],
                      eps: float, noise: float) -> None:
    """A failing item whose difference converges to the gradient passes as below_resolution.

    A central difference errs by ε²·E‴/6 besides its roundoff: nothing where a gradient is
    large, but where it is 0 (on paper) next to curvature, 1e-16 is already a relative
    error above 1e-4 by SPEC's floor. Richardson's extrapolation (4·n(ε/2) − n(ε))/3 removes
    that term: when it meets the gradient (within 3× the noise, the extrapolation's own)
    the disagreement was truncation; a wrong gradient stays as far from it as before."""
    failing = [k for k, item in enumerate(items)
               if item.verdict not in PASSING and item.verdict != UNDEFINED]
    if not failing:
        return
    half = loss.reduction * numeric_gradients(
        loss, eps / 2, [which[k] for k in failing]).sum(axis=1)
    for k, n_half in zip(failing, half.tolist()):
        item = items[k]
        extrapolated = (4 * n_half - item.numeric) / 3
        if not math.isfinite(extrapolated):
            continue
        rel = rel_error(item.analytic, extrapolated)
        if verdict(rel, abs(item.analytic - extrapolated) <= 3 * noise) in PASSING:
            item.verdict, item.note = BELOW_RESOLUTION, TRUNCATION_NOTE


@dataclass
class Exact:
    """The analytic side of a check: every parameter's gradient (the loss's order)."""

    gradients: np.ndarray
    warnings: list[str]
    sheet: Worksheet | None = None  # a graph's: its noise bound reads the exact values


def _graph_exact(net: Problem, loss: NetworkLoss | GraphLoss, which: list[int],
                 eps: float) -> Exact:
    sheet = solve_sheet(net, None, "activation")
    return Exact(np.array([sheet.exact[keys.derivative(name, net.loss_name)]
                           for name in loss.names]), [], sheet)


def _network_exact(net: Problem, loss: NetworkLoss | GraphLoss, which: list[int],
                   eps: float) -> Exact:
    """The numpy backward pass, after the size check and with E known to be finite."""
    assert isinstance(loss, NetworkLoss)
    _check_size(loss, which)
    if not np.isfinite(loss.base_losses()).all():
        _loss_error(loss)
    return Exact(loss.reduction * loss.gradient(loss.base), kink_warnings(loss, eps))


_EXACT: dict[str, Callable[[Problem, NetworkLoss | GraphLoss, list[int], float], Exact]] = {
    "network": _network_exact, "graph": _graph_exact}

# Finite differences cost one forward pass per moved parameter from the first layer it
# enters (NetworkLoss.difference_work): 256-128-10 takes 1.2·10⁸ multiply-adds (0.2 s),
# 512-256-10 9.5·10⁸ (1 s); this limit is some 10–20 s of numpy.
MAX_DIFFERENCE_WORK = 10_000_000_000


def _check_size(loss: NetworkLoss, which: list[int]) -> None:
    """Refuse, at its place in the file, a check that would take minutes or gigabytes."""
    work = 2 * loss.difference_work(np.asarray(which, dtype=np.intp))
    if work > MAX_DIFFERENCE_WORK:
        net = loss.net
        raise net.error("network", f"finite differences of {len(which):,} weights and biases "
                        f"over {loss.examples:,} example(s) take about {work:,} "
                        f"multiply-adds, more than the {MAX_DIFFERENCE_WORK:,} gradcheck "
                        "works through", "check some of them with --weight, or use fewer "
                        "examples or a smaller network")


def _loss_error(loss: NetworkLoss) -> None:
    """E is not finite at the file's weights: the worksheet's own located error where a
    sheet of it is small enough to build, else a plain one."""
    net = loss.net
    if len(loss.names) * loss.examples <= 2_000:
        solve_sheet(net, None, "activation")  # raises its located error (ln 0, overflow...)
    raise net.error("loss", "E cannot be computed at these weights (a log meets 0, or a "
                    "number overflows)", "check the targets and the output activations")


def _target(net: Problem) -> tuple[NetworkLoss | GraphLoss, list[str]]:
    """What finite differences perturb: the loss function, and the parameters (weights and
    biases, a graph's inputs) in the worksheet's order."""
    ordered = net.parameters()
    return _LOSSES[net.kind](net, ordered), ordered


_LOSSES: dict[str, Callable[[Problem, list[str]], NetworkLoss | GraphLoss]] = {
    "network": lambda net, names: NetworkLoss(as_network(net)),
    "graph": lambda net, names: GraphLoss(as_graph(net), names),
}


def _chosen(net: Problem, ordered: list[str], only: list[str] | None) -> list[str]:
    """Parameters in the worksheet's order, or the ones asked for."""
    if not only:
        return ordered
    what, known = net.parameter_words
    for name in only:
        if name not in ordered:
            from bptutor.files.problems import _suggest

            hint = _suggest(name, ordered) or f"{known}: " + ", ".join(ordered[:12])
            raise net.error(net.parameters_key, f"the problem has no {what} {name!r}", hint)
    return [name for name in ordered if name in only]


def _probe(loss: NetworkLoss | GraphLoss, i: int, name: str, h: float) -> Probe:
    """E at the base and with one parameter moved by h: the two passes the item's forward
    difference divides."""
    which = np.array([i], dtype=np.intp)
    at = loss.reduction * float(loss.base_losses().sum())
    after = loss.reduction * float(loss.perturbed(which, loss.base[which] + h).sum())
    return Probe(name, float(loss.base[i]), h, at, after)


def kink_warnings(loss: NetworkLoss, eps: float) -> list[str]:
    """A relu whose z sits within reach of a perturbation: differences straddle the kink."""
    net, warnings = loss.net, []
    many = loss.examples > 1
    passes = loss.base_passes()
    for k, layer in enumerate(net.layers):
        below = np.abs(passes[k - 1][1]) if k else np.abs(loss.inputs)
        reach = eps * (1 + below.sum(axis=1))  # per example: the inputs of this layer
        z = passes[k][0]
        for j, neuron in enumerate(layer.neurons):
            activation = layer.activations[j]
            if not activation.function.kinked(activation.alpha):
                continue
            for e in np.flatnonzero(np.abs(z[:, j]) <= reach).tolist():
                where = f" in example {e + 1}" if many else ""
                warnings.append(
                    f"{layer.activations[j].name} at {neuron} sits within eps of its kink "
                    f"(z = {z[e, j]:.3g}{where}): finite differences straddle it there, so "
                    "gradients through it may disagree")
    return warnings


def check_answers(net: Problem, written: dict[str, float], eps: float = 1e-6,
                  method: str = "central", only: list[str] | None = None,
                  decimals: dict[str, int | None] | None = None) -> Report:
    """A student's gradients (``dE/dw``, ``dE/dw@k``, ``dL/da``) against finite differences.

    Hand-rounded answers cannot reach 1e-4, so an answer passes as ``rounding`` where it is
    the numeric gradient rounded to the decimals it is written with (``decimals``, by key),
    or as close to it as the rounded worksheet itself is (plus one unit)."""
    sheet = solve_sheet(net, "file", "activation")
    own = solve_sheet(net, "file")  # a delta_rule sheet's Δw = −η·dE/dw (SPEC §6)
    penalty: dict[str, float] = {}  # 2·l2·w of each weight, in a total's gradient
    if isinstance(net, Network) and net.training is not None:  # SPEC §7: update 1 only
        written = {key: value for key, value in written.items()
                   if keys.parse(key).update in (None, 1)}
        is_bias = dict(net.parameters_with_kind())
        penalty = {name: 2 * net.training.l2 * value for name, value in net.parameter_values()
                   if net.training.l2 and not is_bias[name]}
        loss, ordered = _target(first_update(net)[0])
    else:
        loss, ordered = _target(net)
    chosen = _chosen(net, ordered, only)
    index = {name: i for i, name in enumerate(loss.names)}
    # each key read as `check` reads it (∂E/∂w → dE/dw, Δ(w) → change(w)), shown as written
    meant = {key: keys.canonical(key, _Either(sheet.values, own.values)) for key in written}
    wanted = [(key, name, example) for key in written
              for name, example in [_gradient_of(meant[key], net.loss_name, chosen)]
              if name is not None and meant[key] in sheet.values]
    changes = [key for key in written if _change_of(meant[key], chosen)[0] is not None
               and meant[key] in own.values]  # each checked as −η·dE/dw
    wanted += [(key, name, example) for key in changes
               for name, example in [_change_of(meant[key], chosen)] if name is not None]
    names = sorted({name for _, name, _ in wanted}, key=index.__getitem__)
    numeric = dict(zip(names, numeric_gradients(loss, eps, [index[n] for n in names], method)))
    noise = noise_bounds(loss, eps, method, sheet if net.kind == "graph" else None)
    report = Report(net.title, method, eps, loss_name=net.loss_name)
    for key, name, example in wanted:
        # a total is a sum over the examples, or their mean (batch: mean)
        n = float(loss.reduction * numeric[name].sum() if example is None
                  else numeric[name][example - 1])
        n += penalty.get(name, 0.0) if example is None else 0.0  # totals carry the L2 term
        item_noise = float(loss.reduction * noise.sum() if example is None
                           else noise[example - 1])
        scale = -(net.learning_rate or 0.0) if key in changes else 1.0  # Δw = −η·dE/dw
        item = _item(key, written[key], scale * n, abs(scale) * item_noise, eps)
        reference = own if key in changes else sheet
        if item.verdict not in PASSING and item.verdict != UNDEFINED:
            _allow_rounding(item, (decimals or {}).get(key), reference.values[meant[key]],
                            reference.decimals(meant[key]))
        report.items.append(item)
    return report


@dataclass
class _Either:
    """Keys of either sheet: the activation-notation one or the problem's own."""

    first: Container[str]
    second: Container[str]

    def __contains__(self, key: object) -> bool:
        return key in self.first or key in self.second


def _allow_rounding(item: Item, written: int | None, sheet_value: float,
                    digits: int | None) -> None:
    """``rounding`` for an answer that is the gradient rounded as written (half a unit of
    its last decimal, plus the difference's noise), or, written no finer than the sheet
    rounds, as close as the rounded sheet's own value (carried rounding) plus one unit."""
    off = abs(item.analytic - item.numeric)
    if written is not None and off <= 0.5 * 10.0 ** -written + item.noise:
        item.verdict = "rounding"
        item.note = "the gradient rounded to the decimals written"
    elif (digits is not None and (written is None or written <= digits)
          and off <= abs(sheet_value - item.numeric) + 1.01 * 10.0 ** -digits):
        item.verdict = "rounding"
        item.note = f"as close as rounding to {digits} decimals allows"


def _change_of(key: str, names: list[str]) -> tuple[str | None, int | None]:
    """('u3', None) for change(u3), ('u3', 2) for change(u3)@2 (Δw, SPEC §6); else Nones."""
    parts = keys.parse(key)
    if parts.form != "change" or parts.name not in names:
        return None, None
    return parts.name, parts.example


def _gradient_of(key: str, loss_name: str, names: list[str]) -> tuple[str | None, int | None]:
    """('u3', None) for dE/du3, ('u3', 2) for dE/du3@2; (None, None) for other keys."""
    parts = keys.parse(key)
    if parts.form != "d" or parts.of != loss_name or parts.name not in names:
        return None, None
    return parts.name, parts.example


# -- what `bptutor gradcheck` checks -------------------------------------------------------

METHODS = ("central", "forward")  # (E(w+ε) − E(w−ε)) / 2ε, or the lecture's (E(w+h) − E(w)) / h


def check_answers_file(path: str, eps: float = 1e-6, method: str = "central",
                       only: list[str] | None = None) -> Report:
    """The gradients written in an answers file against finite differences of its problem."""
    from bptutor.files import answers

    written = answers.load(path)
    given = {key: a.value for key, a in written.answers.items() if a.value is not None}
    decimals = {key: a.decimals for key, a in written.answers.items()}
    report = check_answers(answers.load_problem(written), given, eps, method, only, decimals)
    report.answers = path
    if not report.items:  # a pass over nothing would be a lie
        raise BptutorError(path, Mark(1, 1), "no gradient to check: the file has no "
                           f"readable d{report.loss_name}/d… answer" + (
                               " for the weights asked for" if only else ""),
                           f"gradcheck checks answers such as d{report.loss_name}/dw1 = 0.25; "
                           "use `bptutor check` for the other steps")
    return report


@dataclass
class Bundled:
    """Every bundled problem's report, by name: the tutor checking itself."""

    reports: list[tuple[str, Report]]

    @property
    def passed(self) -> bool:
        return all(report.passed for _, report in self.reports)


def check_bundled(eps: float = 1e-6, method: str = "central") -> Bundled:
    """Every bundled problem's gradients (all weights and biases of each)."""
    from bptutor.files.problems import bundled_names, load

    return Bundled([(name, check(load(name), eps, method)) for name in bundled_names()])
