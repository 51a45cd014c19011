"""Migration 0005 on data made before it: every intake names the dialogue it ran (Peer-to-Peer's was
the application), none is on a waitlist, and afterwards one person may run both of Peer-to-Peer's
dialogues. It also goes back down. On SQLite, a file of its own (PostgreSQL runs the chain in conftest)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from storage.database import make_engine
from storage.schema import alembic_config

INSERT_INTAKE = """
    INSERT INTO intakes (participant_id, programme_id, dialogue_version, status, answers, created_at,
                         updated_at, version)
    VALUES (1, :programme, 1, 'open', '{}', '2026-11-27 09:30:00', '2026-11-27 09:30:00', 1)
"""


def test_intakes_learn_their_dialogue(fresh_sqlite_url: str) -> None:
    engine = make_engine(fresh_sqlite_url)
    config = alembic_config(engine)
    command.upgrade(config, "0004")
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO participants (id, platform, external_id, locale, created_at, updated_at) "
                "VALUES (1, 'slack', 'U1', 'nl', '2026-11-27 09:30:00', '2026-11-27 09:30:00')"
            )
        )
        for programme in ("managersruil", "peer-to-peer"):
            db.execute(text(INSERT_INTAKE), {"programme": programme})

    command.upgrade(config, "0005")
    with engine.begin() as db:
        rows = db.execute(text("SELECT programme_id, dialogue_id, waitlist FROM intakes ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("managersruil", "managersruil", False),
            ("peer-to-peer", "peer-to-peer/aanmelding", False),
        ]
        db.execute(
            text(
                INSERT_INTAKE.replace("programme_id,", "programme_id, dialogue_id,").replace(
                    ":programme,", ":programme, 'peer-to-peer/opdracht',"
                )
            ),
            {"programme": "peer-to-peer"},
        )  # a second open Peer-to-Peer intake, of the other dialogue

    command.downgrade(config, "0004")  # one open intake per programme again: the assignment stops
    with engine.begin() as db:
        statuses = db.execute(text("SELECT status FROM intakes ORDER BY id")).scalars().all()
        assert statuses == ["open", "open", "cancelled"]
    engine.dispose()
