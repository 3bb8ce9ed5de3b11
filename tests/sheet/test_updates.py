"""A sheet of several updates (SPEC §7) against an independent float re-implementation.

Random problems cover every mode × optimizer × rounding with 1–3 epochs:
- every update's exact gradients agree with central finite differences of that update's
  loss (its examples, the L2 penalty) at the weights the update starts from;
- a sheet of K updates holds the exact weights a plain float trainer reaches after K updates
  (written here from SPEC §7, and ``tools.training.train_updates``, the `train` command's);
- a rounded sheet's optimiser steps follow SPEC §7 from its own rounded numbers: each update
  starts from the rounded weights of the one before, velocity, Adam's moments (rounded to
  significant figures) and new(w) recomputed here in Decimal.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
from conftest import XOR_SHEET
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bptutor.errors import BptutorError
from bptutor.files import problems
from bptutor.model import keys
from bptutor.sheet.worksheet import solve

ACTIVATIONS = {
    "sigmoid": (lambda z: 1 / (1 + math.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (math.tanh, lambda z, a: 1 - a * a),
    "identity": (lambda z: z, lambda z, a: 1.0),
}
LOSS_SCALE = {"half_squared_error": 1.0, "squared_error": 2.0}  # dE/dy = c·(y − t)


@dataclass
class Case:
    """A random problem and its settings, as the test re-implements them."""

    widths: list[int]  # inputs, hidden…, outputs
    activations: list[str]  # per layer
    weights: list[list[list[float]]]
    biases: list[list[float] | None]
    examples: list[tuple[list[float], list[float]]]
    single: bool  # written as input/target
    loss: str
    rate: float
    mode: str
    batch_size: int | None
    epochs: int
    optimizer: str
    momentum: float
    l2: float
    mean: bool
    notation: str
    update_biases: bool
    after_update: bool
    round: int | None
    show_change: bool = False  # SPEC §6 show: [change]: Δw written before new(w)

    # -- names: weights w1.., biases b1.., neurons h{k}_{j}, outputs y1..
    def weight_names(self) -> list[list[list[str]]]:
        count, out = 0, []
        for layer in self.weights:
            rows = []
            for row in layer:
                rows.append([f"w{count + i + 1}" for i in range(len(row))])
                count += len(row)
            out.append(rows)
        return out

    def bias_names(self) -> list[list[str] | None]:
        count, out = 0, []
        for bias in self.biases:
            if bias is None:
                out.append(None)
                continue
            out.append([f"b{count + j + 1}" for j in range(len(bias))])
            count += len(bias)
        return out

    def params(self) -> dict[str, float]:
        out = {}
        for names, rows in zip(self.weight_names(), self.weights):
            for row_names, row in zip(names, rows):
                out.update(zip(row_names, row))
        for names, bias in zip(self.bias_names(), self.biases):
            if names and bias:
                out.update(zip(names, bias))
        return out

    def weights_only(self) -> list[str]:
        return [w for layer in self.weight_names() for row in layer for w in row]

    def updated(self) -> list[str]:
        biases = [b for names in self.bias_names() for b in names or []]
        return self.weights_only() + (biases if self.update_biases else [])

    def batches(self) -> list[list[int]]:
        n = len(self.examples)
        size = {"online": 1, "batch": n}.get(self.mode, self.batch_size or n)
        epoch = [list(range(s, min(s + size, n + 1))) for s in range(1, n + 1, size)]
        return epoch * self.epochs

    def yaml(self) -> str:
        lines = ["bptutor: 1", "title: random training"]
        if self.round is not None:
            lines.append(f"round: {self.round}")
        lines += [f"notation: {self.notation}", f"loss: {self.loss}", "network:",
                  f"  inputs: {self.widths[0]}", "  layers:"]
        for k, (act, rows, names, bias, bnames) in enumerate(zip(
                self.activations, self.weights, self.weight_names(), self.biases,
                self.bias_names()), start=1):
            last = k == len(self.weights)
            neurons = [f"y{j + 1}" for j in range(len(rows))] if last else \
                [f"h{k}_{j + 1}" for j in range(len(rows))]
            lines += [f"    - neurons: [{', '.join(neurons)}]", f"      activation: {act}",
                      f"      weights: {rows}", f"      weight_names: {_flow(names)}"]
            if bias is not None:
                lines += [f"      bias: {bias}", f"      bias_names: [{', '.join(bnames or [])}]"]
        if self.single:
            lines += [f"input: {self.examples[0][0]}", f"target: {self.examples[0][1]}"]
        else:
            lines.append("examples:")
            lines += [f"  - {{input: {x}, target: {t}}}" for x, t in self.examples]
        lines.append(f"learning_rate: {self.rate}")
        if not self.update_biases:
            lines.append("update_biases: false")
        if self.mean:
            lines.append("batch: mean")
        if self.show_change:
            lines.append("show: [change]")
        lines += ["training:", f"  mode: {self.mode}", f"  epochs: {self.epochs}",
                  f"  optimizer: {self.optimizer}", f"  l2: {self.l2}",
                  f"  after_update: {str(self.after_update).lower()}"]
        if self.batch_size is not None:
            lines.append(f"  batch_size: {self.batch_size}")
        if self.momentum:
            lines.append(f"  momentum: {self.momentum}")
        return "\n".join(lines) + "\n"

    # -- the independent float re-implementation

    def example_loss_and_grad(self, p: dict[str, float], x: list[float], t: list[float]
                              ) -> tuple[float, dict[str, float]]:
        acts, zs = [list(x)], []
        wn, bn = self.weight_names(), self.bias_names()
        for k, act in enumerate(self.activations):
            f = ACTIVATIONS[act][0]
            z = [sum(p[w] * a for w, a in zip(row, acts[-1])) + (p[bn[k][j]] if bn[k] else 0.0)
                 for j, row in enumerate(wn[k])]
            zs.append(z)
            acts.append([f(v) for v in z])
        y = acts[-1]
        scale = LOSS_SCALE[self.loss]
        loss = scale / 2 * sum((ti - yi) ** 2 for ti, yi in zip(t, y))
        back = [scale * (yi - ti) for yi, ti in zip(y, t)]  # dE/da of the layer
        grad: dict[str, float] = {}
        for k in range(len(wn) - 1, -1, -1):
            slope = ACTIVATIONS[self.activations[k]][1]
            delta = [d * slope(z, a) for d, z, a in zip(back, zs[k], acts[k + 1])]
            for j, row in enumerate(wn[k]):
                for w, a in zip(row, acts[k]):
                    grad[w] = delta[j] * a
                if bn[k]:
                    grad[bn[k][j]] = delta[j]
            back = [sum(delta[j] * p[wn[k][j][i]] for j in range(len(delta)))
                    for i in range(len(acts[k]))]
        return loss, grad

    def update_loss_and_grad(self, p: dict[str, float], batch: list[int]
                             ) -> tuple[float, dict[str, float]]:
        """The loss an update descends (its examples, summed or averaged, plus l2·Σw²)."""
        total, grad = 0.0, dict.fromkeys(p, 0.0)
        for j in batch:
            loss, g = self.example_loss_and_grad(p, *self.examples[j - 1])
            total += loss
            for name, value in g.items():
                grad[name] += value
        if self.mean:
            total /= len(batch)
            grad = {name: value / len(batch) for name, value in grad.items()}
        for w in self.weights_only():
            total += self.l2 * p[w] ** 2
            grad[w] += 2 * self.l2 * p[w]
        return total, grad

    def train(self, updates: int) -> dict[str, float]:
        p = self.params()
        vel = dict.fromkeys(p, 0.0)
        m, v = dict.fromkeys(p, 0.0), dict.fromkeys(p, 0.0)
        for k, batch in enumerate(self.batches()[:updates], start=1):
            _, g = self.update_loss_and_grad(p, batch)
            for name in self.updated():
                if self.optimizer == "adam":
                    m[name] = 0.9 * m[name] + 0.1 * g[name]
                    v[name] = 0.999 * v[name] + 0.001 * g[name] ** 2
                    mhat, vhat = m[name] / (1 - 0.9 ** k), v[name] / (1 - 0.999 ** k)
                    p[name] -= self.rate * mhat / (math.sqrt(vhat) + 1e-8)
                elif self.momentum:
                    vel[name] = self.momentum * vel[name] - self.rate * g[name]
                    p[name] += vel[name]
                else:
                    p[name] -= self.rate * g[name]
        return p

    # -- the sheet's keys, as SPEC §7 names them

    def numbered(self) -> bool:
        return len(self.batches()) > 1 or self.after_update

    def tag(self, key: str, k: int) -> str:
        return f"{key}#{k}" if self.numbered() else key

    def gradient_key(self, name: str, k: int) -> str:
        """Update k's gradient of ``name`` (the delta rule: its Δw)."""
        batch = self.batches()[k - 1]
        many = len(self.examples) > 1
        stem = keys.change(name) if self.notation == "delta_rule" else keys.derivative(name)
        own = many and len(batch) == 1 and not self.l2  # an online update's own steps
        return self.tag(keys.at(stem, batch[0] if own else None), k)

    def weight_key(self, name: str, k: int) -> str:
        """The key of ``name``'s value after update k (k = 0: the given weight)."""
        if k == 0 or name not in self.updated():
            return name
        return self.tag(keys.update(name), k)


