"""A proposed swap's Slack surface beyond its buttons (handlers/actions.py routes those): the form
with a decline's reason. Thin: parse, call the proposals service, answer in the DM."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.interaction import Target, decode
from bot.proposals import REASON_FIELD
from bot.views import Form
from handlers import render
from handlers.context import DirectMessages, slack_user

REASON_CALLBACK = "proposal_reason"


def reason_modal(form: Form) -> dict[str, Any]:
    """The form as a modal of its own (its submission comes here, not to the intake's forms)."""
    return {**render.modal(form), "callback_id": REASON_CALLBACK}


def open_reason(client: WebClient, services: Services, body: dict[str, Any], target: Target) -> None:
    user = slack_user(body["user"]["id"], client)
    client.views_open(
        trigger_id=body["trigger_id"], view=reason_modal(services.proposals.reason_form(user, target))
    )


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.view(REASON_CALLBACK)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()  # the modal closes; the answer comes in the DM
        user_id = body["user"]["id"]
        decoded = decode(view.get("private_metadata"))
        target = decoded[0] if decoded else render.NO_INTAKE  # not ours: it names no proposal
        text = render.form_values(view).get(REASON_FIELD, "")
        screen = services.proposals.give_reason(slack_user(user_id, client), target, str(text))
        dms.post(client, user_id, screen)
