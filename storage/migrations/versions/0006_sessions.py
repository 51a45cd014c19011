"""sessions and session_registrations: a programme's sessions and events (seeded from the catalogue,
then kept here), and who registered, waits or is held a place

Revision ID: 0006_sessions
Revises: 0008_privacy
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0006_sessions"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=True),
        sa.Column("dialogue_id", sa.String(length=64), nullable=True),
        sa.Column("title_nl", sa.String(length=300), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registration_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("programme_id", "event_key", name=op.f("uq_sessions_programme_id")),
    )
    op.create_index("ix_sessions_starts_at", "sessions", ["starts_at"], unique=False)
    op.create_table(
        "session_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("brought_by", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_registrations_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_session_registrations_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["brought_by"],
            ["participants.id"],
            name=op.f("fk_session_registrations_brought_by_participants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_registrations")),
        sa.UniqueConstraint("session_id", "participant_id", name=op.f("uq_session_registrations_session_id")),
    )
    op.create_index(
        "ix_session_registrations_remind", "session_registrations", ["status", "remind_at"], unique=False
    )
    op.create_index(
        op.f("ix_session_registrations_session_id"), "session_registrations", ["session_id"], unique=False
    )
    op.create_index(
        op.f("ix_session_registrations_participant_id"),
        "session_registrations",
        ["participant_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("session_registrations")
    op.drop_table("sessions")
