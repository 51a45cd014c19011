"""Sessions and events, as a person sees them in Slack: `/sessies`, a click to register, the calendar
file in the DM, the Home tab; a move or a cancellation reaching everyone registered with a new .ics;
the waitlist moving up; the reminders 7 and 1 days before, each once, and never on a Saturday or on
King's Day. The clock is moved, the tick and the sender are called at that moment; nothing sleeps.

Tests that go through the running bot (`bot`) commit to the database, which PostgreSQL shares
between tests: they use people of their own and assert nothing about other people's places."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot.bootstrap import Services, bootstrap
from bot.clock import AMSTERDAM, FixedClock
from bot.interaction import Target
from bot.outbox import Notices
from bot.programmes import Localised, load_catalogue
from bot.services import UserRef
from bot.session_records import Place, hold_days
from bot.sessions import STEP
from scheduler.sender import SenderPolicy, SlackSender, sender_client
from tests.consenting import consenting
from tests.e2e.driver import Bot, buttons_in, inputs, new_user, visible_text
from tests.slack_standin import DEFAULT_TOKEN, SharedFile, SlackStandIn, dm_channel_id
from tests.unit.test_review_round_two import bring
from tests.unit.test_sessions import place_of

pytestmark = pytest.mark.e2e
KICK_OFF = "Kick-off Managersruil"
SPEED_DATE = "Speeddate: kennismaken met leidinggevenden uit de regio"
TIMEOUT = 5.0  # no faults here: patience with a busy machine


@pytest.fixture
def slack(clock: FixedClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=clock.now) as standin:
        yield standin


def sender_for(services: Services, slack: SlackStandIn, worker: str = "sessions") -> SlackSender:
    return SlackSender(
        services.uow,
        sender_client(DEFAULT_TOKEN, slack.api_url, timeout=TIMEOUT),
        Notices(services.catalogue),
        services.window,
        worker=worker,
        policy=SenderPolicy(timeout=TIMEOUT, per_second=1000.0, burst=1000),
    )


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM).astimezone(UTC)  # type: ignore[misc]


def add_session(
    services: Services, starts_at: datetime, capacity: int | None = 10, title: str = "Proefsessie"
) -> int:
    session = services.sessions.add(
        "managersruil",
        Localised(title, f"{title} (en)"),
        starts_at,
        starts_at + timedelta(hours=2),
        location="Pulchri Studio, Den Haag",
        capacity=capacity,
    )
    assert session.id is not None
    return session.id


def aim(services: Services, session_id: int) -> Target:
    with services.uow() as uow:
        session = uow.sessions.get(session_id)
    assert session is not None
    return Target(session_id, session.sequence, STEP)


def join(services: Services, user: str, session_id: int) -> None:
    services.sessions.join(UserRef("slack", user), aim(services, session_id))


def outbox_posts(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    """What the bot sent on its own into the person's DM (not its replies), oldest first."""
    return [m for m in slack.history(user) if (m.get("metadata") or {}).get("event_type") == "ruilbot_outbox"]


