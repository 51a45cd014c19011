"""manifest.yaml against the bot that ships with it.

The app is built the way `ruilbot serve` builds it (`wire` + `handlers.app.build_app`), talking to the
Slack stand-in: bolt's App calls auth.test while it is constructed. While it is built, the registration
methods of bolt's App (`app.command`, `app.event`, `app.action`, ...) are wrapped so the test learns which
commands and events the handlers register, through bolt's public API rather than its private listener
list. Signed requests are then sent through `app.dispatch`, so each manifest command and event is shown
to reach a listener (bolt answers 404 to a request no listener matches) and to do its work.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
import yaml
from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.i18n import en, nl
from bot.interaction import Target, encode
from bot.outbox import Notices
from bot.services import UserRef
from handlers.app import build_app, http_server
from handlers.commands import COMMANDS
from handlers.gateway import Gateway
from handlers.render import NO_INTAKE
from scheduler.sender import SlackSender, sender_client
from tests.consenting import consenting
from tests.e2e.driver import new_user
from tests.slack_signing import (
    JSON_CONTENT_TYPE,
    app_home_opened_event,
    block_action,
    dm_message_event,
    sign,
    slash_command,
)
from tests.slack_standin import APP_ID, BOT_USER_ID, RESPONSE_URL_METHOD, TEAM_ID, UPLOAD_METHOD, SlackStandIn

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yaml"
SECRET = "manifest-test-signing-secret"
EVENTS_PATH = "/slack/events"  # where handlers.app.http_server (`ruilbot serve`) answers Slack

# Every bot scope the manifest may ask for, and why the code needs it. A new scope needs a reason here.
SCOPES = {
    "chat:write": "chat.postMessage in the DM with a person, chat.update of the bot's own messages",
    "commands": "the slash commands /ruil, /peer, /regel and /sessies",
    "im:history": "message.im events: what people type in their DM with the bot",
    "im:write": "conversations.open: open the DM with someone who used /ruil",
    "mpim:write": "conversations.open with several users: the group DM introducing a proposal's members",
    "mpim:history": "conversations.history of that group DM: the outbox sender's look before a resend",
    "users:read": "users.info with include_locale: a new person's language",
    "users:read.email": "users.info profile.email, to prefill a session registration",
    "files:write": "files upload v2: /ruil mijn-gegevens, a coordinator's chart and export, a session's .ics",
}
# The scope each Web API method the bot calls needs (None: no scope).
METHOD_SCOPES: dict[str, str | None] = {
    "auth.test": None,
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "views.publish": None,
    "views.open": None,
    "views.update": None,
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "conversations.history": "im:history",  # the outbox sender looks for a message it may have sent
    UPLOAD_METHOD: None,  # the bytes, to the URL getUploadURLExternal gave
}
# For each subscribed event: a request Slack would send, and the Web API call that shows it was handled.
EVENT_SAMPLES: dict[str, tuple[Callable[[str, str], tuple[bytes, str]], str]] = {
    "message.im": (
        lambda user, event_id: dm_message_event(user, "hoi", event_id=event_id),
        "chat.postMessage",
    ),
    "app_home_opened": (
        lambda user, event_id: app_home_opened_event(user, event_id=event_id),
        "views.publish",
    ),
}
# bolt's App methods that register listeners; the slash-command and event ones are listed apart.
COMMAND_REGISTRARS = ("command",)
EVENT_REGISTRARS = ("event", "message")
INTERACTIVE_REGISTRARS = (
    "action",
    "block_action",
    "attachment_action",
    "block_suggestion",
    "options",
    "dialog_submission",
    "dialog_cancellation",
    "dialog_suggestion",
    "shortcut",
    "global_shortcut",
    "message_shortcut",
    "view",
    "view_submission",
    "view_closed",
)


@cache
def manifest() -> dict[str, Any]:
    loaded = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "manifest.yaml must be a YAML mapping"
    return loaded


def manifest_commands() -> list[dict[str, Any]]:
    return list(manifest()["features"].get("slash_commands") or [])


def bot_events() -> list[str]:
    return list(manifest()["settings"]["event_subscriptions"].get("bot_events") or [])


def bot_scopes() -> list[str]:
    return list(manifest()["oauth_config"]["scopes"].get("bot") or [])


class InlineExecutor(Executor):
    """Runs bolt's listeners in the calling thread, so a dispatched request has done all its work (and
    left the test's database connection alone) when `app.dispatch` returns."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@dataclass
