"""Slash commands. The gateway has acknowledged `/ruil` before this runs; the answer goes back through
the command's response_url, and the conversation itself into the DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers import render
from handlers.context import DirectMessages, slack_unescape, slack_user

COMMANDS = ("/ruil",)  # every command the manifest declares; a test keeps the two in step


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.command("/ruil")
    def ruil(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()  # a no-op after the gateway's acknowledgement; bolt expects it
        user_id = command["user_id"]
        text = slack_unescape(str(command.get("text") or ""))
        reply = services.intake.command(slack_user(user_id, client), text)
        fallback, blocks = render.message(reply.ephemeral)
        respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)
        if reply.direct:
            dms.post(client, user_id, reply.direct)
