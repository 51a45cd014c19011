"""Sessions and registrations in the database. Never commits: the unit of work owns the transaction.

What the Home tab and the session list read (upcoming sessions, their occupancy, a person's own places)
are Core statements built once, on the unit of work's connection: the ORM Session is made only for a
change. Its changes are flushed as they are made, so these reads see them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Row, Table, bindparam, case, func, select
from sqlalchemy.orm import Session as OrmSession

from bot.programmes import Localised
from bot.records import Participant
from bot.session_records import TAKING, Occupancy, Place, Registration, Session, SessionStatus
from storage.models import ParticipantRow, SessionRegistrationRow, SessionRow
from storage.outbox import _insert

_ACTIVE = (Place.REGISTERED.value, Place.HELD.value, Place.WAITLISTED.value)
_SESSIONS = cast(Table, SessionRow.__table__)
_REGISTRATIONS = cast(Table, SessionRegistrationRow.__table__)
UPCOMING = (
    select(_SESSIONS)
    .where(_SESSIONS.c.status == SessionStatus.PLANNED.value, _SESSIONS.c.starts_at > bindparam("now"))
    .order_by(_SESSIONS.c.starts_at, _SESSIONS.c.id)
)
UPCOMING_OF = UPCOMING.where(_SESSIONS.c.programme_id == bindparam("programme_id"))
OCCUPANCY = (
    select(
        _REGISTRATIONS.c.session_id,
        func.sum(case((_REGISTRATIONS.c.status.in_([p.value for p in TAKING]), 1), else_=0)),
        func.sum(case((_REGISTRATIONS.c.status == Place.WAITLISTED.value, 1), else_=0)),
    )
    .where(_REGISTRATIONS.c.session_id.in_(bindparam("ids", expanding=True)))
    .group_by(_REGISTRATIONS.c.session_id)
)
PLACES_OF = (
    select(_REGISTRATIONS)
    .where(
        _REGISTRATIONS.c.participant_id == bindparam("participant_id"), _REGISTRATIONS.c.status.in_(_ACTIVE)
    )
    .order_by(_REGISTRATIONS.c.id)
)


def _session(row: SessionRow | Row[Any]) -> Session:
    return Session(
        id=row.id,
        programme_id=row.programme_id,
        event_key=row.event_key,
        dialogue_id=row.dialogue_id,
        title=Localised(nl=row.title_nl, en=row.title_en),
        location=row.location,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        capacity=row.capacity,
        registration_deadline=row.registration_deadline,
        status=SessionStatus(row.status),
        sequence=row.sequence,
    )


def _fields(session: Session) -> dict[str, Any]:
    return {
        "programme_id": session.programme_id,
        "event_key": session.event_key,
        "dialogue_id": session.dialogue_id,
        "title_nl": session.title.nl,
        "title_en": session.title.en,
        "location": session.location,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": session.capacity,
        "registration_deadline": session.registration_deadline,
        "status": session.status.value,
        "sequence": session.sequence,
    }


def _registration(row: SessionRegistrationRow | Row[Any]) -> Registration:
    return Registration(
        id=row.id,
        session_id=row.session_id,
        participant_id=row.participant_id,
        place=Place(row.status),
        answers=dict(row.answers),
        brought_by=row.brought_by,
        queued_at=row.queued_at,
        remind_at=row.remind_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlSessions:
    def __init__(self, connection: Connection, session: Callable[[], OrmSession]) -> None:
        self._db = connection
        self._sessions = session  # made when first needed: the Home tab and the list only read

    @property
    def _session(self) -> OrmSession:
        return self._sessions()

    def seed(self, sessions: Sequence[Session], now: datetime) -> int:
        known = {
            (p, k)
            for p, k in self._session.execute(
                select(SessionRow.programme_id, SessionRow.event_key).where(SessionRow.event_key.is_not(None))
            )
        }
        added = 0
        for session in sessions:
            if (session.programme_id, session.event_key) in known:
                continue
            # Two instances starting at once: the unique key makes the second insert a no-op.
            statement = (
                _insert(self._session)(SessionRow)
                .values(**_fields(session), created_at=now, updated_at=now)
                .on_conflict_do_nothing(index_elements=["programme_id", "event_key"])
            )
            added += cast(CursorResult[Any], self._session.execute(statement)).rowcount or 0
        return added

    def get(self, session_id: int, *, lock: bool = False) -> Session | None:
        statement = select(SessionRow).where(SessionRow.id == session_id)
        if lock:
            # What another transaction committed while we waited for the lock, not a cached copy.
            statement = statement.with_for_update().execution_options(populate_existing=True)
        row = self._session.execute(statement).scalar_one_or_none()
        return _session(row) if row is not None else None

    def upcoming(self, now: datetime, programme_id: str | None = None) -> list[Session]:
        if programme_id is None:
            rows = self._db.execute(UPCOMING, {"now": now})
        else:
            rows = self._db.execute(UPCOMING_OF, {"now": now, "programme_id": programme_id})
        return [_session(r) for r in rows]

    def add(self, session: Session, now: datetime) -> Session:
        row = SessionRow(**_fields(session), created_at=now, updated_at=now)
        self._session.add(row)
        self._session.flush()
        return _session(row)

    def save(self, session: Session, now: datetime) -> Session:
        assert session.id is not None
        row = self._session.get(SessionRow, session.id)
        if row is None:
            raise KeyError(f"no session {session.id}")
        for key, value in _fields(session).items():
            setattr(row, key, value)
        row.updated_at = now
        self._session.flush()
        return _session(row)

    def occupancy(self, session_ids: Sequence[int]) -> Mapping[int, Occupancy]:
        if not session_ids:
            return {}
        rows = self._db.execute(OCCUPANCY, {"ids": list(session_ids)})
        found = {sid: Occupancy(int(taken or 0), int(waiting or 0)) for sid, taken, waiting in rows}
        return {sid: found.get(sid, Occupancy(0, 0)) for sid in session_ids}

    def registration(self, session_id: int, participant_id: int) -> Registration | None:
        row = self._session.execute(
            select(SessionRegistrationRow).where(
                SessionRegistrationRow.session_id == session_id,
                SessionRegistrationRow.participant_id == participant_id,
            )
        ).scalar_one_or_none()
        return _registration(row) if row is not None else None

    def registration_by_id(self, registration_id: int) -> Registration | None:
        row = self._session.get(SessionRegistrationRow, registration_id)
        return _registration(row) if row is not None else None

    def of(self, participant_id: int) -> list[Registration]:
        rows = self._db.execute(PLACES_OF, {"participant_id": participant_id})
        return [_registration(r) for r in rows]

    def put(self, registration: Registration) -> Registration:
        values = {
            "session_id": registration.session_id,
            "participant_id": registration.participant_id,
            "status": registration.place.value,
            "answers": dict(registration.answers),
            "brought_by": registration.brought_by,
            "queued_at": registration.queued_at,
            "remind_at": registration.remind_at,
            "created_at": registration.created_at,
            "updated_at": registration.updated_at,
        }
        if registration.id is None:
            row = SessionRegistrationRow(**values)
            self._session.add(row)
        else:
            found = self._session.get(SessionRegistrationRow, registration.id)
            if found is None:
                raise KeyError(f"no registration {registration.id}")
            row = found
            for key, value in values.items():
                setattr(row, key, value)
        self._session.flush()
        return _registration(row)

    def at(self, session_id: int, places: Sequence[Place]) -> list[Registration]:
        rows = self._session.scalars(
            select(SessionRegistrationRow)
            .where(
                SessionRegistrationRow.session_id == session_id,
                SessionRegistrationRow.status.in_([p.value for p in places]),
            )
            .order_by(SessionRegistrationRow.queued_at, SessionRegistrationRow.id)
        )
        return [_registration(r) for r in rows]

    def due_reminders(self, now: datetime, limit: int) -> list[Registration]:
        R = SessionRegistrationRow
        rows = self._session.scalars(
            select(R)
            .join(SessionRow, SessionRow.id == R.session_id)
            .where(
                R.status == Place.REGISTERED.value,
                R.remind_at.is_not(None),
                R.remind_at <= now,
                SessionRow.status == SessionStatus.PLANNED.value,
            )
            .order_by(R.remind_at, R.id)
            .limit(limit)
        )
        return [_registration(r) for r in rows]

    def held_before(self, programme_id: str, before: datetime, limit: int) -> list[Registration]:
        R = SessionRegistrationRow
        rows = self._session.scalars(
            select(R)
            .join(SessionRow, SessionRow.id == R.session_id)
            .where(
                R.status == Place.HELD.value,
                R.updated_at <= before,
                SessionRow.programme_id == programme_id,
                SessionRow.status == SessionStatus.PLANNED.value,
            )
            .order_by(R.updated_at, R.id)
            .limit(limit)
        )
        return [_registration(r) for r in rows]

    def person(self, participant_id: int) -> Participant | None:
        row = self._session.get(ParticipantRow, participant_id)
        if row is None:
            return None
        return Participant(id=row.id, platform=row.platform, external_id=row.external_id, locale=row.locale)
