"""Engines and sessions: one place that knows how to talk to SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_url(url: str | URL) -> URL:
    """'postgresql://' means psycopg 3 here (the one driver we install), not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(
    url: str | URL, *, lock_wait: float = 30.0, connections: int | None = None, **options: Any
) -> Engine:
    """An engine that never puts statement parameters (people's answers) into error messages or logs.
    On SQLite a writer waits up to `lock_wait` seconds for another's lock. On PostgreSQL the pool
    keeps `connections` open (default: SQLAlchemy's 5): one per thread that uses the database."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": lock_wait}, hide_parameters=True, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if connections is not None:
        # Beyond pool_size a connection is opened for one transaction and closed after it: a new
        # server process each time. With more threads than the pool, that happened on most turns.
        options = {"pool_size": connections, "max_overflow": connections // 2, **options}
    # No pre-ping: it costs a round trip per transaction. A connection that died (a restarted server)
    # fails its first statement instead; the pool then drops every older connection, and the unit
    # of work reports Unavailable, which the turn retries.
    return create_engine(parsed, hide_parameters=True, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's recipe: we emit BEGIN ourselves.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
    # In WAL mode NORMAL cannot corrupt the database; a power cut may lose the last commits, not more.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers queue (busy timeout) instead of one failing
    # when it upgrades a stale read to a write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