class Bot:
    gateway: Gateway
    registered: dict[str, list[Any]]  # registrar name -> the constraint each call was given

    @property
    def app(self) -> App:
        return self.gateway.app

    def _constraints(self, names: tuple[str, ...]) -> list[Any]:
        return [c for name in names for c in self.registered.get(name, [])]

    def commands(self) -> set[str]:
        found = self._constraints(COMMAND_REGISTRARS)
        assert all(isinstance(c, str) for c in found), f"a command pattern can't be checked: {found}"
        return set(found)

    def events(self) -> set[str]:
        found = ["message"] * len(self.registered.get("message", []))
        for constraint in self.registered.get("event", []):
            found.append(constraint.get("type") if isinstance(constraint, dict) else constraint)
        assert all(isinstance(c, str) for c in found), f"an event pattern can't be checked: {found}"
        return set(found)

    def interactive(self) -> list[Any]:
        return self._constraints(INTERACTIVE_REGISTRARS)

    def dispatch(self, body: bytes, content_type: str) -> tuple[int, str]:
        timestamp = int(time.time())
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": str(timestamp),
            "x-slack-signature": sign(SECRET, body, timestamp),
        }
        response = self.app.dispatch(BoltRequest(body=body.decode("utf-8"), headers=headers))
        return response.status, response.body


def _recording(name: str, original: Callable[..., Any], registered: dict[str, list[Any]]) -> Any:
    constraint_name = list(inspect.signature(original).parameters)[1]  # the one after self

    def register(self: App, *args: Any, **kwargs: Any) -> Any:
        bound = inspect.signature(original).bind(self, *args, **kwargs)
        registered[name].append(bound.arguments.get(constraint_name))
        return original(self, *args, **kwargs)

    return register


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def bot(slack: SlackStandIn, sessions: sessionmaker[Session], clock: FixedClock) -> Bot:
    registered: dict[str, list[Any]] = defaultdict(list)
    with pytest.MonkeyPatch.context() as patch:
        for name in COMMAND_REGISTRARS + EVENT_REGISTRARS + INTERACTIVE_REGISTRARS:
            patch.setattr(App, name, _recording(name, getattr(App, name), registered))
        services = wire(sessions, clock=clock)  # as `ruilbot serve` does
        gateway = build_app(services, token=slack.token, api_url=slack.api_url, signing_secret=SECRET)
    gateway.app.listener_runner.listener_executor = InlineExecutor()
    return Bot(gateway, dict(registered))


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, f"handling the requests logged errors: {errors}"


def unhandled_event(event_type: str, event_id: str) -> tuple[bytes, str]:
    body = {
        "type": "event_callback",
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"type": event_type, "user": "U123", "event_ts": "1700000000.000100"},
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    return json.dumps(body).encode("utf-8"), JSON_CONTENT_TYPE


def start_button(user: str) -> tuple[bytes, str]:
    label = {"type": "plain_text", "text": "Begin de intake"}
    value = encode(NO_INTAKE, "start")
    return block_action(user, {"action_id": "act:start", "value": value, "text": label})


# -- display information and features ---------------------------------------------------------------


def test_display_information_fits_slacks_limits() -> None:
    info = manifest()["display_information"]
    assert info["name"] == "ruilbot"
    assert 1 <= len(info["description"]) <= 140
    # Slack's docs say 174 characters at least, its manifest JSON schema 175: meet the stricter one.
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    long_description = info["long_description"].lower()
    assert "vertrouwelijk" in long_description, "say (in Dutch) that matching is confidential"
    assert "confidential" in long_description, "say (in English) that matching is confidential"


def test_features_give_the_bot_a_home_and_a_dm() -> None:
    features = manifest()["features"]
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,  # people answer the intake by typing in the DM
    }
    assert features["bot_user"] == {"display_name": "ruilbot", "always_online": True}
    settings = manifest()["settings"]
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


# -- slash commands ------------------------------------------------------------------------------------


def test_slash_commands_are_declared_well() -> None:
    assert manifest_commands(), "the manifest declares no slash commands"
    for declared in manifest_commands():
        name = declared["command"]
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", name), f"{name}: not a valid Slack command name"
        assert 1 <= len(declared["description"]) <= 2000, f"{name}: description"
        assert 1 <= len(declared.get("usage_hint") or "") <= 1000, f"{name}: usage_hint is missing"
        assert declared["should_escape"] is False, f"{name}: the core expects what the person typed"
        assert urlsplit(declared["url"]).scheme == "https", f"{name}: Slack posts to https only"


