"""Marking a student's answers as a careful human marker would (SPEC §4).

Each answer is compared with the worksheet's step of the same key. A number that is not
right may still earn the point: through a legitimate rounding path (``accepted``), or
because it is right from the student's own earlier numbers (``follow_through``). A wrong
number gets a diagnosis when one known mistake explains it: the mistake is applied to the
step's own formula (its op tree) and recomputed — never looked up in a table.
"""

from __future__ import annotations

import decimal
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from bptutor.errors import BptutorError, OptionError
from bptutor.files.answers import (
    Answer,
    AnswersFile,
    ProblemRef,
    load_named_problem,
    load_problem,
    problem_ref,
)
from bptutor.files.problems import locate
from bptutor.model import keys, paper
from bptutor.model.network import Network
from bptutor.model.rounding import Rounding, show_exact
from bptutor.sheet.ops import Increment, Negated, Op, Product, Ref, Slope, Step, Sum, Update
from bptutor.sheet.worksheet import Worksheet, selected
from bptutor.sheet.worksheet import solve as solve_sheet

# SPEC §4: the verdicts that earn the point; every score, test count and style reads this one.
EARNS_POINT = frozenset({"correct", "accepted", "follow_through"})
# The TA's policy for follow-through: the point it earns (where the step shows something).
FOLLOW_THROUGH = {"full": 1.0, "half": 0.5, "none": 0.0}

DIAGNOSES = {
    "missing_term": "a term of the sum is left out",
    "missing_derivative": "the activation derivative σ′ is missing",
    "derivative_at_activation": "σ′ is taken at the activation instead of the preactivation",
    "wrong_activation_derivative": "the derivative of the wrong activation is used",
    "update_sign": "the update adds η·gradient instead of subtracting it",
    "factor2": "a factor 2 is dropped or added",
    "sign": "the sign is flipped",
    "decimal_shift": "the decimal point is shifted",
}


@dataclass(slots=True)  # made for every answer of a class: slots are quicker
class Item:
    key: str
    given: float | str | None
    expected: float | None
    exact: float | None
    verdict: str
    message: str = ""
    diagnosis: str | None = None
    because: str | None = None
    step: Step | None = None
    written: str | None = None  # the answer as the student wrote it (-0.80 stays -0.80)
    points: float | None = None  # set by the grader's policy; else 1 for a point-earning verdict

    @property
    def earned(self) -> float:
        if self.points is not None:
            return self.points
        return 1.0 if self.verdict in EARNS_POINT else 0.0

    @property
    def earns_point(self) -> bool:
        return self.earned > 0

    def as_json(self) -> dict:
        data = {"key": self.key, "given": self.given, "expected": self.expected,
                "exact": self.exact, "verdict": self.verdict, "message": self.message}
        if self.diagnosis:
            data["diagnosis"] = self.diagnosis
        if self.because:
            data["because"] = self.because
        return data


MARKED, MISMATCH = "marked", "mismatch"  # a report's status (an unmarked file's is "error")


@dataclass
class Report:
    path: str
    student: str | None
    sheet: Worksheet
    items: list[Item] = field(default_factory=list)
    problem: ProblemRef | None = None  # the problem it was marked against
    status: str = MARKED  # MISMATCH: marked against --problem, but the file names another
    note: str = ""  # why the status is not MARKED

    @property
    def max_score(self) -> int:
        return sum(1 for item in self.items if item.verdict != "unknown")

    @property
    def score(self) -> int | float:
        # Item.earned, unrolled: this runs for every file of a class, several times
        total = sum([(1.0 if item.verdict in EARNS_POINT else 0.0) if item.points is None
                     else item.points for item in self.items])
        return int(total) if total == int(total) else total

    @property
    def all_right(self) -> bool:
        return self.score == self.max_score

    def as_json(self) -> dict:
        return self.json_with([item.as_json() for item in self.items])

    def json_with(self, items: object) -> dict:
        """SPEC §5's object of the report, its items as given (a view may write them)."""
        data = {"path": self.path, "score": self.score, "max_score": self.max_score,
                "items": items, "status": self.status,
                "problem": self.problem.as_json() if self.problem else None}
        if self.note:
            data["note"] = self.note
        return data


# -- mistakes applied to an op tree ----------------------------------------------------------

class _Leaf:
    """A factor with the same inputs as the one it replaces, computing something else."""

    def __init__(self, inputs, fn):
        self.inputs, self.fn, self.formula = inputs, fn, ""

    def value(self, v, R):
        return self.fn(v)


class _Scaled:
    def __init__(self, op, factor: float):
        self.op, self.factor, self.inputs = op, factor, op.inputs

    def value(self, v, R):
        return paper.given(self.factor) * self.op.value(v, R)


