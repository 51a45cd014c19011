"""One error handler: log the fault with its cause, and tell the person politely that their answers
are safe. Nothing else swallows exceptions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers.context import DirectMessages, slack_user

log = logging.getLogger(__name__)


def _user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user_id") or body.get("user") or (body.get("event") or {}).get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return str(user) if user else None


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.error
    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        log.error("handling a Slack request failed", exc_info=error)
        user_id = _user_id(body)
        if user_id is None:
            return
        try:
            dms.post(client, user_id, services.intake.apology(slack_user(user_id, client)))
        except Exception:  # the apology itself failed (Slack down?): the log above has the cause
            log.warning("could not tell user about the error", exc_info=True)
