"""The network dialects of SPEC §6: notation delta_rule, ``show:`` extra steps, thresholds,
shared parameters and ``batch: mean``.

Random problems come from the strategy of test_worksheet.py, rewritten here in a dialect and
read by the real loader. Every check is computed independently of the worksheet: a numpy
forward pass over parameters looked up by name (so a shared name is one number, a threshold
is subtracted), finite differences of its loss, and hand-written formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bptutor.errors import BptutorError
from bptutor.files.problems import Validator
from bptutor.files.yamlfile import parse
from bptutor.sheet.network_steps import build_steps, count_steps
from bptutor.sheet.worksheet import solve
from tests.sheet.test_worksheet import (
    SQUARED,
    Spec,
    close,
    flow,
    log_outputs,
    np_act,
    problems,
    ref_slope,
)

EPS = 1e-6
KINK = 1e-4
Z_MAX = 20.0
SHOW = ("slope", "loss_terms", "output_error", "change", "input_gradient")


@dataclass
class Dialect:
    """A generated problem in a dialect, with its numbers kept apart for checking."""

    spec: Spec  # the base problem (loss, activations, examples, rate, digits)
    yaml: str
    notation: str
    weight_names: list[list[list[str]]]  # per layer, as written (names may repeat)
    offsets: list[list[str] | None]  # per layer: bias or threshold names
    threshold: list[bool]
    values: dict[str, float]  # every parameter, once
    batch: str
    show: set[str] = field(default_factory=set)

    def network(self):
        return Validator("dialect.yaml").network(parse(self.yaml, "dialect.yaml"))

    def suffix(self, e: int) -> str:
        return self.spec.suffix(e)

    def updated(self) -> list[str]:
        """Parameters with an update step (each shared name once)."""
        biases = {n for names in self.offsets if names for n in names}
        return [n for n in self.values if self.spec.update_biases or n not in biases]


@st.composite
def dialects(draw, rounding: bool = False, rate: bool | None = None) -> Dialect:
    spec = draw(problems(rounding=rounding, rate=rate))
    notation = draw(st.sampled_from(["activation", "delta", "delta_rule"]))
    lines = ["bptutor: 1", "title: dialect", f"loss: {spec.loss}", f"notation: {notation}"]
    if spec.digits is not None:
        lines.append(f"round: {spec.digits}")
    lines += ["network:", f"  inputs: {flow(spec.inputs)}", "  layers:"]
    values: dict[str, float] = {}
    all_names, offsets, thresholds = [], [], []
    for k, layer in enumerate(spec.layers, start=1):
        W = [list(row) for row in layer.W]
        names = [[f"w{k}_{j}_{i}" for i in range(len(row))] for j, row in enumerate(W)]
        cells = [(j, i) for j in range(len(W)) for i in range(len(W[0]))]
        if len(cells) > 1 and draw(st.booleans()):  # a shared weight: same name, same value
            first, second = draw(st.lists(st.sampled_from(cells), min_size=2, max_size=2,
                                          unique=True))
            names[second[0]][second[1]] = names[first[0]][first[1]]
            W[second[0]][second[1]] = W[first[0]][first[1]]
        acts = "softmax" if layer.softmax else flow(layer.acts)
        lines += [f"    - neurons: {flow(layer.neurons)}", f"      activation: {acts}"]
        if layer.alpha != 0.01:
            lines.append(f"      alpha: {layer.alpha}")
        lines += [f"      weights: {flow(flow(repr(w) for w in row) for row in W)}",
                  f"      weight_names: {flow(flow(row) for row in names)}"]
        for row_names, row in zip(names, W):
            values.update(zip(row_names, row))
        threshold = layer.b is not None and draw(st.booleans())
        word = "threshold" if threshold else "bias"
        offset_names = None
        if layer.b is not None:
            b = list(layer.b)
            if len(b) > 1 and draw(st.booleans()):  # one name the layer shares
                b = [b[0]] * len(b)
                offset_names = [f"c{k}"] * len(b)
                lines += [f"      {word}: {b[0]!r}", f"      {word}_names: c{k}"]
            else:
                offset_names = [f"c{k}_{j}" for j in range(len(b))]
                lines += [f"      {word}: {flow(repr(x) for x in b)}",
                          f"      {word}_names: {flow(offset_names)}"]
            values.update(zip(offset_names, b))
        all_names.append(names)
        offsets.append(offset_names)
        thresholds.append(threshold)
        # the base spec's numbers now differ where a weight became shared
        layer.W, layer.b = W, (None if layer.b is None else b)
    lines.append("examples:")
    for x, t in spec.examples:
        lines += [f"  - input: {flow(repr(v) for v in x)}", f"    target: {flow(t)}"]
    batch = draw(st.sampled_from(["sum", "mean"]))
    lines.append(f"batch: {batch}")
    softmax = spec.layers[-1].softmax  # e = t − y is a factor of dE/dz or of dE/dy
    allowed = [s for s in SHOW if s != "output_error" or (
        spec.loss == "cross_entropy" if softmax else spec.loss in SQUARED)]
    show = set(draw(st.lists(st.sampled_from(allowed), unique=True)))
    if show:
        lines.append(f"show: {flow(sorted(show))}")
    if spec.rate is not None:
        lines.append(f"learning_rate: {spec.rate}")
        lines.append(f"update_biases: {'true' if spec.update_biases else 'false'}")
    return Dialect(spec, "\n".join(lines) + "\n", notation, all_names, offsets, thresholds,
                   values, batch, show)


# -- an independent forward pass over named parameters ------------------------------------------

def forward(d: Dialect, values: dict[str, float], x) -> tuple[list, list]:
    a = np.asarray(x, dtype=np.float64)
    zs, acts = [], []
    for layer, names, offsets, threshold in zip(d.spec.layers, d.weight_names, d.offsets,
                                                d.threshold):
        W = np.array([[values[n] for n in row] for row in names])
        z = W @ a
        if offsets is not None:
            z = z + (-1 if threshold else 1) * np.array([values[n] for n in offsets])
        if layer.softmax:
            e = np.exp(z - np.max(z))
            a = e / np.sum(e)
        else:
            a = np.array([np_act(f, zj, layer.alpha) for f, zj in zip(layer.acts, z)])
        zs.append(z)
        acts.append(a)
    return zs, acts


def example_loss(d: Dialect, z, y, t) -> float:
    t = np.asarray(t, dtype=np.float64)
    loss = d.spec.loss
    if loss == "squared_error":
        return float(np.sum((t - y) ** 2))
    if loss == "half_squared_error":
        return float(0.5 * np.sum((t - y) ** 2))
    if loss == "mean_squared_error":
        return float(np.sum((t - y) ** 2) / len(y))
    log_y, log_1my = log_outputs(d.spec, z)
    if loss == "cross_entropy":
        return float(-np.sum(np.where(t != 0, t * log_y, 0.0)))
    return float(-np.sum(np.where(t != 0, t * log_y, 0.0)
                         + np.where(t != 1, (1 - t) * log_1my, 0.0)))


def total(d: Dialect, values: dict[str, float]) -> float:
    losses = []
    for x, t in d.spec.examples:
        zs, acts = forward(d, values, x)
        losses.append(example_loss(d, zs[-1], acts[-1], t))
    return math.fsum(losses) / (len(losses) if d.batch == "mean" else 1)


def assume_smooth(d: Dialect) -> float:
    """Keep away from relu kinks and saturation; the size of the terms of every z."""
    top = 0.0
    for x, _ in d.spec.examples:
        zs, acts = forward(d, d.values, x)
        assume(max(float(np.max(np.abs(z))) for z in zs) <= Z_MAX)
        for layer, z in zip(d.spec.layers, zs):
            for f, zj in zip(layer.acts, z):
                assume(f not in ("relu", "leaky_relu") or abs(zj) > KINK)
        for a in [np.asarray(x, dtype=float), *acts]:
            top = max(top, float(np.sum(np.abs(a))))
    return top * (1 + max(abs(v) for v in d.values.values()))


def finite_differences(d: Dialect) -> dict[str, float]:
    """dE/d(parameter) of the total loss: a shared name moves every place it holds."""
    out = {}
    for name, value in d.values.items():
        sides = []
        for sign in (1, -1):
            moved = dict(d.values)
            moved[name] = value + sign * EPS
            sides.append((total(d, moved), moved[name]))
        out[name] = (sides[0][0] - sides[1][0]) / (sides[0][1] - sides[1][1])
    return out


def input_differences(d: Dialect, e: int) -> list[float]:
    """dE/dx of example e's own loss for every input."""
    x, t = d.spec.examples[e - 1]
    out = []
    for i in range(len(x)):
        sides = []
        for sign in (1, -1):
            moved = list(x)
            moved[i] = x[i] + sign * EPS
            zs, acts = forward(d, d.values, moved)
            sides.append((example_loss(d, zs[-1], acts[-1], t), moved[i]))
        out.append((sides[0][0] - sides[1][0]) / (sides[0][1] - sides[1][1]))
    return out


