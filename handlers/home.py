"""The Home tab: what ruilbot is, the person's own registrations, and every programme with a button to
start or continue it. Published when the tab is opened, and again after a change made by a click, a
form or a command. Not after a typed message in the DM: the tab is not on screen then, and Slack sends
app_home_opened when it is opened next."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.ports import Unavailable
from handlers import coordinators, render
from handlers.context import PLATFORM, DirectMessages, slack_user

ATTEMPTS = 2  # a connection lost while reading is tried once more, on a new one


def refresh(
    services: Services, dms: DirectMessages, client: WebClient, user_id: str, *, known: bool = True
) -> None:
    """Publish the person's Home tab as it is now (after a confirm, a change or a stop).

    The three services' parts are read in one transaction when the person is `known` (stored): a
    stranger's first view may ask Slack for their language, which is never done inside a transaction."""
    user = slack_user(user_id, client)
    for attempt in range(ATTEMPTS):
        try:
            with services.together() if known else nullcontext():
                home_view = services.intake.home(user)
                title, sessions, buttons = services.sessions.home(user)
                section = services.coordination.home(PLATFORM, user_id)
            break
        except Unavailable:
            if attempt == ATTEMPTS - 1:
                raise
    home_view = replace(home_view, sessions_title=title, sessions=sessions, session_buttons=buttons)
    view = render.home(home_view)
    view["blocks"] += coordinators.home_blocks(section)
    dms.publish(client, user_id, view)


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        refresh(services, dms, client, event["user"], known=False)  # perhaps a first contact
