"""The coordinators' side in Slack: `/ruil beheer ...` (handed over by handlers/commands.py), the
Send/Cancel buttons under a broadcast's preview, and the coordinator section of the Home tab. Files
(the chart, the CSV export) are shared in the coordinator's own DM with Slack's upload v2 flow."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Services
from bot.coordinators import HomeSection, Manage
from bot.views import Screen
from handlers import render
from handlers.context import PLATFORM, DirectMessages, is_direct

log = logging.getLogger(__name__)
ACTION_PREFIX = "manage:"  # action ids of the coordinators' buttons


def message(lines: tuple[str, ...], reply: Manage) -> tuple[str, list[render.Block]]:
    """Raw lines (escaped by the renderer), and the reply's buttons under them."""
    text, blocks = render.message(Screen(lines=lines))
    if reply.choices:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    render._button(c.label, f"{ACTION_PREFIX}{i}", c.value, c.style)
                    for i, c in enumerate(reply.choices)
                ],
            }
        )
    return text, blocks


def deliver(client: WebClient, dms: DirectMessages, user_id: str, reply: Manage) -> None:
    """What goes to the coordinator's DM: the message, then each file."""
    if not reply.direct and not reply.files:
        return
    if reply.direct:
        channel = dms.channel(client, user_id)
        text, blocks = message(reply.direct, reply)
        dms.later_on_429(lambda: client.chat_postMessage(channel=channel, text=text, blocks=blocks))
    for file in reply.files:
        dms.share(client, user_id, file)


def command(
    services: Services, dms: DirectMessages, client: WebClient, user_id: str, text: str, respond: Respond
) -> None:
    """`/ruil beheer ...`: the answer in place, and what goes to the DM."""
    reply = services.coordination.command(PLATFORM, user_id, text)
    fallback, blocks = render.message(Screen(lines=reply.lines))
    respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)
    deliver(client, dms, user_id, reply)


def home_blocks(section: HomeSection | None) -> list[render.Block]:
    if section is None:
        return []
    return [
        {"type": "divider"},
        {"type": "header", "text": render._plain(section.title)},
        *(render._section(render._md(line)) for line in section.lines),
    ]


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.action(re.compile(rf"^{ACTION_PREFIX}"))
    def confirm(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id = body["user"]["id"]
        reply = services.coordination.confirm(PLATFORM, user_id, action.get("value"))
        container = body.get("container") or {}
        channel: str | None = container.get("channel_id")
        if (
            not reply.refused
            and body.get("message")
            and is_direct(channel)
            and not container.get("is_ephemeral")
        ):
            try:  # the preview loses its buttons: no second click
                client.chat_update(
                    channel=channel,
                    ts=container["message_ts"],
                    text=body["message"].get("text") or "",
                    blocks=render.settled(body["message"].get("blocks") or [], _label(action)),
                )
            except SlackApiError as error:  # cosmetic: the answer below matters more
                log.warning("could not settle a broadcast preview: %s", error.response.get("error"))
        text, blocks = message(reply.lines, reply)
        dms.later_on_429(
            lambda: client.chat_postMessage(channel=dms.channel(client, user_id), text=text, blocks=blocks)
        )


def _label(action: dict[str, Any]) -> str:
    return str((action.get("text") or {}).get("text") or "")
