"""Drives the whole bot over real HTTP: signed requests from "Slack" in, Web API calls to the stand-in out.

`Bot` wires the real services with `bootstrap()`, builds the real bolt app with `build_app()` and
serves it with waitress on a free port, as `ruilbot serve` does. Tests talk to it the way Slack does
(slash commands, DM events, button clicks) and read back what the person sees: the messages in their
DM, the ephemeral replies and the Home tab.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_bolt import App
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.bootstrap import Services, bootstrap
from bot.clock import FixedClock
from handlers.app import build_app, http_server
from handlers.gateway import Gateway
from handlers.lanes import FakeTimer
from tests.consenting import consenting
from tests.slack_signing import (
    FORM_CONTENT_TYPE,
    SignedResponse,
    app_home_opened_event,
    block_action,
    dm_message_event,
    post_signed,
    slash_command,
    view_submission,
)
from tests.slack_standin import DEFAULT_TOKEN, RESPONSE_URL_METHOD, SlackStandIn, dm_channel_id

SECRET = "e2e-signing-secret"
NO_WAIT = FixedValueRetryIntervalCalculator(0)
WAIT = 15.0  # seconds; a reply normally arrives within milliseconds, but CI machines get busy

# The twelve answers of a complete Managersruil intake, typed as a person would. The supervisor
# question (the tenth) is answered by clicking its button, so it is not in this list.
FIRST_ANSWERS = ("finacien", "Directie Begroting", "Afdelingshoofd")
MIDDLE_ANSWERS = ("15", "beleid", "uitvoering, staf", "bzk en ocw", "12 maanden", "1 maart")
LAST_ANSWERS = ("Den Haag", "Leren hoe de uitvoering werkt")
SUPERVISOR_SUPPORTS = "Ja, weet het en steunt het"
AGREE, DECLINE = "Akkoord, begin", "Nee, stoppen"  # the consent question before an intake


def new_user() -> str:
    """A Slack user id of its own for each test: on PostgreSQL the database is shared between tests."""
    return "U" + uuid.uuid4().hex[:10].upper()


def visible_text(blocks: list[dict[str, Any]]) -> str:
    """All text a person can read in blocks: sections, context lines, headers, button and menu labels."""
    parts: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                parts.append(node["text"])
                return
            for key, value in node.items():
                if key not in ("value", "action_id", "block_id"):
                    collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    collect(blocks)
    return "\n".join(parts)


def buttons_in(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every button, with the block_id of its block (Slack sends that back on a click)."""
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
    buttons = buttons_in(blocks)
    matches = [b for b in buttons if label in b["text"]["text"]]
    labels = [b["text"]["text"] for b in buttons]
    assert len(matches) == 1, f"expected one button labelled {label!r}; the message has {labels}"
    return matches[0]


_ROW = re.compile(r"^\*(?P<n>\d+)\. (?P<label>[^*]+)\*\n(?P<value>.*)$", re.DOTALL)


@dataclass(frozen=True)
class Posted:
    """One message the bot posted in a DM."""

    channel: str
    ts: str
    text: str  # the fallback text, shown in notifications
    blocks: list[dict[str, Any]]

    @property
    def visible(self) -> str:
        return visible_text(self.blocks)

    def labels(self) -> list[str]:
        return [b["text"]["text"] for b in buttons_in(self.blocks)]

    def button(self, label: str) -> dict[str, Any]:
        return find_button(self.blocks, label)

    def edit_button(self, label: str) -> dict[str, Any]:
        """The 'Wijzig' button next to the summary row labelled `label`."""
        for block in self.blocks:
            match = _ROW.match((block.get("text") or {}).get("text", ""))
            if match and match["label"] == label and block.get("accessory"):
                return {**block["accessory"], "block_id": block.get("block_id") or "stand-in-block"}
        raise AssertionError(f"no summary row {label!r} with a button in {self.summary()}")

    def summary(self) -> dict[str, str]:
        """The rows of the answer summary, label -> answer as shown (mrkdwn source)."""
        rows = {}
        for block in self.blocks:
            text = (block.get("text") or {}).get("text", "")
            match = _ROW.match(text) if block.get("accessory") else None
            if match:
                rows[match["label"]] = match["value"]
        return rows


