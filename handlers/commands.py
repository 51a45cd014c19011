"""Slash commands: /ruil for every programme, /peer and /regel for their own. The gateway has
acknowledged the command before this runs; the answer goes back through the command's response_url,
the conversation itself into the DM, and a form (modal) opens on the command's trigger."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.intents import COMMANDS as WORDS
from bot.privacy import request
from handlers import coordinators, home, privacy, render
from handlers.context import DirectMessages, slack_unescape, slack_user

COMMANDS = tuple(WORDS)  # every command the manifest declares; a test keeps the two in step


def register(app: App, services: Services, dms: DirectMessages) -> None:
    def command(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()  # a no-op after the gateway's acknowledgement; bolt expects it
        user_id = command["user_id"]
        text = slack_unescape(str(command.get("text") or ""))
        if command["command"] == "/ruil" and services.coordination.handles(text):  # /ruil beheer ...
            coordinators.command(services, dms, client, user_id, text, respond)
            return
        if (asked := request(text)) is not None:  # /ruil mijn-gegevens, /ruil vergeet-mij: in the DM
            answer = privacy.handle(services, dms, client, user_id, asked)
            fallback, blocks = render.message(replace(answer.screen, buttons=(), typing=None))
            respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        reply = services.intake.command(slack_user(user_id, client), text, str(command["command"]))
        if reply.form is not None and command.get("trigger_id"):
            # First: a trigger expires three seconds after the command was typed.
            client.views_open(trigger_id=command["trigger_id"], view=render.modal(reply.form))
        fallback, blocks = render.message(reply.ephemeral)
        respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)
        if reply.direct:
            dms.post(client, user_id, reply.direct)
        if reply.ephemeral.changed:  # a switched preference: the Home tab shows them too
            home.refresh(services, dms, client, user_id)

    for name in COMMANDS:
        app.command(name)(command)
