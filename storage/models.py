"""SQLAlchemy 2 typed models. Every time is stored as timezone-aware UTC (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations can refer to them on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, also on SQLite (which forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing to store a naive datetime; use the injected clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class ParticipantRow(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    forget_asked_at: Mapped[datetime | None]  # "erase everything?" was asked: a typed yes answers it


class IntakeRow(Base):
    __tablename__ = "intakes"
    __table_args__ = (
        # One open intake per person and dialogue: a second /ruil resumes, it never forks.
        Index(
            "uq_intakes_open",
            "participant_id",
            "dialogue_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    dialogue_id: Mapped[str] = mapped_column(String(64))  # a programme may have more than one
    dialogue_version: Mapped[int]
    waitlist: Mapped[bool] = mapped_column(Boolean, server_default=false())  # registered after the deadline
    status: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    version: Mapped[int]


class ConversationRow(Base):
    """Where one surface (the DM, a modal, the console) stands in an intake. The answers are shared on
    the intake; each surface keeps its own position, and what it last showed the person."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("intake_id", "surface"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"))
    surface: Mapped[str] = mapped_column(String(16))
    current: Mapped[str | None] = mapped_column(String(64))
    suggestion: Mapped[list[str]]
    awaiting_cancel: Mapped[bool] = mapped_column(Boolean)
    last_typed_at: Mapped[datetime | None]
    shown_step: Mapped[str | None] = mapped_column(String(64))
    shown_at: Mapped[datetime | None]
    answer_at: Mapped[datetime | None]
    answer_question: Mapped[str | None] = mapped_column(String(64))
    answer_next: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]
    version: Mapped[int]


class InboundEventRow(Base):
    """Inbound ids already handled (Slack event ids, and message ids: one message can arrive under two
    event ids), so a second delivery has no second effect."""

    __tablename__ = "inbound_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class OutboxRow(Base):
    """A message the bot starts on its own: written with the change that causes it, sent exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        # The sender's question: what is pending and due on this platform?
        Index("ix_outbox_due", "platform", "status", "not_before"),
        Index("ix_outbox_recipient", "platform", "recipient", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    programme_id: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime]
    not_before: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int]
    doubt_since: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(64))
    delivered_ref: Mapped[str | None] = mapped_column(String(64))  # Slack's message ts
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))


class NudgeRow(Base):
    """How often an open intake was nudged, so a person hears at most twice, three days apart."""

    __tablename__ = "intake_nudges"

    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), primary_key=True)
    count: Mapped[int]
    last_at: Mapped[datetime]


class PreferenceRow(Base):
    """A person's choices about messages the bot starts itself; no row means the defaults."""

    __tablename__ = "preferences"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    # One switch per kind of message (bot.preferences.KINDS); a new row starts with every one on.
    nudges: Mapped[bool] = mapped_column(Boolean)
    reminders: Mapped[bool] = mapped_column(Boolean, server_default=true())
    deadlines: Mapped[bool] = mapped_column(Boolean, server_default=true())
    checkins: Mapped[bool] = mapped_column(Boolean, server_default=true())
    broadcasts: Mapped[bool] = mapped_column(Boolean, server_default=true())
    updated_at: Mapped[datetime]


class SessionRow(Base):
    """A session or event of a programme: seeded from the catalogue's `events:`, then the database copy
    counts (a coordinator adds, moves and cancels them here)."""

    __tablename__ = "sessions"
    __table_args__ = (
        # One row per catalogue event: seeding twice (or on two instances) adds it once.
        UniqueConstraint("programme_id", "event_key"),
        Index("ix_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str | None] = mapped_column(String(64))  # the catalogue's event id; None: added later
    dialogue_id: Mapped[str | None] = mapped_column(String(64))  # asked when registering; None: one click
    title_nl: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int | None]  # places; None: no limit
    registration_deadline: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))  # planned | cancelled
    sequence: Mapped[int]  # the .ics SEQUENCE: one up on every move or cancellation
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SessionRegistrationRow(Base):
    """A person's place at a session: registered, on the waitlist, or held for a manager an MD adviser
    brings along until they confirm. An unregistration keeps the row (status cancelled)."""

    __tablename__ = "session_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        # The reminder producer's question: whose reminder is due?
        Index("ix_session_registrations_remind", "status", "remind_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # registered | waitlisted | held | cancelled
    answers: Mapped[dict[str, Any]]  # what the registration dialogue asked
    brought_by: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime]  # the waitlist's order
    remind_at: Mapped[datetime | None]  # the next reminder before the session, if any
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


