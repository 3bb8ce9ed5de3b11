"""Training: gradient descent over a problem's examples — online, batch or mini-batch, plain,
with momentum or Adam, with an L2 penalty (SPEC §7).

The forward and backward passes are tools/numeric.py's (the same float64 ``NetworkLoss``
gradcheck differences, with one parameter copy): backprop in matrix form with the worksheet's
derivatives, so one batch step equals the worksheet's exact update. E is the sum of the
examples' losses (SPEC §1), and each update descends the loss of the examples it saw. numpy
is imported by the numeric tools only: ``bptutor solve`` never loads it.
"""

from __future__ import annotations

import itertools
import math
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from bptutor.files.problem_writer import problem_text
from bptutor.files.problems import MAX_DRAWN_WEIGHTS
from bptutor.model.network import OPTIMIZERS, Layer, Network, TrainingPlan
from bptutor.model.rounding import show_given
from bptutor.sheet.network_steps import parameter_values
from bptutor.tools.numeric import NetworkLoss

MODES = ("online", "batch", "minibatch")
DEFAULT_RATE = 0.5  # when neither --learning-rate nor the file's learning_rate is given
DEFAULT_EPOCHS = 2000
SAVE_DECIMALS = 4  # weights are saved to 4 decimals (and at least 4 significant digits)


@dataclass(frozen=True)
class Settings:
    epochs: int = DEFAULT_EPOCHS
    mode: str = "batch"  # online: one update per example; batch: one per epoch
    batch_size: int | None = None  # minibatch: one update per this many consecutive examples
    learning_rate: float | None = None  # None: the file's learning_rate, else DEFAULT_RATE
    momentum: float = 0.0  # v ← μ·v − η·g; w ← w + v
    l2: float = 0.0  # each update descends E + l2·Σw² (weights, not biases; SPEC §7)
    seed: int = 0  # draws left-out weights (and the order, with shuffle)
    shuffle: bool = False  # a new random example order every epoch
    optimizer: str = "sgd"  # or adam (SPEC §7)
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    @classmethod
    def from_plan(cls, plan: TrainingPlan | None, learning_rate: float | None = None
                  ) -> Settings:
        """The settings of a file's ``training:`` block (one batch update without one)."""
        plan = plan or TrainingPlan()
        return cls(plan.epochs, plan.mode, plan.batch_size if plan.mode == "minibatch" else None,
                   learning_rate, plan.momentum, plan.l2, optimizer=plan.optimizer,
                   beta1=plan.beta1, beta2=plan.beta2, epsilon=plan.epsilon)

    def rate(self, net: Network) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return net.learning_rate if net.learning_rate is not None else DEFAULT_RATE

    def batches(self, count: int, rng: np.random.Generator) -> list[np.ndarray]:
        """The example indices of each update of one epoch."""
        order = rng.permutation(count) if self.shuffle else np.arange(count)
        size = {"online": 1, "batch": count}.get(self.mode, self.batch_size or count)
        return [order[i:i + size] for i in range(0, count, size)]


@dataclass
class Prediction:
    inputs: list[float]
    targets: list[float]
    outputs: list[float]
    right: bool | None  # on the right side of 0.5 (probabilities) or the right argmax (softmax)


@dataclass
class HiddenUnit:
    layer: int
    neuron: str
    activations: list[float]  # one per example
    function: str | None  # the boolean function of binary inputs it computes, if any


