"""Marking a student's answers as a careful human marker would (SPEC §4).

Each answer is compared with the worksheet's step of the same key. A number that is not
right may still earn the point: through a legitimate rounding path (``accepted``), or
because it is right from the student's own earlier numbers (``follow_through``). A wrong
number gets a diagnosis when one known mistake explains it: the mistake is applied to the
step's own formula (its op tree) and recomputed — never looked up in a table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

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
from bptutor.model.rounding import Rounding, show_exact
from bptutor.sheet.ops import Product, Slope, Step, Sum, Update
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


@dataclass
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
        total = sum(item.earned for item in self.items)
        return int(total) if total == int(total) else total

    @property
    def all_right(self) -> bool:
        return self.score == self.max_score

    def as_json(self) -> dict:
        data = {"path": self.path, "score": self.score, "max_score": self.max_score,
                "items": [item.as_json() for item in self.items], "status": self.status,
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
        return self.factor * self.op.value(v, R)


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


def _all_slopes(op, swap):
    """The op with every slope swapped (a student makes a σ′ mistake consistently)."""
    if isinstance(op, Slope):
        return swap(op)
    if isinstance(op, Product):
        return Product([_all_slopes(f, swap) for f in op.factors])
    if isinstance(op, Sum):
        return Sum([_all_slopes(t, swap) for t in op.terms], op.round_terms)
    return op


def _has_slope(op) -> bool:
    if isinstance(op, Slope):
        return True
    return any(_has_slope(child) for child in getattr(op, "factors", getattr(op, "terms", [])))


def _drop_term(op):
    if isinstance(op, Sum) and len(op.terms) > 1:
        for i, term in enumerate(op.terms):
            yield Sum(op.terms[:i] + [_Leaf(term.inputs, lambda v: 0.0)] + op.terms[i + 1:],
                      op.round_terms)


def _mistaken(s: Slope, mistake: str):
    """The slope as the activation's own mistaken σ′ computes it, if it can be made."""
    slope = s.act.mistaken_slope(mistake)
    return s if slope is None else _Leaf(s.inputs, lambda v: slope(v[0]))


def _slope_at_activation(s: Slope):
    return _mistaken(s, "derivative_at_activation")


def _slope_of_other(s: Slope):
    return _mistaken(s, "wrong_activation_derivative")


class Mistaken(Protocol):
    """An op with a mistake made: only its value is needed, to compare with the answer."""

    def value(self, v: Sequence[float], R: Rounding) -> float: ...


