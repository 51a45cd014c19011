"""Builds the bolt App around the core's services, and serves it over HTTP or Socket Mode."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from waitress.server import create_server

from bot.bootstrap import Services
from handlers import actions, commands, errors, home, messages
from handlers.context import DirectMessages

log = logging.getLogger(__name__)
SURFACES = (commands, messages, actions, home, errors)


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack-sdk retries only 500 and 503; a 502 or 504 from a proxy on the way is just as passing."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and 500 <= response.status_code <= 599


def web_client(token: str, api_url: str) -> WebClient:
    """A Web API client that waits out 429s (honouring Retry-After) and retries 5xx and dropped
    connections a few times."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            AnyServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def build_app(services: Services, *, token: str, api_url: str, signing_secret: str | None) -> App:
    app = App(
        client=web_client(token, api_url),
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,  # Socket Mode needs no signatures
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def skip_retried_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        # Slack redelivers an event it thinks we missed (X-Slack-Retry-Num); its id tells us we did not.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not services.first_time(str(event_id)):
            log.info("ignoring redelivered event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()  # type: ignore[no-any-return]

    dms = DirectMessages()
    for surface in SURFACES:
        surface.register(app, services, dms)
    return app


def serve_http(app: App, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - a server listens
    """Events, slash commands and interactivity all arrive at /slack/events."""
    server = http_server(app, port, host)
    log.info("ruilbot listens on http://%s:%s/slack/events", host, port)
    server.run()


def http_server(app: App, port: int, host: str = "127.0.0.1") -> Any:
    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/slack/events":
            return handler(environ, start_response)
        if environ.get("PATH_INFO") == "/health":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return create_server(wsgi, host=host, port=port, threads=8, ident="ruilbot")


def serve_socket(app: App, app_token: str) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token).start()  # type: ignore[no-untyped-call]