def _rebuild(op, replace) -> Iterator:
    """Every op obtained by replacing one node (or each slope, see ``_all_slopes``)."""
    for new in replace(op):
        yield new
    if isinstance(op, Product):
        for i, factor in enumerate(op.factors):
            for new in _rebuild(factor, replace):
                yield Product(op.factors[:i] + [new] + op.factors[i + 1:])
    elif isinstance(op, Sum):
        for i, term in enumerate(op.terms):
            for new in _rebuild(term, replace):
                yield Sum(op.terms[:i] + [new] + op.terms[i + 1:], op.round_terms)
    elif isinstance(op, Negated):  # a threshold's −θ, dE/dθ = −dE/dz, Δw = −η·dE/dw
        for new in _rebuild(op.op, replace):
            yield Negated(new)


def _is_slope(op) -> bool:
    """σ′ inline, or a ``slope(j)`` step read by key (SPEC §6 ``show: [slope]``)."""
    return isinstance(op, Slope) or (isinstance(op, Ref)
                                     and keys.parse(op.inputs[0]).form == "slope")


def _all_slopes(op, swap):
    """The op with every slope swapped (a student makes a σ′ mistake consistently); a slope
    step read by key can only be left out (its activation is the step's own)."""
    if isinstance(op, Slope):
        return swap(op)
    if _is_slope(op):
        return swap(op) if swap is _no_slope else op
    if isinstance(op, Product):
        return Product([_all_slopes(f, swap) for f in op.factors])
    if isinstance(op, Sum):
        return Sum([_all_slopes(t, swap) for t in op.terms], op.round_terms)
    if isinstance(op, Negated):
        return Negated(_all_slopes(op.op, swap))
    return op


def _no_slope(s):
    return _Leaf(s.inputs, lambda v: paper.ONE)


def _has_slope(op) -> bool:
    if _is_slope(op):
        return True
    if isinstance(op, Negated):
        return _has_slope(op.op)
    return any(_has_slope(child) for child in getattr(op, "factors", getattr(op, "terms", [])))


def _has_inline_slope(op) -> bool:
    if isinstance(op, Slope):
        return True
    if isinstance(op, Negated):
        return _has_inline_slope(op.op)
    return any(_has_inline_slope(child)
               for child in getattr(op, "factors", getattr(op, "terms", [])))


def _drop_term(op):
    if isinstance(op, Sum) and len(op.terms) > 1:
        for i, term in enumerate(op.terms):
            yield Sum(op.terms[:i] + [_Leaf(term.inputs, lambda v: paper.ZERO)] + op.terms[i + 1:],
                      op.round_terms)


def _terms_left_out(op) -> Iterator:
    """Each term of each sum in ``op`` left out in turn, the ops ``_rebuild(op, _drop_term)``
    makes (in its order). A long sum's are valued by ``_TermsLeftOut`` instead: rebuilding
    and valuing each afresh costs O(terms) apiece, O(terms²) per wrong sum."""
    if len(op.inputs) <= _FEW_INPUTS:
        yield from _rebuild(op, _drop_term)
        return
    terms = _TermsLeftOut(op)
    for case in range(len(terms.cases)):
        yield _LeftOut(terms, case)


_FEW_INPUTS = 8  # an op this small is rebuilt for each term left out: as fast, and plainer


class _Failed:
    """A node's value that could not be computed (ln 0, …): raised where it is used."""

    def __init__(self, error: Exception):
        self.error = error


class _LeftOut:
    """One term of one sum left out, valued by the ``_TermsLeftOut`` it belongs to."""

    def __init__(self, terms: _TermsLeftOut, case: int):
        self.terms, self.case, self.inputs = terms, case, terms.op.inputs

    def value(self, v: Sequence[Decimal], R: Rounding) -> Decimal:
        return self.terms.value(self.case, v, R)


