"""When Slack's Web API pushes back, people still get their messages, and only the one it concerns waits."""

from __future__ import annotations

import pytest

from handlers.app import WORKERS
from tests.e2e.driver import Bot, new_user

pytestmark = pytest.mark.e2e

# tests/conftest.py runs on SQLite unless DATABASE_URL names another database.


def test_a_rate_limited_post_is_sent_again_after_the_wait_slack_asks_for(bot: Bot, user: str) -> None:
    bot.slack.fail_next("chat.postMessage", 429, retry_after=30)
    bot.command(user, "managersruil")
    limited = bot.slack.wait_for(lambda: [c for c in bot.slack.calls("chat.postMessage") if c.status == 429])[
        0
    ]
    assert (limited.status, limited.response) == (429, {"ok": False, "error": "ratelimited"})
    assert bot.gateway is not None
    bot.slack.wait_for(bot.gateway.lanes.waiting)  # the reply waits; no thread sleeps on it

    bot.timer.advance(29)  # not yet: Slack asked for 30 seconds
    other = new_user()
    assert "Vraag 1 van 12" in bot.ruil(other)[1].visible  # type: ignore[union-attr]  # nobody else waits
    assert bot.posted(user) == []

    bot.timer.advance(1)
    first = bot.wait_posted(user, 1)
    assert "Vraag 1 van 12" in first.visible
    delivered = [
        c for c in bot.slack.calls("chat.postMessage") if c.args.get("channel") == limited.args["channel"]
    ]
    assert [c.status for c in delivered] == [429, 200]
    assert delivered[1].args == limited.args  # the same message, sent again
    assert len(bot.posted(user)) == 1


def test_a_rate_limited_language_lookup_does_not_hold_up_a_newcomer(bot: Bot, user: str) -> None:
    bot.ruil(user)
    newcomer = new_user()
    bot.slack.set_user_locale(newcomer, "en-GB")
    bot.slack.fail_next("users.info", 429, retry_after=30)

    _, first = bot.ruil(newcomer)  # the language is only a hint: no waiting for it

    assert first is not None
    assert "Vraag 1 van 12" in first.visible  # Dutch, the default; 'taal en' switches
    assert "Vraag 2 van 12" in bot.say(user, "fin").visible


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_from_slack_is_retried(bot: Bot, user: str, status: int) -> None:
    bot.slack.fail_next("chat.postMessage", status)

    _, first = bot.ruil(user)

    assert first is not None
    assert "Vraag 1 van 12" in first.visible
    failed, delivered = bot.slack.calls("chat.postMessage")
    assert failed.status == status
    assert delivered.ok
    assert len(bot.posted(user)) == 1


def test_replies_reuse_their_connections_to_slack(bot: Bot, user: str) -> None:
    for text in ("hallo", *["help", "status"] * 6):
        bot.say(user, text)

    # Each worker thread keeps one connection (one TLS handshake against Slack), whatever the traffic;
    # the rest were opened at start-up (auth.test).
    assert bot.slack.connections <= WORKERS + 2
