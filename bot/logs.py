"""Logging set-up with a filter that keeps secrets out of every log line, whoever logs them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"\bx(?:ox[abpers]|app)-[A-Za-z0-9-]+")


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # A secret too short to be real would blank out ordinary words; tokens are matched by shape anyway.
        self._secrets = [s for s in secrets if len(s) >= 8]

    def redact(self, text: str) -> str:
        text = _TOKEN.sub("xox*-***", text)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, tracebacks included: an exception can carry a token too."""

    def __init__(self, fmt: str, redactor: RedactSecrets) -> None:
        super().__init__(fmt)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self._redactor.redact(super().format(record))


def configure(level: str, secrets: Iterable[str] = ()) -> None:
    redactor = RedactSecrets(secrets)
    handler = logging.StreamHandler()
    handler.addFilter(redactor)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", redactor))
    logging.basicConfig(level=level, handlers=[handler], force=True)
