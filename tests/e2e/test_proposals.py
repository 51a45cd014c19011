"""Confidential proposals with double opt-in, end to end: confirmed intakes, a matching run, anonymous
offers in each DM through the outbox, clicks over signed HTTP to the real app, the group DM once
everyone said yes, declines, expiry with its reminder, a forged click, a 3-way swap, pause and
not-with. The clock is moved; nothing sleeps.

On PostgreSQL the database is shared with every other test (the app commits), so each run is limited
to this test's own people (`among`), and every assertion is about them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.clock import FixedClock
from bot.engine import Value
from bot.proposal_records import MemberState, Proposal, ProposalState
from bot.records import Intake, IntakeStatus
from scheduler.sender import SenderPolicy, SlackSender, sender_client
from tests.e2e.driver import Bot, Posted, new_user
from tests.slack_standin import DEFAULT_TOKEN, SlackStandIn, dm_channel_id
from tests.unit.test_spreadsheet import as_csv, manager

pytestmark = pytest.mark.e2e
PROGRAMME = "managersruil"


@pytest.fixture
def slack(clock: FixedClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=clock.now) as standin:
        yield standin


@pytest.fixture
def sender(bot: Bot, slack: SlackStandIn) -> Iterator[SlackSender]:
    assert bot.services is not None
    sender = SlackSender(
        bot.services.uow,
        sender_client(DEFAULT_TOKEN, slack.api_url, timeout=2.0),
        bot.services.notices,
        bot.services.window,
        worker="proposals-test",
        policy=SenderPolicy(timeout=2.0, per_second=1000.0, burst=1000),
    )
    yield sender
    sender.close()


def answers(ministry: str, wanted: list[str], **more: Value) -> dict[str, Value]:
    given: dict[str, Value] = {
        "ministry": ministry,
        "directorate": f"Directie Geheim {ministry}",
        "function": f"Hoofd Bijzondere Zaken {ministry}",
        "scale": 15,
        "field": "beleid",
        "wanted_fields": ["any"],
        "wanted_ministries": wanted,
        "period": 12,
        "start": "2027-03-01",
        "supervisor": "supports",
        "region": "Den Haag",
        "learning": "hoe de uitvoering werkt",
    }
    return {**given, **more}


def register(bot: Bot, who: str, given: Mapping[str, Value]) -> None:
    """A confirmed intake, stored through the services' own unit of work."""
    assert bot.services is not None
    now = bot.clock.now()
    with bot.services.uow() as uow:
        person = uow.participants.find("slack", who) or uow.participants.add("slack", who, "nl", now)
        uow.intakes.add(
            Intake(
                person.id,
                PROGRAMME,
                1,
                now,
                now,
                status=IntakeStatus.CONFIRMED,
                dialogue_id=PROGRAMME,
                answers=dict(given),
                confirmed_at=now,
            )
        )
        uow.commit()


def proposals_of(bot: Bot, who: str) -> list[Proposal]:
    assert bot.services is not None
    with bot.services.uow() as uow:
        person = uow.participants.find("slack", who)
        assert person is not None
        return uow.proposals.of_participant(person.id)


def offers(slack: SlackStandIn, who: str) -> list[dict[str, Any]]:
    """What the outbox posted in the person's DM."""
    return [m for m in slack.history(who) if (m.get("metadata") or {}).get("event_type") == "ruilbot_outbox"]


def send(sender: SlackSender, clock: FixedClock) -> None:
    """Deliver what is due; a few seconds on first, as Slack paces one post a second per channel."""
    clock.advance(timedelta(seconds=5))
    sender.run_once(clock.now())


def stop_registration(bot: Bot, who: str) -> None:
    """`/ruil managersruil stop`, and yes to the question in the DM."""
    before = len(bot.posted(who))
    bot.ruil(who, f"{PROGRAMME} stop")
    assert "gestopt" in bot.press(who, bot.wait_posted(who, before + 1), "Ja, stoppen").visible


def as_posted(who: str, message: dict[str, Any]) -> Posted:
    return Posted(dm_channel_id(who), str(message["ts"]), str(message["text"]), list(message["blocks"]))