def mistakes(op) -> Iterator[tuple[str, Mistaken]]:
    """(diagnosis code, the op with that mistake made), most specific first."""
    for new in _rebuild(op, _drop_term):
        yield "missing_term", new
    if _has_slope(op):
        yield "missing_derivative", _all_slopes(op, lambda s: _Leaf(s.inputs, lambda v: 1.0))
        yield "derivative_at_activation", _all_slopes(op, _slope_at_activation)
        yield "wrong_activation_derivative", _all_slopes(op, _slope_of_other)
    if isinstance(op, Update):
        yield "update_sign", _Leaf(op.inputs, lambda v: v[0] + v[1] * v[2])
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
        self._suggested: dict[str, str] = {}

    @property
    def other(self) -> Worksheet:
        """The other notation's worksheet: its rounding path is a legitimate one too."""
        if self._other is None:  # a graph has one notation: no other rounding path
            sheet = self.sheet
            others = [n for n in sheet.network.notations if n != sheet.notation]
            self._other = (solve_sheet(sheet.network, sheet.rounding.digits, others[0])
                           if others else sheet)
        return self._other

    def unit(self, key: str) -> float:
        """One unit of the last required digit: 10^-d, or the 3rd significant figure."""
        digits = self.sheet.rounding.digits
        if digits is not None:
            return 10.0 ** -digits
        exact = abs(self.sheet.exact[key])
        return 1e-3 if exact == 0 else 10.0 ** (math.floor(math.log10(exact)) - 2)

    def close(self, a: float, b: float, unit: float) -> bool:
        return abs(a - b) < 0.51 * unit

    def grade(self, answers: AnswersFile, only: str | None = None) -> Report:
        sheet = self.sheet
        mine, theirs = {s.key for s in sheet.steps}, set(self.other.exact) - set(sheet.givens)
        answers = answers.resolved(mine | theirs)  # aliases such as u3' mean a key of these
        written = answers.answers.keys()
        if len(written & (theirs - mine)) > len(written & (mine - theirs)):
            # the student worked in the other notation: mark that worksheet instead
            return Grader(self.other, self.follow_through, self.problem).grade(answers, only)
        report = Report(answers.path, answers.student, sheet, problem=self.problem)
        chosen = {s.key for s in self.check_only(sheet, only)}
        own = dict(sheet.values)  # the reference, overlaid with the student's numbers
        root: dict[str, str] = {}  # key -> the earlier key whose error it carries
        for step in sheet.steps:
            answer = answers.answers.get(step.key)
            if answer is not None and answer.value is not None:
                item = self.judge(step, answer.value, own, root)
                item.written = answer.text
                own[step.key] = answer.value
                self.precision_hint(item, answer)
            else:
                item = Item(step.key, None, sheet.values[step.key], sheet.exact[step.key],
                            "missing", "no answer", step=step)
                if answer is not None and answer.text is not None:
                    item.given, item.verdict = answer.text, "invalid"
                    item.message = "not a number (write e.g. -0.53, 1e-3 or 3/4)"
            if step.key in chosen:
                report.items.append(item)
        for key, answer in answers.answers.items():
            if key not in mine:
                report.items.append(Item(answer.written_key or key, answer.value if
                                         answer.value is not None else answer.text, None, None,
                                         "unknown", self.unknown_message(key),
                                         written=answer.text))
        return report

    @staticmethod
    def check_only(sheet: Worksheet, only: str | None) -> list[Step]:
        """The steps ``--only`` chooses; none at all is a usage error, not a score of 0/0."""
        steps = selected(sheet, only)
        if only and not steps:
            raise OptionError("--only", f"the problem has no {only} step"
                              + (" (it gives no learning_rate)" if only == "update" else ""))
        return steps

    def judge(self, step: Step, given: float, own: dict, root: dict) -> Item:
        key, sheet = step.key, self.sheet
        ref, exact, unit = sheet.values[key], sheet.exact[key], self.unit(key)
        item = Item(key, given, ref, exact, "correct", step=step)
        # inputs where the student's own numbers differ from the reference, and the key
        # where an error they carry began (an accepted input passes an error on, not blame)
        differing = [k for k in step.inputs if k in sheet.values and not self.close(
            own[k], sheet.values[k], self.unit(k))]
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
        if sheet.rounding.digits is not None and self.close(given, exact, unit):
            item.message = f"matches the exact value {show_exact(exact)} (rounded at the end)"
            return item
        other = self.other.values.get(key)
        if other is not None and sheet.rounding.digits is not None and self.close(
                given, other, unit):
            item.message = f"matches the {self.other.notation}-notation rounding path"
            return item
        if abs(given - ref) < 1.01 * unit:
            item.message = "within one unit of the last digit"
            return item
        item.verdict = "wrong"
        root[key] = key
        item.diagnosis = self.diagnose(step, given, own, ref, recomputed, unit)
        if item.diagnosis:
            item.message = DIAGNOSES[item.diagnosis]
        return item

    def carried_forward(self, item: Item, step: Step, own: dict, differing: list[str],
                        carried: str | None, recomputed: float, root: dict) -> Item:
        """An answer right from the student's own inputs, which differ from the sheet's."""
        first = next((k for k in differing if k in root), differing[0])
        yours = f"your {first} = {self.sheet.rounding.show(own[first])}"
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
        values = [own[k] for k in step.inputs]
        return any(not self.close(wrong, recomputed, unit) for _, wrong in
                   mistaken_values(telling_mistakes(step.op), values, self.sheet.rounding))

    def recompute(self, step: Step, own: dict) -> float | None:
        """The step from the student's own numbers; None where they leave it undefined
        (the log of a negative y, a division by 0, an overflow)."""
        try:
            value = step.compute(own, self.sheet.rounding)
        except (ArithmeticError, ValueError):
            return None
        return value if math.isfinite(value) else None

    def diagnose(self, step: Step, given: float, own: dict, ref: float,
                 recomputed: float | None, unit: float) -> str | None:
        for values in (own, self.sheet.values):
            v = [values[k] for k in step.inputs]
            for code, wrong in mistaken_values(mistakes(step.op), v, self.sheet.rounding):
                if self.close(wrong, ref, unit) or (
                        recomputed is not None and self.close(wrong, recomputed, unit)):
                    continue  # a "mistake" that changes nothing is no diagnosis
                if self.close(given, wrong, unit):
                    return code
        # the student's digits with the point moved (-13.4 for -1.34): on the number as
        # written, not on the unrounded value shifted and rounded again
        targets = [t for t in (recomputed, ref) if t is not None and not self.close(t, 0, unit)]
        if any(self.close(given / shift, t, unit) for shift in (10.0, 0.1) for t in targets):
            return "decimal_shift"
        return None

    def precision_hint(self, item: Item, answer: Answer) -> None:
        """A wrong answer written with fewer digits than required is told so."""
        digits, given = self.sheet.rounding.digits, answer.value
        if item.verdict != "wrong" or given is None:
            return
        if digits is not None and answer.decimals is not None and answer.decimals < digits:
            hint = f"write {digits} decimals (you wrote {answer.decimals})"
            written = 10.0 ** -answer.decimals
        elif digits is None and answer.significant is not None and answer.significant < 3 \
                and given:
            hint = f"write 3 significant figures (you wrote {answer.significant})"
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
        import difflib

        if len(self._suggested) >= _SUGGESTIONS or key in self._suggested:
            return self._suggested.get(key, "")
        keys = [s.key for s in self.sheet.steps]
        longest = max((len(k) for k in keys), default=0)
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.5) \
            if len(key) <= 3 * longest + 3 else []
        self._suggested[key] = close[0] if close else ""
        return self._suggested[key]


