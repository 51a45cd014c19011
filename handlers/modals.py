"""The intake as a modal. A submitted page is answered inline (the gateway dispatches view_submission
before acknowledging): its acknowledgement shows errors under the fields (`response_action: errors`)
or the next page (`update`). The modal's private_metadata carries the target it was shown for; a
submission whose target no longer holds changes nothing and shows where the person is."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.interaction import decode
from bot.views import FormAct
from handlers import home, render
from handlers.context import DirectMessages, slack_user


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.view(render.FORM_CALLBACK)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        decoded = decode(view.get("private_metadata"))
        target = decoded[0] if decoded else render.NO_INTAKE  # not ours: a target that holds nothing
        reply = services.intake.form_submit(slack_user(user_id, client), target, render.form_values(view))
        if reply.errors:
            ack(response_action="errors", errors=render.form_errors(reply.errors))
            return
        assert reply.form is not None
        ack(response_action="update", view=render.modal(reply.form))
        if reply.changed:
            home.refresh(services, dms, client, user_id)

    @app.action(re.compile(rf"^{render.FORM_ACT_PREFIX}"))
    def act(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user_id, view = body["user"]["id"], body.get("view") or {}
        decoded = decode(view.get("private_metadata"))
        try:
            asked = FormAct(str(action.get("value")))
        except ValueError:
            asked = FormAct.RESUME  # a button we did not make: show where the person is
        target = decoded[0] if decoded else render.NO_INTAKE
        reply = services.intake.form_act(slack_user(user_id, client), target, asked)
        assert reply.form is not None
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=render.modal(reply.form))
        if reply.changed:
            home.refresh(services, dms, client, user_id)

    @app.action(re.compile(rf"^{render.FORM_EDIT_PREFIX}"))
    def edit(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body.get("view") or {}
        decoded = decode(view.get("private_metadata"))
        target = decoded[0] if decoded else render.NO_INTAKE
        form = services.intake.form_edit(
            slack_user(body["user"]["id"], client), target, str(action.get("value"))
        )
        client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=render.modal(form))
