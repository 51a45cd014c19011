"""The outbox sender for Slack: delivers each outbox message exactly once.

`run_once(now)` claims a batch of due messages (a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several instances share the work), posts them, and records every outcome:

- posted: recorded with its channel and ts;
- 429: tried again after Retry-After, as a `not_before` time, while other messages go on;
- 5xx, a timeout or a dropped connection: tried again with backoff. Slack may have posted it anyway,
  so the message stays *in doubt*, and the next attempt first looks for it in the channel's history
  (every post carries its outbox id in Slack's message metadata);
- a permanent refusal (user_not_found, is_archived, ...): marked failed with the reason, never retried.

A sender that dies after claiming leaves its messages in doubt too: the lease runs out, another
instance claims them, and the history check keeps the person from getting the message twice.

It never sleeps: waits become `not_before` times, and `run_once` says when it wants to run again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox import Notices, OutboxMessage
from bot.ports import UnitOfWork
from bot.quiet_hours import Window, next_opening
from bot.views import Attachment
from handlers.keepalive import KeepAliveWebClient
from handlers.render import message as render_message

log = logging.getLogger(__name__)

PLATFORM = "slack"
METADATA_EVENT = "ruilbot_outbox"

# Slack will never accept these for this message: mark it failed and keep the reason.
PERMANENT = frozenset(
    {
        "user_not_found",
        "channel_not_found",
        "account_inactive",
        "is_archived",
        "user_disabled",
        "not_in_channel",
        "cannot_dm_bot",
        "messages_tab_disabled",
        "restricted_action",
        "restricted_action_read_only_channel",
        "team_access_not_granted",
        "ekm_access_denied",
        "invalid_blocks",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_arguments",
    }
)
# Slack's own documentation says some part of the operation may have succeeded: retry, but in doubt.
DOUBTFUL = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable"})
# Our set-up is wrong (a revoked token, a missing scope): nothing is lost by waiting for a fix.
LATER = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "missing_scope"})


def exponential(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour, after the `attempt`-th failure."""
    seconds: float = 30 * 2 ** min(max(0, attempt - 1), 10)
    return min(timedelta(seconds=seconds), timedelta(hours=1))


@dataclass(frozen=True)
class SenderPolicy:
    # Slack allows about one post a second per channel, and a workspace several hundred a minute.
    per_second: float = 4.0
    burst: int = 10
    per_channel: timedelta = timedelta(seconds=1)
    batch: int = 50
    concurrency: int = 4  # posts in flight at once; each waits for Slack, not for the CPU
    lease: timedelta = timedelta(minutes=5)  # longer than a batch can take (batch/concurrency x timeout)
    timeout: float = 10.0  # seconds the client waits for Slack's answer
    max_attempts: int = 8  # failures other than 429 before a message is given up (~2 hours)
    backoff: Callable[[int], timedelta] = exponential
    idle: timedelta = timedelta(seconds=5)  # how long to wait when nothing is due


@dataclass(frozen=True)
class _Sent:
    channel: str | None
    ts: str | None
    found: bool = False  # found in the history: an earlier attempt had posted it after all


@dataclass(frozen=True)
class _Retry:
    wait: timedelta
    error: str
    in_doubt: bool  # Slack may have posted it
    rate_limited: bool = False
    channel: str | None = None


@dataclass(frozen=True)
class _Failed:
    error: str


_Outcome = _Sent | _Retry | _Failed


@dataclass
class Report:
    """What one `run_once` did, and when the sender wants to run again."""

    sent: int = 0
    found: int = 0  # in doubt, and found in the channel's history: recorded, not sent again
    retried: int = 0
    rate_limited: int = 0
    failed: int = 0
    postponed: int = 0  # outside the contact window, or its channel is busy
    dropped: int = 0  # no longer true (the intake was finished or stopped meanwhile)
    next_at: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return self.sent + self.found + self.retried + self.failed + self.postponed + self.dropped > 0


