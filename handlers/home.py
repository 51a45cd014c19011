"""The Home tab: what ruilbot is, the person's own registrations, and every programme with a button to
start or continue it. Published when the tab is opened, and again when a registration changes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers import coordinators, render
from handlers.context import PLATFORM, DirectMessages, slack_user


def refresh(services: Services, dms: DirectMessages, client: WebClient, user_id: str) -> None:
    """Publish the person's Home tab as it is now (after a confirm, a change or a stop)."""
    user = slack_user(user_id, client)
    home_view = services.intake.home(user)
    title, sessions, buttons = services.sessions.home(user)
    home_view = replace(home_view, sessions_title=title, sessions=sessions, session_buttons=buttons)
    view = render.home(home_view)
    view["blocks"] += coordinators.home_blocks(services.coordination.home(PLATFORM, user_id))
    dms.publish(client, user_id, view)


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        refresh(services, dms, client, event["user"])