def _flow(names: list[list[str]]) -> str:
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in names) + "]"


small = st.integers(-9, 9).map(lambda i: i / 10)


@st.composite
def cases(draw, rounding: bool | None = None) -> Case:
    widths = [draw(st.integers(1, 2))]
    widths += [draw(st.integers(1, 2)) for _ in range(draw(st.integers(0, 1)))]
    widths.append(draw(st.integers(1, 2)))
    activations = [draw(st.sampled_from(list(ACTIVATIONS))) for _ in widths[1:]]
    weights = [[[draw(small) for _ in range(widths[k])] for _ in range(widths[k + 1])]
               for k in range(len(widths) - 1)]
    biases = [draw(st.none() | st.lists(small, min_size=n, max_size=n)) for n in widths[1:]]
    single = draw(st.booleans()) and draw(st.booleans())
    count = 1 if single else draw(st.integers(2, 4))
    examples = [([draw(st.sampled_from([0.0, 1.0, 0.5])) for _ in range(widths[0])],
                 [draw(st.sampled_from([0.0, 1.0, 0.2])) for _ in range(widths[-1])])
                for _ in range(count)]
    mode = draw(st.sampled_from(["batch", "online", "minibatch"]))
    optimizer = draw(st.sampled_from(["sgd", "adam"]))
    notation = draw(st.sampled_from(["activation", "delta"] if optimizer == "adam"
                                    else ["activation", "delta", "delta_rule"]))
    if rounding is None:
        places = draw(st.none() | st.integers(2, 4))
    else:
        places = draw(st.integers(2, 4)) if rounding else None
    return Case(widths, activations, weights, biases, examples, single,
                draw(st.sampled_from(list(LOSS_SCALE))), draw(st.sampled_from([0.1, 0.5])),
                mode, draw(st.integers(1, 3)) if mode == "minibatch" else None,
                draw(st.integers(1, 3)), optimizer,
                draw(st.sampled_from([0.0, 0.5, 0.9])) if optimizer == "sgd" else 0.0,
                draw(st.sampled_from([0.0, 0.01])), draw(st.booleans()), notation,
                draw(st.booleans()), draw(st.booleans()), places, draw(st.booleans()))