class _Pace:
    """A token bucket over the injected time: how many posts may start now."""

    def __init__(self, rate: float, burst: int) -> None:
        self._rate, self._burst = rate, burst
        self._tokens = float(burst)
        self._at: datetime | None = None

    def available(self, now: datetime) -> int:
        if self._at is not None and now > self._at:
            gained = (now - self._at).total_seconds() * self._rate
            self._tokens = min(float(self._burst), self._tokens + gained)
        self._at = now if self._at is None else max(self._at, now)
        return int(self._tokens)

    def spend(self, count: int) -> None:
        self._tokens -= count

    def drain(self) -> None:
        """A 429 says we went too fast: start again from an empty bucket."""
        self._tokens = min(self._tokens, 0.0)

    def next_token(self, now: datetime) -> datetime:
        missing = max(0.0, 1 - self._tokens)
        return now + timedelta(seconds=missing / self._rate)


class SlackSender:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        client: WebClient,
        notices: Notices,
        window: Callable[[str | None], Window],
        *,
        worker: str,
        policy: SenderPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._client = client
        self._notices = notices
        self._window = window
        self.worker = worker
        self.policy = policy or SenderPolicy()
        self._pace = _Pace(self.policy.per_second, self.policy.burst)
        self._channel_free: dict[str, datetime] = {}  # recipient -> when its channel may take a post
        self._pool = ThreadPoolExecutor(self.policy.concurrency, thread_name_prefix=f"sender-{worker}")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def run_once(self, now: datetime) -> Report:
        """Claim what is due at `now`, send it, record the outcomes."""
        report = Report()
        budget = self._pace.available(now)
        if budget < 1:
            report.next_at = self._pace.next_token(now)
            return report
        limit = min(budget, self.policy.batch)
        claimed = self._claim(now, limit, report)
        started = time.monotonic()
        outcomes = list(self._pool.map(lambda m: self._deliver(m, started), claimed))
        self._record(now, claimed, outcomes, report)
        if len(claimed) + report.postponed + report.dropped >= limit:
            report.next_at = now  # a full batch: there may be more, go on at once (the bucket paces)
        self._forget_quiet_channels(now)
        return report

    # ---- claim ----------------------------------------------------------------------------------

    def _claim(self, now: datetime, limit: int, report: Report) -> list[OutboxMessage]:
        go: list[OutboxMessage] = []
        with self._uow() as uow:
            for due in uow.outbox.lock_due(PLATFORM, now, limit):
                message = self._notices.as_now(uow, due, now)
                if message is None:
                    uow.outbox.drop(due.id, now, "no longer true when its turn came")
                    report.dropped += 1
                    continue
                # Checked again at send time: a message may have waited past its window (a sender
                # that was down, a retry at 16:59).
                opening = next_opening(now, self._window(message.programme_id))
                free = self._channel_free.get(message.recipient, now)
                later = max(opening, free)
                if later > now:
                    uow.outbox.postpone(message.id, later)
                    report.postponed += 1
                    continue
                self._channel_free[message.recipient] = now + self.policy.per_channel
                go.append(message)
            uow.outbox.claim([m.id for m in go], self.worker, now, now + self.policy.lease)
            uow.commit()
        self._pace.spend(len(go))
        return go

    # ---- deliver (on the pool's threads; no database here) ----------------------------------

    def _deliver(self, message: OutboxMessage, started: float) -> _Outcome:
        # Never start a post the lease may not cover: another sender could claim it meanwhile.
        left = self.policy.lease.total_seconds() - (time.monotonic() - started)
        if left < 2 * self.policy.timeout:
            return _Retry(
                timedelta(0), "lease ran short before sending", in_doubt=message.doubt_since is not None
            )
        try:
            screen = self._notices.screen(message)
            text, blocks = render_message(screen)
        except Exception as error:  # a template or programme that is gone: fail this one, not the batch
            log.exception("outbox message %s cannot be rendered", message.id)
            return _Failed(f"cannot render: {type(error).__name__}: {error}")
        if message.doubt_since is not None:
            try:
                found = self._find(message)
            except (SlackApiError, OSError) as error:  # could not look: still in doubt, look again later
                return self._unknown(message, error)
            if found is not None:
                return self._attach(message, screen.attachment, found)
        try:
            channel = message.channel or message.recipient  # a user id posts in the DM with the bot
            if message.channel is None and "," in message.recipient:  # several users: their group DM
                opened: Any = self._client.conversations_open(users=message.recipient)
                channel = str(opened["channel"]["id"])
            response = self._client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"id": message.id}},
                unfurl_links=False,
                unfurl_media=False,
            )
            posted = _Sent(_str(response.get("channel")), _str(response.get("ts")))
        except SlackApiError as error:
            return self._classify(message, error)
        except OSError as error:  # timeouts, refused and dropped connections (urllib, socket, ssl)
            reason = type(error).__name__ if not str(error) else f"{type(error).__name__}: {error}"
            return _Retry(self._backoff(message), reason, in_doubt=True)
        return self._attach(message, screen.attachment, posted)

    def _attach(self, message: OutboxMessage, attachment: Attachment | None, sent: _Sent) -> _Outcome:
        """The message's file (a session's .ics), shared into the same DM right after the message.

        The message itself stays exactly once (its metadata). The file's name carries the outbox id,
        so when an attempt failed after the message went out, the next one finds the message in the
        history, looks for the file by that name, and uploads it only if it is not there: the
        file comes once too. A file Slack refuses for good (a missing scope, say) is logged, and the
        message counts as delivered."""
        if attachment is None or sent.channel is None:
            return sent
        name = attachment_name(attachment.filename, message.id)
        if message.doubt_since is not None:
            try:
                if self._has_file(sent.channel, name, message.doubt_since):
                    return sent
            except (SlackApiError, OSError) as error:
                return replace(self._unknown(message, error), channel=sent.channel)
        try:
            self._client.files_upload_v2(
                channel=sent.channel, file=attachment.content, filename=name, title=attachment.title
            )
        except SlackApiError as error:
            status = int(error.response.status_code)
            if status == 429 or status >= 500:
                return _Retry(
                    self._backoff(message), f"file: HTTP {status}", in_doubt=True, channel=sent.channel
                )
            log.warning(
                "outbox message %s: its file was refused: %s", message.id, error.response.get("error")
            )
            return sent
        except OSError as error:
            return _Retry(
                self._backoff(message), f"file: {type(error).__name__}", in_doubt=True, channel=sent.channel
            )
        return sent

    def _has_file(self, channel: str, name: str, since: datetime) -> bool:
        oldest = f"{(since - timedelta(minutes=1)).timestamp():.6f}"
        for page in self._history(channel, oldest):
            for posted in page:
                if any(f.get("name") == name for f in posted.get("files") or []):
                    return True
        return False

    def _find(self, message: OutboxMessage) -> _Sent | None:
        """Look for an earlier attempt's post in the channel's history, by its metadata."""
        assert message.doubt_since is not None
        channel = message.channel
        if channel is None and message.recipient[:1] in ("C", "G", "D"):
            channel = message.recipient  # posted to a channel by its id
        if channel is None:  # the attempt never came back with the DM's id: ask Slack which it is
            opened: Any = self._client.conversations_open(users=message.recipient)
            channel = str(opened["channel"]["id"])
        # A minute of slack for clocks that differ between us and Slack.
        oldest = f"{(message.doubt_since - timedelta(minutes=1)).timestamp():.6f}"
        for page in self._history(channel, oldest):
            for posted in page:
                meta = posted.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == METADATA_EVENT and str(payload.get("id")) == str(message.id):
                    return _Sent(channel, _str(posted.get("ts")), found=True)
        return None

    def _history(self, channel: str, oldest: str) -> Iterator[list[dict[str, Any]]]:
        cursor: str | None = None
        for _ in range(20):  # a DM holds few messages since a failed attempt; bound it anyway
            response: Any = self._client.conversations_history(
                channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
            )
            yield list(response.get("messages") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                return

    def _unknown(self, message: OutboxMessage, error: Exception) -> _Retry:
        wait = self._backoff(message)
        if isinstance(error, SlackApiError) and error.response.status_code == 429:
            wait = _retry_after(error.response.headers)
        return _Retry(wait, f"history check failed: {type(error).__name__}", in_doubt=True)

    def _classify(self, message: OutboxMessage, error: SlackApiError) -> _Outcome:
        status = int(error.response.status_code)
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if status == 429:
            wait = _retry_after(error.response.headers)
            return _Retry(wait, "ratelimited", in_doubt=False, rate_limited=True)
        if status >= 500:
            return _Retry(self._backoff(message), f"HTTP {status}", in_doubt=True)
        code = str(code or f"HTTP {status}")
        if code in DOUBTFUL:
            return _Retry(self._backoff(message), code, in_doubt=True)
        if code in LATER:
            log.error("Slack refuses the bot's token (%s): messages wait until it is fixed", code)
            return _Retry(self._backoff(message), code, in_doubt=False)
        # Anything else Slack answered with ok: false was not posted, and will not be on a retry.
        return _Failed(code)

    def _backoff(self, message: OutboxMessage) -> timedelta:
        return self.policy.backoff(message.attempts + 1)

    # ---- record ---------------------------------------------------------------------------------

    def _record(
        self, now: datetime, claimed: list[OutboxMessage], outcomes: list[_Outcome], report: Report
    ) -> None:
        # One transaction for the batch: a crash before it commits leaves the messages in doubt,
        # and the history check settles them without a second post.
        with self._uow() as uow:
            for message, outcome in zip(claimed, outcomes, strict=True):
                if isinstance(outcome, _Sent):
                    uow.outbox.sent(message.id, now, outcome.channel, outcome.ts)
                    if outcome.found:
                        report.found += 1
                    else:
                        report.sent += 1
                elif isinstance(outcome, _Failed):
                    uow.outbox.failed(message.id, self.worker, now, outcome.error)
                    report.failed += 1
                    report.errors.append(outcome.error)
                    log.warning("outbox message %s failed for good: %s", message.id, outcome.error)
                elif outcome.rate_limited:
                    # Only this channel waits, and the pace starts over; other messages go on.
                    self._channel_free[message.recipient] = now + outcome.wait
                    self._pace.drain()
                    uow.outbox.retry(
                        message.id, self.worker, now + outcome.wait, outcome.error, in_doubt=False
                    )
                    report.rate_limited += 1
                elif message.attempts + 1 >= self.policy.max_attempts:
                    error = f"gave up after {message.attempts + 1} attempts: {outcome.error}"
                    uow.outbox.failed(message.id, self.worker, now, error)
                    report.failed += 1
                    report.errors.append(error)
                    log.warning("outbox message %s: %s", message.id, error)
                else:
                    in_doubt = outcome.in_doubt or message.doubt_since is not None
                    uow.outbox.retry(
                        message.id,
                        self.worker,
                        now + outcome.wait,
                        outcome.error,
                        in_doubt=in_doubt,
                        channel=outcome.channel,  # known when the message went out and its file did not
                    )
                    log.info("outbox message %s: %s; again after %s", message.id, outcome.error, outcome.wait)
                    report.retried += 1
                    report.errors.append(outcome.error)
            uow.commit()

    def _forget_quiet_channels(self, now: datetime) -> None:
        if len(self._channel_free) > 10_000:  # a fan-out leaves one entry per recipient behind
            self._channel_free = {k: v for k, v in self._channel_free.items() if v > now}


def attachment_name(filename: str, message_id: int) -> str:
    """'kick-off.ics' of outbox message 42 -> 'kick-off-42.ics': unique, so a retry can look for it."""
    stem, dot, extension = filename.rpartition(".")
    return f"{stem}-{message_id}.{extension}" if dot else f"{filename}-{message_id}"


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _retry_after(headers: Any) -> timedelta:
    value = None
    for name, raw in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            value = raw[0] if isinstance(raw, list) else raw
    try:
        return timedelta(seconds=max(1, int(str(value))))
    except ValueError:
        return timedelta(seconds=1)


def sender_client(token: str, api_url: str, timeout: float = SenderPolicy.timeout) -> WebClient:
    """A client that retries nothing itself: the sender decides, and never by sleeping."""
    # The SDK annotates timeout as int; urllib takes any number of seconds, and tests want less than one.
    return KeepAliveWebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])
