"""A reminder to 5,000 people through the outbox sender and the Slack stand-in, with Slack's limits:
a per-method token bucket for chat.postMessage and about one post a second per channel, both
answering 429 with Retry-After past them. Prints the time taken against the theoretical minimum under
those limits, duplicates and lost messages (both must be 0), and the sender's memory.

The real chat.postMessage allows roughly one post a second per channel and a workspace a few hundred
a minute; 5,000 DMs at that pace take tens of minutes. The bench scales the per-method limit up
(default 250 a second, bursts of 25), so one run takes about 20 seconds but the sender still has to
pace itself against a limit it would overrun if it did not: it can post faster than that.

The stand-in runs in a process of its own, so the memory figure is the sender's (and its database
driver's), and the two do not share one interpreter lock.

Run: .venv/bin/python bench/fanout.py [--recipients 5000] [--per-second 250] [--burst 25]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.slack_standin

from sqlalchemy import func, select

from bot.bootstrap import bootstrap
from bot.clock import SystemClock
from bot.outbox import Notice, Notices, OutboxStatus
from bot.quiet_hours import Window
from scheduler.sender import SenderPolicy, SlackSender, sender_client
from storage.database import make_engine
from storage.models import OutboxRow
from tests.slack_standin import DEFAULT_TOKEN, SlackStandIn

# The bench runs at any hour: a window that is always open, so quiet hours do not hold it up.
ALWAYS = Window(frozenset(range(7)), clock_time(0, 0), clock_time.max, skip_holidays=False)


def standin(pipe: Connection, per_second: float, burst: int) -> None:
    """The child process: serve the stand-in with Slack's limits until asked for the figures."""
    with SlackStandIn() as slack:
        slack.rate_limit("chat.postMessage", per_second, burst=burst)
        slack.rate_limit("chat.postMessage", 1.0, burst=1, per_channel=True)
        pipe.send(slack.api_url)
        pipe.recv()  # "report"
        posts = Counter(int(c.status) for c in slack.calls("chat.postMessage"))
        ids: Counter[int] = Counter()
        for channel in slack.channels():
            for message in slack.history(channel):
                ids[int(message["metadata"]["event_payload"]["id"])] += 1
        pipe.send((dict(posts), dict(ids)))


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument(
        "--per-second", type=float, default=250.0, help="the stand-in's chat.postMessage limit"
    )
    parser.add_argument("--burst", type=int, default=25)
    parser.add_argument(
        "--sender-rate", type=float, default=None, help="the pace the sender keeps (default: the limit)"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database", default=None, help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=standin, args=(theirs, args.per_second, args.burst), daemon=True)
    child.start()
    api_url = ours.recv()

    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'fanout.sqlite3'}"
        clock = SystemClock()
        services = bootstrap(url, clock=clock, migrate=True)
        now, run = clock.now(), f"{time.time_ns()}"
        with services.uow() as uow:  # the producer's side: one transaction, one row per person
            for n in range(args.recipients):
                notice = Notice(
                    dedupe_key=f"bench-reminder:{run}:{n}",
                    platform="slack",
                    recipient=f"U{n:08d}",
                    locale="nl" if n % 3 else "en",
                    template="nudge.intake",
                    due_at=now,
                    not_before=now,
                    params={
                        "programme_id": "managersruil",
                        "answered": 3,
                        "total": 12,
                        "ready": False,
                        "n": 1,
                    },
                )
                uow.outbox.add(notice, now)
            uow.commit()

        # The sender paces itself at the limit it is told; it does not know the stand-in's.
        policy = SenderPolicy(
            per_second=args.sender_rate or args.per_second,
            burst=args.burst,
            concurrency=args.concurrency,
            batch=100,
        )
        client = sender_client(DEFAULT_TOKEN, api_url, timeout=10)
        sender = SlackSender(
            services.uow,
            client,
            Notices(services.catalogue),
            lambda _: ALWAYS,
            worker="bench",
            policy=policy,
        )
        before = rss_mib()
        started = time.perf_counter()
        delivered = limited = retried = failed = 0
        while delivered + failed < args.recipients:
            report = sender.run_once(clock.now())
            delivered += report.sent + report.found
            limited += report.rate_limited
            retried += report.retried
            failed += report.failed
            # With no next_at, only messages waiting out a Retry-After or a busy channel are left.
            pause = (report.next_at - clock.now()).total_seconds() if report.next_at else 0.05
            if pause > 0:
                time.sleep(pause)  # a bench, not a test: the runner waits the same way
        elapsed = time.perf_counter() - started
        peak = rss_mib()
        sender.close()
        engine = make_engine(url)
        with engine.connect() as connection:
            statuses = Counter(
                dict(
                    connection.execute(
                        select(OutboxRow.status, func.count())
                        .where(OutboxRow.dedupe_key.startswith(f"bench-reminder:{run}:"))
                        .group_by(OutboxRow.status)
                    ).all()
                )
            )
        engine.dispose()
        services.close()

    ours.send("report")
    posts, ids = ours.recv()
    child.join(timeout=5)

    minimum = max(0.0, (args.recipients - args.burst) / args.per_second)
    duplicates = sum(count - 1 for count in ids.values() if count > 1)
    lost = args.recipients - len(ids)
    print(f"recipients:              {args.recipients}")
    limits = f"chat.postMessage {args.per_second:g}/s (burst {args.burst}), 1/s per channel"
    print(f"limits:                  {limits}")
    print(f"time taken:              {elapsed:6.2f} s")
    print(f"theoretical minimum:     {minimum:6.2f} s  ((recipients - burst) / rate)")
    print(f"ratio:                   {elapsed / minimum:6.3f}" if minimum else "ratio:                   n/a")
    print(f"posts answered:          {posts}  (429s seen by the sender: {limited})")
    print(f"retries (5xx/timeouts):  {retried}, failed: {failed}")
    print(f"outbox statuses:         {dict(statuses)}")
    print(f"duplicates:              {duplicates}")
    print(f"lost:                    {lost}")
    print(f"sender memory:           peak RSS {peak:.0f} MiB, {peak - before:+.0f} MiB during the send")
    if duplicates or lost or statuses.get(OutboxStatus.SENT.value, 0) != args.recipients:
        raise SystemExit("FAILED: every message must arrive exactly once")


if __name__ == "__main__":
    main()