@dataclass
class Result:
    network: Network  # the problem with the trained weights (unrounded)
    params: np.ndarray  # the same weights and biases as one vector (NetworkLoss's layout)
    settings: Settings
    rate: float
    losses: list[float]  # E before training, then after each epoch
    seconds: float
    drawn: list[int]  # layers whose weights were drawn from the seed
    diverged_at: int | None = None  # the epoch whose loss or weights stopped being finite
    predictions: list[Prediction] = field(default_factory=list)
    hidden: list[HiddenUnit] = field(default_factory=list)
    penalty: float = 0.0  # l2·Σw² at the end
    names: list[str] = field(default_factory=list)  # of ``params``' entries (NetworkLoss's)

    @property
    def epochs_run(self) -> int:
        return len(self.losses) - 1

    def as_json(self) -> dict:
        s = self.settings
        return {
            "bptutor": 1, "title": self.network.title, "mode": s.mode,
            "batch_size": s.batch_size if s.mode == "minibatch" else None,
            "epochs": self.epochs_run, "learning_rate": self.rate, "optimizer": s.optimizer,
            "momentum": s.momentum, "l2": s.l2,
            **({"beta1": s.beta1, "beta2": s.beta2, "epsilon": s.epsilon}
               if s.optimizer == "adam" else {}),
            "seed": s.seed, "shuffle": s.shuffle, "seconds": self.seconds,
            "diverged_at": self.diverged_at, "loss": [_finite(e) for e in self.losses],
            "l2_penalty": _finite(self.penalty),
            "weights": self.weights(),
            "predictions": [{"input": p.inputs, "target": p.targets,
                             "output": [_finite(y) for y in p.outputs], "right": p.right}
                            for p in self.predictions],
            "hidden": [{"layer": h.layer, "neuron": h.neuron,
                        "activations": [_finite(a) for a in h.activations],
                        "function": h.function} for h in self.hidden],
        }

    def weights(self) -> dict[str, float | None]:
        """Every weight and bias by name (null where diverged), as one vectorised pass."""
        if not self.names:
            return {name: _finite(v) for name, v in parameter_values(self.network)}
        if math.isfinite(float(self.params.sum())):
            return dict(zip(self.names, self.params.tolist()))
        return {name: _finite(v) for name, v in zip(self.names, self.params.tolist())}


def _finite(x: float) -> float | None:
    """JSON has no inf or NaN: a diverged value is null."""
    return float(x) if math.isfinite(x) else None


# -- parameters and backprop --------------------------------------------------------------

