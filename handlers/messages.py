"""Direct messages: whatever a person types in their DM with the bot goes to the conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Services
from handlers.context import DirectMessages, slack_unescape, slack_user


def sent_at(ts: str | None) -> datetime | None:
    """A Slack message ts ("1700000000.000100": seconds.microseconds) as an aware UTC time."""
    if not ts:
        return None
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or not (fraction.isdigit() or not fraction):
        return None
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=int(fraction[:6].ljust(6, "0")))


def register(app: App, services: Services, dms: DirectMessages) -> None:
    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Edits, deletions, joins and other bots' posts are not something a person said to us.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        user_id, text = event.get("user"), event.get("text") or ""
        if not user_id or not text.strip():
            return
        sent = sent_at(event.get("ts"))
        screen = services.intake.text(slack_user(user_id, client), slack_unescape(text), typed_at=sent)
        dms.post(client, user_id, screen, channel=event.get("channel"))
