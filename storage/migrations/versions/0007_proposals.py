"""proposals, their members, declined pairs, pool settings and scheduled match runs

Matching turns into confidential proposals with double opt-in: a proposal is a cycle of two or three
people (each takes the next one's post) with an answer per member; a declined pair is never proposed
again; a person can pause or keep a "not with" list; a scheduled run claims its slot once.

Revision ID: 0007_proposals
Revises: 0006_sessions
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0007_proposals"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("returns_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index("ix_proposals_state", "proposals", ["programme_id", "state"], unique=False)
    op.create_table(
        "proposal_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("offer", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=1000), nullable=True),
        sa.Column("supervisor_ok_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_proposal_members_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposals.id"],
            name=op.f("fk_proposal_members_proposal_id_proposals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_members")),
        sa.UniqueConstraint("proposal_id", "position", name=op.f("uq_proposal_members_proposal_id")),
    )
    op.create_index(
        op.f("ix_proposal_members_participant_id"), "proposal_members", ["participant_id"], unique=False
    )
    op.create_table(
        "declined_pairs",
        sa.Column("programme_id", sa.String(length=64), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_id"],
            ["participants.id"],
            name=op.f("fk_declined_pairs_first_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["second_id"],
            ["participants.id"],
            name=op.f("fk_declined_pairs_second_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "first_id", "second_id", name=op.f("pk_declined_pairs")),
    )
    op.create_index(op.f("ix_declined_pairs_second_id"), "declined_pairs", ["second_id"], unique=False)
    op.create_table(
        "pool_settings",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("not_with", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_pool_settings_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_pool_settings")),
    )
    op.create_table(
        "match_runs",
        sa.Column("programme_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposals", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("programme_id", "slot", name=op.f("pk_match_runs")),
    )


def downgrade() -> None:
    op.drop_table("match_runs")
    op.drop_table("pool_settings")
    op.drop_index(op.f("ix_declined_pairs_second_id"), table_name="declined_pairs")
    op.drop_table("declined_pairs")
    op.drop_index(op.f("ix_proposal_members_participant_id"), table_name="proposal_members")
    op.drop_table("proposal_members")
    op.drop_index("ix_proposals_state", table_name="proposals")
    op.drop_table("proposals")
