"""The coordinators' tools through the service (`/ruil beheer ...`), on the test's rolled-back
database: roles, refusals and the audit log, the overview against the targets, registration, the
broadcast, the export and regulation reports."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.chart import funnel_png
from bot.clock import FixedClock
from bot.coordinator_records import AuditAction, AuditEntry, ReportStatus
from bot.coordinators import Manage, _report_status
from bot.dialogues.managersruil import INTAKE as MANAGERSRUIL
from bot.outbox import Notices, OutboxMessage, kind_of
from bot.programmes import CatalogueError, load_catalogue
from bot.services import UserRef
from bot.spreadsheet import read_csv
from storage.coordinators import SqlCoordination
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW
from tests.samples import SAMPLES

MR = "U0000MR01"  # the catalogue's (placeholder) coordinator of the Managersruil
RR = "U0000RR01"  # ... of Van regels naar ruimte
LW = "U0000LW01"  # ... of the Leerwerkplaats
PP = "U0000PP01"  # ... of Peer-to-Peer


def beheer(services: Services, user: str, text: str = "") -> Manage:
    return services.coordination.command("slack", user, f"beheer {text}".strip())


def said(reply: Manage) -> str:
    return "\n".join([*reply.lines, *reply.direct])


def register(services: Services, user: str, dialogue: str = "managersruil", confirm: bool = True) -> int:
    """A registration typed as a person would; returns the intake's id."""
    me = UserRef("slack", user)
    services.intake.start(me, dialogue)
    for answer in SAMPLES[dialogue]:
        services.intake.text(me, answer)
    if confirm:
        services.intake.text(me, "ja")
    with services.uow() as uow:
        person = uow.participants.find("slack", user)
        assert person is not None
        intake = uow.intakes.current(person.id, dialogue)
        assert intake is not None
        assert intake.id is not None
        return intake.id


def audit(services: Services, actor: str) -> list[AuditEntry]:
    """The audit entries of one person, newest first (on PostgreSQL the end-to-end tests' stay)."""
    with services.uow() as uow:
        return [e for e in uow.coordination.audit_log(limit=10_000) if e.actor == actor]


# ---- roles and refusals ------------------------------------------------------------------------------


def test_someone_who_coordinates_nothing_is_refused_politely_and_the_attempt_is_logged(
    services: Services,
) -> None:
    reply = beheer(services, "UNOBODY1", "managersruil export")
    assert reply.refused
    assert "alleen voor de coördinatoren van Managersruil" in said(reply)
    assert not reply.files
    assert not reply.direct
    (entry,) = audit(services, "UNOBODY1")
    assert (entry.action, entry.actor, entry.programme_id) == (
        AuditAction.REFUSED,
        "UNOBODY1",
        "managersruil",
    )
    assert entry.detail == "beheer managersruil export"
    assert beheer(services, "UNOBODY1").refused  # /ruil beheer alone, too
    assert "alleen voor de coördinatoren van een programma" in said(beheer(services, "UNOBODY1"))


def test_a_coordinator_sees_only_their_own_programmes(services: Services) -> None:
    refused = beheer(services, MR, "leerwerkplaats")
    assert refused.refused
    assert "Inter-company Leerwerkplaats" in said(refused)
    own = beheer(services, MR)  # one programme: no need to name it
    assert "Managersruil" in said(own)
    assert "Leerwerkplaats" not in said(own)


def test_a_coordinator_adds_one_who_can_then_act_and_removes_them_but_never_the_last(
    services: Services,
) -> None:
    assert beheer(services, "UNEW00001", "leerwerkplaats").refused
    added = beheer(services, LW, "leerwerkplaats coordinator toevoegen <@UNEW00001|anna>")
    assert "UNEW00001 is nu coördinator van Inter-company Leerwerkplaats" in said(added)
    assert not beheer(services, "UNEW00001", "leerwerkplaats").refused
    listed = said(beheer(services, "UNEW00001", "leerwerkplaats coordinatoren"))
    assert f"{LW}, UNEW00001" in listed
    removed = beheer(services, "UNEW00001", f"leerwerkplaats coördinator verwijderen {LW}")
    assert f"{LW} is geen coördinator van Inter-company Leerwerkplaats meer" in said(removed)
    assert beheer(services, LW, "leerwerkplaats").refused
    last = beheer(services, "UNEW00001", "leerwerkplaats coordinator verwijderen UNEW00001")
    assert "de enige coördinator" in said(last)
    assert not beheer(services, "UNEW00001", "leerwerkplaats").refused
    who = beheer(services, "UNEW00001", "leerwerkplaats coordinator toevoegen @anna")
    assert "member-ID" in said(who)
    assert AuditAction.COORDINATOR_ADDED in [e.action for e in audit(services, LW)]
    assert AuditAction.COORDINATOR_REMOVED in [e.action for e in audit(services, "UNEW00001")]


