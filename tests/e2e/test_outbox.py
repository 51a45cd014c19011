"""The bot reaches out: nudges for stalled intakes go through the outbox to the Slack stand-in, exactly
once, whatever Slack does on the way. No test sleeps: the clock is moved and the tick and the sender
are called at that moment.

These run in a transaction that is rolled back, but the database may hold intakes that other
end-to-end tests committed: so every assertion is about this test's own people, and faults are aimed
at their DM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.bootstrap import Services
from bot.clock import AMSTERDAM, FixedClock
from bot.outbox import Notices, OutboxMessage, OutboxStatus
from bot.ports import UnitOfWork
from bot.services import UserRef
from scheduler.sender import Report, SenderPolicy, SlackSender, sender_client
from tests.e2e.driver import buttons_in, new_user, visible_text
from tests.slack_standin import DEFAULT_TOKEN, SlackStandIn

pytestmark = pytest.mark.e2e
THREE_DAYS = timedelta(days=3)
TIMEOUT = 0.3  # the sender's patience with Slack in these tests; a late answer comes after 1 s


@pytest.fixture
def slack(clock: FixedClock) -> Iterator[SlackStandIn]:
    # Message ts follow the test's clock, so conversations.history(oldest=...) means what the bot means.
    with SlackStandIn(clock=clock.now) as standin:
        yield standin


def sender_for(
    services: Services,
    slack: SlackStandIn,
    worker: str = "worker-1",
    uow: Callable[[], UnitOfWork] | None = None,
    **policy: Any,
) -> SlackSender:
    return SlackSender(
        uow or services.uow,
        sender_client(DEFAULT_TOKEN, slack.api_url, timeout=TIMEOUT),
        Notices(services.catalogue),
        services.window,
        worker=worker,
        policy=SenderPolicy(**{"timeout": TIMEOUT, "per_second": 1000.0, "burst": 1000, **policy}),
    )


def begin(services: Services, user: str, *answers: str) -> UserRef:
    me = UserRef("slack", user)
    services.intake.start(me)
    for answer in answers:
        services.intake.text(me, answer)
    return me


def nudges(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    """The nudges in the person's DM, as they see them (also those Slack posted but answered badly)."""
    return [m for m in slack.history(user) if (m.get("metadata") or {}).get("event_type") == "ruilbot_outbox"]


def queued(services: Services, user: str) -> list[OutboxMessage]:
    with services.uow() as uow:
        return uow.outbox.waiting("slack", user)


def stored(services: Services, nudge: dict[str, Any]) -> OutboxMessage:
    """The outbox row behind a message in a DM, found by the id in its metadata."""
    with services.uow() as uow:
        message = uow.outbox.get(int(nudge["metadata"]["event_payload"]["id"]))
    assert message is not None
    return message


def settle(sender: SlackSender, clock: FixedClock, step: timedelta, rounds: int = 20) -> list[Report]:
    """Run the sender `rounds` times, moving the clock by `step` between rounds."""
    reports = []
    for _ in range(rounds):
        reports.append(sender.run_once(clock.now()))
        clock.advance(step)
    return reports


