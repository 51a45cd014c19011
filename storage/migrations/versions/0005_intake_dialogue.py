"""intakes.dialogue_id and intakes.waitlist: which dialogue an intake runs, and a late registration

A programme may have more than one dialogue (Peer-to-Peer: an application and an assignment), so an
intake names the dialogue it runs, and one person may have one open intake per dialogue. Intakes so far
ran their programme's one intake dialogue; Peer-to-Peer's was the application. `waitlist` marks a
registration made after a programme's deadline (the waitlist itself is another issue).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dialogue_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("waitlist", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        """
        UPDATE intakes SET dialogue_id = CASE WHEN programme_id = 'peer-to-peer'
                                              THEN 'peer-to-peer/aanmelding' ELSE programme_id END
        """
    )
    op.drop_index("uq_intakes_open", table_name="intakes")
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.alter_column("dialogue_id", existing_type=sa.String(length=64), nullable=False)
    op.create_index(
        "uq_intakes_open",
        "intakes",
        ["participant_id", "dialogue_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_intakes_open", table_name="intakes")
    # Back to one open intake per programme: of two open Peer-to-Peer intakes, the assignment stops.
    op.execute(
        """
        UPDATE intakes SET status = 'cancelled'
        WHERE status = 'open' AND dialogue_id = 'peer-to-peer/opdracht'
          AND participant_id IN (SELECT participant_id FROM intakes
                                 WHERE status = 'open' AND dialogue_id = 'peer-to-peer/aanmelding')
        """
    )
    with op.batch_alter_table("intakes", schema=None) as batch_op:
        batch_op.drop_column("waitlist")
        batch_op.drop_column("dialogue_id")
    op.create_index(
        "uq_intakes_open",
        "intakes",
        ["participant_id", "programme_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