def sheet_of(case: Case, digits: int | None | str = "file"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "problem.yaml"
        path.write_text(case.yaml(), encoding="utf-8")
        net = problems.load(path)
    try:
        return solve(net, digits)
    except BptutorError as error:
        # a diverging run (online, momentum 0.9, 12 updates) can pass the largest double: the
        # sheet refuses it with a located error, and there is no sheet to check
        assert "too large to compute with" in str(error), error
        assume(False)
        raise


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _close(a: float, b: float, rel: float) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-3)


def _same_weights(case: Case, got: float, trained: float, updates: int) -> bool:
    """Equal up to float roundoff. Adam divides by √vhat + ε: where a gradient is 0 on paper,
    float noise of ~1e-16 in it moves w by η·g/(|g| + ε), up to ~1e-8·η per update."""
    slack = updates * case.rate * 1e-7 if case.optimizer == "adam" else 0.0
    return abs(got - trained) <= slack or _close(got, trained, 1e-9)


ADAM_TINY = Decimal("1e-4")


def _assume_adam_conditioned(case: Case, sheet) -> None:
    """Adam's step η·mhat/(√vhat + ε) moves w by up to η·ε·δg/(|g| + ε)² for an error δg in
    a gradient g: near ε (1e-8) a float trainer's roundoff is amplified a million-fold. Seen:
    g = 0 on paper at update 1 (the l2 term cancels the data's), −1.7e-18 in floats, w moved
    by 9e-11, and update 2's g = −5e-8 turned that into 1e-5 in w. No float trainer follows
    the exact sheet there. A gradient of exactly 0 is fine where floats get exactly 0 too (an
    input of 0); where they get noise (z = −0.6 + 0.4·0.5 + 0.4 is 5.6e-17 in floats, tanh′
    of it the next update's g of 7e-10), two updates moved w by 3.5e-3."""
    if case.optimizer != "adam":
        return
    for k, batch in enumerate(case.batches(), start=1):
        p = {name: float(sheet.exact[case.weight_key(name, k - 1)]) for name in case.params()}
        in_floats = case.update_loss_and_grad(p, batch)[1]
        for name in case.updated():
            g = abs(sheet.paper_exact[case.gradient_key(name, k)])
            assume(g >= ADAM_TINY or (g == 0 and in_floats[name] == 0.0))


