"""Several instances and the scheduler's own wiring: two senders against one PostgreSQL database send
every message exactly once; the runner (what `ruilbot worker`, `serve` and `socket` start) delivers a
nudge on its own. These commit for real, as the bot does; each test uses recipients of its own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.bootstrap import Services, bootstrap, wire
from bot.clock import FixedClock
from bot.outbox import Notice, OutboxStatus
from scheduler.runner import Runner
from storage.database import make_sessions
from tests.consenting import consenting
from tests.e2e.driver import new_user
from tests.e2e.test_outbox import begin, nudges, sender_for
from tests.slack_standin import SlackStandIn

pytestmark = pytest.mark.e2e


@pytest.fixture
def slack(clock: FixedClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=clock.now) as standin:
        yield standin


def test_two_workers_send_every_message_exactly_once(
    engine: Engine, slack: SlackStandIn, clock: FixedClock
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("several instances need PostgreSQL (SKIP LOCKED); on SQLite one instance is supported")
    services = consenting(wire(make_sessions(engine), clock=clock))
    clock.advance(timedelta(days=3))  # Monday morning: inside the contact window
    now, run = clock.now(), uuid.uuid4().hex[:8]
    recipients = [new_user() for _ in range(60)]
    with services.uow() as uow:
        for n, recipient in enumerate(recipients):
            notice = Notice(
                dedupe_key=f"test-two-workers:{run}:{n}",
                platform="slack",
                recipient=recipient,
                locale="nl",
                template="nudge.intake",
                due_at=now,
                not_before=now,
                params={"programme_id": "managersruil", "answered": 1, "total": 12, "ready": False, "n": 1},
            )
            assert uow.outbox.add(notice, now)
        uow.commit()
    # Some posts are made and then answered with a 500, some fail outright: both workers retry.
    slack.post_then_fail(500, times=4)
    slack.fail_next("chat.postMessage", status=503, times=3)
    workers = [
        sender_for(services, slack, worker=f"w{i}", per_second=1000, burst=1000, batch=7) for i in (1, 2)
    ]

    sent = [0, 0]

    def drain(worker_index: int) -> None:
        sender = workers[worker_index]
        while (report := sender.run_once(clock.now())).busy:
            sent[worker_index] += report.sent + report.found

    for _ in range(12):  # rounds; between them the clock moves past every backoff
        threads = [threading.Thread(target=drain, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        clock.advance(timedelta(minutes=10))
    for worker in workers:
        worker.close()

    assert [len(nudges(slack, r)) for r in recipients] == [1] * len(recipients)
    with services.uow() as uow:
        ids = [int(nudges(slack, r)[0]["metadata"]["event_payload"]["id"]) for r in recipients]
        stored = [uow.outbox.get(i) for i in ids]
    assert all(m is not None and m.status is OutboxStatus.SENT for m in stored)
    assert sum(sent) >= len(recipients)  # on a shared database, older tests may have left some due
    assert min(sent) > 0  # both took part: the work was shared, not done by one while the other waited


def test_the_runner_ticks_and_sends_on_its_own(
    database_url: str, slack: SlackStandIn, clock: FixedClock
) -> None:
    services: Services = consenting(bootstrap(database_url, clock=clock))
    try:
        user = new_user()
        begin(services, user, "finacien")
        clock.advance(timedelta(days=3))
        sender = sender_for(
            services, slack, worker=f"runner-{uuid.uuid4().hex[:6]}", per_second=1000, burst=1000
        )
        runner = Runner(services, sender)
        runner.start()  # the first tick runs at once
        try:
            slack.wait_for(lambda: nudges(slack, user), timeout=10)
        finally:
            runner.stop()
        assert len(nudges(slack, user)) == 1
    finally:
        services.close()


def test_two_ticks_at_once_queue_one_nudge(engine: Engine, slack: SlackStandIn, clock: FixedClock) -> None:
    services = consenting(wire(make_sessions(engine), clock=clock))
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(timedelta(days=3))
    start = threading.Barrier(2)

    def tick() -> None:
        start.wait()
        services.tick(clock.now())

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with services.uow() as uow:
        assert len(uow.outbox.waiting("slack", user)) == 1
