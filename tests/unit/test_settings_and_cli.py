"""Start-up as an operator meets it: settings from the environment, one clear line per mistake,
no secret in any output, and a refusal to serve on an outdated schema."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from bot import cli
from bot.logs import RedactSecrets
from bot.settings import ConfigError, load_settings
from storage.database import make_engine
from storage.schema import SchemaOutdated, ensure_current, head_revision, upgrade

SLACK = {"SLACK_BOT_TOKEN": "xoxb-1-abc", "SLACK_SIGNING_SECRET": "s3cr3t-signing"}


def test_defaults_need_nothing() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.port == 3000
    assert settings.api_url == "https://slack.com/api/"


def test_the_api_url_gets_its_trailing_slash() -> None:
    assert (
        load_settings({"SLACK_API_URL": "http://127.0.0.1:8000/api"}).api_url == "http://127.0.0.1:8000/api/"
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "ruilbot.db"}, "DATABASE_URL"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
    ],
)
def test_a_malformed_setting_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**SLACK, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_serving_slack_needs_its_credentials(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load_settings(env, slack=True)


def test_socket_mode_needs_an_app_token_but_no_signing_secret() -> None:
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, slack=True, socket=True)
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, slack=True, socket=True
    )
    assert settings.signing_secret is None


def test_secrets_never_show_in_a_repr() -> None:
    settings = load_settings(SLACK, slack=True)
    assert "xoxb-1-abc" not in repr(settings)
    assert "s3cr3t-signing" not in repr(settings)


def test_the_cli_stops_with_one_line_naming_the_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve"], env={"SLACK_SIGNING_SECRET": "x"}) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "SLACK_BOT_TOKEN" in err[0]


def test_serve_refuses_an_outdated_schema_and_names_the_upgrade(
    fresh_sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**SLACK, "DATABASE_URL": fresh_sqlite_url}
    assert cli.main(["serve"], env=env) == 2
    assert "ruilbot db upgrade" in capsys.readouterr().err
    assert cli.main(["db", "upgrade"], env=env) == 0
    revision = capsys.readouterr().out.split()[2]
    assert cli.main(["db", "current"], env=env) == 0
    out = capsys.readouterr().out.strip()
    assert out == f"schema revision {head_revision(make_engine(fresh_sqlite_url))} (newest: {revision})"


def test_ensure_current_passes_after_upgrade(fresh_sqlite_url: str) -> None:
    engine = make_engine(fresh_sqlite_url)
    with pytest.raises(SchemaOutdated, match="no schema yet"):
        ensure_current(engine)
    upgrade(engine)
    ensure_current(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutdated, match="revision 0000"):
        ensure_current(engine)


def test_log_lines_never_carry_tokens_or_the_signing_secret() -> None:
    record = logging.LogRecord(
        "slack_sdk",
        logging.DEBUG,
        __file__,
        1,
        "headers: %s secret=%s",
        ({"Authorization": "Bearer xoxb-123-abc"}, "s3cr3t-signing"),
        None,
    )
    RedactSecrets(["s3cr3t-signing"]).filter(record)
    assert "xoxb-123" not in record.getMessage()
    assert "s3cr3t-signing" not in record.getMessage()


def test_an_unreachable_database_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 9 (discard) on loopback: nothing listens there.
    assert cli.main(["db", "current"], env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/x"}) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("ruilbot: cannot use the database at postgresql://postgres@127.0.0.1:9/x")


def test_a_short_secret_does_not_blank_out_ordinary_log_words() -> None:
    record = logging.LogRecord("alembic", logging.INFO, __file__, 1, "Context impl SQLiteImpl.", None, None)
    RedactSecrets(["x"]).filter(record)
    assert record.getMessage() == "Context impl SQLiteImpl."


def test_the_worker_needs_the_bot_token_but_no_signing_secret() -> None:
    assert load_settings({"SLACK_BOT_TOKEN": "xoxb-1-abc"}, worker=True).bot_token is not None
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        load_settings({}, worker=True)
