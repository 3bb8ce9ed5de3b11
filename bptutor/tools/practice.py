"""``bptutor new``: fresh exam-style practice problems.

A problem is drawn from ``random.Random(seed)`` (no numpy: the command must start instantly),
written in the style of the bundled problems (``problem_file``), read back
through the real loader and solved by the real worksheet. A dull draw — a saturated unit, a
dead ReLU, a backward step or a weight change that rounds to 0 — is redrawn from the same
random stream, so a seed always gives the same file; after ``MAX_TRIES`` draws (fewer for a
big network, see ``MAX_WORK``) we give up with a UsageError.

``--like P`` keeps P's examples when they are the point of the exercise (boolean data such as
XOR's) and draws new weights; ``--new-data`` draws new examples too. ``--mode``, ``--epochs``,
``--momentum``, ``--l2`` and ``--optimizer`` write a ``training:`` block (SPEC §7).
"""

from __future__ import annotations

import math
import random
import re
import shlex
from collections import Counter
from dataclasses import dataclass, replace

from bptutor.errors import BptutorError, clip, control_character
from bptutor.files.problem_writer import problem_text
from bptutor.files.problems import Validator, _suggest, load
from bptutor.files.yamlfile import parse
from bptutor.model import keys
from bptutor.model.activations import (
    ACTIVATION_ALIASES,
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    DEFAULT_ACTIVATION,
    Activation,
)
from bptutor.model.losses import LOSS_FUNCTIONS, LOSSES, default_loss
from bptutor.model.network import (
    NOTATIONS,
    OPTIMIZERS,
    TRAINING_MODES,
    Example,
    Layer,
    Network,
    TrainingPlan,
    default_bias_names,
    default_threshold_names,
    default_weight_names,
    with_conventions,
)
from bptutor.model.problem import as_network
from bptutor.model.rounding import Rounding, show_given
from bptutor.sheet.network_steps import MAX_STEPS
from bptutor.sheet.worksheet import Worksheet, solve

DEFAULT_SHAPE = "2-2-1"
DEFAULT_ROUND = 2
DEFAULT_RATE = 0.5
MAX_SIZE = 12  # neurons (or inputs) per layer
MAX_LAYERS = 5
MAX_TRIES = 400
MAX_WORK = 40_000  # worksheet steps over all draws: big networks give up in about a second
SEED_RANGE = 100_000  # a random seed stays short enough to type back

# Without --activation: DEFAULT_ACTIVATION; without --loss: the loss that suits the output
# activation (model/losses.py ``default_loss``). How lively a unit must be is its activation
# function's (``lively_z``, ``lively_a``, ``dull_preactivation``: model/activations.py).
ROW_TRIES = 20