class _TermsLeftOut:
    """The values of ``op`` with one term of one of its sums left out, for every such term.

    The values of the op's nodes are computed once per list of input values (the nodes on
    the way from the op down to each sum: a product's factors, a sum's terms). A sum without
    term i is then the sum less that term where the decimals make that exact — they do on
    paper: if Σ|terms| is exact in the working precision, every partial sum of any of them
    is — and else the other terms added again. The nodes above it are recombined as their own
    ``value`` combines them (``Product``: 1 times each factor in order; ``Negated``: −x)."""

    def __init__(self, op: Op):
        self.op = op
        # (the nodes above the sum: (node, its offset in op.inputs, the child taken), the
        # sum, its offset, the term left out)
        self.cases: list[tuple[list[tuple[_Parent, int, int]], Sum, int, int]] = []
        self._walk(op, 0, [])
        self._values: dict[int, list] = {}  # id(node) -> its children's values, for _inputs
        self._failed: dict[int, list[int]] = {}  # id(node) -> the children without a value
        self._sums: dict[int, tuple[Decimal, Decimal] | None] = {}
        self._inputs: Sequence[Decimal] = []
        self._rounding: Rounding | None = None

    def _walk(self, node: Op, offset: int, above: list[tuple[_Parent, int, int]]) -> None:
        if isinstance(node, Sum) and len(node.terms) > 1:
            self.cases += [(above, node, offset, i) for i in range(len(node.terms))]
        start = offset
        for j, child in enumerate(_children(node)):
            assert isinstance(node, (Product, Sum, Negated))  # the nodes with children
            self._walk(child, start, [*above, (node, offset, j)])
            start += len(child.inputs)

    def value(self, case: int, v: Sequence[Decimal], R: Rounding) -> Decimal:
        if v is not self._inputs or R is not self._rounding:  # another list: values afresh
            self._inputs, self._rounding = v, R
            self._values, self._failed, self._sums = {}, {}, {}
        above, node, offset, term = self.cases[case]
        x = self._sum_with(node, offset, term, R(paper.ZERO) if node.round_terms else paper.ZERO)
        for parent, start, child in reversed(above):
            if isinstance(parent, Negated):
                x = -x
            elif isinstance(parent, Product):
                result = paper.ONE
                for j, factor in enumerate(self._children_values(parent, start)):
                    result *= x if j == child else _ok(factor)
                x = result
            else:  # a sum holding the sum
                x = self._sum_with(parent, start, child, R(x) if parent.round_terms else x)
        return x

    def _children_values(self, node: _Parent, offset: int) -> list:
        """Each child's value (a sum's terms rounded where it rounds them), or _Failed."""
        if id(node) not in self._values:
            v, R = self._inputs, self._rounding
            assert R is not None
            values: list = []
            start = offset
            for child in _children(node):
                end = start + len(child.inputs)
                try:
                    value = child.value(v[start:end], R)
                    values.append(R(value) if isinstance(node, Sum) and node.round_terms
                                  else value)
                except (ArithmeticError, ValueError) as exc:
                    values.append(_Failed(exc))
                start = end
            self._values[id(node)] = values
            self._failed[id(node)] = [i for i, x in enumerate(values) if isinstance(x, _Failed)]
        return self._values[id(node)]

    def _sum_with(self, node: Sum, offset: int, term: int, x: Decimal) -> Decimal:
        """The sum with term ``term`` valued ``x``, as ``sum(terms, ZERO)`` would add it."""
        values = self._children_values(node, offset)
        failed = self._failed[id(node)]
        if failed and failed != [term]:  # another term has no value: nor has the sum
            raise values[next(i for i in failed if i != term)].error
        exact = self._exact_sum(node, values)
        if exact is not None and isinstance(x, Decimal) and x.is_finite():
            total, size = exact
            context = decimal.getcontext().copy()
            context.clear_flags()
            context.add(size, abs(x))  # every partial sum is at most this: exact if it is
            result = context.add(context.subtract(total, values[term]), x)
            if not context.flags[decimal.Inexact]:
                return result
        return sum([*values[:term], x, *values[term + 1:]], paper.ZERO)

    def _exact_sum(self, node: Sum, values: list) -> tuple[Decimal, Decimal] | None:
        """The sum of the terms and of their sizes, where both are exact in the working
        precision (None where a term is not a finite decimal, or an addition rounds)."""
        if id(node) not in self._sums:
            self._sums[id(node)] = None
            if all(type(t) is Decimal and t.is_finite() for t in values):
                context = decimal.getcontext().copy()
                context.clear_flags()
                total, size = paper.ZERO, paper.ZERO
                for t in values:
                    total, size = context.add(total, t), context.add(size, abs(t))
                if not context.flags[decimal.Inexact]:
                    self._sums[id(node)] = (total, size)
        return self._sums[id(node)]


_Parent = Product | Sum | Negated


def _children(node: Op) -> Sequence[Op]:
    """The nodes ``_rebuild`` goes into."""
    if isinstance(node, Product):
        return node.factors
    if isinstance(node, Sum):
        return node.terms
    if isinstance(node, Negated):
        return [node.op]
    return []


def _ok(value):
    if isinstance(value, _Failed):
        raise value.error
    return value


def _mistaken(s: Slope, mistake: str):
    """The slope as the activation's own mistaken σ′ computes it, if it can be made."""
    slope = s.act.mistaken_slope(mistake)
    return s if slope is None else _Leaf(s.inputs,
                                         lambda v: paper.given(slope(float(v[0]))))


def _slope_at_activation(s: Slope):
    return _mistaken(s, "derivative_at_activation")


def _slope_of_other(s: Slope):
    return _mistaken(s, "wrong_activation_derivative")


class Mistaken(Protocol):
    """An op with a mistake made: only its value is needed, to compare with the answer."""

    def value(self, v: Sequence[Decimal], R: Rounding) -> Decimal: ...


def mistakes(op) -> Iterator[tuple[str, Mistaken]]:
    """(diagnosis code, the op with that mistake made), most specific first."""
    for new in _terms_left_out(op):
        yield "missing_term", new
    if _has_slope(op):
        yield "missing_derivative", _all_slopes(op, _no_slope)
    if _has_inline_slope(op):
        yield "derivative_at_activation", _all_slopes(op, _slope_at_activation)
        yield "wrong_activation_derivative", _all_slopes(op, _slope_of_other)
    if isinstance(op, Update):
        yield "update_sign", _Leaf(op.inputs, lambda v: v[0] + v[1] * v[2])
    if isinstance(op, Increment):  # new(w) = w − Δw
        yield "update_sign", _Leaf(op.inputs, lambda v: v[0] - v[1])
    for factor in (2.0, 0.5):
        yield "factor2", _Scaled(op, factor)
    yield "sign", _Scaled(op, -1.0)
    for factor in (10.0, 0.1):
        yield "decimal_shift", _Scaled(op, factor)


