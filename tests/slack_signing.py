"""Send properly signed Slack requests (slash commands, events, interactions) to a bolt app over HTTP.

Payload shapes follow what Slack sends and what bolt-python parses (``slack_bolt.request.internals``):
slash commands are plain form bodies, events are JSON, interactions are form bodies with a single
``payload=<json>`` field. IDs match :mod:`tests.slack_standin` (team ``T000STAND``, DM channel ``D123`` for
user ``U123``, bot ``U0BOT``/``B0BOT``).

Note that bolt treats any form body containing the substring ``payload`` as an interaction payload, so a
slash command whose text contains that word arrives with an empty body -- as it would from real Slack.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from tests.slack_standin import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    dm_channel_id,
    slack_ts,
    user_name_for,
)

__all__ = [
    "DEFAULT_ACTION_RESPONSE_URL",
    "DEFAULT_COMMAND_RESPONSE_URL",
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "VERIFICATION_TOKEN",
    "SignedResponse",
    "app_home_opened_event",
    "block_action",
    "dm_edit_event",
    "dm_message_event",
    "post_signed",
    "sign",
    "slash_command",
    "view_submission",
]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
#: The deprecated verification token Slack still puts in every payload; bolt ignores it.
VERIFICATION_TOKEN = "stand-in-verification-token"
# Slack-shaped defaults. These point at the real hooks host; tests that exercise respond() should pass
# ``response_url=slack.response_url()`` so the answer lands in the stand-in.
DEFAULT_COMMAND_RESPONSE_URL = f"https://hooks.slack.com/commands/{TEAM_ID}/1/stand-in"
DEFAULT_ACTION_RESPONSE_URL = f"https://hooks.slack.com/actions/{TEAM_ID}/1/stand-in"
DEFAULT_TRIGGER_ID = "trig.1"
DEFAULT_MESSAGE_TS = "1700000000.000100"
REQUEST_TIMEOUT_SECONDS = 10.0

_ts_counter = itertools.count(1)


@dataclass(frozen=True)
class SignedResponse:
    """What the app answered: HTTP status, decoded body text and response headers."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """Slack's request signature: ``v0=`` + hex HMAC-SHA256 of ``b"v0:<timestamp>:" + body``."""
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def post_signed(
    url: str,
    secret: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: int | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> SignedResponse:
    """POST ``body`` to ``url`` signed like Slack does; never raises on 4xx/5xx answers.

    ``timestamp`` defaults to now; ``signature`` replaces the computed one (to forge requests);
    ``headers`` are added last and may override the defaults. Proxies from the environment are ignored.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"only http(s) URLs are supported, got {url!r}")
    ts = int(time.time()) if timestamp is None else timestamp
    request_headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(secret, body, ts) if signature is None else signature,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    request_headers.update(headers or {})
    request = urllib.request.Request(url, data=body, headers=request_headers, method="POST")  # noqa: S310 - scheme checked
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return SignedResponse(
                status=response.status,
                body=response.read().decode("utf-8", errors="replace"),
                headers=dict(response.headers.items()),
            )
    except urllib.error.HTTPError as error:
        with error:
            return SignedResponse(
                status=error.code,
                body=error.read().decode("utf-8", errors="replace"),
                headers=dict(error.headers.items()),
            )


# -- payload builders: each returns (body, content_type) ----------------------------------------------


def slash_command(
    command: str,
    text: str,
    user_id: str,
    *,
    team_id: str = TEAM_ID,
    channel_id: str = "C0GENERAL",
    channel_name: str | None = None,
    user_name: str | None = None,
    trigger_id: str = DEFAULT_TRIGGER_ID,
    response_url: str = DEFAULT_COMMAND_RESPONSE_URL,
) -> tuple[bytes, str]:
    """A slash command invocation, form-encoded in the field order Slack uses."""
    if channel_name is None:
        channel_name = "directmessage" if channel_id.startswith("D") else _channel_name(channel_id)
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name if user_name is not None else user_name_for(user_id),
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode("utf-8"), FORM_CONTENT_TYPE


def dm_message_event(
    user_id: str,
    text: str,
    *,
    event_id: str,
    channel: str | None = None,
    ts: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
    client_msg_id: str | None = None,
    team_id: str = TEAM_ID,
) -> tuple[bytes, str]:
    """An Events API ``message`` event in the user's DM with the bot (``channel_type: "im"``).
    ``client_msg_id`` and ``ts`` name the message: Slack may deliver one message under two event ids."""
    message_ts = ts if ts is not None else _new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "user": user_id,
        "text": text,
        "ts": message_ts,
        "team": TEAM_ID,
        "channel": channel if channel is not None else dm_channel_id(user_id),
        "event_ts": message_ts,
        "channel_type": "im",
    }
    if subtype is not None:
        event["subtype"] = subtype
    if bot_id is not None:
        event["bot_id"] = bot_id
        event["app_id"] = APP_ID
    elif subtype is None:
        event["client_msg_id"] = client_msg_id or str(uuid.uuid4())
    return _json_body(_event_callback(event, event_id, team_id)), JSON_CONTENT_TYPE


def dm_edit_event(
    user_id: str, ts: str, text: str, previous_text: str, *, event_id: str, client_msg_id: str | None = None
) -> tuple[bytes, str]:
    """A ``message_changed`` event: the person edited their message sent at ``ts`` in the DM."""
    channel = dm_channel_id(user_id)
    edited_at = _new_ts()
    original = {"type": "message", "user": user_id, "ts": ts, "team": TEAM_ID}
    if client_msg_id:
        original["client_msg_id"] = client_msg_id
    event: dict[str, Any] = {
        "type": "message",
        "subtype": "message_changed",
        "message": {**original, "text": text, "edited": {"user": user_id, "ts": edited_at}},
        "previous_message": {**original, "text": previous_text},
        "channel": channel,
        "hidden": True,
        "ts": edited_at,
        "event_ts": edited_at,
        "channel_type": "im",
    }
    return _json_body(_event_callback(event, event_id)), JSON_CONTENT_TYPE


def app_home_opened_event(
    user_id: str,
    *,
    event_id: str,
    tab: str = "home",
    view: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """An Events API ``app_home_opened`` event (``view`` is absent the first time a user opens Home)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": dm_channel_id(user_id),
        "tab": tab,
        "event_ts": _new_ts(),
    }
    if view is not None:
        event["view"] = view
    return _json_body(_event_callback(event, event_id)), JSON_CONTENT_TYPE