class Bot:
    """The bot as a running process, and Slack around it."""

    def __init__(
        self,
        slack: SlackStandIn,
        database_url: str,
        clock: FixedClock,
        *,
        lock_wait: float = 30.0,
        agrees: bool = True,
    ) -> None:
        self.lock_wait = lock_wait
        self.agrees = agrees
        self.slack = slack
        self.database_url = database_url
        self.clock = clock
        self._run = uuid.uuid4().hex[:8]
        self._ids = itertools.count(1)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.services: Services | None = None
        self.app: App | None = None
        self.gateway: Gateway | None = None
        self.timer = FakeTimer()  # Retry-After waits pass when a test moves this, not in real time
        self.start()

    # -- the process -------------------------------------------------------------------------------

    def start(self) -> None:
        services = bootstrap(self.database_url, clock=self.clock, lock_wait=self.lock_wait)
        # Every person here agrees when asked for consent (tests/consenting.py), unless the test is
        # about consent itself.
        self.services = consenting(services) if self.agrees else services
        self.gateway = build_app(
            self.services,
            token=DEFAULT_TOKEN,
            api_url=self.slack.api_url,
            signing_secret=SECRET,
            timer=self.timer,
            backoff=NO_WAIT,  # retries of 5xx and dropped connections, without waiting in real time
        )
        self.app = self.gateway.app
        self._server = http_server(self.gateway, port=0, host="127.0.0.1")
        self._thread = threading.Thread(target=self._server.run, name="ruilbot-e2e", daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.effective_port}/slack/events"

    def stop(self) -> None:
        server, thread, services, gateway = self._server, self._thread, self.services, self.gateway
        self._server = self._thread = self.services = self.gateway = None
        if server is not None and thread is not None:
            # server.close() run by the server's own loop, which then ends at once; called from this
            # thread instead, the loop would first sit out its one-second poll.
            try:
                server.trigger.pull_trigger(server.close)
            except OSError:  # the loop already let its trigger go (it was closing): close from here
                server.close()
            thread.join(timeout=2)
            if thread.is_alive():
                server.close()
            server.task_dispatcher.shutdown(timeout=2)
        if gateway is not None:
            gateway.lanes.close(timeout=2)
        if services is not None:
            services.close()

    def restart(self) -> None:
        """What a process restart does: a new server, app and services on the same database."""
        self.stop()
        self.start()

    # -- what Slack sends ------------------------------------------------------------------------

    def post(self, body: bytes, content_type: str, **options: Any) -> SignedResponse:
        """A request signed with the app's signing secret (`options` go to post_signed)."""
        return post_signed(self.url, SECRET, body, content_type, **options)

    def post_unsigned(self, body: bytes, content_type: str) -> int:
        """A request without any signature headers; returns the HTTP status."""
        request = urllib.request.Request(  # noqa: S310 - a local http URL
            self.url, data=body, headers={"Content-Type": content_type}, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=WAIT) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            with error:
                return error.code

    def new_key(self) -> str:
        return f"{self._run}-{next(self._ids)}"

    def command_body(self, user: str, text: str = "", command: str = "/ruil") -> tuple[bytes, str, str]:
        """A signed-to-be `/ruil <text>` (or another command), with its own response_url key."""
        key = self.new_key()
        body, content_type = slash_command(command, text, user, response_url=self.slack.response_url(key))
        return body, content_type, key

    def command(self, user: str, text: str = "", command: str = "/ruil") -> tuple[SignedResponse, str]:
        """`/ruil <text>`: the HTTP answer, and the key of the response_url it carried."""
        body, content_type, key = self.command_body(user, text, command)
        return self.post(body, content_type), key

    def dm_body(self, user: str, text: str, **options: Any) -> tuple[bytes, str]:
        """A message.im event; `options` go to dm_message_event (event_id, bot_id, subtype, ...)."""
        options.setdefault("event_id", self.event_id())
        return dm_message_event(user, text, **options)

    def dm(
        self, user: str, text: str, *, headers: dict[str, str] | None = None, **options: Any
    ) -> SignedResponse:
        body, content_type = self.dm_body(user, text, **options)
        return self.post(body, content_type, headers=headers)

    def click(self, user: str, button: dict[str, Any], message: Posted) -> SignedResponse:
        """A click on `button` in `message`, sent with the message's channel, ts, text and blocks."""
        body, _ = block_action(
            user,
            _action(button),
            channel=message.channel,
            message_ts=message.ts,
            response_url=self.slack.response_url(self.new_key()),
        )
        payload = _payload(body)
        # Slack sends the clicked message along, blocks and all; the builder leaves them empty.
        payload["message"].update(text=message.text, blocks=message.blocks)
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM_CONTENT_TYPE)

    def click_ephemeral(self, user: str, button: dict[str, Any], channel: str) -> SignedResponse:
        """A click on `button` in an ephemeral reply shown in `channel`. Slack marks the container
        `is_ephemeral` and sends no `message`: an ephemeral message can't be fetched or updated."""
        body, _ = block_action(
            user, _action(button), channel=channel, response_url=self.slack.response_url(self.new_key())
        )
        payload = _payload(body)
        payload["container"]["is_ephemeral"] = True
        del payload["message"]
        return self.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM_CONTENT_TYPE)

    def click_in_view(self, user: str, button: dict[str, Any], view: dict[str, Any]) -> SignedResponse:
        """A click on `button` in a view, such as the Home tab."""
        body, content_type = block_action(user, _action(button), view=view)
        return self.post(body, content_type)

    def home_opened(self, user: str) -> SignedResponse:
        body, content_type = app_home_opened_event(user, event_id=self.event_id())
        return self.post(body, content_type)

    def event_id(self) -> str:
        return f"Ev{self._run.upper()}{next(self._ids):06d}"

    # -- what the person sees --------------------------------------------------------------------

    def posted(self, user: str) -> list[Posted]:
        """The messages the bot posted in `user`'s DM, oldest first."""
        channel = dm_channel_id(user)
        return [
            Posted(
                channel=channel,
                ts=str(call.response["ts"]),
                text=str(call.args.get("text") or ""),
                blocks=list(call.args.get("blocks") or []),
            )
            for call in self.slack.calls("chat.postMessage")
            if call.ok and call.response is not None and call.response.get("channel") == channel
        ]

    def wait_posted(self, user: str, count: int) -> Posted:
        """Wait until the bot has posted `count` messages to `user`; return the last of those."""

        def arrived() -> list[Posted] | None:
            found = self.posted(user)
            return found if len(found) >= count else None

        arrived.__qualname__ = f"{count} message(s) in the DM of {user}"
        return self.slack.wait_for(arrived, timeout=WAIT)[count - 1]

    def ephemeral(self, key: str) -> dict[str, Any]:
        """What a command answered in place, through its response_url."""

        def answered() -> dict[str, Any] | None:
            return next(
                (c.args for c in self.slack.calls(RESPONSE_URL_METHOD) if c.args["_key"] == key), None
            )

        answered.__qualname__ = f"an answer on response_url {key}"
        return self.slack.wait_for(answered, timeout=WAIT)

    def home_view(self, user: str, count: int = 1) -> dict[str, Any]:
        """The `count`-th Home tab the bot published for `user`, as Slack echoes it back."""

        def published() -> list[Any] | None:
            found = [c for c in self.slack.calls("views.publish") if c.ok and c.args.get("user_id") == user]
            return found if len(found) >= count else None

        published.__qualname__ = f"{count} Home tab(s) for {user}"
        call = self.slack.wait_for(published, timeout=WAIT)[count - 1]
        return dict(call.response["view"])

    def opened_views(self) -> list[dict[str, Any]]:
        """Every modal the bot opened (views.open), as Slack echoes it back, oldest first."""
        return [dict(c.response["view"]) for c in self.slack.calls("views.open") if c.ok and c.response]

    def open_form(self, user: str, text: str, command: str = "/ruil") -> dict[str, Any]:
        """`/ruil <text>` that opens a modal (`/ruil managersruil formulier`): the modal as opened."""
        before = len(self.opened_views())
        response, key = self.command(user, text, command)
        assert response.status == 200, response
        self.ephemeral(key)
        self.slack.wait_for(lambda: len(self.opened_views()) > before, timeout=WAIT)
        return self.opened_views()[before]

    def submit_form(
        self, user: str, view: dict[str, Any], values: dict[str, str | list[str]] | None = None
    ) -> dict[str, Any]:
        """Submit a modal page with `values` filled in (the rest as shown); the bot's inline answer:
        {"response_action": "errors", "errors": {...}} or {"response_action": "update", "view": {...}}."""
        body, content_type = view_submission(
            user, {**view, "state": {"values": form_state(view, values or {})}}
        )
        response = self.post(body, content_type)
        assert response.status == 200, response
        return dict(response.json() or {})

    def click_in_form(self, user: str, view: dict[str, Any], button: dict[str, Any]) -> dict[str, Any]:
        """A click on a button in a modal (Wijzig on its summary): the view it was updated to."""
        before = len(self.slack.calls("views.update"))
        assert self.click_in_view(user, button, view).status == 200
        call = self.slack.wait_for_calls("views.update", before + 1, timeout=WAIT)[before]
        assert call.response is not None, call
        return dict(call.response["view"])

    # -- a turn of conversation: do something, wait for the answer -------------------------------

    def say(self, user: str, text: str) -> Posted:
        """Type `text` in the DM; return the bot's reply."""
        before = len(self.posted(user))
        response = self.dm(user, text)
        assert response.status == 200, response
        return self.wait_posted(user, before + 1)

    def press(self, user: str, message: Posted, button: str | dict[str, Any]) -> Posted:
        """Click a button (or the one labelled so) in `message`; return the bot's next DM."""
        before = len(self.posted(user))
        response = self.click(user, message.button(button) if isinstance(button, str) else button, message)
        assert response.status == 200, response
        return self.wait_posted(user, before + 1)

    def ruil(self, user: str, text: str = "", command: str = "/ruil") -> tuple[str, Posted | None]:
        """`/ruil <text>`: the ephemeral answer as shown, and the DM it opened. Without text this is
        `/ruil managersruil`, which most tests start with (`/ruil` alone offers the programmes)."""
        before = len(self.posted(user))
        opens = not text.strip()
        response, key = self.command(
            user, text if text.strip() or command != "/ruil" else "managersruil", command
        )
        assert response.status == 200, response
        reply = self.ephemeral(key)
        assert reply["response_type"] == "ephemeral", reply
        shown = visible_text(reply.get("blocks") or []) or str(reply.get("text") or "")
        if not opens:
            return shown, None
        opened = self.wait_posted(user, before + 1)
        if self.agrees and AGREE in opened.labels():  # a bot in a process of its own asks: agree
            return shown, self.press(user, opened, AGREE)
        return shown, opened

    def answer(self, user: str, answers: Sequence[str]) -> Posted:
        """Type each answer in turn; return the reply to the last."""
        reply = None
        for text in answers:
            reply = self.say(user, text)
        assert reply is not None
        return reply

    def complete(self, user: str, first: tuple[str, ...] = FIRST_ANSWERS) -> Posted:
        """From the first question (or the one after `first`) to the summary; returns the summary."""
        self.answer(user, [*first, *MIDDLE_ANSWERS])
        supervisor = self.posted(user)[-1]
        self.press(user, supervisor, SUPERVISOR_SUPPORTS)
        return self.answer(user, LAST_ANSWERS)