def shown(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def offered_pair(bot: Bot, sender: SlackSender) -> tuple[str, str]:
    """Ann (Financien, wants BZK) and Bob (BZK, wants Financien): registered, proposed to each other,
    and both offers sent."""
    ann, bob = new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"]))
    register(bot, bob, answers("BZK", ["FIN"]))
    assert bot.services is not None
    bot.services.proposals.run(PROGRAMME, among=[ann, bob])
    send(sender, bot.clock)
    return ann, bob


def test_anonymous_proposals_then_everyone_accepts_and_meets_in_a_group_dm(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob = new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"], field="staf"))
    register(bot, bob, answers("BZK", ["FIN"], scale=14, period=18, start="2027-04-01"))
    assert bot.services is not None
    report = bot.services.proposals.run(PROGRAMME, among=[ann, bob])
    assert len(report.proposals) == 1
    assert not report.drafts
    send(sender, bot.clock)

    [to_ann] = offers(slack, ann)
    [to_bob] = offers(slack, bob)
    # Ann hears about Bob's post, anonymously: level, field, ministry and the period, and why.
    text_ann = as_posted(ann, to_ann).visible
    assert "schaal 14" in text_ann
    assert "Binnenlandse Zaken" in text_ann
    assert "Beleid" in text_ann
    assert "12 maanden, vanaf 1 april 2027" in text_ann
    assert "Waarom dit past: ander ministerie, gewenst ministerie" in text_ann
    assert "schaal 15" in as_posted(bob, to_bob).visible
    assert "Staf" in as_posted(bob, to_bob).visible
    # Nothing that points to the other person: no Slack id, no function or directorate.
    for message, other, ministry in ((to_ann, bob, "BZK"), (to_bob, ann, "FIN")):
        everything = shown(message)
        assert other not in everything
        assert f"Hoofd Bijzondere Zaken {ministry}" not in everything
        assert f"Directie Geheim {ministry}" not in everything
    assert as_posted(ann, to_ann).labels() == ["Ja, graag", "Nee, liever niet", "Vraag de coördinator"]

    reply = bot.press(ann, as_posted(ann, to_ann), "Ja, graag")
    assert "Zodra iedereen ja heeft gezegd" in reply.visible
    reply = bot.press(bob, as_posted(bob, to_bob), "Ja, graag")
    assert "Iedereen heeft ja gezegd" in reply.visible
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.ACCEPTED

    send(sender, bot.clock)
    [opened] = [c for c in slack.calls("conversations.open") if "," in str(c.args.get("users", ""))]
    assert set(str(opened.args["users"]).split(",")) == {ann, bob}
    group = str(opened.response["channel"]["id"]) if opened.response else ""
    [introduction] = slack.history(group)
    assert f"<@{ann}>" in shown(introduction)
    assert f"<@{bob}>" in shown(introduction)
    assert "Volgende stappen" in shown(introduction)

    # Then each confirms their own supervisor agrees; when both did, the swap goes ahead.
    ask_ann = offers(slack, ann)[-1]
    assert "leidinggevende" in shown(ask_ann)
    bot.press(ann, as_posted(ann, ask_ann), "Mijn leidinggevende stemt in")
    bot.press(bob, as_posted(bob, offers(slack, bob)[-1]), "Mijn leidinggevende stemt in")
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.CONFIRMED
    assert all(m.supervisor_ok_at is not None for m in proposal.members)
    assert proposal.starts_on is not None
    assert proposal.starts_on.isoformat() == "2027-04-01"
    assert proposal.returns_on is not None
    assert proposal.returns_on.isoformat() == "2028-04-01"
    # Check-ins wait in the outbox for during the swap: after a month, halfway, before the return.
    with bot.services.uow() as uow:
        waiting = [
            m.params.get("which") for m in uow.outbox.waiting("slack", ann) if m.template == "swap.checkin"
        ]
    assert sorted(str(w) for w in waiting) == ["half", "month", "return"]
    # A month into the swap (Saturday 1 May 2027: it waits for Monday morning), the first check-in.
    bot.clock.advance(datetime(2027, 5, 3, 8, 0, tzinfo=UTC) - bot.clock.now())
    send(sender, bot.clock)  # "the swap goes ahead" first, then the check-in (one post a second)
    send(sender, bot.clock)
    told = [shown(m) for m in offers(slack, ann)[-2:]]
    assert "de ruil in de Managersruil gaat door" in told[0]
    assert "loopt nu een maand" in told[1]
    assert bob not in told[1]


def test_a_decline_ends_it_for_everyone_kindly_and_the_pair_is_never_proposed_again(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob = offered_pair(bot, sender)
    assert bot.services is not None
    bot.press(ann, as_posted(ann, offers(slack, ann)[0]), "Ja, graag")
    reply = bot.press(bob, as_posted(bob, offers(slack, bob)[0]), "Nee, liever niet")
    assert "gaat deze ruil niet door" in reply.visible
    assert "reden" in reply.visible
    reason = bot.say(bob, "reden de periode past me niet")
    assert "Alleen de coördinator ziet hem" in reason.visible

    send(sender, bot.clock)
    told = offers(slack, ann)[-1]
    assert "gaat helaas niet door" in shown(told)
    assert "Je blijft in de pool" in shown(told)
    assert bob not in shown(told)
    assert "periode past me niet" not in shown(told)
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.DECLINED
    assert proposal.members[1].decline_reason == "de periode past me niet"

    # Back in the pool, but never again with each other.
    again = bot.services.proposals.run(PROGRAMME, among=[ann, bob])
    assert again.proposals == ()
    assert again.left_out == 0


def test_an_unanswered_proposal_gets_one_reminder_halfway_then_expires(
    bot: Bot, slack: SlackStandIn, sender: SlackSender, clock: FixedClock
) -> None:
    ann, bob = offered_pair(bot, sender)
    assert bot.services is not None
    bot.press(ann, as_posted(ann, offers(slack, ann)[0]), "Ja, graag")
    for _ in range(8 * 4):  # eight days, a tick and a send every six hours
        clock.advance(timedelta(hours=6))
        bot.services.tick(clock.now())
        send(sender, clock)
    to_bob = [shown(m) for m in offers(slack, bob)]
    assert sum("Een herinnering" in m for m in to_bob) == 1
    assert sum("Een herinnering" in m for m in (shown(m) for m in offers(slack, ann))) == 0  # answered
    assert "is verlopen" in to_bob[-1]
    assert "is verlopen" in shown(offers(slack, ann)[-1])
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.EXPIRED
    assert [m.state for m in proposal.members] == [MemberState.ACCEPTED, MemberState.EXPIRED]
    # Both are back in the pool: an expiry is no refusal, so they may be proposed again.
    assert len(bot.services.proposals.run(PROGRAMME, among=[ann, bob]).proposals) == 1


def test_on_expiry_only_who_is_still_searching_hears_they_are_back_in_the_pool(
    bot: Bot, slack: SlackStandIn, sender: SlackSender, clock: FixedClock
) -> None:
    ann, bob, cem, dan = new_user(), new_user(), new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"]))
    register(bot, bob, answers("BZK", ["FIN"]))
    register(bot, cem, answers("OCW", ["JenV"]))
    register(bot, dan, answers("JenV", ["OCW"]))
    assert bot.services is not None
    bot.services.proposals.run(PROGRAMME, among=[ann, bob, cem, dan])
    send(sender, clock)
    # Ann says yes, then stops her registration; Cem pauses his search. Nobody else answers.
    bot.press(ann, as_posted(ann, offers(slack, ann)[0]), "Ja, graag")
    stop_registration(bot, ann)
    assert "staat op pauze" in bot.say(cem, "pauze").visible
    clock.advance(timedelta(days=7, hours=1))  # past the expiry in one go, on a working day
    bot.services.tick(clock.now())
    send(sender, clock)
    assert not any("is verlopen" in shown(m) for m in offers(slack, ann))
    assert not any("pool" in shown(m) for m in offers(slack, ann))
    [to_bob] = [shown(m) for m in offers(slack, bob) if "verlopen" in shown(m) or "niet door" in shown(m)]
    assert "Je blijft in de pool" in to_bob
    [to_cem] = [shown(m) for m in offers(slack, cem) if "is verlopen" in shown(m)]
    assert "Je blijft in de pool" not in to_cem
    assert "staat op pauze" in to_cem
    assert "Je blijft in de pool" in shown(offers(slack, dan)[-1])


def test_who_stops_after_the_expiry_but_before_it_is_sent_hears_nothing_of_it(
    bot: Bot, slack: SlackStandIn, sender: SlackSender, clock: FixedClock
) -> None:
    ann, bob = offered_pair(bot, sender)
    assert bot.services is not None
    clock.advance(timedelta(days=7, hours=1))
    bot.services.tick(clock.now())  # queued: "expired, you stay in the pool"
    stop_registration(bot, ann)
    send(sender, clock)
    assert not any("is verlopen" in shown(m) for m in offers(slack, ann))
    assert "Je blijft in de pool" in shown(offers(slack, bob)[-1])


def test_a_click_by_an_outsider_or_on_a_closed_proposal_changes_nothing(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob = offered_pair(bot, sender)
    eve = new_user()
    offer = as_posted(ann, offers(slack, ann)[0])
    # Eve replays Ann's button as her own click: a polite answer, nothing changes.
    before = len(bot.posted(eve))
    assert bot.click(eve, offer.button("Ja, graag"), offer).status == 200
    answer = bot.wait_posted(eve, before + 1)
    assert "voor iemand anders" in answer.visible
    assert "er is niets veranderd" in answer.visible
    assert ann not in shown({"blocks": answer.blocks})
    assert bob not in shown({"blocks": answer.blocks})
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.OPEN
    assert all(m.state is MemberState.PENDING for m in proposal.members)
    # A forged payload (not ours at all) is refused the same way.
    forged = {**offer.button("Ja, graag"), "value": "r1|999999|0|proposal|p_accept"}
    assert "voor iemand anders" in bot.press(eve, offer, forged).visible
    # Once Bob declined, Ann's Accept on the old message changes nothing either.
    bot.press(bob, as_posted(bob, offers(slack, bob)[0]), "Nee, liever niet")
    late = bot.press(ann, offer, "Ja, graag")
    assert "gaat niet meer door" in late.visible
    [proposal] = proposals_of(bot, ann)
    assert proposal.state is ProposalState.DECLINED
    assert proposal.members[0].state is MemberState.PENDING


def test_a_three_way_swap_where_no_two_way_swap_exists(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob, cem = new_user(), new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"]))
    register(bot, bob, answers("BZK", ["OCW"]))
    register(bot, cem, answers("OCW", ["FIN"]))
    assert bot.services is not None
    report = bot.services.proposals.run(PROGRAMME, among=[ann, bob, cem])
    assert len(report.proposals) == 1
    [proposal] = proposals_of(bot, ann)
    assert [m.external_id for m in proposal.members] == [ann, bob, cem]  # each takes the next one's post
    send(sender, bot.clock)
    for who, post, others in ((ann, "Binnenlandse Zaken", (bob, cem)), (bob, "Onderwijs", (ann, cem))):
        text = as_posted(who, offers(slack, who)[0]).visible
        assert "ruil met drie mensen" in text
        assert post in text
        assert all(o not in shown(offers(slack, who)[0]) for o in others)
    for who in (ann, bob, cem):
        bot.press(who, as_posted(who, offers(slack, who)[0]), "Ja, graag")
    send(sender, bot.clock)
    [opened] = [c for c in slack.calls("conversations.open") if "," in str(c.args.get("users", ""))]
    assert str(opened.args["users"]).split(",") == [ann, bob, cem]


def test_pause_and_not_with_are_obeyed_by_the_matching(bot: Bot, slack: SlackStandIn) -> None:
    ann, bob = new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"]))
    register(bot, bob, answers("BZK", ["FIN"]))
    assert bot.services is not None
    run = bot.services.proposals.run

    assert "staat op pauze" in bot.say(ann, "pauze").visible
    paused = run(PROGRAMME, among=[ann, bob])
    assert paused.proposals == ()
    assert paused.left_out == 1
    assert "weer mee" in bot.say(ann, "hervat").visible

    # Bob types the ministry as the intake reads it; the matching keeps both sides apart.
    reply, _ = bot.ruil(bob, "niet-met finacien")
    assert "geen ruil voor met Financiën (FIN)" in reply
    assert run(PROGRAMME, among=[ann, bob]).proposals == ()
    assert "Financiën (FIN)" in bot.say(bob, "niet-met").visible
    assert "niet meer op je lijst" in bot.say(bob, "niet-met weg FIN").visible
    assert len(run(PROGRAMME, among=[ann, bob]).proposals) == 1


def test_pause_resume_and_not_with_without_a_swap_registration_explain_and_store_nothing(
    bot: Bot, slack: SlackStandIn
) -> None:
    stranger, learner, starter = new_user(), new_user(), new_user()
    assert bot.services is not None
    with bot.services.uow() as uow:  # someone registered elsewhere (the Leerwerkplaats) only
        person = uow.participants.add("slack", learner, "nl", bot.clock.now())
        uow.intakes.add(
            Intake(person.id, "leerwerkplaats", 1, bot.clock.now(), bot.clock.now(), IntakeStatus.CONFIRMED)
        )
        uow.commit()
    bot.ruil(starter)  # an intake of the Managersruil begun, not confirmed
    for who in (stranger, learner, starter):
        for typed in ("pauze", "hervat", "niet-met FIN", "niet-met"):
            said = bot.say(who, typed).visible
            assert "zoektocht naar een ruil" in said, said
            assert "/ruil managersruil" in said
            assert "staat op pauze" not in said
            assert "Genoteerd" not in said
        reply, _ = bot.ruil(who, "pauze")
        assert "zoektocht naar een ruil" in reply
    with bot.services.uow() as uow:
        assert uow.participants.find("slack", stranger) is None
        ids = [p.id for w in (learner, starter) if (p := uow.participants.find("slack", w)) is not None]
        assert len(ids) == 2
        assert uow.proposals.settings(ids) == {}


def test_asking_the_coordinator_reaches_them_and_reveals_nobody_to_the_asker(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob = new_user(), new_user()
    register(bot, ann, answers("FIN", ["BZK"]))
    register(bot, bob, answers("BZK", ["FIN"]))
    assert bot.services is not None
    [made] = bot.services.proposals.run(PROGRAMME, among=[ann, bob]).proposals
    send(sender, bot.clock)
    offer = as_posted(ann, offers(slack, ann)[0])
    reply = bot.press(ann, offer, "Vraag de coördinator")
    assert "coördinator gevraagd contact met je op te nemen" in reply.visible
    assert bob not in shown({"blocks": reply.blocks})
    send(sender, bot.clock)
    asked = [m for m in slack.history("U0000MR01") if f"voorstel {made} " in shown(m)]
    assert len(asked) == 1
    assert f"<@{ann}>" in shown(asked[0])
    # The question leaves the proposal as it was: Ann can still answer.
    assert "Zodra iedereen ja heeft gezegd" in bot.press(ann, offer, "Ja, graag").visible


def test_imported_registrations_get_proposals_like_any_other(
    bot: Bot, slack: SlackStandIn, sender: SlackSender, database_url: str, tmp_path: Path
) -> None:
    """A coordinator imports the spreadsheet the programme kept, runs the matching, and the people
    get their anonymous proposals."""
    ann, bob = new_user(), new_user()
    rows = [
        manager(slack_user=ann, ministry="SZW", wanted_ministries="VWS", wanted_fields="maakt niet uit"),
        manager(slack_user=bob, ministry="VWS", wanted_ministries="SZW", wanted_fields="maakt niet uit"),
    ]
    file = tmp_path / "managers.csv"
    file.write_text(as_csv(rows), encoding="utf-8")
    assert cli.main(["import", "managersruil", str(file)], env={"DATABASE_URL": database_url}) == 0
    assert bot.services is not None
    assert len(bot.services.proposals.run(PROGRAMME, among=[ann, bob]).proposals) == 1
    send(sender, bot.clock)
    assert "Volksgezondheid" in as_posted(ann, offers(slack, ann)[0]).visible
    assert "Sociale Zaken" in as_posted(bob, offers(slack, bob)[0]).visible


def test_a_declines_reason_can_be_given_in_a_form_that_only_the_coordinator_sees(
    bot: Bot, slack: SlackStandIn, sender: SlackSender
) -> None:
    ann, bob = offered_pair(bot, sender)
    reply = bot.press(bob, as_posted(bob, offers(slack, bob)[0]), "Nee, liever niet")
    before = len(bot.opened_views())
    assert bot.click(bob, reply.button("Zeg waarom"), reply).status == 200
    slack.wait_for(lambda: len(bot.opened_views()) > before)
    form = bot.opened_views()[before]
    assert "Alleen de coördinator ziet" in json.dumps(form, ensure_ascii=False)
    count = len(bot.posted(bob))
    assert bot.submit_form(bob, form, {"reason": "de richting trekt me minder"}) == {}
    assert "je reden is bewaard" in bot.wait_posted(bob, count + 1).visible
    # Ann may not write one for Bob's decline, even with his form.
    count = len(bot.posted(ann))
    bot.submit_form(ann, form, {"reason": "namens Bob"})
    assert "geen afgeslagen voorstel" in bot.wait_posted(ann, count + 1).visible
    [proposal] = proposals_of(bot, bob)
    assert proposal.members[1].decline_reason == "de richting trekt me minder"
    send(sender, bot.clock)
    assert "richting trekt me minder" not in shown(offers(slack, ann)[-1])
