"""The whole bot over real HTTP: signed requests from "Slack" in, Web API calls to the stand-in out.

The `bot` fixture starts the Slack stand-in, wires the real services with `bootstrap()` on the test
database, builds the real bolt app with `build_app()` and serves it with waitress on a free port. Tests
talk to it through `Bot`, which speaks the way Slack does (slash commands, DM events, button clicks)
and reads back what the person would see: the messages in their DM and the ephemeral replies.

Nothing is rolled back here: the app runs its own transactions, as in production. On PostgreSQL the
database is shared by every test, so each test uses its own Slack user (`new_user()`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from slack_bolt import App

from bot.bootstrap import Services, bootstrap
from bot.clock import FixedClock
from handlers.app import build_app, http_server
from handlers.render import mrkdwn_escape
from tests.slack_signing import (
    FORM_CONTENT_TYPE,
    SignedResponse,
    app_home_opened_event,
    block_action,
    dm_message_event,
    post_signed,
    slash_command,
)
from tests.slack_standin import DEFAULT_TOKEN, RESPONSE_URL_METHOD, SlackStandIn, dm_channel_id

SECRET = "e2e-signing-secret"
WAIT = 5.0  # seconds; a reply normally arrives within a few milliseconds


def new_user() -> str:
    """A Slack user id of its own for each test: the PostgreSQL database is shared between tests."""
    return "U" + uuid.uuid4().hex[:10].upper()


@dataclass(frozen=True)
class Posted:
    """One message the bot posted in a DM, as the person sees it."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]

    @property
    def visible(self) -> str:
        """All text shown in the message: sections, context lines, headers and button labels."""
        return visible_text(self.blocks)

    def buttons(self) -> list[dict[str, Any]]:
        return buttons_in(self.blocks)

    def button(self, label: str) -> dict[str, Any]:
        return find_button(self.blocks, label)

    def labels(self) -> list[str]:
        return [b["text"]["text"] for b in self.buttons()]


