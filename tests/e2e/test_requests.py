"""What reaches the bot from outside: only requests signed by Slack, each event once, no bot chatter."""

from __future__ import annotations

import time

import pytest

from tests.e2e.driver import SECRET, Bot
from tests.slack_signing import sign
from tests.slack_standin import BOT_ID, BOT_USER_ID, RESPONSE_URL_METHOD, dm_channel_id

pytestmark = pytest.mark.e2e

NO_REGISTRATION = "Je hebt nog geen aanmelding lopen. Typ /ruil om een programma te kiezen."


def test_requests_without_a_valid_signature_are_refused(bot: Bot, user: str) -> None:
    body, content_type, key = bot.command_body(user)
    now = int(time.time())

    forged = bot.post(body, content_type, signature=sign("not-the-secret", body, now))
    stale = bot.post(body, content_type, timestamp=now - 6 * 60)  # signed, but 6 minutes old
    unsigned = bot.post_unsigned(body, content_type)
    # Signed for one body, sent with another.
    tampered = bot.post(
        body.replace(b"text=", b"text=stop"), content_type, timestamp=now, signature=sign(SECRET, body, now)
    )

    assert (forged.status, stale.status, unsigned, tampered.status) == (401, 401, 401, 401)
    event, event_type = bot.dm_body(user, "start")  # 'start' starts the intake
    assert bot.post(event, event_type, signature=sign("not-the-secret", event, now)).status == 401

    # A real '/ruil status' after them: there is no registration, and it is the only answer given.
    status, _ = bot.ruil(user, "status")
    assert status == NO_REGISTRATION
    assert len(bot.slack.calls(RESPONSE_URL_METHOD)) == 1
    assert not bot.slack.calls("conversations.open")
    assert not bot.slack.calls("chat.postMessage")

    # A refused event leaves no trace: the same event, properly signed, is handled as new.
    assert bot.post(event, event_type).status == 200
    started = bot.wait_posted(user, 1)
    assert "Vraag 1 van 12" in started.visible
    assert not [c for c in bot.slack.calls(RESPONSE_URL_METHOD) if c.args["_key"] == key]


def test_a_redelivered_event_is_answered_once(bot: Bot, user: str) -> None:
    bot.ruil(user)
    event, content_type = bot.dm_body(user, "fin")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}

    # Redelivered straight away, as Slack does when it thinks the first delivery timed out.
    assert bot.post(event, content_type).status == 200
    assert bot.post(event, content_type, headers=retry).status == 200

    reply = bot.wait_posted(user, 2)
    assert "Genoteerd: Financiën (FIN)" in reply.visible
    assert "Vraag 2 van 12" in reply.visible

    # Had the retry been handled, "fin" would also have answered question 2 (the directorate).
    status = bot.say(user, "status")
    assert "Je aanmelding voor de Managersruil loopt: 1 van de 12" in status.visible
    assert "Vraag 2 van 12" in status.visible
    assert len(bot.posted(user)) == 3  # the first question, the one reply, the status


def test_the_bot_ignores_its_own_messages_edits_and_other_bots(bot: Bot, user: str) -> None:
    channel = dm_channel_id(user)
    ignored = [
        bot.dm(BOT_USER_ID, "hoi", channel=channel, bot_id=BOT_ID),  # its own post in the DM
        bot.dm(user, "hoi", bot_id=BOT_ID),  # a post carrying the bot's own bot_id
        bot.dm(BOT_USER_ID, "hoi", channel=channel),  # the bot's own user, without a bot_id
        bot.dm(user, "hoi", subtype="message_changed"),  # the person edits a message
        bot.dm(user, "hoi", subtype="message_deleted"),
        bot.dm(user, "hoi", bot_id="B0OTHERBOT"),  # another app in the conversation
    ]
    assert [r.status for r in ignored] == [200] * len(ignored)

    # 'hoi' would have started the intake; what the person types next is the only thing answered.
    reply = bot.say(user, "status")
    assert reply.visible == NO_REGISTRATION
    status, _ = bot.ruil(user, "status")
    assert status == NO_REGISTRATION
    assert len(bot.posted(user)) == 1
    assert not bot.posted(BOT_USER_ID)
