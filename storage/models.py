"""SQLAlchemy 2 typed models. Every time is stored as timezone-aware UTC (see `UTCDateTime`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    text,
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