def test_an_intake_left_for_three_days_gets_a_warm_nudge(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien", "Directie Begroting")  # Friday 27 November, 10:30 in Amsterdam
    sender = sender_for(services, slack)
    clock.advance(THREE_DAYS - timedelta(minutes=1))
    services.tick(clock.now())
    assert queued(services, user) == []  # not yet
    clock.advance(timedelta(minutes=1))  # Monday 30 November, 10:30
    services.tick(clock.now())
    assert len(queued(services, user)) == 1
    sender.run_once(clock.now())
    [nudge] = nudges(slack, user)
    shown = visible_text(nudge["blocks"])
    assert "Managersruil" in shown
    assert "2 van de 12 vragen" in shown  # where the person stands
    assert "Typ /ruil managersruil en" in shown  # how to go on with this programme
    assert "Typ /ruil managersruil stop" in shown  # and how to stop
    assert "Ga verder met de intake" in shown  # the button that resumes it
    assert nudge["metadata"]["event_payload"]["id"] > 0


def test_at_most_two_nudges_three_days_apart_then_silence(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    sender = sender_for(services, slack)
    for _ in range(5):  # fifteen days of ticks, one every six hours
        for _ in range(12):
            clock.advance(timedelta(hours=6))
            services.tick(clock.now())
            sender.run_once(clock.now())
    first, second = nudges(slack, user)
    assert "laatste herinnering" not in first["text"]
    assert "laatste herinnering" in second["text"]
    assert float(second["ts"]) - float(first["ts"]) >= THREE_DAYS.total_seconds()


def test_answering_again_resets_the_wait(services: Services, slack: SlackStandIn, clock: FixedClock) -> None:
    user = new_user()
    me = begin(services, user, "finacien")
    clock.advance(timedelta(days=2))
    services.intake.text(me, "Directie Begroting")
    clock.advance(timedelta(days=2))
    services.tick(clock.now())
    assert queued(services, user) == []  # touched two days ago
    clock.advance(timedelta(days=1))
    services.tick(clock.now())
    assert len(queued(services, user)) == 1


def test_confirmed_and_stopped_intakes_get_no_nudge(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    stopped = begin(services, new_user(), "finacien")
    services.intake.text(stopped, "stop")
    services.intake.text(stopped, "ja")
    confirmed = begin(services, new_user())
    for answer in ("finacien", "Directie Begroting", "Afdelingshoofd", "15", "beleid", "uitvoering, staf"):
        services.intake.text(confirmed, answer)
    for answer in ("bzk en ocw", "12 maanden", "1 maart", "ja, steunt het", "Den Haag", "Leren", "ja"):
        services.intake.text(confirmed, answer)
    assert not services.intake.is_open(confirmed)
    clock.advance(timedelta(days=4))
    services.tick(clock.now())
    assert queued(services, stopped.external_id) == []
    assert queued(services, confirmed.external_id) == []


def test_a_person_whose_nudges_are_off_gets_none(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    quiet, chatty = new_user(), new_user()
    begin(services, quiet, "finacien")
    begin(services, chatty, "finacien")
    with services.uow() as uow:
        person = uow.participants.find("slack", quiet)
        assert person is not None
        uow.preferences.set_nudges(person.id, False, clock.now())
        uow.commit()
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    sender_for(services, slack).run_once(clock.now())
    assert nudges(slack, quiet) == []
    assert len(nudges(slack, chatty)) == 1


def test_a_tick_that_runs_twice_adds_the_nudge_once(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    services.tick(clock.now())
    assert len(queued(services, user)) == 1
    settle(sender_for(services, slack), clock, timedelta(seconds=1))
    assert len(nudges(slack, user)) == 1


def test_a_nudge_due_on_saturday_waits_for_monday_nine(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    clock.advance(-timedelta(days=2))  # Wednesday 25 November, 10:30 in Amsterdam
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)  # Saturday
    services.tick(clock.now())
    [waiting] = queued(services, user)
    assert waiting.not_before.astimezone(AMSTERDAM).strftime("%A %H:%M") == "Monday 09:00"
    sender = sender_for(services, slack)
    while clock.now().astimezone(AMSTERDAM).hour != 8 or clock.now().astimezone(AMSTERDAM).weekday() != 0:
        sender.run_once(clock.now())
        clock.advance(timedelta(minutes=30))
    assert nudges(slack, user) == []  # Monday 08:xx: still nothing
    clock.advance(timedelta(minutes=60))
    sender.run_once(clock.now())
    [nudge] = nudges(slack, user)
    sent_at = float(nudge["ts"])
    assert clock.now().timestamp() - 1 <= sent_at <= clock.now().timestamp() + 1


def test_a_post_answered_with_a_500_is_found_in_the_history_and_not_posted_again(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    slack.fail_next("chat.postMessage", status=500, times=2, channel=user)  # nothing posted
    slack.post_then_fail(500, channel=user)  # posted, then a 500: the sender cannot know
    sender = sender_for(services, slack)
    reports = settle(sender, clock, timedelta(minutes=5))
    assert len(nudges(slack, user)) == 1
    assert sum(r.found for r in reports) == 1  # found in the history, not posted again
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == user]) == 3


def test_after_three_500s_a_429_and_a_timeout_after_posting_the_person_has_exactly_one_nudge(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    other = new_user()
    begin(services, other, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    sender = sender_for(services, slack)
    slack.fail_next("chat.postMessage", status=500, times=3, channel=other)
    slack.fail_next("chat.postMessage", status=429, retry_after=7, channel=other)
    slack.post_then_fail(None, delay=1.0, channel=other)
    settle(sender, clock, timedelta(minutes=5))
    assert len(nudges(slack, other)) == 1
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == other]) == 5
    history_checks = slack.calls("conversations.history")
    assert all(c.args.get("include_all_metadata") in ("1", "true", True) for c in history_checks)
    [nudge] = nudges(slack, other)
    assert stored(services, nudge).status is OutboxStatus.SENT
    assert stored(services, nudge).attempts == 6  # five posts and the history check that found it


def test_a_429_waits_for_retry_after_without_holding_up_the_others(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    users = [new_user() for _ in range(3)]
    for user in users:
        begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    slack.fail_next("chat.postMessage", status=429, retry_after=30, channel=users[0])
    sender = sender_for(services, slack)
    sender.run_once(clock.now())
    assert [len(nudges(slack, u)) for u in users] == [0, 1, 1]
    clock.advance(timedelta(seconds=29))
    sender.run_once(clock.now())
    assert len(nudges(slack, users[0])) == 0  # Retry-After is not over yet
    clock.advance(timedelta(seconds=1))
    sender.run_once(clock.now())
    assert [len(nudges(slack, u)) for u in users] == [1, 1, 1]


def test_a_permanent_refusal_is_recorded_and_never_retried(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    slack.refuse_next("chat.postMessage", "account_inactive", channel=user)
    sender = sender_for(services, slack)
    for _ in range(4):
        sender.run_once(clock.now())
        clock.advance(timedelta(hours=1))
    [post] = [c for c in slack.calls("chat.postMessage") if c.args["channel"] == user]
    message = stored(services, post.args)
    assert (message.status, message.last_error) == (OutboxStatus.FAILED, "account_inactive")


def test_a_sender_that_dies_after_posting_leaves_no_duplicate(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())

    class Died(Exception):
        pass

    calls = {"n": 0}

    def dies_before_recording() -> UnitOfWork:
        calls["n"] += 1
        uow = services.uow()
        if calls["n"] == 2:  # the first transaction claims; the second would record the post

            def crash() -> None:
                raise Died

            uow.commit = crash  # type: ignore[method-assign]
        return uow

    doomed = sender_for(services, slack, worker="doomed", uow=dies_before_recording)
    with pytest.raises(Died):
        doomed.run_once(clock.now())
    assert len(nudges(slack, user)) == 1  # it did post

    heir = sender_for(services, slack, worker="heir")
    heir.run_once(clock.now())
    [nudge] = nudges(slack, user)
    assert stored(services, nudge).status is OutboxStatus.PENDING  # the lease still holds
    clock.advance(SenderPolicy().lease + timedelta(seconds=1))
    assert heir.run_once(clock.now()).found >= 1
    assert len(nudges(slack, user)) == 1
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == user]) == 1
    assert stored(services, nudge).status is OutboxStatus.SENT


def test_posts_to_one_channel_keep_a_second_apart(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    from bot.outbox import Notice

    now = clock.now() + timedelta(days=3)  # a Monday morning
    clock.advance(timedelta(days=3))
    with services.uow() as uow:
        for n in range(3):
            notice = Notice(
                dedupe_key=f"test-broadcast:{new_user()}:{n}",
                platform="slack",
                recipient="C0ANNOUNCE",
                locale="nl",
                template="nudge.intake",
                due_at=now,
                not_before=now,
                params={"programme_id": "managersruil", "answered": 1, "total": 12, "ready": False, "n": 1},
            )
            assert uow.outbox.add(notice, now)
        uow.commit()
    sender = sender_for(services, slack)
    assert sender.run_once(clock.now()).sent == 1
    clock.advance(timedelta(milliseconds=500))
    assert sender.run_once(clock.now()).sent == 0
    clock.advance(timedelta(milliseconds=500))
    assert sender.run_once(clock.now()).sent == 1
    clock.advance(timedelta(seconds=1))
    assert sender.run_once(clock.now()).sent == 1
    assert len(slack.history("C0ANNOUNCE")) == 3


def test_a_nudge_held_for_the_weekend_is_dropped_when_the_person_comes_back_first(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    came_back, stopped = new_user(), new_user()
    clock.advance(-timedelta(days=2))  # Wednesday
    back = begin(services, came_back, "finacien")
    gone = begin(services, stopped, "finacien")
    clock.advance(THREE_DAYS)  # Saturday: both nudges wait for Monday 09:00
    services.tick(clock.now())
    clock.advance(timedelta(days=1))  # Sunday: one answers a question, the other stops
    services.intake.text(back, "Directie Begroting")
    services.intake.text(gone, "stop")
    services.intake.text(gone, "ja")
    clock.advance(timedelta(days=1))  # Monday 10:30
    report = sender_for(services, slack).run_once(clock.now())
    assert report.dropped >= 2
    assert nudges(slack, came_back) == []
    assert nudges(slack, stopped) == []


def test_a_message_that_cannot_be_rendered_fails_alone(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    from bot.outbox import Notice

    clock.advance(THREE_DAYS)  # Monday morning
    now = clock.now()
    broken, fine = new_user(), new_user()
    with services.uow() as uow:
        for user, programme in ((broken, "a-programme-that-was-removed"), (fine, "managersruil")):
            params = {"programme_id": programme, "answered": 1, "total": 12, "ready": False, "n": 1}
            notice = Notice(f"test-render:{user}", "slack", user, "nl", "nudge.intake", now, now, params)
            uow.outbox.add(notice, now)
        uow.commit()
    [waiting] = queued(services, broken)
    report = sender_for(services, slack).run_once(now)
    assert report.failed >= 1
    assert nudges(slack, broken) == []
    assert len(nudges(slack, fine)) == 1
    with services.uow() as uow:
        failed = uow.outbox.get(waiting.id)
    assert failed is not None
    assert failed.status is OutboxStatus.FAILED
    assert (failed.last_error or "").startswith("cannot render: KeyError")


def test_a_dropped_connection_is_retried_with_backoff(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    with SlackStandIn() as gone:
        unreachable = gone.api_url  # a port where nothing listens once this block ends
    cut_off = SlackSender(
        services.uow,
        sender_client(DEFAULT_TOKEN, unreachable, timeout=TIMEOUT),
        Notices(services.catalogue),
        services.window,
        worker="cut-off",
        policy=SenderPolicy(timeout=TIMEOUT, per_second=1000.0, burst=1000),
    )
    cut_off.run_once(clock.now())
    [waiting] = queued(services, user)
    assert waiting.attempts == 1
    assert waiting.not_before == clock.now() + timedelta(seconds=30)
    assert waiting.doubt_since is not None  # it cannot know whether the post went through
    clock.advance(timedelta(seconds=30))
    sender_for(services, slack).run_once(clock.now())
    assert len(nudges(slack, user)) == 1


def test_a_nudge_speaks_the_language_the_person_chose_after_it_was_queued(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    clock.advance(-timedelta(days=2))  # Wednesday: the nudge falls due on Saturday and waits
    me = begin(services, user, "finacien")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    services.intake.command(me, "taal en")  # on Saturday, in a slash command: the intake is untouched
    clock.advance(timedelta(days=2))  # Monday
    sender_for(services, slack).run_once(clock.now())
    [nudge] = nudges(slack, user)
    assert "A while ago you started on Manager Swap" in nudge["text"]


def test_a_nudge_about_another_programme_names_it_and_its_button_goes_on_with_it(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    me = UserRef("slack", user)
    services.intake.start(me, "regels-naar-ruimte")
    services.intake.text(me, "Gemeente Utrecht")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    sender_for(services, slack).run_once(clock.now())

    [nudge] = nudges(slack, user)
    shown = visible_text(nudge["blocks"])
    assert "Van regels naar ruimte" in shown
    assert "Managersruil" not in shown
    command = services.intake.command_for("regels-naar-ruimte")
    assert f"Typ {command} en" in shown
    # The command in the nudge leads back to this report, and so does its button.
    assert services.intake.command(me, command.removeprefix("/ruil ")).direct is not None
    [button] = buttons_in(nudge["blocks"])
    assert "regels-naar-ruimte" in button["value"]


def test_ruil_meldingen_uit_means_no_nudges_and_aan_brings_them_back(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    me = begin(services, user, "finacien")
    assert "• Seintjes: aan" in services.intake.command(me, "meldingen").ephemeral.text

    off = services.intake.command(me, "meldingen uit").ephemeral.text

    assert "Alles staat nu uit" in off
    assert "• Seintjes: uit" in off
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    sender_for(services, slack).run_once(clock.now())
    assert nudges(slack, user) == []

    services.intake.command(me, "meldingen aan")
    clock.advance(THREE_DAYS)
    services.tick(clock.now())
    sender_for(services, slack).run_once(clock.now())
    assert len(nudges(slack, user)) == 1


def test_a_nudge_already_queued_is_not_sent_after_meldingen_uit(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    me = begin(services, user, "finacien")
    clock.advance(THREE_DAYS + timedelta(hours=10))  # due in the evening: it waits for the next opening
    services.tick(clock.now())
    assert len(queued(services, user)) == 1

    services.intake.command(me, "meldingen uit")
    clock.advance(timedelta(hours=14))  # the next morning
    sender_for(services, slack).run_once(clock.now())

    assert nudges(slack, user) == []