def test_manifest_commands_are_the_registered_commands(bot: Bot) -> None:
    declared = {c["command"] for c in manifest_commands()}
    assert bot.commands() == declared, "handlers register other slash commands than the manifest declares"
    assert set(COMMANDS) == declared, "handlers.commands.COMMANDS is out of step with the manifest"


def test_each_manifest_command_is_answered(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    for declared in manifest_commands():
        name = declared["command"]
        status, body = bot.dispatch(
            *slash_command(name, "help", "U123", response_url=slack.response_url(name))
        )
        assert status == 200, f"{name}: bolt answered {status} {body}; no listener took it"
        answers = [c for c in slack.calls(RESPONSE_URL_METHOD) if c.args.get("_key") == name]
        assert answers, f"{name}: acknowledged, but nothing was said back"
    status, _ = bot.dispatch(*slash_command("/ruil-onbekend", "", "U123"))
    assert status == 404, "an undeclared command must not find a listener, or this test proves nothing"
    assert_no_errors(caplog)


def test_usage_hints_offer_only_what_the_bot_understands(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    def answer(name: str, text: str, user: str) -> str:
        key = f"{user}-{len(slack.calls())}"
        status, _ = bot.dispatch(*slash_command(name, text, user, response_url=slack.response_url(key)))
        assert status == 200
        (call,) = [c for c in slack.calls(RESPONSE_URL_METHOD) if c.args.get("_key") == key]
        return json.dumps(call.args, ensure_ascii=False)

    def refused(text: str, reply: str) -> bool:
        return any(c["command.unknown"].format(text=text) in reply for c in (nl.MESSAGES, en.MESSAGES))

    for declared in manifest_commands():
        name = declared["command"]
        # "[help | status | stop | taal en]": each alternative is something to type after the command
        options = [o.strip() for o in declared["usage_hint"].strip("[] ").split("|")]
        for number, option in enumerate(options):
            reply = answer(name, option, f"U9{number:02d}")
            assert not refused(option, reply), f"'{name} {option}' is in the usage hint, but: {reply}"
        assert refused("onzin", answer(name, "onzin", "U999")), "the refusal check does not work"
    assert_no_errors(caplog)


# -- events and interactivity --------------------------------------------------------------------------


def test_event_subscriptions_are_the_events_listened_to(bot: Bot) -> None:
    subscribed = bot_events()
    assert len(subscribed) == len(set(subscribed)), "an event is subscribed twice"
    # message.im, message.channels, ... all arrive as "message" events
    assert {event.split(".")[0] for event in subscribed} == bot.events()
    # handlers.messages answers DMs only; other message.* would need more scopes and bring nothing
    assert [e for e in subscribed if e.startswith("message.")] == ["message.im"]
    assert not manifest()["settings"]["event_subscriptions"].get("user_events")


def test_each_subscribed_event_is_handled(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    for number, event in enumerate(bot_events()):
        assert event in EVENT_SAMPLES, f"add a sample request for {event} to EVENT_SAMPLES"
        build, effect = EVENT_SAMPLES[event]
        before = len(slack.calls(effect))
        status, body = bot.dispatch(*build("U123", f"Ev{number:04d}"))
        assert status == 200, f"{event}: bolt answered {status} {body}; no listener took it"
        assert len(slack.calls(effect)) > before, (
            f"{event}: answered, but {effect} was not called; did a middleware drop it as a redelivery?"
        )
    status, _ = bot.dispatch(*unhandled_event("reaction_added", "EvUnhandled"))
    assert status == 404, "an unsubscribed event must not find a listener, or this test proves nothing"
    assert_no_errors(caplog)


def test_interactivity_is_enabled_for_the_buttons(bot: Bot) -> None:
    interactivity = manifest()["settings"]["interactivity"]
    assert interactivity["is_enabled"] is bool(bot.interactive())
    assert bot.interactive(), "handlers.actions registers no actions; then switch interactivity off"


def test_urls_point_at_the_path_ruilbot_serve_answers(bot: Bot, slack: SlackStandIn) -> None:
    settings = manifest()["settings"]
    urls = {
        "interactivity": (settings["interactivity"]["request_url"], start_button("U123")),
        "events": (
            settings["event_subscriptions"]["request_url"],
            EVENT_SAMPLES["app_home_opened"][0]("U123", "EvUrl"),
        ),
    }
    for declared in manifest_commands():
        name = declared["command"]
        urls[name] = (declared["url"], slash_command(name, "help", "U123", response_url=slack.response_url()))
    server = http_server(bot.gateway, 0)  # the WSGI app `ruilbot serve` runs; nothing is served
    try:
        for what, (url, (body, content_type)) in urls.items():
            parts = urlsplit(url)
            assert parts.scheme == "https", f"{what}: Slack only posts to https URLs, not {url}"
            assert parts.path == EVENTS_PATH, f"{what}: {url} must end with {EVENTS_PATH}"
            status = wsgi_post(server.application, parts.path, body, content_type)
            assert status == 200, f"{what}: POST {parts.path} answered {status}"
            assert bot.gateway.lanes.drain(), "the acknowledged work did not finish"
    finally:
        server.close()
        server.task_dispatcher.shutdown()


def wsgi_post(application: Any, path: str, body: bytes, content_type: str) -> int:
    timestamp = int(time.time())
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": "POST",
            "REMOTE_ADDR": "127.0.0.1",
            "PATH_INFO": path,
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
            "HTTP_X_SLACK_SIGNATURE": sign(SECRET, body, timestamp),
        }
    )
    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
        statuses.append(status)

    b"".join(application(environ, start_response))
    return int(statuses[0].split()[0])


# -- scopes -------------------------------------------------------------------------------------------


def test_every_scope_is_allowed_and_explained() -> None:
    scopes = bot_scopes()
    assert len(scopes) == len(set(scopes)), "a scope is listed twice"
    unexplained = set(scopes) - set(SCOPES)
    assert not unexplained, f"scopes nobody explained in SCOPES (add the reason there): {unexplained}"
    raw = MANIFEST_PATH.read_text(encoding="utf-8")
    for scope in scopes:
        commented = re.search(rf"^\s*-\s*{re.escape(scope)}\s+#\s*\S", raw, flags=re.MULTILINE)
        assert commented, f"{scope}: say in a YAML comment on its line why the bot needs it"
    assert not manifest()["oauth_config"]["scopes"].get("user"), "ruilbot acts as a bot, never as a user"


def test_scopes_are_exactly_what_the_bot_uses(
    bot: Bot,
    slack: SlackStandIn,
    caplog: pytest.LogCaptureFixture,
    sessions: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    # One person's way: /ruil managersruil, an answer typed in the DM, the Home tab, a button click.
    url = slack.response_url()
    assert bot.dispatch(*slash_command("/ruil", "managersruil", "U123", response_url=url))[0] == 200
    assert bot.dispatch(*dm_message_event("U123", "Financiën", event_id="EvScope1"))[0] == 200
    assert bot.dispatch(*app_home_opened_event("U123", event_id="EvScope2"))[0] == 200
    assert bot.dispatch(*start_button("U123"))[0] == 200
    # A session registration (by someone who consents): its calendar file goes out with the sender.
    services = consenting(wire(sessions, clock=clock))
    session = services.sessions.upcoming()[0][0]
    assert session.id is not None
    services.sessions.join(UserRef("slack", new_user()), Target(session.id, session.sequence, "session"))
    sender = SlackSender(
        services.uow,
        sender_client(slack.token, slack.api_url),
        Notices(services.catalogue),
        services.window,
        worker="scopes",
    )
    assert sender.run_once(clock.now()).sent >= 1  # the .ics registration, and whatever else is due
    sender.close()
    # A coordinator's way: the overview, whose chart is shared as a file in their DM.
    assert (
        bot.dispatch(*slash_command("/ruil", "beheer managersruil", "U0000MR01", response_url=url))[0] == 200
    )
    assert bot.dispatch(*slash_command("/ruil", "mijn-gegevens", "U123", response_url=url))[0] == 200
    assert_no_errors(caplog)
    called = {c.method for c in slack.calls()} - {RESPONSE_URL_METHOD, UPLOAD_METHOD}
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"the bot calls {unknown}: add them to METHOD_SCOPES with the scope they need"
    assert {"chat.postMessage", "chat.update", "conversations.open", "users.info", "views.publish"} <= called
    needed = {METHOD_SCOPES[m] for m in called} - {None}
    if manifest_commands():
        needed.add("commands")
    if "message.im" in bot_events():
        needed.add("im:history")
    if "users.info" in called:  # the profile's e-mail prefills the kick-off (bot/dialogues/kick_off.py)
        needed.add("users:read.email")
    # A proposal's introduction goes to a group DM (tests/e2e/test_proposals.py shows it): opening one
    # takes mpim:write, and the sender's look in its history before a resend mpim:history.
    needed |= {"mpim:write", "mpim:history"}
    assert set(bot_scopes()) == needed, "the manifest asks for other scopes than the bot uses"
