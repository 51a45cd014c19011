"""The front door for everything Slack sends: cheap refusals first, then an acknowledgement, then work.

In order, for each request:
1. A body over `MAX_BODY` gets 413 before it is read; Slack's own payloads are far below it.
2. The signature is checked on the raw bytes, before any parsing: an unsigned or forged request costs
   one HMAC and gets 401.
3. A body that does not parse (bad JSON, a form whose payload is not JSON, absurd nesting) gets 400
   and one log line, no traceback.
4. A request from another workspace than ours (team or enterprise) gets 403.
5. Everything else is acknowledged at once (Slack's three seconds) and handed to the person's lane
   (`handlers.lanes`), where bolt routes it to a listener. Only a modal submission is answered inline,
   since its answer (errors on a field, the next step) is the acknowledgement itself. A `direct` route
   takes what it knows (DM message events, most of the traffic) to its listener without bolt.

Socket Mode goes through steps 3 to 5 in `SocketFront`: the envelope is acknowledged first.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest

from handlers.lanes import Lanes

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; a 40,000-character message of emoji is about half of this as JSON
SIGNATURE_AGE = 5 * 60  # seconds: an older signed request may be a replay
_JSON = "application/json"
_INLINE = frozenset({"view_submission", "block_suggestion"})  # their acknowledgement carries the answer
Response = tuple[int, bytes, str]  # status, body, content type
_EMPTY: Response = (200, b"", "text/plain")


class BadRequest(ValueError):
    """A body that is not what Slack sends."""


@dataclass(frozen=True)
class Workspaces:
    """The Slack workspaces (team ids) and Enterprise Grid organisations (enterprise ids) we serve."""

    teams: frozenset[str]
    enterprises: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ids: Iterable[str]) -> Workspaces:
        ids = [i.strip() for i in ids if i and i.strip()]
        return cls(
            frozenset(i for i in ids if not i.startswith("E")), frozenset(i for i in ids if i.startswith("E"))
        )

    def admit(self, team: str | None, enterprise: str | None) -> bool:
        return (team is not None and team in self.teams) or (
            enterprise is not None and enterprise in self.enterprises
        )


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """What Slack sent, as a dict: an Events API JSON body, a slash command form, or an interaction
    form with one JSON `payload`. Raises BadRequest for anything else."""
    try:
        text = body.decode("utf-8")
        if content_type.split(";")[0].strip().lower() == _JSON:
            parsed: Any = json.loads(text)
        else:
            form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True, strict_parsing=False).items()}
            parsed = json.loads(form["payload"]) if "payload" in form else form
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BadRequest(type(error).__name__) from None
    if not isinstance(parsed, dict) or not parsed:
        raise BadRequest("not an object")
    return parsed


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def origin(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(team id, enterprise id) of a parsed request, wherever its kind keeps them."""
    team, enterprise = body.get("team"), body.get("enterprise")
    team_id = _str(body.get("team_id")) or (_str(team.get("id")) if isinstance(team, dict) else None)
    enterprise_id = _str(body.get("enterprise_id")) or (
        _str(enterprise.get("id")) if isinstance(enterprise, dict) else None
    )
    return team_id, enterprise_id


NOBODY = "-"  # the lane of requests that name no user


def person(body: Mapping[str, Any]) -> str:
    """Whose lane a request goes on: the Slack user it is about."""
    user = body.get("user_id") or body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    event = body.get("event")
    if not user and isinstance(event, dict):
        user = event.get("user")
        if isinstance(user, dict):
            user = user.get("id")
        edited = event.get("message")
        if not user and isinstance(edited, dict):  # an edit: its author is on the message
            user = edited.get("user")
    return str(user) if isinstance(user, str) and user else NOBODY


