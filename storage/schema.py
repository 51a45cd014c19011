"""Alembic, driven from code: upgrade to head, and refuse to run on an outdated schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_COMMAND = "ruilbot db upgrade"


class SchemaOutdated(RuntimeError):
    pass


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def ensure_current(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        if current is None:
            raise SchemaOutdated(f"the database at {where} has no schema yet: run `{UPGRADE_COMMAND}` first")
        raise SchemaOutdated(
            f"the database at {where} has schema revision {current}, but this ruilbot needs {head}: "
            f"run `{UPGRADE_COMMAND}` first"
        )