class UsageError(BptutorError):
    """An impossible combination of options: one line, ``bptutor new: error: …``."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__("bptutor new", None, message, hint)

    def __str__(self) -> str:
        text = f"bptutor new: error: {self.message}"
        return text + (f"\nhint: {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Options:
    """What the user asked for; ``None`` means the default (or, with ``like``, the file's)."""

    shape: str | None = None
    activation: str | None = None
    loss: str | None = None
    round: int | None = None
    no_round: bool = False
    bias: bool | None = None
    learning_rate: float | None = None
    like: str | None = None
    title: str | None = None
    seed: int | None = None
    notation: str | None = None  # SPEC §3/§6: activation (default), delta or delta_rule
    threshold: bool = False  # thresholds θ (z = Σ w·a − θ) in place of biases (SPEC §6)
    new_data: bool = False  # with like: new examples too, even boolean ones
    examples: int | None = None  # examples to draw (default 1; --like: the file's count)
    mode: str | None = None  # SPEC §7's training: block, None: the default (or --like's)
    batch_size: int | None = None
    epochs: int | None = None
    momentum: float | None = None
    l2: float | None = None
    optimizer: str | None = None


@dataclass
class LayerPlan:
    neurons: list[str]
    activations: list[str]  # canonical name per neuron
    alpha: float  # NaN: each function's own default (leaky_relu 0.01, elu 1)
    bias: bool
    weight_names: list[list[str]] | None  # None: the default names W{k}[j,i]
    bias_names: list[str] | None  # None: the default names b{k}[j] (or no bias)
    threshold: bool = False  # the bias is a threshold θ: z = Σ w·a − θ


@dataclass
class Plan:
    """A problem's structure without its numbers."""

    title: str
    round: int | Rounding | None  # round: d, or a long form (SPEC §6) that --like keeps
    notation: str
    loss: str
    inputs: list[str]
    layers: list[LayerPlan]
    examples: int
    learning_rate: float | None
    update_biases: bool
    base_round: int | Rounding | None  # what round and learning_rate are without --round and co.
    base_rate: float | None
    like: Network | None = None  # --like's problem: its dialect (SPEC §6) is kept
    training: TrainingPlan | None = None  # SPEC §7's training: block
    kept: list[Example] | None = None  # --like's examples, kept (their data is the point)


@dataclass
class Problem:
    text: str
    seed: int
    tries: int  # draws it took, the accepted one included
    network: Network
    sheet: Worksheet


# -- the structure -----------------------------------------------------------------------------

def parse_shape(text: str) -> list[int]:
    parts = text.replace(" ", "").split("-")
    if not all(re.fullmatch("[0-9]{1,6}", p) for p in parts):  # isdigit() would take '²'
        raise UsageError(f"--shape {clip(text)!r} is not a list of sizes like 3-2-1")
    sizes = [int(p) for p in parts]
    text = "-".join(parts)
    if len(sizes) < 2:
        raise UsageError(f"--shape {text} needs at least two sizes (inputs-outputs), like 3-2-1")
    if len(sizes) > MAX_LAYERS + 1:
        raise UsageError(f"--shape {clip(text)} has {len(sizes) - 1} layers; at most "
                         f"{MAX_LAYERS} make an exercise")
    if not all(1 <= s <= MAX_SIZE for s in sizes):
        raise UsageError(f"--shape {clip(text)}: each size must be from 1 to {MAX_SIZE}")
    return sizes


def parse_activations(text: str, layers: int) -> list[str]:
    names = [ACTIVATION_ALIASES.get(n, n) for n in text.replace(" ", "").split(",")]
    for name in names:
        if name not in ACTIVATIONS:
            close = _suggest(name, [*ACTIVATIONS, *ACTIVATION_ALIASES])
            hint = f" ({close})" if close else ""
            raise UsageError(f"unknown activation {clip(name)!r}{hint}; choose from "
                             + ", ".join(ACTIVATIONS))
    if len(names) == 1:
        return names * layers
    if len(names) != layers:
        raise UsageError(f"--activation gives {len(names)} activations for {layers} layers; "
                         "give one for all, or one per layer")
    return names


def check_loss(loss: str, output: str) -> None:
    """A loss the output activation can be scored with (the loss's own rule, which the
    problem loader applies too)."""
    if loss not in LOSSES:
        close = _suggest(loss, LOSSES)
        hint = f" ({close})" if close else ""
        raise UsageError(f"unknown loss {clip(loss)!r}{hint}; choose from " + ", ".join(LOSSES))
    scorer = LOSS_FUNCTIONS[loss]
    if not scorer.accepts([ACTIVATION_FUNCTIONS[output]]):
        raise UsageError(f"{loss} needs {scorer.needs} ({scorer.because})")


def fresh_plan(options: Options, seed: int) -> Plan:
    sizes = parse_shape(options.shape or DEFAULT_SHAPE)
    acts = parse_activations(options.activation or DEFAULT_ACTIVATION, len(sizes) - 1)
    whole = next((a for a in acts[:-1] if ACTIVATION_FUNCTIONS[a].layerwise), None)
    if whole is not None:
        raise UsageError(f"{whole} is only allowed on the output layer, e.g. "
                         f"--activation {DEFAULT_ACTIVATION},{whole}")
    if ACTIVATION_FUNCTIONS[acts[-1]].layerwise and sizes[-1] < 2:
        raise UsageError(f"a {acts[-1]} output layer needs at least 2 neurons, e.g. "
                         "--shape 2-2-3")
    loss = options.loss or default_loss(ACTIVATION_FUNCTIONS[acts[-1]]).name
    check_loss(loss, acts[-1])
    hidden = len(sizes) - 2
    layers = []
    for k, (size, act) in enumerate(zip(sizes[1:], acts), start=1):
        if k == len(acts):
            names = ["y"] if size == 1 else [f"y{j}" for j in range(1, size + 1)]
        elif hidden == 1:  # h1, h2 reads better than h1_1, h1_2 when there is one layer
            names = [f"h{j}" for j in range(1, size + 1)]
        else:
            names = [f"h{k}_{j}" for j in range(1, size + 1)]
        layers.append(LayerPlan(names, [act] * size, math.nan, options.bias is not False,
                                None, None, options.threshold))
    if options.threshold and options.bias is False:
        raise UsageError("--threshold gives every layer thresholds in place of biases; "
                         "leave out --no-bias")
    shape = "-".join(map(str, sizes))
    title = options.title or f"{shape} {_activation_words(acts)} network (practice, seed {seed})"
    if options.new_data:
        raise UsageError("--new-data goes with --like (a fresh problem's data is new anyway)")
    return Plan(title, _digits(options, DEFAULT_ROUND), _notation(options, "activation"), loss,
                [f"x{i}" for i in range(1, sizes[0] + 1)], layers, _examples(options, 1),
                _rate(options, DEFAULT_RATE), True, DEFAULT_ROUND, DEFAULT_RATE,
                training=training_plan(options, None))


def like_plan(options: Options, seed: int) -> Plan:
    assert options.like is not None  # the plan of --like FILE
    for flag, value in (("--shape", options.shape), ("--activation", options.activation),
                        ("--loss", options.loss), ("--bias/--no-bias", options.bias),
                        ("--threshold", options.threshold or None)):
        if value is not None:
            raise UsageError(f"--like takes the structure from {clip(options.like)}; "
                             f"leave out {flag}")
    problem = load(options.like)
    if problem.kind != "network":  # a computation graph: no layers to copy
        raise UsageError(f"--like {clip(options.like)}: a computation graph is not a network "
                         "problem; --like needs a network")
    net = as_network(problem)
    layers = [LayerPlan(
        list(layer.neurons), [a.name for a in layer.activations], _alpha(layer),
        layer.bias is not None, layer.weight_names, layer.bias_names, layer.threshold)
        for layer in net.layers]
    kept = None if options.new_data or not boolean_data(net) else net.examples
    if kept is not None and options.examples is not None:
        raise UsageError(f"--like {clip(options.like)} keeps its {len(kept)} boolean examples; "
                         "add --new-data to draw --examples new ones")
    # kept data is still the file's exercise; new data for boolean examples (XOR's) is not
    title = (f"{net.title}, new weights (seed {seed})" if kept is not None else
             f"new data for the network of {net.title} (seed {seed})" if boolean_data(net)
             else f"{net.title}, new numbers (seed {seed})")
    return Plan(options.title or title,
                _digits(options, net.round), _notation(options, net.notation), net.loss.name,
                list(net.inputs), layers, _examples(options, len(net.examples)),
                _rate(options, net.learning_rate), net.update_biases,
                net.round, net.learning_rate, like=net,
                training=training_plan(options, net.training), kept=kept)


def boolean_data(net: Network) -> bool:
    """Every input and target 0 or 1 (XOR, AND, a truth table): the data is the point."""
    return all(v in (0, 1) for e in net.examples for v in (*e.inputs, *e.targets))


MAX_EXAMPLES = 8  # a sheet of more examples is no longer worked by hand


def _examples(options: Options, default: int) -> int:
    count = default if options.examples is None else options.examples
    if not 1 <= count <= max(MAX_EXAMPLES, default):
        raise UsageError(f"--examples {count}: give 1 to {MAX_EXAMPLES}")
    return count


def training_plan(options: Options, base: TrainingPlan | None) -> TrainingPlan | None:
    """SPEC §7's block from --mode, --batch-size, --epochs, --momentum, --l2 and --optimizer
    over ``base`` (--like's own); None when it is one plain batch update."""
    plan = base or TrainingPlan()
    given = {name: value for name, value in (
        ("mode", options.mode), ("batch_size", options.batch_size), ("epochs", options.epochs),
        ("momentum", options.momentum), ("l2", options.l2), ("optimizer", options.optimizer))
        if value is not None}
    if "batch_size" in given and "mode" not in given:
        given["mode"] = "minibatch"
    plan = replace(plan, **given)  # type: ignore[arg-type]
    if plan.mode != "minibatch":
        plan = replace(plan, batch_size=None)
    _check_training(plan)
    return None if plan == TrainingPlan() and base is None else plan


def _check_training(plan: TrainingPlan) -> None:
    for option, value, choices in (("--mode", plan.mode, TRAINING_MODES),
                                   ("--optimizer", plan.optimizer, OPTIMIZERS)):
        if value not in choices:
            raise UsageError(f"unknown {option[2:]} {clip(value)!r}; choose from "
                             + ", ".join(choices))
    if plan.mode == "minibatch" and not (plan.batch_size or 0) >= 1:
        raise UsageError("--mode minibatch needs --batch-size B (1 or more)")
    if not 1 <= plan.epochs <= 10:
        raise UsageError(f"--epochs {plan.epochs}: give 1 to 10 (a sheet is worked by hand)")
    if not 0 <= plan.momentum < 1:
        raise UsageError(f"--momentum {plan.momentum:g}: give μ in [0, 1), like 0.9")
    if plan.momentum and plan.optimizer == "adam":
        raise UsageError("--momentum goes with --optimizer sgd (Adam has its own moments)")
    if not (math.isfinite(plan.l2) and plan.l2 >= 0):
        raise UsageError(f"--l2 {plan.l2:g}: give 0 or more, like 0.01")


def _alpha(layer: Layer) -> float:
    """The layer's alpha, as the function that takes it has it (NaN: none does)."""
    return next((a.alpha for a in layer.activations if a.function.takes_alpha), math.nan)


def _notation(options: Options, default: str) -> str:
    if options.notation is None:
        return default
    if options.notation not in NOTATIONS:
        close = _suggest(options.notation, NOTATIONS)
        raise UsageError(f"unknown notation {clip(options.notation)!r}"
                         + (f" ({close})" if close else "") + "; choose from "
                         + ", ".join(NOTATIONS))
    return options.notation


def _digits(options: Options, default: int | Rounding | None) -> int | Rounding | None:
    if options.no_round and options.round is not None:
        raise UsageError("give --round N or --no-round, not both")
    if options.round is not None and not 0 <= options.round <= 12:
        raise UsageError(f"--round {options.round}: give a number of decimals from 0 to 12")
    return None if options.no_round else default if options.round is None else options.round


def _rate(options: Options, default: float | None) -> float | None:
    rate = options.learning_rate
    if rate is None:
        return default
    if not (math.isfinite(rate) and 0 < rate <= 100):
        raise UsageError(f"--learning-rate {rate:g}: give a positive number up to 100, like 0.5")
    return rate


def _activation_words(acts: list[str]) -> str:
    return acts[0] if len(set(acts)) == 1 else "/".join(acts)


# -- the numbers -------------------------------------------------------------------------------
# Numbers are kept in tenths (ints), so that what is written is exactly what was drawn.

NONZERO = [k for k in range(-10, 11) if k]  # -1.0 … 1.0 in steps of 0.1, never 0


def draw_weight(rng: random.Random) -> int:
    return rng.choice(NONZERO)


def draw_input(rng: random.Random) -> int:
    # 0.1 … 1, 1 as often as on exam sheets; never 0, which makes its weights' gradients 0
    return 10 if rng.random() < 0.3 else rng.randint(1, 10)


def draw_target(rng: random.Random, activation: str) -> int:
    """A target in tenths from the activation's pools (two pools: each half the time)."""
    pools = ACTIVATION_FUNCTIONS[activation].target_pools
    pool = pools[0] if len(pools) == 1 or rng.random() < 0.5 else pools[1]
    return round(10 * rng.choice(pool))


@dataclass
class Numbers:
    weights: list[list[list[int]]]  # per layer, per neuron, per input
    biases: list[list[int] | None]
    examples: list[tuple[list[int], list[int]]]  # (inputs, targets)


def draw(plan: Plan, rng: random.Random) -> Numbers:
    """One draw: inputs first, then each neuron's row, redrawn (a few times at most) while it
    saturates or kills its unit on these inputs, then the targets. The worksheet judges the
    whole draw afterwards; this only spares it draws that are plainly dull. Kept examples
    (``plan.kept``) are used as they are."""
    if plan.kept is not None:
        inputs = [[round(10 * x) for x in e.inputs] for e in plan.kept]
    else:
        inputs = [[draw_input(rng) for _ in plan.inputs] for _ in range(plan.examples)]
    below = [[x / 10 for x in xs] for xs in inputs]  # the exact activations feeding a layer
    weights, biases = [], []
    for layer in plan.layers:
        rows, bias, zs = [], [], []
        sign = -1 if layer.threshold else 1  # z = Σ w·a − θ
        for act in layer.activations:
            for _ in range(ROW_TRIES):
                row = [draw_weight(rng) for _ in below[0]]
                b = draw_weight(rng) if layer.bias else 0
                z = [math.fsum(w / 10 * a for w, a in zip(row, xs)) + sign * b / 10
                     for xs in below]
                if _lively(act, z):
                    break
            rows.append(row)
            bias.append(b)
            zs.append(z)
        weights.append(rows)
        biases.append(bias if layer.bias else None)
        units = [Activation(act, layer.alpha) for act in layer.activations]
        below = [[unit.value(z[e]) for unit, z in zip(units, zs)] for e in range(plan.examples)]
    if plan.kept is not None:
        return Numbers(weights, biases, [(xs, [round(10 * t) for t in e.targets])
                                         for xs, e in zip(inputs, plan.kept)])
    return Numbers(weights, biases, [(xs, draw_targets(rng, plan)) for xs in inputs])


def _lively(act: str, zs: list[float]) -> bool:
    """Not saturated and not dead: every z in the function's lively range (which keeps a
    margin for the rounding of z); softmax and the others are left to the worksheet."""
    low, high = ACTIVATION_FUNCTIONS[act].lively_z
    return all(low <= z <= high for z in zs)


def draw_targets(rng: random.Random, plan: Plan) -> list[int]:
    out = plan.layers[-1]
    if ACTIVATION_FUNCTIONS[out.activations[0]].layerwise:  # a distribution: one-hot
        hot = rng.randrange(len(out.neurons))
        return [10 * (j == hot) for j in range(len(out.neurons))]
    return [draw_target(rng, act) for act in out.activations]


# -- writing -----------------------------------------------------------------------------------

def drawn_network(plan: Plan, numbers: Numbers, source: str) -> Network:
    """The drawn problem as a network, for ``problem_file.problem_text`` to write."""
    layers, width = [], len(plan.inputs)
    for k, (layer, rows, bias) in enumerate(zip(plan.layers, numbers.weights, numbers.biases),
                                            start=1):
        n = len(layer.neurons)
        layers.append(Layer(
            k, list(layer.neurons), [Activation(a, layer.alpha) for a in layer.activations],
            [[w / 10 for w in row] for row in rows],
            layer.weight_names or default_weight_names(k, n, width),
            None if bias is None else [b / 10 for b in bias],
            None if bias is None else layer.bias_names or _default_bias_names(layer, k, n),
            threshold=layer.threshold))
        width = n
    examples = [Example([x / 10 for x in xs], [t / 10 for t in ts])
                for xs, ts in numbers.examples]
    drawn = Network("<bptutor new>", plan.title, source, plan.round, plan.notation,
                    LOSS_FUNCTIONS[plan.loss], list(plan.inputs), layers, examples,
                    plan.learning_rate,
                    plan.update_biases, training=plan.training)
    return drawn if plan.like is None else _in_the_dialect_of(drawn, plan.like)


def _in_the_dialect_of(drawn: Network, like: Network) -> Network:
    """``like`` itself with ``drawn``'s numbers, title and settings: every convention of the
    file (rounding long form, extra steps, batch mode, thresholds, shared names — whatever
    fields a problem has, now or later) is copied with it rather than listed here."""
    same = with_conventions(drawn, like)  # every place of a shared name holds one value
    layers = [replace(model, weights=layer.weights, bias=layer.bias)
              for layer, model in zip(same.layers, like.layers)]
    return replace(like, path=drawn.path, title=drawn.title, source=drawn.source,
                   round=drawn.round, notation=drawn.notation,
                   learning_rate=drawn.learning_rate, layers=layers, examples=drawn.examples,
                   training=drawn.training, marks={})


def _default_bias_names(layer: LayerPlan, k: int, n: int) -> list[str]:
    return default_threshold_names(k, n) if layer.threshold else default_bias_names(k, n)


def source_line(options: Options, plan: Plan, seed: int) -> str:
    """The command that writes this very file again: the structure, every setting that
    differs from its default (the --like file's, or ours), the title if given, the seed."""
    words = ["bptutor", "new"]
    if options.like is not None:
        words += ["--like", options.like] + (["--new-data"] if options.new_data else [])
    else:
        sizes = [len(plan.inputs)] + [len(layer.neurons) for layer in plan.layers]
        acts = [layer.activations[0] for layer in plan.layers]
        words += ["--shape", "-".join(map(str, sizes)),
                  "--activation", acts[0] if len(set(acts)) == 1 else ",".join(acts)]
        if plan.loss != default_loss(ACTIVATION_FUNCTIONS[acts[-1]]).name:
            words += ["--loss", plan.loss]
        if not plan.layers[0].bias:
            words.append("--no-bias")
        if plan.layers[0].threshold:
            words.append("--threshold")
    if plan.notation != (plan.like.notation if plan.like is not None else "activation"):
        words += ["--notation", plan.notation]
    if plan.round != plan.base_round:
        words += ["--no-round"] if plan.round is None else ["--round", str(plan.round)]
    if plan.learning_rate is not None and plan.learning_rate != plan.base_rate:
        words += ["--learning-rate", show_given(plan.learning_rate)]
    if options.examples is not None:
        words += ["--examples", str(options.examples)]
    words += _training_words(plan.training, plan.like.training if plan.like else None)
    if options.title:
        words += ["--title", options.title]
    return shlex.join([*words, "--seed", str(seed)])


def _training_words(plan: TrainingPlan | None, base: TrainingPlan | None) -> list[str]:
    """The options that turn ``base`` (--like's block, or none) into ``plan``."""
    plan, base = plan or TrainingPlan(), base or TrainingPlan()
    words = []
    for option, name in (("--mode", "mode"), ("--batch-size", "batch_size"),
                         ("--epochs", "epochs"), ("--optimizer", "optimizer"),
                         ("--momentum", "momentum"), ("--l2", "l2")):
        value = getattr(plan, name)
        if value != getattr(base, name) and value is not None:
            words += [option, show_given(value) if isinstance(value, float) else str(value)]
    return words


# -- judging -----------------------------------------------------------------------------------

def dull(sheet: Worksheet) -> str | None:
    """Why a solved problem makes a poor exercise, or None when it is a good one."""
    net = as_network(sheet.network)
    functions = {n: a.function for layer in net.layers
                 for n, a in zip(layer.neurons, layer.activations)}
    rounds = sheet.rounding.rounds
    # a gradient that is exactly 0 because an input is 0 is the data's (XOR's (0, 0)), not
    # the draw's: with such data only the neurons' steps are judged
    zero_inputs = any(x == 0 for e in net.examples for x in e.inputs)
    for step in sheet.steps:
        key = step.key
        if keys.parse(key).update not in (None, 1):
            continue  # later updates follow from the first one: judging it is enough
        if zero_inputs and (step.kind == "gradient" and sheet.exact[key] == 0 or
                            step.section == "update"
                            and sheet.exact[key] == sheet.givens.get(step.inputs[0])):
            continue
        if step.kind == "activation":
            reason = functions[keys.parse(key).name].dull_activation(sheet.exact[key])
            if reason:
                return reason
        elif step.kind == "preactivation":
            function = functions[keys.parse(key).name]  # z(h)@2: neuron h
            reason = function.dull_preactivation(sheet.exact[key], sheet.values[key])
            if reason:
                return reason
        elif step.section == "backward":
            if sheet.values[key] == 0 or abs(sheet.exact[key]) < 1e-9:
                return "a backward step that rounds to 0" if rounds else "a backward step of 0"
        elif step.section == "update" and sheet.values[key] == sheet.givens.get(step.inputs[0]):
            return "an update that leaves a weight unchanged"
    if len({tuple(e.targets) for e in net.examples}) < min(2, len(net.examples)):
        return "examples that all have the same target"
    return None


def _read(text: str, path: str) -> Network:
    return Validator(path).network(parse(text, path))


def new_problem(options: Options, path: str = "<bptutor new>") -> Problem:
    """Draw until a problem is lively; ``path`` only names the file in error messages."""
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(
        SEED_RANGE)
    if seed < 0:
        raise UsageError("--seed must be 0 or more")
    if options.title is not None and control_character(options.title):
        raise UsageError("--title holds a control character: a title is plain text")
    options = replace(options, seed=seed)
    plan = like_plan(options, seed) if options.like is not None else fresh_plan(options, seed)
    if plan.training is not None and plan.training.optimizer == "adam" \
            and plan.notation == "delta_rule":
        raise UsageError("--optimizer adam needs --notation activation or delta (SPEC §7)")
    source = source_line(options, plan, seed)
    rng = random.Random(seed)
    reasons: Counter[str] = Counter()
    work = tries = 0
    while tries < MAX_TRIES and work < MAX_WORK:
        tries += 1
        text = problem_text(drawn_network(plan, draw(plan, rng), source), source)
        network = _read(text, path)
        try:
            sheet = solve(network)
        except BptutorError as exc:  # ln 0: an output rounded to exactly 0 or 1
            if f"{MAX_STEPS:,} steps" in exc.message:  # the step cap: no draw can help
                raise UsageError(exc.message, "fewer --epochs or --examples, or a smaller "
                                              "--shape") from None
            reasons["an output that rounds to 0 or 1"] += 1
            continue
        work += len(sheet.steps)
        reason = dull(sheet)
        if reason is None:
            return Problem(text, seed, tries, network, sheet)
        reasons[reason] += 1
    common = ", ".join(f"{r} ({n}×)" for r, n in reasons.most_common(2))
    raise UsageError(f"no lively problem in {tries} draws (most often: {common})",
                     "try a smaller shape, tanh or relu hidden layers (their gradients are "
                     "larger), a larger --learning-rate, --round 3, --no-round, or another --seed")
