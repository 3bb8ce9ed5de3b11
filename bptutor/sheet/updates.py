"""A sheet of several updates (SPEC §7): online, mini-batch or batch learning over epochs, with
momentum, an L2 penalty or Adam, strung together from network_steps' per-example steps.

Update k works on its examples from the rounded weights of update k − 1; its keys end in
``#k`` (after any ``@j``) whenever the sheet has more than one update or an after-update pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bptutor.model import keys, paper
from bptutor.model.keys import BETA1, BETA2, EPSILON, L2, LOSS, MOMENTUM, RATE
from bptutor.model.network import Network, TrainingPlan
from bptutor.model.rounding import Rounding, paren
from bptutor.sheet.network_steps import (
    MAX_STEPS,
    ExampleSteps,
    count_steps,
    updated,
)
from bptutor.sheet.ops import (
    Increment,
    Mean,
    Negated,
    Op,
    Product,
    Ref,
    Step,
    Sum,
    Texts,
    Update,
    Values,
)

# -- the optimisers' ops (paper arithmetic: + − * / between values, int literals) -------------

class Penalized:
    """A loss with the L2 penalty, op + λ·Σw² (SPEC §7: weights, each shared one once)."""

    def __init__(self, op: Op, weights: Sequence[tuple[str, str]]):
        self.op, self.n = op, len(op.inputs)
        self.inputs = (*op.inputs, L2, *(key for key, _ in weights))
        self.formula = self._write(op.formula, "λ", [label for _, label in weights])

    @staticmethod
    def _write(loss: str, l2: str, ws: Sequence[str]) -> str:
        return f"{loss} + {l2}·({' + '.join(f'{paren(w)}²' for w in ws)})"

    def value(self, v: Values, R: Rounding) -> Decimal:
        ws = v[self.n + 1:]
        return self.op.value(v[:self.n], R) + v[self.n] * sum((w * w for w in ws), paper.ZERO)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self._write(self.op.text(v[:self.n], t[:self.n], R), t[self.n], t[self.n + 1:])


class PenalizedGradient:
    """A weight's gradient with the L2 term, g + 2·λ·w; or the delta rule's Δw with it,
    Δ − 2·η·λ·w (``rate``)."""

    def __init__(self, op: Op, w: str, w_label: str, rate: bool = False):
        self.op, self.n, self.rate = op, len(op.inputs), rate
        self.inputs = (*op.inputs, *((RATE,) if rate else ()), L2, w)
        self.formula = self._write(op.formula, ["η"] if rate else [], "λ", w_label)

    def _write(self, body: str, rate: list[str], l2: str, w: str) -> str:
        factors = "·".join(["2", *rate, l2, paren(w)])
        return f"{body} - {factors}" if self.rate else f"{body} + {factors}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        body, rest = self.op.value(v[:self.n], R), v[self.n:]
        if self.rate:
            return body - 2 * rest[0] * rest[1] * rest[2]
        return body + 2 * rest[0] * rest[1]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        rest = t[self.n:]
        return self._write(self.op.text(v[:self.n], t[:self.n], R),
                           [rest[0]] if self.rate else [], rest[-2], rest[-1])


class Velocity:
    """Momentum: μ·velocity − η·g (the delta rule: μ·velocity + Δw), velocity starting at 0
    (the first update writes −η·g, or Δw)."""

    def __init__(self, previous: str | None, step: str, label: str, step_label: str,
                 rule: bool):
        self.rule, self.first = rule, previous is None
        lead = () if previous is None else (MOMENTUM, previous)
        self.inputs = (*lead, *((step,) if rule else (RATE, step)))
        self.formula = self._write([] if previous is None else ["μ", label],
                                   [step_label] if rule else ["η", step_label])

    def _write(self, lead: Sequence[str], step: Sequence[str]) -> str:
        move = step[0] if self.rule else f"-{step[0]}·{paren(step[1])}"
        if not lead:
            return move
        kept = f"{lead[0]}·{paren(lead[1])}"
        if self.rule:
            return f"{kept} + {paren(move)}"
        return f"{kept} - {step[0]}·{paren(step[1])}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        kept = paper.ZERO if self.first else v[0] * v[1]
        rest = v[0 if self.first else 2:]
        return kept + rest[0] if self.rule else kept - rest[0] * rest[1]

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        lead = 0 if self.first else 2
        return self._write(t[:lead], t[lead:])


class Moment:
    """Adam's m = β1·m + (1 − β1)·g, or (``squared``) v = β2·v + (1 − β2)·g², from 0."""

    def __init__(self, beta: str, previous: str | None, grad: str, label: str,
                 grad_label: str, squared: bool):
        self.squared, self.first = squared, previous is None
        self.beta = "β2" if squared else "β1"
        self.inputs = (beta, *(() if previous is None else (previous,)), grad)
        self.formula = self._write(self.beta, label, grad_label)

    def _write(self, beta: str, previous: str, grad: str) -> str:
        g = paren(grad) if not self.squared else f"({grad})²" if "/" in grad \
            else f"{paren(grad)}²"  # (dE/dw)², not dE/dw²
        new = f"(1 - {beta})·{g}"
        return new if self.first else f"{beta}·{paren(previous)} + {new}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        beta, g = v[0], v[-1]
        new = (1 - beta) * (g * g if self.squared else g)
        return new if self.first else beta * v[1] + new

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self._write(t[0], "" if self.first else t[1], t[-1])