# ---- the overview ----------------------------------------------------------------------------------


def test_the_overview_counts_the_funnel_against_the_targets_and_sends_a_chart(services: Services) -> None:
    with services.uow() as uow:  # on PostgreSQL, the end-to-end tests' registrations count too
        before = services.coordination.funnel(uow, services.catalogue.get("peer-to-peer"))
    register(services, "UPP000001", "peer-to-peer/aanmelding")
    register(services, "UPP000002", "peer-to-peer/aanmelding", confirm=False)
    reply = beheer(services, PP, "peer-to-peer")
    text = said(reply)
    assert "*Peer-to-Peer*: overzicht op 27 november 2026" in text
    assert f"Aanmeldingen begonnen: {before.started + 2}" in text
    assert f"Afgerond: {before.completed + 1}" in text
    assert "Geruild of geplaatst: 0 van 45 (doel; nog 45 te gaan)" in text
    assert "In 3 tranches van 15" in text
    assert "Aanmelding: open" in text
    (png,) = reply.files
    assert png.content.startswith(b"\x89PNG")
    assert png.filename.endswith(".png")


def test_proposal_counts_come_through_the_port(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    services = wire(sessions, clock=clock, proposals=lambda uow, programme: (5, 3, 2))
    text = said(beheer(services, LW, "leerwerkplaats"))
    assert "Voorgesteld: 5" in text
    assert "Geaccepteerd: 3" in text
    assert "Geruild of geplaatst: 2 van 20 (doel; nog 18 te gaan)" in text


def test_the_home_tab_has_a_coordinator_section_only_for_coordinators(services: Services) -> None:
    section = services.coordination.home("slack", MR)
    assert section is not None
    assert section.title == "Coördinator"
    assert section.lines[0].startswith("*Managersruil*: ")
    assert " begonnen · " in section.lines[0]
    assert services.coordination.home("slack", "UNOBODY1") is None


def test_the_chart_is_a_png() -> None:
    png = funnel_png("Peer-to-Peer", [("Begonnen", 8), ("Afgerond", 5)], 45, "doel: 45")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


# ---- registration ------------------------------------------------------------------------------------


def test_closed_registration_refuses_new_intakes_kindly_and_reopens(services: Services) -> None:
    register(services, "ULW000001", "leerwerkplaats", confirm=False)  # under way before it closed
    closed = beheer(services, LW, "leerwerkplaats sluit tot 15 januari")
    assert "is nu gesloten, weer open op 15 januari 2027" in said(closed)
    refused = services.intake.start(UserRef("slack", "ULW000002"), "leerwerkplaats")
    text = "\n".join(refused.lines)
    assert "op dit moment gesloten" in text
    assert "15 januari 2027" in text
    assert "Renate Beckers" in text
    assert refused.prompt is None
    going_on = services.intake.start(UserRef("slack", "ULW000001"), "leerwerkplaats")
    assert going_on.prompt is not None or going_on.summary is not None
    assert "Aanmelding: gesloten sinds 27 november 2026, weer open op 15 januari 2027" in said(
        beheer(services, LW, "leerwerkplaats")
    )
    assert "weer open" in said(beheer(services, LW, "leerwerkplaats open"))
    assert services.intake.start(UserRef("slack", "ULW000002"), "leerwerkplaats").prompt is not None
    assert "al open" in said(beheer(services, LW, "leerwerkplaats open"))
    assert "Tot wanneer?" in said(beheer(services, LW, "leerwerkplaats sluit tot gisteren"))


# ---- broadcast ---------------------------------------------------------------------------------------


def test_a_broadcast_is_previewed_then_sent_through_the_outbox_once(services: Services) -> None:
    register(services, "UMR000001")
    register(services, "UMR000002", confirm=False)  # not registered (yet): no message
    preview = beheer(services, MR, "managersruil bericht Kom naar de <!channel> borrel & neem iemand mee")
    assert "voorbeeld in je DM" in said(preview)
    assert preview.direct[-1] == "Kom naar de <!channel> borrel & neem iemand mee"  # raw: Slack escapes
    assert "van Managersruil eruit. Versturen?" in preview.direct[0]
    send, cancel = preview.choices
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", "UMR000001") == []
    sent = services.coordination.confirm("slack", MR, send.value)
    assert "Je bericht gaat naar" in said(sent)
    with services.uow() as uow:
        (queued,) = uow.outbox.waiting("slack", "UMR000001")
        assert uow.outbox.waiting("slack", "UMR000002") == []
    assert queued.template == "broadcast"
    screen = services.notices.screen(queued)
    assert screen.lines == (
        "Bericht van de coördinator van Managersruil:",
        "Kom naar de <!channel> borrel & neem iemand mee",
    )
    assert "al verstuurd of geannuleerd" in said(services.coordination.confirm("slack", MR, send.value))
    assert "al verstuurd of geannuleerd" in said(services.coordination.confirm("slack", MR, cancel.value))
    assert services.coordination.confirm("slack", "UNOBODY1", send.value).refused


def test_a_cancelled_broadcast_sends_nothing(services: Services) -> None:
    register(services, "UMR000003")
    preview = beheer(services, MR, "managersruil bericht Hallo")
    assert "niet verstuurd" in said(services.coordination.confirm("slack", MR, preview.choices[1].value))
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", "UMR000003") == []


def test_a_broadcast_needs_text_and_people(services: Services) -> None:
    assert "Wat wil je sturen?" in said(beheer(services, MR, "managersruil bericht"))
    with services.uow() as uow:  # on PostgreSQL the end-to-end tests registered people too
        empty = [p for p in services.catalogue if not uow.coordination.recipients(p.id)]
    if empty:
        programme = empty[0]
        nobody = beheer(services, programme.coordinators[0], f"{programme.id} bericht Hoi")
        assert "niemand om het bericht naar te sturen" in said(nobody)
    assert "houd het onder de 2000" in said(beheer(services, MR, "managersruil bericht " + "x" * 2001))


def test_a_broadcast_is_dropped_for_someone_who_turned_broadcasts_off() -> None:
    class Off:
        def wants(self, participant_id: int, kind: str) -> bool:
            return kind != "broadcasts"

    class Nobody:
        def find(self, platform: str, external_id: str) -> None:
            return None

    class Records:
        preferences = Off()
        participants = Nobody()

    message = OutboxMessage("k", "slack", "U1", "nl", "broadcast", NOW, NOW, {}, participant_id=1)
    notices = Notices(load_catalogue())
    assert notices.as_now(Records(), message, NOW) is None  # type: ignore[arg-type]
    nudge = OutboxMessage("k", "slack", "U1", "nl", "report.status", NOW, NOW, {}, participant_id=1)
    assert kind_of(nudge.template) is None  # a report's status change is no kind one can turn off


# ---- export ------------------------------------------------------------------------------------------


def test_the_export_is_csv_that_ruilbot_import_reads_back_and_is_audited(services: Services) -> None:
    intake_id = register(services, "UMR000004")
    register(services, "UMR000014", confirm=False)  # under way: not a registration yet
    reply = beheer(services, MR, "managersruil export")
    assert "staan als CSV in je DM" in said(reply)
    (file,) = reply.files
    text = file.content.decode("utf-8-sig")  # with the byte order mark Excel needs
    assert text.splitlines()[0].endswith(",status,match")
    rows = {row.slack_user: row for row in read_csv(text, MANAGERSRUIL, NOW.date())}
    assert "UMR000014" not in rows
    with services.uow() as uow:
        stored = uow.intakes.get(intake_id)
    assert stored is not None
    assert rows["UMR000004"].answers == stored.answers  # the import would store the same answers
    assert next(line for line in text.splitlines() if line.startswith("UMR000004")).endswith(",confirmed,")
    entry = audit(services, MR)[0]
    assert (entry.action, entry.actor, entry.programme_id) == (AuditAction.EXPORT, MR, "managersruil")


def test_viewing_one_intake_is_audited(services: Services) -> None:
    intake = register(services, "UMR000005")
    reply = beheer(services, MR, f"managersruil {intake}")
    assert f"Aanmelding {intake} bij Managersruil, van UMR000005 (bevestigd)" in said(reply)
    entry = audit(services, MR)[0]
    assert (entry.action, entry.subject) == (AuditAction.VIEW_INTAKE, str(intake))
    assert "Ik vind geen aanmelding 999999" in said(beheer(services, MR, "managersruil 999999"))
    huge = "9" * 40
    assert f"Ik vind geen aanmelding {huge}" in said(beheer(services, MR, f"managersruil {huge}"))


# ---- regulation reports ------------------------------------------------------------------------------


def test_a_report_gets_a_status_and_the_reporter_a_message_at_every_change(services: Services) -> None:
    report = register(services, "URR000001", "regels-naar-ruimte")
    listed = beheer(services, RR, "regels meldingen")
    assert f"{report}. De regel dat elke aanvraag bijzondere bijstand" in said(listed)
    assert "(nieuw," in said(listed)
    assert "Bij afgewezen hoort een reden" in said(beheer(services, RR, f"regels {report} afgewezen"))
    assert "Welke status?" in said(beheer(services, RR, f"regels {report} misschien"))
    assert "staat nu op: in behandeling" in said(beheer(services, RR, f"regels {report} in behandeling"))
    rejected = beheer(services, RR, f"melding {report} afgewezen Past niet in een pilot")
    assert "staat nu op: afgewezen" in said(rejected)
    with services.uow() as uow:
        first, second = uow.outbox.waiting("slack", "URR000001")
    assert "staat nu op: in behandeling" in services.notices.screen(first).lines[0]
    assert services.notices.screen(second).lines[0].endswith("De reden: Past niet in een pilot")
    assert "afgewezen (Past niet in een pilot)" in said(beheer(services, RR, "regels meldingen"))
    assert "Meldingen: " in said(beheer(services, RR, "regels"))
    assert "1 afgewezen" in said(beheer(services, RR, "regels"))


def test_report_statuses_are_read_in_either_language() -> None:
    assert _report_status("in behandeling") == (ReportStatus.IN_PROGRESS, "")
    assert _report_status("Pilot gestart") == (ReportStatus.PILOT, "")
    assert _report_status("afgewezen geen  budget") == (ReportStatus.REJECTED, "geen budget")
    assert _report_status("solved") == (ReportStatus.SOLVED, "")
    assert _report_status("pilotje")[0] is None


def test_a_coordinator_reads_the_programmes_audit_log_and_that_is_logged_too(services: Services) -> None:
    beheer(services, "UNOBODY2", "regels meldingen")
    beheer(services, RR, "regels meldingen")
    reply = beheer(services, RR, "regels audit")
    text = said(reply)
    assert "Het auditlog van Van regels naar ruimte" in text
    assert "Niemand kan het wijzigen of wissen." in text
    assert "27 november 2026 om 10:30: UNOBODY2 werd geweigerd" in text
    assert f"{RR} bekeek de meldingen" in text
    assert audit(services, RR)[0].action is AuditAction.VIEW_AUDIT


# ---- the audit log is append-only ---------------------------------------------------------------------


def test_the_audit_store_has_no_way_to_change_or_remove_an_entry() -> None:
    methods = {name for name in dir(SqlCoordination) if not name.startswith("_")}
    assert not {m for m in methods if "audit" in m} - {"audit", "audit_log"}


def test_on_postgresql_the_database_refuses_to_change_the_audit_log(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    with SqlUnitOfWork(sessions) as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("the trigger is PostgreSQL's; SQLite relies on the code having no such path")
        uow.coordination.audit(AuditEntry(clock.now(), "slack", "U1", AuditAction.REFUSED, None, None, "x"))
        for statement in ("UPDATE audit_log SET actor = 'U2'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), uow.session.begin_nested():
                uow.session.execute(text(statement))


# ---- the catalogue -----------------------------------------------------------------------------------


def test_every_programme_names_a_coordinator_and_the_seeds_targets_are_there() -> None:
    catalogue = load_catalogue()
    assert all(p.coordinators for p in catalogue)
    assert catalogue.get("peer-to-peer").targets == {"placed": 45, "tranche": 15}
    assert catalogue.get("leerwerkplaats").targets == {"placed": 20}
    assert catalogue.get("leidinggevenden-in-beweging").targets == {"placed": 12}


@pytest.mark.parametrize(
    ("snippet", "fault"),
    [
        ("coordinators: [jan]", "Slack member ids"),
        ("targets: {placed: 0}", "above 0"),
        ("targets: {x: 1}", "unknown"),
    ],
)
def test_a_malformed_coordinator_or_target_stops_loading(tmp_path: object, snippet: str, fault: str) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "programmes.yaml"
    path.write_text(
        "programmes:\n  - id: p\n    kind: cohort\n    confidential: false\n"
        + "".join(f"    {k}: {{nl: x, en: x}}\n" for k in ("name", "summary", "description", "audience"))
        + f"    {snippet}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match=fault):
        load_catalogue(path)


def test_english_speaking_coordinators_hear_english(services: Services) -> None:
    with services.uow() as uow:
        person = uow.participants.find("slack", MR) or uow.participants.add("slack", MR, "nl", NOW)
        uow.participants.set_locale(person.id, "en", NOW)
        uow.commit()
    assert "Registrations started: " in said(beheer(services, MR))
    assert "only for the coordinators of Learning Lab" in said(beheer(services, MR, "leerwerkplaats")) or (
        "only for the coordinators of Inter-company Learning Lab"
        in said(beheer(services, MR, "leerwerkplaats"))
    )
