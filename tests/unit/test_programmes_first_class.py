"""Programmes first-class in the service: found by any name after a command, started and resumed
each on their own (Peer-to-Peer's two dialogues side by side), with status and stop naming the
programme they act on, each programme's own closing words, the Leerwerkplaats waitlist after its
deadline, and a confirmed registration that can still be seen and changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.dialogues import DIALOGUES, INTAKES
from bot.intents import Intent, Names, intent, read_command
from bot.programmes import load_catalogue
from bot.services import UserRef
from bot.views import Act
from tests.samples import SAMPLES
from tests.unit.test_intake_conversation import said

ANNA = UserRef("console", "anna")
SLACK = UserRef("slack", "U0ANNA")  # a surface with buttons and forms
NAMES = Names(load_catalogue(), dict(DIALOGUES), {p: d.id for p, d in INTAKES.items()})


@pytest.mark.parametrize(
    ("scope", "text", "wanted", "dialogue"),
    [
        (None, "managersruil", Intent.START, "managersruil"),
        (None, "Managers ruil", Intent.START, "managersruil"),
        (None, "mr", Intent.START, "managersruil"),
        (None, "managrsruil", Intent.START, "managersruil"),  # a typo is still sure enough
        (None, "Manager Swap", Intent.START, "managersruil"),  # the English name
        (None, "leerwrkplaats", Intent.START, "leerwerkplaats"),
        (None, "2", Intent.START, "leidinggevenden-in-beweging"),  # a number from the list
        (None, "leerwerkplaats status", Intent.STATUS, "leerwerkplaats"),
        (None, "stop managersruil", Intent.STOP, "managersruil"),
        (None, "managersruil formulier", Intent.FORM, "managersruil"),
        (None, "leerwerkplaats wachtlijst", Intent.WAITLIST, "leerwerkplaats"),
        (None, "status", Intent.STATUS, None),
        (None, "", None, None),
        ("peer-to-peer", "opdracht", Intent.START, "peer-to-peer/opdracht"),
        ("peer-to-peer", "aanmelden", Intent.START, "peer-to-peer/aanmelding"),
        ("peer-to-peer", "opdracht formulier", Intent.FORM, "peer-to-peer/opdracht"),
        ("regels-naar-ruimte", "formulier", Intent.FORM, None),  # /regel: its own programme
    ],
)
def test_a_command_names_what_to_do_and_with_which_programme(
    scope: str | None, text: str, wanted: Intent | None, dialogue: str | None
) -> None:
    said = read_command(text, NAMES, scope)
    assert (said.intent, said.dialogue, said.unknown) == (wanted, dialogue, "")


def test_a_close_name_is_asked_about_and_an_unknown_one_is_quoted() -> None:
    close = read_command("werkplaats", NAMES)
    assert (close.dialogue, close.guess) == (None, "leerwerkplaats")
    unknown = read_command("doe iets", NAMES)
    assert (unknown.dialogue, unknown.guess, unknown.unknown) == (None, None, "doe iets")


def test_one_table_of_words_in_both_languages() -> None:
    assert intent("Terug!") is Intent.BACK
    assert intent("back") is Intent.BACK
    assert intent("?") is Intent.HELP
    assert intent("overzicht") is Intent.SUMMARY
    assert intent("Den Haag") is None


def test_bare_ruil_offers_every_programme_with_a_button_each(services: Services) -> None:
    offer = services.intake.command(SLACK, "").ephemeral
    text = said(offer)
    for row in ("1) Managersruil", "4) Peer-to-Peer: meld je aan als deelnemer", "6) Van regels naar ruimte"):
        assert row in text
    assert [b.dialogue for b in offer.buttons] == list(NAMES.of(None))
    assert offer.typing is not None
    assert "/ruil managersruil" in offer.typing


def test_a_close_name_gets_a_question_back(services: Services) -> None:
    text = said(services.intake.command(SLACK, "werkplaats").ephemeral)
    assert "Bedoel je Inter-company Leerwerkplaats? Typ dan /ruil leerwerkplaats." in text


def test_peer_to_peer_runs_its_application_and_an_assignment_side_by_side(services: Services) -> None:
    applying = services.intake.command(SLACK, "aanmelden", "/peer").direct
    assert applying is not None
    assert "Je gemeentesecretaris meldt je aan" in said(applying)
    services.intake.text(SLACK, SAMPLES["peer-to-peer/aanmelding"][0])
    assignment = services.intake.command(SLACK, "opdracht", "/peer").direct
    assert assignment is not None
    assert "Ik stel je elf korte vragen" in said(assignment)
    services.intake.text(SLACK, SAMPLES["peer-to-peer/opdracht"][0])  # goes to the assignment

    status = said(services.intake.command(SLACK, "status").ephemeral)
    assert "Je aanmelding voor Peer-to-Peer (aanmelding) loopt: 1 van de 9" in status
    assert "Je aanmelding voor Peer-to-Peer (opdracht) loopt: 1 van de 11" in status
    resumed = services.intake.command(SLACK, "aanmelden", "/peer").direct
    assert resumed is not None
    assert "Welkom terug" in said(resumed)
    assert resumed.prompt is not None
    assert resumed.prompt.progress == "Vraag 2 van 9"


def test_stop_names_the_programme_it_stops(services: Services) -> None:
    services.intake.start(SLACK, "leerwerkplaats")
    services.intake.start(SLACK, "managersruil")
    ask = services.intake.command(SLACK, "leerwerkplaats stop").direct
    assert ask is not None
    assert "je aanmelding voor de Leerwerkplaats" in said(ask)
    done = services.intake.act(SLACK, Act.CANCEL_YES, ask.target)
    assert "Je aanmelding voor de Leerwerkplaats is gestopt" in said(done)
    assert done.changed  # the Home tab is out of date
    assert "loopt: 0 van de 12" in said(services.intake.command(SLACK, "status").ephemeral)


def test_a_report_does_not_promise_a_match(services: Services) -> None:
    services.intake.start(ANNA, "regels-naar-ruimte")
    for text in SAMPLES["regels-naar-ruimte"]:
        services.intake.text(ANNA, text)
    assert services.intake.text(ANNA, "ja").changed
    status = said(services.intake.command(ANNA, "regel status", "/ruil").ephemeral)
    assert "een regel gemeld bij Van regels naar ruimte" in status
    assert "Het IMI (Bart Krull)" in status  # the catalogue's contact person
    assert "match" not in status


def test_after_its_deadline_the_leerwerkplaats_offers_the_waitlist(
    services: Services, clock: FixedClock
) -> None:
    clock.advance(datetime(2027, 11, 16, 9, 0, tzinfo=UTC) - clock.now())  # the day after it closed
    closed = services.intake.start(SLACK, "leerwerkplaats")
    assert "De aanmelding voor de Leerwerkplaats kon tot en met 15 november 2027 en is nu gesloten" in said(
        closed
    )
    services.intake.command(SLACK, "taal en")
    in_english = said(services.intake.start(SLACK, "leerwerkplaats"))
    assert "was open up to and including 15 November 2027 and is now closed" in in_english
    services.intake.command(SLACK, "taal nl")
    assert closed.prompt is None
    assert [(b.act, b.dialogue) for b in closed.buttons] == [(Act.WAITLIST, "leerwerkplaats")]
    assert closed.typing == "Typ /ruil leerwerkplaats wachtlijst om op de wachtlijst te komen."

    joined = services.intake.start(SLACK, "leerwerkplaats", waitlist=True)
    assert "Je komt op de wachtlijst voor de Leerwerkplaats" in said(joined)
    for text in SAMPLES["leerwerkplaats"]:
        services.intake.text(SLACK, text)
    services.intake.text(SLACK, "ja")
    status = said(services.intake.status(SLACK))
    assert "op de wachtlijst voor de Leerwerkplaats" in status
    assert "Renate Beckers" in status


def test_a_confirmed_registration_can_be_seen_and_changed(services: Services) -> None:
    services.intake.start(ANNA)
    for text in SAMPLES["managersruil"]:
        services.intake.text(ANNA, text)
    services.intake.text(ANNA, "ja")

    again = services.intake.start(ANNA)
    assert "Je bent sinds 27 november 2026 aangemeld" in said(again)
    assert again.summary is not None
    assert "Regio of werkplek: Den Haag" in said(again)
    assert [b.act for b in again.buttons] == [Act.REOPEN, Act.CANCEL_ASK]

    reopened = services.intake.act(ANNA, Act.REOPEN, again.target)
    assert "Je kunt je antwoorden nu wijzigen" in said(reopened)
    assert reopened.changed
    services.intake.text(ANNA, "wijzig 11")  # Regio of werkplek
    summary = said(services.intake.text(ANNA, "Utrecht"))
    assert "Regio of werkplek: Utrecht" in summary
    assert services.intake.text(ANNA, "ja").changed
    assert "aangemeld" in said(services.intake.status(ANNA))


def test_a_typed_programme_name_starts_it_when_nothing_runs(services: Services) -> None:
    first = services.intake.text(ANNA, "leerwerkplaats")
    assert first.prompt is not None
    assert first.prompt.progress == "Vraag 1 van 9"


def test_peer_status_and_stop_act_on_the_peer_to_peer_intake_under_way(services: Services) -> None:
    services.intake.start(SLACK, "managersruil")
    services.intake.command(SLACK, "opdracht", "/peer")
    services.intake.start(SLACK, "managersruil")  # touched last, but /peer is about Peer-to-Peer
    status = said(services.intake.command(SLACK, "status", "/peer").ephemeral)
    assert status.startswith("Je aanmelding voor Peer-to-Peer (opdracht) loopt")
    ask = services.intake.command(SLACK, "stop", "/peer").direct
    assert ask is not None
    assert "je opdracht voor Peer-to-Peer" in said(ask)
    help_text = said(services.intake.command(SLACK, "help", "/regel").ephemeral)
    assert "Zo werkt ruilbot" in help_text


def test_a_click_for_another_intake_or_an_old_version_changes_nothing(services: Services) -> None:
    first = services.intake.start(SLACK, "managersruil")
    assert first.target is not None
    services.intake.text(SLACK, "bzk")
    other = services.intake.start(UserRef("slack", "U0BOB"), "leerwerkplaats")
    assert other.target is not None

    # Bob's intake, clicked by Anna; and Anna's own first question, clicked after she answered it.
    for target, values in ((other.target, ["rijk"]), (first.target, ["FIN"])):
        stale = services.intake.answer(SLACK, target, values)
        assert not stale.applied
        assert "Die knop hoort bij een eerder bericht" in said(stale)
    assert "loopt: 1 van de 12" in said(services.intake.status(SLACK))
    assert "loopt: 0 van de 9" in said(services.intake.command(UserRef("slack", "U0BOB"), "status").ephemeral)
