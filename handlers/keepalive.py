"""A Slack Web API client that keeps its connections open.

slack-sdk's WebClient opens a new connection for every call, so every message costs a TCP connect
and, against slack.com, a TLS handshake: more CPU than the rest of a reply together. This client
keeps one connection per thread and host and reuses it. Everything else (building the request,
retries, errors, rate limits) stays slack-sdk's own: only the one method that sends a prepared
request is replaced, and it raises what urllib would, so the retry handlers see the same errors.
"""

from __future__ import annotations

import http.client
import io
import select
import ssl
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

Connection = http.client.HTTPConnection


class KeepAliveWebClient(WebClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections = threading.local()

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        parts = urlsplit(url)
        if self.proxy is not None or parts.scheme not in ("http", "https"):
            return super()._perform_urllib_http_request_internal(url, req)
        key = (parts.scheme, parts.hostname or "", parts.port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = self._connection(key)
        try:
            connection.request(req.get_method(), path, body=req.data, headers=dict(req.header_items()))
        except OSError as error:  # as urllib does: a failure to send is a URLError
            self._forget(key)
            raise URLError(error) from error
        try:
            response = connection.getresponse()
            body = response.read()
        except Exception:
            self._forget(key)
            raise
        if response.will_close:
            self._forget(key)
        if response.status >= 400:  # as urllib does: the caller reads status, headers and body from it
            raise HTTPError(url, response.status, response.reason, response.headers, io.BytesIO(body))
        if response.headers.get_content_type() == "application/gzip":  # a file, as slack-sdk returns it
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}

    def _connection(self, key: tuple[str, str, int | None]) -> Connection:
        open_ones: dict[tuple[str, str, int | None], Connection] = self._open()
        connection = open_ones.get(key)
        if connection is not None and _closed_by_peer(connection):
            connection.close()  # the server let an idle connection go: start a new one
            connection = None
        if connection is None:
            scheme, host, port = key
            if scheme == "https":
                context = self.ssl if isinstance(self.ssl, ssl.SSLContext) else ssl.create_default_context()
                connection = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
            else:
                connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
            open_ones[key] = connection
        return connection

    def _forget(self, key: tuple[str, str, int | None]) -> None:
        connection = self._open().pop(key, None)
        if connection is not None:
            connection.close()

    def _open(self) -> dict[tuple[str, str, int | None], Connection]:
        if not hasattr(self._connections, "open"):
            self._connections.open = {}
        return self._connections.open  # type: ignore[no-any-return]


def _closed_by_peer(connection: Connection) -> bool:
    """An idle kept-alive socket that is readable has been closed (or answered out of turn) by the
    server; sending on it would fail, or worse, half-send. Checked before every reuse."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
