"""Which directed pairs A -> B are possible, and how good each is, with the reasons in words.

One code path serves both: every rule is evaluated on arrays of (A, B) index pairs. The graph of all
pairs evaluates them over blocks of the n x n grid; the explanation of one pair evaluates the very same
functions on arrays of length one, so the words can never disagree with the score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from bot.engine import Message, Ref
from bot.matching.candidates import NOBODY, Candidate, Exclusions
from bot.matching.rules import HardRule, MatchingRules, SoftRule

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

_EPS = 1e-9  # month arithmetic on floats: 6.0 months must not become 5.999...
_BLOCK_CELLS = 4_000_000  # pairs evaluated at once when building the graph: bounded memory
_SIMILARITY_CELLS = 4_000_000  # distinct text pairs compared all at once (a table of floats)


@dataclass(frozen=True)
class Graph:
    """Possible pairs as parallel arrays: edge e means ids[src[e]] could take ids[dst[e]]'s post."""

    ids: tuple[str, ...]
    src: Ints
    dst: Ints
    score: Ints  # whole points, so totals compare exactly

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Explanation:
    possible: bool
    score: int
    reasons: tuple[Message, ...]  # catalogue keys and parameters, in the order of the rules


class _Table:
    """The candidates as columns (codes, numbers, windows, texts) for vectorised rule evaluation."""

    def __init__(self, rules: MatchingRules, candidates: Sequence[Candidate], today: date) -> None:
        self.candidates = tuple(candidates)
        n = len(self.candidates)
        named = [r.attribute for r in rules.hard] + [r.attribute for r in rules.soft]
        attributes = {a for a in named if a} | {"organisation"}
        self.values: dict[str, list[str]] = {}
        self.codes: dict[str, Ints] = {}
        for attribute in sorted(attributes):
            raw = [c.value(attribute) for c in self.candidates]
            names = sorted({str(v) for v in raw if v is not None})
            index = {v: i for i, v in enumerate(names)}
            self.values[attribute] = names
            self.codes[attribute] = np.array(
                [index[str(v)] if v is not None else -1 for v in raw], dtype=np.int64
            )
        self.numbers = {
            a: np.array([_number(c.value(a)) for c in self.candidates], dtype=np.float64) for a in attributes
        }
        # wished[a][i, k]: person i named value k of attribute a; has_wish[a][i]: i named any at all.
        self.has_wish: dict[str, Bools] = {}
        self.wished: dict[str, Bools] = {}
        for attribute in attributes:
            codes = {v: i for i, v in enumerate(self.values[attribute])}
            matrix = np.zeros((n, len(codes) + 1), dtype=np.bool_)  # last column: the code -1 (missing)
            for i, c in enumerate(self.candidates):
                for v in c.wishes.get(attribute, ()):
                    if v in codes:
                        matrix[i, codes[v]] = True
            self.wished[attribute] = matrix
            self.has_wish[attribute] = np.array(
                [attribute in c.wishes for c in self.candidates], dtype=np.bool_
            )
        self.begin = np.array([c.window.begin(today) if c.window else np.nan for c in self.candidates])
        self.months = np.array([c.window.months if c.window else np.nan for c in self.candidates])
        organisations = {v: i for i, v in enumerate(self.values["organisation"])}
        self.not_with = np.zeros((n, len(organisations) + 1), dtype=np.bool_)
        for i, c in enumerate(self.candidates):
            for organisation in c.not_with:
                if organisation in organisations:
                    self.not_with[i, organisations[organisation]] = True

        self._inside: dict[HardRule, Bools] = {}
        self._texts: dict[str, tuple[list[str], Ints]] = {}
        self._similar: dict[tuple[str, str], Floats | None] = {}

    def inside(self, rule: HardRule) -> Bools:
        """Per candidate: is the attribute among the rule's values? (Computed once per run.)"""
        if rule not in self._inside:
            names = {str(v) for v in rule.values}
            self._inside[rule] = np.array(
                [str(c.value(rule.attribute)) in names for c in self.candidates], dtype=np.bool_
            )
        return self._inside[rule]

    def similarity(self, mine: str, theirs: str) -> Floats | None:
        """Every distinct text under `mine` against every one under `theirs` (rapidfuzz token set
        ratio), when there are few enough of them to compare all at once; else None."""
        if (mine, theirs) not in self._similar:
            left, right = self.texts(mine)[0], self.texts(theirs)[0]
            table = None
            if len(left) * len(right) <= _SIMILARITY_CELLS:
                ratios = process.cdist(left, right, scorer=fuzz.token_set_ratio, workers=-1)
                table = np.asarray(ratios, dtype=np.float64)
            self._similar[mine, theirs] = table
        return self._similar[mine, theirs]

    def texts(self, name: str) -> tuple[list[str], Ints]:
        """The distinct texts under `name`, and per candidate the index of theirs."""
        if name not in self._texts:
            raw = [c.texts.get(name, "") for c in self.candidates]
            distinct = sorted(set(raw))
            index = {v: i for i, v in enumerate(distinct)}
            self._texts[name] = distinct, np.array([index[v] for v in raw], dtype=np.int64)
        return self._texts[name]


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan


