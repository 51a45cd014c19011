"""A local stand-in for the Slack Web API, served over real HTTP for end-to-end tests.

The real bot talks to it through an ordinary ``slack_sdk.WebClient(base_url=slack.api_url)``::

    with SlackStandIn() as slack:
        client = WebClient(token="xoxb-test-token", base_url=slack.api_url)
        client.chat_postMessage(channel="U123", text="Hoi")
        assert slack.messages_to("D123")[0]["text"] == "Hoi"

Every request is recorded as an :class:`ApiCall`; tests wait for calls with :meth:`SlackStandIn.wait_for`,
which sleeps on a condition variable that is notified whenever a call is recorded.

Posted messages are kept per channel, with their ``metadata``, and ``conversations.history`` reads them
back (newest first; metadata only with ``include_all_metadata``). :meth:`SlackStandIn.history` shows a
channel as the person sees it, including messages whose post was answered with a failure.

Faults for exactly-once tests: :meth:`~SlackStandIn.fail_next` (answer an error, post nothing),
:meth:`~SlackStandIn.post_then_fail` (post the message, then answer 500 or answer too late), and
:meth:`~SlackStandIn.rate_limit` (a token bucket per method or per channel that answers 429 with
``Retry-After`` past it, as Slack does).
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_LOCALE",
    "DEFAULT_TOKEN",
    "RESPONSE_URL_METHOD",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "TIMEZONE",
    "UPLOAD_METHOD",
    "ApiCall",
    "SharedFile",
    "SlackStandIn",
    "dm_channel_id",
    "slack_ts",
    "user_name_for",
]

T = TypeVar("T")
JsonDict = dict[str, Any]

DEFAULT_TOKEN = "xoxb-test-token"
TEAM_ID = "T000STAND"
TEAM_NAME = "Stand-in"
TEAM_DOMAIN = "stand-in"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "ruilbot"
APP_ID = "A0RUILBOT"
DEFAULT_LOCALE = "nl-NL"
TIMEZONE = "Europe/Amsterdam"
#: Method name under which posts to :meth:`SlackStandIn.response_url` URLs are recorded.
RESPONSE_URL_METHOD = "response_url"
#: Method name under which uploads to a ``files.getUploadURLExternal`` URL are recorded (step 2 of 3).
UPLOAD_METHOD = "files.upload_url"

# Form-encoded arguments that Slack documents as JSON-encoded strings.
_JSON_FORM_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})
_TS_STEP_MICROS = 100
_DUMP_LIMIT = 20
# wait_for() wakes on every recorded call; this coarse re-check only matters for predicates that
# look at state other than the recorded calls (for instance the bot's database).
_WAIT_RECHECK_SECONDS = 0.25


class _SlackClock:
    """Slack's message timestamps ("seconds.micros"), strictly increasing and near the real time. The
    stand-in's posts and the test's own events (a person typing) share it, as they share Slack's clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            micros = self._last
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


slack_ts = _SlackClock().next


def dm_channel_id(user_id: str) -> str:
    """The stable DM channel id the stand-in uses for a user: ``"U123"`` -> ``"D123"``."""
    return "D" + (user_id[1:] if user_id[:1] in ("U", "W") else user_id)


def user_name_for(user_id: str) -> str:
    """The ``name`` (handle) the stand-in reports for a user id."""
    return user_id.lower()


@dataclass(frozen=True)
class SharedFile:
    """A file shared into a channel through Slack's upload flow (v2, as ``files_upload_v2`` does):
    ``files.getUploadURLExternal``, a POST of the bytes to the URL it gave, then
    ``files.completeUploadExternal``."""

    id: str
    name: str
    title: str
    content: bytes
    channel: str
    ts: str
    initial_comment: str = ""
    thread_ts: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One request the stand-in answered.

    ``args`` is the decoded request (query string plus form or JSON body; form values are strings,
    except JSON-encoded ``blocks``/``attachments``/``view``/``metadata`` which are decoded).
    ``status`` is the HTTP status sent back, ``at`` the ``time.time()`` of the request, and
    ``response`` the JSON body sent back (``None`` for plain-text failure bodies).
    """

    method: str
    args: dict[str, Any]
    status: int
    at: float
    response: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when Slack would call this a success: HTTP 200 and ``"ok": true``."""
        return self.status == HTTPStatus.OK and self.response is not None and self.response.get("ok") is True


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None
    error: str | None = None  # an ok: false answer with this error code (HTTP 200)
    channel: str | None = None  # only calls about this channel (a user id means their DM)


