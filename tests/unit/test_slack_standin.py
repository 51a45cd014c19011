"""Fast checks of the Slack Web API stand-in and the signed-request helpers used by the e2e tests."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from tests.slack_signing import (
    app_home_opened_event,
    block_action,
    dm_message_event,
    post_signed,
    sign,
    slash_command,
    view_submission,
)
from tests.slack_standin import DEFAULT_TOKEN, ApiCall, SlackStandIn

SECRET = "stand-in-signing-secret"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hoi*"}}]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url, timeout=5)


def test_web_client_calls_are_answered_and_recorded(slack: SlackStandIn, client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T000STAND", "U0BOT", "B0BOT")

    opened = client.conversations_open(users="U123")
    assert opened["channel"]["id"] == "D123"

    first = client.chat_postMessage(channel="D123", text="Hoi", blocks=BLOCKS)
    second = client.chat_postMessage(channel="U123", text="Nog een")
    assert first["ok"]
    assert first["channel"] == "D123"
    assert first["message"]["blocks"] == BLOCKS
    assert (first["message"]["user"], first["message"]["bot_id"]) == ("U0BOT", "B0BOT")
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"])

    assert [call.method for call in slack.calls()] == [
        "auth.test",
        "conversations.open",
        *["chat.postMessage"] * 2,
    ]
    assert slack.calls("conversations.open")[0].args == {"users": "U123"}
    assert [m["text"] for m in slack.messages_to("D123")] == ["Hoi", "Nog een"]
    assert slack.messages_to("D123")[0]["blocks"] == BLOCKS


def test_form_encoded_blocks_are_decoded(slack: SlackStandIn, client: WebClient) -> None:
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(BLOCKS)})
    (call,) = slack.calls("chat.postMessage")
    assert call.args == {"channel": "C1", "text": "x", "blocks": BLOCKS}


def test_users_info_views_and_errors(slack: SlackStandIn, client: WebClient) -> None:
    slack.set_user_locale("U2", "en-GB")
    assert client.users_info(user="U1")["user"]["locale"] == "nl-NL"
    user = client.users_info(user="U2")["user"]
    assert (user["id"], user["tz"], user["locale"], user["is_bot"]) == (
        "U2",
        "Europe/Amsterdam",
        "en-GB",
        False,
    )

    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]
    again = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]
    assert home["id"].startswith("V")
    assert again["id"] == home["id"]
    assert home["blocks"] == BLOCKS

    with pytest.raises(SlackApiError) as unknown:
        client.api_call("reactions.add", params={"name": "tada"})
    assert unknown.value.response["error"] == "unknown_method"

    with pytest.raises(SlackApiError) as forged:
        WebClient(token="xoxb-wrong", base_url=slack.api_url).auth_test()
    assert forged.value.response["error"] == "invalid_auth"
    assert slack.calls()[-1] == ApiCall(
        "auth.test", {}, 200, slack.calls()[-1].at, forged.value.response.data
    )


def test_rate_limit_is_retried_by_the_sdk(
    slack: SlackStandIn, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # RateLimitErrorRetryHandler sleeps Retry-After + random.random(); keep the test fast.
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    slack.fail_next("chat.postMessage", 429, retry_after=0)

    response = client.chat_postMessage(channel="D123", text="Hoi")

    assert response["ok"]
    assert [call.status for call in slack.calls("chat.postMessage")] == [429, 200]
    assert slack.calls("chat.postMessage")[0].response == {"ok": False, "error": "ratelimited"}
    assert len(slack.messages_to("D123")) == 1


def test_server_error_without_retry_handler_raises(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", 500)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="D123", text="Hoi")
    assert [call.status for call in slack.calls("chat.postMessage")] == [500]
    assert slack.messages_to("D123") == []


def test_wait_for_wakes_on_calls_and_times_out_readably(slack: SlackStandIn, client: WebClient) -> None:
    poster = threading.Timer(0.05, lambda: client.chat_postMessage(channel="D9", text="later"))
    poster.start()
    messages = slack.wait_for(lambda: slack.messages_to("D9"), timeout=5)
    assert messages[0]["text"] == "later"
    poster.join()

    assert len(slack.wait_for_calls("chat.postMessage", 1)) == 1
    with pytest.raises(
        AssertionError, match=r"2 call\(s\) of chat.postMessage[\s\S]*chat.postMessage \[ok\]"
    ):
        slack.wait_for_calls("chat.postMessage", 2, timeout=0.2)

    slack.clear()
    assert slack.calls() == []


def test_signature_helper_agrees_with_slack_sdk() -> None:
    body, _ = slash_command("/ruil", "help", "U123")
    now = int(time.time())
    assert SignatureVerifier(SECRET).is_valid(body, str(now), sign(SECRET, body, now))
    assert not SignatureVerifier(SECRET).is_valid(body, str(now), sign("other", body, now))


def _parsed(built: tuple[bytes, str]) -> dict[str, Any]:
    body, content_type = built
    request = BoltRequest(body=body.decode("utf-8"), headers={"content-type": content_type})
    return request.body


def test_builders_produce_what_bolt_parses() -> None:
    command = _parsed(slash_command("/ruil", "zoek beleid", "U123"))
    assert (command["command"], command["text"], command["user_id"]) == ("/ruil", "zoek beleid", "U123")

    message = _parsed(dm_message_event("U123", "hallo", event_id="Ev1"))
    assert message["type"] == "event_callback"
    assert (message["event"]["channel"], message["event"]["channel_type"]) == ("D123", "im")

    home = _parsed(app_home_opened_event("U123", event_id="Ev2"))
    assert home["event"]["type"] == "app_home_opened"

    action = _parsed(block_action("U123", {"action_id": "accept", "value": "42"}))
    assert action["actions"][0]["action_id"] == "accept"
    assert action["container"] == {
        "type": "message",
        "message_ts": "1700000000.000100",
        "channel_id": "D123",
        "is_ephemeral": False,
    }

    submission = _parsed(view_submission("U123", {"callback_id": "intake", "state": {"values": {"a": {}}}}))
    assert (submission["type"], submission["view"]["callback_id"]) == ("view_submission", "intake")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_url(slack: SlackStandIn) -> Iterator[str]:
    """A tiny real bolt app served over HTTP, talking to the stand-in."""
    app = App(
        token=DEFAULT_TOKEN, signing_secret=SECRET, client=WebClient(DEFAULT_TOKEN, base_url=slack.api_url)
    )

    @app.command("/ruil")
    def ruil(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack("Even kijken...")
        client.chat_postMessage(channel=command["user_id"], text=f"Je zocht: {command['text']}")
        respond("klaar")

    server: WSGIServer = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_signed_slash_command_reaches_a_real_bolt_app(slack: SlackStandIn, bolt_url: str) -> None:
    body, content_type = slash_command("/ruil", "beleid", "U123", response_url=slack.response_url("cmd"))

    answer = post_signed(bolt_url, SECRET, body, content_type)
    assert (answer.status, answer.body) == (200, "Even kijken...")

    assert slack.wait_for(lambda: slack.messages_to("D123"))[0]["text"] == "Je zocht: beleid"
    (reply,) = slack.wait_for_calls("response_url", 1)
    assert (reply.args["text"], reply.args["_key"]) == ("klaar", "cmd")

    forged = post_signed(bolt_url, SECRET, body, content_type, signature="v0=" + "0" * 64)
    assert forged.status == 401
    assert forged.json() == {"error": "invalid request"}
    stale = post_signed(bolt_url, SECRET, body, content_type, timestamp=int(time.time()) - 600)
    assert stale.status == 401


def test_history_keeps_posts_with_their_metadata(slack: SlackStandIn, client: WebClient) -> None:
    meta = {"event_type": "ruilbot_outbox", "event_payload": {"id": 7}}
    client.chat_postMessage(channel="U7", text="een", metadata=meta)
    client.chat_postMessage(channel="D7", text="twee")
    plain = client.conversations_history(channel="D7")
    assert [m["text"] for m in plain["messages"]] == ["twee", "een"]  # newest first, as Slack
    assert all("metadata" not in m for m in plain["messages"])
    full = client.conversations_history(channel="D7", include_all_metadata=True, limit=1)
    assert full["has_more"]
    rest = client.conversations_history(
        channel="D7", include_all_metadata=True, cursor=full["response_metadata"]["next_cursor"]
    )
    assert rest["messages"][0]["metadata"] == meta
    newest = plain["messages"][0]["ts"]
    assert client.conversations_history(channel="D7", oldest=newest)["messages"] == []  # exclusive, as Slack
    assert [
        m["text"]
        for m in client.conversations_history(channel="D7", oldest=newest, inclusive=True)["messages"]
    ] == ["twee"]


def test_post_then_fail_posts_and_answers_badly(slack: SlackStandIn, client: WebClient) -> None:
    slack.post_then_fail(500, channel="U8")
    client.chat_postMessage(channel="U9", text="niet geraakt")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="U8", text="toch geplaatst")
    assert [m["text"] for m in slack.history("U8")] == ["toch geplaatst"]
    assert slack.messages_to("U8") == []  # messages_to still lists only posts answered ok

    slack.post_then_fail(None, delay=0.5)
    impatient = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url, timeout=0.1, retry_handlers=[])  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="U8", text="te laat beantwoord")
    assert [m["text"] for m in slack.history("U8")][-1] == "te laat beantwoord"


def test_rate_limits_answer_429_with_retry_after(slack: SlackStandIn, client: WebClient) -> None:
    slack.rate_limit("chat.postMessage", 1, burst=1, per_channel=True)
    client.chat_postMessage(channel="C1", text="een")
    client.chat_postMessage(channel="C2", text="ander kanaal")
    bare = WebClient(token=DEFAULT_TOKEN, base_url=slack.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as refused:
        bare.chat_postMessage(channel="C1", text="te snel")
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "1"
    slack.rate_limit("auth.test", 0.01, burst=2)  # two at once, then one per 100 s
    bare.auth_test()
    bare.auth_test()
    with pytest.raises(SlackApiError) as again:
        bare.auth_test()
    assert int(again.value.response.headers["Retry-After"]) >= 99


def test_refuse_next_answers_like_slack_refuses(slack: SlackStandIn, client: WebClient) -> None:
    slack.refuse_next("chat.postMessage", "user_not_found", channel="U5")
    client.chat_postMessage(channel="U6", text="gewoon")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="U5", text="weg")
    assert refused.value.response.status_code == 200
    assert refused.value.response["error"] == "user_not_found"
    assert slack.history("U5") == []


def test_files_upload_v2_shares_the_bytes_in_the_channel(slack: SlackStandIn, client: WebClient) -> None:
    answer = client.files_upload_v2(
        channel="D123",
        filename="kickoff.ics",
        content=b"BEGIN:VCALENDAR",
        title="Kick-off",
        initial_comment="Hoi",
    )
    assert answer["file"]["name"] == "kickoff.ics"
    [shared] = slack.files_in("U123")  # a user id means their DM
    assert (shared.content, shared.title, shared.initial_comment) == (b"BEGIN:VCALENDAR", "Kick-off", "Hoi")
    assert slack.history("D123")[-1]["files"][0]["id"] == shared.id


def test_a_file_that_was_never_uploaded_is_not_shared(slack: SlackStandIn, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="a.json", length=2)
    with pytest.raises(SlackApiError, match="file_not_found"):
        client.files_completeUploadExternal(files=[{"id": url["file_id"]}], channel_id="D123")
    assert slack.files_in("D123") == []


def test_profile_fields_are_reported_by_users_info(slack: SlackStandIn, client: WebClient) -> None:
    slack.set_profile("U123", title="Directeur", email="a@example.nl", phone="")
    profile = client.users_info(user="U123")["user"]["profile"]
    assert (profile["title"], profile["email"]) == ("Directeur", "a@example.nl")
    assert "phone" not in profile  # an empty field is left out, as Slack does
