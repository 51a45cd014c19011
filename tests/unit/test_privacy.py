"""Privacy in the core and the store: the export and the erasure follow the foreign keys (so a table
added later is included), the consent question in the console, and retention on the fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, select
from sqlalchemy.orm import Session, sessionmaker

from bot import console
from bot.bootstrap import Services, wire
from bot.clock import FixedClock
from bot.dialogues import DIALOGUES
from bot.ports import Conflict, UnitOfWork
from bot.privacy import CONSENT_VERSION, erase_after, programme_end
from bot.records import Participant
from bot.services import UserRef
from bot.views import Act
from storage.models import Base, IntakeRow, ParticipantRow
from storage.privacy import SqlPrivacy, personal_tables
from tests.consenting import consenting

ANNA = UserRef("console", "anna-privacy")
BOB = UserRef("console", "bob-privacy")


def test_every_table_that_refers_to_a_person_is_personal() -> None:
    found = {link.table.name: link.parent.name for link in personal_tables()}
    assert found == {
        "consents": "participants",
        "intakes": "participants",
        "outbox": "participants",
        "preferences": "participants",
        "conversations": "intakes",
        "intake_nudges": "intakes",
        "report_states": "intakes",
        "session_registrations": "participants",
        "proposal_members": "participants",  # the proposals: a person's place and answers
        "declined_pairs": "participants",
        "pool_settings": "participants",
    }


def with_later_tables() -> tuple[MetaData, Table, Table, Table]:
    """The models' tables, and two a later branch might add: one about a person, one about an intake."""
    later = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(later)
    notes = Table(
        "test_later_notes",
        later,
        Column("id", Integer, primary_key=True),
        Column("participant_id", ForeignKey("participants.id", ondelete="CASCADE")),
        Column("note", String(200)),
    )
    marks = Table(
        "test_later_marks",
        later,
        Column("id", Integer, primary_key=True),
        Column("intake_id", ForeignKey("intakes.id", ondelete="CASCADE")),
        Column("mark", String(200)),
    )
    pairs = Table(  # a proposal names two people
        "test_later_pairs",
        later,
        Column("id", Integer, primary_key=True),
        Column("first_id", ForeignKey("participants.id", ondelete="CASCADE")),
        Column("second_id", ForeignKey("participants.id", ondelete="CASCADE")),
        Column("note", String(200)),
    )
    return later, notes, marks, pairs


