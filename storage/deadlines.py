"""Who still has to finish an intake before a programme's registration deadline. Like every repository
here, it never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, exists, literal, or_, select
from sqlalchemy.orm import Session

from bot.records import Intake, IntakeStatus, Participant
from storage.models import IntakeRow, OutboxRow, ParticipantRow, PreferenceRow
from storage.repositories import I, P, _intake, _participant


class SqlDeadlines:
    def __init__(self, session: Session) -> None:
        self._session = session

    def unreminded(
        self, programme_id: str, started_before: datetime, key_prefix: str, key_suffix: str, limit: int
    ) -> list[tuple[Intake, Participant]]:
        # The reminder's own dedupe key marks it done: a tick that asks again skips who has it.
        key = literal(key_prefix) + cast(IntakeRow.id, String) + literal(key_suffix)
        rows = self._session.execute(
            select(I, P)
            .join(ParticipantRow, ParticipantRow.id == IntakeRow.participant_id)
            .outerjoin(PreferenceRow, PreferenceRow.participant_id == ParticipantRow.id)
            .where(
                IntakeRow.programme_id == programme_id,
                IntakeRow.status == IntakeStatus.OPEN.value,
                IntakeRow.created_at <= started_before,
                or_(PreferenceRow.deadlines.is_(None), PreferenceRow.deadlines.is_(True)),
                ~exists().where(OutboxRow.dedupe_key == key),
            )
            .order_by(IntakeRow.id)
            .limit(limit)
        ).all()
        return [(_intake(row._mapping), _participant(row._mapping)) for row in rows]
