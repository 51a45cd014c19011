"""Each new programme's intake through the services, as the console and a Slack DM show it: what a
person reads after what they type, from the first question to the confirmation (or the ending)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.clock import FixedClock
from bot.dialogues import INTAKES, peer_to_peer
from bot.services import UserRef
from bot.views import Act, Screen
from tests.consenting import consenting
from tests.samples import SAMPLES
from tests.unit.test_intake_conversation import said

ANNA = UserRef("console", "anna")

# What a person reads: the intro, the summary and the closing words of each new programme.
SEEN = {
    "leidinggevenden-in-beweging": (
        "vier maanden van functie",
        ["Soort organisatie: Gemeente", "Teamgrootte: 14 medewerkers", "Beschikbaar vanaf: 1 maart 2027"],
        "zoekt een collega-leidinggevende in de regio",
    ),
    "leerwerkplaats": (
        "Er is plaats voor 20 deelnemers",
        [
            "Deel van de overheid: Rijk",
            "Kosten goedgekeurd: Ja",
            "Kan bij: 12 januari 2028: prequel voor de hele groep, 25 en 26 januari 2028: tweedaagse start"
            " (subgroep 1) en 8 maart 2028: eerste vervolgbijeenkomst",
        ],
        "stelt de groep samen",
    ),
    "peer-to-peer": (
        "Je gemeentesecretaris meldt je aan",
        [
            "Tijd per week: 8 uur per week",
            "Soort opdrachten: Organisatie en reorganisatie en Strategie en groei",
        ],
        "vragen je gemeentesecretaris om je aanmelding te bevestigen",
    ),
    "regels-naar-ruimte": (
        "een regel meldt die je in de weg zit",
        ["Vorm van pilot: Right to Challenge", "Mandaat: Ja, dat heb ik"],
        "IMI",
    ),
}
SAMPLE_OF = {"peer-to-peer": "peer-to-peer/aanmelding"}


def type_all(services: Services, typed: list[str], user: UserRef = ANNA) -> Screen:
    screen = Screen()
    for text in typed:
        screen = services.intake.text(user, text)
        assert screen.applied, said(screen)
    return screen


def test_every_programme_has_an_intake() -> None:
    assert set(INTAKES) == {"managersruil", *SEEN}


@pytest.mark.parametrize("programme", list(SEEN))
def test_a_new_programme_from_first_question_to_confirmation(services: Services, programme: str) -> None:
    intro, rows, done = SEEN[programme]
    typed = SAMPLES[SAMPLE_OF.get(programme, programme)]
    first = said(services.intake.start(ANNA, programme))
    assert intro in first
    assert f"Vraag 1 van {len(typed)}" in first
    summary = type_all(services, typed)
    assert summary.summary is not None
    assert len(summary.summary.rows) == len(typed)
    for row in rows:
        assert row in said(summary)
    assert [b.act for b in summary.buttons] == [Act.CONFIRM, Act.CANCEL_ASK]
    assert done in said(services.intake.text(ANNA, "ja"))
    # Each programme's own closing words: a report promises no match, a cohort names its contact.
    assert "27 november 2026" in said(services.intake.status(ANNA))


def test_a_rule_report_that_misses_criteria_ends_early_keeps_the_draft_and_can_be_mended(
    services: Services,
) -> None:
    services.intake.start(ANNA, "regels-naar-ruimte")
    typed = [*SAMPLES["regels-naar-ruimte"][:7], "ja", "nee", "ja", "nee"]
    ended = type_all(services, typed)
    text = said(ended)
    assert "voldoet hij nu nog niet aan alle voorwaarden" in text
    assert "• Het levert nog niet genoeg op" in text
    assert "• Er is nog geen tijd vrijgemaakt" in text
    assert [b.act for b in ended.buttons] == [Act.CANCEL_ASK]  # nothing to confirm
    assert "melding is binnen" not in said(services.intake.text(ANNA, "ja"))
    unclear = services.intake.text(ANNA, "hmm")
    assert unclear.summary is not None
    assert "Typ 'wijzig' met het nummer" in unclear.summary.typing
    assert "'ja' als alles klopt" not in said(unclear)
    assert "komt nu nog niet in aanmerking" in said(services.intake.status(ANNA))

    services.intake.text(ANNA, "wijzig 9")  # 'levert genoeg op'
    still = said(services.intake.text(ANNA, "ja"))
    assert "Er is nog geen tijd vrijgemaakt" in still
    assert "Het levert nog niet genoeg op" not in still
    services.intake.text(ANNA, "wijzig 11")
    summary = services.intake.text(ANNA, "ja")
    assert [b.act for b in summary.buttons] == [Act.CONFIRM, Act.CANCEL_ASK]
    assert "melding is binnen" in said(services.intake.act(ANNA, Act.CONFIRM))


def test_a_rule_reference_can_be_skipped(services: Services) -> None:
    services.intake.start(ANNA, "regels-naar-ruimte")
    typed = list(SAMPLES["regels-naar-ruimte"])
    typed[2] = "overslaan"
    assert "Vindplaats: overgeslagen" in said(type_all(services, typed))


def test_a_company_brings_in_an_assignment_with_its_contact_person(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    # The service starts one dialogue per programme; wired as Peer-to-Peer's, the assignment runs too.
    services = consenting(
        wire(sessions, clock=clock, intakes={**INTAKES, "peer-to-peer": peer_to_peer.ASSIGNMENT})
    )
    assert "Ik stel je elf korte vragen" in said(services.intake.start(ANNA, "peer-to-peer"))
    typed = list(SAMPLES["peer-to-peer/opdracht"])
    for text in typed[:7]:
        services.intake.text(ANNA, text)
    wrong = said(services.intake.text(ANNA, "1 januari"))
    assert "Die datum ligt vóór 1 februari 2027" in wrong
    for text in typed[7:9]:
        services.intake.text(ANNA, text)
    assert "lijkt me geen e-mailadres" in said(services.intake.text(ANNA, "jan bij de hoeve"))
    phone = services.intake.text(ANNA, "<mailto:jan@dehoeve.nl|jan@dehoeve.nl>")  # as Slack sends it
    assert phone.prompt is not None
    assert "Deze vraag mag je overslaan" in phone.prompt.hint
    summary = said(services.intake.text(ANNA, "overslaan"))
    for row in ("Omvang: 10 dagen", "Klaar uiterlijk: 1 mei 2027", "E-mail: jan@dehoeve.nl"):
        assert row in summary
    assert "Telefoon: overgeslagen" in summary


def test_a_new_intake_speaks_english(services: Services) -> None:
    services.intake.text(ANNA, "taal en")
    first = said(services.intake.start(ANNA, "leerwerkplaats"))
    assert "Question 1 of 9" in first
    assert "Which organisation do you work for?" in first
    summary = said(type_all(services, SAMPLES["leerwerkplaats"]))
    assert "Cost approved: Yes" in summary
    assert "12 January 2028: prequel for the whole group" in summary