def solved(d: Dialect, notation: str | None = None, digits: int | None | str = None):
    try:
        return solve(d.network(), digits=digits, notation=notation or d.notation)
    except BptutorError:  # a log of an output at 0 or 1
        assume(False)
        raise


# -- 1. exact values agree with finite differences, in every dialect -----------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialects())
def test_every_dialect_agrees_with_finite_differences(d):
    size = assume_smooth(d)
    sheet = solved(d)
    numeric = finite_differences(d)
    E = abs(total(d, d.values))
    floor = 1e-8 * (1.0 + E) * (1.0 + size)
    assert close(sheet.exact["E"], total(d, d.values), 1e-9, 1e-9 * (1 + size))
    rate = d.spec.rate
    for name, n in numeric.items():
        if d.notation != "delta_rule":
            a = sheet.exact[f"dE/d{name}"]
            assert close(a, n, 1e-6, floor), (f"dE/d{name}", a, n, d.yaml)
        if rate is not None and name in d.updated() and (
                d.notation == "delta_rule" or "change" in d.show):
            # Δw = −η·dE/dw, and new(w) = w + Δw
            change = sheet.exact[f"change({name})"]
            assert close(change, -rate * n, 1e-6, rate * floor), (name, change, n, d.yaml)
            assert close(sheet.exact[f"new({name})"], d.values[name] + change, 1e-12, 1e-12)
    if d.notation == "delta_rule":
        assert not [s for s in sheet.steps if s.kind == "gradient"]
    if "input_gradient" in d.show:
        for e in range(1, len(d.spec.examples) + 1):
            for x, n in zip(d.spec.inputs, input_differences(d, e)):
                a = sheet.exact[f"dE/d{x}{d.suffix(e)}"]
                assert close(a, n, 1e-6, floor), (x, a, n, d.yaml)


