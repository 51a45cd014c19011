"""The front door: what it reads from a request before any work, and what it refuses."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from handlers.gateway import BadRequest, Workspaces, origin, parse, person

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def test_each_kind_of_slack_body_is_read() -> None:
    event = {"type": "event_callback", "team_id": "T1", "event": {"type": "message", "user": "U1"}}
    command = {"command": "/ruil", "team_id": "T1", "user_id": "U2", "text": "payload"}
    click = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U3"}}

    assert parse(json.dumps(event).encode(), JSON) == event
    assert parse(urlencode(command).encode(), FORM) == command  # 'payload' as text is not a payload
    assert parse(urlencode({"payload": json.dumps(click)}).encode(), f"{FORM}; charset=utf-8") == click
    assert [person(b) for b in (event, command, click)] == ["U1", "U2", "U3"]
    assert [origin(b) for b in (event, command, click)] == [("T1", None)] * 3


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", JSON),
        (b"{}", JSON),
        (b"null", JSON),
        (b'"text"', JSON),
        (b"\xc3\x28", JSON),
        (b"{" * 50_000, JSON),
        (b"payload=%5B1%5D", FORM),  # a payload that is JSON, but not an object
        (b"payload=%7B%22a%22", FORM),
    ],
)
def test_what_slack_never_sends_is_a_bad_request(body: bytes, content_type: str) -> None:
    with pytest.raises(BadRequest):
        parse(body, content_type)


def test_only_our_workspaces_are_admitted() -> None:
    ours = Workspaces.of(["T1", " T2 ", "E9", ""])

    assert ours.admit("T1", None)
    assert ours.admit("T2", None)
    assert ours.admit(None, "E9")  # an org-wide install: the enterprise is ours
    assert ours.admit("T7", "E9")
    assert not ours.admit("T7", None)
    assert not ours.admit(None, None)
    assert not ours.admit("T7", "E8")


def test_an_enterprise_request_names_its_organisation() -> None:
    body = {"type": "block_actions", "team": None, "enterprise": {"id": "E9"}, "user": {"id": "W1"}}
    assert origin(body) == (None, "E9")
    assert person(body) == "W1"


def test_a_request_with_a_broken_signature_header_is_refused_not_crashed() -> None:
    from slack_bolt import App

    from handlers.gateway import Gateway
    from handlers.lanes import Lanes
    from tests.slack_signing import sign

    app = App(token="xoxb-unused", token_verification_enabled=False, request_verification_enabled=False)
    lanes = Lanes(workers=1)
    gateway = Gateway(app, lanes, Workspaces.of(["T1"]), signing_secret="secret", now=lambda: 1_800_000_000.0)
    body = json.dumps({"type": "event_callback", "team_id": "T1", "event": {"type": "app_mention"}}).encode()

    def status(timestamp: str, signature: str) -> int:
        return gateway.handle(
            body,
            {"content-type": JSON, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature},
        )[0]

    good = sign("secret", body, 1_800_000_000)
    assert status("1800000000", good) == 200
    assert status("not-a-number", good) == 401
    assert status("1800000000", "v0=" + "0" * 64) == 401
    assert status("1799999600", sign("secret", body, 1_799_999_600)) == 401  # signed over 5 minutes ago
    assert status("1800000000", "ünïcode") == 401
    assert lanes.drain()
    lanes.close()
