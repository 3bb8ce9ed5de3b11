"""Problem files: read, validate against SPEC §1, and build the network they describe.

Every check points at the node that is wrong, so a student sees ``file:line:col: error: …``
and a hint in the words of the exercise ("layer 2 has 2 neurons but weights has 3 rows").
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bptutor.errors import BptutorError, Mark, clip, control_character, printable
from bptutor.files.yamlfile import Map, Node, Scalar, Seq, parse, read_text
from bptutor.model.activations import (
    ACTIVATION_ALIASES,
    ACTIVATION_FUNCTIONS,
    ACTIVATIONS,
    Activation,
)
from bptutor.model.graph import Graph
from bptutor.model.losses import LOSS_FUNCTIONS, LOSSES, Loss
from bptutor.model.network import (
    BATCH_MODES,
    NOTATIONS,
    OPTIMIZERS,
    SHOW_STEPS,
    TRAINING_MODES,
    Example,
    Layer,
    Network,
    TrainingPlan,
    default_bias_names,
    default_threshold_names,
    default_weight_names,
    error_scale,
)
from bptutor.model.rounding import KINDS as ROUNDED_KINDS
from bptutor.model.rounding import MAX_PLACES, TIES, Precision, Rounding

if TYPE_CHECKING:
    from bptutor.model.expression import Expr

_NAME = re.compile(r"[^\W\d][\w\[\],.']*")
_TOP_KEYS = ("bptutor", "kind", "title", "source", "round", "notation", "loss", "network",
             "input", "target", "examples", "learning_rate", "update_biases", "batch", "show",
             "training")
_TRAINING_KEYS = ("mode", "batch_size", "epochs", "optimizer", "momentum", "l2", "beta1", "beta2",
                  "epsilon", "after_update")
MAX_EPOCHS = 1000  # far beyond any sheet: the step cap refuses long before
_LAYER_KEYS = ("neurons", "activation", "alpha", "weights", "weight_names", "bias",
               "bias_names", "threshold", "threshold_names")
# weights `train` may draw: two 10,000-neuron layers (10^8) would take gigabytes
MAX_DRAWN_WEIGHTS = 2_000_000
MAX_GRAPH_NODES = 20_000  # a worksheet step for each and a gradient for each: 40,000 steps
_RESERVED = {"E": "the loss"}  # names that are quantity keys of their own (SPEC §2)


# -- finding a problem --------------------------------------------------------------------

def bundled_dir() -> Path:
    """Where the bundled problems live: inside the installed package (the wheel maps
    problems/ to bptutor/problems), else problems/ beside the package in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "problems"
    return installed if installed.is_dir() else package.parent / "problems"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def catalogue() -> list[tuple[str, str, str]]:
    """(name, title, source) of every bundled problem, for ``bptutor list``."""
    out = []
    for name in bundled_names():
        problem = load(name)
        out.append((name, problem.title, " ".join((problem.source or "").split())))
    return out


def locate(name: str) -> Path:
    """A path as given, or a bundled problem by its name (``tanh-chain``)."""
    path = Path(name)
    try:
        exists = path.exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise BptutorError(clip(name), None, f"cannot use this file name: {exc.strerror}") from None
    if exists or path.suffix in (".yaml", ".yml") or "/" in name:
        return path
    candidate = bundled_dir() / f"{name}.yaml"
    if candidate.exists():
        return candidate
    close = difflib.get_close_matches(name, bundled_names(), n=1)
    hint = f"did you mean the bundled problem {close[0]!r}?" if close else (
        "bundled problems: " + ", ".join(bundled_names()))
    raise BptutorError(clip(name), None, "no such file, and no bundled problem of that name",
                       hint)


def load(name: str | Path, untrained: bool = False) -> Network | Graph:
    """A network, or with ``kind: graph`` a computation graph. ``untrained``: layers may
    leave out their weights (only ``bptutor train`` allows it)."""
    path = locate(str(name))
    text = read_text(path)
    root = parse(text, str(path))
    graph_kind = _graph_kind(root)
    if graph_kind is not None:
        if untrained:
            raise BptutorError(str(path), graph_kind.mark, "a computation graph has no "
                               "weights to train", "this command needs a network problem")
        return GraphValidator(str(path), text).graph(root)
    return Validator(str(path), untrained).network(root)


# -- validation ---------------------------------------------------------------------------

def _suggest(word: str, choices) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


