"""The tick: one periodic call that asks the database what is due at `now` and writes it to the
outbox. It knows no Slack and keeps no state, so any instance may run it and a restart loses nothing;
the producers' dedupe keys make a tick that runs twice (or on two instances) add each message once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.ports import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200  # rows per transaction: short transactions, no lock held for long
MAX_BATCHES = 100  # per producer and tick; the rest waits a minute, and a faulty producer can't spin


class Producer(Protocol):
    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """Write what is due (at most `limit` items) to the outbox; return how many were looked at."""
        ...


class Tick:
    def __init__(
        self, uow: Callable[[], UnitOfWork], producers: Sequence[Producer], batch: int = BATCH
    ) -> None:
        self._uow = uow
        self._producers = producers
        self._batch = batch

    def __call__(self, now: datetime) -> int:
        """Run every producer at `now`; returns how many items they looked at."""
        total = 0
        for producer in self._producers:
            for _ in range(MAX_BATCHES):
                # Two instances may tick at once: dedupe keys and upserts make the second add nothing.
                with self._uow() as uow:
                    seen = producer(uow, now, self._batch)
                    uow.commit()
                total += seen
                if seen < self._batch:
                    break
            else:
                log.warning("tick: %s still has work after %d batches", type(producer).__name__, MAX_BATCHES)
        return total