@SETTINGS
@given(cases())
def test_every_updates_exact_gradients_agree_with_finite_differences(case):
    sheet = sheet_of(case)
    h = 1e-6
    for k, batch in enumerate(case.batches(), start=1):
        p = {name: sheet.exact[case.weight_key(name, k - 1)] for name in case.params()}
        # each float E is off by a few ulps of |E|, so the differences by that over 2h: at
        # E = 49 (a run that momentum drove off) dE/dw2 = −0.00229105185 came out −0.00229104913
        loss = abs(case.update_loss_and_grad(p, batch)[0])
        roundoff = 8 * 2.0**-52 * (1 + loss) / (2 * h)
        for name in case.updated():
            up, down = dict(p), dict(p)
            up[name] += h
            down[name] -= h
            numeric = (case.update_loss_and_grad(up, batch)[0]
                       - case.update_loss_and_grad(down, batch)[0]) / (2 * h)
            analytic = sheet.exact[case.gradient_key(name, k)]
            if case.notation == "delta_rule":  # Δw = −η·dE/dw
                analytic = -analytic / case.rate
            assert abs(analytic - numeric) <= roundoff or _close(analytic, numeric, 1e-6), (
                k, name, analytic, numeric)


@SETTINGS
@given(cases())
def test_a_sheet_of_k_updates_holds_the_weights_of_k_updates(case):
    sheet = sheet_of(case)
    _assume_adam_conditioned(case, sheet)
    updates = len(case.batches())
    expected = case.train(updates)
    for name in case.params():
        got = sheet.exact[case.weight_key(name, updates)]
        assert _same_weights(case, got, expected[name], updates), (name, got, expected[name])
        if name not in case.updated():
            assert got == case.params()[name]


