"""One error handler: log the fault with its cause, and tell the person politely that their answers
are safe. Nothing else swallows exceptions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers.context import DirectMessages, slack_user
from handlers.gateway import NOBODY, person

log = logging.getLogger(__name__)


def register(app: App, services: Services, dms: DirectMessages) -> None:
    app.error(handler(services, dms))


def handler(
    services: Services, dms: DirectMessages
) -> Callable[[Exception, dict[str, Any], WebClient], None]:
    """The error handler, for bolt and for the gateway's direct route to the DM listener."""

    def on_error(error: Exception, body: dict[str, Any], client: WebClient) -> None:
        log.error("handling a Slack request failed", exc_info=error)
        user_id = person(body)  # the one whose lane it ran on: an edit's author too
        if user_id == NOBODY:
            return
        try:
            dms.post(client, user_id, services.intake.apology(slack_user(user_id, client)))
        except Exception:  # the apology itself failed (Slack down?): the log above has the cause
            log.warning("could not tell user about the error", exc_info=True)

    return on_error