def block_action(
    user_id: str,
    action: dict[str, Any],
    *,
    channel: str | None = None,
    message_ts: str = DEFAULT_MESSAGE_TS,
    state_values: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    trigger_id: str = DEFAULT_TRIGGER_ID,
    response_url: str = DEFAULT_ACTION_RESPONSE_URL,
) -> tuple[bytes, str]:
    """A ``block_actions`` interaction on a bot message, or on a view (modal, App Home) if ``view`` is given.

    ``action`` needs at least ``action_id``; ``type``, ``block_id`` and ``action_ts`` are filled in when
    missing. Message actions carry ``channel``, ``container``, ``message``, ``state`` and ``response_url``;
    view actions carry ``container: {type: "view"}`` and the view (``state_values`` go into its ``state``).
    """
    full_action = {"type": "button", "block_id": "stand-in-block", "action_ts": _new_ts(), **action}
    values = state_values or {}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is None:
        channel_id = channel if channel is not None else dm_channel_id(user_id)
        payload.update(
            {
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel_id,
                    "is_ephemeral": False,
                },
                "channel": {"id": channel_id, "name": _channel_name(channel_id)},
                "message": {
                    "type": "message",
                    "ts": message_ts,
                    "text": "",
                    "blocks": [],
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                },
                "state": {"values": values},
                "response_url": response_url,
            }
        )
    else:
        full_view = _full_view(view, state_values)
        payload["container"] = {"type": "view", "view_id": full_view["id"]}
        payload["view"] = full_view
        if channel is not None:
            payload["channel"] = {"id": channel, "name": _channel_name(channel)}
    payload["actions"] = [full_action]
    return _payload_body(payload), FORM_CONTENT_TYPE


def view_submission(
    user_id: str,
    view: dict[str, Any],
    *,
    trigger_id: str = DEFAULT_TRIGGER_ID,
) -> tuple[bytes, str]:
    """A ``view_submission`` interaction; ``view`` needs ``callback_id`` and usually ``state``.

    Missing view fields (``id``, ``type: "modal"``, ``team_id``, ``state``, ``private_metadata``, ...)
    are filled in.
    """
    payload: dict[str, Any] = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": _full_view(view, None),
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }
    return _payload_body(payload), FORM_CONTENT_TYPE


# -- internals -----------------------------------------------------------------------------------------


def _new_ts() -> str:
    """A unique, increasing Slack-style ts near the current time, on the stand-in's clock."""
    return slack_ts()


def _channel_name(channel_id: str) -> str:
    if channel_id.startswith("D"):
        return "directmessage"
    if channel_id == "C0GENERAL":
        return "general"
    return channel_id.lower()


def _user(user_id: str) -> dict[str, Any]:
    name = user_name_for(user_id)
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _full_view(view: dict[str, Any], state_values: dict[str, Any] | None) -> dict[str, Any]:
    view_id = view.get("id") or "V0STANDIN"
    full: dict[str, Any] = {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": "modal",
        "callback_id": "",
        "private_metadata": "",
        "external_id": "",
        "state": {"values": {}},
        "hash": "1700000000.stand-in",
        "title": {"type": "plain_text", "text": "Ruilbot"},
        "blocks": [],
        "app_id": APP_ID,
        "bot_id": BOT_ID,
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_installed_team_id": TEAM_ID,
        **view,
    }
    if state_values is not None:
        full["state"] = {"values": state_values}
    return full


def _event_callback(event: dict[str, Any], event_id: str, team_id: str = TEAM_ID) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-stand-in-{event_id}",
    }


def _json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _payload_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode("utf-8")
