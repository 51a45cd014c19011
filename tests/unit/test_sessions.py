"""Sessions and events: the rules (places, the waitlist, reminders) and the service on the database,
with a fixed clock. What reaches Slack is in tests/e2e/test_sessions.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot import calendar
from bot.bootstrap import Services
from bot.clock import AMSTERDAM, FixedClock
from bot.i18n import Translator
from bot.interaction import Target
from bot.outbox import OutboxMessage
from bot.programmes import Localised
from bot.services import UserRef
from bot.session_records import Place, due_reminder, next_reminder
from bot.sessions import STEP, SessionError, SessionReminders
from tests.e2e.driver import new_user
from tests.unit.test_console import run_console

START = datetime(2027, 8, 30, 14, 30, tzinfo=UTC)  # Monday 30 August 2027, 16:30 in Amsterdam
DAYS = (7, 1)


def test_the_next_reminder_is_the_first_still_to_come() -> None:
    assert next_reminder(START, DAYS, START - timedelta(days=30)) == START - timedelta(days=7)
    assert next_reminder(START, DAYS, START - timedelta(days=7)) == START - timedelta(days=1)
    assert next_reminder(START, DAYS, START - timedelta(days=3)) == START - timedelta(days=1)
    assert next_reminder(START, DAYS, START - timedelta(hours=2)) is None


def test_a_late_tick_sends_the_latest_reminder_only() -> None:
    assert due_reminder(START, DAYS, START - timedelta(days=8)) is None
    assert due_reminder(START, DAYS, START - timedelta(days=7)) == 7
    assert due_reminder(START, DAYS, START - timedelta(hours=20)) == 1  # both came: just tomorrow's
    assert due_reminder(START, DAYS, START) is None


def small_session(services: Services, capacity: int | None = 2, days: int = 30) -> int:
    starts = services.clock.now() + timedelta(days=days)
    session = services.sessions.add(
        "managersruil",
        Localised("Proefsessie", "Trial session"),
        starts,
        starts + timedelta(hours=2),
        location="Den Haag",
        capacity=capacity,
    )
    assert session.id is not None
    return session.id


def target(services: Services, session_id: int) -> Target:
    with services.uow() as uow:
        session = uow.sessions.get(session_id)
    assert session is not None
    return Target(session_id, session.sequence, STEP)


def queued(services: Services, user: str) -> list[OutboxMessage]:
    with services.uow() as uow:
        return uow.outbox.waiting("slack", user)


def place_of(services: Services, session_id: int, user: str) -> Place | None:
    with services.uow() as uow:
        person = uow.participants.find("slack", user)
        found = uow.sessions.registration(session_id, person.id) if person else None
    return found.place if found else None


def test_the_catalogue_seeds_every_event_once(services: Services) -> None:
    assert services.sessions.seed() == 0  # wire() seeded them already
    listed = {s.title.nl for s, _ in services.sessions.upcoming()}
    assert "Kick-off Managersruil: ‘jouw manager, mijn manager’" in listed
    assert any("Baas in eigen Beweging" in t for t in listed)
    assert any("Speeddate" in t for t in listed)
    assert any("Intervisie" in t for t in listed)


def test_capacity_holds_and_the_waitlist_moves_up(services: Services) -> None:
    session_id = small_session(services, capacity=2)
    first, second, third = (UserRef("slack", new_user()) for _ in range(3))
    for person in (first, second, third):
        services.sessions.join(person, target(services, session_id))
    assert [place_of(services, session_id, p.external_id) for p in (first, second, third)] == [
        Place.REGISTERED,
        Place.REGISTERED,
        Place.WAITLISTED,
    ]
    assert [m.template for m in queued(services, third.external_id)] == []
    left = services.sessions.leave(first, target(services, session_id))
    assert "afgemeld" in left.text
    assert place_of(services, session_id, third.external_id) is Place.REGISTERED
    assert [m.template for m in queued(services, third.external_id)] == ["session.promoted"]


def test_more_places_move_the_waitlist_up(services: Services) -> None:
    session_id = small_session(services, capacity=1)
    first, second = (UserRef("slack", new_user()) for _ in range(2))
    for person in (first, second):
        services.sessions.join(person, target(services, session_id))
    services.sessions.set_capacity(session_id, 2)
    assert place_of(services, session_id, second.external_id) is Place.REGISTERED


def test_a_stale_or_forged_click_changes_nothing(services: Services) -> None:
    session_id = small_session(services)
    me = UserRef("slack", new_user())
    old = target(services, session_id)
    moved_to = services.clock.now() + timedelta(days=40)
    services.sessions.move(session_id, moved_to, moved_to + timedelta(hours=1))
    screen = services.sessions.join(me, old)
    assert not screen.applied
    assert "verplaatst" in screen.text
    assert place_of(services, session_id, me.external_id) is None
    forged = services.sessions.join(me, Target(999_999, 0, STEP))
    assert not forged.applied
    assert place_of(services, session_id, me.external_id) is None


def test_registration_after_the_deadline_is_refused_kindly(services: Services, clock: FixedClock) -> None:
    starts = clock.now() + timedelta(days=10)
    session = services.sessions.add(
        "managersruil",
        Localised("Laat", "Late"),
        starts,
        starts + timedelta(hours=1),
        registration_deadline=clock.now() - timedelta(hours=1),
    )
    assert session.id is not None
    me = UserRef("slack", new_user())
    screen = services.sessions.join(me, target(services, session.id))
    assert not screen.applied
    assert "kon tot" in screen.text
    assert place_of(services, session.id, me.external_id) is None


def test_a_coordinator_cannot_end_a_session_before_it_starts(services: Services) -> None:
    session_id = small_session(services)
    now = services.clock.now()
    with pytest.raises(SessionError):
        services.sessions.move(session_id, now + timedelta(days=3), now + timedelta(days=2))


def test_typed_words_list_and_register(services: Services) -> None:
    me = UserRef("slack", new_user())
    listed = services.intake.text(me, "sessies")
    assert listed is not None
    assert "Komende sessies" in listed.text
    help_ = services.intake.text(me, "sessies huh")
    assert help_ is not None
    assert "ken ik niet als opdracht" in help_.text


def test_sessions_in_the_console(monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str) -> None:
    out = run_console(
        monkeypatch,
        fresh_sqlite_url,
        ["sessies", "sessies aanmelden 1", "akkoord", "sessies", "sessies afmelden 1", "sessies 1"],
    )
    assert "Komende sessies en bijeenkomsten:" in out
    assert "1. Start eerste groep (15 deelnemers) (Peer-to-Peer)" in out
    asked = out.index("Voordat we beginnen met Peer-to-Peer")  # consent first, as for an intake
    assert "Typ akkoord om te beginnen" in out[asked:]
    # It says what a registration keeps; no questions follow it.
    assert "je aanmeldingen voor bijeenkomsten van Peer-to-Peer" in out[asked:]
    assert "de vragen die volgen" not in out
    assert "Je bent aangemeld voor Start eerste groep" in out[asked:]
    assert "nog 14 van de 15 plaatsen vrij · je bent aangemeld" in out
    assert "Je bent afgemeld voor Start eerste groep" in out
    assert "'1' ken ik niet als opdracht" in out  # a number without what to do with it


def test_a_reminder_that_could_only_arrive_after_the_start_is_not_sent(
    services: Services, clock: FixedClock
) -> None:
    # Monday 7 December 2026 at 08:00: the day-before reminder falls on Sunday, and Monday opens at 09:00.
    starts = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    session = services.sessions.add(
        "managersruil", Localised("Vroeg", "Early"), starts, starts + timedelta(hours=1)
    )
    assert session.id is not None
    user = new_user()
    services.sessions.join(UserRef("slack", user), target(services, session.id))
    clock.advance(starts - timedelta(days=7) - clock.now())
    services.tick(clock.now())
    clock.advance(timedelta(days=6, hours=22))  # Sunday evening, and the Monday morning before 08:00
    services.tick(clock.now())
    reminders = [m for m in queued(services, user) if m.template == "session.reminder"]
    assert [m.params["days"] for m in reminders] == [7]  # the week-before one, sent on 30 November


def test_the_ics_has_utc_times_the_uid_and_the_sequence() -> None:
    invite = calendar.Invite(
        uid=calendar.uid(7),
        sequence=2,
        title="Kick-off",
        starts_at=datetime(2027, 8, 30, 16, 30, tzinfo=AMSTERDAM),
        ends_at=datetime(2027, 8, 30, 18, 30, tzinfo=AMSTERDAM),
        location="Pulchri Studio",
        description="",
    )
    parsed = Calendar.from_ical(calendar.ics(invite, START))
    (event,) = parsed.walk("VEVENT")
    assert str(parsed["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == datetime(2027, 8, 30, 14, 30, tzinfo=UTC)
    assert str(event["UID"]) == "session-7@ruilbot"
    assert int(event["SEQUENCE"]) == 2
    cancelled = Calendar.from_ical(calendar.ics(replace(invite, sequence=3, cancelled=True), START))
    assert str(cancelled["METHOD"]) == "CANCEL"
    assert str(cancelled.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_a_move_asks_a_held_manager_again_for_the_new_time(services: Services) -> None:
    session_id = small_session(services, capacity=5)
    adviser, manager = new_user(), new_user()
    with services.uow() as uow:
        person = uow.participants.add("slack", adviser, "nl", services.clock.now())
        uow.commit()
    services.sessions.join(UserRef("slack", adviser), target(services, session_id))
    with services.uow() as uow:
        session = uow.sessions.get(session_id)
        assert session is not None
        line = services.sessions._bring(uow, person, session, manager, Translator("nl"), services.clock.now())
        uow.commit()
    assert "houd ik een plaats vast" in line
    moved_to = services.clock.now() + timedelta(days=40)
    services.sessions.move(session_id, moved_to, moved_to + timedelta(hours=1))
    invitations = [m for m in queued(services, manager) if m.template == "session.invited"]
    assert [m.params["sequence"] for m in invitations] == [0, 1]
    assert place_of(services, session_id, manager) is Place.HELD
    services.sessions.confirm(UserRef("slack", manager), target(services, session_id))
    assert place_of(services, session_id, manager) is Place.REGISTERED


class _NoReminders:
    """Preferences of someone who turned session reminders off (the outreach branch builds the switch)."""

    def __init__(self, real: Any, quiet: int) -> None:
        self._real, self._quiet = real, quiet

    def wants(self, participant_id: int, kind: str) -> bool:
        return not (participant_id == self._quiet and kind == "reminders") and self._real.wants(
            participant_id, kind
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_a_person_who_turned_reminders_off_gets_none(services: Services, clock: FixedClock) -> None:
    session_id = small_session(services, days=20)
    quiet, chatty = new_user(), new_user()
    for user in (quiet, chatty):
        services.sessions.join(UserRef("slack", user), target(services, session_id))
    with services.uow() as uow:
        person = uow.participants.find("slack", quiet)
        assert person is not None
    producer = SessionReminders(services.catalogue, services.window)
    clock.advance(timedelta(days=13, hours=1))  # a week before
    with services.uow() as uow:
        uow.preferences = _NoReminders(uow.preferences, person.id)  # type: ignore[misc]
        producer(uow, clock.now(), 100)
        uow.commit()
    assert [m.template for m in queued(services, quiet) if m.template == "session.reminder"] == []
    assert [m.template for m in queued(services, chatty) if m.template == "session.reminder"] == [
        "session.reminder"
    ]


def test_withdrawing_the_kick_off_registration_gives_up_the_place_and_its_details(
    services: Services, clock: FixedClock
) -> None:
    me = UserRef("slack", new_user(), profile=lambda: {"real_name": "Jan Jansen", "email": "jan@minfin.nl"})
    kick_off = next(s for s, _ in services.sessions.upcoming() if s.event_key == "kick-off")
    assert kick_off.id is not None
    consent = services.sessions.join(me, Target(kick_off.id, kick_off.sequence, STEP))
    assert consent.consent == "managersruil/kick-off"  # what we keep, and may we: asked first
    asked = services.intake.consent(me, consent.consent, True)  # 'Akkoord'
    assert "alvast ingevuld" in asked.text
    assert "Bij welk departement" in asked.text
    for answer in ("FIN", "Afdelingshoofd", "Korte Voorhout 7, Den Haag", "0612345678", "nee", "ja"):
        services.intake.text(me, answer)
    assert place_of(services, kick_off.id, me.external_id) is Place.REGISTERED
    services.intake.text(me, "stop")
    stopped = services.intake.text(me, "ja")
    assert stopped is not None
    assert "Je bent afgemeld voor Kick-off Managersruil" in stopped.text
    assert place_of(services, kick_off.id, me.external_id) is Place.CANCELLED
    with services.uow() as uow:
        person = uow.participants.find("slack", me.external_id)
        assert person is not None
        kept = uow.sessions.registration(kick_off.id, person.id)
    assert kept is not None
    assert kept.answers == {}


def test_herinneringen_uit_stops_session_reminders_even_when_queued(
    services: Services, clock: FixedClock
) -> None:
    session_id = small_session(services, days=20)
    quiet = UserRef("slack", new_user())
    services.sessions.join(quiet, target(services, session_id))
    clock.advance(timedelta(days=13, hours=1))
    services.tick(clock.now())
    assert [m.template for m in queued(services, quiet.external_id) if m.template == "session.reminder"] == [
        "session.reminder"
    ]
    services.intake.command(quiet, "meldingen herinneringen uit")
    with services.uow() as uow:
        [reminder] = [
            m for m in uow.outbox.waiting("slack", quiet.external_id) if m.template == "session.reminder"
        ]
        assert services.notices.as_now(uow, reminder, clock.now()) is None  # the sender drops it