def event_of(file: SharedFile) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(file.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def send(sender: SlackSender, clock: FixedClock) -> None:
    """Let the sender deliver what is due now (a DM takes about one post a second)."""
    for _ in range(5):
        clock.advance(timedelta(seconds=2))
        sender.run_once(clock.now())


def run(services: Services, sender: SlackSender, clock: FixedClock, hours: int, step: timedelta) -> None:
    """Tick and send every `step` for `hours`, moving the clock."""
    for _ in range(int(timedelta(hours=hours) / step)):
        clock.advance(step)
        services.tick(clock.now())
        sender.run_once(clock.now())


# ---- through the running bot: /sessies, a click, the file, the Home tab ----------------------------


def test_sessies_lists_and_a_click_registers_with_a_calendar_file(
    bot: Bot, slack: SlackStandIn, clock: FixedClock, user: str
) -> None:
    response, key = bot.command(user, "", "/sessies")
    assert response.status == 200
    reply = bot.ephemeral(key)
    shown = visible_text(reply["blocks"])
    assert KICK_OFF in shown
    assert "30 augustus 2027, 16:30–18:30, Pulchri Studio, Lange Voorhout, Den Haag" in shown
    assert "plaatsen vrij · je bent niet aangemeld" in shown
    # The speed date registers with one click (the kick-off asks questions first: see below).
    [button] = [
        b for b in buttons_in(reply["blocks"]) if b["text"]["text"].startswith(f"Aanmelden: {SPEED_DATE}")
    ]
    assert bot.click_ephemeral(user, button, dm_channel_id(user)).status == 200
    answer = bot.wait_posted(user, 1)
    assert f"Je bent aangemeld voor {SPEED_DATE}" in answer.visible

    assert bot.services is not None
    sender = sender_for(bot.services, slack)
    send(sender, clock)
    [notice] = outbox_posts(slack, user)
    assert "agenda-uitnodiging" in visible_text(notice["blocks"])
    [file] = slack.files_in(user)
    assert file.name.endswith(".ics")
    calendar, event = event_of(file)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == datetime(2027, 3, 9, 14, 0, tzinfo=UTC)  # 15:00 in Amsterdam (CET)
    assert event.decoded("DTEND") == datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 0
    assert str(event["UID"]).startswith("session-")
    assert "Leusden" in str(event["LOCATION"])

    # The list and the Home tab now show the place, with a button to unregister.
    response, key = bot.command(user, "", "/sessies")
    again = visible_text(bot.ephemeral(key)["blocks"])
    assert "je bent aangemeld; ik herinner je eraan op 2 maart 2027 om 15:00" in again  # a week before
    assert f"Afmelden: {SPEED_DATE}" in again
    bot.home_opened(user)
    view = bot.home_view(user, 2)  # the first came with the registration
    home = visible_text(view["blocks"])
    assert "Sessies en bijeenkomsten" in home
    assert "je bent aangemeld" in home
    # Unregistering from the Home tab: the DM confirms, and the calendar entry is taken away.
    [leave] = [
        b for b in buttons_in(view["blocks"]) if b["text"]["text"].startswith(f"Afmelden: {SPEED_DATE}")
    ]
    before = len(bot.posted(user))
    assert bot.click_in_view(user, leave, view).status == 200
    assert f"Je bent afgemeld voor {SPEED_DATE}" in bot.wait_posted(user, before + 1).visible
    send(sender, clock)
    assert str(event_of(slack.files_in(user)[-1])[0]["METHOD"]) == "CANCEL"
    sender.close()


def test_the_word_sessies_in_the_dm_and_after_ruil(bot: Bot, user: str) -> None:
    listed = bot.say(user, "sessies")
    assert KICK_OFF in listed.visible
    assert any(label.startswith("Aanmelden:") for label in listed.labels())
    shown, _ = bot.ruil(user, "sessies")
    assert KICK_OFF in shown
    confused = bot.say(user, "sessies misschien")
    assert "ken ik niet als opdracht" in confused.visible


def test_a_forged_or_stale_click_changes_nothing(bot: Bot, user: str) -> None:
    assert bot.services is not None
    session_id = add_session(bot.services, bot.clock.now() + timedelta(days=5))
    listed = bot.say(user, "sessies")
    button = next(b for b in buttons_in(listed.blocks) if "Proefsessie" in b["text"]["text"])
    forged = {**button, "value": button["value"].replace(f"|{session_id}|", "|99999999|")}
    answer = bot.press(user, listed, forged)
    assert "niets veranderd" in answer.visible
    moved = bot.clock.now() + timedelta(days=6)
    bot.services.sessions.move(session_id, moved, moved + timedelta(hours=1))
    stale = bot.press(user, listed, button)
    assert "verplaatst sinds je deze knop zag" in stale.visible
    with bot.services.uow() as uow:
        person = uow.participants.find("slack", user)
        assert person is not None
        assert uow.sessions.registration(session_id, person.id) is None


# ---- a move, a cancellation, the waitlist ------------------------------------------------------


def test_a_move_sends_an_update_and_a_cancellation_a_cancel(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    session_id = add_session(services, local(2027, 1, 20, 14, 0))
    join(services, user, session_id)
    sender = sender_for(services, slack)
    send(sender, clock)
    services.sessions.move(session_id, local(2027, 1, 21, 15, 0), local(2027, 1, 21, 17, 0))
    send(sender, clock)
    services.sessions.cancel(session_id)
    send(sender, clock)
    first, moved, cancelled = (event_of(f) for f in slack.files_in(user))
    assert first[1]["UID"] == moved[1]["UID"] == cancelled[1]["UID"]
    assert [int(e["SEQUENCE"]) for _, e in (first, moved, cancelled)] == [0, 1, 2]
    assert moved[1].decoded("DTSTART") == datetime(2027, 1, 21, 14, 0, tzinfo=UTC)
    assert str(moved[0]["METHOD"]) == "REQUEST"
    assert str(cancelled[0]["METHOD"]) == "CANCEL"
    texts = [visible_text(m["blocks"]) for m in outbox_posts(slack, user)]
    assert (
        "is verplaatst: het is nu donderdag" in texts[1] or "is verplaatst: het is nu 21 januari" in texts[1]
    )
    assert "gaat helaas niet door" in texts[2]
    sender.close()


def test_the_waitlist_moves_up_and_the_next_person_is_told(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    first, second = new_user(), new_user()
    session_id = add_session(services, local(2027, 1, 20, 14, 0), capacity=1)
    join(services, first, session_id)
    waiting = services.sessions.join(UserRef("slack", second), aim(services, session_id))
    assert "op de wachtlijst (nummer 1)" in waiting.text
    sender = sender_for(services, slack)
    send(sender, clock)
    assert slack.files_in(second) == []
    services.sessions.leave(UserRef("slack", first), aim(services, session_id))
    send(sender, clock)
    [told] = outbox_posts(slack, second)
    assert "er is een plaats vrijgekomen" in visible_text(told["blocks"])
    [file] = slack.files_in(second)
    assert str(event_of(file)[0]["METHOD"]) == "REQUEST"
    [_, gone] = slack.files_in(first)  # the one who left gets the entry taken out of their calendar
    assert str(event_of(gone)[0]["METHOD"]) == "CANCEL"
    sender.close()


def test_two_people_taking_the_last_place_at_once_get_one_place(database_url: str, clock: FixedClock) -> None:
    services = consenting(bootstrap(database_url, clock=clock))  # both agree when consent is asked
    try:
        for _ in range(5):
            session_id = add_session(
                services, clock.now() + timedelta(days=9), capacity=1, title="Laatste plek"
            )
            people = [new_user(), new_user()]
            start = threading.Barrier(2)

            def take(user: str, session_id: int = session_id, start: threading.Barrier = start) -> None:
                start.wait()
                join(services, user, session_id)

            threads = [threading.Thread(target=take, args=(p,)) for p in people]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            places = sorted(p.value for _, r in services.sessions.attendees(session_id) for p in [r.place])
            assert places == [Place.REGISTERED.value, Place.WAITLISTED.value]
    finally:
        services.close()


# ---- reminders ---------------------------------------------------------------------------------


def reminders(slack: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [m for m in outbox_posts(slack, user) if "Herinnering" in visible_text(m["blocks"])]


def sent_at(message: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(message["ts"]), tz=UTC).astimezone(AMSTERDAM)


def test_a_week_and_a_day_before_each_reminder_comes_once(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    session_id = add_session(services, local(2026, 12, 16, 14, 0))  # a Wednesday afternoon
    join(services, user, session_id)
    sender = sender_for(services, slack)
    run(services, sender, clock, hours=24 * 20, step=timedelta(hours=3))  # past the session
    week, day = reminders(slack, user)
    # The date, not "in 7 days": a reminder moved past a weekend or King's Day would say it wrongly.
    assert "16 december 2026" in visible_text(week["blocks"])
    assert "al bijna: 16 december 2026" in visible_text(day["blocks"])
    assert sent_at(week).date() == date(2026, 12, 9)
    assert sent_at(day).date() == date(2026, 12, 15)
    sender.close()


def test_a_reminder_due_on_saturday_comes_on_monday_morning(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    session_id = add_session(services, local(2026, 12, 12, 10, 0))  # a Saturday: its week-before is too
    join(services, user, session_id)
    sender = sender_for(services, slack)
    run(services, sender, clock, hours=24 * 12, step=timedelta(hours=1))
    week = reminders(slack, user)[0]
    # Monday, at the first tick after opening time (the clock moves by the hour from 10:30)
    assert datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM) <= sent_at(week)
    assert sent_at(week) < datetime(2026, 12, 7, 10, 0, tzinfo=AMSTERDAM)
    sender.close()


def test_a_reminder_due_on_kings_day_comes_the_next_working_morning(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    user = new_user()
    session_id = add_session(services, local(2027, 5, 4, 10, 0))  # a week after King's Day, 27 April
    join(services, user, session_id)
    sender = sender_for(services, slack)
    clock.advance(local(2027, 4, 26, 12, 0) - clock.now())
    run(services, sender, clock, hours=48, step=timedelta(hours=1))
    [week] = reminders(slack, user)
    assert datetime(2027, 4, 28, 9, 0, tzinfo=AMSTERDAM) <= sent_at(week)  # Wednesday, not Tuesday
    assert sent_at(week) < datetime(2027, 4, 28, 10, 0, tzinfo=AMSTERDAM)
    sender.close()


def test_no_reminder_after_unregistering_and_a_move_plans_them_again(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    gone, stays = new_user(), new_user()
    session_id = add_session(services, local(2026, 12, 16, 14, 0))
    join(services, gone, session_id)
    join(services, stays, session_id)
    services.sessions.leave(UserRef("slack", gone), aim(services, session_id))
    clock.advance(local(2026, 12, 8, 12, 0) - clock.now())
    services.tick(clock.now())  # queued for 9 December, the week before
    services.sessions.move(session_id, local(2027, 1, 13, 14, 0), local(2027, 1, 13, 16, 0))
    sender = sender_for(services, slack)
    run(services, sender, clock, hours=24 * 3, step=timedelta(hours=3))
    assert reminders(slack, gone) == []
    assert reminders(slack, stays) == []  # the old week-before is void: the session is a month later
    clock.advance(local(2027, 1, 6, 8, 0) - clock.now())
    run(services, sender, clock, hours=24 * 8, step=timedelta(hours=3))
    week, day = reminders(slack, stays)
    assert sent_at(week).date() == date(2027, 1, 6)
    assert sent_at(day).date() == date(2027, 1, 12)
    assert reminders(slack, gone) == []
    sender.close()


# ---- the kick-off's registration: a declared dialogue, prefilled, with a manager brought along -------


def kick_off_button(bot: Bot, user: str) -> tuple[Any, Any]:
    listed = bot.say(user, "sessies")
    [button] = [
        b for b in buttons_in(listed.blocks) if b["text"]["text"].startswith(f"Aanmelden: {KICK_OFF}")
    ]
    return listed, button


def test_the_kick_off_asks_its_questions_prefilled_from_slack_and_a_brought_manager_confirms(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    adviser, manager = new_user(), new_user()
    slack.set_profile(
        adviser,
        real_name="Emilie Schreuder",
        title="MD-adviseur",
        email="e.schreuder@minbzk.nl",
        phone="070 426 6426",
    )
    listed, button = kick_off_button(bot, adviser)
    consent = bot.press(adviser, listed, button)
    assert "wat gebeurt er met je gegevens?" in consent.visible  # before the first question
    asked = bot.press(adviser, consent, "Akkoord")
    assert "kick-off van de Managersruil" in asked.visible
    assert "alvast ingevuld (Naam, Functie, E-mailadres en Telefoonnummer)" in asked.visible
    assert (
        "Bij welk departement of welke dienst werk je?" in asked.visible
    )  # the first thing Slack doesn't know
    bot.say(adviser, "BZK / DGOBR")
    bot.say(adviser, "Turfmarkt 147, Den Haag")
    bot.say(adviser, "ja")  # an MD adviser bringing a manager
    refused = bot.say(adviser, "Piet van de Afdeling")
    assert "niet als iemand in Slack" in refused.visible
    summary = bot.say(adviser, f"<@{manager}>")
    rows = summary.summary()
    assert rows["Naam"] == "Emilie Schreuder"
    assert rows["E-mailadres"] == "e.schreuder@minbzk.nl"
    bot.say(adviser, "wijzig 1")  # the profile's name, corrected
    summary = bot.say(adviser, "Emilie Schreuder-de Wit")
    assert summary.summary()["Naam"] == "Emilie Schreuder-de Wit"
    done = bot.say(adviser, "ja")
    assert f"Je bent aangemeld voor {KICK_OFF}" in done.visible
    assert "houd ik een plaats vast" in done.visible

    assert bot.services is not None
    with bot.services.uow() as uow:
        session = next(s for s in uow.sessions.upcoming(clock.now()) if s.event_key == "kick-off")
        me = uow.participants.find("slack", adviser)
        them = uow.participants.find("slack", manager)
        assert me is not None
        assert them is not None
        assert session.id is not None
        mine, theirs = (uow.sessions.registration(session.id, p.id) for p in (me, them))
    assert mine is not None
    assert theirs is not None
    assert mine.answers["department"] == "BZK / DGOBR"
    assert mine.answers["name"] == "Emilie Schreuder-de Wit"
    assert theirs.place is Place.HELD
    assert theirs.brought_by == me.id

    sender = sender_for(bot.services, slack)
    send(sender, clock)
    [invitation] = outbox_posts(slack, manager)
    shown = visible_text(invitation["blocks"])
    assert "Emilie Schreuder-de Wit heeft je aangemeld" in shown
    assert slack.files_in(manager) == []  # not theirs until they say yes
    posted = next(p for p in bot.posted(manager) if p.ts == invitation["ts"])
    yes = bot.press(manager, posted, "Ja, ik kom")
    assert f"Je bent aangemeld voor {KICK_OFF}" in yes.visible
    send(sender, clock)
    [file] = slack.files_in(manager)
    assert event_of(file)[1].decoded("DTSTART") == datetime(2027, 8, 30, 14, 30, tzinfo=UTC)
    assert len(slack.files_in(adviser)) == 1
    told = visible_text(outbox_posts(slack, adviser)[-1]["blocks"])
    assert "De leidinggevende die je meeneemt naar Kick-off Managersruil" in told
    assert "komt: de plaats is bevestigd" in told
    sender.close()


def test_a_brought_manager_who_declines_frees_the_place(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    adviser, manager = new_user(), new_user()
    listed, button = kick_off_button(bot, adviser)
    consent = bot.press(adviser, listed, button)
    bot.press(adviser, consent, "Akkoord")
    for answer in (
        "Emilie",
        "BZK",
        "MD-adviseur",
        "Turfmarkt 147, Den Haag",
        "e@minbzk.nl",
        "0612345678",
        "ja",
    ):
        bot.say(adviser, answer)
    bot.say(adviser, f"<@{manager}>")
    bot.say(adviser, "ja")
    assert bot.services is not None
    sender = sender_for(bot.services, slack)
    send(sender, clock)
    [invitation] = outbox_posts(slack, manager)
    posted = next(p for p in bot.posted(manager) if p.ts == invitation["ts"])
    no = bot.press(manager, posted, "Nee, dank je")
    assert "Je bent afgemeld" in no.visible
    with bot.services.uow() as uow:
        them = uow.participants.find("slack", manager)
        session = next(s for s in uow.sessions.upcoming(clock.now()) if s.event_key == "kick-off")
        assert them is not None
        assert session.id is not None
        theirs = uow.sessions.registration(session.id, them.id)
    assert theirs is not None
    assert theirs.place is Place.CANCELLED
    send(sender, clock)
    assert "kan niet komen; de plaats is vrijgegeven" in visible_text(
        outbox_posts(slack, adviser)[-1]["blocks"]
    )
    assert slack.files_in(manager) == []  # never had the entry, so no cancellation to send either
    sender.close()


def test_a_held_place_nobody_confirms_in_7_days_goes_to_the_waitlist_and_the_adviser_hears(
    services: Services, slack: SlackStandIn, clock: FixedClock
) -> None:
    adviser, manager, waiting = new_user(), new_user(), new_user()
    session_id = add_session(services, local(2027, 1, 20, 14, 0), capacity=2)
    join(services, adviser, session_id)
    bring(services, session_id, adviser, manager)  # what the kick-off registration does
    join(services, waiting, session_id)
    assert place_of(services, session_id, manager) is Place.HELD
    assert place_of(services, session_id, waiting) is Place.WAITLISTED
    sender = sender_for(services, slack)
    send(sender, clock)
    [invitation] = outbox_posts(slack, manager)
    assert "Er staat 7 dagen een plaats voor je klaar" in visible_text(invitation["blocks"])

    clock.advance(timedelta(days=6, hours=23))  # not yet: the place is still held
    services.tick(clock.now())
    assert place_of(services, session_id, manager) is Place.HELD
    clock.advance(timedelta(hours=1))  # 7 days without a yes
    services.tick(clock.now())
    services.tick(clock.now())  # a second tick changes nothing more
    assert place_of(services, session_id, manager) is Place.CANCELLED
    assert place_of(services, session_id, waiting) is Place.REGISTERED
    send(sender, clock)
    told = visible_text(outbox_posts(slack, adviser)[-1]["blocks"])  # after their own calendar file
    assert "heeft niet binnen 7 dagen bevestigd; de plaats is vrijgegeven" in told
    promoted = visible_text(outbox_posts(slack, waiting)[-1]["blocks"])
    assert "er is een plaats vrijgekomen" in promoted
    late = services.sessions.confirm(UserRef("slack", manager), aim(services, session_id))
    assert "geen plaats vastgehouden" in late.text
    assert place_of(services, session_id, manager) is Place.CANCELLED
    sender.close()


def test_how_long_a_place_is_held_is_read_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    programme = catalogue.get("managersruil")
    assert hold_days(programme) == 7
    assert hold_days(replace(programme, rules={**programme.rules, "held_place_days": 3})) == 3
    for wrong in (0, "7", True, 61):
        with pytest.raises(ValueError, match="held_place_days"):
            hold_days(replace(programme, rules={**programme.rules, "held_place_days": wrong}))


@pytest.mark.parametrize("method", ["chat.postMessage", "files.completeUploadExternal"])
def test_an_ambiguous_failure_sends_neither_the_message_nor_its_file_twice(
    services: Services, slack: SlackStandIn, clock: FixedClock, method: str
) -> None:
    user = new_user()
    session_id = add_session(services, local(2027, 1, 20, 14, 0))
    slack.post_then_fail(
        500, method=method
    )  # Slack did it, then answered 500 (this stand-in is the test's own)
    join(services, user, session_id)
    sender = sender_for(services, slack)
    for _ in range(10):  # the backoff is 30 seconds at first
        clock.advance(timedelta(seconds=30))
        sender.run_once(clock.now())
    assert len(outbox_posts(slack, user)) == 1
    assert len(slack.files_in(user)) == 1
    assert slack.calls(method)[0].status == 500  # the fault did happen
    sender.close()


def test_the_kick_off_as_a_form_is_prefilled_and_takes_the_place(bot: Bot, slack: SlackStandIn) -> None:
    user = new_user()
    slack.set_profile(
        user, real_name="Jan Jansen", title="Afdelingshoofd", email="jan@minfin.nl", phone="0612345678"
    )
    view = bot.open_form(user, "kick-off formulier")
    assert "alvast ingevuld" in visible_text(view["blocks"])
    shown = {
        b["block_id"].split(":", 1)[1]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b.get("type") == "input"
    }
    assert inputs(view)[0] == "department"  # the name came from Slack: it is in the summary to correct
    assert shown["function"] == "Afdelingshoofd"
    assert shown["email"] == "jan@minfin.nl"
    reply = bot.submit_form(
        user,
        view,
        {"department": "FIN / DGFZ", "address": "Korte Voorhout 7, Den Haag", "brings_manager": "Nee"},
    )
    assert reply["response_action"] == "update"
    summary = reply["view"]
    assert "Jan Jansen" in visible_text(summary["blocks"])
    done = bot.submit_form(user, summary)
    assert f"Je bent aangemeld voor {KICK_OFF}" in visible_text(done["view"]["blocks"])
