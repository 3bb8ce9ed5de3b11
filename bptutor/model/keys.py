"""The quantity-key grammar (SPEC §2): every key is built, parsed and canonicalised here.

    z(q)       preactivation of neuron q        q         activation of q (a graph: node q)
    E          the loss                         dE/dq     error derivative at q's output
    dE/dz(q)   error derivative at z(q) (δ)     dE/du3    gradient of weight or bias u3
    new(u3)    u3 after the update step         t(y)      target of output y
    η()        the learning rate                …@k       per-example key of example k

SPEC §6 adds the dialects' keys:

    delta(q)   δ = −dE/dz(q) (delta_rule)       change(u3) Δu3, the step added to u3
    slope(q)   σ′ at neuron q                   E(y)      the loss term of output y
    e(y)       t − y at output y

SPEC §7 adds the optimisers' keys and update numbers:

    velocity(u3)  momentum's velocity           m(u3), v(u3)        Adam's moments
    mhat(u3), vhat(u3)  their bias corrections  …#k                 the key in update k

A graph differentiates its output (``dL/da``) in place of E. Names never hold ``( ) / @ +``
(the loaders' name rules), so every key reads back one way only.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, replace
from functools import lru_cache

LOSS = "E"  # the loss's key, and the differentiated output of a network
RATE = "η()"  # the learning rate's key: parentheses keep it apart from every user name


def preactivation(neuron: str) -> str:
    return f"z({neuron})"


def derivative(name: str, of: str = LOSS) -> str:
    """dE/dq: the error at neuron q's output, a weight's gradient, a graph's dL/da."""
    return f"d{of}/d{name}"


def delta(neuron: str, of: str = LOSS) -> str:
    """dE/dz(q): the error at neuron q's preactivation."""
    return derivative(preactivation(neuron), of)


def update(name: str) -> str:
    return f"new({name})"


def target(output: str) -> str:
    return f"t({output})"


def delta_rule(neuron: str) -> str:
    """delta(q): the generalised delta rule's δ = −dE/dz(q) (SPEC §6)."""
    return f"delta({neuron})"


def change(name: str) -> str:
    """change(u3): Δu3, the step ``new(u3)`` adds to u3 (SPEC §6)."""
    return f"change({name})"


def slope(neuron: str) -> str:
    """slope(q): σ′ at neuron q as a step of its own (SPEC §6 ``show: [slope]``)."""
    return f"slope({neuron})"


def loss_term(output: str) -> str:
    """E(y): output y's term of the loss (SPEC §6 ``show: [loss_terms]``)."""
    return f"{LOSS}({output})"


def output_error(output: str) -> str:
    """e(y) = t − y (SPEC §6 ``show: [output_error]``)."""
    return f"e({output})"


def velocity(name: str) -> str:
    """velocity(u3): momentum's running step (SPEC §7)."""
    return f"velocity({name})"


def moment(which: str, name: str) -> str:
    """Adam's m(u3), v(u3), mhat(u3) or vhat(u3) (SPEC §7)."""
    return f"{which}({name})"


MOMENTS = ("m", "v", "mhat", "vhat")

# the optimisers' constants, keyed apart from every user name (as η() is)
MOMENTUM, L2, BETA1, BETA2, EPSILON = "μ()", "λ()", "β1()", "β2()", "ε()"
CONSTANTS = (MOMENTUM, L2, BETA1, BETA2, EPSILON)


def numbered(key: str, update: int | None) -> str:
    """The key in update ``update`` (SPEC §7: after any ``@j``); None: the key itself (a
    sheet of one update)."""
    return key if update is None else f"{key}#{update}"


def at(key: str, example: int | None) -> str:
    """The per-example key of example ``example`` (1-based); None: the key itself (a total,
    or a problem with one example)."""
    return key if example is None else f"{key}@{example}"


# -- parsing ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Key:
    """A key's parts. ``form`` is value (an activation, node, given or E), z, d (dE/dq),
    dz (dE/dz(q)), new, t, rate, or a SPEC §6 form (delta, change, slope, term, e); ``of``
    is the differentiated output of d and dz."""

    form: str
    name: str
    example: int | None = None
    of: str = LOSS
    update: int | None = None  # SPEC §7: the update number k of ``…#k``

    def __str__(self) -> str:
        return numbered(at(_BUILD[self.form](self.name, self.of), self.example), self.update)


