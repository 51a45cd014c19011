"""Hostile or broken input is refused cheaply and kindly: bad bodies, huge bodies, other workspaces,
huge answers and invisible characters. Nothing typed before is lost."""

from __future__ import annotations

import http.client
import json
import logging
import time
from urllib.parse import urlsplit

import pytest

from handlers.gateway import MAX_BODY
from tests.e2e.driver import WAIT, Bot
from tests.slack_signing import FORM_CONTENT_TYPE, JSON_CONTENT_TYPE, dm_message_event, sign, slash_command
from tests.slack_standin import RESPONSE_URL_METHOD, TEAM_ID

pytestmark = pytest.mark.e2e

OTHER_TEAM = "T0THEROTHER"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', JSON_CONTENT_TYPE),  # cut-off JSON
        (b"\xff\xfe not utf-8", JSON_CONTENT_TYPE),
        (b"[1, 2, 3]", JSON_CONTENT_TYPE),  # JSON, but not an object
        (b"payload=%7Bnot+json", FORM_CONTENT_TYPE),  # an interaction whose payload is not JSON
        (b"[" * 100_000 + b"]" * 100_000, JSON_CONTENT_TYPE),  # absurd nesting
    ],
    ids=["cut-off", "not-utf8", "array", "bad-payload", "deep"],
)
def test_a_malformed_signed_body_gets_400_and_one_log_line(
    bot: Bot, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = bot.post(body, content_type)

    assert response.status == 400
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" (")[0] for r in lines] == ["refused a malformed request body"]
    assert not any(r.exc_info for r in caplog.records)  # no traceback
    assert not bot.slack.calls("chat.postMessage")


def test_a_malformed_unsigned_body_is_refused_for_its_signature_before_it_is_read(bot: Bot) -> None:
    assert bot.post_unsigned(b"[" * 100_000, JSON_CONTENT_TYPE) == 401
    now = int(time.time())
    forged = bot.post(b"{broken", JSON_CONTENT_TYPE, signature=sign("wrong", b"{broken", now), timestamp=now)
    assert forged.status == 401


def test_a_body_over_the_limit_gets_413_before_it_is_read(bot: Bot, user: str) -> None:
    assert _announce_body(bot, MAX_BODY + 1) == 413
    assert _announce_body(bot, 10 * 1024 * 1024) == 413
    # Slack's own payloads are far below it: a 40,000-character message passes the door.
    long_body, content_type = bot.dm_body(user, "x" * 40_000)
    assert bot.post(long_body, content_type).status == 200


def test_a_huge_answer_is_refused_with_the_question_again_and_fits_slack(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.say(user, "fin")

    reply = bot.say(user, "<@U0BOT> " + "Directie " * 4_500)  # about 40,000 characters

    assert "Dat bericht is te lang voor mij: 40" in reply.visible
    assert "Vraag 2 van 12" in reply.visible
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply.blocks)
    assert len(reply.text) <= 3000
    assert "Vraag 3 van 12" in bot.say(user, "Directie Begroting").visible


def test_a_long_unknown_choice_is_quoted_back_short(bot: Bot, user: str) -> None:
    bot.ruil(user)

    reply = bot.say(user, "Ministerie van " + "Heel Lange Namen " * 200)

    first = reply.blocks[0]["text"]["text"]
    assert "staat niet in de lijst" in first
    assert len(first) < 400
    assert "Vraag 1 van 12" in reply.visible


def test_another_workspace_cannot_read_anyones_status(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.say(user, "fin")
    key = bot.new_key()
    body, content_type = slash_command(
        "/ruil", "status", user, team_id=OTHER_TEAM, response_url=bot.slack.response_url(key)
    )

    assert bot.post(body, content_type).status == 403
    event, event_type = dm_message_event(user, "stop", event_id=bot.event_id(), team_id=OTHER_TEAM)
    assert bot.post(event, event_type).status == 403

    assert bot.gateway is not None
    assert bot.gateway.lanes.drain()
    assert not [c for c in bot.slack.calls(RESPONSE_URL_METHOD) if c.args["_key"] == key]
    assert "1 van de 12" in bot.say(user, "status").visible  # the 'stop' from outside did nothing
    status, _ = bot.ruil(user, "status")  # and our own workspace still gets in
    assert "1 van de 12" in status


def test_invisible_characters_neither_hide_an_answer_nor_get_stored(bot: Bot, user: str) -> None:
    bot.ruil(user)

    reply = bot.say(user, "fin\u200bacien\u2060")  # zero-width space and word joiner inside a name

    assert "Genoteerd: Financiën (FIN)" in reply.visible
    bot.say(user, "Directie \u202eBegroting\u0000")  # a right-to-left override and a NUL
    summary = bot.complete(user, first=("Afdelingshoofd",))
    assert summary.summary()["Directie of dienst"] == "Directie Begroting"
    assert not any(ch in json.dumps(summary.blocks) for ch in ("\u202e", "\\u202e", "\\u0000"))


def test_a_reply_to_a_foreign_workspace_request_is_never_sent_to_slack(bot: Bot, user: str) -> None:
    body, content_type = slash_command("/ruil", "", user, team_id=OTHER_TEAM)
    assert bot.post(body, content_type).status == 403
    assert bot.gateway is not None
    assert bot.gateway.lanes.drain()
    assert not bot.slack.calls("conversations.open")
    assert TEAM_ID != OTHER_TEAM


def _announce_body(bot: Bot, size: int) -> int:
    """Announce a signed body of `size` bytes and send nothing yet: the status the bot answers
    before reading any of it."""
    parts = urlsplit(bot.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=WAIT)
    try:
        connection.putrequest("POST", parts.path)
        connection.putheader("Content-Type", JSON_CONTENT_TYPE)
        connection.putheader("Content-Length", str(size))
        connection.putheader("X-Slack-Request-Timestamp", str(int(time.time())))
        connection.putheader("X-Slack-Signature", "v0=" + "0" * 64)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()
