"""APScheduler wiring. APScheduler 3 has no clock to inject, so it only decides *when* to look: one
periodic job runs the tick at the services' clock `now`. The sender runs in a thread of its own that
waits until its next `not_before` (or until the tick wakes it), so a Retry-After never blocks the tick
and the tick never blocks a send."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.bootstrap import Services
from scheduler.sender import SlackSender

log = logging.getLogger(__name__)
TICK_EVERY = timedelta(minutes=1)


class Runner:
    def __init__(
        self, services: Services, sender: SlackSender | None, *, tick_every: timedelta = TICK_EVERY
    ) -> None:
        self._services = services
        self._sender = sender
        self._tick_every = tick_every
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._scheduler = BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        # APScheduler logs every run of every job at INFO: a line a minute that says nothing.
        logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self._tick_every.total_seconds(),
            next_run_time=datetime.now(UTC),  # once at start-up: catch up on what fell due while down
            id="tick",
            coalesce=True,  # after a pause, one tick catches up; the database knows what is due
            max_instances=1,
        )
        self._scheduler.start()
        if self._sender is not None:
            self._thread = threading.Thread(target=self._send, name="outbox-sender", daemon=True)
            self._thread.start()
        log.info(
            "scheduler started: tick every %s, sender %s", self._tick_every, "on" if self._sender else "off"
        )

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self._sender is not None:
            self._sender.close()

    def wait(self) -> None:
        """Block until `stop()` (the worker's main thread)."""
        self._stop.wait()

    def tick(self) -> None:
        try:
            found = self._services.tick(self._services.clock.now())
        except Exception:  # the next tick tries again; one bad tick must not stop the scheduler
            log.exception("the tick failed")
            return
        if found:
            self._wake.set()

    def _send(self) -> None:
        assert self._sender is not None
        idle = self._sender.policy.idle
        while not self._stop.is_set():
            now = self._services.clock.now()
            try:
                report = self._sender.run_once(now)
            except Exception:  # the database or Slack is away; what was claimed is safe under its lease
                log.exception("the outbox sender failed; trying again shortly")
                wait = idle
            else:
                wait = idle if report.next_at is None else min(idle, max(report.next_at - now, timedelta(0)))
            if wait > timedelta(0):
                self._wake.wait(wait.total_seconds())
            self._wake.clear()