@SETTINGS
@given(cases())
def test_a_sheet_of_k_updates_holds_the_weights_train_reaches(case):
    """`bptutor train`'s own update loop (tools.training.train_updates) for the same K."""
    from bptutor.tools.training import train_updates

    sheet = sheet_of(case)
    _assume_adam_conditioned(case, sheet)
    updates = len(case.batches())
    trained = train_updates(sheet.network, sheet.network.training, updates)
    for name, value in trained.items():
        got = sheet.exact[case.weight_key(name, updates)]
        assert _same_weights(case, got, value, updates), (name, got, value)


def _round(x: Decimal, places: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _significant(x: Decimal, figures: int) -> Decimal:
    if not x:
        return x
    return x.quantize(Decimal(1).scaleb(x.adjusted() - figures + 1), ROUND_HALF_UP)


@SETTINGS
@given(cases(rounding=True))
def test_a_rounded_sheets_updates_follow_spec_7_from_its_own_numbers(case):
    sheet = sheet_of(case)
    d, paper = case.round, sheet.paper_values
    assert d is not None

    def value(key: str) -> Decimal:
        return Decimal(repr(sheet.givens[key])) if key in sheet.givens else paper[key]

    rate = Decimal(repr(case.rate))
    mu = Decimal(repr(case.momentum))
    with localcontext() as ctx:
        # exact: a sheet's numbers stay below the largest double (1.8e308, else it refuses),
        # and 0.001·g² or μ·velocity of such numbers with their decimals fit in 1000 digits
        ctx.prec = 1000
        for k in range(1, len(case.batches()) + 1):
            for name in case.updated():
                w = value(case.weight_key(name, k - 1))
                g = paper[case.gradient_key(name, k)]
                new = paper[case.weight_key(name, k)]
                if case.optimizer == "adam":
                    m = _significant(Decimal("0.9") * (paper[case.tag(f"m({name})", k - 1)]
                                                      if k > 1 else 0) + Decimal("0.1") * g, d)
                    v = _significant(Decimal("0.999") * (paper[case.tag(f"v({name})", k - 1)]
                                                        if k > 1 else 0)
                                     + Decimal("0.001") * g * g, d)
                    assert (paper[case.tag(f"m({name})", k)], paper[case.tag(f"v({name})", k)]) \
                        == (m, v)
                    mhat = _significant(m / (1 - Decimal("0.9") ** k), d)
                    vhat = _significant(v / (1 - Decimal("0.999") ** k), d)
                    step = -rate * mhat / (vhat.sqrt() + Decimal("1e-8"))
                    if case.show_change:  # Δw = R(−η·mhat/(√vhat + ε)), then w + Δw
                        step = _round(step, d)
                        assert paper[case.tag(f"change({name})", k)] == step
                    expected = _round(w + step, d)
                else:
                    step = g if case.notation == "delta_rule" else -rate * g
                    if case.momentum:
                        before = paper[case.tag(f"velocity({name})", k - 1)] if k > 1 else 0
                        step = _round(mu * before + step, d)
                        assert paper[case.tag(f"velocity({name})", k)] == step
                    elif case.show_change and case.notation != "delta_rule":
                        step = _round(step, d)  # Δw = R(−η·g), then w + Δw
                        assert paper[case.tag(f"change({name})", k)] == step
                    expected = _round(w + step, d)
                assert new == expected, (k, name, new, expected)
            # update k's forward pass reads the rounded weights of update k − 1
            first = case.batches()[k - 1][0]
            x = case.examples[first - 1][0]
            many = len(case.examples) > 1
            names, bias = case.weight_names()[0][0], (case.bias_names()[0] or [None])[0]
            z = sum((value(case.weight_key(w, k - 1)) * Decimal(repr(a))
                     for w, a in zip(names, x)), Decimal(0))
            if bias:
                z += value(case.weight_key(bias, k - 1))
            neuron = "y1" if len(case.widths) == 2 else "h1_1"
            z_key = case.tag(keys.at(keys.preactivation(neuron), first if many else None), k)
            assert paper[z_key] == _round(z, d)


@SETTINGS
@given(cases(rounding=False))
def test_the_after_update_pass_is_the_loss_at_the_final_weights(case):
    sheet = sheet_of(case)
    updates = len(case.batches())
    if not case.after_update:
        assert not any(s.update == updates + 1 for s in sheet.steps)
        return
    final = {name: sheet.exact[case.weight_key(name, updates)] for name in case.params()}
    loss, _ = case.update_loss_and_grad(final, list(range(1, len(case.examples) + 1)))
    assert _close(sheet.exact[case.tag(keys.LOSS, updates + 1)], loss, 1e-9)
    if len(case.examples) > 1:  # per-example after-update losses carry no penalty
        alone, _ = case.example_loss_and_grad(final, *case.examples[0])
        assert _close(sheet.exact[case.tag("E@1", updates + 1)], alone, 1e-9)


def test_adam_keeps_a_gradient_that_is_zero_on_paper_at_zero():
    """The case _assume_adam_conditioned met: at update 1 the data's dE/dw1 = 0.004
    (y = −0.02, w3 = −0.2, x = 1) and l2's 2·0.01·(−0.2) cancel exactly, so Adam leaves w1 at
    −0.2 (floats: −1.7e-18, and w1 moved by 9e-11)."""
    case = Case([1, 2, 1], ["identity", "identity"], [[[-0.2], [-0.2]], [[-0.2, 0.3]]],
                [None, None], [([1.0], [0.0]), ([1.0], [0.0]), ([0.0], [0.0])], False,
                "half_squared_error", 0.5, "online", None, 1, "adam", 0.0, 0.01, False,
                "activation", False, False, None)
    sheet = sheet_of(case)
    assert sheet.paper_exact["dE/dw1#1"] == 0
    assert sheet.paper_exact["new(w1)#1"] == Decimal("-0.2")


# -- a plain `training:` block changes nothing; keys of several updates ------------------------

def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


XOR = XOR_SHEET


@pytest.mark.parametrize("notation", ["activation", "delta", "delta_rule"])
def test_one_batch_update_is_the_sheet_without_training(tmp_path, notation):
    plain = solve(problems.load(_write(tmp_path, XOR)), "file", notation)
    trained = solve(problems.load(_write(tmp_path, XOR + "training: {mode: batch}\n")),
                    "file", notation)
    assert [s.key for s in trained.steps] == [s.key for s in plain.steps]
    assert trained.paper_values == plain.paper_values


def test_online_keys_follow_spec_7(tmp_path):
    sheet = solve(problems.load(_write(tmp_path, XOR + "training: {mode: online, epochs: 2}\n")))
    # epoch 2, update 6 works on example 2
    for key in ("z(h1)@2#6", "dE/dw1@2#6", "new(w1)#6"):
        assert key in sheet.values
    assert "E#6" not in sheet.values  # online without l2: no totals
    assert sheet.step("new(w1)#6").inputs == ("new(w1)#5", "η()", "dE/dw1@2#6")


def test_minibatches_restart_every_epoch_and_the_last_may_be_smaller(tmp_path):
    text = XOR.replace("  - {input: [1, 1], target: [0]}\n",
                       "  - {input: [1, 1], target: [0]}\n  - {input: [1, 1], target: [0]}\n")
    sheet = solve(problems.load(_write(
        tmp_path, text + "training: {mode: minibatch, batch_size: 2, epochs: 2}\n")))
    # epoch 1: 1–2, 3–4, 5; epoch 2: 1–2 (update 4), 3–4, 5 (update 6)
    assert sheet.step("dE/dw1#4").inputs == ("dE/dw1@1#4", "dE/dw1@2#4")
    assert "dE/dw1@5#6" in sheet.values and "dE/dw1#6" not in sheet.values
    assert "new(w1)#6" in sheet.values and "new(w1)#7" not in sheet.values


def test_moments_are_rounded_to_significant_figures(tmp_path):
    sheet = solve(problems.load(_write(
        tmp_path, XOR + "training: {optimizer: adam, mode: online}\n")))
    # (1 − β2)·g² is far below 0.01: at 2 decimals it would be 0, at 2 figures it is not
    assert sheet.paper_values["dE/dw5@1#1"] == Decimal("0.07")
    assert sheet.paper_values["v(w5)#1"] == Decimal("0.0000049")  # 0.001·0.07²
    assert sheet.show("v(w5)#1") == "0.0000049"
    assert sheet.paper_values["m(w5)#1"] == Decimal("0.007")
    # the step itself is at the problem's 2 decimals: 0.7 − 0.5·0.07/(√0.0000049 + ε)
    assert sheet.paper_values["new(w5)#1"] == Decimal("0.20")


def test_the_step_cap_counts_every_update(tmp_path):
    path = _write(tmp_path, XOR + "training: {mode: online, epochs: 1000}\n")
    with pytest.raises(BptutorError) as caught:
        solve(problems.load(path))
    message = str(caught.value)
    # 26 steps an update (18 of the example, 8 new weights) over 4 × 1000 updates
    assert "asks for 104,000 steps over 4,000 updates" in message
    assert caught.value.mark is not None and caught.value.mark.line == 23  # at training:


def test_the_step_count_is_the_sheets(tmp_path):
    from bptutor.sheet.updates import count_sheet

    for block in ("{mode: online, epochs: 2, momentum: 0.9, l2: 0.01, after_update: true}",
                  "{mode: minibatch, batch_size: 3, optimizer: adam}",
                  "{mode: batch, epochs: 3, l2: 0.1, after_update: true}",
                  "{mode: online, optimizer: adam}\nshow: [change, slope]",
                  "{mode: online, momentum: 0.5}\nshow: [change]",
                  "{mode: minibatch, batch_size: 3, l2: 0.1}\nshow: [change, loss_terms]"):
        for notation in ("activation", "delta_rule"):
            text = XOR.replace("round: 2", f"round: 2\nnotation: {notation}")
            if "adam" in block and notation == "delta_rule":
                continue
            net = problems.load(_write(tmp_path, text + f"training: {block}\n"))
            assert count_sheet(net, notation)[0] == len(solve(net).steps), block


@pytest.mark.parametrize("name", ["mazur-shared-bias", "negnevitsky-xor", "han-kamber",
                                  "word2vec", "two-hidden-multi-output", "relu-sigmoid"])
@pytest.mark.parametrize("block", ["{mode: online, epochs: 2, momentum: 0.5, l2: 0.01}",
                                   "{mode: batch, epochs: 2, optimizer: adam, l2: 0.01}"])
def test_shared_parameters_and_thresholds_reach_trains_weights(tmp_path, name, block):
    """§6's dialects (shared names counted once by l2, thresholds, the delta rule, other
    activations) through several updates, against `train`'s own loop."""
    from bptutor.tools.training import train_updates

    text = (problems.locate(name)).read_text(encoding="utf-8")
    if "adam" in block and "notation: delta_rule" in text:
        text = text.replace("notation: delta_rule", "notation: delta")
    net = problems.load(_write(tmp_path, text + f"training: {block}\n"))
    sheet = solve(net, None)
    count = len(net.training.batches(len(net.examples)))
    numbered = count > 1
    for param, value in train_updates(net, net.training, count).items():
        key = keys.numbered(keys.update(param), count if numbered else None)
        got = sheet.exact.get(key, sheet.givens.get(param))
        assert got == pytest.approx(value, rel=1e-12, abs=1e-12), param