# -- hard rules -----------------------------------------------------------------------------------


def _allows(rule: HardRule, t: _Table, a: Ints, b: Ints) -> Bools:
    match rule.kind:
        case "different" | "same":
            ca, cb = t.codes[rule.attribute][a], t.codes[rule.attribute][b]
            known = (ca >= 0) & (cb >= 0)
            return np.asarray(known & ((ca != cb) if rule.kind == "different" else (ca == cb)))
        case "wished":
            return ~t.has_wish[rule.attribute][a] | t.wished[rule.attribute][a, t.codes[rule.attribute][b]]
        case "among":
            inside = t.inside(rule)
            return np.asarray(inside[a] & inside[b])
        case "near":
            gap = np.abs(t.numbers[rule.attribute][a] - t.numbers[rule.attribute][b])
            return np.asarray(gap <= rule.gap + _EPS)
        case "overlap":
            spread = np.abs(t.begin[a] - t.begin[b])
            return np.asarray((spread <= rule.slack + _EPS) & (_shared_months(t, a, b) >= rule.months))
    raise ValueError(f"unknown hard rule {rule.kind!r}")


def _shared_months(t: _Table, a: Ints, b: Ints) -> Floats:
    """Months both want to be away when the swap starts at the later start: the shorter wished
    length (minus infinity when either gave no period)."""
    shared = np.minimum(t.months[a], t.months[b])
    return np.asarray(np.where(np.isnan(shared), -np.inf, shared))


def _possible(rules: MatchingRules, t: _Table, a: Ints, b: Ints) -> tuple[Ints, Ints]:
    """The pairs among (a, b) that every hard rule allows. Each rule looks only at what the rules
    before it kept, so the selective rules early in the list make the rest cheap."""
    for rule in rules.hard:
        keep = _allows(rule, t, a, b)
        a, b = a[keep], b[keep]
    keep = a != b
    if t.not_with.any():  # "not with" keeps both sides apart
        org = t.codes["organisation"]
        keep &= ~t.not_with[a, org[b]] & ~t.not_with[b, org[a]]
    return a[keep], b[keep]


# -- soft rules -----------------------------------------------------------------------------------