class BiasCorrected:
    """Adam's mhat = m / (1 − β1ᵏ) (vhat likewise) in update k."""

    def __init__(self, moment: str, label: str, beta: str, beta_label: str, k: int):
        self.k = k
        self.inputs = (moment, beta)
        self.formula = f"{label} / (1 - {beta_label}^{k})"

    def value(self, v: Values, R: Rounding) -> Decimal:
        return paper.divide(v[0], 1 - v[1] ** self.k)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return f"{t[0]} / (1 - {t[1]}^{self.k})"


class AdamStep:
    """Adam's new(w) = w − η·mhat / (√vhat + ε), or without w its step (``show: [change]``)."""

    def __init__(self, w: str | None, mhat: str, vhat: str, labels: Sequence[str]):
        self.with_w = w is not None
        self.inputs = (*((w,) if w is not None else ()), RATE, mhat, vhat, EPSILON)
        self.formula = self._write(labels)  # one label per input

    def _write(self, t: Sequence[str]) -> str:
        rest = t[1:] if self.with_w else t
        move = f"{rest[0]}·{paren(rest[1])} / (√{paren(rest[2])} + {rest[3]})"
        return f"{t[0]} - {move}" if self.with_w else f"-{move}"

    def value(self, v: Values, R: Rounding) -> Decimal:
        w, (rate, mhat, vhat, eps) = (v[0], v[1:]) if self.with_w else (paper.ZERO, v)
        return w - paper.divide(rate * mhat, paper.sqrt(vhat) + eps)

    def text(self, v: Values, t: Texts, R: Rounding) -> str:
        return self._write(t)


# -- the sheet -------------------------------------------------------------------------------

class UpdateExampleSteps(ExampleSteps):
    """One example's steps in update ``update``: keys end in ``#k``, weights are read from
    the update before (``weights``), and a single-example problem's E and dE/dw carry the L2
    penalty (``penalty``). Inputs and targets are the file's, the same in every update."""

    def __init__(self, net: Network, notation: str, example: int | None, update: int | None,
                 weights: dict[str, str], penalty: list[str] | None):
        self.update, self.weights, self.penalty = update, weights, penalty
        self.fixed = {*net.inputs, *(keys.target(y) for y in net.outputs)}
        super().__init__(net, notation, example)

    def at(self, key: str) -> str:
        own = keys.at(key, self.example)
        return own if key in self.fixed else keys.numbered(own, self.update)

    def given(self, name: str) -> Ref:
        return Ref(self.weights.get(name, name), name)

    def add(self, key: str, kind: str, section: str, op: Op) -> None:
        if self.penalty is not None:
            op = _penalized(key, op, self.penalty, self.weights)
        self.out.append(Step(self.at(key), kind, section, self.example, op, self.update))

    def changes(self, names: list[str]) -> list[Step]:
        steps = super().changes(names)
        for step in steps:
            step.update = self.update
            name = keys.parse(step.key).name
            if self.penalty is not None and name in self.penalty:
                step.op = PenalizedGradient(step.op, self.weights.get(name, name), name, True)
        return steps

    def forward_and_loss(self) -> list[Step]:
        self.forward()
        self.loss()
        return self.out


def _penalized(key: str, op: Op, penalty: list[str], weights: dict[str, str]) -> Op:
    """A single example's E and weight gradients with the L2 penalty (SPEC §7)."""
    if key == LOSS:
        return Penalized(op, [(weights.get(w, w), w) for w in penalty])
    parsed = keys.parse(key)
    if parsed.form == "d" and parsed.name in penalty:
        return PenalizedGradient(op, weights.get(parsed.name, parsed.name), parsed.name)
    return op


def l2_weights(net: Network) -> list[str]:
    """The weights the L2 penalty covers: not biases or thresholds; a shared weight once."""
    return [name for name, is_bias in net.parameters_with_kind() if not is_bias]


def update_count(net: Network) -> int:
    plan = net.training or TrainingPlan()
    return len(plan.batches(len(net.examples)))


def numbered(net: Network) -> bool:
    """Whether the sheet's keys carry ``#k``: more than one update, or an after-update pass."""
    plan = net.training or TrainingPlan()
    return update_count(net) > 1 or plan.after_update


