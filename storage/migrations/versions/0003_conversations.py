"""conversations: each surface's own position in an intake, and what it last showed the person

The position (current question, "bedoel je" candidates, a pending stop question, the ordering of
typed messages) moves from the intake row to a row per (intake, surface), so a DM and a modal can
share the answers and each keep their own place. New: what the surface last showed (to count a
typed answer for the question the person saw) and which message gave the last answer (edits).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("current", sa.String(length=64), nullable=True),
        sa.Column("suggestion", sa.JSON(), nullable=False),
        sa.Column("awaiting_cancel", sa.Boolean(), nullable=False),
        sa.Column("last_typed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shown_step", sa.String(length=64), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_question", sa.String(length=64), nullable=True),
        sa.Column("answer_next", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intake_id"],
            ["intakes.id"],
            name=op.f("fk_conversations_intake_id_intakes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("intake_id", "surface", name=op.f("uq_conversations_intake_id")),
    )
    # Each intake's position so far belonged to the one surface its person used.
    op.execute(
        """
        INSERT INTO conversations (intake_id, surface, current, suggestion, awaiting_cancel,
                                   last_typed_at, updated_at, version)
        SELECT i.id, CASE WHEN p.platform = 'console' THEN 'console' ELSE 'dm' END, i.current,
               i.suggestion, i.awaiting_cancel, i.last_typed_at, i.updated_at, 1
        FROM intakes i JOIN participants p ON p.id = i.participant_id
        WHERE i.status <> 'cancelled'
        """
    )
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.drop_column("current")
        batch_op.drop_column("suggestion")
        batch_op.drop_column("awaiting_cancel")
        batch_op.drop_column("last_typed_at")


def downgrade() -> None:
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_typed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("awaiting_cancel", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("suggestion", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("current", sa.String(length=64), nullable=True))
    for column in ("current", "suggestion", "awaiting_cancel", "last_typed_at"):  # the latest surface's
        op.execute(
            f"""
            UPDATE intakes SET {column} = (SELECT c.{column} FROM conversations c
                                          WHERE c.intake_id = intakes.id ORDER BY c.updated_at DESC LIMIT 1)
            WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.intake_id = intakes.id)
            """
        )
    op.drop_table("conversations")
