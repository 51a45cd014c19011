"""What every listener shares: who the Slack user is for the core, and how to reach their DM."""

from __future__ import annotations

import logging
from typing import Any, TypeGuard

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services import UserRef
from bot.views import Screen
from handlers import render

log = logging.getLogger(__name__)
PLATFORM = "slack"


def slack_unescape(text: str) -> str:
    """Slack sends '&', '<' and '>' escaped, in messages and command text; the core wants what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_direct(channel: str | None) -> TypeGuard[str]:
    """DM channel ids start with D; anything else is a place where others can read along."""
    return bool(channel and channel.startswith("D"))


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
        """Post in the user's DM; `channel` only when it is that DM, so nothing leaks into a channel."""
        text, blocks = render.message(screen)
        target = channel if is_direct(channel) else self.channel(client, user_id)
        client.chat_postMessage(channel=target, text=text, blocks=blocks)