def count_sheet(net: Network, notation: str) -> tuple[int, int]:
    """Steps of the whole sheet (all updates and the after-update pass), and of its first
    update, without building it."""
    plan = net.training or TrainingPlan()
    one, _, _ = count_steps(net, notation)
    rule = notation == "delta_rule"
    many = len(net.examples) > 1
    changed = len(updated(net))
    params = len(net.parameters_with_kind())
    per_name = {"adam": 5}.get(plan.optimizer, 2 if plan.momentum else 1)
    per_name += "change" in net.show and (plan.optimizer == "adam" or not (rule or plan.momentum))
    counts = []
    for batch in plan.batches(len(net.examples)):
        totals = 1 + (changed if rule else params) if len(batch) > 1 or (plan.l2 and many) else 0
        counts.append(len(batch) * one + totals + changed * per_name)
    total = sum(counts)
    if plan.after_update:
        neurons = sum(len(layer.neurons) for layer in net.layers)
        forward = 2 * neurons + 1 + len(net.outputs) * ("loss_terms" in net.show)
        total += len(net.examples) * forward + many
    return total, counts[0]


def _check_size(net: Network, notation: str) -> None:
    total, first = count_sheet(net, notation)
    if total <= MAX_STEPS:
        return
    limit = f"more than the {MAX_STEPS:,} steps bptutor works through"
    if first > MAX_STEPS:
        raise net.error("network", f"this file asks for {total:,} steps, its first update "
                        f"alone {first:,}: {limit}",
                        "an exercise network has a few neurons per layer and a few examples")
    raise net.error("training", f"this file asks for {total:,} steps over "
                    f"{update_count(net):,} updates, {limit}",
                    "fewer epochs or examples: a sheet shows a few updates by hand")


