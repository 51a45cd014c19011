"""Alembic environment: the engine comes from `storage.schema.alembic_config`, never from a file,
so the same settings serve the app and its migrations."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

from storage.models import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through `ruilbot db upgrade`, which passes the engine")


def _foreign_keys(connection: Any, on: bool) -> None:
    # On the raw driver connection: a PRAGMA inside a transaction is silently ignored.
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # batch mode copies and drops tables: with foreign keys on, the drop would cascade-delete
        _foreign_keys(connection, on=False)
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,  # SQLite can only alter tables by copying them
                compare_type=True,
            )
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                raise RuntimeError("the migration left rows whose foreign keys point nowhere; rolled back")
    finally:
        if sqlite:
            _foreign_keys(connection, on=True)
