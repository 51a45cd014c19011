"""Fixtures of the end-to-end tests: the Slack stand-in, and the real bot serving HTTP next to it.

Nothing is rolled back here: the app runs its own transactions, as in production. On PostgreSQL the
database is shared by every test, so each test uses a Slack user of its own (`user`, `new_user()`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import FixedClock
from tests.e2e.driver import Bot, new_user
from tests.slack_standin import SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def bot(slack: SlackStandIn, database_url: str, clock: FixedClock) -> Iterator[Bot]:
    # `clock` stands on Friday 27 November 2026 (tests/conftest.py): "1 maart" is 1 March 2027.
    driver = Bot(slack, database_url, clock)
    yield driver
    driver.stop()


@pytest.fixture
def user() -> str:
    return new_user()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK waits Retry-After plus random.random() seconds on a 429; drop the random part."""
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
