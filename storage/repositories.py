"""Repositories: translate between rows and the core's records. They never commit; the unit of
work owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ports import Conflict
from bot.records import Conversation, Intake, IntakeStatus, Participant
from storage.models import ConversationRow, InboundEventRow, IntakeRow, ParticipantRow


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
        dialogue_id=row.dialogue_id,
        waitlist=row.waitlist,
        dialogue_version=row.dialogue_version,
        status=IntakeStatus(row.status),
        answers=dict(row.answers),
        created_at=row.created_at,
        updated_at=row.updated_at,
        confirmed_at=row.confirmed_at,
        version=row.version,
    )


def _columns(intake: Intake) -> dict[str, object]:
    return {
        "status": intake.status.value,
        "answers": dict(intake.answers),
        "updated_at": intake.updated_at,
        "confirmed_at": intake.confirmed_at,
    }


class SqlIntakes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self, participant_id: int, dialogue_id: str) -> Intake | None:
        mine = select(IntakeRow).where(
            IntakeRow.participant_id == participant_id, IntakeRow.dialogue_id == dialogue_id
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

    def get(self, intake_id: int) -> Intake | None:
        row = self._session.get(IntakeRow, intake_id)
        return _intake(row) if row else None

    def of(self, participant_id: int) -> list[Intake]:
        """Per dialogue, the open intake or else the latest confirmed one; oldest first."""
        rows = self._session.scalars(
            select(IntakeRow)
            .where(
                IntakeRow.participant_id == participant_id,
                IntakeRow.status != IntakeStatus.CANCELLED.value,
            )
            .order_by(IntakeRow.id)
        )
        latest: dict[str, Intake] = {}
        for intake in map(_intake, rows):
            kept = latest.get(intake.dialogue_id)
            if kept is None or kept.status is not IntakeStatus.OPEN:
                latest[intake.dialogue_id] = intake
        return sorted(latest.values(), key=lambda i: i.id or 0)

    def add(self, intake: Intake) -> Intake:
        row = IntakeRow(
            participant_id=intake.participant_id,
            programme_id=intake.programme_id,
            dialogue_id=intake.dialogue_id or intake.programme_id,
            waitlist=intake.waitlist,
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


_POSITION = (
    "current",
    "awaiting_cancel",
    "last_typed_at",
    "shown_step",
    "shown_at",
    "answer_at",
    "answer_question",
    "answer_next",
    "updated_at",
)


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        intake_id=row.intake_id,
        surface=row.surface,
        suggestion=tuple(row.suggestion),
        version=row.version,
        **{name: getattr(row, name) for name in _POSITION},
    )


def _position(conversation: Conversation) -> dict[str, object]:
    return {"suggestion": list(conversation.suggestion)} | {
        name: getattr(conversation, name) for name in _POSITION
    }


class SqlConversations:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, intake_id: int, surface: str) -> Conversation | None:
        row = self._session.scalar(
            select(ConversationRow).where(
                ConversationRow.intake_id == intake_id, ConversationRow.surface == surface
            )
        )
        return _conversation(row) if row else None

    def add(self, conversation: Conversation) -> Conversation:
        row = ConversationRow(
            intake_id=conversation.intake_id,
            surface=conversation.surface,
            version=1,
            **_position(conversation),
        )
        try:
            with self._session.begin_nested():  # the same surface opened twice at once: one wins
                self._session.add(row)
        except IntegrityError as error:
            raise Conflict(f"a {conversation.surface} conversation was added meanwhile") from error
        return _conversation(row)

    def save(self, conversation: Conversation) -> Conversation:
        result = self._session.execute(
            update(ConversationRow)
            .where(ConversationRow.id == conversation.id, ConversationRow.version == conversation.version)
            .values(version=conversation.version + 1, **_position(conversation))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"conversation {conversation.id} changed meanwhile")
        return Conversation(**{**conversation.__dict__, "version": conversation.version + 1})

    def shown(self, intake_id: int, surface: str, step: str, at: datetime) -> None:
        # Not versioned: it records a fact about the screen, and only a newer fact replaces it. The
        # same step shown again (a question repeated after a refusal) keeps the moment it first came.
        self._session.execute(
            update(ConversationRow)
            .where(
                ConversationRow.intake_id == intake_id,
                ConversationRow.surface == surface,
                ConversationRow.shown_step.is_distinct_from(step),
                (ConversationRow.shown_at.is_(None)) | (ConversationRow.shown_at < at),
            )
            .values(shown_step=step, shown_at=at)
            .execution_options(synchronize_session=False)
        )


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