class Validator:
    def __init__(self, path: str, untrained: bool = False):
        self.path = path
        self.untrained = untrained  # layers may leave out weights, to be drawn by training
        self.drawn = 0  # weights left out so far, for MAX_DRAWN_WEIGHTS
        self.names: dict[str, Mark] = {}
        # weights and biases by name, for shared parameters (SPEC §6): is it a bias, its value
        # and where it is first named
        self.parameters: dict[str, tuple[bool, float, Mark]] = {}
        self.parameter_places: dict[str, list[Mark]] = {}  # every place a parameter is named
        self.checked: dict[str, int] = {}  # places whose value is checked, per name

    def fail(self, node: Node | Mark | None, message: str, hint: str | None = None):
        mark = node if isinstance(node, Mark) or node is None else node.mark
        return BptutorError(self.path, mark, message, hint)

    # small typed readers
    def mapping(self, node: Node, what: str) -> Map:
        if not isinstance(node, Map):
            raise self.fail(node, f"{what} must be a mapping of keys to values")
        return node

    def sequence(self, node: Node, what: str) -> Seq:
        if not isinstance(node, Seq):
            raise self.fail(node, f"{what} must be a list, like [1, 2]")
        return node

    def number(self, node: Node, what: str) -> float:
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return float(node.value)
        raise self.fail(node, f"{what} must be a number, not {_describe(node)}")

    def numbers(self, node: Node, what: str, length: int | None = None) -> list[float]:
        if isinstance(node, Scalar) and length == 1:
            return [self.number(node, what)]
        seq = self.sequence(node, what)
        values = [self.number(item, f"each entry of {what}") for item in seq.items]
        if length is not None and len(values) != length:
            raise self.fail(seq, f"{what} has {_count(len(values), 'entry', 'entries')}; "
                            f"it needs {length}")
        return values

    def text(self, node: Node, what: str) -> str:
        if isinstance(node, Scalar) and node.value is not None and not isinstance(
                node.value, (dict, list)):
            return node.text
        raise self.fail(node, f"{what} must be text")

    def prose(self, node: Node, what: str, lines: bool = False) -> str:
        """Free text (a title, a source) that views print: a character that could control a
        terminal (ESC, a newline in a title, a bidi override) is refused at its place."""
        text = self.text(node, what)
        unsafe = control_character(text, "\t\n" if lines else "\t")
        if unsafe:
            raise self.fail(node, f"the {what} holds the control character U+{ord(unsafe):04X}",
                            f"a {what} is plain text")
        return text

    def title_and_source(self, top: Map) -> tuple[str, str | None]:
        """The title (else the file's name, shown escaped: it can hold anything) and source."""
        items = top.items
        title = (self.prose(items["title"], "title") if "title" in items
                 else printable(Path(self.path).stem))
        source = self.prose(items["source"], "source", lines=True) if "source" in items else None
        return title, source

    def name(self, node: Node, what: str) -> str:
        return self.new_name(self.text(node, what), node.mark, what)

    reserved = _RESERVED

    def claim(self, name: str, mark: Mark,
              unique: str = "every name in a problem must be unique") -> str:
        if name in self.reserved:
            raise self.fail(mark, f"the name {name!r} is reserved for {self.reserved[name]}",
                            "choose another name")
        if name in self.names:
            raise self.fail(mark, f"the name {clip(name)!r} is used twice",
                            f"first used on line {self.names[name].line}; {unique}")
        self.names[name] = mark
        return name

    def check_keys(self, node: Map, allowed, what: str) -> None:
        for key in node.items:
            if key not in allowed:
                raise self.fail(node.key_marks[key], f"unknown key {clip(key)!r} in {what}",
                                _suggest(key, allowed) or "allowed: " + ", ".join(allowed))

    def require(self, node: Map, key: str, what: str, hint: str | None = None) -> Node:
        value = node.get(key)
        if value is None:
            raise self.fail(node, f"{what} is missing {key!r}", hint)
        return value

    def names_or_count(self, node: Node, what: str, default) -> tuple[list[str], list[Mark]]:
        if isinstance(node, Scalar) and isinstance(node.value, int) and not isinstance(
                node.value, bool):
            if not 1 <= node.value <= 10_000:
                raise self.fail(node, f"{what} must be between 1 and 10000")
            count = node.value
            return [default(j, count) for j in range(1, count + 1)], [node.mark] * count
        seq = self.sequence(node, f"{what} (names, or a count)")
        if not seq.items:
            raise self.fail(seq, f"{what} is empty")
        return [self.text(item, f"a name in {what}") for item in seq.items], \
            [item.mark for item in seq.items]

    # the problem
    def network(self, root: Node) -> Network:
        if isinstance(root, Scalar) and root.value is None:
            raise self.fail(root, "the file holds no problem", "start with 'bptutor: 1'")
        top = self.mapping(root, "a problem file")
        kind = top.get("kind")  # before the keys: a misspelt kind would blame them instead
        if kind is not None and (kind_text := self.text(kind, "kind")) != "network":
            if kind_text == "graph":
                raise self.fail(kind, "a computation graph is not a network problem",
                                "read it with problem.load")
            raise self.fail(kind, f"unknown kind {clip(kind_text)!r}",
                            _suggest(kind_text, ("network", "graph")) or "kinds: network, graph")
        self.check_keys(top, _TOP_KEYS, "the problem")
        version = self.require(top, "bptutor", "the problem", "add 'bptutor: 1' as the first line")
        if not (isinstance(version, Scalar) and version.value == 1
                and not isinstance(version.value, bool)):
            problem = ("the format version is missing" if _absent(version)
                       else f"unsupported format version {_describe(version)}")
            raise self.fail(version, problem, "this bptutor reads 'bptutor: 1'")
        title, source = self.title_and_source(top)
        digits = None
        if not _absent(top.get("round")):
            digits = self.digits(top.items["round"])
        notation = "activation"
        if "notation" in top.items:
            notation = self.choice(top.items["notation"], NOTATIONS, "notation")
        loss_node = self.require(top, "loss", "the problem", "losses: " + ", ".join(LOSSES))
        loss = LOSS_FUNCTIONS[self.choice(loss_node, LOSSES, "loss")]

        net = self.mapping(self.require(top, "network", "the problem"), "network")
        self.check_keys(net, ("inputs", "layers"), "network")
        inputs, input_marks = self.names_or_count(
            self.require(net, "inputs", "network"), "inputs", lambda j, n: f"x{j}")
        for name, mark in zip(inputs, input_marks):
            self.new_name(name, mark, "an input")
        layer_nodes = self.sequence(self.require(net, "layers", "network"), "layers")
        if not layer_nodes.items:
            raise self.fail(layer_nodes, "a network needs at least one layer")
        layers: list[Layer] = []
        width = len(inputs)
        for k, node in enumerate(layer_nodes.items, start=1):
            last = k == len(layer_nodes.items)
            layers.append(self.layer(node, k, width, last))
            width = len(layers[-1].neurons)
        self.check_outputs(loss, loss_node, layers[-1])

        outputs = layers[-1].neurons
        examples = self.examples(top, len(inputs), outputs, loss)
        rate = None
        if not _absent(top.get("learning_rate")):
            rate = self.number(top.items["learning_rate"], "learning_rate")
            if rate <= 0:
                raise self.fail(top.items["learning_rate"], "learning_rate must be positive")
        update_biases = True
        if "update_biases" in top.items:
            node = top.items["update_biases"]
            if not (isinstance(node, Scalar) and isinstance(node.value, bool)):
                raise self.fail(node, "update_biases must be true or false")
            update_biases = node.value
        batch = self.choice(top.items["batch"], BATCH_MODES, "batch") \
            if "batch" in top.items else "sum"
        show = self.show(top, loss, layers[-1])
        training = None
        if not _absent(top.get("training")):
            training = self.training(top, notation)
        marks = {key: top.key_marks[key] for key in top.items}
        return Network(self.path, title, source, digits, notation, loss, inputs, layers,
                       examples, rate, update_biases, batch=batch, show=show,
                       training=training, marks=marks)

    def training(self, top: Map, notation: str) -> TrainingPlan:
        """SPEC §7 ``training:``: mode, epochs, optimizer and their settings, each checked at
        its place."""
        node = self.mapping(top.items["training"], "training")
        self.check_keys(node, _TRAINING_KEYS, "training")
        if _absent(top.get("learning_rate")):
            raise self.fail(top.key_marks["training"], "training needs a learning_rate",
                            "add e.g. 'learning_rate: 0.5'")
        items = node.items
        mode = self.choice(items["mode"], TRAINING_MODES, "training mode") \
            if "mode" in items else "batch"
        optimizer = self.choice(items["optimizer"], OPTIMIZERS, "optimizer") \
            if "optimizer" in items else "sgd"
        batch_size = None
        if "batch_size" in items:
            if mode != "minibatch":
                raise self.fail(node.key_marks["batch_size"], "batch_size applies to mode "
                                "minibatch only", "write 'mode: minibatch', or leave it out")
            batch_size = self.count(items["batch_size"], "batch_size", 1)
        elif mode == "minibatch":
            raise self.fail(items["mode"], "mode minibatch needs a batch_size",
                            "add e.g. 'batch_size: 2' to training")
        for key, used in (("momentum", "sgd"), ("beta1", "adam"), ("beta2", "adam"),
                          ("epsilon", "adam")):
            if key in items and optimizer != used:
                raise self.fail(node.key_marks[key], f"{key} applies to optimizer {used} only",
                                f"write 'optimizer: {used}', or leave {key} out")
        if optimizer == "adam" and notation == "delta_rule":
            raise self.fail(items["optimizer"], "optimizer adam needs activation or delta "
                            "notation", "the delta rule's Δw = η·δ·a is plain gradient descent")
        epochs = self.count(items["epochs"], "epochs", 1, MAX_EPOCHS) if "epochs" in items \
            else 1
        given: dict[str, float] = {}
        for key, low, high in (("momentum", 0, 1), ("beta1", 0, 1), ("beta2", 0, 1)):
            if key in items:
                given[key] = self.fraction(items[key], key, low, high)
        for key in ("l2", "epsilon"):
            if key in items:
                value = self.number(items[key], key)
                if value < 0 or (key == "epsilon" and value == 0):
                    raise self.fail(items[key], f"{key} must be "
                                    + ("positive" if key == "epsilon" else "0 or more"))
                given[key] = value
        after = False
        if "after_update" in items:
            flag = items["after_update"]
            if not (isinstance(flag, Scalar) and isinstance(flag.value, bool)):
                raise self.fail(flag, "after_update must be true or false")
            after = flag.value
        default = TrainingPlan()
        return TrainingPlan(mode, batch_size, epochs, optimizer,
                            given.get("momentum", default.momentum), given.get("l2", default.l2),
                            given.get("beta1", default.beta1), given.get("beta2", default.beta2),
                            given.get("epsilon", default.epsilon), after)

    def count(self, node: Node, what: str, low: int, high: int | None = None) -> int:
        """A whole number from ``low`` (to ``high``)."""
        value = node.value if isinstance(node, Scalar) else None
        if (not isinstance(value, int) or isinstance(value, bool) or value < low
                or (high is not None and value > high)):
            span = f"from {low} to {high:,}" if high is not None else f"of {low} or more"
            raise self.fail(node, f"{what} must be a whole number {span}")
        return value

    def fraction(self, node: Node, what: str, low: float, high: float) -> float:
        """A number in [low, high)."""
        value = self.number(node, what)
        if not low <= value < high:
            raise self.fail(node, f"{what} must be at least {low} and below {high}")
        return value

    def show(self, top: Map, loss: Loss, out: Layer) -> frozenset[str]:
        """The extra steps ``show:`` asks for (SPEC §6): a list of SHOW_STEPS, or one."""
        node = _given(top.get("show"))
        if node is None:
            return frozenset()
        items = [node] if isinstance(node, Scalar) else self.sequence(node, "show").items
        chosen = set()
        for item in items:
            step = self.choice(item, SHOW_STEPS, "show step")
            if step == "output_error" and not (loss.matches_softmax if out.softmax
                                               else error_scale(loss, 1) is not None):
                raise self.fail(item, f"output_error (e = t - y) is no factor of the output "
                                f"error derivative with {loss.name}"
                                + (" on a softmax layer" if out.softmax else ""),
                                "it applies to the squared-error losses on elementwise "
                                "outputs, and to cross_entropy on a softmax output layer")
            chosen.add(step)
        return frozenset(chosen)

    def check_outputs(self, loss: Loss, loss_node: Node, out: Layer) -> None:
        """The loss can score these output activations (the rule `bptutor new` uses too)."""
        if loss.accepts([act.function for act in out.activations]):
            return
        neuron, act = next((n, a) for n, a in zip(out.neurons, out.activations)
                           if not loss.accepts([a.function]))
        raise self.fail(loss_node, f"{loss.name} needs {loss.needs}, but output "
                        f"{clip(neuron)} is {act.name}",
                        f"{loss.because}: change the output layer's activation, or choose "
                        "another loss")

    def digits(self, node: Node) -> int | Rounding:
        """``round``: d decimals (SPEC §3), or the long form of SPEC §6."""
        if isinstance(node, Map):
            return self.long_rounding(node)
        places = self.whole(node, 0)
        if places is None:
            raise self.fail(node, "round must be a whole number of decimals from 0 to 12",
                            "leave it out (or write 'round: null') to compute exactly; the "
                            "long form is a mapping such as {decimals: 3, kinds: {delta: 4}}")
        return places

    @staticmethod
    def whole(node: Node, low: int) -> int | None:
        """A whole number from ``low`` to 12, else None."""
        if (isinstance(node, Scalar) and isinstance(node.value, int)
                and not isinstance(node.value, bool) and low <= node.value <= MAX_PLACES):
            return node.value
        return None

    def round_places(self, node: Node, significant: bool, what: str) -> Precision:
        """A number of decimals (0 to 12) or of significant figures (1 to 12)."""
        low = 1 if significant else 0
        places = self.whole(node, low)
        if places is None:
            unit = "significant figures" if significant else "decimals"
            raise self.fail(node, f"{what} must be a whole number of {unit} from {low} to "
                            f"{MAX_PLACES}")
        return Precision(places, significant)

    def long_rounding(self, node: Map) -> Rounding:
        """{decimals | significant, carry, ties, kinds} (SPEC §6)."""
        self.check_keys(node, ("decimals", "significant", "carry", "ties", "kinds"), "round")
        chosen = [key for key in ("decimals", "significant") if key in node.items]
        if len(chosen) != 1:
            where = node.key_marks["significant"] if chosen else node.mark
            raise self.fail(where, "round gives decimals or significant, not both" if chosen
                            else "round needs decimals or significant",
                            "e.g. round: {decimals: 3} or round: {significant: 4}")
        default = self.round_places(node.items[chosen[0]], chosen[0] == "significant",
                              f"round {chosen[0]}")
        carry = True
        if "carry" in node.items:
            flag = node.items["carry"]
            if not (isinstance(flag, Scalar) and isinstance(flag.value, bool)):
                raise self.fail(flag, "carry must be true or false",
                                "true: later steps use the rounded values; false: rounding "
                                "for display only")
            carry = flag.value
        ties = self.choice(node.items["ties"], TIES, "ties") if "ties" in node.items \
            else "half_up"
        kinds: list[tuple[str, Precision]] = []
        if "kinds" in node.items:
            table = self.mapping(node.items["kinds"], "round kinds")
            self.check_keys(table, ROUNDED_KINDS, "round kinds")
            for kind, entry in table.items.items():
                kinds.append((kind, self.kind_precision(entry, kind)))
        return Rounding(None if default.significant else default.places,
                        default.places if default.significant else None,
                        carry, ties, tuple(kinds), short=False)

    def kind_precision(self, node: Node, kind: str) -> Precision:
        """A kind's precision: an int (decimals) or {significant: n}."""
        if isinstance(node, Map):
            self.check_keys(node, ("significant",), f"round kinds {kind}")
            if "significant" not in node.items:
                raise self.fail(node, f"round kinds {kind} needs significant",
                                "e.g. {significant: 3}, or a whole number of decimals")
            return self.round_places(node.items["significant"], True, f"round kinds {kind}")
        return self.round_places(node, False, f"round kinds {kind}")

    def choice(self, node: Node, choices, what: str) -> str:
        value = self.text(node, what)
        if value not in choices:
            raise self.fail(node, f"unknown {what} {clip(value)!r}",
                            _suggest(value, choices) or "choose one of: " + ", ".join(choices))
        return value

    def new_name(self, name: str, mark: Mark, what: str) -> str:
        """A name the user wrote: well-formed, and not used before."""
        if not _NAME.fullmatch(name):
            raise self.fail(mark, f"{clip(name)!r} is not a usable name for {what}",
                            "names start with a letter and hold letters, digits, _ [ ] , . '")
        return self.claim(name, mark)

    def layer(self, node: Node, k: int, width: int, last: bool) -> Layer:
        what = f"layer {k}"
        layer = self.mapping(node, what)
        self.check_keys(layer, _LAYER_KEYS, what)

        def default(j: int, n: int) -> str:
            if not last:
                return f"h{k}_{j}"
            return "y" if n == 1 else f"y{j}"

        neurons_node = self.require(layer, "neurons", what)
        neurons, marks = self.names_or_count(neurons_node, f"{what} neurons", default)
        for name, mark in zip(neurons, marks):
            self.new_name(name, mark, "a neuron")
        n = len(neurons)
        activations = self.activations(layer, what, n, last)

        weights_node: Map | Seq  # where the default weight names are claimed
        if "weights" not in layer.items:
            if not self.untrained:
                raise self.fail(layer, f"{what} has no weights: give them, or run "
                                "'bptutor train' with --save",
                                f"one row per neuron, each with {_count(width, 'weight')}; "
                                "'bptutor train FILE --save NEW' draws them from --seed, "
                                "trains, and writes them out")
            self.drawn += n * width
            if self.drawn > MAX_DRAWN_WEIGHTS:  # before a name or a number is made for them
                raise self.fail(neurons_node, f"the layers without weights up to {what} would "
                                f"draw {self.drawn:,} weights, more than the "
                                f"{MAX_DRAWN_WEIGHTS:,} bptutor trains",
                                "a network for learning by hand has a few neurons per layer")
            weights, weights_node = [[math.nan] * width for _ in range(n)], layer
        else:
            weights_node = self.sequence(layer.items["weights"], f"{what} weights")
            weights = self.weight_rows(weights_node, what, neurons, width)

        if "weight_names" in layer.items:
            names_node = self.sequence(layer.items["weight_names"], f"{what} weight_names")
            if len(names_node.items) != n:
                raise self.fail(names_node, f"{what} weight_names has "
                                f"{_count(len(names_node.items), 'row')}; weights has {n}",
                                "weight_names has the same shape as weights")
            weight_names = []
            for j, row in enumerate(names_node.items, start=1):
                row_seq = self.sequence(row, f"row {j} of {what} weight_names")
                if len(row_seq.items) != width:
                    raise self.fail(row_seq, f"row {j} of {what} weight_names has "
                                    f"{_count(len(row_seq.items), 'entry', 'entries')}; "
                                    f"weights has {width}",
                                    "weight_names has the same shape as weights")
                weight_names.append([self.parameter_name(item, "a weight", False)
                                     for item in row_seq.items])
        else:
            weight_names = [[self.claim(w, weights_node.mark) for w in row]
                            for row in default_weight_names(k, n, width)]

        threshold = "threshold" in layer.items or "threshold_names" in layer.items
        if threshold and "bias" in layer.items:
            raise self.fail(layer.key_marks["threshold" if "threshold" in layer.items
                                            else "threshold_names"],
                            f"{what} has both a bias and a threshold",
                            "z = Σ w·a + b with a bias, or z = Σ w·a − θ with a threshold: "
                            "give one of them")
        if threshold and "bias_names" in layer.items:
            raise self.fail(layer.key_marks["bias_names"], f"{what} has bias_names but no bias",
                            "name its thresholds in threshold_names")
        word = "threshold" if threshold else "bias"
        bias, bias_names = self.offsets(layer, what, word, k, n)
        self.shared_values(weight_names, weights, False)
        if bias is not None and bias_names is not None:
            self.shared_values([bias_names], [bias], True)
        return Layer(k, neurons, activations, weights, weight_names, bias, bias_names,
                     "weights" in layer.items, threshold)

    def offsets(self, layer: Map, what: str, word: str, k: int,
                n: int) -> tuple[list[float] | None, list[str] | None]:
        """A layer's biases (or thresholds, ``word``) and their names: one number or one per
        neuron; names a list, or one name the whole layer shares (SPEC §6)."""
        names_key = f"{word}_names"
        node = _given(layer.get(word))
        if node is None:
            if names_key in layer.items:
                raise self.fail(layer.key_marks[names_key], f"{what} has {names_key} but no "
                                f"{word}")
            return None, None
        if isinstance(node, Scalar):
            values = [self.number(node, f"{what} {word}")] * n
        else:
            values = self.numbers(node, f"{what} {word}", n)
        if names_key not in layer.items:
            defaults = (default_threshold_names if word == "threshold" else default_bias_names)
            mark = layer.key_marks[word]
            return values, [self.claim(b, mark) for b in defaults(k, n)]
        names_node = layer.items[names_key]
        if isinstance(names_node, Scalar) and isinstance(names_node.value, str):
            name = self.parameter_name(names_node, f"a {word}", True)
            if len(set(values)) > 1:
                raise self.fail(node, f"{what} shares one {word} {clip(name)!r}, but {word} "
                                "holds different values",
                                f"give one number, or one name per neuron in {names_key}")
            return values, [name] * n
        seq = self.sequence(names_node, f"{what} {names_key}")
        if len(seq.items) != n:
            raise self.fail(seq, f"{what} {names_key} has "
                            f"{_count(len(seq.items), 'entry', 'entries')}; "
                            f"the layer has {_count(n, 'neuron')}",
                            "one name per neuron, or one name the layer shares")
        return values, [self.parameter_name(item, f"a {word}", True) for item in seq.items]

    def parameter_name(self, node: Node, what: str, is_bias: bool) -> str:
        """A weight's or bias's name: new, or one named before as the same kind of parameter
        (shared, SPEC §6)."""
        name = self.text(node, what)
        first = self.parameters.get(name)
        if first is None:
            self.new_name(name, node.mark, what)
            self.parameters[name] = (is_bias, math.nan, node.mark)
        elif first[0] != is_bias:
            raise self.fail(node, f"{clip(name)!r} names a "
                            f"{'weight' if first[0] is False else 'bias'} on line "
                            f"{first[2].line}; a shared name is one kind of parameter",
                            "a weight and a bias cannot share a name")
        self.parameter_places.setdefault(name, []).append(node.mark)
        return name

    def shared_values(self, names: list[list[str]], values: list[list[float]],
                      is_bias: bool) -> None:
        """Every place of a shared name holds the same value (else the error is at the second
        place that differs)."""
        for row_names, row in zip(names, values):
            for name, value in zip(row_names, row):
                if name not in self.parameters or math.isnan(value):
                    continue
                places = self.parameter_places[name]  # a layer's one shared bias: one place
                place = places[min(self.checked.get(name, 0), len(places) - 1)]
                self.checked[name] = self.checked.get(name, 0) + 1
                kind, first, mark = self.parameters[name]
                if math.isnan(first):
                    self.parameters[name] = (kind, value, mark)
                elif first != value:
                    raise self.fail(place, f"the shared {'bias' if is_bias else 'weight'} "
                                    f"{clip(name)!r} is {value:g} here but {first:g} where it "
                                    f"is first named (line {mark.line})",
                                    "every place of a shared parameter holds the same value")

    def weight_rows(self, weights_node: Seq, what: str, neurons: list[str],
                    width: int) -> list[list[float]]:
        n = len(neurons)
        rows = weights_node.items
        written = [row.text for row in rows if isinstance(row, Scalar)]
        if n == 1 and rows and len(written) == len(rows):  # one flat row of numbers
            raise self.fail(weights_node, f"{what} weights must be a list of rows, one per neuron",
                            f"for one neuron write the row inside brackets: "
                            f"[[{', '.join(clip(text, 12) for text in written[:4])}"
                            f"{', …' if len(rows) > 4 else ''}]]")
        if len(rows) != n:
            raise self.fail(weights_node, f"{what} has {_count(n, 'neuron')} but weights has "
                            f"{_count(len(rows), 'row')}",
                            f"write one row per neuron, each with {_count(width, 'weight')} "
                            "(one per unit of the layer before)")
        weights = []
        for j, row in enumerate(rows, start=1):
            row_seq = self.sequence(row, f"row {j} of {what} weights")
            if len(row_seq.items) != width:
                raise self.fail(row_seq, f"row {j} of {what} weights (into {clip(neurons[j - 1])})"
                                f" has {_count(len(row_seq.items), 'entry', 'entries')}; it needs "
                                f"{width}, one per unit of the layer before",
                                "each row holds the weights into one neuron, one per unit of "
                                "the layer before (W·x + b)")
            weights.append([self.number(w, f"a weight in {what}") for w in row_seq.items])
        return weights

    def alpha_used(self, layer: Map, names: list[str]) -> None:
        if "alpha" in layer.items and not any(ACTIVATION_FUNCTIONS[n].takes_alpha
                                              for n in names):
            takers = [f.name for f in ACTIVATION_FUNCTIONS.values() if f.takes_alpha]
            raise self.fail(layer.key_marks["alpha"], f"alpha applies to {', '.join(takers)} only",
                            f"leave it out, or use 'activation: {takers[0]}'")

    def activations(self, layer: Map, what: str, n: int, last: bool) -> list[Activation]:
        node = self.require(layer, "activation", what, "activations: " + ", ".join(ACTIVATIONS))
        alpha = math.nan  # none given: each function's own default (leaky_relu 0.01, elu 1)
        if "alpha" in layer.items:
            alpha = self.number(layer.items["alpha"], "alpha")
        if isinstance(node, Seq):
            if len(node.items) != n:
                raise self.fail(node, f"{what} has {_count(n, 'neuron')} but "
                                f"{_count(len(node.items), 'activation')}",
                                "give one activation for the layer, or one per neuron")
            names = [self.activation_name(item) for item in node.items]
            whole = next((a for a in names if ACTIVATION_FUNCTIONS[a].layerwise), None)
            if whole is not None:
                raise self.fail(node, f"{whole} applies to a whole layer",
                                f"write 'activation: {whole}' for the output layer")
            self.alpha_used(layer, names)
            return [Activation(name, alpha) for name in names]
        name = self.activation_name(node)
        self.alpha_used(layer, [name])
        if ACTIVATION_FUNCTIONS[name].layerwise and not last:
            raise self.fail(node, f"{name} is only allowed on the output layer")
        return [Activation(name, alpha)] * n

    def activation_name(self, node: Node) -> str:
        written = self.text(node, "activation")
        value = ACTIVATION_ALIASES.get(written, written)
        if value not in ACTIVATIONS:
            raise self.fail(node, f"unknown activation {clip(written)!r}",
                            _suggest(value, ACTIVATIONS + tuple(ACTIVATION_ALIASES))
                            or "activations: " + ", ".join(ACTIVATIONS))
        return value

    def examples(self, top: Map, width: int, outputs: list[str], loss: Loss) -> list[Example]:
        if "examples" in top.items:
            for key in ("input", "target"):
                if key in top.items:
                    raise self.fail(top.key_marks[key], f"give either {key!r} or 'examples', "
                                    "not both")
            seq = self.sequence(top.items["examples"], "examples")
            if not seq.items:
                raise self.fail(seq, "examples is empty")
            result = []
            for k, item in enumerate(seq.items, start=1):
                example = self.mapping(item, f"example {k}")
                self.check_keys(example, ("input", "target"), f"example {k}")
                result.append(self.example(example, f"example {k}", width, outputs, loss))
            return result
        if "input" not in top.items and "target" not in top.items:
            raise self.fail(top, "the problem has no 'input' and 'target' (or 'examples')",
                            f"add e.g. 'input: {[1] * width}' and 'target: {[1] * len(outputs)}'")
        return [self.example(top, "the problem", width, outputs, loss)]

    def example(self, node: Map, what: str, width: int, outputs: list[str], loss: Loss) -> Example:
        inputs = self.numbers(self.require(node, "input", what), "input", width)
        target_node = self.require(node, "target", what,
                                   f"one target per output neuron ({', '.join(outputs)})")
        if isinstance(target_node, Scalar) and isinstance(target_node.value, str):
            if not loss.target_by_name:
                by_name = [n for n, f in LOSS_FUNCTIONS.items() if f.target_by_name]
                raise self.fail(target_node, "a target given by name needs loss: "
                                + " or ".join(by_name),
                                "otherwise write the numbers, one per output "
                                f"({', '.join(outputs)})")
            if target_node.value not in outputs:
                raise self.fail(target_node, f"{clip(target_node.value)!r} is not an output neuron",
                                _suggest(target_node.value, outputs)
                                or "outputs: " + ", ".join(outputs))
            targets = [1.0 if name == target_node.value else 0.0 for name in outputs]
        else:
            targets = self.numbers(target_node, "target", len(outputs))
        problem = loss.target_problem(targets)
        if problem is not None:
            raise self.fail(target_node, *problem)
        return Example(inputs, targets)


