"""Sessions and events as the core sees them, and the pure rules about them: who gets a place, who
waits, and when the reminders before a session are due. No storage, no Slack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.programmes import Localised, Programme

DEFAULT_REMINDERS = (7, 1)  # days before a session, unless a programme sets `rules.session_reminders`
DEFAULT_HOLD_DAYS = 7  # a place held for a brought manager, unless a programme sets `rules.held_place_days`


class SessionStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Place(StrEnum):
    """Where a person stands at a session."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    HELD = "held"  # held for a manager an MD adviser brings along, until they confirm
    CANCELLED = "cancelled"  # unregistered (the row stays: history, and a place to come back to)


TAKING = (Place.REGISTERED, Place.HELD)  # these use a place
ACTIVE = (Place.REGISTERED, Place.HELD, Place.WAITLISTED)


@dataclass(frozen=True)
class Session:
    programme_id: str
    title: Localised
    starts_at: datetime  # aware UTC
    ends_at: datetime
    location: str | None = None
    capacity: int | None = None  # None: no limit
    registration_deadline: datetime | None = None  # None: until it starts
    status: SessionStatus = SessionStatus.PLANNED
    sequence: int = 0  # the .ics SEQUENCE, one up on every move or cancellation
    event_key: str | None = None  # the catalogue's event id, for a seeded one
    dialogue_id: str | None = None  # registering asks this dialogue first; None: one click
    id: int | None = None

    @property
    def closes_at(self) -> datetime:
        """When registration closes: the deadline, or else the start."""
        return self.registration_deadline or self.starts_at

    @property
    def cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED


@dataclass(frozen=True)
class Registration:
    session_id: int
    participant_id: int
    place: Place
    queued_at: datetime  # the waitlist's order (with the id)
    created_at: datetime
    updated_at: datetime
    answers: Mapping[str, Any] = field(default_factory=dict)  # what the registration dialogue asked
    brought_by: int | None = None  # the MD adviser who registered this manager
    remind_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Occupancy:
    taken: int  # registered or held
    waiting: int


def from_catalogue(programme: Programme) -> list[Session]:
    """The sessions a programme's catalogue entry seeds."""
    return [
        Session(
            programme_id=programme.id,
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            location=event.location,
            capacity=event.capacity,
            registration_deadline=event.registration_deadline,
            event_key=event.id,
            dialogue_id=event.registration,
        )
        for event in programme.events
    ]


def reminder_days(programme: Programme) -> tuple[int, ...]:
    """The days before a session that its programme reminds people, largest first."""
    raw = programme.rules.get("session_reminders", DEFAULT_REMINDERS)
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValueError(f"programme {programme.id!r}: rules.session_reminders must be a list of days")
    days = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"programme {programme.id!r}: rules.session_reminders: {value!r} is not a day count"
            )
        days.append(value)
    return tuple(sorted(set(days), reverse=True))


def hold_days(programme: Programme) -> int:
    """How long a place held for a manager an MD adviser brings waits for their yes (days), before it
    goes to the waitlist."""
    raw = programme.rules.get("held_place_days", DEFAULT_HOLD_DAYS)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 60:
        raise ValueError(f"programme {programme.id!r}: rules.held_place_days must be a number of days (1-60)")
    return raw


def next_reminder(starts_at: datetime, days: Sequence[int], after: datetime) -> datetime | None:
    """The first reminder due after `after`: one registered three days before a session hears one
    day before, not a late 'one week to go'."""
    due = [starts_at - timedelta(days=d) for d in days if starts_at - timedelta(days=d) > after]
    return min(due, default=None)


def due_reminder(starts_at: datetime, days: Sequence[int], now: datetime) -> int | None:
    """Which reminder is due at `now` (its number of days), if any: the latest one that has come,
    so a sender that was down for a week sends one reminder, not two at once."""
    if now >= starts_at:
        return None
    come = [d for d in days if starts_at - timedelta(days=d) <= now]
    return min(come, default=None)


def has_room(session: Session, occupancy: Occupancy) -> bool:
    return session.capacity is None or occupancy.taken < session.capacity


def places_left(session: Session, occupancy: Occupancy) -> int | None:
    return None if session.capacity is None else max(0, session.capacity - occupancy.taken)
