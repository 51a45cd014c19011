"""Configuration, from the environment only. A missing or malformed setting stops start-up with one
line that names it; secrets never show up in a repr or a log line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_DATABASE_URL = f"sqlite:///{Path('data') / 'ruilbot.sqlite3'}"
DEFAULT_API_URL = "https://slack.com/api/"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says what it should look like."""


@dataclass(frozen=True)
class Secret:
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    api_url: str = DEFAULT_API_URL
    bot_token: Secret | None = None
    signing_secret: Secret | None = None
    app_token: Secret | None = None
    log_level: str = "INFO"
    workspaces: tuple[str, ...] = ()  # team (T...) or enterprise (E...) ids; empty: the token's own
    workers: int = 4
    processes: int = 1  # `ruilbot serve` processes sharing one port (PostgreSQL only)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _token(env: Mapping[str, str], name: str, prefix: str, required: bool) -> Secret | None:
    value = _get(env, name)
    if value is None:
        if required:
            raise ConfigError(
                f"{name} is not set: copy it from your Slack app's settings (it starts with {prefix})"
            )
        return None
    if not value.startswith(prefix) or any(c.isspace() for c in value):
        raise ConfigError(f"{name} does not look right: it should start with {prefix} and hold no spaces")
    return Secret(value)


def load_settings(
    env: Mapping[str, str], *, slack: bool = False, socket: bool = False, worker: bool = False
) -> Settings:
    """Read the settings a command needs; `slack` adds the bot token and signing secret, `socket` the
    app-level token; `worker` only sends, so it needs the bot token but no signing secret."""
    database_url = _get(env, "DATABASE_URL") or DEFAULT_DATABASE_URL
    if "://" not in database_url:
        raise ConfigError(
            "DATABASE_URL does not look right: use sqlite:///path/to/file or postgresql://user@host/db"
        )
    port_text = _get(env, "PORT") or "3000"
    if not port_text.isdecimal() or not 1 <= int(port_text) <= 65535:
        raise ConfigError(f"PORT must be a number from 1 to 65535, not {port_text!r}")
    api_url = _get(env, "SLACK_API_URL") or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_API_URL}, not {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"  # the SDK appends method names to it
    bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-", required=slack or worker)
    signing = _get(env, "SLACK_SIGNING_SECRET")
    if slack and not socket and signing is None:
        raise ConfigError("SLACK_SIGNING_SECRET is not set: copy it from Basic Information in your Slack app")
    log_level = (_get(env, "LOG_LEVEL") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {log_level!r}")
    workspaces = tuple(w.strip() for w in (_get(env, "SLACK_TEAM_IDS") or "").split(",") if w.strip())
    for workspace in workspaces:
        if not re.fullmatch(r"[TE][A-Z0-9]{2,20}", workspace):
            raise ConfigError(
                f"SLACK_TEAM_IDS must list team ids (T...) or enterprise ids (E...), not {workspace!r}"
            )
    workers_text = _get(env, "WORKERS") or "4"
    if not workers_text.isdecimal() or not 1 <= int(workers_text) <= 256:
        raise ConfigError(f"WORKERS must be a number from 1 to 256, not {workers_text!r}")
    processes_text = _get(env, "PROCESSES") or "1"
    if not processes_text.isdecimal() or not 1 <= int(processes_text) <= 64:
        raise ConfigError(f"PROCESSES must be a number from 1 to 64, not {processes_text!r}")
    if int(processes_text) > 1 and not database_url.startswith(("postgresql", "postgres")):
        raise ConfigError(
            "PROCESSES above 1 needs PostgreSQL (DATABASE_URL=postgresql://...): SQLite serves one process"
        )
    return Settings(
        database_url=database_url,
        port=int(port_text),
        api_url=api_url,
        bot_token=bot_token,
        signing_secret=Secret(signing) if signing else None,
        app_token=_token(env, "SLACK_APP_TOKEN", "xapp-", required=socket),
        log_level=log_level,
        workspaces=workspaces,
        workers=int(workers_text),
        processes=int(processes_text),
    )
