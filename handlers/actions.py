"""Clicks on buttons and picks from menus in the DM (and the Home tab)."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Services
from bot.views import Act, Screen
from handlers import render
from handlers.context import DirectMessages, is_direct, slack_user

log = logging.getLogger(__name__)


def _label(action: dict[str, Any]) -> str:
    if "selected_option" in action:
        return str(action["selected_option"]["text"]["text"])
    if action.get("type") == "button":
        return str(action["text"]["text"])
    return ""


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

    @app.action(re.compile(rf"^{render.ANSWER}:\d+$"))
    def answer_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        picked = json.loads(action["value"])
        user = slack_user(body["user"]["id"], client)
        screen = services.intake.answer(user, str(picked["q"]), [str(picked["v"])])
        finish(body, client, screen, _label(action))

    @app.action(render.ANSWER_SELECT)
    def answer_select(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        question_id = action["block_id"].removeprefix(render.QUESTION_BLOCK)
        user = slack_user(body["user"]["id"], client)
        screen = services.intake.answer(user, question_id, [action["selected_option"]["value"]])
        finish(body, client, screen, _label(action))

    @app.action(render.MULTI_PICK)
    def multi_pick(ack: Ack) -> None:
        ack()  # picking is not answering yet; the 'Verder' button reads the menu's state

    @app.action(render.ANSWER_MULTI)
    def answer_multi(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        question_id = action["value"]
        values = body.get("state", {}).get("values", {}).get(f"{render.QUESTION_BLOCK}{question_id}", {})
        picked = values.get(render.MULTI_PICK, {}).get("selected_options") or []
        user = slack_user(body["user"]["id"], client)
        screen = services.intake.answer(user, question_id, [o["value"] for o in picked])
        chosen = ", ".join(o["text"]["text"] for o in picked)
        finish(body, client, screen, chosen)

    @app.action(re.compile(rf"^{render.ACT_PREFIX}"))
    def act(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            chosen = Act(action["value"])
        except ValueError:
            return  # a button from a newer or older version of the bot: nothing to do
        screen = services.intake.act(slack_user(body["user"]["id"], client), chosen)
        finish(body, client, screen, _label(action))

    @app.action(re.compile(rf"^{render.BACK_PREFIX}"))
    def back(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        screen = services.intake.back(slack_user(body["user"]["id"], client), action["value"])
        finish(body, client, screen, _label(action))

    @app.action(re.compile(rf"^{render.EDIT_PREFIX}"))
    def edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        screen = services.intake.edit(slack_user(body["user"]["id"], client), action["value"])
        finish(body, client, screen, "")
