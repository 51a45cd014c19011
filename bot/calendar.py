"""Calendar files (.ics, RFC 5545) for a session, made with the icalendar library.

Times are written in UTC (`DTSTART:20270830T143000Z`): every calendar shows them in its own zone,
and no VTIMEZONE is needed. The UID is the session's, so an update or a cancellation replaces the
entry a person's calendar already holds; SEQUENCE grows with each change, as RFC 5546 asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

PRODID = "-//ruilbot//sessies//NL"
DOMAIN = "ruilbot"


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    description: str
    cancelled: bool = False


def uid(session_id: int) -> str:
    return f"session-{session_id}@{DOMAIN}"


def ics(invite: Invite, stamp: datetime) -> bytes:
    """The calendar file: METHOD:REQUEST for an invitation or update, METHOD:CANCEL to take it away."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if invite.cancelled else "REQUEST")
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", invite.starts_at.astimezone(UTC))
    event.add("dtend", invite.ends_at.astimezone(UTC))
    event.add("summary", invite.title)
    if invite.location:
        event.add("location", invite.location)
    if invite.description:
        event.add("description", invite.description)
    event.add("status", "CANCELLED" if invite.cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
