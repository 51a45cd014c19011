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

from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.ports import Conflict
from bot.records import Intake
from storage.models import Base
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW


def make_intake(uow: SqlUnitOfWork, external_id: str = "U1") -> Intake:
    person = uow.participants.add("slack", external_id, "nl", NOW)
    return uow.intakes.add(Intake(person.id, "managersruil", 1, NOW, NOW, current="ministry"))


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
        uow.intakes.save(replace(intake, answers={"ministry": "FIN"}, current="directorate"))
        with pytest.raises(Conflict):
            uow.intakes.save(replace(intake, answers={"ministry": "BZK"}, current="directorate"))


def test_one_open_intake_per_person_and_programme(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        intake = make_intake(uow)
        with pytest.raises(Conflict):  # the service retries, and then finds the open one
            uow.intakes.add(replace(intake, id=None))
        assert uow.intakes.current(intake.participant_id, "managersruil") == intake  # still usable


def test_an_event_id_counts_once(sessions: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbound.first_time("Ev1", NOW)
        assert not uow.inbound.first_time("Ev1", NOW)
        assert uow.inbound.first_time("Ev2", NOW)


def test_the_migrations_build_exactly_the_models(engine: Engine) -> None:
    # A model change without a migration (or the other way round) shows up here, on both databases.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_event_ids_are_forgotten_after_a_day_but_not_before(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    services = wire(sessions, clock=clock)
    assert services.first_time("Ev-old")
    clock.advance(timedelta(hours=23))
    assert not services.first_time("Ev-old")  # a retry within the day is still recognised
    clock.advance(timedelta(hours=2))
    services.first_time("Ev-other")  # any later event clears what is older than a day
    with SqlUnitOfWork(sessions) as uow:
        assert uow.inbound.first_time("Ev-old", clock.now())
