"""Who takes part in matching: one plain record per person, the same shape for every swap programme.

A programme's intake answers are turned into a `Candidate` by a small adapter (below for the
Managersruil); the rules in the catalogue then speak of attributes, wishes, texts and the window only,
so a programme without an intake yet (Leidinggevenden in Beweging) is matched from synthetic records.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.dialogues.common import ANY
from bot.engine import Value
from bot.parsing import normalise


@dataclass(frozen=True)
class Window:
    """When someone could be away from their own post: from `start` at the earliest, for `months`."""

    start: date
    months: int

    def begin(self, today: date) -> float:
        """The earliest start on a month axis (months since year 0, days as fractions); a start that
        has passed counts from today, since nobody can swap in the past."""
        day = max(self.start, today)
        return day.year * 12 + day.month - 1 + (day.day - 1) / calendar.monthrange(day.year, day.month)[1]


@dataclass(frozen=True)
class Candidate:
    id: str  # stable and unique within one run: a Slack user id, an intake id
    organisation: str  # ministry or organisation; what "not with" lists refer to
    attributes: Mapping[str, str | int] = field(default_factory=dict)  # field, scale, region, ...
    wishes: Mapping[str, frozenset[str]] = field(
        default_factory=dict
    )  # attribute -> wished values; absent = any
    window: Window | None = None
    texts: Mapping[str, str] = field(default_factory=dict)  # function, learning goal, ...
    not_with: frozenset[str] = frozenset()  # organisations this person must not swap with

    def value(self, attribute: str) -> str | int | None:
        return self.organisation if attribute == "organisation" else self.attributes.get(attribute)


def _wish(values: Value | None) -> frozenset[str] | None:
    """A multi-choice answer as a wish; None when the person has no preference ("any")."""
    if not isinstance(values, list) or not values or ANY.value in values:
        return None
    return frozenset(values)


def managersruil_candidate(
    candidate_id: str, answers: Mapping[str, Value], not_with: frozenset[str] = frozenset()
) -> Candidate | None:
    """A confirmed Managersruil intake as a candidate; None when an answer matching needs is missing
    (an intake confirmed under an older declaration, say), so it is left out rather than guessed."""
    ministry, scale, field_, period, start = (
        answers.get(k) for k in ("ministry", "scale", "field", "period", "start")
    )
    if not (isinstance(ministry, str) and isinstance(scale, int) and isinstance(field_, str)):
        return None
    if not (isinstance(period, int) and isinstance(start, str)):
        return None
    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        return None
    if ministry == "other":  # another organisation is its own 'ministry': never equal to a real one
        ministry = f"other:{str(answers.get('ministry_other', '')).strip().lower()}"
    wishes = {
        attribute: wish
        for attribute, wish in (
            ("organisation", _wish(answers.get("wanted_ministries"))),
            ("field", _wish(answers.get("wanted_fields"))),
        )
        if wish is not None
    }
    texts = {
        k: str(answers[k]) for k in ("function", "directorate", "learning") if isinstance(answers.get(k), str)
    }
    attributes: dict[str, str | int] = {"scale": scale, "field": field_}
    if isinstance(answers.get("region"), str):
        attributes["region"] = str(answers["region"])
    return Candidate(
        id=candidate_id,
        organisation=ministry,
        attributes=attributes,
        wishes=wishes,
        window=Window(start_date, period),
        texts=texts,
        not_with=not_with,
    )


@dataclass(frozen=True)
class Exclusions:
    """Who and what is left out of a matching run. Withdrawn people are simply not candidates."""

    paused: frozenset[str] = frozenset()  # ids of people who paused their search
    in_proposal: frozenset[str] = frozenset()  # ids of people in an open proposal: not proposed twice
    declined: frozenset[frozenset[str]] = frozenset()  # pairs {a, b} that were declined: never again

    def leaves_out(self, candidate_id: str) -> bool:
        return candidate_id in self.paused or candidate_id in self.in_proposal


NOBODY = Exclusions()  # a run that leaves nobody out

# How a programme's confirmed intake becomes a candidate; a programme without an intake has none yet.
LIB_MONTHS = 4  # Leidinggevenden in Beweging: the swap lasts four months, for everyone


def lib_candidate(
    candidate_id: str, answers: Mapping[str, Value], not_with: frozenset[str] = frozenset()
) -> Candidate | None:
    """A confirmed Leidinggevenden in Beweging intake as a candidate: their organisation (typed, so
    compared as written, folded), its kind, the region, and from when they can go for four months."""
    organisation, kind, region, start = (
        answers.get(k) for k in ("organisation", "organisation_kind", "region", "available_from")
    )
    if not (isinstance(organisation, str) and isinstance(kind, str) and isinstance(region, str)):
        return None
    if not isinstance(start, str):
        return None
    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        return None
    wished = _wish(answers.get("wanted_kinds"))
    function = answers.get("function")
    return Candidate(
        id=candidate_id,
        organisation=f"org:{normalise(organisation)}",
        attributes={"kind": kind, "region": normalise(region)},
        wishes={"kind": wished} if wished is not None else {},
        window=Window(start_date, LIB_MONTHS),
        texts={"function": function} if isinstance(function, str) else {},
        not_with=not_with,
    )


ADAPTERS: Mapping[str, Callable[[str, Mapping[str, Value]], Candidate | None]] = {
    "managersruil": managersruil_candidate,
    "leidinggevenden-in-beweging": lib_candidate,
}