_SUGGESTIONS = 200  # "did you mean" searches per grader; later unknown keys get none


def _points(points: float) -> str:
    return f"{points:g}" if points != 0.5 else "½"


def mistaken_values(mistaken: Iterable[tuple[str, Mistaken]], values: Sequence[float],
                    R: Rounding) -> Iterator[tuple[str, float]]:
    """Each mistake's value from ``values``; one the numbers leave undefined (ln 0, an
    overflow) is passed over, as it can explain no answer."""
    for code, op in mistaken:
        try:
            wrong = R(op.value(values, R))
        except (ArithmeticError, ValueError):
            continue
        if math.isfinite(wrong):
            yield code, wrong


def telling_mistakes(op) -> Iterator[tuple[str, Mistaken]]:
    """The mistakes that show whether a step's work was done: ``mistakes``, except that an
    update's are made in its η·gradient term (scaling the whole new weight is no mistake a
    student makes, and would make a copied weight look like work)."""
    if not isinstance(op, Update):
        yield from mistakes(op)
        return
    yield "update_sign", _Leaf(op.inputs, lambda v: v[0] + v[1] * v[2])
    for code, factor in (("factor2", 2.0), ("factor2", 0.5), ("decimal_shift", 10.0),
                         ("decimal_shift", 0.1)):
        yield code, _Leaf(op.inputs, lambda v, f=factor: v[0] - f * v[1] * v[2])


class Graders:
    """One Grader per problem file, shared by every answers file that names it (a class set).

    Keyed by the file's resolved path: ``a/../p.yaml`` and ``p.yaml`` are one problem, and
    the same relative name written in two folders' answers files are two."""

    def __init__(self, follow_through: str = "full") -> None:
        self.follow_through = follow_through
        self._by_problem: dict[Path, Grader] = {}

    def for_answers(self, answers: AnswersFile) -> Grader:
        """The grader of the problem ``answers`` names; a bad problem raises BptutorError at
        the answers file's ``problem:`` line."""
        key = _problem_key(answers.problem)
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