# -- 2. the delta rule is −dE/dz of the delta notation, step for step ----------------------------

@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialects())
def test_delta_rule_is_minus_delta_notation_step_for_step(d):
    rule, delta = solved(d, "delta_rule"), solved(d, "delta")
    pairs = 0
    for step in delta.steps:
        if step.key.startswith("dE/dz("):
            neuron_key = "delta(" + step.key[len("dE/dz("):]
            assert rule.step(neuron_key).kind == "delta"
            a, b = rule.exact[neuron_key], -delta.exact[step.key]
            assert close(a, b, 1e-12, 1e-300), (neuron_key, a, b)
            pairs += 1
        elif step.kind in ("preactivation", "activation", "loss", "slope"):
            assert rule.exact[step.key] == delta.exact[step.key], step.key
    neurons = sum(len(layer.neurons) for layer in d.spec.layers)
    assert pairs == neurons * len(d.spec.examples)


# -- 3. the extra steps hold what they say -------------------------------------------------------

def paper(x: float) -> Decimal:
    """A written or rounded number as the decimal it stands for (its shortest repr)."""
    return Decimal(repr(x))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialects(rounding=True))
def test_show_steps_are_used_rounded(d):
    sheet = solved(d, digits="file")
    v, R = sheet.values, sheet.rounding
    for e, (_, t) in enumerate(d.spec.examples, start=1):
        s = d.suffix(e)
        out = d.spec.layers[-1]
        if "loss_terms" in d.show:
            # compared as decimals: a float 0.01 is not the Decimal 0.01 it stands for
            terms = [paper(v[f"E({y}){s}"]) for y in out.neurons]
            assert paper(v[f"E{s}"]) == R(sum(terms, Decimal(0)))
        if "output_error" in d.show:
            for y, ty in zip(out.neurons, t):
                # on paper: 0.55 − 1.0 is −0.45, a tie the double −0.44999… would miss
                assert paper(v[f"e({y}){s}"]) == R(paper(ty) - paper(v[f"{y}{s}"]))
        if "slope" in d.show:
            for layer in d.spec.layers:
                for j, neuron in enumerate(layer.neurons):
                    key = f"slope({neuron}){s}"
                    if layer.softmax or layer.acts[j] == "identity":
                        assert key not in v
                        continue
                    # 1 − a², a(1 − a), 1, 0 or α from the rounded a and z: exact on paper
                    slope = ref_slope(layer.acts[j], paper(v[f"{neuron}{s}"]),
                                      paper(v[f"z({neuron}){s}"]), paper(layer.alpha))
                    assert paper(v[key]) == R(Decimal(slope)), key


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dialects())
def test_count_steps_counts_every_dialect(d):
    net = d.network()
    steps, _ = build_steps(net, d.notation)
    one, single, total_steps = count_steps(net, d.notation)
    assert total_steps == len(steps)
    assert len({s.key for s in steps}) == len(steps)


def test_delta_rule_writes_minus_the_loss_gradient_once(run):
    # `bptutor new --threshold --notation delta_rule --seed 1` draws a BCE sigmoid output
    problem = run("new", "--threshold", "--notation", "delta_rule", "--seed", "1").stdout
    net = Validator("new.yaml").network(parse(problem, "new.yaml"))
    step = solve(net).step("delta(y)")
    assert step.formula == "(t/y - (1 - t)/(1 - y))·σ′(z(y))"
