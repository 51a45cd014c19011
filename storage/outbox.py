"""The outbox, nudge bookkeeping and message preferences. Like every repository here, these never
commit: a notice is stored in the transaction of the change that causes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.outbox import Notice, OutboxMessage, OutboxStatus
from bot.ports import Conflict, IdleIntake
from bot.preferences import KINDS
from bot.records import IntakeStatus
from storage.models import IntakeRow, NudgeRow, OutboxRow, ParticipantRow, PreferenceRow
from storage.repositories import I, P, _intake, _participant

_ERROR_LENGTH = 200


def _insert(session: Session) -> Any:
    """INSERT with ON CONFLICT, in the dialect of the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        dedupe_key=row.dedupe_key,
        platform=row.platform,
        recipient=row.recipient,
        locale=row.locale,
        template=row.template,
        params=dict(row.params),
        due_at=row.due_at,
        not_before=row.not_before,
        participant_id=row.participant_id,
        programme_id=row.programme_id,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        doubt_since=row.doubt_since,
        channel=row.channel,
        claimed_until=row.claimed_until,
        sent_at=row.sent_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, notice: Notice, now: datetime) -> bool:
        statement = (
            _insert(self._session)(OutboxRow)
            .values(
                dedupe_key=notice.dedupe_key,
                platform=notice.platform,
                recipient=notice.recipient,
                participant_id=notice.participant_id,
                programme_id=notice.programme_id,
                locale=notice.locale,
                template=notice.template,
                params=dict(notice.params),
                created_at=now,
                due_at=notice.due_at,
                not_before=notice.not_before,
                status=OutboxStatus.PENDING.value,
                attempts=0,
            )
            # A producer that runs twice (two ticks, two instances) adds the message once.
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxRow.id)  # rowcount is -1 here on psycopg 3
        )
        return self._session.execute(statement).first() is not None

    def lock_due(self, platform: str, now: datetime, limit: int) -> list[OutboxMessage]:
        rows = self._session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.not_before <= now,
                # A lease that ran out means its sender died or hangs: the message is free again.
                or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time anyway
        ).all()
        return [_message(row) for row in rows]

    def claim(self, ids: list[int], worker: str, now: datetime, until: datetime) -> None:
        if not ids:
            return
        self._update(
            OutboxRow.id.in_(ids),
            claimed_by=worker,
            claimed_until=until,
            attempts=OutboxRow.attempts + 1,
            doubt_since=func.coalesce(OutboxRow.doubt_since, now),
        )

    def postpone(self, message_id: int, not_before: datetime) -> None:
        self._update(OutboxRow.id == message_id, not_before=not_before)

    def drop(self, message_id: int, now: datetime, reason: str) -> None:
        self._update(
            OutboxRow.id == message_id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            status=OutboxStatus.DROPPED.value,
            last_error=reason[:_ERROR_LENGTH],
            claimed_by=None,
            claimed_until=None,
        )

    def sent(self, message_id: int, now: datetime, channel: str | None, ref: str | None) -> None:
        self._update(
            OutboxRow.id == message_id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            status=OutboxStatus.SENT.value,
            sent_at=now,
            channel=func.coalesce(channel, OutboxRow.channel),
            delivered_ref=ref,
            doubt_since=None,
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )

    def retry(
        self,
        message_id: int,
        worker: str,
        not_before: datetime,
        error: str,
        *,
        in_doubt: bool,
        channel: str | None = None,
    ) -> None:
        changes: dict[str, object] = {
            "not_before": not_before,
            "last_error": error[:_ERROR_LENGTH],
            "claimed_by": None,
            "claimed_until": None,
            "channel": func.coalesce(channel, OutboxRow.channel),
        }
        if not in_doubt:
            changes["doubt_since"] = None
        self._update(*self._mine(message_id, worker), **changes)

    def failed(self, message_id: int, worker: str, now: datetime, error: str) -> None:
        self._update(
            *self._mine(message_id, worker),
            status=OutboxStatus.FAILED.value,
            last_error=error[:_ERROR_LENGTH],
            claimed_by=None,
            claimed_until=None,
        )

    def waiting(self, platform: str, recipient: str) -> list[OutboxMessage]:
        rows = self._session.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.platform == platform,
                OutboxRow.recipient == recipient,
                OutboxRow.status == OutboxStatus.PENDING.value,
            )
            .order_by(OutboxRow.not_before, OutboxRow.id)
        ).all()
        return [_message(row) for row in rows]

    def get(self, message_id: int) -> OutboxMessage | None:
        row = self._session.get(OutboxRow, message_id)
        return _message(row) if row else None

    def keyed(
        self, prefix: str, platform: str | None = None, recipient: str | None = None
    ) -> list[OutboxMessage]:
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where: list[ColumnElement[bool]] = [OutboxRow.dedupe_key.like(pattern, escape="\\")]
        if platform is not None and recipient is not None:  # narrowed by an index first
            where += [OutboxRow.platform == platform, OutboxRow.recipient == recipient]
        rows = self._session.scalars(select(OutboxRow).where(*where).order_by(OutboxRow.id)).all()
        return [_message(row) for row in rows]

    @staticmethod
    def _mine(message_id: int, worker: str) -> tuple[object, ...]:
        # Only the lease holder may give up or reschedule; a late sender whose lease ran out may not.
        return (
            OutboxRow.id == message_id,
            OutboxRow.claimed_by == worker,
            OutboxRow.status == OutboxStatus.PENDING.value,
        )

    def _update(self, *where: object, **values: object) -> None:
        self._session.execute(
            update(OutboxRow).where(*where).values(**values).execution_options(synchronize_session=False)  # type: ignore[arg-type]
        )


