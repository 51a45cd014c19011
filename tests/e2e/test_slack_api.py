"""When Slack's Web API pushes back, the person still gets their message."""

from __future__ import annotations

import pytest

from tests.e2e.driver import Bot

pytestmark = pytest.mark.e2e


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