@dataclass(frozen=True)
class _AfterPost:
    status: int | None  # answer this status after posting; None: answer ok, but only after `delay`
    delay: float
    channel: str | None = None


class _Bucket:
    """A token bucket: `rate` calls a second, `burst` at once; what is past it gets a 429."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self) -> float | None:
        """Take a token; None when one was there, else the seconds until one will be."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        return (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class _Limit:
    rate: float
    burst: int
    per_channel: bool


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: Mapping[str, str]
    json_body: JsonDict | None


def _json_reply(
    payload: JsonDict, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None
) -> _Reply:
    return _Reply(
        status=status,
        body=json.dumps(payload).encode("utf-8"),
        content_type="application/json; charset=utf-8",
        headers=headers or {},
        json_body=payload,
    )


def _error(error: str) -> JsonDict:
    return {"ok": False, "error": error}


_DROP = _Reply(0, b"", "", {}, None)  # close the connection without an answer


class _ArgsError(ValueError):
    """The request body could not be decoded; carries the Slack error code."""


def _decode_args(query: str, body: bytes, content_type: str) -> JsonDict:
    args: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    if not body:
        return args
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _ArgsError("invalid_json") from exc
        if not isinstance(decoded, dict):
            raise _ArgsError("invalid_json")
        args.update(decoded)
        return args
    if media_type in ("application/x-www-form-urlencoded", ""):
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError as exc:
            raise _ArgsError("invalid_form_data") from exc
        for key, value in form.items():
            args[key] = _maybe_json(value) if key in _JSON_FORM_FIELDS else value
        return args
    raise _ArgsError("invalid_form_data")


