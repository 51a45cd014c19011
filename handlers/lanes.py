"""Work after the acknowledgement: one lane per person, a small pool of threads over all lanes.

Slack wants an answer within three seconds, so the gateway acknowledges every request at once and
hands the work to a lane keyed by the person. A lane runs its jobs one after another, in the order
they arrived (two quick messages of one person are never handled at the same time); different lanes
run side by side on the pool. A job that must wait (Slack said 429, Retry-After: 30) does not sleep
on a thread: it *holds* its lane with a continuation, and the thread moves on to other people.

The clock is injected: tests move a fake one instead of waiting in real time.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Timer(Protocol):
    def monotonic(self) -> float: ...
    def wait(self, condition: threading.Condition, seconds: float) -> None:
        """Wait on `condition` (held) for at most `seconds` of this timer's time, or until notified."""
        ...


class RealTimer:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        condition.wait(seconds)


class FakeTimer:
    """Time that moves only when a test says so; waiting lanes wake when it passes their moment."""

    def __init__(self) -> None:
        self._now = 0.0
        self._conditions: set[threading.Condition] = set()

    def monotonic(self) -> float:
        return self._now

    def wait(self, condition: threading.Condition, seconds: float) -> None:
        self._conditions.add(condition)
        condition.wait(0.05)  # a coarse re-check; advance() notifies at once

    def advance(self, seconds: float) -> None:
        self._now += seconds
        for condition in list(self._conditions):
            with condition:
                condition.notify_all()


@dataclass
class _Lane:
    jobs: deque[Job] = field(default_factory=deque)
    busy: bool = False  # queued as ready, running, or held
    held_until: float | None = None


class _Context(threading.local):
    lane: str | None = None
    hold: tuple[float, Job] | None = None


class Lanes:
    """Per-key serial execution on `workers` threads, with a cap on queued jobs (back-pressure)."""

    def __init__(self, workers: int = 8, *, max_queued: int = 10_000, timer: Timer | None = None) -> None:
        self._timer = timer or RealTimer()
        self._max_queued = max_queued
        # One lock, three things to wait for: work for a worker, a held lane's moment for the timer,
        # and an empty pool for drain(). Separate conditions, so finishing a job wakes one thread,
        # not every idle one.
        mutex = threading.Lock()
        self._lock = threading.Condition(mutex)  # held for all state; waited on for work
        self._timer_due = threading.Condition(mutex)
        self._quiet = threading.Condition(mutex)
        self._lanes: dict[str, _Lane] = {}
        self._ready: deque[str] = deque()
        self._held: list[tuple[float, int, str]] = []  # heap of (until, tie-breaker, key)
        self._order = itertools.count()
        self._queued = 0
        self._running = 0
        self._closed = False
        self._context = _Context()
        self._threads = [
            threading.Thread(target=self._work, name=f"lane-worker-{n}", daemon=True) for n in range(workers)
        ]
        self._threads.append(threading.Thread(target=self._wake_held, name="lane-timer", daemon=True))
        for thread in self._threads:
            thread.start()

    def submit(self, key: str, job: Job) -> bool:
        """Queue `job` on lane `key`; False when the queue is full or closed (the caller says 503)."""
        with self._lock:
            if self._closed or self._queued >= self._max_queued:
                return False
            lane = self._lanes.setdefault(key, _Lane())
            lane.jobs.append(job)
            self._queued += 1
            if not lane.busy:
                lane.busy = True
                self._ready.append(key)
                self._lock.notify()  # only workers wait on this one (timer and drain have their own)
            return True

    def hold(self, seconds: float, then: Job) -> None:
        """From inside a running job: when it returns, keep its lane waiting `seconds`, then run `then`
        before anything else queued on that lane."""
        if self._context.lane is None:
            raise RuntimeError("Lanes.hold() is only for a job running on a lane")
        self._context.hold = (self._timer.monotonic() + max(0.0, seconds), then)

    @property
    def current(self) -> str | None:
        """The lane of the job running on this thread, if any."""
        return self._context.lane

    def waiting(self) -> int:
        """How many lanes are held (waiting out a Retry-After)."""
        with self._lock:
            return len(self._held)

    def idle(self) -> bool:
        with self._lock:
            return self._queued == 0 and self._running == 0 and not self._held

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait (real time) until every queued job has run; for a graceful stop and for tests."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._queued or self._running or self._held:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._quiet.wait(min(remaining, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Stop taking work, finish what was queued (up to `timeout`), stop the threads."""
        if not self.drain(timeout):
            with self._lock:
                left, held = self._queued, len(self._held)
            log.warning(
                "stopping with %d jobs not done (%d lanes waiting on Slack); their answers are stored",
                left,
                held,
            )
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            self._timer_due.notify_all()
        for thread in self._threads:
            thread.join(timeout=1)

    # ---- the threads ------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._ready and not self._closed:
                    self._lock.wait()
                if self._closed and not self._ready:
                    return
                key = self._ready.popleft()
                lane = self._lanes[key]
                job = lane.jobs.popleft()
                self._queued -= 1
                self._running += 1
            self._context.lane, self._context.hold = key, None
            try:
                job()
            except Exception:  # a job's own error handling failed: log it and keep the lane going
                log.exception("a job on a conversation lane failed")
            finally:
                hold, self._context.lane, self._context.hold = self._context.hold, None, None
                self._finish(key, lane, hold)

    def _finish(self, key: str, lane: _Lane, hold: tuple[float, Job] | None) -> None:
        with self._lock:
            self._running -= 1
            if hold is not None:
                until, then = hold
                lane.jobs.appendleft(then)
                self._queued += 1
                lane.held_until = until
                heapq.heappush(self._held, (until, next(self._order), key))
                self._timer_due.notify()
            elif lane.jobs:
                self._ready.append(key)
                self._lock.notify()
            else:
                lane.busy = False
                del self._lanes[key]  # no memory per person once they are quiet
            if not (self._queued or self._running or self._held):
                self._quiet.notify_all()

    def _wake_held(self) -> None:
        with self._lock:
            while not self._closed:
                now = self._timer.monotonic()
                while self._held and self._held[0][0] <= now:
                    _, _, key = heapq.heappop(self._held)
                    self._lanes[key].held_until = None
                    self._ready.append(key)
                    self._lock.notify()
                wait = self._held[0][0] - now if self._held else 1.0
                self._timer.wait(self._timer_due, min(wait, 1.0))
