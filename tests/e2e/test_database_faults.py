"""When the database is locked, restarted or the bot is killed, no answer is lost or misplaced, and the
person sees where they are."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from storage.database import normalise_url
from tests.e2e.driver import FIRST_ANSWERS, SECRET, WAIT, Bot
from tests.e2e.test_intake import SUMMARY
from tests.slack_standin import DEFAULT_TOKEN, SlackStandIn

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_a_write_lock_held_past_the_wait_loses_no_answer(
    slack: SlackStandIn, database_url: str, clock: FixedClock, user: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL locks rows, and a killed backend is tried below")
    bot = Bot(slack, database_url, clock, lock_wait=0.2)
    try:
        bot.ruil(user)
        bot.say(user, FIRST_ANSWERS[0])
        assert bot.gateway is not None
        assert bot.gateway.lanes.drain()  # the bot has recorded what it showed
        blocker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock, longer than the bot waits
        try:
            apology = bot.say(user, FIRST_ANSWERS[1])
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        assert "Sorry, er ging aan mijn kant iets mis" in apology.visible
        again = bot.say(user, FIRST_ANSWERS[1])  # the lock is gone: the same answer, once more
        assert "Vraag 3 van 12" in again.visible
        assert bot.complete(user, first=(FIRST_ANSWERS[2],)).summary() == SUMMARY
    finally:
        bot.stop()


def test_a_restarted_database_server_costs_no_answer(bot: Bot, user: str, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating backends is a PostgreSQL fault")
    bot.ruil(user)
    bot.say(user, FIRST_ANSWERS[0])
    admin = create_engine(normalise_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    assert killed >= 1  # the bot's pooled connections are gone

    reply = bot.say(user, FIRST_ANSWERS[1])

    assert "Vraag 3 van 12" in reply.visible
    assert bot.complete(user, first=(FIRST_ANSWERS[2],)).summary() == SUMMARY


# -- kill -9 of a real `ruilbot serve` ------------------------------------------------------------


class ServedBot(Bot):
    """The bot as `ruilbot serve` in a process of its own, so it can be killed with SIGKILL."""

    def start(self) -> None:
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SLACK_API_URL": self.slack.api_url,
            "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "bot.cli", "serve"]
        self.process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)  # noqa: S603
        self.url = f"http://127.0.0.1:{port}/slack/events"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise AssertionError(
            f"ruilbot serve did not start: {self.process.stderr.read() if self.process.stderr else ''}"
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=WAIT)


@pytest.fixture
def served(slack: SlackStandIn, database_url: str, clock: FixedClock) -> Iterator[ServedBot]:
    bot = ServedBot(slack, database_url, clock)
    yield bot
    bot.stop()


def test_kill_9_in_the_middle_of_an_intake_loses_nothing(served: ServedBot, user: str) -> None:
    served.ruil(user)
    served.answer(user, FIRST_ANSWERS)

    served.kill()  # SIGKILL: no clean-up at all
    served.start()

    _, resumed = served.ruil(user)
    assert resumed is not None
    assert "Welkom terug! We gaan verder waar je gebleven was." in resumed.visible
    assert "Vraag 4 van 12" in resumed.visible
    assert served.complete(user, first=()).summary()["Functie"] == "Afdelingshoofd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