class Gateway:
    def __init__(
        self,
        app: App,
        lanes: Lanes,
        workspaces: Workspaces,
        *,
        signing_secret: str | None,
        max_body: int = MAX_BODY,
        now: Callable[[], float] = time.time,
        direct: Callable[[dict[str, Any]], Callable[[], None] | None] | None = None,
    ) -> None:
        self.app = app
        self._direct = direct
        self.lanes = lanes
        self.workspaces = workspaces
        self._secret = signing_secret.encode() if signing_secret else None
        self._max_body = max_body
        self._now = now

    # ---- HTTP ------------------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, body, content_type = self._http(environ)
        reason = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            405: "Method Not Allowed",
            411: "Length Required",
            413: "Payload Too Large",
            503: "Service Unavailable",
        }.get(status, "")
        start_response(
            f"{status} {reason}".strip(), [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _http(self, environ: dict[str, Any]) -> Response:
        if environ.get("REQUEST_METHOD") != "POST":
            return 405, b"POST only", "text/plain"
        length_text = environ.get("CONTENT_LENGTH") or ""
        if not length_text.isdecimal():
            return 411, b"length required", "text/plain"
        length = int(length_text)
        if length > self._max_body:
            log.warning("refused a request body of %d bytes (limit %d)", length, self._max_body)
            return 413, b"too large", "text/plain"
        raw = environ["wsgi.input"].read(length)
        headers = {
            k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
        return self.handle(raw, headers)

    def handle(self, raw: bytes, headers: Mapping[str, str]) -> Response:
        """One HTTP request from Slack: raw body and lower-case header names."""
        if self._secret is not None and not self._signed(raw, headers):
            log.warning("refused a request without a valid Slack signature")
            return 401, b"invalid signature", "text/plain"
        try:
            body = parse(raw, headers.get("content-type", ""))
        except BadRequest as error:
            log.warning("refused a malformed request body (%s)", error)
            return 400, b"malformed body", "text/plain"
        if body.get("type") == "url_verification":  # Slack checks the URL when it is configured
            return 200, json.dumps({"challenge": str(body.get("challenge", ""))}).encode(), _JSON
        if body.get("ssl_check"):
            return _EMPTY
        return self.accept(body, headers)

    def _signed(self, raw: bytes, headers: Mapping[str, str]) -> bool:
        """Slack's v0 signature: HMAC-SHA256 over 'v0:<timestamp>:<body>', on the raw bytes."""
        assert self._secret is not None
        timestamp, signature = (
            headers.get("x-slack-request-timestamp", ""),
            headers.get("x-slack-signature", ""),
        )
        if not (timestamp.isascii() and timestamp.isdecimal() and len(timestamp) <= 12):
            return False
        if abs(self._now() - int(timestamp)) > SIGNATURE_AGE:
            return False
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))

    # ---- after the door: shared with Socket Mode ----------------------------------------------------

    def accept(self, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> Response:
        """Admit a parsed request from our workspace, acknowledge it, and queue its work."""
        team, enterprise = origin(body)
        if not self.workspaces.admit(team, enterprise):
            log.warning("refused a request from another workspace (team %s, enterprise %s)", team, enterprise)
            return 403, b"not this workspace", "text/plain"
        job = self._direct(body) if self._direct is not None else None
        if job is not None:
            if not self.lanes.submit(person(body), job):
                log.error("too much work queued: refused a request (Slack retries events)")
                return 503, b"busy", "text/plain"
            return _EMPTY
        request = BoltRequest(body=body, headers=dict(headers or {}), mode="socket_mode")
        if isinstance(body.get("type"), str) and body["type"] in _INLINE:
            response = self.app.dispatch(request)
            return response.status, response.body.encode(), response.headers.get("content-type", [_JSON])[0]
        if not self.lanes.submit(person(body), lambda: self._work(request)):
            log.error("too much work queued: refused a request (Slack retries events)")
            return 503, b"busy", "text/plain"
        return _EMPTY

    def _work(self, request: BoltRequest) -> None:
        response = self.app.dispatch(request)
        if response.status == 404:
            log.debug("no listener for a %s request", request.body.get("type"))
