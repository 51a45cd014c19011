"""Proposals in the core: the catalogue's proposal rules, the anonymous post, organisations read as the
intake reads them, drafts under review (approve, remove, a manual match with a note), scheduled runs
once per slot, the coordinator asked, and what the outbox's checks drop."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.clock import FixedClock
from bot.engine import Value
from bot.i18n import Translator
from bot.outbox import CHECKS, Notices
from bot.programmes import load_catalogue
from bot.proposal_notices import describe_post, reasons_from_json, reasons_to_json, target
from bot.proposal_records import MemberState, ProposalState
from bot.proposals import (
    MatchSchedule,
    ProposalError,
    ProposalService,
    Schedule,
    organisation_code,
    policy_of,
    post_params,
    swap_dates,
)
from bot.records import Intake, IntakeStatus
from bot.services import UserRef
from bot.views import Act
from scheduler.tick import Tick
from tests.e2e.driver import new_user

PROGRAMME = "managersruil"
CATALOGUE = Path(__file__).resolve().parents[2] / "bot" / "data" / "programmes.yaml"


def answers(ministry: str, wanted: list[str], **more: Value) -> dict[str, Value]:
    given: dict[str, Value] = {
        "ministry": ministry,
        "directorate": "Directie X",
        "function": "Hoofd Y",
        "scale": 15,
        "field": "beleid",
        "wanted_fields": ["any"],
        "wanted_ministries": wanted,
        "period": 12,
        "start": "2027-03-01",
        "supervisor": "supports",
        "region": "Den Haag",
        "learning": "leren",
    }
    return {**given, **more}


def register(services: Services, who: str, given: Mapping[str, Value], programme: str = PROGRAMME) -> None:
    now = services.clock.now()
    with services.uow() as uow:
        person = uow.participants.add("slack", who, "nl", now)
        uow.intakes.add(
            Intake(
                person.id,
                programme,
                1,
                now,
                now,
                status=IntakeStatus.CONFIRMED,
                dialogue_id=programme,
                answers=dict(given),
                confirmed_at=now,
            )
        )
        uow.commit()


def pair(services: Services) -> tuple[str, str]:
    # AZ and KGG only want each other: nobody else in a shared database can come between them.
    ann, bob = new_user(), new_user()
    register(services, ann, answers("AZ", ["KGG"]))
    register(services, bob, answers("KGG", ["AZ"]))
    return ann, bob


def catalogue_with(tmp_path: Path, proposals: str) -> Path:
    text = CATALOGUE.read_text("utf-8")
    marker = "      proposals:\n        expiry_days: 7\n        review: false\n"
    assert marker in text
    path = tmp_path / "programmes.yaml"
    path.write_text(text.replace(marker, f"      proposals: {proposals}\n"), "utf-8")
    return path


# ---- pure parts ----------------------------------------------------------------------------------


def test_the_catalogue_gives_expiry_review_schedule_and_coordinators(tmp_path: Path) -> None:
    policy = policy_of(load_catalogue().get(PROGRAMME))
    assert policy.expiry == timedelta(days=7)
    assert not policy.review
    assert policy.schedule is None
    assert policy.coordinators == ("U0000MR01",)
    path = catalogue_with(
        tmp_path, '{expiry_days: 5, review: true, schedule: {days: [mon, thu], at: "10:00"}}'
    )
    policy = policy_of(load_catalogue(path).get(PROGRAMME))
    assert policy.expiry == timedelta(days=5)
    assert policy.review
    assert policy.schedule == Schedule((0, 3), time(10, 0))
    bad = catalogue_with(tmp_path, '{schedule: {days: [someday], at: "10:00"}}')
    with pytest.raises(ValueError, match="schedule"):
        policy_of(load_catalogue(bad).get(PROGRAMME))


def test_a_schedule_names_its_latest_slot_in_amsterdam_time() -> None:
    schedule = Schedule((0,), time(10, 0))  # Mondays 10:00
    monday_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam
    assert schedule.latest_slot(monday_9) == "2026-11-23T10:00"  # last week's
    assert schedule.latest_slot(monday_9 + timedelta(hours=1)) == "2026-11-30T10:00"


def test_the_anonymous_post_names_level_field_and_ministry_only() -> None:
    params = post_params(answers("FIN", ["any"], ministry_other="Gemeente Geheim"))
    t = Translator("nl")
    text = describe_post(t, params)
    assert text == "schaal 15, richting Beleid, bij het ministerie van Financiën (FIN)"
    other = describe_post(t, post_params(answers("other", ["any"], ministry_other="Gemeente Geheim")))
    assert "Gemeente Geheim" not in other
    assert "andere overheidsorganisatie" in other
    assert "Hoofd Y" not in str(params)
    assert "Directie X" not in str(params)


def test_reasons_survive_the_outbox_as_json() -> None:
    from bot.engine import Message, Ref

    reasons = (
        Message("match.why.other_ministry"),
        Message("match.why.wished_ministry", {"value": Ref("ministry.FIN")}),
    )
    assert reasons_from_json(reasons_to_json(reasons)) == reasons
    assert reasons_from_json("not json") == ()


def test_organisations_are_read_as_the_intake_reads_a_ministry() -> None:
    today = date(2026, 11, 27)
    assert organisation_code("finacien", today) == "FIN"
    assert organisation_code("ministerie van Binnenlandse Zaken", today) == "BZK"
    assert organisation_code("Gemeente Utrecht", today) == "other:gemeente utrecht"
    assert organisation_code("zaken", today) is None  # several ministries: asked, not guessed


def test_swap_dates_start_at_the_later_start_for_the_shorter_period() -> None:
    start, back = swap_dates(
        [answers("FIN", [], start="2027-03-01", period=18), answers("BZK", [], start="2027-04-15", period=6)],
        date(2026, 11, 27),
    )
    assert (start, back) == (date(2027, 4, 15), date(2027, 10, 15))


# ---- the service over a rolled-back database -------------------------------------------------------


def test_a_run_under_review_makes_drafts_that_are_sent_only_when_approved(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    services = wire(sessions, clock=clock)
    catalogue = load_catalogue(catalogue_with(tmp_path, "{review: true}"))
    service = ProposalService(services.uow, clock, catalogue, services.window)
    ann, bob = pair(services)
    report = service.run(PROGRAMME, among=[ann, bob])
    assert report.drafts
    assert len(report.proposals) == 1
    [draft] = [d for d in service.drafts(PROGRAMME) if d.id == report.proposals[0]]
    assert [m.external_id for m in draft.members] == [ann, bob]
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", ann) == []  # nobody hears of a draft
    assert service.run(PROGRAMME, among=[ann, bob]).proposals == ()  # a draft keeps them out of the pool

    sent = service.approve(draft.id)
    assert sent.state is ProposalState.OPEN
    assert sent.expires_at is not None
    with services.uow() as uow:
        assert [m.template for m in uow.outbox.waiting("slack", ann)] == [
            "proposal.offer",
            "proposal.reminder",
        ]
    with pytest.raises(ProposalError, match="not a draft"):
        service.approve(draft.id)


def test_a_coordinator_removes_a_draft_and_adds_a_manual_match_with_a_note(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    services = wire(sessions, clock=clock)
    catalogue = load_catalogue(catalogue_with(tmp_path, "{review: true}"))
    service = ProposalService(services.uow, clock, catalogue, services.window)
    ann, bob = pair(services)
    [made] = service.run(PROGRAMME, among=[ann, bob]).proposals
    assert service.remove(made).state is ProposalState.REMOVED
    manual = service.add_manual(PROGRAMME, [bob, ann], "kennen elkaars teams al")
    assert manual.state is ProposalState.DRAFT
    assert manual.note == "kennen elkaars teams al"
    assert [m.external_id for m in manual.members] == [bob, ann]
    assert manual.score > 0  # scored by the same rules
    with pytest.raises(ProposalError, match="already in a proposal"):
        service.add_manual(PROGRAMME, [ann, bob], "")
    with pytest.raises(ProposalError, match="no confirmed"):
        service.add_manual(PROGRAMME, [ann, "UNOBODY"], "")


def test_a_scheduled_run_happens_once_per_slot_even_with_two_instances(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    services = wire(sessions, clock=clock)
    catalogue = load_catalogue(catalogue_with(tmp_path, '{schedule: {days: [mon], at: "10:00"}}'))
    service = ProposalService(services.uow, clock, catalogue, services.window)
    first, second = (
        MatchSchedule(service, catalogue, services.uow),
        MatchSchedule(service, catalogue, services.uow),
    )
    ann, _bob = pair(services)
    monday = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)  # 10:05 in Amsterdam
    clock.advance(monday - clock.now())
    # Two instances tick at the same moment, each with its own producer (as the tick runs them).
    Tick(services.uow, [first])(monday)
    Tick(services.uow, [second])(monday)
    with services.uow() as uow:
        assert uow.proposals.last_run(PROGRAMME) == "2026-11-30T10:00"
        assert not uow.proposals.claim_run(PROGRAMME, "2026-11-30T10:00", monday)
        person = uow.participants.find("slack", ann)
        assert person is not None
        assert len(uow.proposals.of_participant(person.id)) == 1  # one run: one proposal


def test_asking_the_coordinator_tells_them_and_not_the_other_party(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    reply = services.proposals.act(UserRef("slack", ann), Act.PROPOSAL_ASK, target(made))
    assert "coördinator gevraagd" in reply.text
    assert bob not in reply.text
    assert not reply.applied
    with services.uow() as uow:
        [asked] = [m for m in uow.outbox.waiting("slack", "U0000MR01") if m.params.get("proposal_id") == made]
        screen = Notices(services.catalogue).screen(asked)
        assert screen.mentions == (ann,)
        assert f"voorstel {made}" in screen.text
        proposal = uow.proposals.get(made)
        assert proposal is not None
        assert all(m.state is MemberState.PENDING for m in proposal.members)


def test_an_offer_still_queued_is_dropped_once_the_proposal_is_over(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    services.proposals.act(UserRef("slack", bob), Act.PROPOSAL_DECLINE, target(made))
    with services.uow() as uow:
        offer = next(m for m in uow.outbox.waiting("slack", ann) if m.template == "proposal.offer")
        assert not CHECKS["proposal.offer"](uow, offer)
        ended = next(m for m in uow.outbox.waiting("slack", ann) if m.template == "proposal.ended")
        assert CHECKS["proposal.ended"](uow, ended)  # told, as Ann is still registered
        assert ended.params.get("proposal_id") == made


def test_stopping_a_registration_during_a_proposal_ends_it_for_the_others(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    me = UserRef("slack", bob)
    services.intake.command(me, "managersruil stop")
    services.intake.act(me, Act.CANCEL_YES)
    services.tick(services.clock.now())
    with services.uow() as uow:
        proposal = uow.proposals.get(made)
        assert proposal is not None
        assert proposal.state is ProposalState.DECLINED
        assert [m.state for m in proposal.members] == [MemberState.PENDING, MemberState.WITHDRAWN]
        told = [m for m in uow.outbox.waiting("slack", ann) if m.template == "proposal.ended"]
        assert [m.params.get("proposal_id") for m in told] == [made]
        pair_ids = frozenset(m.participant_id for m in proposal.members)
        assert pair_ids not in uow.proposals.declined_pairs(PROGRAMME)  # a withdrawal is no refusal


def test_two_answers_at_the_same_moment_cannot_both_miss_being_the_last(services: Services) -> None:
    from bot.ports import Conflict

    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    with services.uow() as uow:
        seen = uow.proposals.get(made)
        assert seen is not None
        uow.proposals.touch(seen)  # one answer claims the proposal ...
        with pytest.raises(Conflict):
            uow.proposals.touch(seen)  # ... and one that read the same version must read again


def test_every_matching_word_gets_a_friendly_answer(services: Services) -> None:
    me = UserRef("slack", new_user())
    register(services, me.external_id, answers("FIN", ["BZK"]))
    said = {
        text: services.intake.text(me, text)
        for text in ("reden", "reden geen tijd", "niet-met", "niet-met zaken")
    }
    assert "Typ reden en dan je uitleg" in said["reden"].text  # type: ignore[union-attr]
    assert "geen afgeslagen voorstel" in said["reden geen tijd"].text  # type: ignore[union-attr]
    assert "Je lijst is leeg" in said["niet-met"].text  # type: ignore[union-attr]
    assert "niet als organisatie lezen" in said["niet-met zaken"].text  # type: ignore[union-attr]
    added = services.intake.text(me, "niet met Binnenlandse Zaken")
    assert added is not None
    assert "geen ruil voor met Binnenlandse Zaken en Koninkrijksrelaties (BZK)" in added.text
    reply = services.intake.command(me, "pauze")
    assert "op pauze" in reply.ephemeral.text


def test_an_answer_that_starts_like_a_matching_word_stays_an_answer(services: Services) -> None:
    me = UserRef("slack", new_user())
    services.intake.start(me, PROGRAMME)
    services.intake.text(me, "finacien")
    services.intake.text(me, "Directie Begroting")
    reply = services.intake.text(me, "reden van bestaan bewaken")  # the function, question 3
    assert reply is not None
    assert "ziet hem" not in reply.text
    with services.uow() as uow:
        person = uow.participants.find("slack", me.external_id)
        assert person is not None
        [intake] = uow.intakes.of(person.id)
        assert intake.answers["function"] == "reden van bestaan bewaken"


def test_a_click_after_the_deadline_but_before_the_tick_changes_nothing(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    assert isinstance(services.clock, FixedClock)
    services.clock.advance(timedelta(days=7, minutes=1))
    reply = services.proposals.act(UserRef("slack", ann), Act.PROPOSAL_ACCEPT, target(made))
    assert "verlopen" in reply.text
    assert not reply.applied
    services.tick(services.clock.now())
    proposal = services.proposals.get(made)
    assert proposal is not None
    assert proposal.state is ProposalState.EXPIRED
    assert [m.state for m in proposal.members] == [MemberState.EXPIRED, MemberState.EXPIRED]


def test_the_coordinators_figures_count_proposed_accepted_and_placed(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    with services.uow() as uow:
        before = services.proposals.counts(uow, PROGRAMME)
    for who in (ann, bob):
        services.proposals.act(UserRef("slack", who), Act.PROPOSAL_ACCEPT, target(made))
    for who in (ann, bob):
        services.proposals.act(UserRef("slack", who), Act.SUPERVISOR_OK, target(made))
    with services.uow() as uow:
        after = services.proposals.counts(uow, PROGRAMME)
    # Other tests' people may share this database: compare with before, for this pair.
    assert after[0] == before[0]
    assert after[1] == before[1] + 2
    assert after[2] == before[2] + 2


def test_erasing_a_person_ends_their_open_proposal_for_the_others(services: Services) -> None:
    ann, bob = pair(services)
    [made] = services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    for who in (ann, bob):  # everyone said yes: the group message names them both
        services.proposals.act(UserRef("slack", who), Act.PROPOSAL_ACCEPT, target(made))
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", f"{ann},{bob}") != []
    with services.uow() as uow:
        person = uow.participants.find("slack", bob)
        assert person is not None
        services.privacy.erase_in(uow, person, services.clock.now())
        uow.commit()
    with services.uow() as uow:
        proposal = uow.proposals.get(made)
        assert proposal is not None
        assert proposal.state is ProposalState.DECLINED
        assert [m.external_id for m in proposal.members] == [ann]  # Bob's rows are gone
        told = [m for m in uow.outbox.waiting("slack", ann) if m.template == "proposal.ended"]
        assert [m.params.get("proposal_id") for m in told] == [made]
        assert uow.outbox.waiting("slack", bob) == []
        assert uow.outbox.waiting("slack", f"{ann},{bob}") == []  # the introduction named Bob
