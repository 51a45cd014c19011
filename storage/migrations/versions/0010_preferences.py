"""preferences per kind of message: nudges, reminders, deadlines, check-ins and broadcasts

Until now a person had one switch (`preferences.nudges`), and nudges were the only messages the bot
started. Each kind gets its own switch. Whoever turned the one switch off asked the bot to leave them
alone, so every new kind starts off for them too; everyone else keeps the default (on).

Revision ID: 0010_preferences
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_preferences"
down_revision = "0005"
branch_labels = None
depends_on = None

NEW_KINDS = ("reminders", "deadlines", "checkins", "broadcasts")


def upgrade() -> None:
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        for kind in NEW_KINDS:
            batch_op.add_column(sa.Column(kind, sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(f"UPDATE preferences SET {', '.join(f'{kind} = nudges' for kind in NEW_KINDS)}")


def downgrade() -> None:
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        for kind in reversed(NEW_KINDS):
            batch_op.drop_column(kind)
