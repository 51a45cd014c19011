"""Notification preferences per kind: how `meldingen` is read, which kind a template is, the storage
of the switches, and migration 0010 carrying the one old switch over to every kind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import ALWAYS_SENT, TEMPLATES, kind_of
from bot.preferences import KINDS, Asked, read
from storage.database import make_engine
from storage.schema import alembic_config
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

READ = {
    "meldingen": Asked(),
    "Meldingen?": Asked(),
    "notifications": Asked(),
    "meldingen uit": Asked((), False),
    "MELDINGEN UIT!": Asked((), False),
    "meldingen aan": Asked((), True),
    "meldingen alles uit": Asked((), False),
    "notifications off": Asked((), False),
    "notifications all on": Asked((), True),
    "meldingen herinneringen uit": Asked(("reminders",), False),
    "meldingen uit herinneringen": Asked(("reminders",), False),
    "notifications reminders off": Asked(("reminders",), False),
    "herinneringen uit": Asked(("reminders",), False),
    "reminders on": Asked(("reminders",), True),
    "meldingen seintjes en deadlines uit": Asked(("nudges", "deadlines"), False),
    "meldingen deadlines, check-ins uit": Asked(("deadlines", "checkins"), False),
    "meldingen mededelingen aan": Asked(("broadcasts",), True),
    "notifications announcements off": Asked(("broadcasts",), False),
    "meldingen herinneringn uit": Asked(("reminders",), False),  # a typo of a kind's name
    "meldingen herinneringen": Asked(("reminders",), None),  # names it, switches nothing: shows them
    "meldingen pizza uit": Asked(unknown="pizza"),
    "meldingen herinner uit": Asked(unknown="herinner", guess="reminders"),  # close: asked about, not done
    "meldingen aan uit": Asked(unknown="aan uit"),
}


@pytest.mark.parametrize("typed", list(READ))
def test_meldingen_is_read(typed: str) -> None:
    assert read(typed, bare=True) == READ[typed]


@pytest.mark.parametrize("typed", ["ja", "herinneringen", "uit", "Belastingdienst", "meldingenlijst", ""])
def test_other_text_is_not_a_meldingen_command_in_a_conversation(typed: str) -> None:
    assert read(typed) is None  # 'herinneringen' alone could be an answer; after /ruil it asks
    assert read("herinneringen", bare=True) == Asked(("reminders",))


@pytest.mark.parametrize(
    "answer", ["Meldingen openbare ruimte", "Berichten uit de praktijk", "deadline uit het oog verliezen"]
)
def test_an_answer_that_starts_like_the_command_stays_an_answer_during_an_intake(answer: str) -> None:
    assert read(answer, strict=True) is None
    assert read("meldingen pizza uit", strict=True) == Asked(unknown="pizza")  # a command all the same
    assert read("meldingen herinneringen uit", strict=True) == Asked(("reminders",), False)


def test_each_template_has_a_kind_and_later_producers_get_one_by_name() -> None:
    assert kind_of("nudge.intake") == "nudges"
    assert kind_of("deadline.intake") == "deadlines"
    assert kind_of("reminder.session") == "reminders"
    assert kind_of("checkin.month") == "checkins"
    assert kind_of("broadcast.coordinator") == "broadcasts"
    assert kind_of("match.proposal") is None  # no switch governs it
    assert all(kind_of(t) in KINDS for t in TEMPLATES if t not in ALWAYS_SENT)
    assert all(kind_of(t) is None for t in ALWAYS_SENT)


def test_switches_are_stored_per_kind(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        person = uow.participants.add("slack", "UPREF1", "nl", NOW)
        assert uow.preferences.all_wanted(person.id) == dict.fromkeys(KINDS, True)  # no row: all on
        uow.preferences.set_wants(person.id, "reminders", False, NOW)
        assert not uow.preferences.wants(person.id, "reminders")
        assert uow.preferences.wants(person.id, "nudges")
        assert uow.preferences.nudges_on(person.id)
        uow.preferences.set_nudges(person.id, False, NOW)
        assert not uow.preferences.wants(person.id, "nudges")
        uow.preferences.set_wants(person.id, "reminders", True, NOW)
        assert uow.preferences.all_wanted(person.id) == {**dict.fromkeys(KINDS, True), "nudges": False}
        with pytest.raises(ValueError, match="unknown kind"):
            uow.preferences.wants(person.id, "herinneringen")


def test_migration_0010_carries_the_old_switch_over_to_every_kind(fresh_sqlite_url: str) -> None:
    engine = make_engine(fresh_sqlite_url)
    config = alembic_config(engine)
    command.upgrade(config, "0005")
    with engine.begin() as db:
        for n in (1, 2):
            db.execute(
                text(
                    "INSERT INTO participants (id, platform, external_id, locale, created_at, updated_at) "
                    "VALUES (:n, 'slack', :external, 'nl', '2026-11-27 09:30:00', '2026-11-27 09:30:00')"
                ),
                {"n": n, "external": f"U{n}"},
            )
        # Person 1 turned 'meldingen' off when nudges were all there was; person 2 turned them back on.
        db.execute(
            text(
                "INSERT INTO preferences (participant_id, nudges, updated_at) "
                "VALUES (1, false, '2026-11-27 09:30:00'), (2, true, '2026-11-27 09:30:00')"
            )
        )
    command.upgrade(config, "0010_preferences")
    with engine.begin() as db:
        rows = db.execute(
            text(
                "SELECT participant_id, nudges, reminders, deadlines, checkins, broadcasts "
                "FROM preferences ORDER BY participant_id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, False, False, False, False, False),
            (2, True, True, True, True, True),
        ]
        db.execute(text("DELETE FROM preferences WHERE participant_id = 2"))
        added = "INSERT INTO preferences (participant_id, nudges, updated_at) VALUES (2, true, '2026-11-28')"
        db.execute(text(added))  # a new row, as the app adds it: every new kind on by default
        assert db.execute(text("SELECT reminders FROM preferences WHERE participant_id = 2")).scalar()
    command.downgrade(config, "0005")
    with engine.begin() as db:
        columns = [r[1] for r in db.execute(text("PRAGMA table_info(preferences)")).all()]
        assert columns == ["participant_id", "nudges", "updated_at"]
    engine.dispose()