def _measure(rule: SoftRule, t: _Table, a: Ints, b: Ints) -> Floats:
    """What the rule looks at, per pair: a share from 0 to 1 for points, or a count for the words."""
    match rule.kind:
        case "wished":
            codes = t.codes[rule.attribute][b]
            named = t.has_wish[rule.attribute][a] & t.wished[rule.attribute][a, codes]
            return named.astype(np.float64)
        case "same":
            ca, cb = t.codes[rule.attribute][a], t.codes[rule.attribute][b]
            return np.asarray((ca == cb) & (ca >= 0), dtype=np.float64)
        case "overlap":
            return _shared_months(t, a, b)
        case "start":
            return np.asarray(np.round(np.abs(t.begin[a] - t.begin[b])))
        case "similar":
            if len(a) == 0:
                return np.zeros(0)
            # Titles repeat ("afdelingshoofd"): compare each distinct pair of texts once.
            mine, mine_at = t.texts(rule.mine)
            theirs, theirs_at = t.texts(rule.theirs)
            table = t.similarity(rule.mine, rule.theirs)
            if table is not None:
                return np.asarray(table[mine_at[a], theirs_at[b]], dtype=np.float64)
            keys, back = np.unique(mine_at[a] * len(theirs) + theirs_at[b], return_inverse=True)
            left = [mine[k] for k in (keys // len(theirs)).tolist()]
            right = [theirs[k] for k in (keys % len(theirs)).tolist()]
            ratios = process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=-1)
            spread: Floats = np.asarray(ratios, dtype=np.float64)[back.reshape(-1)]
            return spread
    raise ValueError(f"unknown soft rule {rule.kind!r}")


def _points(rule: SoftRule, t: _Table, a: Ints, b: Ints, measure: Floats) -> Ints:
    match rule.kind:
        case "wished" | "same":
            share = measure
        case "overlap":  # 12 and 12 months agree fully; 6 and 18 only for a third
            share = np.clip(measure / np.maximum(t.months[a], t.months[b]), 0, 1)
        case "start":
            share = np.clip(1 - measure / max(rule.months, 1), 0, 1)
        case "similar":
            share = np.where(measure >= rule.min_ratio, measure / 100, 0)
        case _:
            raise ValueError(f"unknown soft rule {rule.kind!r}")
    return np.floor(rule.points * share + 0.5).astype(np.int64)


def _reason(rule: SoftRule, t: _Table, b: int, measure: float) -> Message:
    match rule.kind:
        case "wished" | "same":
            value = t.values[rule.attribute][t.codes[rule.attribute][b]]
            return Message(rule.says, {"value": Ref(f"{rule.labels}.{value}") if rule.labels else value})
        case "overlap":
            return Message(rule.says, {"months": int(measure)})
        case "start":
            if measure in (0, 1):  # "in the same month", "a month apart": no "1 months"
                return Message(rule.says + (".same" if measure == 0 else ".one"))
            return Message(rule.says, {"months": int(measure)})
    return Message(rule.says)


# -- the graph and the explanation ----------------------------------------------------------------


class Scorer:
    """Rules applied to one set of candidates on one day; build the graph, explain any pair."""

    def __init__(
        self,
        rules: MatchingRules,
        candidates: Sequence[Candidate],
        today: date,
        exclusions: Exclusions = NOBODY,
    ) -> None:
        kept = [c for c in candidates if not exclusions.leaves_out(c.id)]
        if len({c.id for c in kept}) != len(kept):
            raise ValueError("candidate ids must be unique")
        self.rules = rules
        self.table = _Table(rules, kept, today)
        self.ids = tuple(c.id for c in kept)
        self._index = {c: i for i, c in enumerate(self.ids)}
        self._declined = np.array(
            sorted(
                self._index[x] * len(kept) + self._index[y]
                for pair in exclusions.declined
                if len(pair) == 2 and all(p in self._index for p in pair)
                for x, y in (tuple(pair), tuple(pair)[::-1])
            ),
            dtype=np.int64,
        )

    def graph(self) -> Graph:
        n = len(self.ids)
        rows = max(1, _BLOCK_CELLS // max(n, 1))
        sources: list[Ints] = []
        targets: list[Ints] = []
        everyone = np.arange(n, dtype=np.int64)
        for first in range(0, n, rows):
            block = np.arange(first, min(n, first + rows), dtype=np.int64)
            a, b = self._allowed(np.repeat(block, n), np.tile(everyone, len(block)))
            sources.append(a)
            targets.append(b)
        src = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
        dst = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)
        score = np.full(len(src), 0, dtype=np.int64)
        for rule in self.rules.soft:
            score += _points(rule, self.table, src, dst, _measure(rule, self.table, src, dst))
        return Graph(self.ids, src, dst, score + self.rules.base)

    def _allowed(self, a: Ints, b: Ints) -> tuple[Ints, Ints]:
        a, b = _possible(self.rules, self.table, a, b)
        if len(self._declined):
            keep = ~np.isin(a * len(self.ids) + b, self._declined)
            a, b = a[keep], b[keep]
        return a, b

    def explain(self, source: str, target: str) -> Explanation:
        """Whether `source` could take `target`'s post, the score and the reasons, by the same rules."""
        a = np.array([self._index[source]], dtype=np.int64)
        b = np.array([self._index[target]], dtype=np.int64)
        if not len(self._allowed(a, b)[0]):
            return Explanation(False, 0, ())
        reasons = [Message(r.says) for r in self.rules.hard if r.says]
        score = self.rules.base
        for rule in self.rules.soft:
            measure = _measure(rule, self.table, a, b)
            points = int(_points(rule, self.table, a, b, measure)[0])
            score += points
            if points > 0:
                reasons.append(_reason(rule, self.table, int(b[0]), float(measure[0])))
        return Explanation(True, score, tuple(reasons))