def form_state(view: dict[str, Any], values: dict[str, str | list[str]]) -> dict[str, Any]:
    """The `state.values` Slack sends with a modal: each field as shown (its initial value), or as
    filled in from `values` (question id -> text, or the labels of the options picked)."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element, question = block["element"], block["block_id"].split(":", 1)[1]
        given = values.get(question)
        kind = element["type"]
        if kind == "plain_text_input":
            entry = {"type": kind, "value": given if isinstance(given, str) else element.get("initial_value")}
        else:
            wanted = [given] if isinstance(given, str) else given
            if wanted is None:
                picked = element.get("initial_options") or (
                    [element["initial_option"]] if element.get("initial_option") else []
                )
            else:
                picked = [
                    o for o in element["options"] if o["text"]["text"] in wanted or o["value"] in wanted
                ]
                assert len(picked) == len(wanted), f"{question}: no option for {wanted}"
            if kind == "multi_static_select":
                entry = {"type": kind, "selected_options": picked}
            else:
                entry = {"type": kind, "selected_option": picked[0] if picked else None}
        state[block["block_id"]] = {element["action_id"]: entry}
    return state


def inputs(view: dict[str, Any]) -> list[str]:
    """The question ids of a modal page's fields, in order."""
    return [b["block_id"].split(":", 1)[1] for b in view["blocks"] if b.get("type") == "input"]


def _action(button: dict[str, Any]) -> dict[str, Any]:
    """What Slack sends back about a clicked button."""
    return {"type": "button", **{key: button[key] for key in ("action_id", "block_id", "text", "value")}}


def _payload(body: bytes) -> dict[str, Any]:
    return dict(json.loads(dict(parse_qsl(body.decode()))["payload"]))
