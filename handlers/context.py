"""What every listener shares: who the Slack user is for the core, and how to reach their DM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import UserRef
from bot.views import Screen
from handlers import render

log = logging.getLogger(__name__)
PLATFORM = "slack"


def slack_user(user_id: str, client: WebClient) -> UserRef:
    def locale() -> str | None:
        try:
            found: Any = client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as error:  # only a hint: speak Dutch rather than fail
            log.warning("users.info failed for a new user: %s", error.response.get("error"))
            return None
        return str(found.get("locale") or "") or None

    return UserRef(PLATFORM, user_id, locale_hint=locale)


class DirectMessages:
    """Posts screens in a user's DM; remembers DM channel ids so each user costs one conversations.open."""

    def __init__(self) -> None:
        self._channels: dict[str, str] = {}

    def channel(self, client: WebClient, user_id: str) -> str:
        if user_id not in self._channels:
            opened: Any = client.conversations_open(users=user_id)
            self._channels[user_id] = str(opened["channel"]["id"])
        return self._channels[user_id]

    def post(self, client: WebClient, user_id: str, screen: Screen, channel: str | None = None) -> None:
        text, blocks = render.message(screen)
        client.chat_postMessage(channel=channel or self.channel(client, user_id), text=text, blocks=blocks)


Register = Callable[..., None]
