"""Programme names are proper names: written the same way, capitals included, in every text a person
reads (the locale catalogues and the programme catalogue). 'Van regels naar ruimte' keeps its Dutch
name in English texts, as the government does for the proper names of its programmes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.dialogues import INTAKES, peer_to_peer
from bot.i18n import CATALOGUES
from bot.programmes import load_catalogue
from bot.services import UserRef
from tests.consenting import consenting
from tests.samples import SAMPLES
from tests.unit.test_intake_conversation import said

# Each name as it is written; the short forms that running text uses too.
NAMES = (
    "Managersruil",
    "Manager Swap",
    "Leidinggevenden in Beweging",
    "Managers on the Move",
    "Inter-company Leerwerkplaats",
    "Inter-company Learning Lab",
    "Leerwerkplaats",
    "Learning Lab",
    "Peer-to-Peer",
    "Van regels naar ruimte",
)


def texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every sentence a person may read; not the lists of names a person may type."""
    for locale, messages in CATALOGUES.items():
        for key, text in messages.items():
            if not key.endswith(".names"):
                yield f"{locale}:{key}", text
    with open("bot/data/programmes.yaml", encoding="utf-8") as file:
        raw = yaml.safe_load(file)

    def walk(node: object, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in ("id", "kind", "pilot_forms", "matching"):
                    yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for n, value in enumerate(node):
                yield from walk(value, f"{where}[{n}]")
        elif isinstance(node, str):
            yield where, node

    yield from walk(raw, "programmes.yaml")


def test_every_programme_is_named_in_the_catalogue_as_written_here() -> None:
    for programme in load_catalogue():
        assert programme.name.nl in NAMES
        assert programme.name.en in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_programme_name_keeps_its_capitals_everywhere(name: str) -> None:
    # Not in a command ('/ruil managersruil') or a catalogue id ('peer-to-peer/opdracht').
    pattern = re.compile(rf"(?<![/\w-])(?<!/ruil ){re.escape(name)}(?![\w/-])", re.IGNORECASE)
    wrong = [
        (where, found.group(0))
        for where, text in texts()
        for found in pattern.finditer(text)
        if found.group(0) != name
    ]
    assert wrong == []


def test_van_regels_naar_ruimte_has_no_made_up_english_name() -> None:
    english = [(where, text) for where, text in texts() if re.search(r"rules to room", text, re.IGNORECASE)]
    assert english == []
    assert load_catalogue().get("regels-naar-ruimte").name.en == "Van regels naar ruimte"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_skipped_question_is_acknowledged_alike_for_every_kind(
    sessions: sessionmaker[Session], clock: FixedClock, lang: str
) -> None:
    """'overslaan' is not an answer to note: no "Genoteerd: overgeslagen" for a phone number, and
    not silence for a text; the summary still lists the question as skipped."""
    ok = {"nl": "Oké, deze vraag sla ik over.", "en": "OK, I'll skip this question."}[lang]
    skip = {"nl": "overslaan", "en": "skip"}[lang]
    services = consenting(
        wire(sessions, clock=clock, intakes={**INTAKES, "peer-to-peer": peer_to_peer.ASSIGNMENT})
    )
    for programme, dialogue, skipped in (
        ("regels-naar-ruimte", "regels-naar-ruimte", 2),  # the rule's reference: a text
        ("peer-to-peer", "peer-to-peer/opdracht", 10),  # the contact's phone number
    ):
        person = UserRef("console", f"skipper-{programme}-{lang}")
        services.intake.text(person, f"taal {lang}")
        services.intake.start(person, programme)
        for text in SAMPLES[dialogue][:skipped]:
            assert services.intake.text(person, text).applied
        reply = said(services.intake.text(person, skip))
        assert ok in reply, (dialogue, reply)
        assert "Genoteerd" not in reply
        assert "Noted" not in reply