def _describe(node: Node) -> str:
    if isinstance(node, Scalar):
        return "nothing" if node.value is None else repr(clip(node.text))
    return "a list" if isinstance(node, Seq) else "a mapping"


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _absent(node: Node | None) -> bool:
    """A key left out, or written with no value (``round:`` or ``round: null``)."""
    return node is None or (isinstance(node, Scalar) and node.value is None)


def _given(node: Node | None) -> Node | None:
    """The node, or None where it is absent (left out, or written with no value)."""
    return None if _absent(node) else node


# -- computation graphs (kind: graph) ---------------------------------------------------------

_GRAPH_KEYS = ("bptutor", "kind", "title", "source", "round", "inputs", "nodes", "output",
               "output_gradient", "parameters", "learning_rate")


def _graph_kind(root: Node) -> Scalar | None:
    """The ``kind: graph`` node of a computation graph's file, else None."""
    kind = root.get("kind") if isinstance(root, Map) else None
    return kind if isinstance(kind, Scalar) and kind.text == "graph" else None


class GraphValidator(Validator):
    """The checks of a ``kind: graph`` file; names are identifiers such as a, x1, dot."""

    reserved: dict[str, str] = {}  # no E in a graph: its loss is the output node

    def __init__(self, path: str, text: str):
        super().__init__(path)
        self._lines = re.split(r"\r\n|\r|\n", text)  # the text load() read: never read twice

    def graph(self, root: Node) -> Graph:
        top = self.mapping(root, "a problem file")
        for key in top.items:
            if key not in _GRAPH_KEYS:
                hint = _suggest(key, _GRAPH_KEYS) or "a graph problem has: " + ", ".join(
                    _GRAPH_KEYS)
                if key in _TOP_KEYS:
                    hint = f"{key!r} belongs to network problems; {hint}"
                raise self.fail(top.key_marks[key], f"unknown key {clip(key)!r} in a graph "
                                "problem", hint)
        version = top.get("bptutor")
        if not (isinstance(version, Scalar) and version.value == 1
                and not isinstance(version.value, bool)):
            given = _given(version)
            problem = ("the format version is missing" if given is None
                       else f"unsupported format version {_describe(given)}")
            raise self.fail(version or top, problem, "this bptutor reads 'bptutor: 1'")
        title, source = self.title_and_source(top)
        digits = None if _absent(top.get("round")) else self.digits(top.items["round"])
        places: dict[str, Mark] = {}
        inputs = self.graph_inputs(top, places)
        nodes = self.graph_nodes(top, inputs, places)
        output = self.graph_output(top, inputs, nodes)
        marks = {key: top.key_marks[key] for key in top.items}
        graph = Graph(self.path, title, source, digits, inputs, nodes, output, marks, places)
        gradient = _given(top.get("output_gradient"))
        if gradient is not None:
            graph.output_gradient = self.number(gradient, "output_gradient")
            loss = graph.loss_name  # the gradients become dL/d…: L must name nothing else
            if loss != output and loss in self.names:
                raise self.fail(gradient, f"with an output_gradient the gradients are "
                                f"d{loss}/d…, and {loss!r} already names an input or node",
                                f"rename {loss!r}, or make it the output")
        graph.learning_rate, graph.updated = self.graph_update(top, graph)
        return graph

    def graph_update(self, top: Map, graph: Graph) -> tuple[float | None, tuple[str, ...]]:
        """SPEC §6: ``parameters`` (inputs of the graph) with a ``learning_rate`` add a new(w)
        step each; either one without the other is an error at it."""
        rate_node, listed = _given(top.get("learning_rate")), _given(top.get("parameters"))
        if rate_node is None and listed is None:
            return None, ()
        if listed is None:
            example = ", ".join(list(graph.inputs)[:2])
            raise self.fail(rate_node, "learning_rate needs 'parameters': the inputs it updates",
                            f"add e.g. 'parameters: [{example}]'")
        if rate_node is None:
            raise self.fail(listed, "parameters are updated with a learning_rate, and the "
                            "problem gives none", "add e.g. 'learning_rate: 0.1'")
        rate = self.number(rate_node, "learning_rate")
        if rate <= 0:
            raise self.fail(rate_node, "learning_rate must be positive")
        if not isinstance(listed, Seq) or not listed.items:
            raise self.fail(listed, "parameters must be a list of input names, like [w, b]")
        needed, updated = graph.depends(), list[str]()
        for item in listed.items:
            name = self.text(item, "a name in parameters")
            if name not in graph.inputs:
                hint = ("parameters are inputs; a node is computed, not updated"
                        if name in graph.nodes else _suggest(name, graph.inputs)
                        or "inputs: " + ", ".join(graph.inputs))
                raise self.fail(item, f"{clip(name)!r} is not an input of the graph", hint)
            if name in updated:
                raise self.fail(item, f"{name!r} is listed twice in parameters")
            if name not in needed:
                raise self.fail(item, f"the output {graph.output!r} does not depend on "
                                f"{name!r}: it has no gradient to update it with",
                                "leave it out of parameters")
            updated.append(name)
        return rate, tuple(updated)

    def graph_name(self, name: str, mark: Mark, what: str) -> str:
        from bptutor.model.expression import FUNCTIONS, NAME  # only graphs pay for the parser

        if not NAME.fullmatch(name):
            raise self.fail(mark, f"{clip(name)!r} is not a usable name for {what}",
                            "in a graph, names start with a letter and hold letters, digits "
                            "and _ (like x1 or dot)")
        if name in FUNCTIONS:
            raise self.fail(mark, f"{name!r} is the name of a function", "choose another name")
        return self.claim(name, mark, "inputs and nodes need different names")

    def graph_inputs(self, top: Map, places: dict[str, Mark]) -> dict[str, float]:
        node = self.require(top, "inputs", "the graph problem", "e.g. inputs: {a: 3, b: 1}")
        if not isinstance(node, Map):
            raise self.fail(node, "inputs must map each input's name to its value",
                            "e.g. inputs: {a: 3, b: 1}")
        inputs = {}
        for name, value in node.items.items():
            self.graph_name(name, node.key_marks[name], "an input")
            inputs[name] = self.number(value, f"input {name}")
            places[name] = value.mark
        return inputs

    def graph_nodes(self, top: Map, inputs: dict[str, float],
                    places: dict[str, Mark]) -> dict[str, Expr]:
        node = self.require(top, "nodes", "the graph problem", "e.g. nodes: {d: 2*b, L: a + d}")
        if not isinstance(node, Map) or not node.items:
            raise self.fail(node, "nodes must map each node's name to its expression, in order",
                            "e.g. nodes: {d: 2*b, L: a + d}")
        if len(node.items) > MAX_GRAPH_NODES:
            raise self.fail(node, f"the graph has {len(node.items):,} nodes, more than the "
                            f"{MAX_GRAPH_NODES:,} bptutor works through",
                            "an exercise graph has a few nodes")
        later, defined = set(node.items), set(inputs)  # sets: a 20,000-node chain stays linear
        nodes: dict[str, Expr] = {}
        for name, value in node.items.items():
            self.graph_name(name, node.key_marks[name], "a node")
            nodes[name] = self.expression(value, name, defined, later)
            places[name] = value.mark
            defined.add(name)
            later.discard(name)
        used = set().union(*(expr.names for expr in nodes.values()))
        for name in inputs:
            if name not in used:
                raise self.fail(self.names[name], f"input {name!r} is not used by any node",
                                "use it in a node, or remove it")
        return nodes

    def expression(self, node: Node, name: str, defined: set[str], later: set[str]) -> Expr:
        from bptutor.model.expression import Num, parse

        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(
                node.value, bool):
            return Num(float(node.value), node.mark)
        if not (isinstance(node, Scalar) and isinstance(node.value, str)):
            raise self.fail(node, f"node {name!r} needs an expression, like 'a + 2*b', or a "
                            f"number, not {_describe(node)}")
        return parse(node.value, self.path, self.where(node), defined, later)

    def graph_output(self, top: Map, inputs: dict[str, float], nodes: dict[str, Expr]) -> str:
        node = _given(top.get("output"))
        if node is None:
            return list(nodes)[-1]
        name = self.text(node, "output")
        if name not in nodes:
            hint = (f"{name!r} is an input; the output is one of the nodes" if name in inputs
                    else _suggest(name, nodes) or "nodes: " + ", ".join(nodes))
            raise self.fail(node, f"the output {clip(name)!r} is not a node", hint)
        return name

    def where(self, node: Scalar):
        """Character i of a scalar's text → its place in the file: exact for a plain scalar
        on one line; found line by line in the file for quoted, block and folded scalars."""
        segments = _segments(node, self.source_lines())

        def at(i: int) -> Mark:
            offset, line, col = max((s for s in segments if s[0] <= i), default=segments[0])
            return Mark(line, col + max(i - offset, 0))

        return at

    def source_lines(self) -> list[str]:
        return self._lines


def _segments(node: Scalar, lines: list[str] | None) -> list[tuple[int, int, int]]:
    """(offset in the scalar's text, line, column) where each written line of it starts."""
    line, col, text = node.mark.line, node.mark.col, node.text
    if lines is None or line > len(lines):
        return [(0, line, col + node.quoted)]
    first = lines[line - 1][col - 1:]
    if node.quoted and first[:1] in ("'", '"'):
        first, col = first[1:], col + 1
    elif node.quoted and first[:1] in ("|", ">"):
        first = ""  # a block scalar starts on the next line
    # lazily: most scalars end on their first line, and a graph has one per node
    rows = itertools.chain([(line, col, first)], (
        (n + 1, len(row) - len(row.lstrip()) + 1, row.strip())
        for n, row in enumerate(itertools.islice(lines, line, line + 200), start=line)))
    segments, cursor = [], 0
    for row, column, written in rows:
        while cursor < len(text) and text[cursor].isspace():
            cursor += 1
        if cursor >= len(text):
            break
        n = len(os.path.commonprefix([written, text[cursor:]]))
        if n == 0:
            if written:
                break
            continue
        segments.append((cursor, row, column))
        cursor += n
    return segments or [(0, line, col)]
