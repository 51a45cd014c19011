"""How session notices read when the outbox sender sends them, with their .ics calendar file, and
whether they are still true by then. Kept apart from `bot.sessions` so `bot.outbox` can list these
templates without importing the service."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot import calendar
from bot.clock import AMSTERDAM
from bot.i18n import Safe, Translator
from bot.interaction import Target
from bot.parsing import normalise
from bot.programmes import Catalogue, Localised
from bot.session_records import ACTIVE, TAKING, Place, Session, SessionStatus
from bot.views import Act, Attachment, Button, Screen

if TYPE_CHECKING:
    from bot.outbox import OutboxMessage, Records

Param = str | int | bool


def when(t: Translator, session: Session) -> Safe:
    """'maandag 30 augustus 2027, 16:30–18:30' in Amsterdam time; two dates when it runs over a day."""
    start, end = session.starts_at.astimezone(AMSTERDAM), session.ends_at.astimezone(AMSTERDAM)
    if start.date() == end.date():
        return t.t("sessions.when", date=t.date(start.date()), start=f"{start:%H:%M}", end=f"{end:%H:%M}")
    return t.t(
        "sessions.when_days",
        date=t.date(start.date()),
        start=f"{start:%H:%M}",
        end_date=t.date(end.date()),
        end=f"{end:%H:%M}",
    )


def session_params(session: Session, now: datetime) -> dict[str, Param]:
    """What a notice needs to render the session and its .ics later, as it was at this change."""
    assert session.id is not None
    return {
        "session_id": session.id,
        "sequence": session.sequence,
        "programme_id": session.programme_id,
        "title_nl": session.title.nl,
        "title_en": session.title.en,
        "location": session.location or "",
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "cancelled": session.cancelled,
        "stamp": now.isoformat(),
    }


def _session_of(params: Mapping[str, Param]) -> Session:
    return Session(
        id=int(params["session_id"]),
        programme_id=str(params["programme_id"]),
        title=Localised(nl=str(params["title_nl"]), en=str(params["title_en"])),
        starts_at=datetime.fromisoformat(str(params["starts_at"])),
        ends_at=datetime.fromisoformat(str(params["ends_at"])),
        location=str(params["location"]) or None,
        sequence=int(params["sequence"]),
        status=SessionStatus.CANCELLED if params.get("cancelled") else SessionStatus.PLANNED,
    )


def _calendar_file(
    t: Translator, catalogue: Catalogue, session: Session, stamp: datetime, cancel: bool
) -> Attachment:
    assert session.id is not None
    title = session.title.get(t.locale)
    programme = catalogue.get(session.programme_id).name.get(t.locale)
    content = calendar.ics(
        calendar.Invite(
            uid=calendar.uid(session.id),
            sequence=session.sequence,
            title=title,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            location=session.location,
            description=str(t.t("sessions.ics_description", programme=programme)),
            cancelled=cancel,
        ),
        stamp,
    )
    slug = re.sub(r"[^a-z0-9]+", "-", normalise(title))[:40].strip("-") or "sessie"
    return Attachment(filename=f"{slug}.ics", title=title, content=content)


def render_notice(
    t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool, template: str
) -> Screen:
    session = _session_of(params)
    title, moment = session.title.get(t.locale), when(t, session)
    where = session.location or t.t("sessions.place_unknown")
    stamp = datetime.fromisoformat(str(params["stamp"]))
    with_file = template in ("session.registered", "session.promoted", "session.left")
    if template in ("session.moved", "session.cancelled"):
        # Only a calendar that has the entry gets an update: not a held place, nor the waitlist's.
        with_file = params.get("place") == Place.REGISTERED.value
    cancel = template in ("session.left", "session.cancelled")
    key = {
        "session.registered": "sessions.notice_registered",
        "session.promoted": "sessions.notice_promoted",
        "session.moved": "sessions.notice_moved",
        "session.cancelled": "sessions.notice_cancelled",
        "session.left": "sessions.notice_left",
        "session.invited": "sessions.notice_invited",
        "session.brought_confirmed": "sessions.notice_brought_confirmed",
        "session.brought_declined": "sessions.notice_brought_declined",
        "session.brought_expired": "sessions.notice_brought_expired",
        "session.reminder": "sessions.notice_reminder_1"
        if params.get("days") == 1
        else "sessions.notice_reminder",
    }[template]
    if template == "session.invited":
        return _invited(t, session, params, console)
    text = t.t(
        key, title=title, when=moment, where=where, days=params.get("days", params.get("held_days", ""))
    )
    lines = [text]
    if with_file:
        lines.append(t.t("sessions.notice_file_cancel" if cancel else "sessions.notice_file"))
    attachment = _calendar_file(t, catalogue, session, stamp, cancel) if with_file else None
    return Screen(lines=tuple(lines), attachment=attachment)


def _invited(t: Translator, session: Session, params: Mapping[str, Param], console: bool) -> Screen:
    """A manager an MD adviser brings along: a place is held, will they come?"""
    assert session.id is not None
    by = str(params.get("by") or "") or t.t("sessions.an_adviser")
    title = session.title.get(t.locale)
    where = session.location or t.t("sessions.place_unknown")
    held = params.get("held_days")  # how long the place waits for a yes (absent in older notices)
    text = t.t(
        "sessions.notice_invited_days" if held else "sessions.notice_invited",
        by=by,
        title=title,
        when=when(t, session),
        where=where,
        days=held,
    )
    target = Target(session.id, session.sequence, "session")
    buttons = (
        ()
        if console
        else (
            Button(Act.SESSION_CONFIRM, t.t("sessions.confirm_yes"), "primary", target=target),
            Button(Act.SESSION_LEAVE, t.t("sessions.confirm_no"), target=target),
        )
    )
    return Screen(lines=(text,), buttons=buttons, typing=t.t("sessions.invited_typing"))


def renderer(template: str) -> Callable[[Translator, Catalogue, Mapping[str, Param], bool], Screen]:
    def render(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
        return render_notice(t, catalogue, params, console, template)

    return render


def still_true(records: Records, message: OutboxMessage) -> bool:
    """Is a session notice still true when its turn comes? A reminder or a welcome for a session that
    moved since is replaced by the move's own update; one for a place given up is not sent."""
    params = message.params
    session = records.sessions.get(int(params["session_id"]))
    if session is None:
        return False
    if message.template in (
        "session.cancelled",
        "session.brought_confirmed",
        "session.brought_declined",
        "session.brought_expired",
    ):
        return True
    registration = records.sessions.registration_by_id(int(params["registration_id"]))
    if registration is None:
        return False
    if message.template == "session.left":
        return registration.place is Place.CANCELLED and session.sequence == params.get("sequence")
    if session.cancelled or session.sequence != params.get("sequence"):
        return False
    if message.template == "session.reminder":
        return registration.place is Place.REGISTERED and records.preferences.wants(
            registration.participant_id, "reminders"
        )
    if message.template == "session.invited":
        return (
            registration.place is Place.HELD
            and not session.cancelled
            and session.sequence == params.get("sequence")
        )
    if message.template == "session.moved":
        return registration.place in ACTIVE
    return registration.place in TAKING


TEMPLATES = (
    "session.registered",
    "session.promoted",
    "session.moved",
    "session.cancelled",
    "session.left",
    "session.reminder",
    "session.invited",
    "session.brought_confirmed",
    "session.brought_declined",
    "session.brought_expired",
)
