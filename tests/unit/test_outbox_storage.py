"""The outbox's storage guarantees: a dedupe key adds a message once, a lease keeps a second sender
away until it runs out, and only the lease holder may reschedule or give up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.outbox import Notice, OutboxStatus
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW
from tests.e2e.driver import new_user


def notice(key: str, recipient: str) -> Notice:
    return Notice(
        dedupe_key=key,
        platform="slack",
        recipient=recipient,
        locale="nl",
        template="nudge.intake",
        due_at=NOW,
        not_before=NOW,
        params={"programme_id": "managersruil", "answered": 1, "total": 12, "ready": False, "n": 1},
    )


def test_a_dedupe_key_adds_a_message_once(sessions: sessionmaker[Session]) -> None:
    user = new_user()
    with SqlUnitOfWork(sessions) as uow:
        assert uow.outbox.add(notice(f"test:{user}", user), NOW)
        assert not uow.outbox.add(notice(f"test:{user}", user), NOW)
        assert len(uow.outbox.waiting("slack", user)) == 1


def test_a_lease_keeps_others_away_until_it_runs_out(sessions: sessionmaker[Session]) -> None:
    user = new_user()
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(notice(f"test:{user}", user), NOW)
        [message] = uow.outbox.waiting("slack", user)
        uow.outbox.claim([message.id], "one", NOW, NOW + timedelta(minutes=5))
        due = {m.id for m in uow.outbox.lock_due("slack", NOW + timedelta(minutes=4), 1000)}
        assert message.id not in due
        uow.outbox.retry(message.id, "two", NOW, "not mine", in_doubt=False)  # ignored: not the holder
        claimed = uow.outbox.get(message.id)
        assert claimed is not None
        assert (claimed.attempts, claimed.doubt_since, claimed.last_error) == (1, NOW, None)
        due = {m.id for m in uow.outbox.lock_due("slack", NOW + timedelta(minutes=6), 1000)}
        assert message.id in due


def test_sent_is_recorded_once_and_failed_keeps_its_reason(sessions: sessionmaker[Session]) -> None:
    first, second = new_user(), new_user()
    with SqlUnitOfWork(sessions) as uow:
        uow.outbox.add(notice(f"test:{first}", first), NOW)
        uow.outbox.add(notice(f"test:{second}", second), NOW)
        [one] = uow.outbox.waiting("slack", first)
        [two] = uow.outbox.waiting("slack", second)
        uow.outbox.claim([one.id, two.id], "w", NOW, NOW + timedelta(minutes=5))
        uow.outbox.sent(one.id, NOW, "D1", "1.2")
        uow.outbox.failed(two.id, "w", NOW, "user_not_found")
        uow.outbox.failed(one.id, "w", NOW, "too late: it was sent")
        sent, failed = uow.outbox.get(one.id), uow.outbox.get(two.id)
    assert sent is not None
    assert failed is not None
    assert (sent.status, sent.channel, sent.doubt_since) == (OutboxStatus.SENT, "D1", None)
    assert (failed.status, failed.last_error) == (OutboxStatus.FAILED, "user_not_found")
