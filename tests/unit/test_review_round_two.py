"""Found in review of the merged sessions, proposals and privacy work, and fixed: each test failed
before its fix."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.engine import Value
from bot.i18n import Translator
from bot.interaction import Target
from bot.proposals import STEP as PROPOSAL_STEP
from bot.records import IntakeStatus
from bot.services import UserRef
from bot.session_records import Place, Registration
from bot.sessions import SessionError
from bot.views import Act
from tests.e2e.driver import new_user
from tests.samples import SAMPLES
from tests.unit.test_proposals import answers, pair
from tests.unit.test_proposals import register as confirmed
from tests.unit.test_sessions import place_of, queued, small_session, target


def bring(services: Services, session_id: int, adviser: str, manager: str) -> None:
    """What the kick-off registration does when an MD adviser names a manager (`<@U…>`)."""
    with services.uow() as uow:
        person = uow.participants.find("slack", adviser)
        session = uow.sessions.get(session_id)
        assert person is not None
        assert session is not None
        services.sessions._bring(uow, person, session, manager, Translator("nl"), services.clock.now())
        uow.commit()


def erase(services: Services, user: str) -> None:
    services.privacy.ask_forget("slack", user)
    services.privacy.forget("slack", user, True)


def test_erasing_an_adviser_keeps_the_managers_place_and_moves_the_waitlist_up(services: Services) -> None:
    session_id = small_session(services, capacity=2)
    adviser, manager, waiting = new_user(), new_user(), new_user()
    services.sessions.join(UserRef("slack", adviser), target(services, session_id))
    bring(services, session_id, adviser, manager)
    services.sessions.confirm(UserRef("slack", manager), target(services, session_id))
    services.sessions.join(UserRef("slack", waiting), target(services, session_id))
    assert place_of(services, session_id, waiting) is Place.WAITLISTED
    exported = json.loads(services.privacy.export("slack", adviser).document.content)
    with services.uow() as uow:
        theirs = uow.participants.find("slack", manager)
    assert theirs is not None
    assert all(r["participant_id"] != theirs.id for r in exported["tables"]["session_registrations"])

    erase(services, adviser)

    assert place_of(services, session_id, manager) is Place.REGISTERED  # the manager's own place stays
    assert place_of(services, session_id, waiting) is Place.REGISTERED  # the adviser's place moved up
    assert "session.promoted" in [m.template for m in queued(services, waiting)]


def test_register_leave_and_register_again_sends_every_calendar_file(services: Services) -> None:
    session_id = small_session(services, capacity=5)
    me = UserRef("slack", new_user())
    for _ in range(2):
        services.sessions.join(me, target(services, session_id))
        services.sessions.leave(me, target(services, session_id))
    templates = [m.template for m in queued(services, me.external_id)]
    assert templates == ["session.registered", "session.left"] * 2


def test_promoted_from_the_waitlist_twice_hears_it_twice(services: Services) -> None:
    session_id = small_session(services, capacity=1)
    a, b = UserRef("slack", new_user()), UserRef("slack", new_user())
    aim = target(services, session_id)
    for step in ("a", "b", "-a", "a", "-b", "b", "-a"):
        who = a if step.endswith("a") else b
        (services.sessions.leave if step.startswith("-") else services.sessions.join)(who, aim)
    assert [m.template for m in queued(services, b.external_id)].count("session.promoted") == 2


def test_an_adviser_who_names_another_manager_lets_the_first_place_go(services: Services) -> None:
    session_id = small_session(services, capacity=3)
    adviser, first, second = new_user(), new_user(), new_user()
    services.sessions.join(UserRef("slack", adviser), target(services, session_id))
    bring(services, session_id, adviser, first)
    bring(services, session_id, adviser, second)
    assert place_of(services, session_id, first) is Place.CANCELLED
    assert place_of(services, session_id, second) is Place.HELD


def test_erasure_takes_the_message_that_named_them_to_a_coordinator(services: Services) -> None:
    ann, bob = pair(services)
    proposal = services.proposals.add_manual("managersruil", [ann, bob], "")
    services.proposals.act(UserRef("slack", ann), Act.PROPOSAL_ASK, Target(proposal.id, 0, PROPOSAL_STEP))
    exported = json.loads(services.privacy.export("slack", ann).document.content)
    assert any(r["template"] == "proposal.ask" for r in exported["tables"]["outbox"])  # theirs to see

    erase(services, ann)

    with services.uow() as uow:
        coordinators = uow.outbox.waiting("slack", "U0000MR01")
    assert not [m for m in coordinators if ann in json.dumps(dict(m.params))]


def confirmed_and_open(services: Services, clock: FixedClock) -> UserRef:
    """A confirmed Peer-to-Peer assignment, then a report to Van regels naar ruimte under way."""
    me = UserRef("console", new_user())
    services.intake.start(me, "peer-to-peer/opdracht")
    for answer in [*SAMPLES["peer-to-peer/opdracht"], "ja"]:
        services.intake.text(me, answer)
        clock.advance(timedelta(seconds=20))
    services.intake.start(me, "regels-naar-ruimte")
    services.intake.text(me, SAMPLES["regels-naar-ruimte"][0])
    clock.advance(timedelta(seconds=20))
    return me


def test_yes_to_stopping_one_registration_is_not_an_answer_in_another(
    services: Services, clock: FixedClock
) -> None:
    me = confirmed_and_open(services, clock)
    asked = services.intake.command(me, "peer opdracht stop")
    assert asked.direct is not None
    assert "intrekken" in " ".join(asked.direct.lines)
    clock.advance(timedelta(seconds=20))
    done = services.intake.text(me, "ja")
    assert "is gestopt" in " ".join(done.lines)
    with services.uow() as uow:
        person = uow.participants.find("console", me.external_id)
        assert person is not None
        report = uow.intakes.current(person.id, "regels-naar-ruimte")
        assignment = uow.intakes.current(person.id, "peer-to-peer/opdracht")
    assert report is not None
    assert list(report.answers) == ["organisation"]  # 'ja' was not stored as the rule
    assert assignment is None or assignment.status is IntakeStatus.CANCELLED


def test_an_old_stop_question_left_unanswered_decides_nothing_later(
    services: Services, clock: FixedClock
) -> None:
    me = confirmed_and_open(services, clock)
    services.intake.command(me, "peer opdracht stop")
    clock.advance(timedelta(seconds=20))
    services.intake.start(me, "regels-naar-ruimte")  # back to the report, which moves on
    services.intake.text(me, SAMPLES["regels-naar-ruimte"][1])
    clock.advance(timedelta(seconds=20))
    services.intake.text(me, "ja")  # an answer in the report, days after the stop question
    with services.uow() as uow:
        person = uow.participants.find("console", me.external_id)
        assert person is not None
        assignment = uow.intakes.current(person.id, "peer-to-peer/opdracht")
    assert assignment is not None
    assert assignment.status is IntakeStatus.CONFIRMED


def test_confirming_an_intake_says_nothing_about_sessions(services: Services) -> None:
    me = UserRef("slack", new_user())
    services.intake.start(me, "managersruil")
    for answer in SAMPLES["managersruil"]:
        services.intake.text(me, answer)
    done = " ".join(services.intake.text(me, "ja").lines)
    assert "je aanmelding is binnen" in done
    assert "bijeenkomst" not in done  # only the kick-off's registration is about a session


def test_a_place_at_a_session_keeps_a_person_whose_consent_question_went_unanswered(
    raw_services: Services, clock: FixedClock
) -> None:
    me = UserRef("slack", new_user())
    raw_services.intake.start(me, "managersruil")  # the consent question is shown, and left
    session_id = small_session(raw_services, capacity=5, days=60)
    with raw_services.uow() as uow:  # a place taken before a one-click registration asked consent
        person = uow.participants.find("slack", me.external_id)
        assert person is not None
        now = raw_services.clock.now()
        uow.sessions.put(Registration(session_id, person.id, Place.REGISTERED, now, now, now))
        uow.commit()
    clock.advance(timedelta(days=31))
    raw_services.tick(clock.now())
    assert place_of(raw_services, session_id, me.external_id) is Place.REGISTERED


def test_a_session_cannot_be_moved_into_the_past(services: Services) -> None:
    session_id = small_session(services, capacity=5)
    past = services.clock.now() - timedelta(days=1)
    with pytest.raises(SessionError, match="still to come"):
        services.sessions.move(session_id, past, past + timedelta(hours=2))
    assert services.sessions.get(session_id) is not None


def test_taking_an_organisation_off_the_not_with_list_that_was_never_on_it_says_so(
    services: Services,
) -> None:
    me = UserRef("slack", new_user())
    confirmed(services, me.external_id, answers("FIN", ["BZK"]))
    said = services.proposals.typed(me, "niet-met weg AZ")
    assert said is not None
    assert "stond niet op je lijst" in " ".join(said.lines)


def test_status_says_a_paused_search_is_paused(services: Services) -> None:
    me = UserRef("slack", new_user())
    services.intake.start(me, "managersruil")
    for answer in [*SAMPLES["managersruil"], "ja"]:
        services.intake.text(me, answer)
    services.proposals.typed(me, "pauze")
    status = " ".join(services.intake.command(me, "status").ephemeral.lines)
    assert "staat op pauze" in status
    services.proposals.typed(me, "hervat")
    assert "staat op pauze" not in " ".join(services.intake.command(me, "status").ephemeral.lines)


LIB = "leidinggevenden-in-beweging"


def lib(organisation: str, kind: str, wanted: list[str], region: str = "Amersfoort") -> dict[str, Value]:
    return {
        "organisation": organisation,
        "organisation_kind": kind,
        "region": region,
        "function": "Teamleider",
        "team_size": 12,
        "wanted_kinds": wanted,
        "available_from": "2027-03-01",
        "speeddate": "yes",
        "learning_programme": "no",
    }


def test_leidinggevenden_in_beweging_is_matched_within_a_region_and_offered_anonymously(
    services: Services,
) -> None:
    ann, bob, cor = new_user(), new_user(), new_user()
    region = f"Regio {ann}"  # a region of this test's own: other tests' people can't come between
    confirmed(services, ann, lib("Gemeente Leusden", "gemeente", ["provincie"], region), LIB)
    confirmed(services, bob, lib("Provincie Utrecht", "provincie", ["gemeente"], region), LIB)
    confirmed(services, cor, lib("Gemeente Zeist", "gemeente", ["any"], "Elders"), LIB)  # another region
    report = services.proposals.run(LIB, among=[ann, bob, cor])
    assert len(report.proposals) == 1
    proposal = services.proposals.get(report.proposals[0])
    assert proposal is not None
    assert {m.external_id for m in proposal.members} == {ann, bob}
    with services.uow() as uow:
        [offer] = [m for m in uow.outbox.waiting("slack", ann) if m.template == "proposal.offer"]
    shown = " ".join(services.notices.screen(offer).lines)
    assert "provincie" in shown.lower()
    assert region in shown
    assert "Utrecht" not in shown  # the post, never the organisation that could point to a person


def test_a_brought_manager_who_declines_an_intakes_consent_keeps_the_held_place(
    services: Services, raw_services: Services
) -> None:
    session_id = small_session(services, capacity=2)
    adviser, manager = new_user(), new_user()
    services.sessions.join(UserRef("slack", adviser), target(services, session_id))
    bring(services, session_id, adviser, manager)
    me = UserRef("slack", manager)  # no intake, no consent: only the place held for them

    asked = raw_services.intake.start(me, "managersruil")
    assert "Voordat we beginnen met Managersruil" in asked.text
    declined = raw_services.intake.consent(me, "managersruil", False)

    assert "dan beginnen we niet aan" in declined.text
    assert place_of(services, session_id, manager) is Place.HELD  # the decline is about the intake only
