"""Storage guarantees the conversation relies on: UTC times, one open intake per person, and no
lost update when two messages of one person are handled at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.ports import Conflict
from bot.records import Conversation, Intake
from storage.models import Base
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW


def make_intake(uow: SqlUnitOfWork, external_id: str = "U1") -> Intake:
    person = uow.participants.add("slack", external_id, "nl", NOW)
    return uow.intakes.add(Intake(person.id, "managersruil", 1, NOW, NOW))


def test_times_come_back_timezone_aware_in_utc(sessions: sessionmaker[Session]) -> None:
    amsterdam = timezone(timedelta(hours=1))
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        uow.intakes.save(replace(intake, updated_at=datetime(2026, 11, 27, 12, 0, tzinfo=amsterdam)))
        uow.commit()
    with SqlUnitOfWork(sessions) as uow:
        stored = uow.intakes.current(intake.participant_id, "managersruil")
    assert stored is not None
    assert stored.updated_at == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert stored.updated_at.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow, pytest.raises(Exception, match="naive"):
        uow.participants.add("slack", "U2", "nl", datetime(2026, 11, 27, 12, 0))  # noqa: DTZ001


def test_a_stale_write_is_a_conflict_not_a_lost_update(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        uow.intakes.save(replace(intake, answers={"ministry": "FIN"}))
        with pytest.raises(Conflict):
            uow.intakes.save(replace(intake, answers={"ministry": "BZK"}))


def test_one_open_intake_per_person_and_programme(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        with pytest.raises(Conflict):  # the service retries, and then finds the open one
            uow.intakes.add(replace(intake, id=None))
        assert uow.intakes.current(intake.participant_id, "managersruil") == intake  # still usable


def test_an_event_id_counts_once(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbound.all_first_time(["Ev1"], NOW)
        assert not uow.inbound.all_first_time(["Ev1"], NOW)
        assert uow.inbound.all_first_time(["Ev2"], NOW)


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    # A model change without a migration (or the other way round) shows up here, on both databases.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_inbound_ids_are_forgotten_after_a_day_but_not_before(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbound.all_first_time(["Ev-old"], NOW)
        uow.inbound.forget_before(NOW - timedelta(days=1))
        assert not uow.inbound.all_first_time(["Ev-old"], NOW + timedelta(hours=23))  # a retry within the day
        uow.inbound.forget_before(NOW + timedelta(hours=25) - timedelta(days=1))
        assert uow.inbound.all_first_time(["Ev-old"], NOW + timedelta(hours=25))


def test_a_conversation_keeps_its_place_and_refuses_a_stale_write(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        assert intake.id is not None
        dm = uow.conversations.add(Conversation(intake.id, "dm", current="ministry", updated_at=NOW))
        modal = uow.conversations.add(Conversation(intake.id, "modal", current="scale", updated_at=NOW))
        uow.conversations.save(replace(dm, current="directorate"))
        with pytest.raises(Conflict):
            uow.conversations.save(replace(dm, current="function"))
        assert uow.conversations.get(intake.id, "dm") == replace(dm, current="directorate", version=2)
        assert uow.conversations.get(intake.id, "modal") == modal  # each surface has its own place


def test_what_was_shown_only_moves_forward_in_time(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        assert intake.id is not None
        uow.conversations.add(Conversation(intake.id, "dm", current="ministry", updated_at=NOW))
        later = NOW + timedelta(seconds=5)
        uow.conversations.shown(intake.id, "dm", "directorate", later)
        uow.conversations.shown(intake.id, "dm", "ministry", NOW + timedelta(seconds=1))  # arrived late
        uow.conversations.shown(intake.id, "dm", "directorate", later + timedelta(seconds=9))  # same step
        seen = uow.conversations.get(intake.id, "dm")
        assert seen is not None
        assert (seen.shown_step, seen.shown_at) == ("directorate", later)  # since when it is on screen


def test_units_of_work_inside_shared_use_its_one_transaction(sessions: sessionmaker[Session]) -> None:
    # The Home tab is read by three services; `shared()` makes that one transaction on one connection.
    with SqlUnitOfWork(sessions).shared() as shared:
        with SqlUnitOfWork(sessions) as first:
            first.participants.add("slack", "U-SHARED", "nl", NOW)
            first.commit()  # joined: this only flushes, the shared one commits
            assert first.connection is shared.connection
        with SqlUnitOfWork(sessions) as second:
            assert second.participants.find("slack", "U-SHARED") is not None
    with SqlUnitOfWork(sessions) as after:
        assert after.participants.find("slack", "U-SHARED") is not None


def test_a_failure_inside_shared_undoes_what_each_joined_unit_did(sessions: sessionmaker[Session]) -> None:
    def add_then_fail() -> None:
        with SqlUnitOfWork(sessions).shared():
            with SqlUnitOfWork(sessions) as first:
                first.participants.add("slack", "U-UNDONE", "nl", NOW)
                first.commit()
            raise RuntimeError("the next service failed")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with SqlUnitOfWork(sessions) as after:
        assert after.participants.find("slack", "U-UNDONE") is None
