"""Repositories: translate between rows and the core's records. They never commit; the unit of
work owns the transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.engine import Value
from bot.ports import Conflict
from bot.records import Intake, IntakeStatus, Participant
from storage.models import InboundEventRow, IntakeRow, ParticipantRow


def _participant(row: ParticipantRow) -> Participant:
    return Participant(id=row.id, platform=row.platform, external_id=row.external_id, locale=row.locale)


class SqlParticipants:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, platform: str, external_id: str) -> Participant | None:
        row = self._session.scalar(
            select(ParticipantRow).where(
                ParticipantRow.platform == platform, ParticipantRow.external_id == external_id
            )
        )
        return _participant(row) if row else None

    def add(self, platform: str, external_id: str, locale: str, now: datetime) -> Participant:
        row = ParticipantRow(
            platform=platform, external_id=external_id, locale=locale, created_at=now, updated_at=now
        )
        try:
            with self._session.begin_nested():  # first contact may come twice at once: let one win
                self._session.add(row)
        except IntegrityError as error:
            raise Conflict(f"participant {platform}:{external_id} was added meanwhile") from error
        return _participant(row)

    def set_locale(self, participant_id: int, locale: str, now: datetime) -> None:
        self._session.execute(
            update(ParticipantRow)
            .where(ParticipantRow.id == participant_id)
            .values(locale=locale, updated_at=now)
        )


def _intake(row: IntakeRow) -> Intake:
    return Intake(
        id=row.id,
        participant_id=row.participant_id,
        programme_id=row.programme_id,
        dialogue_version=row.dialogue_version,
        status=IntakeStatus(row.status),
        answers=dict(row.answers),
        current=row.current,
        suggestion=tuple(row.suggestion),
        awaiting_cancel=row.awaiting_cancel,
        created_at=row.created_at,
        updated_at=row.updated_at,
        confirmed_at=row.confirmed_at,
        last_typed_at=row.last_typed_at,
        version=row.version,
    )


def _columns(intake: Intake) -> dict[str, object]:
    return {
        "status": intake.status.value,
        "answers": dict(intake.answers),
        "current": intake.current,
        "suggestion": list(intake.suggestion),
        "awaiting_cancel": intake.awaiting_cancel,
        "updated_at": intake.updated_at,
        "confirmed_at": intake.confirmed_at,
        "last_typed_at": intake.last_typed_at,
    }


class SqlIntakes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self, participant_id: int, programme_id: str) -> Intake | None:
        mine = select(IntakeRow).where(
            IntakeRow.participant_id == participant_id, IntakeRow.programme_id == programme_id
        )
        row = self._session.scalar(mine.where(IntakeRow.status == IntakeStatus.OPEN.value))
        if row is None:
            row = self._session.scalar(
                mine.where(IntakeRow.status == IntakeStatus.CONFIRMED.value)
                .order_by(IntakeRow.id.desc())
                .limit(1)
            )
        return _intake(row) if row else None

    def active(self, participant_id: int) -> Intake | None:
        mine = select(IntakeRow).where(IntakeRow.participant_id == participant_id)
        row = self._session.scalar(
            mine.where(IntakeRow.status == IntakeStatus.OPEN.value)
            .order_by(IntakeRow.updated_at.desc(), IntakeRow.id.desc())
            .limit(1)
        )
        if row is None:
            row = self._session.scalar(
                mine.where(IntakeRow.status == IntakeStatus.CONFIRMED.value)
                .order_by(IntakeRow.confirmed_at.desc(), IntakeRow.id.desc())
                .limit(1)
            )
        return _intake(row) if row else None

    def add(self, intake: Intake) -> Intake:
        row = IntakeRow(
            participant_id=intake.participant_id,
            programme_id=intake.programme_id,
            dialogue_version=intake.dialogue_version,
            created_at=intake.created_at,
            version=1,
            **_columns(intake),
        )
        try:
            with self._session.begin_nested():  # two starts at once: the second finds the first
                self._session.add(row)
        except IntegrityError as error:
            raise Conflict(f"an open {intake.programme_id} intake was started meanwhile") from error
        return _intake(row)

    def save(self, intake: Intake) -> Intake:
        # Compare-and-set on the version: a concurrent change makes this match no row.
        result = self._session.execute(
            update(IntakeRow)
            .where(IntakeRow.id == intake.id, IntakeRow.version == intake.version)
            .values(version=intake.version + 1, **_columns(intake))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"intake {intake.id} changed meanwhile")
        return Intake(**{**intake.__dict__, "version": intake.version + 1})


class SqlInboundEvents:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, event_id: str, now: datetime) -> bool:
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(InboundEventRow)
            .values(event_id=event_id, received_at=now)
            .on_conflict_do_nothing()
            .returning(InboundEventRow.event_id)  # rowcount is -1 here on psycopg 3
        )
        return self._session.execute(statement).first() is not None

    def forget_before(self, moment: datetime) -> None:
        self._session.execute(delete(InboundEventRow).where(InboundEventRow.received_at < moment))


class SqlRegistrations:
    def __init__(self, session: Session) -> None:
        self._session = session

    def confirmed(self, programme_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        rows = self._session.execute(
            select(ParticipantRow.external_id, IntakeRow.answers)
            .join(ParticipantRow, ParticipantRow.id == IntakeRow.participant_id)
            .where(IntakeRow.programme_id == programme_id, IntakeRow.status == IntakeStatus.CONFIRMED.value)
            .order_by(IntakeRow.confirmed_at, IntakeRow.id)
        )
        return [(external_id, dict(answers)) for external_id, answers in rows]