def test_a_table_added_later_is_exported_and_erased(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    services = consenting(wire(sessions, clock=clock))
    for who in (ANNA, BOB):
        services.intake.start(who)
        services.intake.text(who, "bzk")
    later, notes, marks, pairs = with_later_tables()
    with sessions() as session, session.begin():
        connection = session.connection()
        for table in (notes, marks, pairs):
            table.create(connection)
        ids = {
            r.external_id: (r.id, i)
            for r, i in session.execute(
                select(ParticipantRow, IntakeRow.id).join(
                    IntakeRow, IntakeRow.participant_id == ParticipantRow.id
                )
            ).all()
            if r.external_id in (ANNA.external_id, BOB.external_id)
        }
        for who, (person, intake) in ids.items():
            connection.execute(notes.insert().values(participant_id=person, note=f"note of {who}"))
            connection.execute(marks.insert().values(intake_id=intake, mark=f"mark of {who}"))

        anna, bob = ids[ANNA.external_id][0], ids[BOB.external_id][0]
        connection.execute(pairs.insert().values(first_id=bob, second_id=anna, note="bob with anna"))
        connection.execute(pairs.insert().values(first_id=bob, second_id=bob, note="bob alone"))
        privacy = SqlPrivacy(session.connection(), later.tables)
        exported = privacy.export(anna, "console", ANNA.external_id)
        assert [n["note"] for n in exported["test_later_notes"]] == [f"note of {ANNA.external_id}"]
        assert [m["mark"] for m in exported["test_later_marks"]] == [f"mark of {ANNA.external_id}"]
        assert exported["intakes"][0]["answers"] == {"ministry": "BZK"}
        assert [p["note"] for p in exported["test_later_pairs"]] == ["bob with anna"]  # by its second key

        privacy.erase(anna, "console", ANNA.external_id)
        left = [r.note for r in connection.execute(select(notes))]
        assert left == [f"note of {BOB.external_id}"]
        assert [r.mark for r in connection.execute(select(marks))] == [f"mark of {BOB.external_id}"]
        assert [r.note for r in connection.execute(select(pairs))] == ["bob alone"]
        assert privacy.export(anna, "console", ANNA.external_id)["participants"] == []
        session.rollback()


def test_the_console_asks_consent_before_the_first_question(raw_services: Services) -> None:
    typed: Iterator[str] = iter(["1", "wat bedoel je?", "akkoord", "bzk"])
    shown: list[str] = []

    def read(_prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    services = raw_services
    console.run(services.intake, ANNA, read, shown.append, privacy=services.privacy)
    out = "\n".join(shown)
    asked = out.index("Voordat we beginnen met Managersruil")
    assert out.index("Typ akkoord om te beginnen") > asked
    assert "Ik heb nog je antwoord nodig" in out
    assert out.index("Vraag 1 van 12") > out.index("Ik heb nog je antwoord nodig")
    assert "Genoteerd: Binnenlandse Zaken" in out


def test_intakes_are_erased_a_set_time_after_the_programme_ends(
    services: Services, clock: FixedClock
) -> None:
    managers, cohort = services.catalogue.get("managersruil"), services.catalogue.get("leerwerkplaats")
    assert str(programme_end(managers)) == "2029-06-30"  # the catalogue's programme_end: after the swaps
    assert str(programme_end(cohort)) == "2028-04-03"  # none given: the day its last session ends
    assert erase_after(cohort) == datetime(2029, 4, 3, 22, 0, tzinfo=UTC)  # 12 months on, Amsterdam
    assert erase_after(managers) == datetime(2030, 6, 30, 22, 0, tzinfo=UTC)
    services.intake.start(ANNA, "managersruil")
    services.intake.text(ANNA, "bzk")
    services.intake.start(ANNA, "leerwerkplaats")

    def programmes(user: UserRef = ANNA) -> list[str]:
        with services.uow() as uow:
            person = uow.participants.find("console", user.external_id)
            return sorted(i.programme_id for i in uow.intakes.of(person.id)) if person else []

    clock.advance(datetime(2029, 4, 3, 21, 0, tzinfo=UTC) - clock.now())
    services.tick(clock.now())
    assert programmes() == ["leerwerkplaats", "managersruil"]  # not yet: the last day still counts

    clock.advance(datetime(2029, 4, 4, 9, 0, tzinfo=UTC) - clock.now())
    services.tick(clock.now())
    assert programmes() == ["managersruil"]
    clock.advance(datetime(2030, 7, 1, 9, 0, tzinfo=UTC) - clock.now())
    services.tick(clock.now())
    assert programmes() == []
    # Someone who registers after the end is for a next edition: their intake stays.
    services.intake.start(BOB, "managersruil")
    clock.advance(timedelta(hours=1))
    services.tick(clock.now())
    assert programmes(BOB) == ["managersruil"]


def test_a_consent_question_left_unanswered_leaves_no_row_behind(
    raw_services: Services, clock: FixedClock
) -> None:
    form = raw_services.intake.form(ANNA, "managersruil")  # the form asks; the person closes it
    assert form.target is not None
    assert form.target.step == "consent"
    raw_services.intake.start(BOB, "managersruil")
    raw_services.intake.consent(BOB, "managersruil", True)

    def stored(user: UserRef) -> bool:
        with raw_services.uow() as uow:
            return uow.participants.find(user.platform, user.external_id) is not None

    assert stored(ANNA)
    clock.advance(timedelta(days=29))
    raw_services.tick(clock.now())
    assert stored(ANNA)
    clock.advance(timedelta(days=2))
    raw_services.tick(clock.now())
    assert not stored(ANNA)
    assert stored(BOB)  # agreed: the intake is theirs until the programme's retention ends


def run_console(services: Services, user: UserRef, typed: list[str], folder: Path) -> str:
    lines = iter(typed)
    shown: list[str] = []

    def read(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    console.run(services.intake, user, read, shown.append, privacy=services.privacy, folder=folder)
    return "\n".join(shown)


def test_my_data_and_forget_me_in_the_console(services: Services, tmp_path: Path) -> None:
    out = run_console(services, ANNA, ["managersruil", "bzk", "/ruil mijn-gegevens"], tmp_path)
    assert "Hier is alles wat we van je bewaren" in out
    [written] = tmp_path.glob("*.json")
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["tables"]["intakes"][0]["answers"] == {"ministry": "BZK"}

    out = run_console(services, ANNA, ["vergeet mij", "directie", "ja"], tmp_path)
    assert "Weet je zeker" in out
    assert "gewist" not in out  # they moved on ('directie' answered the intake): 'ja' is not a yes to erasing
    out = run_console(services, ANNA, ["vergeet-mij", "ja"], tmp_path)
    assert "Alles wat we van je bewaarden is gewist" in out
    with services.uow() as uow:
        assert uow.participants.find("console", ANNA.external_id) is None


@pytest.mark.parametrize("dialogue_id", sorted(DIALOGUES))
def test_every_intake_asks_consent_before_its_first_question(
    raw_services: Services, dialogue_id: str
) -> None:
    user = UserRef("slack", f"U{abs(hash(dialogue_id)) % 10**8:08d}")
    programme = raw_services.catalogue.get(DIALOGUES[dialogue_id].programme)
    asked = raw_services.intake.start(user, dialogue_id)
    assert asked.prompt is None  # no question yet
    assert asked.consent == dialogue_id
    assert f"Voordat we beginnen met {programme.name.nl}" in "\n".join(asked.lines)
    assert [b.act for b in asked.buttons] == [Act.AGREE, Act.DECLINE]
    started = raw_services.intake.consent(user, dialogue_id, True)
    assert started.prompt is not None
    assert started.lines[0] == "Dank je, je toestemming is vastgelegd."


def test_consent_is_per_programme(raw_services: Services) -> None:
    intake = raw_services.intake
    intake.start(ANNA, "peer-to-peer/aanmelding")
    intake.consent(ANNA, "peer-to-peer/aanmelding", True)
    assert intake.start(ANNA, "peer-to-peer/opdracht").prompt is not None  # the same programme: agreed
    assert intake.start(ANNA, "managersruil").consent == "managersruil"  # another: asked
    with raw_services.uow() as uow:
        person = uow.participants.find("console", ANNA.external_id)
        assert person is not None
        given = uow.privacy.consent(person.id, "peer-to-peer")
        pending = uow.privacy.pending(person.id)
    assert given is not None
    assert given.given_at is not None
    assert given.text_version == CONSENT_VERSION
    assert pending is not None
    assert pending.programme_id == "managersruil"


def test_my_data_stays_in_the_consoles_folder_whatever_the_login_name(
    services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    sneaky = UserRef("console", "../../escaped")
    run_console(services, sneaky, ["managersruil", "bzk", "/ruil mijn-gegevens"], folder)
    assert [p.parent for p in tmp_path.rglob("*.json")] == [folder]


def test_an_erasure_that_clashes_with_a_concurrent_change_is_tried_again(
    services: Services, tmp_path: Path
) -> None:
    run_console(services, BOB, ["managersruil", "bzk"], tmp_path)
    clashes = [Conflict("another change of Bob's came first")]

    def clash_once(uow: UnitOfWork, person: Participant, now: datetime) -> None:
        if clashes:
            raise clashes.pop()

    services.privacy.add_hook(clash_once)
    assert services.privacy.ask_forget("console", BOB.external_id).screen.lines
    reply = services.privacy.forget("console", BOB.external_id, confirmed=True)
    assert reply.erased
    assert not clashes  # the clash happened, and the second try erased
    with services.uow() as uow:
        assert uow.participants.find("console", BOB.external_id) is None