def _maybe_json(value: str) -> Any:
    if not value.lstrip().startswith(("[", "{")):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _text(args: Mapping[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is None or value == "":
        return None
    return str(value)


def _channel(channel: str | None) -> str | None:
    return None if channel is None else SlackStandIn._resolve_channel(channel)


F = TypeVar("F", _Failure, _AfterPost)


def _take(queue: deque[F] | None, args: Mapping[str, Any]) -> F | None:
    """The first queued fault for this call: one for any channel, or for the call's own channel."""
    if not queue:
        return None
    channel = _channel(_text(args, "channel") or _text(args, "users") or "") or ""
    for fault in queue:
        if fault.channel is None or fault.channel == channel:
            queue.remove(fault)
            return fault
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections a concurrent sender opens at once, and the client
    # then waits a second to try again: a delay the real Slack does not have.
    request_queue_size = 128

    def __init__(self, standin: SlackStandIn, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.standin = standin
        self.accepted = 0  # connections opened by clients (a keep-alive client opens few)

    def get_request(self) -> Any:
        self.accepted += 1
        return super().get_request()


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"
    protocol_version = "HTTP/1.1"  # keeps connections open between calls, as Slack does
    # Headers and body go out in two writes: without this, the second waits for the client's
    # delayed ACK on a kept-alive connection (40 ms a call), a delay the real Slack does not have.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the stand-in records calls instead."""

    def _handle(self) -> None:
        standin = cast(_Server, self.server).standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        reply = standin._dispatch(
            path=self.path,
            body=body,
            content_type=self.headers.get("Content-Type", ""),
            authorization=self.headers.get("Authorization"),
        )
        if reply is _DROP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        # The client may have given up waiting (post_then_fail with a delay), as it would with Slack.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(reply.body)


class SlackStandIn:
    """A fake Slack Web API on ``127.0.0.1`` (free port), served from a daemon thread.

    Use as a context manager or call :meth:`start`/:meth:`stop`. All methods are thread-safe.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """``clock``, when given, dates message ``ts`` values (so ``oldest`` in ``conversations.history``
        means what the bot's injected clock says); by default they follow the real time."""
        self.token = token
        self._host = host
        self._clock = clock
        self._ts_counter = 0
        self._history: dict[str, list[JsonDict]] = {}
        self._after_post: dict[str, deque[_AfterPost]] = {}
        self._limits: dict[str, _Limit] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cond = threading.Condition()
        self._calls: list[ApiCall] = []
        self._generation = 0
        self._failures: dict[str, deque[_Failure]] = {}
        self._held: dict[str, threading.Event] = {}
        self._dropped: dict[str, int] = {}
        self._listeners: list[Callable[[ApiCall], None]] = []
        self._locales: dict[str, str] = {}
        self._view_counter = 0
        self._hash_counter = 0
        self._home_views: dict[str, str] = {}
        self._external_views: dict[str, str] = {}
        self._profiles: dict[str, dict[str, str]] = {}
        self._uploads: dict[str, tuple[str, int, bytes | None]] = {}  # file id -> name, length, bytes
        self._files: list[SharedFile] = []
        self._file_counter = 0
        self._methods = self._method_table()

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Bind a free port and start serving. Returns ``self``."""
        if self._server is not None:
            raise RuntimeError("SlackStandIn is already running")
        server = _Server(self, self._host)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving and release the port. Safe to call more than once."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def connections(self) -> int:
        """How many connections clients have opened to the stand-in so far."""
        return self._server.accepted if self._server is not None else 0

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base URL for ``WebClient(base_url=...)``: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.url}/api/"

    def response_url(self, key: str = "default") -> str:
        """A ``response_url`` served by the stand-in (for slash commands and block actions).

        Posts to it are answered ``{"ok": true}`` and recorded with method ``"response_url"``;
        ``args`` is the decoded body plus ``"_key": key``.
        """
        return f"{self.url}/response/{key}"

    # -- configuration -----------------------------------------------------------------------------

    def set_profile(self, user_id: str, **fields: str) -> None:
        """Profile fields ``users.info`` reports for a user (``real_name``, ``title``, ``email``,
        ``phone``, ``display_name``); an empty string leaves a field out, as Slack does."""
        with self._cond:
            self._profiles.setdefault(user_id, {}).update(fields)

    def files_in(self, channel: str) -> list[SharedFile]:
        """Files shared into ``channel`` (a user id means their DM), oldest first."""
        wanted = self._resolve_channel(channel)
        with self._cond:
            return [f for f in self._files if f.channel == wanted]

    def set_user_locale(self, user_id: str, locale: str) -> None:
        """Make ``users.info`` report ``locale`` for ``user_id`` (default ``nl-NL``)."""
        with self._cond:
            self._locales[user_id] = locale

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 0,
        times: int = 1,
        *,
        channel: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (about ``channel``, if given) with HTTP ``status``.

        429 answers carry ``{"ok": false, "error": "ratelimited"}`` and, unless ``retry_after`` is None,
        a ``Retry-After`` header. 5xx answers have the plain-text body ``server error``; other 4xx a plain
        reason phrase. Failures queue up behind ones already pending for that method.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error status (4xx/5xx), got {status}")
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(status, retry_after, None, _channel(channel)) for _ in range(times))

    def refuse_next(self, method: str, error: str, times: int = 1, *, channel: str | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 200 ``{"ok": false, "error": error}``,
        as Slack refuses a post to a deactivated user (``user_not_found``, ``account_inactive``, ...)."""
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend(_Failure(HTTPStatus.OK, None, error, _channel(channel)) for _ in range(times))

    def post_then_fail(
        self,
        status: int | None = 500,
        *,
        delay: float = 0.0,
        times: int = 1,
        method: str = "chat.postMessage",
        channel: str | None = None,
    ) -> None:
        """The next ``times`` posts are made (the person sees them), and then answered badly: HTTP
        ``status`` (500 by default), or with ``status=None`` an ordinary answer only after ``delay``
        seconds, so a client with a shorter timeout gives up on a message that was in fact posted."""
        if status is None and delay <= 0:
            raise ValueError("post_then_fail(status=None) needs a delay longer than the client's timeout")
        with self._cond:
            queue = self._after_post.setdefault(method, deque())
            queue.extend(_AfterPost(status, delay, _channel(channel)) for _ in range(times))

    def rate_limit(
        self, method: str, per_second: float, *, burst: int = 1, per_channel: bool = False
    ) -> None:
        """Answer calls of ``method`` past ``per_second`` (after a burst of ``burst``) with HTTP 429,
        ``{"error": "ratelimited"}`` and ``Retry-After`` (whole seconds, at least 1, as Slack sends).
        ``per_channel`` keeps one bucket per channel (Slack: about one post a second per channel)."""
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        with self._cond:
            self._limits[method + (":channel" if per_channel else "")] = _Limit(
                per_second, burst, per_channel
            )

    def subscribe(self, listener: Callable[[ApiCall], None]) -> None:
        """Call `listener` with every call as it is answered (on a server thread; keep it quick)."""
        with self._cond:
            self._listeners.append(listener)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls of ``method`` without any answer, as a
        network that drops for a while does. The call is recorded with status 0 and has no effect."""
        with self._cond:
            self._dropped[method] = self._dropped.get(method, 0) + times

    def hold(self, method: str) -> None:
        """Make calls of ``method`` wait (unanswered) until ``release(method)``: shows what the bot does
        before a Web API call comes back, without timing anything."""
        with self._cond:
            self._held[method] = threading.Event()

    def release(self, method: str) -> None:
        with self._cond:
            gate = self._held.pop(method, None)
        if gate is not None:
            gate.set()

    # -- queries -----------------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls in arrival order, optionally only those of ``method``."""
        with self._cond:
            return [call for call in self._calls if method is None or call.method == method]

    def messages_to(self, channel: str) -> list[dict[str, Any]]:
        """Args of successful ``chat.postMessage`` calls to ``channel``, in order.

        A user id and its DM channel count as the same channel (``"U123"`` matches ``"D123"``).
        """
        wanted = self._resolve_channel(channel)
        return [
            call.args
            for call in self.calls("chat.postMessage")
            if call.ok and self._resolve_channel(str(call.args.get("channel", ""))) == wanted
        ]

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Every message posted in ``channel``, oldest first, as the person sees it: also those whose
        post was answered with a failure (:meth:`post_then_fail`). A user id means their DM."""
        with self._cond:
            return [dict(m) for m in self._history.get(self._resolve_channel(channel), [])]

    def channels(self) -> list[str]:
        """Channels with at least one posted message."""
        with self._cond:
            return [c for c, messages in self._history.items() if messages]

    def wait_for(self, predicate: Callable[[], T | bool | None], timeout: float = 15.0) -> T:
        """Wait until ``predicate()`` returns something truthy and return that.

        The predicate is re-evaluated (outside the lock) each time a call is recorded, plus a coarse
        re-check every 0.25 s for predicates on other state. Raises ``AssertionError`` with a dump of
        the recent calls on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                generation = self._generation
            result = predicate()
            if result:
                return cast(T, result)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                name = getattr(predicate, "__qualname__", repr(predicate))
                raise AssertionError(
                    f"timed out after {timeout:.1f}s waiting for {name}; last result {result!r}\n"
                    + self.dump()
                )
            with self._cond:
                if self._generation == generation:
                    self._cond.wait(min(remaining, _WAIT_RECHECK_SECONDS))

    def wait_for_calls(self, method: str, count: int, timeout: float = 15.0) -> list[ApiCall]:
        """Wait until at least ``count`` calls of ``method`` were recorded; return all of them."""

        def enough() -> list[ApiCall] | None:
            found = self.calls(method)
            return found if len(found) >= count else None

        enough.__qualname__ = f"{count} call(s) of {method}"
        return self.wait_for(enough, timeout=timeout)

    def clear(self) -> None:
        """Forget the recorded calls (pending failures and user locales stay)."""
        with self._cond:
            self._calls.clear()
            self._generation += 1
            self._cond.notify_all()

    def dump(self, limit: int = _DUMP_LIMIT) -> str:
        """A readable listing of the last ``limit`` recorded calls."""
        calls = self.calls()
        if not calls:
            return "no Slack API calls were recorded"
        shown = calls[-limit:]
        lines = [f"last {len(shown)} of {len(calls)} Slack API call(s):"]
        start = shown[0].at
        for call in shown:
            outcome = "ok" if call.ok else (call.response or {}).get("error", "failed")
            args = json.dumps(call.args, ensure_ascii=False, default=str)
            if len(args) > 300:
                args = args[:297] + "..."
            lines.append(f"  +{call.at - start:6.3f}s {call.status} {call.method} [{outcome}] {args}")
        return "\n".join(lines)

    # -- request handling (called on server threads) -----------------------------------------------

    def _dispatch(self, *, path: str, body: bytes, content_type: str, authorization: str | None) -> _Reply:
        parts = urlsplit(path)
        if parts.path.startswith("/api/"):
            method, needs_auth = parts.path.removeprefix("/api/"), True
        elif parts.path.startswith("/response/"):
            method, needs_auth = RESPONSE_URL_METHOD, False
        elif parts.path.startswith("/upload/"):  # raw bytes, no token: like files.slack.com/upload/v1
            return self._upload(parts.path.removeprefix("/upload/"), body)
        else:
            return _Reply(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8", {}, None)
        at = time.time()
        try:
            args = _decode_args(parts.query, body, content_type)
            decode_error = None
        except _ArgsError as exc:
            args, decode_error = {}, str(exc)
        if method == RESPONSE_URL_METHOD:
            args["_key"] = parts.path.removeprefix("/response/")
        with self._cond:
            gate = self._held.get(method)
        if gate is not None:
            gate.wait(timeout=10)
        late = 0.0
        with self._cond:
            if self._dropped.get(method):
                self._dropped[method] -= 1
                self._calls.append(ApiCall(method, args, 0, at, None))
                self._generation += 1
                self._cond.notify_all()
                return _DROP
            reply = self._failure_reply(method, args) or self._rate_limited(method, args)
            if reply is None:
                if decode_error is not None:
                    reply = _json_reply(_error(decode_error))
                elif needs_auth and authorization != f"Bearer {self.token}":
                    reply = _json_reply(_error("invalid_auth"))
                else:
                    reply = _json_reply(self._answer(method, args))
                    fault = _take(self._after_post.get(method), args)
                    if fault is not None and reply.json_body and reply.json_body.get("ok"):
                        if fault.status is not None:
                            reply = _Reply(
                                fault.status, b"server error", "text/plain; charset=utf-8", {}, None
                            )
                        late = fault.delay
            call = ApiCall(method, args, reply.status, at, reply.json_body)
            self._calls.append(call)
            self._generation += 1
            self._cond.notify_all()
            listeners = list(self._listeners)
        for listener in listeners:
            listener(call)
        if late:
            time.sleep(late)  # on the server's thread: the client times out, the post stands
        return reply

    def _rate_limited(self, method: str, args: JsonDict) -> _Reply | None:
        waits = []
        for key, scope in ((method, "method"), (method + ":channel", "channel")):
            limit = self._limits.get(key)
            if limit is None:
                continue
            where = self._resolve_channel(str(args.get("channel", ""))) if scope == "channel" else ""
            bucket = self._buckets.get((key, where))
            if bucket is None:
                bucket = self._buckets[(key, where)] = _Bucket(limit.rate, limit.burst)
            wait = bucket.take()
            if wait is not None:
                waits.append(wait)
        if not waits:
            return None
        retry_after = max(1, math.ceil(max(waits)))
        return _json_reply(
            _error("ratelimited"), HTTPStatus.TOO_MANY_REQUESTS, {"Retry-After": str(retry_after)}
        )

    def _failure_reply(self, method: str, args: JsonDict) -> _Reply | None:
        failure = _take(self._failures.get(method), args)
        if failure is None:
            return None
        if failure.error is not None:
            return _json_reply(_error(failure.error))
        if failure.status == HTTPStatus.TOO_MANY_REQUESTS:
            headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
            return _json_reply(_error("ratelimited"), failure.status, headers)
        text = "server error" if failure.status >= 500 else HTTPStatus(failure.status).phrase
        return _Reply(failure.status, text.encode("utf-8"), "text/plain; charset=utf-8", {}, None)

    def _answer(self, method: str, args: JsonDict) -> JsonDict:
        handler = self._methods.get(method)
        if handler is None:
            return _error("unknown_method")
        return handler(args)

    def _method_table(self) -> dict[str, Callable[[JsonDict], JsonDict]]:
        return {
            "auth.test": self._auth_test,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._chat_post_message,
            "conversations.history": self._conversations_history,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            RESPONSE_URL_METHOD: lambda _args: {"ok": True},
        }

    # The handlers below run with self._cond held.

    def _auth_test(self, _args: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, args: JsonDict) -> JsonDict:
        channel = _text(args, "channel")
        if channel is not None:
            return {"ok": True, "channel": {"id": channel}}
        users = [user.strip() for user in (_text(args, "users") or "").split(",") if user.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) == 1:
            return {"ok": True, "channel": {"id": dm_channel_id(users[0])}}
        return {"ok": True, "channel": {"id": "G" + "".join(sorted(u.lstrip("UW") for u in users))}}

    def _chat_post_message(self, args: JsonDict) -> JsonDict:
        channel = _text(args, "channel")
        if channel is None:
            return _error("channel_not_found")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        ts = self._next_ts()
        message: JsonDict = {
            "type": "message",
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
        }
        if _text(args, "thread_ts") is not None:
            message["thread_ts"] = args["thread_ts"]
        metadata = args.get("metadata")
        if isinstance(metadata, dict):
            message["metadata"] = metadata
        resolved = self._resolve_channel(channel)
        self._history.setdefault(resolved, []).append(message)
        shown = {k: v for k, v in message.items() if k != "metadata"}  # Slack echoes no metadata here
        return {"ok": True, "channel": resolved, "ts": ts, "message": shown}

    def _conversations_history(self, args: JsonDict) -> JsonDict:
        channel = _text(args, "channel")
        if channel is None:
            return _error("channel_not_found")
        oldest, latest = float(_text(args, "oldest") or 0), _text(args, "latest")
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        # As Slack: oldest and latest themselves are left out unless `inclusive`.
        inclusive = str(args.get("inclusive", "")).lower() in ("1", "true")
        newest = float(latest) if latest is not None else float("inf")
        found = [
            m
            for m in reversed(self._history.get(self._resolve_channel(channel), []))
            if (oldest <= float(m["ts"]) <= newest if inclusive else oldest < float(m["ts"]) < newest)
        ]
        start = int(_text(args, "cursor") or 0)
        limit = int(_text(args, "limit") or 100)
        page = found[start : start + limit]
        more = start + limit < len(found)
        messages = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        return {
            "ok": True,
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _chat_post_ephemeral(self, args: JsonDict) -> JsonDict:
        if _text(args, "channel") is None:
            return _error("channel_not_found")
        if _text(args, "user") is None:
            return _error("user_not_found")
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return _error("no_text")
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: JsonDict) -> JsonDict:
        channel, ts = _text(args, "channel"), _text(args, "ts")
        if channel is None:
            return _error("channel_not_found")
        if ts is None:
            return _error("message_not_found")
        text = args.get("text", "")
        message: JsonDict = {
            "text": text,
            "blocks": args.get("blocks") or [],
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
        }
        return {
            "ok": True,
            "channel": self._resolve_channel(channel),
            "ts": ts,
            "text": text,
            "message": message,
        }

    def _views_open(self, args: JsonDict) -> JsonDict:
        view = args.get("view")
        if not isinstance(view, dict) or not (
            _text(args, "trigger_id") or _text(args, "interactivity_pointer")
        ):
            return _error("invalid_arguments")
        return {"ok": True, "view": self._echo_view(view, self._new_view_id())}

    def _views_publish(self, args: JsonDict) -> JsonDict:
        view, user_id = args.get("view"), _text(args, "user_id")
        if not isinstance(view, dict) or user_id is None:
            return _error("invalid_arguments")
        view_id = self._home_views.get(user_id) or self._home_views.setdefault(user_id, self._new_view_id())
        return {"ok": True, "view": self._echo_view(view, view_id)}

    def _views_update(self, args: JsonDict) -> JsonDict:
        view = args.get("view")
        view_id, external_id = _text(args, "view_id"), _text(args, "external_id")
        if not isinstance(view, dict) or (view_id is None and external_id is None):
            return _error("invalid_arguments")
        if view_id is None:
            view_id = self._external_views.get(external_id or "") or self._new_view_id()
        return {"ok": True, "view": self._echo_view(view, view_id)}

    def _users_info(self, args: JsonDict) -> JsonDict:
        user_id = _text(args, "user")
        if user_id is None or user_id[:1] not in ("U", "W"):
            return _error("user_not_found")
        offset = datetime.now(ZoneInfo(TIMEZONE)).utcoffset()
        real_name = "Ruilbot" if user_id == BOT_USER_ID else f"Stand-in User {user_id}"
        real_name = self._profiles.get(user_id, {}).get("real_name") or real_name
        return {
            "ok": True,
            "user": {
                "id": user_id,
                "team_id": TEAM_ID,
                "name": user_name_for(user_id),
                "real_name": real_name,
                "deleted": False,
                "tz": TIMEZONE,
                "tz_label": "Central European Time",
                "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
                "locale": self._locales.get(user_id, DEFAULT_LOCALE),
                "is_bot": user_id == BOT_USER_ID,
                "profile": {
                    k: v
                    for k, v in {
                        "real_name": real_name,
                        "display_name": user_name_for(user_id),
                        **self._profiles.get(user_id, {}),
                    }.items()
                    if v
                },
            },
        }

    def _upload(self, file_id: str, body: bytes) -> _Reply:
        at = time.time()
        with self._cond:
            known = self._uploads.get(file_id)
            if known is None or known[2] is not None:
                reply = _Reply(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8", {}, None)
            else:
                self._uploads[file_id] = (known[0], known[1], body)
                reply = _Reply(HTTPStatus.OK, f"OK - {len(body)}".encode(), "text/plain", {}, None)
            self._calls.append(
                ApiCall(UPLOAD_METHOD, {"file_id": file_id, "length": len(body)}, reply.status, at)
            )
            self._generation += 1
            self._cond.notify_all()
        return reply

    def _files_get_upload_url(self, args: JsonDict) -> JsonDict:
        filename, length = _text(args, "filename"), _text(args, "length")
        if filename is None or length is None or not length.isdigit():
            return _error("invalid_arguments")
        self._file_counter += 1
        file_id = f"F{self._file_counter:08d}"
        self._uploads[file_id] = (filename, int(length), None)
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, args: JsonDict) -> JsonDict:
        raw = args.get("files")
        try:
            listed = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            return _error("invalid_json")
        if not isinstance(listed, list) or not listed:
            return _error("invalid_arguments")
        channel = _text(args, "channel_id")
        resolved = self._resolve_channel(channel) if channel else None
        shared: list[SharedFile] = []
        for item in listed:
            file_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            upload = self._uploads.get(file_id)
            if upload is None or upload[2] is None:
                return _error("file_not_found")
            name, _length, content = upload
            title = str(item.get("title") or name)
            shared.append(SharedFile(file_id, name, title, content, resolved or "", "", ""))
        files = [{"id": f.id, "name": f.name, "title": f.title, "size": len(f.content)} for f in shared]
        if resolved is not None:
            ts = self._next_ts()
            comment = _text(args, "initial_comment") or ""
            thread_ts = _text(args, "thread_ts")
            message: JsonDict = {
                "type": "message",
                "text": comment,
                "files": files,
                "user": BOT_USER_ID,
                "ts": ts,
            }
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            self._history.setdefault(resolved, []).append(message)
            shared = [replace(f, ts=ts, initial_comment=comment, thread_ts=thread_ts) for f in shared]
        for f in shared:
            del self._uploads[f.id]  # a completed upload can't be completed again
        self._files.extend(shared)
        return {"ok": True, "files": files}

    # -- helpers (run with self._cond held) --------------------------------------------------------

    def _next_ts(self) -> str:
        if self._clock is None:
            return slack_ts()
        # A stand-in on a test's clock: timestamps from that clock, apart by a fixed step.
        micros = int(self._clock().astimezone(UTC).timestamp()) * 1_000_000
        micros += _TS_STEP_MICROS * self._ts_counter
        self._ts_counter += 1
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_hash(self) -> str:
        self._hash_counter += 1
        return f"1700000000.{self._hash_counter:06d}"

    def _new_view_id(self) -> str:
        self._view_counter += 1
        return f"V{self._view_counter:08d}"

    def _echo_view(self, view: JsonDict, view_id: str) -> JsonDict:
        external_id = view.get("external_id")
        if isinstance(external_id, str) and external_id:
            self._external_views[external_id] = view_id
        return {
            "callback_id": "",
            "private_metadata": "",
            "state": {"values": {}},
            "external_id": "",
            **view,
            "id": view_id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "hash": self._next_hash(),
            "root_view_id": view_id,
            "previous_view_id": None,
        }

    @staticmethod
    def _resolve_channel(channel: str) -> str:
        return dm_channel_id(channel) if channel[:1] in ("U", "W") else channel
