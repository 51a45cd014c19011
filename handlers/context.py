"""What every listener shares: who the Slack user is for the core, and how to reach their DM."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeGuard

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.interaction import Target
from bot.services import IntakeService, UserRef
from bot.views import Attachment, Screen
from handlers import render
from handlers.lanes import Lanes

log = logging.getLogger(__name__)
PLATFORM = "slack"
DEFAULT_RETRY_AFTER = 1.0  # seconds, when a 429 names no Retry-After
SHOWN_TRIES, SHOWN_RETRY = 5, 1.0  # recording what was shown: tries, and seconds between them


def slack_unescape(text: str) -> str:
    """Slack sends '&', '<' and '>' escaped, in messages and command text; the core wants what was typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def is_direct(channel: str | None) -> TypeGuard[str]:
    """DM channel ids start with D; anything else is a place where others can read along."""
    return bool(channel and channel.startswith("D"))


def sent_at(ts: object) -> datetime | None:
    """A Slack message ts ("1700000000.000100": seconds.microseconds) as an aware UTC time."""
    if not isinstance(ts, str) or not ts:
        return None
    seconds, _, fraction = ts.partition(".")
    if not (seconds.isascii() and seconds.isdecimal() and len(seconds) <= 11):
        return None
    if fraction and not (fraction.isascii() and fraction.isdecimal()):
        return None
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=int(fraction[:6].ljust(6, "0")))


def slack_user(user_id: str, client: WebClient) -> UserRef:
    def locale() -> str | None:
        try:
            found: Any = client.users_info(user=user_id, include_locale=True).get("user") or {}
        except SlackApiError as error:  # only a hint: speak Dutch rather than fail
            log.warning("users.info failed for a new user: %s", error.response.get("error"))
            return None
        return str(found.get("locale") or "") or None

    def profile() -> dict[str, str]:
        try:
            found: Any = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:  # only a help: the person types it instead
            log.warning("users.info failed for a profile: %s", error.response.get("error"))
            return {}
        fields = found.get("profile") or {}
        return {k: str(fields[k]) for k in ("real_name", "title", "email", "phone") if fields.get(k)}

    return UserRef(PLATFORM, user_id, locale_hint=locale, profile=profile)


def retry_after(error: SlackApiError) -> float | None:
    """Seconds to wait when Slack said 429; None for any other failure."""
    if error.response.status_code != 429:
        return None
    header = (error.response.headers or {}).get("Retry-After") or (error.response.headers or {}).get(
        "retry-after"
    )
    text = header[0] if isinstance(header, list) and header else header
    try:
        return max(0.0, float(str(text))) if text is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


class DirectMessages:
    """Posts screens in a user's DM. Remembers DM channel ids (one conversations.open per person),
    tells the service what was shown and when, and waits out a 429 without holding a thread: the
    post is parked on the person's lane until Slack's Retry-After has passed."""

    def __init__(self, intake: IntakeService, lanes: Lanes | None = None) -> None:
        self._intake = intake
        self._lanes = lanes
        self._channels: dict[str, str] = {}

    def channel(self, client: WebClient, user_id: str) -> str:
        if user_id not in self._channels:
            opened: Any = client.conversations_open(users=user_id)
            self._channels[user_id] = str(opened["channel"]["id"])
        return self._channels[user_id]

    def note(self, user_id: str, channel: str) -> None:
        """`channel` is the DM of `user_id`: they wrote to us in it (a signed message.im event)."""
        if is_direct(channel):
            self._channels[user_id] = channel

    def post(self, client: WebClient, user_id: str, screen: Screen, channel: str | None = None) -> None:
        """Post in the user's own DM: `channel` only when we know it is theirs, so nothing lands in a
        channel or in someone else's DM (a click can name any channel it was shown in)."""
        self.later_on_429(lambda: self._post(client, user_id, screen, channel))

    def publish(self, client: WebClient, user_id: str, view: dict[str, Any]) -> None:
        self.later_on_429(lambda: client.views_publish(user_id=user_id, view=view))

    def share(self, client: WebClient, user_id: str, file: Attachment, comment: str = "") -> None:
        """Share a file in the user's own DM (Slack's upload v2 flow: getUploadURLExternal, the
        bytes, completeUploadExternal), with `comment` as its message."""
        channel = self.channel(client, user_id)
        self.later_on_429(
            lambda: client.files_upload_v2(
                channel=channel,
                content=file.content,
                filename=file.filename,
                title=file.title,
                initial_comment=comment or None,
                request_file_info=False,  # no files.info afterwards: nothing here reads it
            )
        )

    def later_on_429(self, call: Callable[[], object]) -> None:
        """Make `call`; when Slack says 429, park it on this lane and make it again after Retry-After."""
        try:
            call()
        except SlackApiError as error:
            wait = retry_after(error)
            if wait is None or self._lanes is None or self._lanes.current is None:
                raise
            log.info("Slack asked to wait %.0f s; the reply waits on its own lane", wait)
            self._lanes.hold(wait, lambda: self.later_on_429(call))

    def _post(self, client: WebClient, user_id: str, screen: Screen, channel: str | None) -> None:
        text, blocks = render.message(screen)
        known = channel is not None and self._channels.get(user_id) == channel
        target = channel if known and channel else self.channel(client, user_id)
        posted: Any = client.chat_postMessage(channel=target, text=text, blocks=blocks)
        at = sent_at(posted.get("ts"))
        if screen.target is not None and at is not None:  # what the person now sees, and since when
            self._record_shown(UserRef(PLATFORM, user_id), screen.target, at, SHOWN_TRIES)

    def _record_shown(self, user: UserRef, target: Target, at: datetime, tries: int) -> None:
        """The message is out; its record must land before this person's next message is read, or
        that message would be judged against an older screen. So a failure (a locked or restarting
        database) keeps the lane, and tries again shortly; it never turns into an apology."""
        try:
            self._intake.shown(user, target, at)
        except Exception:
            log.warning(
                "could not record what was shown to a person (%d tries left)", tries - 1, exc_info=True
            )
            if tries > 1 and self._lanes is not None and self._lanes.current is not None:
                self._lanes.hold(SHOWN_RETRY, lambda: self._record_shown(user, target, at, tries - 1))