# -- the grader ---------------------------------------------------------------------------------

class Grader:
    """Grades answers against one worksheet; build it once per problem, grade many files."""

    def __init__(self, sheet: Worksheet, follow_through: str = "full",
                 problem: ProblemRef | None = None):
        self.sheet = sheet
        self.follow_through = follow_through
        self.problem = problem
        self._other: Worksheet | None = None
        self._notation_sheets: dict[str, Worksheet] = {}  # other notations, as filed
        self.settled = False  # True: the notation is the student's; grade() does not switch
        self._suggested: dict[str, str] = {}
        self._nearest: NearestKey | None = None
        # each step's mistaken values by the values of its inputs: a class makes the same
        # slips on the same numbers, and the sheet's own inputs come up in every file
        self._mistaken: _Kept[list[tuple[str, float]]] = _Kept()
        self._units: dict[str, float] = {}
        self._recomputed: _Kept[float | None] = _Kept()
        self._diagnoses: _Kept[str | None] = _Kept()
        self._mistakes_by_step: dict[tuple[str, str], list[tuple[str, Mistaken]]] = {}
        self._telling: _Kept[list[tuple[str, float]]] = _Kept()
        self._known: tuple[set[str], set[str]] | None = None
        self._chosen: dict[str | None, set[str]] = {}
        self._step_table: list[tuple[Step, frozenset[str], float, float]] | None = None

    @property
    def step_table(self) -> list[tuple[Step, frozenset[str], float, float]]:
        """Each step with its inputs, reference value and tolerance (``close``'s 0.51 unit)."""
        if self._step_table is None:
            values = self.sheet.values
            self._step_table = [(step, frozenset(step.inputs), values[step.key],
                                 0.51 * self.unit(step.key)) for step in self.sheet.steps]
        return self._step_table

    @property
    def other(self) -> Worksheet:
        """The other notation's worksheet: its rounding path is a legitimate one too. The
        counterpart of the delta rule (δ = −dE/dz, the delta notation's path negated) is the
        activation notation with its Δw steps written out: change(w) and new(w) are the same
        quantities there."""
        if self._other is None:  # a graph has one notation: no other rounding path
            sheet = self.sheet
            others = [n for n in sheet.network.notations
                      if n != sheet.notation and n != "delta_rule"]
            problem = sheet.network
            if sheet.notation == "delta_rule" and isinstance(problem, Network):
                problem = replace(problem, show=problem.show | {"change"})
            self._other = (solve_sheet(problem, sheet.rounding, others[0])
                           if others else sheet)
        return self._other

    def unit(self, key: str) -> float:
        """One unit of the last required digit, by the step's kind (SPEC §6): 10^-d, or the
        n-th significant figure of the reference; unrounded, the 3rd of the exact value."""
        unit = self._units.get(key)
        if unit is None:  # the sheet's: the same for every file of a class
            unit = self._units[key] = self._unit(key)
        return unit

    def _unit(self, key: str) -> float:
        precision = self.sheet.precision(key)
        if precision is not None:
            unit = precision.unit(self.sheet.values[key]) or precision.unit(self.sheet.exact[key])
            return unit or 10.0 ** -precision.places  # a reference of exactly 0
        exact = abs(self.sheet.exact[key])
        return 1e-3 if exact == 0 else 10.0 ** (math.floor(math.log10(exact)) - 2)

    def close(self, a: float, b: float, unit: float) -> bool:
        return abs(a - b) < 0.51 * unit

    @property
    def known_keys(self) -> tuple[set[str], set[str]]:
        """The sheet's step keys, and those with the other notation's (the keys an answer
        may mean): the same for every file, so worked out once."""
        if self._known is None:
            mine = {s.key for s in self.sheet.steps}
            self._known = mine, mine | (set(self.other.exact) - set(self.sheet.givens))
        return self._known

    def chosen_keys(self, only: str | None) -> set[str]:
        chosen = self._chosen.get(only)
        if chosen is None:
            chosen = self._chosen[only] = {s.key for s in self.check_only(self.sheet, only)}
        return chosen

    def grade(self, answers: AnswersFile, only: str | None = None) -> Report:
        sheet = self.sheet
        mine, known = self.known_keys
        answers = answers.resolved(known)  # aliases such as u3' mean a key of these
        written = answers.answers.keys()
        if not self.settled and written - mine:
            worked = self.worked_in(written, mine)
            if worked is not None:  # the student worked in another notation: mark that one
                grader = Grader(worked, self.follow_through, self.problem)
                grader.settled = True
                return grader.grade(answers, only)
        report = Report(answers.path, answers.student, sheet, problem=self.problem)
        chosen = self.chosen_keys(only)
        own = dict(sheet.values)  # the reference, overlaid with the student's numbers
        root: dict[str, str] = {}  # key -> the earlier key whose error it carries
        off: set[str] = set()  # keys whose number in ``own`` is not close to the sheet's
        exact = sheet.exact
        for step, inputs, ref, tolerance in self.step_table:
            key = step.key
            answer = answers.answers.get(key)
            if answer is not None and answer.value is not None and off.isdisjoint(inputs) \
                    and abs(answer.value - ref) < tolerance:
                # close to the sheet from the sheet's own inputs: judge's first verdict,
                # with nothing carried; most answers of a class, so taken in short here
                own[key] = answer.value
                item = Item(key, answer.value, ref, exact[key], "correct", step=step,
                            written=answer.text)
            elif answer is not None and answer.value is not None:
                item = self.judge(step, answer.value, own, root, off)
                item.written = answer.text
                own[key] = answer.value
                if not abs(answer.value - ref) < tolerance:
                    off.add(key)
                if item.verdict == "wrong":
                    self.precision_hint(item, answer)
            else:
                item = Item(key, None, ref, exact[key], "missing", "no answer", step=step)
                if answer is not None and answer.text is not None:
                    item.given, item.verdict = answer.text, "invalid"
                    item.message = "not a number (write e.g. -0.53, 1e-3 or 3/4)"
            if key in chosen:
                report.items.append(item)
        for key, answer in answers.answers.items():
            if key not in mine:
                report.items.append(Item(answer.written_key or key, answer.value if
                                         answer.value is not None else answer.text, None, None,
                                         "unknown", self.unknown_message(key),
                                         written=answer.text))
        return report

    def worked_in(self, written, mine: set[str]) -> Worksheet | None:
        """The worksheet of another notation (SPEC §6: a network has three) whose keys the
        answers use more than this sheet's own, the best such; None if there is none."""
        sheet = self.sheet
        best, margin = None, 0
        for notation in sheet.network.notations:
            if notation == sheet.notation:
                continue
            candidate = self._notation_sheets.get(notation)
            if candidate is None:
                same = self.other.notation == notation and self.other.network is sheet.network
                try:
                    candidate = self.other if same else solve_sheet(
                        sheet.network, sheet.rounding, notation)
                except BptutorError:  # a notation the problem refuses (SPEC §7: Adam's
                    continue  # delta_rule) is no sheet the answers can be worked in
                self._notation_sheets[notation] = candidate
            there = set(candidate.exact) - set(candidate.givens)
            gain = len(written & (there - mine)) - len(written & (mine - there))
            if gain > margin:
                best, margin = candidate, gain
        return best

    @staticmethod
    def check_only(sheet: Worksheet, only: str | None) -> list[Step]:
        """The steps ``--only`` chooses; none at all is a usage error, not a score of 0/0."""
        steps = selected(sheet, only)
        if only and not steps:
            raise OptionError("--only", f"the problem has no {only} step"
                              + (" (it gives no learning_rate)" if only == "update" else ""))
        return steps

    def judge(self, step: Step, given: float, own: dict, root: dict,
              off: set[str] | None = None) -> Item:
        """One answer's verdict. ``off``, where given, holds every key whose number in
        ``own`` is not close to the sheet's (``grade`` keeps it as it goes): the inputs that
        differ are then read from it, not measured again."""
        key, sheet = step.key, self.sheet
        ref, exact, unit = sheet.values[key], sheet.exact[key], self.unit(key)
        item = Item(key, given, ref, exact, "correct", step=step)
        # inputs where the student's own numbers differ from the reference, and the key
        # where an error they carry began (an accepted input passes an error on, not blame)
        if off is None:
            differing = [k for k in step.inputs if k in sheet.values and not self.close(
                own[k], sheet.values[k], self.unit(k))]
        elif off.isdisjoint(step.inputs):
            differing = []
        else:
            differing = [k for k in step.inputs if k in off]
        carried = next((root[k] for k in differing if k in root), None)
        if carried:
            root[key] = carried
        if self.close(given, ref, unit):
            return item
        # right from the student's own earlier numbers? That is the real reason, before any
        # rounding path the number may also happen to match
        recomputed = self.recompute(step, own)
        if differing and recomputed is not None and self.close(given, recomputed, unit):
            return self.carried_forward(item, step, own, differing, carried, recomputed, root)
        item.verdict = "accepted"
        if sheet.rounding.rounds and self.close(given, exact, unit):
            item.message = f"matches the exact value {show_exact(exact)} (rounded at the end)"
            return item
        other = self.other.values.get(key)
        if other is not None and sheet.rounding.rounds and self.close(
                given, other, unit):
            item.message = f"matches the {self.other.notation}-notation rounding path"
            return item
        if abs(given - ref) < 1.01 * unit:
            item.message = "within one unit of the last digit"
            return item
        item.verdict = "wrong"
        root[key] = key
        item.diagnosis = self.diagnosis(step, given, own, ref, recomputed, unit)
        if item.diagnosis:
            item.message = DIAGNOSES[item.diagnosis]
            if item.diagnosis == "update_sign" and isinstance(step.op, Increment):
                item.message = "the update subtracts Δw instead of adding it"  # w + Δw
        return item

    def carried_forward(self, item: Item, step: Step, own: dict, differing: list[str],
                        carried: str | None, recomputed: float, root: dict) -> Item:
        """An answer right from the student's own inputs, which differ from the sheet's."""
        first = next((k for k in differing if k in root), differing[0])
        yours = f"your {first} = {self.sheet.show_value(first, own[first])}"
        if carried is None:  # the inputs differ only by accepted rounding paths: no error
            item.verdict = "accepted"
            item.message = f"a rounding path: right from {yours}"
            return item
        item.because = root[step.key] = carried
        where = f"; the error starts at {carried}" if carried != first else ""
        if not self.discriminates(step, own, recomputed, self.unit(step.key)):
            item.verdict, item.points = "uninformative", 0.0
            item.message = (f"right from {yours}, but from it every known mistake gives "
                            f"this value too: the step shows nothing{where}")
            return item
        item.verdict = "follow_through"
        item.points = FOLLOW_THROUGH[self.follow_through]
        item.message = f"follow-through: your inputs differ from the sheet's; right from {yours}"
        item.message += where
        if item.points < 1:
            item.message += f" ({_points(item.points)} point by the marking policy)"
        return item

    def discriminates(self, step: Step, own: dict, recomputed: float, unit: float) -> bool:
        """Whether the step, from the student's own inputs, tells right work from a known
        mistake: zeros make most steps 0 whatever is done with them, and a weight updated
        with a zero gradient is the weight copied."""
        values = tuple(own[k] for k in step.inputs)
        rule = self.sheet.rounding.rule(step.kind)
        telling = self._telling.get((step.key, _numbers_key(values)), lambda: list(
            mistaken_values(self._mistakes(step, telling_mistakes), values, rule)))
        return any(not self.close(wrong, recomputed, unit) for _, wrong in telling)

    def recompute(self, step: Step, own: dict) -> float | None:
        """The step from the student's own numbers; None where they leave it undefined
        (the log of a negative y, a division by 0, an overflow). Kept per step and input
        numbers: a class's slips meet the same inputs again and again."""
        inputs = _numbers_key(tuple(own[k] for k in step.inputs))
        return self._recomputed.get((step.key, inputs), lambda: self._recompute(step, own))

    def _recompute(self, step: Step, own: dict) -> float | None:
        try:
            value = step.compute(own, self.sheet.rounding)
        except (ArithmeticError, ValueError):
            return None
        return value if math.isfinite(value) else None

    def diagnosis(self, step: Step, given: float, own: dict, ref: float,
                  recomputed: float | None, unit: float) -> str | None:
        """``diagnose``, kept per step, answer and input numbers (it follows from them: the
        sheet's numbers are fixed): a class makes the same slips on the same numbers."""
        inputs = _numbers_key((given, *(own[k] for k in step.inputs)))
        return self._diagnoses.get((step.key, inputs), lambda: self.diagnose(
            step, given, own, ref, recomputed, unit))

    def diagnose(self, step: Step, given: float, own: dict, ref: float,
                 recomputed: float | None, unit: float) -> str | None:
        sheet_inputs = tuple(self.sheet.values[k] for k in step.inputs)
        own_inputs = tuple(own[k] for k in step.inputs)
        tolerance = 0.51 * unit  # ``close``, written out: this loop runs for every mistake
        for v in dict.fromkeys((own_inputs, sheet_inputs)):  # once when they are the same
            for code, wrong in self._mistaken_values(step, v):
                if abs(given - wrong) < tolerance and not (abs(wrong - ref) < tolerance or (
                        recomputed is not None and abs(wrong - recomputed) < tolerance)):
                    return code  # (a "mistake" that changes nothing is no diagnosis)
        # the student's digits with the point moved (-13.4 for -1.34): on the number as
        # written, not on the unrounded value shifted and rounded again
        targets = [t for t in (recomputed, ref) if t is not None and not self.close(t, 0, unit)]
        if any(self.close(given / shift, t, unit) for shift in (10.0, 0.1) for t in targets):
            return "decimal_shift"
        return None

    def _mistaken_values(self, step: Step, v: tuple[float, ...]) -> list[tuple[str, float]]:
        rule = self.sheet.rounding.rule(step.kind)  # the step's own kind's precision
        return self._mistaken.get((step.key, _numbers_key(v)),
                                  lambda: list(mistaken_values(self._mistakes(step), v, rule)))

    def _mistakes(self, step: Step, made_by: Callable[[Op], Iterator[tuple[str, Mistaken]]]
                  = mistakes) -> Iterable[tuple[str, Mistaken]]:
        """``made_by(step.op)`` (``mistakes`` or ``telling_mistakes``), made once per step
        where the op is small (its mistakes are plain ops, valued afresh each time; a long
        sum's share the values they are given)."""
        if len(step.op.inputs) > _FEW_INPUTS:  # as _terms_left_out decides
            return made_by(step.op)
        key = (made_by.__name__, step.key)
        made = self._mistakes_by_step.get(key)
        if made is None:
            made = self._mistakes_by_step[key] = list(made_by(step.op))
        return made

    def precision_hint(self, item: Item, answer: Answer) -> None:
        """A wrong answer written with fewer digits than required is told so."""
        given = answer.value
        if item.verdict != "wrong" or given is None:
            return
        precision = self.sheet.precision(item.key)
        figures = 3 if precision is None else precision.places  # significant figures asked
        if precision is not None and not precision.significant:
            digits = precision.places
            if answer.decimals is None or answer.decimals >= digits:
                return
            hint = f"write {digits} decimals (you wrote {answer.decimals})"
            written = 10.0 ** -answer.decimals
        elif answer.significant is not None and answer.significant < figures and given:
            hint = f"write {figures} significant figures (you wrote {answer.significant})"
            written = 10.0 ** (math.floor(math.log10(abs(given))) - answer.significant + 1)
        else:
            return
        # only a number that is the answer cut short: -0.7 for -0.66, not -0.5
        if not any(abs(given - ref) <= 0.51 * written for ref in (item.expected, item.exact)
                   if ref is not None):
            return
        item.message = f"{item.message}; {hint}" if item.message else hint

    def unknown_message(self, key: str) -> str:
        text = f"this problem has no step {key!r}"
        close = self.suggestion(key)
        if key in self.other.exact and key not in self.sheet.givens:
            text += (f" in {self.sheet.notation} notation "
                     f"(it is a {self.other.notation}-notation key)")
        return f"{text}; did you mean {close!r}?" if close else text

    def suggestion(self, key: str) -> str:
        """The step key nearest ``key`` ("" for none). Only a key of about a step key's
        length can be near one, and there are few of those: a file of 60,000 unknown keys
        costs a length test each, not 60,000 fuzzy searches."""
        if len(self._suggested) >= _SUGGESTIONS or key in self._suggested:
            return self._suggested.get(key, "")
        if self._nearest is None:  # once per sheet
            self._nearest = NearestKey([s.key for s in self.sheet.steps])
        self._suggested[key] = self._nearest(key)
        return self._suggested[key]


