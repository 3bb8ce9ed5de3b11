"""Problem files: read, validate against SPEC §1, and build the network they describe.

Every check points at the node that is wrong, so a student sees ``file:line:col: error: …``
and a hint in the words of the exercise ("layer 2 has 2 neurons but weights has 3 rows").
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bptutor.errors import BptutorError, Mark
from bptutor.functions import ACTIVATION_ALIASES, ACTIVATIONS, LOSSES, Activation, Loss
from bptutor.yamlfile import Map, Node, Scalar, Seq, clip, read

NOTATIONS = ("activation", "delta")
_NAME = re.compile(r"[^\W\d][\w\[\],.']*")
_TOP_KEYS = ("bptutor", "kind", "title", "source", "round", "notation", "loss", "network",
             "input", "target", "examples", "learning_rate", "update_biases")
_LAYER_KEYS = ("neurons", "activation", "alpha", "weights", "weight_names", "bias",
               "bias_names")
_RESERVED = {"E": "the loss"}  # names that are quantity keys of their own (SPEC §2)


@dataclass
class Layer:
    index: int  # 1-based
    neurons: list[str]
    activations: list[Activation]
    weights: list[list[float]]  # one row per neuron: its incoming weights
    weight_names: list[list[str]]
    bias: list[float] | None
    bias_names: list[str] | None
    weights_given: bool = True  # False: left out for 'bptutor train' to draw (weights are NaN)

    @property
    def softmax(self) -> bool:
        return self.activations[0].name == "softmax"


@dataclass
class Example:
    inputs: list[float]
    targets: list[float]


@dataclass
class Network:
    path: str
    title: str
    source: str | None
    round: int | None
    notation: str
    loss: Loss
    inputs: list[str]
    layers: list[Layer]
    examples: list[Example]
    learning_rate: float | None = None
    update_biases: bool = True
    marks: dict[str, Mark] = field(default_factory=dict)  # where top-level keys were written

    @property
    def outputs(self) -> list[str]:
        return self.layers[-1].neurons

    def error(self, key: str, message: str, hint: str | None = None) -> BptutorError:
        """An error found while computing, placed at the top-level key that explains it."""
        return BptutorError(self.path, self.marks.get(key), message, hint)


# -- finding a problem --------------------------------------------------------------------

def bundled_dir() -> Path:
    """Where the bundled problems live: inside the installed package (the wheel maps
    problems/ to bptutor/problems), else problems/ beside the package in a source checkout."""
    package = Path(__file__).resolve().parent
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


def load(name: str | Path, untrained: bool = False) -> Network:
    """``untrained``: layers may leave out their weights (only ``bptutor train`` allows it)."""
    path = locate(str(name))
    return Validator(str(path), untrained).network(read(path))


# -- validation ---------------------------------------------------------------------------

def _suggest(word: str, choices) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean {close[0]!r}?" if close else None


class Validator:
    def __init__(self, path: str, untrained: bool = False):
        self.path = path
        self.untrained = untrained  # layers may leave out weights, to be drawn by training
        self.names: dict[str, Mark] = {}

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

    def name(self, node: Node, what: str) -> str:
        return self.new_name(self.text(node, what), node.mark, what)

    def claim(self, name: str, mark: Mark) -> str:
        if name in _RESERVED:
            raise self.fail(mark, f"the name {name!r} is reserved for {_RESERVED[name]}",
                            "choose another name")
        if name in self.names:
            raise self.fail(mark, f"the name {clip(name)!r} is used twice",
                            f"first used on line {self.names[name].line}; "
                            "every name in a problem must be unique")
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
        self.check_keys(top, _TOP_KEYS, "the problem")
        version = self.require(top, "bptutor", "the problem", "add 'bptutor: 1' as the first line")
        if not (isinstance(version, Scalar) and version.value == 1
                and not isinstance(version.value, bool)):
            problem = ("the format version is missing" if _absent(version)
                       else f"unsupported format version {_describe(version)}")
            raise self.fail(version, problem, "this bptutor reads 'bptutor: 1'")
        kind = top.get("kind")
        if kind is not None and self.text(kind, "kind") != "network":
            if kind.text == "graph":
                raise self.fail(kind, "computation-graph problems are not supported yet")
            raise self.fail(kind, f"unknown kind {clip(kind.text)!r}", "kinds: network, graph")
        title = Path(self.path).stem
        if "title" in top.items:
            title = self.text(top.items["title"], "title")
        source = self.text(top.get("source"), "source") if "source" in top.items else None
        digits = None
        if not _absent(top.get("round")):
            digits = self.digits(top.items["round"])
        notation = "activation"
        if "notation" in top.items:
            notation = self.choice(top.items["notation"], NOTATIONS, "notation")
        loss_node = self.require(top, "loss", "the problem", "losses: " + ", ".join(LOSSES))
        loss = Loss(self.choice(loss_node, LOSSES, "loss"))

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
        marks = {key: top.key_marks[key] for key in top.items}
        return Network(self.path, title, source, digits, notation, loss, inputs, layers,
                       examples, rate, update_biases, marks)

    def digits(self, node: Node) -> int:
        if not (isinstance(node, Scalar) and isinstance(node.value, int)
                and not isinstance(node.value, bool) and 0 <= node.value <= 12):
            raise self.fail(node, "round must be a whole number of decimals from 0 to 12",
                            "leave it out (or write 'round: null') to compute exactly")
        return node.value

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

        if "weights" not in layer.items:
            if not self.untrained:
                raise self.fail(layer, f"{what} has no weights: give them, or run "
                                "'bptutor train' with --save",
                                f"one row per neuron, each with {_count(width, 'weight')}; "
                                "'bptutor train FILE --save NEW' draws them from --seed, "
                                "trains, and writes them out")
            weights, weights_node = [[math.nan] * width for _ in range(n)], layer
        else:
            weights_node = self.sequence(layer.items["weights"], f"{what} weights")
            weights = self.weight_rows(weights_node, what, neurons, width)

        rows = weights_node.items
        if n == 1 and rows and all(isinstance(row, Scalar) for row in rows):
            raise self.fail(weights_node, f"{what} weights must be a list of rows, one per neuron",
                            f"for one neuron write the row inside brackets: "
                            f"[[{', '.join(clip(row.text, 12) for row in rows[:4])}"
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
                weight_names.append([self.name(item, "a weight") for item in row_seq.items])
        else:
            weight_names = [[self.claim(f"W{k}[{j},{i}]", weights_node.mark)
                             for i in range(1, width + 1)] for j in range(1, n + 1)]

        bias = bias_names = None
        bias_node = layer.get("bias")
        no_bias = bias_node is None or (isinstance(bias_node, Scalar) and bias_node.value is None)
        if not no_bias:
            if isinstance(bias_node, Scalar):
                bias = [self.number(bias_node, f"{what} bias")] * n
            else:
                bias = self.numbers(bias_node, f"{what} bias", n)
            if "bias_names" in layer.items:
                names_node = self.sequence(layer.items["bias_names"], f"{what} bias_names")
                if len(names_node.items) != n:
                    raise self.fail(names_node, f"{what} bias_names has "
                                    f"{_count(len(names_node.items), 'entry', 'entries')}; "
                                    f"the layer has {_count(n, 'neuron')}")
                bias_names = [self.name(item, "a bias") for item in names_node.items]
            else:
                mark = layer.key_marks["bias"]
                bias_names = [self.claim(f"b{k}[{j}]", mark) for j in range(1, n + 1)]
        elif "bias_names" in layer.items:
            raise self.fail(layer.key_marks["bias_names"], f"{what} has bias_names but no bias")
        return Layer(k, neurons, activations, weights, weight_names, bias, bias_names)

    def activations(self, layer: Map, what: str, n: int, last: bool) -> list[Activation]:
        node = self.require(layer, "activation", what, "activations: " + ", ".join(ACTIVATIONS))
        alpha = 0.01
        if "alpha" in layer.items:
            alpha = self.number(layer.items["alpha"], "alpha")
        if isinstance(node, Seq):
            if len(node.items) != n:
                raise self.fail(node, f"{what} has {_count(n, 'neuron')} but "
                                f"{_count(len(node.items), 'activation')}",
                                "give one activation for the layer, or one per neuron")
            names = [self.activation_name(item) for item in node.items]
            if "softmax" in names:
                raise self.fail(node, "softmax applies to a whole layer",
                                "write 'activation: softmax' for the output layer")
            return [Activation(name, alpha) for name in names]
        name = self.activation_name(node)
        if name == "softmax" and not last:
            raise self.fail(node, "softmax is only allowed on the output layer")
        return [Activation(name, alpha)] * n

    def activation_name(self, node: Node) -> str:
        value = self.text(node, "activation")
        value = ACTIVATION_ALIASES.get(value, value)
        if value not in ACTIVATIONS:
            raise self.fail(node, f"unknown activation {clip(node.text)!r}",
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
            if loss.name != "cross_entropy":
                raise self.fail(target_node, "a target given by name needs loss: cross_entropy",
                                "otherwise write the numbers, one per output "
                                f"({', '.join(outputs)})")
            if target_node.value not in outputs:
                raise self.fail(target_node, f"{clip(target_node.value)!r} is not an output neuron",
                                _suggest(target_node.value, outputs)
                                or "outputs: " + ", ".join(outputs))
            targets = [1.0 if name == target_node.value else 0.0 for name in outputs]
        else:
            targets = self.numbers(target_node, "target", len(outputs))
        if loss.name == "binary_cross_entropy" and any(not 0 <= t <= 1 for t in targets):
            raise self.fail(target_node, "binary cross-entropy targets lie between 0 and 1")
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