_BUILD = {
    "value": lambda name, of: name,
    "z": lambda name, of: preactivation(name),
    "d": derivative,
    "dz": delta,
    "new": lambda name, of: update(name),
    "t": lambda name, of: target(name),
    "rate": lambda name, of: RATE,
    "delta": lambda name, of: delta_rule(name),
    "change": lambda name, of: change(name),
    "slope": lambda name, of: slope(name),
    "term": lambda name, of: loss_term(name),
    "e": lambda name, of: output_error(name),
    "velocity": lambda name, of: velocity(name),
    **{which: (lambda form: lambda name, of: moment(form, name))(which) for which in MOMENTS},
}

_FORMS = [  # first match wins: dz before d, as dE/dz(q) is no derivative by a name "z(q)"
    ("dz", re.compile(r"d(?P<of>[^/@]+)/dz\((?P<name>[^()@]+)\)")),
    ("d", re.compile(r"d(?P<of>[^/@]+)/d(?P<name>[^/@]+)")),
    ("z", re.compile(r"z\((?P<name>[^()@]+)\)")),
    ("new", re.compile(r"new\((?P<name>[^()@]+)\)")),
    ("t", re.compile(r"t\((?P<name>[^()@]+)\)")),
    ("delta", re.compile(r"delta\((?P<name>[^()@]+)\)")),
    ("change", re.compile(r"change\((?P<name>[^()@]+)\)")),
    ("slope", re.compile(r"slope\((?P<name>[^()@]+)\)")),
    ("term", re.compile(LOSS + r"\((?P<name>[^()@]+)\)")),
    ("e", re.compile(r"e\((?P<name>[^()@]+)\)")),
    ("velocity", re.compile(r"velocity\((?P<name>[^()@]+)\)")),
    *[(which, re.compile(which + r"\((?P<name>[^()@]+)\)")) for which in MOMENTS],
]
_EXAMPLE = re.compile(r"(?P<key>.+)@(?P<example>[1-9][0-9]*)")
_UPDATE = re.compile(r"(?P<key>.+)#(?P<update>[1-9][0-9]*)")


def parse(key: str) -> Key:
    """The parts of ``key``; any text without a key's shape is a value's name."""
    update = None
    numbered_ = _UPDATE.fullmatch(key)
    if numbered_:
        key, update = numbered_["key"], int(numbered_["update"])
    return replace(_parse_example(key), update=update)


def _parse_example(key: str) -> Key:
    example = None
    suffixed = _EXAMPLE.fullmatch(key)
    if suffixed:
        key, example = suffixed["key"], int(suffixed["example"])
    if key == RATE:
        return Key("rate", "", example)
    for form, pattern in _FORMS:
        match = pattern.fullmatch(key)
        if match:
            return Key(form, match["name"], example, match.groupdict().get("of") or LOSS)
    return Key("value", key, example)


def base(key: str) -> str:
    """The key without its example and update suffixes: ``z(q)@2#3`` → ``z(q)``."""
    return str(replace(parse(key), example=None, update=None))


# -- what students write ------------------------------------------------------------------

_TYPED = str.maketrans({"−": "-", "–": "-", "∂": "d", "’": "'", "′": "'"})
_GREEK = {"δ(": "delta(", "Δ(": "change("}  # SPEC §6: δ(j) and Δ(w) as typed


@lru_cache(maxsize=65_536)  # a class writes the same keys in every file
def clean(written: str) -> str:
    """A key as typed, with ∂, typographic quotes and minus signs and spaces normalised."""
    return written.strip().translate(_TYPED).replace(" ", "")


def canonical(written: str, known: Container[str]) -> str:
    """The sheet key a student means (SPEC §2 aliases: ∂E/∂q → dE/dq, a(q) → q, u3' and
    u3+ → new(u3); SPEC §6: δ(j) → delta(j), Δ(w) → change(w)). A key the sheet has
    (``known``) is taken as written, so the activation of a neuron named h' stays h'; only a
    key the sheet lacks is read as an alias."""
    key = clean(written)
    if key in known:
        return key
    return _alias(key)


def _alias(key: str) -> str:
    key, hash_sign, update = key.partition("#")
    return _alias_example(key) + hash_sign + update


def _alias_example(key: str) -> str:
    stem, at_sign, example = key.partition("@")
    for greek, word in _GREEK.items():
        if stem.startswith(greek):
            return word + stem[len(greek):] + at_sign + example
    if stem.startswith("a(") and stem.endswith(")"):
        stem = stem[2:-1]
    elif stem.endswith(("'", "+")):
        stem = update(stem[:-1])
    return stem + at_sign + example
