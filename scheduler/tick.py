"""The tick: one periodic call that asks the database what is due at `now` and writes it to the
outbox. It knows no Slack and keeps no state, so any instance may run it and a restart loses nothing;
the producers' dedupe keys make a tick that runs twice (or on two instances) add each message once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.ports import Conflict, UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200  # rows per transaction: short transactions, no lock held for long


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
            while True:
                try:
                    with self._uow() as uow:
                        seen = producer(uow, now, self._batch)
                        uow.commit()
                except Conflict:  # another instance ran the same tick; the next tick carries on
                    log.info("tick: %s met a concurrent tick", type(producer).__name__)
                    break
                total += seen
                if seen < self._batch:
                    break
        return total
