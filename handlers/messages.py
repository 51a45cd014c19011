"""Direct messages: whatever a person types in their DM with the bot goes to the conversation, and an
edit of a message they sent is offered to it too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.request.internals import extract_user_id
from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.privacy import request
from handlers import privacy
from handlers.context import DirectMessages, sent_at, slack_unescape, slack_user

EDITED = "message_changed"


def _ids(body: dict[str, Any], message: dict[str, Any], channel: str) -> list[str]:
    """The id under which a second delivery is recognised: the message's own (Slack can deliver one
    message under two event ids, and a redelivered event carries the same message), else the event's."""
    if message.get("client_msg_id"):
        return [f"message:{message['client_msg_id']}"]
    if message.get("ts") and channel:
        return [f"message:{channel}:{message['ts']}"]
    return [f"event:{body['event_id']}"] if body.get("event_id") else []


Listener = Callable[[dict[str, Any], dict[str, Any], WebClient], None]
OnError = Callable[[Exception, dict[str, Any], WebClient], None]


def register(app: App, services: Services, dms: DirectMessages) -> None:
    app.event("message")(listener(services, dms))


class DirectRoute:
    """Message events from the gateway straight to the DM listener, without bolt's dispatch (its
    middleware, matching and runner cost about 0.3 ms a request). What bolt would do is kept: the
    `message` listener is the first that matches every message event, our own events are dropped as
    bolt's IgnoringSelfEvents drops them, and a failure goes to the same error handler. Who the bot is
    (`me`: its user id and bot id) comes from the auth.test made at start-up, never on a request."""

    def __init__(
        self, client: WebClient, listener: Listener, on_error: OnError, me: tuple[str | None, str | None]
    ) -> None:
        self._client, self._listener, self._on_error = client, listener, on_error
        self._bot_user, self._bot_id = me

    def __call__(self, body: dict[str, Any]) -> Callable[[], None] | None:
        """The work for a message event; None for anything else (bolt routes it)."""
        event = body.get("event")
        if (
            body.get("type") != "event_callback"
            or not isinstance(event, dict)
            or event.get("type") != "message"
        ):
            return None
        user, sender = extract_user_id(body), event.get("bot_id")
        if (user is not None and user == self._bot_user) or (sender is not None and sender == self._bot_id):
            return lambda: None  # our own message: bolt acknowledges it and runs nothing
        return lambda: self._run(body, event)

    def _run(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        try:
            self._listener(body, event, self._client)
        except Exception as error:  # as bolt's runner: to the one error handler
            self._on_error(error, body, self._client)


def listener(services: Services, dms: DirectMessages) -> Listener:
    def direct_message(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id"):
            return  # other bots' posts (and our own) are not something a person said to us
        channel = str(event.get("channel") or "")
        if isinstance(event.get("user"), str):
            dms.note(event["user"], channel)
        if event.get("subtype") == EDITED:
            edited(body, event, client, channel)
            return
        if event.get("subtype"):
            return  # deletions, joins, file shares without text
        user_id, text = event.get("user"), event.get("text")
        if not isinstance(user_id, str) or not isinstance(text, str) or not text.strip():
            return
        if (asked := request(slack_unescape(text))) is not None:  # 'mijn gegevens', 'vergeet mij'
            privacy.handle(services, dms, client, user_id, asked)
            return
        typed_at = sent_at(event.get("ts"))
        screen = services.intake.text(
            slack_user(user_id, client),
            slack_unescape(text),
            typed_at=typed_at,
            ids=_ids(body, event, channel),
        )
        if screen is not None:  # None: a message we had handled already
            # No Home tab refresh after a change made here: the Home tab is not on screen while the
            # person types in the DM, and Slack sends app_home_opened (which publishes it) on opening.
            dms.post(client, user_id, screen, channel=channel)

    def edited(body: dict[str, Any], event: dict[str, Any], client: WebClient, channel: str) -> None:
        message, before = event.get("message") or {}, event.get("previous_message") or {}
        user_id, text = message.get("user"), message.get("text")
        if not isinstance(user_id, str) or not isinstance(text, str) or message.get("bot_id"):
            return
        if text == before.get("text") or not text.strip():
            return  # a link preview or other change that is not the person's words
        at = sent_at(message.get("ts"))
        if at is None:
            return
        ids = [f"event:{body['event_id']}"] if body.get("event_id") else []
        screen = services.intake.edited(slack_user(user_id, client), at, slack_unescape(text), ids=ids)
        if screen is not None:
            dms.post(client, user_id, screen, channel=channel)

    return direct_message