class _Sheet:
    """The steps of every update in order, with the keys that hold each weight's current
    value and the optimiser's state."""

    def __init__(self, net: Network, notation: str, plan: TrainingPlan):
        self.net, self.notation, self.plan = net, notation, plan
        self.rule = notation == "delta_rule"
        self.many = len(net.examples) > 1
        self.names = updated(net)
        self.penalty = l2_weights(net) if plan.l2 else None
        self.weights: dict[str, str] = {}  # a parameter's key after the last update
        self.state: dict[str, str] = {}  # velocity(w), m(w), v(w): the last update's key
        self.numbered = numbered(net)
        self.steps: list[Step] = []

    def tag(self, key: str, k: int) -> str:
        return keys.numbered(key, k if self.numbered else None)

    def example_steps(self, j: int, k: int) -> UpdateExampleSteps:
        single = None if self.many else self.penalty  # a single example carries the penalty
        return UpdateExampleSteps(self.net, self.notation, j if self.many else None,
                                  k if self.numbered else None, self.weights, single)

    def add(self, key: str, kind: str, op: Op, k: int, section: str = "update") -> None:
        self.steps.append(Step(self.tag(key, k), kind, section, None, op,
                               k if self.numbered else None))

    def total(self, key: str, batch: list[int], k: int) -> Op:
        """R(Σ rounded per-example values of ``batch``), or their mean (``batch: mean``)."""
        parts = [Product([Ref(self.tag(keys.at(key, j), k), keys.at(key, j))]) for j in batch]
        return Mean(parts) if self.net.batch == "mean" and len(parts) > 1 else Sum(parts)

    def update(self, batch: list[int], k: int) -> None:
        """Update k: its examples' steps, totals where it has several examples (or L2 on
        listed examples), then each parameter's optimiser steps."""
        builders = []
        for j in batch:
            builder = self.example_steps(j, k)
            self.steps += builder.steps()
            builders.append(builder)
        totals = self.many and (len(batch) > 1 or self.penalty is not None)
        penalty = set(self.penalty or [])
        if totals:
            self.loss_total(batch, k, "loss")
            if not self.rule:
                for name in self.net.parameters():
                    grad: Op = self.total(keys.derivative(name), batch, k)
                    if name in penalty:
                        grad = PenalizedGradient(grad, self.weights.get(name, name), name)
                    self.add(keys.derivative(name), "gradient", grad, k, "backward")
        if self.rule:
            for builder in builders:
                self.steps += builder.changes(self.names)
            if totals:
                for name in self.names:
                    change: Op = self.total(keys.change(name), batch, k)
                    if name in penalty:
                        change = PenalizedGradient(change, self.weights.get(name, name), name,
                                                   True)
                    self.add(keys.change(name), "change", change, k)
        own = None if totals or not self.many else batch[0]
        for name in self.names:
            self.optimise(name, k, own)
        for name in self.names:
            self.weights[name] = self.tag(keys.update(name), k)

    def loss_total(self, batch: list[int], k: int, section: str) -> None:
        loss = self.total(LOSS, batch, k)
        if self.penalty is not None:
            loss = Penalized(loss, [(self.weights.get(w, w), w) for w in self.penalty])
        self.add(LOSS, "loss", loss, k, section)

    def optimise(self, name: str, k: int, own: int | None) -> None:
        """The steps from update k's gradient (or Δw) of ``name`` to ``new(name)#k``."""
        w_key = self.weights.get(name, name)
        source = keys.change(name) if self.rule else keys.derivative(name)
        g = self.tag(keys.at(source, own), k)
        label = source
        new = keys.update(name)
        show_change = "change" in self.net.show
        if self.plan.optimizer == "adam":
            self.adam(name, k, w_key, g, label, show_change)
        elif self.plan.momentum:
            velocity = keys.velocity(name)
            self.add(velocity, "velocity", Velocity(self.state.get(velocity), g, velocity, label,
                                                    self.rule), k)
            self.state[velocity] = self.tag(velocity, k)
            self.add(new, "update", Increment(w_key, self.tag(velocity, k), name, velocity), k)
        elif self.rule:
            self.add(new, "update", Increment(w_key, g, name, label), k)
        elif show_change:
            change = keys.change(name)
            self.add(change, "change", Negated(Product([Ref(RATE, "η"), Ref(g, label)])), k)
            self.add(new, "update", Increment(w_key, self.tag(change, k), name, change), k)
        else:
            self.add(new, "update", Update(w_key, g, RATE, name, label), k)

    def adam(self, name: str, k: int, w_key: str, g: str, label: str, show_change: bool) -> None:
        m, v = keys.moment("m", name), keys.moment("v", name)
        mhat, vhat = keys.moment("mhat", name), keys.moment("vhat", name)
        self.add(m, "moment", Moment(BETA1, self.state.get(m), g, m, label, False), k)
        self.add(v, "moment", Moment(BETA2, self.state.get(v), g, v, label, True), k)
        self.state[m], self.state[v] = self.tag(m, k), self.tag(v, k)
        self.add(mhat, "moment", BiasCorrected(self.tag(m, k), m, BETA1, "β1", k), k)
        self.add(vhat, "moment", BiasCorrected(self.tag(v, k), v, BETA2, "β2", k), k)
        hats = (self.tag(mhat, k), self.tag(vhat, k))
        if show_change:
            change = keys.change(name)
            self.add(change, "change", AdamStep(None, *hats, ["η", mhat, vhat, "ε"]), k)
            self.add(keys.update(name), "update",
                     Increment(w_key, self.tag(change, k), name, change), k)
        else:
            self.add(keys.update(name), "update",
                     AdamStep(w_key, *hats, [name, "η", mhat, vhat, "ε"]), k)

    def after_update(self, k: int) -> None:
        """Update K + 1: one more forward pass and loss with the final weights (the total E
        with the penalty, per-example losses without)."""
        count = len(self.net.examples)
        for j in range(1, count + 1):
            self.steps += self.example_steps(j, k).forward_and_loss()
        if self.many:
            self.loss_total(list(range(1, count + 1)), k, "loss")


def build_updates(net: Network, notation: str) -> tuple[list[Step], dict[str, float]]:
    """The steps of SPEC §7 for ``net`` (which has a ``training:`` plan), and the givens."""
    plan = net.training or TrainingPlan()
    if plan.optimizer == "adam" and notation == "delta_rule":  # --notation delta_rule
        raise net.error("training", "optimizer adam needs activation or delta notation",
                        "the delta rule's Δw = η·δ·a is plain gradient descent: choose "
                        "--notation activation or delta")
    _check_size(net, notation)
    givens = dict(net.parameter_values())
    many = len(net.examples) > 1
    for j, example in enumerate(net.examples, start=1):
        givens.update((keys.at(x, j if many else None), value)
                      for x, value in zip(net.inputs, example.inputs))
        givens.update((keys.at(keys.target(y), j if many else None), value)
                      for y, value in zip(net.outputs, example.targets))
    if net.learning_rate is not None:
        givens[RATE] = net.learning_rate
    constants = {MOMENTUM: plan.momentum, L2: plan.l2}  # given where a step reads them
    givens.update((key, value) for key, value in constants.items() if value)
    if plan.optimizer == "adam":
        givens.update({BETA1: plan.beta1, BETA2: plan.beta2, EPSILON: plan.epsilon})
    sheet = _Sheet(net, notation, plan)
    batches = plan.batches(len(net.examples))
    for k, batch in enumerate(batches, start=1):
        sheet.update(batch, k)
    if plan.after_update:
        sheet.after_update(len(batches) + 1)
    return sheet.steps, givens