# ---- coordinators --------------------------------------------------------------------------------


class CoordinatorRoleRow(Base):
    """A coordinator added (active) or removed (not active) by another, over the catalogue's list.
    Coordinators are staff identified by their member id; they need not be participants."""

    __tablename__ = "coordinator_roles"
    __table_args__ = (UniqueConstraint("programme_id", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class AuditRow(Base):
    """Append only: every coordinator read of personal data and every refused attempt. The code has
    no path that changes or deletes a row, and on PostgreSQL a trigger refuses UPDATE, DELETE and
    TRUNCATE (migration 0009)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_programme", "programme_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    platform: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    programme_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(300))


class RegistrationRow(Base):
    """A programme's registration as its coordinators set it; no row: open."""

    __tablename__ = "registration_states"

    programme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    closed: Mapped[bool] = mapped_column(Boolean)
    reopens_on: Mapped[date | None]
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]


class BroadcastRow(Base):
    """A coordinator's message to a programme's participants: previewed as a draft, then sent
    through the outbox (one message per person) or cancelled."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[int]
    sent_at: Mapped[datetime | None]


class ReportStateRow(Base):
    """Where a regulation report (a confirmed Van regels naar ruimte intake) stands."""

    __tablename__ = "report_states"

    intake_id: Mapped[int] = mapped_column(ForeignKey("intakes.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
    version: Mapped[int]


class ConsentRow(Base):
    """A person's consent to a programme's processing, asked before the first question of an intake:
    which text they were shown (its version), and when they agreed. `given_at` is empty while the
    question is open (a typed 'akkoord' must know which programme it answers)."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("participant_id", "programme_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    dialogue_id: Mapped[str] = mapped_column(String(64))  # what the person asked to start
    text_version: Mapped[int]
    asked_at: Mapped[datetime]
    given_at: Mapped[datetime | None]


# ---- proposals: confidential double opt-in (bot/proposals.py) -----------------------------------


class ProposalRow(Base):
    """A proposed swap: a cycle of two or three people; each member takes the next one's post."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_state", "programme_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # draft, open, accepted, confirmed, declined, ...
    score: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))  # a coordinator's note on a manual match
    starts_on: Mapped[date | None] = mapped_column(Date)  # the swap's start and return, from the intakes
    returns_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    version: Mapped[int]


class ProposalMemberRow(Base):
    """One person in a proposal: their place in the cycle, the anonymous offer they saw, their answer."""

    __tablename__ = "proposal_members"
    __table_args__ = (UniqueConstraint("proposal_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))  # pending, accepted, declined, expired
    offer: Mapped[dict[str, Any]]  # the post they would take, anonymous, and why (catalogue keys)
    answered_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(1000))  # never shown to the others
    supervisor_ok_at: Mapped[datetime | None]


class DeclinedPairRow(Base):
    """Two people whose proposal one of them declined: never proposed to each other again."""

    __tablename__ = "declined_pairs"

    programme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )  # the smaller participant id
    second_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime]


class PoolSettingRow(Base):
    """A person's wishes for matching: paused (a holiday), and organisations they must not swap with."""

    __tablename__ = "pool_settings"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    paused: Mapped[bool] = mapped_column(Boolean)
    not_with: Mapped[list[str]]  # organisation codes as matching knows them ('FIN', 'other:gemeente x')
    updated_at: Mapped[datetime]


class MatchRunRow(Base):
    """A scheduled matching slot that an instance claimed: two instances run it once."""

    __tablename__ = "match_runs"

    programme_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime]
    proposals: Mapped[int | None]