class SqlNudges:
    def __init__(self, session: Session) -> None:
        self._session = session

    def idle(self, idle_before: datetime, max_nudges: int, limit: int) -> list[IdleIntake]:
        rows = self._session.execute(
            select(I, P, NudgeRow.count.label("nudges"), NudgeRow.last_at.label("last_nudge_at"))
            .join(ParticipantRow, ParticipantRow.id == IntakeRow.participant_id)
            .outerjoin(NudgeRow, NudgeRow.intake_id == IntakeRow.id)
            .outerjoin(PreferenceRow, PreferenceRow.participant_id == ParticipantRow.id)
            .where(
                IntakeRow.status == IntakeStatus.OPEN.value,
                IntakeRow.updated_at <= idle_before,
                or_(NudgeRow.count.is_(None), NudgeRow.count < max_nudges),
                or_(NudgeRow.last_at.is_(None), NudgeRow.last_at <= idle_before),
                or_(PreferenceRow.nudges.is_(None), PreferenceRow.nudges.is_(True)),
            )
            .order_by(IntakeRow.id)
            .limit(limit)
        ).all()
        return [
            IdleIntake(_intake(row._mapping), _participant(row._mapping), row.nudges or 0, row.last_nudge_at)
            for row in rows
        ]

    def record(self, intake_id: int, count: int, at: datetime) -> None:
        # An upsert: two ticks at once (two instances) write the same values instead of colliding.
        insert = _insert(self._session)
        statement = insert(NudgeRow).values(intake_id=intake_id, count=count, last_at=at)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["intake_id"],
                set_={"count": statement.excluded.count, "last_at": statement.excluded.last_at},
            )
        )


class SqlPreferences:
    """One row per person who ever switched something; no row, or a kind's column on: they want it."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def wants(self, participant_id: int, kind: str) -> bool:
        column = _kind_column(kind)
        row = self._session.get(PreferenceRow, participant_id)
        return True if row is None else bool(getattr(row, column))

    def all_wanted(self, participant_id: int) -> dict[str, bool]:
        row = self._session.get(PreferenceRow, participant_id)
        return {kind: True if row is None else bool(getattr(row, kind)) for kind in KINDS}

    def set_wants(self, participant_id: int, kind: str, on: bool, now: datetime) -> None:
        column = _kind_column(kind)
        row = self._session.get(PreferenceRow, participant_id)
        if row is not None:
            setattr(row, column, on)
            row.updated_at = now
            return
        switches = {k: (on if k == column else True) for k in KINDS}
        try:
            with self._session.begin_nested():  # the first switch, twice at once: one wins, one retries
                self._session.add(PreferenceRow(participant_id=participant_id, updated_at=now, **switches))
        except IntegrityError as error:
            raise Conflict(f"preferences of {participant_id} were added meanwhile") from error

    def nudges_on(self, participant_id: int) -> bool:
        return self.wants(participant_id, "nudges")

    def set_nudges(self, participant_id: int, on: bool, now: datetime) -> None:
        self.set_wants(participant_id, "nudges", on, now)


def _kind_column(kind: str) -> str:
    if kind not in KINDS:  # a typo here would silently send what someone turned off
        raise ValueError(f"unknown kind of message {kind!r}; expected one of {', '.join(KINDS)}")
    return kind