class Model:
    """A network's weights and biases as one float64 vector (NetworkLoss's layout)."""

    def __init__(self, net: Network):
        self.net = net
        self.loss = NetworkLoss(net)
        size = len(self.loss.names)
        self.is_weight = np.zeros(size, dtype=bool)  # L2 decays weights, never biases
        self.frozen = np.zeros(size, dtype=bool)  # update_biases: false keeps biases fixed
        for slot in self.loss.slots:
            self.is_weight[slot.weights] = True
            if slot.bias is not None and not net.update_biases:
                self.frozen[slot.bias] = True
        self.mean = net.batch == "mean"  # each update's E and gradient: mean over its examples

    def losses(self, params: np.ndarray) -> np.ndarray:
        """Each example's loss (under the caller's np.errstate, as in ``train``)."""
        return self.loss.descent_losses(params)

    def total(self, losses: np.ndarray) -> float:
        """E from the examples' losses: their sum, or mean (batch: mean)."""
        return float(losses.sum() * self.loss.reduction)

    def gradient(self, params: np.ndarray, rows: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
        """dE/d(parameter) over the examples ``rows`` (all by default; summed, or averaged
        under batch: mean), and their losses, under the caller's np.errstate."""
        grad, losses = self.loss.backprop(params, rows)
        if self.mean:
            grad /= len(losses)
        return grad, losses


def initial_parameters(net: Network, rng: np.random.Generator,
                       loss: NetworkLoss | None = None) -> tuple[np.ndarray, list[int]]:
    """The file's weights and biases; a layer without weights draws them uniformly from
    ±1/√fan_in (fan_in = units of the layer before), layer by layer, row by row. ``loss``:
    the net's NetworkLoss where the caller has one (building it walks every weight)."""
    loss = loss or NetworkLoss(net)
    params, drawn = loss.base.copy(), []
    for layer, (w, _, shape) in zip(net.layers, loss.layout):
        if not layer.weights_given:
            bound = 1 / math.sqrt(shape[1])
            params[w] = rng.uniform(-bound, bound, size=shape[0] * shape[1])
            drawn.append(layer.index)
    return params, drawn


def with_parameters(net: Network, params: np.ndarray,
                    loss: NetworkLoss | None = None) -> Network:
    """A copy of ``net`` with these weights and biases (NetworkLoss's layout)."""
    layout = (loss or NetworkLoss(net)).layout
    layers = []
    for layer, (w, b, shape) in zip(net.layers, layout):
        rows = params[w].reshape(shape).tolist()
        bias = params[b].tolist() if b is not None else None
        layers.append(replace(layer, weights=rows, bias=bias, weights_given=True))
    return replace(net, layers=layers)


# -- training -------------------------------------------------------------------------------

def train(net: Network, settings: Settings,
          on_epoch: Callable[[int, float], None] | None = None) -> Result:
    """Run the epochs; stop early when the loss or a weight stops being finite."""
    _check_size(net)
    rng = np.random.default_rng(settings.seed)
    model, rate = Model(net), settings.rate(net)
    params, drawn = initial_parameters(net, rng, model.loss)
    with np.errstate(all="ignore"):
        losses = [model.total(model.losses(params))]
    if not math.isfinite(losses[0]):
        raise net.error("loss", "E cannot be computed with the starting weights (a log meets 0, "
                        "or a number overflows)", "use smaller weights or inputs")
    start = time.perf_counter()
    with np.errstate(all="ignore"):  # divergence is detected below, not warned about
        diverged = _descend(model, Rule(model, settings, rate), params, losses, rng, on_epoch)
        seconds = time.perf_counter() - start
        trained = with_parameters(net, params, model.loss)
        result = Result(trained, params, settings, rate, losses, seconds, drawn, diverged)
        result.penalty = float(settings.l2 * (params[model.is_weight] ** 2).sum())
        result.names = model.loss.names
        result.predictions, result.hidden = inspect(trained, params, model.loss)
    return result


def train_updates(net: Network, plan: TrainingPlan | None, updates: int) -> dict[str, float]:
    """Every weight and bias by name (a shared one once) after the first ``updates`` updates
    of ``plan`` (SPEC §7) from the file's weights, unrounded: what a sheet of those updates
    computes exactly. Epochs repeat past the plan's own."""
    settings = Settings.from_plan(plan)
    model = Model(net)
    rule = Rule(model, settings, settings.rate(net))
    params = model.loss.base.copy()
    per_epoch = settings.batches(len(net.examples), np.random.default_rng(0))
    with np.errstate(all="ignore"):
        for rows in itertools.islice(itertools.cycle(per_epoch), updates):
            rule.apply(params, model.gradient(params, rows)[0])
    return dict(zip(model.loss.names, params.tolist()))


class Rule:
    """One update of the parameter vector from a gradient: the L2 term, frozen biases, then
    plain descent, momentum or Adam (SPEC §7). Holds the velocity or Adam's moments."""

    def __init__(self, model: Model, settings: Settings, rate: float):
        size = len(model.is_weight)
        self.rate, self.settings = rate, settings
        # dE/dw gains 2·l2·w for weights; nothing to add for a setting left at 0
        self.decay = 2 * settings.l2 * model.is_weight if settings.l2 else None
        self.frozen = model.frozen if model.frozen.any() else None
        adam = settings.optimizer == "adam"
        self.velocity = np.zeros(size) if settings.momentum and not adam else None
        self.m = np.zeros(size) if adam else None
        self.v = np.zeros(size) if adam else None
        self.count = 0  # updates so far: Adam's k

    def apply(self, params: np.ndarray, grad: np.ndarray) -> None:
        """Update ``params`` in place; ``grad`` is this update's own array (it is reused)."""
        self.count += 1
        if self.decay is not None:
            grad += self.decay * params
        if self.frozen is not None:
            grad[self.frozen] = 0.0
        if self.m is not None and self.v is not None:
            params -= self._adam_step(grad)
            return
        grad *= self.rate
        if self.velocity is not None:  # v ← μ·v − η·g; w ← w + v
            self.velocity *= self.settings.momentum
            self.velocity -= grad
            params += self.velocity
        else:
            params -= grad

    def _adam_step(self, grad: np.ndarray) -> np.ndarray:
        """η·m̂/(√v̂ + ε), the moments from 0 and bias-corrected with k = the update count."""
        s, k = self.settings, self.count
        assert self.m is not None and self.v is not None
        self.m *= s.beta1
        self.m += (1 - s.beta1) * grad
        self.v *= s.beta2
        self.v += (1 - s.beta2) * grad * grad
        mhat = self.m / (1 - s.beta1 ** k)
        vhat = self.v / (1 - s.beta2 ** k)
        return self.rate * mhat / (np.sqrt(vhat) + s.epsilon)


def _descend(model: Model, rule: Rule, params: np.ndarray, losses: list[float],
             rng: np.random.Generator, on_epoch: Callable[[int, float], None] | None
             ) -> int | None:
    """The epochs, updating ``params`` in place and appending E after each to ``losses``;
    the epoch that diverged, if one did. Whole arrays per layer (numeric.py)."""
    settings, count = rule.settings, len(model.net.examples)
    fixed = None if settings.shuffle else settings.batches(count, rng)  # the same each epoch
    # one batch of every example in file order: the forward pass that gives E after an
    # epoch is the one the next epoch's gradient needs
    whole = fixed is not None and len(fixed) == 1 and len(fixed[0]) == count
    pending = None
    for epoch in range(1, settings.epochs + 1):
        for rows in fixed or settings.batches(count, rng):
            grad = pending if pending is not None else model.gradient(params, rows)[0]
            rule.apply(params, grad)
            pending = None
        if whole and epoch < settings.epochs:
            pending, each = model.gradient(params)
        else:
            each = model.losses(params)
        losses.append(model.total(each))
        # a sum is finite only if every weight is (one pass, no array of flags)
        if not (math.isfinite(losses[-1]) and math.isfinite(float(params.sum()))):
            return epoch
        if on_epoch:
            on_epoch(epoch, losses[-1])
    return None


# A parameter vector is 8 bytes a number and training holds about six (parameters, gradient,
# velocity, the forward pass's weight stack...): 2,000,000 parameters stay near 100 MB and a
# second an epoch. Two 10,000-neuron layers (10^8 weights) would need gigabytes.
MAX_PARAMETERS = MAX_DRAWN_WEIGHTS  # the loader refuses more drawn weights already
MAX_ACTIVATIONS = 5_000_000  # examples × neurons held by one forward pass


def _check_size(net: Network) -> None:
    """Refuse a network too large to train here, at its place in the file, before any
    memory is taken."""
    width, params, neurons = len(net.inputs), 0, 0
    for layer in net.layers:
        params += len(layer.neurons) * (width + (layer.bias is not None))
        neurons += len(layer.neurons)
        width = len(layer.neurons)
    if params > MAX_PARAMETERS:
        raise net.error("network", f"the network has {params:,} weights and biases, more than "
                        f"the {MAX_PARAMETERS:,} bptutor trains",
                        "a network for learning by hand has a few neurons per layer")
    if neurons * len(net.examples) > MAX_ACTIVATIONS:
        raise net.error("examples", f"{len(net.examples):,} examples × {neurons:,} neurons is "
                        f"more than the {MAX_ACTIVATIONS:,} activations bptutor trains with",
                        "use fewer examples or a smaller network")


def inspect(net: Network, params: np.ndarray, loss: NetworkLoss | None = None
            ) -> tuple[list[Prediction], list[HiddenUnit]]:
    """Every example's prediction, and every hidden neuron's activation on every example."""
    loss = loss or NetworkLoss(net)
    passes = [a for _, a in loss.forward(params)]
    inputs = [e.inputs for e in net.examples]
    out_layer = net.layers[-1]
    predictions = [Prediction(e.inputs, e.targets, y.tolist(), _right(out_layer, y, e.targets))
                   for e, y in zip(net.examples, passes[-1])]
    hidden = []
    for layer, acts in zip(net.layers[:-1], passes):
        cuts = np.array([act.function.midpoint for act in layer.activations])
        columns, bits = acts.T.tolist(), (acts >= cuts).T.astype(int).tolist()
        for neuron, column, column_bits in zip(layer.neurons, columns, bits):
            hidden.append(HiddenUnit(layer.index, neuron, column,
                                     boolean_name(inputs, column_bits, net.inputs)))
    return predictions, hidden


def _right(layer: Layer, y: np.ndarray, targets: list[float]) -> bool | None:
    if layer.softmax:
        return int(np.argmax(y)) == int(np.argmax(targets))
    if all(act.function.probability for act in layer.activations):
        return all((out >= 0.5) == (t >= 0.5) for out, t in zip(y, targets))
    return None  # no threshold to be on the right side of


# -- naming what a hidden neuron computes -------------------------------------------------------

def boolean_name(inputs: list[list[float]], bits: list[int], names: list[str]) -> str | None:
    """The simplest boolean function of the inputs that gives ``bits`` on every example —
    when the inputs are binary and the examples hold every one of the 2ⁿ patterns (n ≤ 4)."""
    n = len(names)
    if n > 4 or any(v not in (0, 1) for row in inputs for v in row):
        return None
    table = {tuple(int(v) for v in row): bit for row, bit in zip(inputs, bits)}
    if len(table) < 2 ** n:
        return None
    for label, fn in _candidates(names):
        if all(int(fn(x)) == bit for x, bit in table.items()):
            return label
    return None


def _candidates(names: list[str]):
    """(label, function of the input bits), simplest first."""
    yield "FALSE", lambda x: 0
    yield "TRUE", lambda x: 1
    n = len(names)
    for i in range(n):
        yield names[i], lambda x, i=i: x[i]
    for i in range(n):
        yield f"NOT {names[i]}", lambda x, i=i: 1 - x[i]
    if n > 2:
        every = ", ".join(names)
        yield f"AND({every})", lambda x: all(x)
        yield f"OR({every})", lambda x: any(x)
        yield f"NAND({every})", lambda x: not all(x)
        yield f"NOR({every})", lambda x: not any(x)
        yield f"XOR({every})", lambda x: sum(x) % 2
        yield f"XNOR({every})", lambda x: 1 - sum(x) % 2
    pairs = list(itertools.combinations(range(n), 2))
    for word, fn in (("AND", lambda a, b: a and b), ("OR", lambda a, b: a or b),
                     ("NAND", lambda a, b: not (a and b)), ("NOR", lambda a, b: not (a or b)),
                     ("XOR", lambda a, b: a != b), ("XNOR", lambda a, b: a == b)):
        for i, j in pairs:
            yield f"{names[i]} {word} {names[j]}", lambda x, i=i, j=j, fn=fn: fn(x[i], x[j])
    for i, j in pairs:  # one input negated
        for ni, nj in ((False, True), (True, False)):
            (a, fa), (b, fb) = _literal(names, i, ni), _literal(names, j, nj)
            yield f"{a} AND {b}", lambda x, fa=fa, fb=fb: fa(x) and fb(x)
            yield f"{a} OR {b}", lambda x, fa=fa, fb=fb: fa(x) or fb(x)


def _literal(names: list[str], i: int, negated: bool):
    if negated:
        return f"NOT {names[i]}", lambda x: 1 - x[i]
    return names[i], lambda x: x[i]


# -- saving -----------------------------------------------------------------------------------

def command_line(problem: str, settings: Settings, rate: float) -> str:
    """The ``bptutor train`` command that repeats a run."""
    words = ["bptutor", "train", problem, "--mode", settings.mode]
    if settings.mode == "minibatch":
        words += ["--batch-size", str(settings.batch_size)]
    words += ["--epochs", str(settings.epochs), "--learning-rate", show_given(rate)]
    if settings.optimizer != "sgd":
        words += ["--optimizer", settings.optimizer]
        defaults = TrainingPlan()
        for option, value, default in (("--beta1", settings.beta1, defaults.beta1),
                                       ("--beta2", settings.beta2, defaults.beta2),
                                       ("--epsilon", settings.epsilon, defaults.epsilon)):
            if value != default:
                words += [option, show_given(value)]
    if settings.momentum:
        words += ["--momentum", show_given(settings.momentum)]
    if settings.l2:
        words += ["--l2", show_given(settings.l2)]
    words += ["--seed", str(settings.seed)] + (["--shuffle"] if settings.shuffle else [])
    return shlex.join(words)


def saved_parameters(params: np.ndarray) -> np.ndarray:
    """Weights as saved: 4 decimals, and at least 4 significant digits for small ones."""
    out = params.copy()
    for i, v in enumerate(params):
        if v:
            out[i] = round(float(v), max(SAVE_DECIMALS, 3 - math.floor(math.log10(abs(v)))))
    return out + 0.0  # −0.0 → 0.0


def saved_problem(result: Result, problem: str) -> str:
    """The trained network as a problem file: weights rounded (``saved_parameters``), the
    learning rate and ``training:`` block that trained it (``saved_plan``), and a source that
    says how."""
    net = with_parameters(result.network, saved_parameters(result.params))
    title = net.title if net.title.endswith("(trained)") else f"{net.title} (trained)"
    net = replace(net, title=title, learning_rate=result.rate,
                  training=saved_plan(result.settings, net.training))
    source = (f"trained with '{command_line(problem, result.settings, result.rate)}': "
              f"E = {result.losses[0]:.4g} → {result.losses[-1]:.4g}")
    if net.source:
        source += f". Before training: {' '.join(net.source.split())}"
    return problem_text(net, source, modeline=False)


def saved_plan(settings: Settings, plan: TrainingPlan | None) -> TrainingPlan | None:
    """The run's update rule as a ``training:`` block (None when it is one plain batch
    update). Its epochs and after_update stay the file's own (1 by default): the saved file is
    a sheet to solve by hand, which thousands of epochs are not; the source names them."""
    file = plan or TrainingPlan()
    saved = TrainingPlan(settings.mode, settings.batch_size, file.epochs, settings.optimizer,
                         settings.momentum, settings.l2, settings.beta1, settings.beta2,
                         settings.epsilon, file.after_update)
    return None if saved == TrainingPlan() else saved


# -- settings from command-line options -----------------------------------------------------

def checked_settings(epochs: int | None = None, mode: str | None = None,
                     batch_size: int | None = None, learning_rate: float | None = None,
                     momentum: float | None = None, l2: float | None = None, seed: int = 0,
                     shuffle: bool = False, optimizer: str | None = None,
                     beta1: float | None = None, beta2: float | None = None,
                     epsilon: float | None = None, plan: TrainingPlan | None = None
                     ) -> Settings:
    """``train``'s options as Settings: an option left out (None) takes the file's
    ``training:`` block (``plan``), else the default. The mode defaults to the file's, or
    batch, or minibatch when a batch size is given; an impossible value or combination raises
    OptionError naming the option."""
    from bptutor.errors import OptionError

    file = plan or TrainingPlan()
    if mode is None:
        mode = "minibatch" if batch_size is not None else file.mode
    if mode not in MODES:
        raise OptionError("--mode", f"{mode!r} is not one of {', '.join(MODES)}")
    if mode == "minibatch" and batch_size is None:
        batch_size = file.batch_size
        if batch_size is None:
            raise OptionError("--mode", "--mode minibatch needs --batch-size B")
    if mode != "minibatch" and batch_size is not None:
        raise OptionError("--batch-size", f"--batch-size applies to --mode minibatch, not {mode}")
    if learning_rate is not None and not (0 < learning_rate < math.inf):
        raise OptionError("--learning-rate", "η must be a positive number")
    optimizer = optimizer or file.optimizer
    if optimizer not in OPTIMIZERS:
        raise OptionError("--optimizer", f"{optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
    # the file's momentum belongs to its own optimizer: --optimizer adam sets it aside
    momentum = momentum if momentum is not None else (
        file.momentum if optimizer == file.optimizer else 0.0)
    if not 0 <= momentum < 1:
        raise OptionError("--momentum", "μ must lie in [0, 1)")
    if momentum and optimizer == "adam":
        raise OptionError("--momentum", "--momentum applies to --optimizer sgd (Adam keeps "
                          "its own moments: --beta1)")
    l2 = file.l2 if l2 is None else l2
    if not 0 <= l2 < math.inf:
        raise OptionError("--l2", "l2 must be 0 or more")
    adam = {"--beta1": file.beta1 if beta1 is None else beta1,
            "--beta2": file.beta2 if beta2 is None else beta2}
    for option, beta in adam.items():
        if not 0 <= beta < 1:
            raise OptionError(option, "β must lie in [0, 1)")
    epsilon = file.epsilon if epsilon is None else epsilon
    if not 0 < epsilon < math.inf:
        raise OptionError("--epsilon", "ε must be a positive number")
    if seed < 0:  # numpy's generators take seeds of 0 or more only
        raise OptionError("--seed", "the seed must be 0 or more")
    if epochs is None:
        epochs = file.epochs if plan is not None else DEFAULT_EPOCHS
    return Settings(epochs, mode, batch_size, learning_rate, momentum, l2, seed, shuffle,
                    optimizer, adam["--beta1"], adam["--beta2"], epsilon)
