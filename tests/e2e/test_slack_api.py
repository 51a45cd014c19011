"""When Slack's Web API pushes back, people still get their messages, and only the one it concerns waits."""

from __future__ import annotations

import pytest

from tests.e2e.driver import Bot, new_user

pytestmark = pytest.mark.e2e

# tests/conftest.py runs on SQLite unless DATABASE_URL names another database.


@pytest.mark.usefixtures("fast_retries")
def test_a_rate_limited_post_is_retried_after_the_wait_slack_asks_for(bot: Bot, user: str) -> None:
    bot.slack.fail_next("chat.postMessage", 429, retry_after=1)

    _, first = bot.ruil(user)

    assert first is not None
    assert "Vraag 1 van 12" in first.visible
    limited, delivered = bot.slack.calls("chat.postMessage")
    assert (limited.status, limited.response) == (429, {"ok": False, "error": "ratelimited"})
    assert delivered.ok
    assert delivered.args == limited.args  # the same message, sent again
    assert delivered.at - limited.at >= 1.0  # after the Retry-After of one second
    assert len(bot.posted(user)) == 1


@pytest.mark.usefixtures("fast_retries")
def test_a_slow_lookup_for_a_newcomer_does_not_hold_up_anyone_else(bot: Bot, user: str) -> None:
    bot.ruil(user)
    newcomer = new_user()
    bot.slack.fail_next("users.info", 429, retry_after=1)

    bot.command(newcomer)  # the bot asks Slack for a newcomer's language: rate limited, waits 1 s
    bot.slack.wait_for(lambda: [c for c in bot.slack.calls("users.info") if c.status == 429])
    reply = bot.say(user, "fin")

    assert "Vraag 2 van 12" in reply.visible
    # The answer came while the newcomer's lookup still waited out its Retry-After ...
    lookups = [c.status for c in bot.slack.calls("users.info") if c.args.get("user") == newcomer]
    assert lookups == [429]
    # ... and the newcomer gets their first question soon after.
    assert "Vraag 1 van 12" in bot.wait_posted(newcomer, 1).visible


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
