"""The bot reaches out per kind: a deadline reminder before a programme's registration closes, to whom
started its intake and did not finish; and `meldingen`, which switches each kind of message off and
on. Through the outbox to the Slack stand-in, exactly once; the clock is moved, nothing sleeps.

The Leerwerkplaats takes registrations up to and including Monday 15 November 2027 (the catalogue),
so the reminders are due on Monday 8 November 09:00 (7 days before) and on Sunday 14 November, which is
not a working day: that one comes on the last working day before it, Friday 12 November at 09:00, and
never on the deadline day itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.clock import AMSTERDAM, FixedClock
from bot.outbox import OutboxStatus
from bot.services import UserRef
from scheduler.sender import SlackSender
from tests.e2e.driver import Bot, buttons_in, new_user, visible_text
from tests.e2e.test_outbox import nudges, queued, sender_for, slack, stored
from tests.slack_standin import SlackStandIn

pytestmark = pytest.mark.e2e
__all__ = ["slack"]  # the stand-in on the test's clock, as the outbox tests use it

PROGRAMME = "leerwerkplaats"
CLOSES = "15 november 2027"


def at(clock: FixedClock, *when: int) -> None:
    """Move the clock on to a moment in Amsterdam (year, month, day, hour[, minute])."""
    target = datetime(*when, tzinfo=AMSTERDAM)  # type: ignore[misc]
    assert target >= clock.now(), "the clock only moves forward"
    clock.advance(target - clock.now())


def run(services: Services, sender: SlackSender, clock: FixedClock) -> None:
    """What the scheduler does at this moment: the tick, then the sender."""
    services.tick(clock.now())
    sender.run_once(clock.now())


def started(services: Services, *switches: str) -> UserRef:
    """Someone who began the Leerwerkplaats intake (one answer given) and said `meldingen ...`."""
    me = UserRef("slack", new_user())
    services.intake.start(me, PROGRAMME)
    services.intake.text(me, "Belastingdienst")
    for typed in switches:
        services.intake.command(me, typed)
    return me


def reminders(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [m for m in nudges(slack, user) if "Je kunt je aanmelden tot en met" in m.get("text", "")]


def only_nudges(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [m for m in nudges(slack, user) if m not in reminders(slack, user)]


def test_a_deadline_reminder_7_days_and_1_day_before_each_exactly_once(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 3, 10)  # Wednesday: started, then left
    me = started(services, "meldingen seintjes uit")  # only the deadline reminders here
    user = me.external_id
    sender = sender_for(services, slack)
    for moment in ((2027, 11, 7, 23), (2027, 11, 8, 8, 59)):
        at(clock, *moment)
        run(services, sender, clock)
    assert reminders(slack, user) == []  # not yet

    at(clock, 2027, 11, 8, 9)  # Monday, 7 days before, the window opens
    run(services, sender, clock)
    [first] = reminders(slack, user)
    shown = visible_text(first["blocks"])
    assert "Je bent begonnen met je aanmelding voor Inter-company Leerwerkplaats" in shown
    assert f"Je kunt je aanmelden tot en met {CLOSES}" in shown
    assert "Typ /ruil leerwerkplaats om verder te gaan" in shown
    assert "Ga verder met de intake" in [b["text"]["text"] for b in buttons_in(first["blocks"])]

    for moment in ((2027, 11, 8, 15), (2027, 11, 10, 11), (2027, 11, 12, 8, 59)):
        at(clock, *moment)  # more ticks; the 1-day reminder is not due yet
        run(services, sender, clock)
    assert len(reminders(slack, user)) == 1

    at(clock, 2027, 11, 12, 9)  # Friday: 1 day before is a Sunday, so it comes on the last working day
    run(services, sender, clock)
    first, last = reminders(slack, user)
    assert f"Je kunt je aanmelden tot en met {CLOSES}" in last["text"]
    assert stored(services, last).sent_at == datetime(2027, 11, 12, 9, 0, tzinfo=AMSTERDAM)

    for moment in (
        (2027, 11, 14, 9),
        (2027, 11, 15, 9),
        (2027, 11, 15, 16),
        (2027, 11, 16, 10),
        (2027, 11, 22, 10),
    ):
        at(clock, *moment)  # the weekend, the deadline day itself, and after: nothing more
        run(services, sender, clock)
    assert len(reminders(slack, user)) == 2
    assert queued(services, user) == []
    assert nudges(slack, user) == reminders(slack, user)  # and no nudges: they were turned off


def test_finished_or_stopped_intakes_and_late_starters_get_no_deadline_reminder(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 3, 10)
    stopped = started(services, "meldingen seintjes uit")
    services.intake.text(stopped, "stop")
    services.intake.text(stopped, "ja")
    at(clock, 2027, 11, 9, 10)  # after the 7-day moment
    late = started(services, "meldingen seintjes uit")
    sender = sender_for(services, slack)
    run(services, sender, clock)
    assert reminders(slack, stopped.external_id) == []
    assert reminders(slack, late.external_id) == []  # began after that reminder's moment
    at(clock, 2027, 11, 15, 9)
    run(services, sender, clock)
    assert reminders(slack, stopped.external_id) == []
    assert len(reminders(slack, late.external_id)) == 1  # but the last one is for them too


def test_a_kind_turned_off_stops_that_kind_only_and_on_brings_it_back(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 1, 10)  # Monday
    no_deadlines = started(services, "meldingen deadlines uit")
    no_nudges = started(services, "seintjes uit")
    sender = sender_for(services, slack)

    at(clock, 2027, 11, 4, 10)  # Thursday: three days untouched
    run(services, sender, clock)
    assert len(only_nudges(slack, no_deadlines.external_id)) == 1
    assert only_nudges(slack, no_nudges.external_id) == []

    at(clock, 2027, 11, 8, 9)  # Monday, 7 days before the deadline
    run(services, sender, clock)
    assert reminders(slack, no_deadlines.external_id) == []
    assert len(only_nudges(slack, no_deadlines.external_id)) == 2  # its second nudge still comes
    assert len(reminders(slack, no_nudges.external_id)) == 1
    assert only_nudges(slack, no_nudges.external_id) == []

    at(clock, 2027, 11, 14, 12)  # Sunday: the 1-day reminder is queued for Monday morning
    run(services, sender, clock)
    assert len(queued(services, no_nudges.external_id)) == 1
    services.intake.command(no_nudges, "notifications deadlines off")  # queued, then turned off
    services.intake.command(no_deadlines, "meldingen deadlines aan")  # turned back on

    at(clock, 2027, 11, 15, 9)
    run(services, sender, clock)
    assert len(reminders(slack, no_nudges.external_id)) == 1  # the queued one was dropped
    assert len(reminders(slack, no_deadlines.external_id)) == 1  # back on: the last one comes
    with services.uow() as uow:
        assert (
            uow.outbox.keyed(f"deadline:{_intake(services, no_nudges)}:")[-1].status is OutboxStatus.DROPPED
        )


def test_a_nudge_and_a_deadline_reminder_on_one_day_make_one_message(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 1, 10)  # Monday; nudges on Thursday 4 and Monday 8 November
    me = started(services)
    user = me.external_id
    sender = sender_for(services, slack)
    at(clock, 2027, 11, 4, 10)
    run(services, sender, clock)
    assert len(only_nudges(slack, user)) == 1
    at(clock, 2027, 11, 8, 10)  # the second nudge and the 7-day reminder fall on one day
    run(services, sender, clock)
    assert len(reminders(slack, user)) == 1
    assert len(only_nudges(slack, user)) == 1  # the reminder says it all: the nudge stays out
    assert queued(services, user) == []
    with services.uow() as uow:
        [second] = uow.outbox.keyed(f"nudge:{_intake(services, me)}:2")
    assert second.status is OutboxStatus.DROPPED


def test_the_nudge_stands_when_that_days_deadline_reminder_was_turned_off(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 1, 10)
    me = started(services)
    user = me.external_id
    sender = sender_for(services, slack)
    at(clock, 2027, 11, 4, 10)
    run(services, sender, clock)
    at(clock, 2027, 11, 8, 9)
    services.tick(clock.now())  # the second nudge and the 7-day reminder, both queued for now
    assert len(queued(services, user)) == 2
    services.intake.command(me, "meldingen deadlines uit")
    sender.run_once(clock.now())
    assert reminders(slack, user) == []
    assert len(only_nudges(slack, user)) == 2


def test_a_deadline_reminder_held_up_past_the_deadline_is_not_sent(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    at(clock, 2027, 11, 10, 10)
    me = started(services, "meldingen seintjes uit")
    at(clock, 2027, 11, 14, 12)
    services.tick(clock.now())  # queued for Monday 09:00; then the sender is down all Monday
    assert len(queued(services, me.external_id)) == 1
    at(clock, 2027, 11, 16, 9)
    sender_for(services, slack).run_once(clock.now())
    assert reminders(slack, me.external_id) == []
    assert queued(services, me.external_id) == []  # dropped: registration closed yesterday


def _intake(services: Services, me: UserRef) -> int:
    with services.uow() as uow:
        person = uow.participants.find(me.platform, me.external_id)
        assert person is not None
        [intake] = uow.intakes.of(person.id)
    assert intake.id is not None
    return intake.id


# ---- every way to type it, on every surface ------------------------------------------------------

TYPED = {  # what a person types -> a line the answer must hold (Dutch; the English words work too)
    "meldingen": "• Herinneringen: aan",
    "notifications": "• Herinneringen: aan",
    "meldingen uit": "Alles staat nu uit",
    "meldingen aan": "Alles staat weer aan",
    "meldingen alles uit": "Alles staat nu uit",
    "notifications off": "Alles staat nu uit",
    "meldingen herinneringen uit": "Uitgezet: Herinneringen.",
    "meldingen uit herinneringen": "Uitgezet: Herinneringen.",
    "notifications reminders off": "Uitgezet: Herinneringen.",
    "herinneringen uit": "Uitgezet: Herinneringen.",
    "meldingen seintjes en deadlines uit": "Uitgezet: Seintjes en Deadlines.",
    "meldingen check-ins aan": "Weer aangezet: Check-ins.",
    "meldingen mededelingen uit": "Uitgezet: Mededelingen.",
    "meldingen herinneringn uit": "Uitgezet: Herinneringen.",
    "meldingen herinner uit": "Bedoel je Herinneringen? Typ dan /ruil meldingen herinneringen uit (of aan).",
    "meldingen pizza uit": "Ik ken geen berichten die 'pizza' heten.",
    "meldingen aan uit": "Ik ken geen berichten die 'aan uit' heten.",
    "MELDINGEN UIT!": "Alles staat nu uit",
}


@pytest.mark.parametrize("typed", list(TYPED))
def test_every_way_to_type_meldingen_is_answered_after_ruil_and_in_the_dm(
    services: Services, typed: str
) -> None:
    after_ruil = UserRef("slack", new_user())
    reply = services.intake.command(after_ruil, typed).ephemeral
    assert TYPED[typed] in reply.text
    assert "Welke berichten ik je uit mezelf stuur:" in reply.text
    assert len(reply.buttons) == 5  # a switch per kind
    if "pizza" in typed or "aan uit" in typed:
        assert "De soorten heten seintjes, herinneringen, deadlines, check-ins, mededelingen" in (
            reply.typing or ""
        )

    for in_dm in (UserRef("slack", new_user()), started(services)):  # in the middle of an intake, too
        screen = services.intake.text(in_dm, typed)
        assert screen is not None
        assert TYPED[typed] in screen.text


@pytest.mark.parametrize("typed", list(TYPED))
def test_every_way_to_type_meldingen_is_answered_in_the_console(
    sessions: sessionmaker[Session], clock: FixedClock, typed: str
) -> None:
    service = wire(sessions, clock=clock, console=True).intake
    me = UserRef("console", new_user())
    for screen in (service.text(me, typed), service.command(me, typed).ephemeral):
        assert screen is not None
        assert TYPED[typed] in screen.text
        assert screen.buttons == ()  # no buttons in a terminal: the text says what to type
        assert "/ruil meldingen" in (screen.typing or "")


def test_an_answer_that_starts_like_meldingen_is_taken_as_the_answer(services: Services) -> None:
    me = UserRef("slack", new_user())
    services.intake.start(me, "managersruil")
    services.intake.text(me, "finacien")
    screen = services.intake.text(me, "Meldingen openbare ruimte")  # the name of a department
    assert screen is not None
    assert "Welke berichten" not in screen.text
    assert "Vraag 3 van 12" in screen.text


def test_the_answer_is_in_english_for_english_speakers(services: Services) -> None:
    me = UserRef("slack", new_user())
    services.intake.command(me, "taal en")
    reply = services.intake.command(me, "notifications reminders off").ephemeral
    assert "Turned off: Reminders." in reply.text
    assert "• Reminders: off (before a session you signed up for)" in reply.text
    assert [b.label for b in reply.buttons][:2] == ["Turn Nudges off", "Turn Reminders on"]


# ---- in Slack: /ruil meldingen, its buttons, and the Home tab ---------------------------------------


def test_ruil_meldingen_in_slack_has_a_switch_per_kind(bot: Bot, user: str) -> None:
    shown, _ = bot.ruil(user, "meldingen")
    assert "Welke berichten ik je uit mezelf stuur:" in shown
    assert "• Herinneringen: aan (voor een sessie waarvoor je bent ingeschreven)" in shown
    key = bot.command(user, "meldingen")[1]
    reply = bot.ephemeral(key)
    switches = buttons_in(reply["blocks"])
    assert [b["text"]["text"] for b in switches] == [
        "Seintjes uitzetten",
        "Herinneringen uitzetten",
        "Deadlines uitzetten",
        "Check-ins uitzetten",
        "Mededelingen uitzetten",
    ]
    reminders_off = next(b for b in switches if b["text"]["text"] == "Herinneringen uitzetten")
    assert bot.click_ephemeral(user, reminders_off, "C0PUBLIC").status == 200
    answer = bot.wait_posted(user, 1)  # the answer goes to the DM, never into a channel
    assert "Uitgezet: Herinneringen." in answer.visible
    assert "• Herinneringen: uit" in answer.visible
    assert "Herinneringen aanzetten" in answer.labels()
    assert bot.services is not None
    with bot.services.uow() as uow:
        person = uow.participants.find("slack", user)
        assert person is not None
        assert not uow.preferences.wants(person.id, "reminders")
        assert uow.preferences.wants(person.id, "nudges")

    back_on = bot.press(user, answer, "Herinneringen aanzetten")
    assert "Weer aangezet: Herinneringen." in back_on.visible
    assert "• Herinneringen: aan" in back_on.visible

    typed = bot.say(user, "notifications reminders off")  # typed in the DM, in English words
    assert "Uitgezet: Herinneringen." in typed.visible


def test_the_home_tab_shows_what_is_planned_and_switches_each_kind(bot: Bot, user: str) -> None:
    bot.ruil(user)  # Friday 27 November 2026, 10:30 in Amsterdam
    bot.say(user, "finacien")
    assert bot.services is not None
    bot.clock.advance(timedelta(days=3, hours=8))  # Monday evening: the nudge waits for the morning
    bot.services.tick(bot.clock.now())

    bot.home_opened(user)
    home = bot.home_view(user)
    shown = visible_text(home["blocks"])
    assert (
        "*Wat ik je binnenkort stuur*\n• dinsdag 1 december 2026 om 09:00: Seintjes over Managersruil"
        in shown
    )
    assert "• Seintjes: aan" in shown
    switch = next(b for b in buttons_in(home["blocks"]) if b["text"]["text"] == "Seintjes uitzetten")

    assert bot.click_in_view(user, switch, home).status == 200
    home = bot.home_view(user, 2)  # published again at once
    shown = visible_text(home["blocks"])
    assert "*Wat ik je binnenkort stuur*\nNiets gepland." in shown  # turned off: it will not come
    assert "• Seintjes: uit" in shown
    assert "Seintjes aanzetten" in [b["text"]["text"] for b in buttons_in(home["blocks"])]

    bot.ruil(user, "meldingen seintjes aan")  # a switch typed after /ruil updates the Home tab too
    shown = visible_text(bot.home_view(user, 3)["blocks"])
    assert "• dinsdag 1 december 2026 om 09:00: Seintjes over Managersruil" in shown
