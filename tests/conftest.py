"""Shared fixtures. Every test runs on SQLite, or on PostgreSQL when DATABASE_URL points at one.

Service tests get a session factory joined to an outer transaction that is rolled back afterwards
(SQLAlchemy's "joining a Session into an external transaction" recipe), so cases never see each other.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.clock import FixedClock
from storage.database import make_engine
from storage.models import Base
from storage.schema import upgrade
from tests.consenting import consenting

# A Friday morning in Amsterdam: the day this foundation was laid.
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'ruilbot.sqlite3'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":  # a shared server: start from an empty schema
        Base.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    connection = engine.connect()
    outer = connection.begin()
    yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    outer.rollback()
    connection.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def services(sessions: sessionmaker[Session], clock: FixedClock) -> Services:
    # A person who agrees to consent wherever it is asked (tests/consenting.py); tests of consent
    # itself use `raw_services`.
    return consenting(wire(sessions, clock=clock))


@pytest.fixture
def raw_services(sessions: sessionmaker[Session], clock: FixedClock) -> Services:
    return wire(sessions, clock=clock)


@pytest.fixture
def fresh_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
