"""A programme's matching rules as data, read from `rules.matching` in the catalogue.

Hard rules decide whether A could take B's post at all; soft rules add points to a possible pair. Each
rule names a kind from a small fixed vocabulary (the code in `scoring.py`) and its parameters; a
programme combines them. Every rule says why in words through a catalogue key (`says`), so the
explanation of a score is the list of rules that counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

HARD_KINDS = ("different", "same", "wished", "among", "near", "overlap")
SOFT_KINDS = ("wished", "same", "overlap", "start", "similar")


class RulesError(ValueError):
    """`rules.matching` is malformed; the message says which rule and what is wrong."""


@dataclass(frozen=True)
class HardRule:
    """A condition on the directed pair A -> B (A would take B's post).

    different/same: A's and B's `attribute` differ / are equal.
    wished:  B's `attribute` is among A's wishes for it, or A has no wish (chose "any").
    among:   both A's and B's `attribute` are in `values`.
    near:    the numbers differ by at most `gap`.
    overlap: a swap of at least `months` fits both: each gave an earliest start and a wished length,
             so the swap starts at the later start (at most `slack` months after the earlier one) and
             both wished lengths must reach `months`. Pairwise, this holds for a 3-way swap as a whole.
    """

    kind: str
    attribute: str = ""
    values: tuple[object, ...] = ()
    gap: float = 0
    months: int = 0
    slack: int = 0
    says: str | None = None  # catalogue key naming a passed rule in an explanation ("ander ministerie")


@dataclass(frozen=True)
class SoftRule:
    """Points for a possible pair; `points` is the most a rule gives.

    wished:  B's `attribute` was named among A's wishes (not merely "any").
    same:    A's and B's `attribute` are equal.
    overlap: how far the wished lengths agree (the shorter over the longer); says the shared months.
    start:   the windows start within `months` of each other (full points in the same month).
    similar: A's text `mine` resembles B's text `theirs` (rapidfuzz token set ratio), from `min_ratio`.
    """

    kind: str
    points: int
    attribute: str = ""
    mine: str = ""
    theirs: str = ""
    months: int = 0
    min_ratio: int = 0
    labels: str | None = None  # catalogue prefix for the attribute's values ("ministry" -> ministry.FIN)
    says: str = ""


@dataclass(frozen=True)
class MatchingRules:
    hard: tuple[HardRule, ...]
    soft: tuple[SoftRule, ...]
    base: int = 0  # points every possible pair gets: a swap that happens beats one that does not

    def message_keys(self) -> tuple[str, ...]:
        """Every catalogue key an explanation may use, so a test can hold them against nl and en."""
        return tuple(r.says for r in self.hard if r.says) + tuple(k for r in self.soft for k in _soft_keys(r))


def _soft_keys(rule: SoftRule) -> tuple[str, ...]:
    return (rule.says, rule.says + ".same", rule.says + ".one") if rule.kind == "start" else (rule.says,)


def parse_rules(raw: object) -> MatchingRules:
    """`rules.matching` of a programme -> MatchingRules, or RulesError naming the fault."""
    if not isinstance(raw, Mapping):
        raise RulesError("'matching' must be a mapping with 'hard' and 'soft' lists")
    unknown = sorted(str(k) for k in raw if k not in ("hard", "soft", "base"))
    if unknown:
        raise RulesError(f"unknown field(s) {', '.join(unknown)} in 'matching'")
    hard_raw, soft_raw = raw.get("hard", ()), raw.get("soft", ())
    if not isinstance(hard_raw, tuple | list) or not isinstance(soft_raw, tuple | list):
        raise RulesError("'hard' and 'soft' must be lists")
    hard = tuple(_hard(item, i) for i, item in enumerate(hard_raw))
    soft = tuple(_soft(item, i) for i, item in enumerate(soft_raw))
    base = raw.get("base", 0)
    if not isinstance(base, int) or isinstance(base, bool) or base < 0:
        raise RulesError("'base' must be a whole number, 0 or more")
    return MatchingRules(hard, soft, base)


def _hard(raw: object, index: int) -> HardRule:
    where = f"hard rule #{index + 1}"
    item = _mapping(raw, where, "rule", HARD_KINDS)
    kind = str(item["rule"])
    allowed = {"rule", "says"} | {
        "different": {"attribute"},
        "same": {"attribute"},
        "wished": {"attribute"},
        "among": {"attribute", "values"},
        "near": {"attribute", "gap"},
        "overlap": {"months", "slack"},
    }[kind]
    _only(item, allowed, where)
    says = item.get("says")
    if says is not None and not isinstance(says, str):
        raise RulesError(f"{where}: 'says' must be a catalogue key")
    values = item.get("values", ())
    if kind == "among" and (not isinstance(values, tuple | list) or not values):
        raise RulesError(f"{where}: 'among' needs a non-empty list of 'values'")
    return HardRule(
        kind=kind,
        attribute=_text(item, "attribute", where) if "attribute" in allowed else "",
        values=tuple(values) if isinstance(values, tuple | list) else (),
        gap=_number(item, "gap", where) if kind == "near" else 0,
        months=int(_number(item, "months", where)) if kind == "overlap" else 0,
        slack=int(_number(item, "slack", where)) if kind == "overlap" else 0,
        says=says,
    )


def _soft(raw: object, index: int) -> SoftRule:
    where = f"soft rule #{index + 1}"
    item = _mapping(raw, where, "score", SOFT_KINDS)
    kind = str(item["score"])
    allowed = {"score", "points", "says"} | {
        "wished": {"attribute", "labels"},
        "same": {"attribute", "labels"},
        "overlap": set(),
        "start": {"months"},
        "similar": {"mine", "theirs", "min_ratio"},
    }[kind]
    _only(item, allowed, where)
    points = item.get("points")
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        raise RulesError(f"{where}: 'points' must be a whole number, 0 or more")
    labels = item.get("labels")
    if labels is not None and not isinstance(labels, str):
        raise RulesError(f"{where}: 'labels' must be a catalogue prefix")
    min_ratio = int(_number(item, "min_ratio", where)) if kind == "similar" else 0
    if not 0 <= min_ratio <= 100:
        raise RulesError(f"{where}: 'min_ratio' must lie between 0 and 100")
    return SoftRule(
        kind=kind,
        points=points,
        attribute=_text(item, "attribute", where) if "attribute" in allowed else "",
        mine=_text(item, "mine", where) if kind == "similar" else "",
        theirs=_text(item, "theirs", where) if kind == "similar" else "",
        months=int(_number(item, "months", where)) if kind == "start" else 0,
        min_ratio=min_ratio,
        labels=labels,
        says=_text(item, "says", where),
    )


def _mapping(raw: object, where: str, head: str, kinds: tuple[str, ...]) -> Mapping[str, object]:
    if not isinstance(raw, Mapping) or raw.get(head) not in kinds:
        raise RulesError(f"{where}: needs '{head}' with one of {', '.join(kinds)}")
    return raw


def _only(item: Mapping[str, object], allowed: set[str], where: str) -> None:
    if unknown := sorted(str(k) for k in item if k not in allowed):
        raise RulesError(
            f"{where} ({item.get('rule') or item.get('score')}): unknown field(s) {', '.join(unknown)}"
        )


def _text(item: Mapping[str, object], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise RulesError(f"{where}: needs a text '{key}'")
    return value


def _number(item: Mapping[str, object], key: str, where: str) -> float:
    value = item.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise RulesError(f"{where}: needs a number '{key}', 0 or more")
    return float(value)
