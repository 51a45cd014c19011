"""Builds the Slack side around the core's services, and serves it over HTTP or Socket Mode.

`build_app` wires bolt (routing and listener arguments), the gateway (signatures, limits, workspace,
acknowledgement) and the lanes (work after the acknowledgement, one lane per person)."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from waitress.server import create_server

from bot.bootstrap import Services
from handlers import actions, commands, coordinators, errors, home, messages, modals, proposals
from handlers.context import DirectMessages
from handlers.gateway import MAX_BODY, Gateway, Workspaces
from handlers.keepalive import KeepAliveWebClient
from handlers.lanes import Lanes, Timer

log = logging.getLogger(__name__)
SURFACES = (messages, commands, actions, modals, proposals, home, coordinators, errors)
WORKERS = 4  # threads over all lanes; more only add contention for the one interpreter lock
HTTP_THREADS = 4  # the gateway only checks, parses and queues
CONNECTIONS = 2048


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack-sdk retries only 500 and 503; a 502 or 504 from a proxy on the way is just as passing."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return response is not None and 500 <= response.status_code <= 599


def web_client(token: str, api_url: str, backoff: RetryIntervalCalculator | None = None) -> WebClient:
    """A Web API client that keeps its connections open, and retries 5xx and dropped connections a few
    times, with `backoff` between tries (tests pass one that does not wait). A 429 is not retried
    here: the caller parks the work on its lane until Retry-After has passed, so no thread sleeps."""
    backoff = backoff or BackoffRetryIntervalCalculator(backoff_factor=0.5)
    return KeepAliveWebClient(
        token=token,
        base_url=api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
            AnyServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        ],
    )


def build_app(
    services: Services,
    *,
    token: str,
    api_url: str,
    signing_secret: str | None,
    workspaces: Iterable[str] = (),
    workers: int = WORKERS,
    timer: Timer | None = None,
    backoff: RetryIntervalCalculator | None = None,
) -> Gateway:
    """The Slack app. `workspaces` are the team (T…) or enterprise (E…) ids to serve; by default the
    workspace the token belongs to, as auth.test says."""
    client = web_client(token, api_url, backoff)
    app = App(
        client=client,
        request_verification_enabled=False,  # the gateway checks signatures, before parsing
        process_before_response=True,  # listeners run on the lanes, after the gateway's ack
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def one_client(context: Any, next: Any) -> Any:
        # bolt makes a new Web API client for every request; ours keeps its connections open.
        context["client"] = client
        return next()

    auth: Any = client.auth_test()  # who the bot is, and by default where it serves
    allowed = Workspaces.of(workspaces)
    if not allowed.teams and not allowed.enterprises:
        # A workspace install inside an Enterprise Grid serves that workspace, not the whole
        # organisation; only an org-wide install serves its enterprise.
        org_wide = bool(auth.get("is_enterprise_install"))
        allowed = Workspaces.of(
            [str(auth.get("team_id") or ""), str(auth.get("enterprise_id") or "") if org_wide else ""]
        )
    lanes = Lanes(workers, timer=timer)
    dms = DirectMessages(services.intake, lanes)
    for surface in SURFACES:
        surface.register(app, services, dms)
    direct = messages.DirectRoute(
        client,
        messages.listener(services, dms),
        errors.handler(services, dms),
        me=(auth.get("user_id"), auth.get("bot_id")),
    )
    return Gateway(app, lanes, allowed, signing_secret=signing_secret, direct=direct)


def listening_socket(port: int, host: str = "0.0.0.0") -> socket.socket:  # noqa: S104 - a server listens
    """One listening socket for several processes: each accepts from it, the kernel shares the load."""
    return socket.create_server((host, port), backlog=CONNECTIONS)


def http_server(
    gateway: Gateway, port: int, host: str = "127.0.0.1", sock: socket.socket | None = None
) -> Any:
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/slack/events":
            return gateway.wsgi(environ, start_response)
        if environ.get("PATH_INFO") == "/health":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    return create_server(
        wsgi,
        **where,
        threads=HTTP_THREADS,
        ident="ruilbot",
        max_request_body_size=MAX_BODY,
        # waitress stops accepting at 100 open connections by default; Slack (and a crowd behind a
        # proxy that keeps connections alive) can hold more, and a refused connect waits seconds.
        connection_limit=CONNECTIONS,
        backlog=CONNECTIONS,
    )


def serve_http(
    gateway: Gateway,
    port: int,
    host: str = "0.0.0.0",  # noqa: S104 - a server listens
    sock: socket.socket | None = None,
) -> None:
    """Events, slash commands and interactivity all arrive at /slack/events. On SIGTERM the server
    stops taking requests and the lanes finish what was acknowledged."""
    server = http_server(gateway, port, host, sock)

    def stop(_signum: int, _frame: Any) -> None:
        server.trigger.pull_trigger(server.close)

    signal.signal(signal.SIGTERM, stop)
    log.info("ruilbot listens on http://%s:%s/slack/events", host, port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        gateway.lanes.close()


def serve_socket(gateway: Gateway, app_token: str) -> None:
    """Socket Mode: each envelope is acknowledged first, then its work goes on the person's lane."""
    import threading

    from slack_sdk.socket_mode import SocketModeClient
    from slack_sdk.socket_mode.client import BaseSocketModeClient
    from slack_sdk.socket_mode.request import SocketModeRequest
    from slack_sdk.socket_mode.response import SocketModeResponse

    def on_request(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        payload = request.payload if isinstance(request.payload, dict) else {}
        if payload.get("type") in ("view_submission", "block_suggestion"):
            _, body, _ = gateway.accept(payload)  # answered inline: the answer is the ack
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id, _json(body)))
            return
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id))
        gateway.accept(payload)

    client = SocketModeClient(app_token=app_token, web_client=gateway.app.client)
    client.socket_mode_request_listeners.append(on_request)
    client.connect()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
        gateway.lanes.close()


def _json(body: bytes) -> Any:
    import json

    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