_SUGGESTIONS = 200  # "did you mean" searches per grader; later unknown keys get none
_MISTAKEN_CACHE = 100_000  # values kept per grader and per kind of value (a few MB)

_Value = TypeVar("_Value")


def _numbers_key(numbers: tuple[float, ...]) -> tuple[float, ...]:
    """Numbers as a key of ``_Kept``: 0.0 and -0.0 are equal, and hash alike, though they
    may not compute alike (a sign, 1/x), so where a zero is among them each number's sign
    is added."""
    if 0 in numbers:
        return numbers + tuple(math.copysign(1.0, x) for x in numbers)
    return numbers


class _Kept(Generic[_Value]):
    """Values by step and input numbers, made once: a class makes the same slips on the
    same numbers. Bounded, for a hostile class set."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, tuple[float, ...]], _Value] = {}

    def get(self, key: tuple[str, tuple[float, ...]], make: Callable[[], _Value]) -> _Value:
        if key in self._values:
            return self._values[key]
        if len(self._values) > _MISTAKEN_CACHE:
            self._values.clear()
        value = self._values[key] = make()
        return value


class NearestKey:
    """The key a mistyped one most resembles: ``difflib.get_close_matches(word, keys, n=1,
    cutoff=0.5)``, with what it needs of each key worked out once per sheet.

    get_close_matches runs the slow ``ratio()`` on nearly every key. Here each key's
    ``quick_ratio`` (difflib's upper bound of its ratio: the characters the two have in
    common, counted) is found for all keys at once, a byte per key added up in one big
    integer, the keys are tried in decreasing bound, and the search stops where the bound
    falls below the best ratio found: a few ratio() calls per word."""

    def __init__(self, keys: Sequence[str]):
        self.keys = list(keys)
        self.lengths = [len(key) for key in self.keys]
        self.longest = max(self.lengths, default=0)
        self.counts = [Counter(key) for key in self.keys]
        self._columns: dict[str, bytes] = {}  # a character -> its count in each key, a byte each

    def _column(self, char: str) -> bytes:
        if char not in self._columns:
            self._columns[char] = bytes(min(c.get(char, 0), 255) for c in self.counts)
        return self._columns[char]

    def __call__(self, word: str) -> str:
        import difflib

        size = len(word)
        if size > 3 * self.longest + 3:
            return ""
        if size > 255:  # a byte per key holds the counts of a word this short only
            close = difflib.get_close_matches(word, self.keys, n=1, cutoff=0.5)
            return close[0] if close else ""
        total = 0
        for char, n in Counter(word).items():  # Σ min(n, count in key), every key at once
            total += int.from_bytes(self._column(char).translate(_AT_MOST[n]), "little")
        common = total.to_bytes(len(self.keys), "little")
        bounds = []
        for key, length, matches in zip(self.keys, self.lengths, common):
            both = length + size  # ratio >= 0.5 is 4·matches >= both, in integers
            if 4 * min(length, size) >= both and 4 * matches >= both:  # real_quick, quick
                bounds.append((_ratio(matches, both), key))
        bounds.sort(reverse=True)
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)  # as get_close_matches sets it (autojunk and all)
        best: tuple[float, str] | None = None
        for bound, key in bounds:
            if best is not None and bound < best[0]:
                break  # no key left can match better (an equal one may still win the tie)
            matcher.set_seq1(key)
            ratio = matcher.ratio()
            if ratio >= 0.5 and (best is None or (ratio, key) > best):
                best = (ratio, key)  # get_close_matches keeps the largest (ratio, key)
        return best[1] if best else ""


# byte tables: min(·, n) for each n, built from slices (a generator per byte took 7 ms at start-up)
_AT_MOST = [bytes(range(n)) + bytes([n]) * (256 - n) for n in range(256)]


def _ratio(matches: int, length: int) -> float:
    return 2.0 * matches / length if length else 1.0  # difflib's _calculate_ratio


def _points(points: float) -> str:
    return f"{points:g}" if points != 0.5 else "½"


def mistaken_values(mistaken: Iterable[tuple[str, Mistaken]], values: Sequence[float | Decimal],
                    R: Rounding) -> Iterator[tuple[str, float]]:
    """Each mistake's value from ``values`` (on paper, as the sheet computes: the numbers as
    written); one the numbers leave undefined (ln 0, an overflow) is passed over, as it can
    explain no answer."""
    given = [paper.given(x) for x in values]  # once: a long sum has many mistakes
    found = []
    with paper.working():  # once, and left before the values are handed out
        for code, op in mistaken:
            try:
                wrong = paper.nearest_float(R(op.value(given, R)))
            except (ArithmeticError, ValueError):
                continue
            if math.isfinite(wrong):
                found.append((code, wrong))
    yield from found


def telling_mistakes(op) -> Iterator[tuple[str, Mistaken]]:
    """The mistakes that show whether a step's work was done: ``mistakes``, except that an
    update's are made in its η·gradient term (scaling the whole new weight is no mistake a
    student makes, and would make a copied weight look like work)."""
    if isinstance(op, Increment):  # w + Δw: mistakes in the Δw term
        yield "update_sign", _Leaf(op.inputs, lambda v: v[0] - v[1])
        for mistake, scale in (("factor2", 2), ("decimal_shift", 10)):
            yield mistake, _Leaf(op.inputs, lambda v, f=scale: v[0] + f * v[1])
        return
    if not isinstance(op, Update):
        yield from mistakes(op)
        return
    yield "update_sign", _Leaf(op.inputs, lambda v: v[0] + v[1] * v[2])
    for code, factor in (("factor2", 2.0), ("factor2", 0.5), ("decimal_shift", 10.0),
                         ("decimal_shift", 0.1)):
        yield code, _Leaf(op.inputs, lambda v, f=factor: v[0] - paper.given(f) * v[1] * v[2])


class Graders:
    """One Grader per problem file, shared by every answers file that names it (a class set).

    Keyed by the file's resolved path: ``a/../p.yaml`` and ``p.yaml`` are one problem, and
    the same relative name written in two folders' answers files are two."""

    def __init__(self, follow_through: str = "full") -> None:
        self.follow_through = follow_through
        self._by_problem: dict[Path, Grader] = {}
        self._keys: dict[str, Path | None] = {}  # a problem as named → its resolved path

    def for_answers(self, answers: AnswersFile) -> Grader:
        """The grader of the problem ``answers`` names; a bad problem raises BptutorError at
        the answers file's ``problem:`` line."""
        key = self._keys.get(answers.problem)
        if key is None:  # the same name, found once: a class's files all name one problem
            key = self._keys[answers.problem] = _problem_key(answers.problem)
        grader = self._by_problem.get(key) if key else None
        if grader is None:
            ref = problem_ref(answers.problem, (answers.path, answers.problem_mark))
            grader = Grader(solve_sheet(load_problem(answers, ref)), self.follow_through, ref)
            if key:
                self._by_problem[key] = grader
        return grader

    def for_problem(self, name: str) -> Grader:
        """The grader of a problem named on the command line (``check --problem``)."""
        ref = problem_ref(name)
        grader = Grader(solve_sheet(load_named_problem(ref)), self.follow_through, ref)
        self._by_problem[ref.path.resolve()] = grader
        return grader


def _problem_key(problem: str) -> Path | None:
    """The problem file's resolved path; None where it cannot be found (load reports why)."""
    try:
        return locate(problem).resolve()
    except (BptutorError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return None