def visible_text(blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []

    def text_of(obj: Any) -> None:
        if isinstance(obj, dict):
            if obj.get("type") in ("mrkdwn", "plain_text") and isinstance(obj.get("text"), str):
                parts.append(obj["text"])
                return
            for key, value in obj.items():
                if key not in ("value", "action_id", "block_id"):
                    text_of(value)
        elif isinstance(obj, list):
            for item in obj:
                text_of(item)

    text_of(blocks)
    return "\n".join(parts)


def buttons_in(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button, with the block_id of the block it sits in (Slack sends that back on a click)."""
    found = []
    for block in blocks:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                found.append({**element, "block_id": block.get("block_id") or "stand-in-block"})
    return found


def find_button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    matches = [b for b in buttons_in(blocks) if label in b["text"]["text"]]
    labels = [b["text"]["text"] for b in buttons_in(blocks)]
    assert len(matches) == 1, f"expected one button labelled {label!r}, the message has {labels}"
    return matches[0]


class Bot:
    """Drives the running bot like Slack and its users do."""

    def __init__(self, slack: SlackStandIn, database_url: str, clock: FixedClock) -> None:
        self.slack = slack
        self.database_url = database_url
        self.clock = clock
        self._events = itertools.count(1)
        self._responses = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]
        self.services: Services | None = None
        self.app: App | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.start()

    # -- the process -------------------------------------------------------------------------------

    def start(self) -> None:
        self.services = bootstrap(self.database_url, clock=self.clock, escape=mrkdwn_escape)
        self.app = build_app(
            self.services, token=DEFAULT_TOKEN, api_url=self.slack.api_url, signing_secret=SECRET
        )
        self._server = http_server(self.app, port=0, host="127.0.0.1")
        self._thread = threading.Thread(target=self._server.run, name="ruilbot-e2e", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.effective_port}/slack/events"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.close()
        server.task_dispatcher.shutdown(timeout=2)
        if thread is not None:
            thread.join(timeout=2)
        if self.services is not None:
            _dispose_engine(self.services)

    def restart(self) -> None:
        """Stop the server and build services, app and server anew on the same database."""
        self.stop()
        self.start()

    # -- what Slack sends ------------------------------------------------------------------------

    def post(self, body: bytes, content_type: str, **options: Any) -> SignedResponse:
        return post_signed(self.url, SECRET, body, content_type, **options)

    def command(self, user: str, text: str = "") -> tuple[SignedResponse, str]:
        """`/ruil <text>`; returns the HTTP answer and the key of its response_url."""
        key = f"{self._run}-{next(self._responses)}"
        body, content_type = slash_command("/ruil", text, user, response_url=self.slack.response_url(key))
        return self.post(body, content_type), key

    def dm(self, user: str, text: str, *, event_id: str | None = None, **options: Any) -> SignedResponse:
        """A message.im event from `user`; `options` go to dm_message_event (bot_id, subtype, ...)."""
        headers = options.pop("headers", None)
        body, content_type = dm_message_event(user, text, event_id=event_id or self.event_id(), **options)
        return self.post(body, content_type, headers=headers)

    def click(self, user: str, button: dict[str, Any], message: Posted) -> SignedResponse:
        """A click on `button` in `message`, sent back with the message's channel, ts and blocks."""
        action = {
            "type": "button",
            "action_id": button["action_id"],
            "block_id": button["block_id"],
            "text": button["text"],
            "value": button.get("value", ""),
        }
        body, content_type = block_action(
            user,
            action,
            channel=message.channel,
            message_ts=message.ts,
            response_url=self.slack.response_url(f"{self._run}-{next(self._responses)}"),
        )
        # Slack sends the clicked message along, blocks and all; the builder leaves them empty.
        payload = json.loads(dict(parse_qsl(body.decode()))["payload"])
        payload["message"].update(text=message.text, blocks=message.blocks)
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM_CONTENT_TYPE)

    def home_click(self, user: str, button: dict[str, Any], view: dict[str, Any]) -> SignedResponse:
        action = {key: button[key] for key in ("action_id", "block_id", "text", "value")}
        body, content_type = block_action(user, {"type": "button", **action}, view=view)
        return self.post(body, content_type)

    def home_opened(self, user: str) -> SignedResponse:
        body, content_type = app_home_opened_event(user, event_id=self.event_id())
        return self.post(body, content_type)

    def event_id(self) -> str:
        return f"Ev{self._run.upper()}{next(self._events):06d}"

    # -- what the person sees --------------------------------------------------------------------

    def posted(self, user: str) -> list[Posted]:
        """The messages the bot posted in `user`'s DM, oldest first."""
        channel = dm_channel_id(user)
        found = []
        for call in self.slack.calls("chat.postMessage"):
            if not call.ok or call.response is None or call.response.get("channel") != channel:
                continue
            found.append(
                Posted(
                    channel=channel,
                    ts=str(call.response["ts"]),
                    text=str(call.args.get("text") or ""),
                    blocks=list(call.args.get("blocks") or []),
                )
            )
        return found

    def wait_posted(self, user: str, count: int) -> Posted:
        """Wait until the bot has posted `count` messages to `user`; return the last of those."""

        def arrived() -> list[Posted] | None:
            found = self.posted(user)
            return found if len(found) >= count else None

        arrived.__qualname__ = f"{count} message(s) in the DM of {user}"
        return self.slack.wait_for(arrived, timeout=WAIT)[count - 1]

    def ephemeral(self, key: str) -> dict[str, Any]:
        """What a command answered in place (through its response_url)."""

        def answered() -> dict[str, Any] | None:
            for call in self.slack.calls(RESPONSE_URL_METHOD):
                if call.args.get("_key") == key:
                    return call.args
            return None

        answered.__qualname__ = f"the response_url answer {key}"
        return self.slack.wait_for(answered, timeout=WAIT)

    # -- conversations: do something, wait for the answer ---------------------------------------

    def say(self, user: str, text: str) -> Posted:
        """Type `text` in the DM and return the bot's reply."""
        before = len(self.posted(user))
        response = self.dm(user, text)
        assert response.status == 200, response
        return self.wait_posted(user, before + 1)

    def press(self, user: str, message: Posted, label: str) -> Posted:
        """Click the button labelled `label` in `message` and return the bot's next DM."""
        before = len(self.posted(user))
        response = self.click(user, message.button(label), message)
        assert response.status == 200, response
        return self.wait_posted(user, before + 1)

    def ruil(self, user: str, text: str = "") -> tuple[str, Posted | None]:
        """`/ruil <text>`: the visible ephemeral answer, and the DM it sent (if it sends one)."""
        before = len(self.posted(user))
        response, key = self.command(user, text)
        assert response.status == 200, response
        reply = self.ephemeral(key)
        ephemeral = visible_text(reply.get("blocks") or []) or str(reply.get("text") or "")
        if text.strip():  # help, status, taal, ...: answered in place only
            return ephemeral, None
        return ephemeral, self.wait_posted(user, before + 1)

    def answer_all(self, user: str, answers: list[str]) -> Posted:
        reply: Posted | None = None
        for text in answers:
            reply = self.say(user, text)
        assert reply is not None
        return reply


def _dispose_engine(services: Services) -> None:
    # Services keeps its engine to itself. A real restart ends the process and with it the pool; in
    # one test process the old pools would pile up connections on the shared PostgreSQL server.
    sessions = getattr(services.uow(), "_sessions", None)
    engine = getattr(sessions, "kw", {}).get("bind")
    if engine is not None:
        engine.dispose()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def bot(slack: SlackStandIn, database_url: str, clock: FixedClock) -> Iterator[Bot]:
    # `clock` stands on Friday 27 November 2026 (tests/conftest.py): "1 maart" is 1 March 2027.
    driver = Bot(slack, database_url, clock)
    yield driver
    driver.stop()


@pytest.fixture
def user() -> str:
    return new_user()


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK waits Retry-After plus random.random() seconds on a 429; drop the random part."""
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)


def elapsed(since: float) -> float:
    return time.monotonic() - since
