"""Clicks on buttons and picks from menus in the DM, in an ephemeral reply and on the Home tab. Each
control carries what it was shown for (`bot.interaction`); the service decides whether that still
holds. 'Vul in als formulier' opens the intake as a modal (handlers/modals.py takes it from there)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Services
from bot.interaction import Target, decode
from bot.views import PROPOSAL_ACTS, Act, Screen
from handlers import home, proposals, render
from handlers.context import PLATFORM, DirectMessages, is_direct, slack_user

log = logging.getLogger(__name__)


def _label(action: dict[str, Any]) -> str:
    if "selected_option" in action:
        return str(action["selected_option"]["text"]["text"])
    if action.get("type") == "button":
        return str(action["text"]["text"])
    return ""


def _decoded(values: list[Any]) -> tuple[Target, list[str]] | None:
    """One target shared by all picked values, and the values; None if any is not ours or they differ."""
    found = [decode(v) for v in values]
    if not found or any(f is None for f in found):
        return None
    targets = {f[0] for f in found if f is not None}
    return (targets.pop(), [f[1] for f in found if f is not None]) if len(targets) == 1 else None


def register(app: App, services: Services, dms: DirectMessages) -> None:
    def finish(body: dict[str, Any], client: WebClient, screen: Screen, chosen: str) -> None:
        """Settle the clicked message (no second click), then answer in the DM, never in a channel."""
        user_id = body["user"]["id"]
        container = body.get("container") or {}
        channel: str | None = container.get("channel_id")
        settle = chosen and screen.applied and body.get("message")
        if settle and is_direct(channel) and not container.get("is_ephemeral"):
            try:
                client.chat_update(
                    channel=channel,
                    ts=container["message_ts"],
                    text=body["message"].get("text") or chosen,
                    blocks=render.settled(body["message"].get("blocks") or [], chosen),
                )
            except SlackApiError as error:  # cosmetic: the answer is stored, the next question matters more
                log.warning("could not settle a clicked message: %s", error.response.get("error"))
        dms.post(client, user_id, screen, channel=channel)
        if screen.changed:
            home.refresh(services, dms, client, user_id)

    def answer(body: dict[str, Any], client: WebClient, values: list[Any], chosen: str) -> None:
        user = slack_user(body["user"]["id"], client)
        decoded = _decoded(values)
        screen = services.intake.stale(user) if decoded is None else services.intake.answer(user, *decoded)
        finish(body, client, screen, chosen)

    @app.action(re.compile(rf"^{render.ANSWER}:\d+$"))
    def answer_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        answer(body, client, [action.get("value")], _label(action))

    @app.action(render.ANSWER_SELECT)
    def answer_select(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        answer(body, client, [(action.get("selected_option") or {}).get("value")], _label(action))

    @app.action(render.MULTI_PICK)
    def multi_pick(ack: Ack) -> None:
        ack()  # picking is not answering yet; the 'Verder' button reads the menu's state

    @app.action(render.ANSWER_MULTI)
    def answer_multi(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = slack_user(body["user"]["id"], client)
        pressed = decode(action.get("value"))
        block = (body.get("state") or {}).get("values", {}).get(action.get("block_id"), {})
        picked = (block.get(render.MULTI_PICK) or {}).get("selected_options") or []
        decoded = _decoded([o.get("value") for o in picked]) if picked else None
        if pressed is None or (picked and (decoded is None or decoded[0] != pressed[0])):
            screen = services.intake.stale(user)
        else:
            screen = services.intake.answer(user, pressed[0], decoded[1] if decoded else [])
        finish(body, client, screen, ", ".join(str(o["text"]["text"]) for o in picked))

    @app.action(re.compile(rf"^{render.ACT_PREFIX}"))
    def act(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = slack_user(body["user"]["id"], client)
        asked = render.act_of(action.get("value"))
        dialogue = (asked[2] or None) if asked else None
        if asked is None:
            screen = services.intake.stale(user)  # a button from another version of the bot
        elif asked[1] is Act.FORM:
            form = services.intake.form(user, dialogue)
            client.views_open(trigger_id=body["trigger_id"], view=render.modal(form))
            return
        elif asked[1] is Act.SESSION_JOIN:  # the service checks the session and its sequence
            screen = services.sessions.join(user, asked[0])
        elif asked[1] is Act.SESSION_LEAVE:
            screen = services.sessions.leave(user, asked[0])
        elif asked[1] is Act.SESSION_CONFIRM:
            screen = services.sessions.confirm(user, asked[0])
        elif asked[1] is Act.NOTIFICATIONS:
            screen = services.intake.switch(user, asked[2])
        elif asked[1] in (Act.AGREE, Act.DECLINE):  # the consent question before an intake
            screen = services.intake.consent(user, dialogue, agree=asked[1] is Act.AGREE)
        elif asked[1] in (Act.FORGET_YES, Act.FORGET_NO):  # "erase everything about you?"
            reply = services.privacy.forget(PLATFORM, user.external_id, confirmed=asked[1] is Act.FORGET_YES)
            finish(body, client, reply.screen, _label(action))
            return
        elif asked[1] is Act.PROPOSAL_REASON:  # after a decline: the form for its reason
            proposals.open_reason(client, services, body, asked[0])
            return
        elif asked[1] in PROPOSAL_ACTS:  # a proposed swap's buttons: the target names the proposal
            screen = services.proposals.act(user, asked[1], asked[0])
        elif asked[1] in (Act.START, Act.WAITLIST):
            screen = services.intake.start(user, dialogue, waitlist=asked[1] is Act.WAITLIST)
        else:
            screen = services.intake.act(user, asked[1], asked[0])
        finish(body, client, screen, _label(action))

    @app.action(re.compile(rf"^{render.BACK_PREFIX}"))
    def back(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = slack_user(body["user"]["id"], client)
        decoded = decode(action.get("value"))
        screen = services.intake.stale(user) if decoded is None else services.intake.back(user, decoded[0])
        finish(body, client, screen, _label(action))

    @app.action(re.compile(rf"^{render.EDIT_PREFIX}"))
    def edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = slack_user(body["user"]["id"], client)
        decoded = decode(action.get("value"))
        screen = services.intake.stale(user) if decoded is None else services.intake.edit(user, *decoded)
        finish(body, client, screen, "")
