"""The Home tab: what ruilbot is, the programmes, and where your own registration stands."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers import render
from handlers.context import DirectMessages, slack_user


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        view = services.intake.home(slack_user(user_id, client))
        dms.publish(client, user_id, render.home(view))
