"""Coordinators run a programme from Slack: `/ruil beheer` through the real app over signed HTTP, with
the Slack stand-in around it. Every action, and every refusal of someone who is not a coordinator.

The catalogue's coordinators (placeholder member ids such as U0000MR01) are shared by every test on
PostgreSQL's shared database, so a test that changes a role or closes a registration puts it back;
everything else is about this test's own people."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.bootstrap import Services
from bot.clock import AMSTERDAM, FixedClock
from bot.coordinator_records import AuditAction, AuditEntry
from bot.interaction import Target
from bot.programmes import Localised
from bot.services import UserRef
from bot.sessions import STEP as SESSION_STEP
from tests.e2e.driver import WAIT, Bot, Posted, new_user, visible_text
from tests.e2e.test_outbox import sender_for
from tests.samples import SAMPLES
from tests.slack_standin import SharedFile, SlackStandIn

pytestmark = pytest.mark.e2e
MR, LW, RR, PP = "U0000MR01", "U0000LW01", "U0000RR01", "U0000PP01"  # the catalogue's coordinators


@pytest.fixture
def slack(clock: FixedClock) -> Iterator[SlackStandIn]:
    with SlackStandIn(clock=clock.now) as standin:
        yield standin


def services_of(bot: Bot) -> Services:
    assert bot.services is not None
    return bot.services


def beheer(bot: Bot, user: str, text: str = "") -> str:
    """`/ruil beheer <text>`: what the person sees in place."""
    response, key = bot.command(user, f"beheer {text}".strip())
    assert response.status == 200, response
    reply = bot.ephemeral(key)
    assert reply["response_type"] == "ephemeral", reply
    return visible_text(reply.get("blocks") or [])


def beheer_dm(bot: Bot, user: str, text: str) -> tuple[str, Posted]:
    """`/ruil beheer <text>` that also posts in the DM: what is shown in place, and the DM."""
    before = len(bot.posted(user))
    shown = beheer(bot, user, text)
    return shown, bot.wait_posted(user, before + 1)


def files(bot: Bot, user: str, count: int) -> list[SharedFile]:
    """Wait until `count` files were shared in the DM of `user`."""

    def arrived() -> list[SharedFile] | None:
        found = bot.slack.files_in(user)
        return found if len(found) >= count else None

    return bot.slack.wait_for(arrived, timeout=WAIT)


def register(bot: Bot, user: str, dialogue: str = "managersruil") -> int:
    """A confirmed registration, typed as a person would (through the service: the DM way is tested
    elsewhere); returns the intake's id."""
    services, me = services_of(bot), UserRef("slack", user)
    services.intake.start(me, dialogue)
    for answer in [*SAMPLES[dialogue], "ja"]:
        services.intake.text(me, answer)
    with services.uow() as uow:
        person = uow.participants.find("slack", user)
        assert person is not None
        intake = uow.intakes.current(person.id, dialogue)
    assert intake is not None
    assert intake.id is not None
    return intake.id


def audited(bot: Bot, actor: str) -> list[AuditEntry]:
    with services_of(bot).uow() as uow:
        return [e for e in uow.coordination.audit_log(limit=1000) if e.actor == actor]


def deliver(bot: Bot, slack: SlackStandIn, clock: FixedClock) -> None:
    """What the outbox holds now goes out, as the worker would send it."""
    sender_for(services_of(bot), slack).run_once(clock.now())


def said_to(slack: SlackStandIn, user: str) -> str:
    return "\n".join(visible_text(m.get("blocks") or []) or str(m.get("text")) for m in slack.history(user))


# ---- refusals ----------------------------------------------------------------------------------------

ACTIONS = [
    "",
    "managersruil",
    "managersruil export",
    "managersruil sluit",
    "managersruil open",
    "managersruil bericht Hallo allemaal",
    "managersruil coordinator toevoegen <@U0NEWBIE1>",
    "managersruil coordinatoren",
    "managersruil 1",
    "regels meldingen",
    "regels 1 opgelost",
    "regels audit",
    "managersruil sessies",
    "managersruil sessie 1 annuleer",
    "managersruil match",
    "managersruil voorstellen",
    "managersruil voorstel 1 goedkeuren",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_someone_who_is_not_a_coordinator_is_refused_politely_and_logged(bot: Bot, action: str) -> None:
    user = new_user()
    shown = beheer(bot, user, action)
    assert shown.startswith("Sorry, ")
    assert "alleen voor de coördinatoren" in shown
    assert bot.posted(user) == []
    assert bot.slack.files_in(user) == []
    (entry,) = audited(bot, user)
    assert entry.action is AuditAction.REFUSED
    assert entry.detail == f"beheer {action}".strip()


def test_a_coordinator_of_one_programme_is_refused_another(bot: Bot) -> None:
    shown = beheer(bot, MR, "leerwerkplaats export")
    assert "alleen voor de coördinatoren van Inter-company Leerwerkplaats" in shown
    assert any(
        e.action is AuditAction.REFUSED and e.programme_id == "leerwerkplaats" for e in audited(bot, MR)
    )


def test_a_forged_send_button_from_someone_else_sends_nothing(bot: Bot) -> None:
    register(bot, new_user(), "peer-to-peer/aanmelding")
    _, preview = beheer_dm(bot, PP, "peer-to-peer bericht Tot morgen")
    intruder = new_user()
    reply = bot.press(intruder, preview, "Versturen")
    assert "alleen voor de coördinatoren van Peer-to-Peer" in reply.visible
    assert audited(bot, intruder)[0].action is AuditAction.REFUSED
    cancelled = bot.press(PP, preview, "Annuleren")  # the draft is still the coordinator's to settle
    assert "niet verstuurd" in cancelled.visible


# ---- the overview ------------------------------------------------------------------------------------


def test_the_overview_shows_the_funnel_against_the_target_and_a_chart_in_the_dm(bot: Bot) -> None:
    register(bot, new_user(), "leerwerkplaats")
    before = len(bot.slack.files_in(LW))
    shown = beheer(bot, LW, "leerwerkplaats")
    assert "Inter-company Leerwerkplaats*: overzicht op 27 november 2026" in shown
    assert "Aanmeldingen begonnen:" in shown
    assert "Geruild of geplaatst: 0 van 20 (doel; nog 20 te gaan)" in shown
    assert "De grafiek staat in je DM." in shown
    chart = files(bot, LW, before + 1)[-1]
    assert chart.content.startswith(b"\x89PNG")
    assert chart.title == "Overzicht Inter-company Leerwerkplaats"
    assert "Typ /ruil beheer leerwerkplaats" in bot.posted(LW)[-1].visible


def test_the_home_tab_has_a_coordinator_section_for_coordinators_only(bot: Bot) -> None:
    assert bot.home_opened(MR).status == 200
    home = visible_text(bot.home_view(MR)["blocks"])
    assert "Coördinator" in home
    assert "*Managersruil*:" in home
    assert "geruild of geplaatst" in home
    someone = new_user()
    assert bot.home_opened(someone).status == 200
    assert "Coördinator" not in visible_text(bot.home_view(someone)["blocks"])


# ---- roles -------------------------------------------------------------------------------------------


def test_a_coordinator_adds_another_who_can_act_then_removes_them_but_not_the_last(bot: Bot) -> None:
    newbie = new_user()
    assert beheer(bot, newbie, "leerwerkplaats").startswith("Sorry")
    shown = beheer(bot, LW, f"leerwerkplaats coordinator toevoegen <@{newbie}|anna>")
    assert f"{newbie} is nu coördinator van Inter-company Leerwerkplaats" in shown
    try:
        assert "*Inter-company Leerwerkplaats*: overzicht" in beheer(bot, newbie, "leerwerkplaats")
        assert f"{LW}, {newbie}" in beheer(bot, newbie, "leerwerkplaats coordinatoren")
    finally:
        removed = beheer(bot, newbie, f"leerwerkplaats coordinator verwijderen {newbie}")
    assert "is geen coördinator van Inter-company Leerwerkplaats meer" in removed
    assert beheer(bot, newbie, "leerwerkplaats").startswith("Sorry")
    last = beheer(bot, RR, f"regels coordinator verwijderen <@{RR}>")
    assert "de enige coördinator van Van regels naar ruimte" in last
    assert "Van regels naar ruimte*: overzicht" in beheer(bot, RR, "regels")


# ---- registration ------------------------------------------------------------------------------------


def test_closed_registration_turns_new_people_away_kindly_until_it_reopens(bot: Bot) -> None:
    assert "is nu gesloten, weer open op 15 januari 2027" in beheer(
        bot, LW, "leerwerkplaats sluit tot 15 januari"
    )
    try:
        person = new_user()
        bot.ruil(person, "leerwerkplaats")
        dm = bot.wait_posted(person, 1)
        assert "De aanmelding voor de Leerwerkplaats is op dit moment gesloten" in dm.visible
        assert "15 januari 2027" in dm.visible
        assert "Renate Beckers" in dm.visible
        assert "Aanmelding: gesloten sinds 27 november 2026" in beheer(bot, LW, "leerwerkplaats")
    finally:
        assert "weer open" in beheer(bot, LW, "leerwerkplaats open")
    bot.ruil(person, "leerwerkplaats")
    assert "Vraag 1 van" in bot.wait_posted(person, 2).visible


# ---- broadcast ---------------------------------------------------------------------------------------


def test_a_broadcast_is_previewed_confirmed_and_delivered_escaped(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    participant = new_user()
    register(bot, participant)
    typed = "Borrel vrijdag <!channel> & <https://evil.example|klik>"
    shown, preview = beheer_dm(bot, MR, f"managersruil bericht {typed}")
    assert "Je ziet een voorbeeld in je DM" in shown
    assert "Zo ziet je bericht aan " in preview.visible
    assert "Borrel vrijdag &lt;!channel&gt; &amp; &lt;https://evil.example|klik&gt;" in preview.visible
    assert preview.labels() == ["Versturen", "Annuleren"]
    deliver(bot, slack, clock)
    assert "Borrel" not in said_to(slack, participant)  # nothing before the confirmation
    sent = bot.press(MR, preview, "Versturen")
    assert "Je bericht gaat naar" in sent.visible
    deliver(bot, slack, clock)
    received = said_to(slack, participant)
    assert "Bericht van de coördinator van Managersruil:" in received
    assert "Borrel vrijdag &lt;!channel&gt; &amp; &lt;https://evil.example|klik&gt;" in received
    again = bot.press(MR, preview, "Versturen")  # an old preview, clicked again
    assert "al verstuurd of geannuleerd" in again.visible
    deliver(bot, slack, clock)
    assert said_to(slack, participant).count("Borrel vrijdag") == 1


def test_a_cancelled_broadcast_reaches_nobody(bot: Bot, slack: SlackStandIn, clock: FixedClock) -> None:
    participant = new_user()
    register(bot, participant)
    _, preview = beheer_dm(bot, MR, "managersruil bericht Toch maar niet")
    assert "niet verstuurd" in bot.press(MR, preview, "Annuleren").visible
    deliver(bot, slack, clock)
    assert "Toch maar niet" not in said_to(slack, participant)


# ---- export ------------------------------------------------------------------------------------------


def test_the_export_is_a_csv_in_the_coordinators_dm_in_the_import_format(bot: Bot) -> None:
    participant = new_user()
    register(bot, participant, "peer-to-peer/aanmelding")
    before = len(bot.slack.files_in(PP))
    shown = beheer(bot, PP, "peer-to-peer export")
    assert "staan als CSV in je DM" in shown
    shared = files(bot, PP, before + 2)[before:]  # Peer-to-Peer has two intakes: applications, assignments
    by_name = {f.name.split("-20")[0]: f for f in shared}
    rows = list(csv.DictReader(io.StringIO(by_name["peer-to-peer-aanmelding"].content.decode("utf-8-sig"))))
    (mine,) = [r for r in rows if r["slack_user"] == participant]
    assert mine["status"] == "confirmed"
    assert mine["assignment_kinds"].count("; ") == 1  # two choices, by their labels, as a person types them
    assert mine["municipality"] == "Gemeente Utrecht"
    assert "persoonsgegevens" in bot.posted(PP)[-1].visible
    assert any(e.action is AuditAction.EXPORT and e.programme_id == "peer-to-peer" for e in audited(bot, PP))


def test_reading_one_registration_is_audited(bot: Bot) -> None:
    participant = new_user()
    intake = register(bot, participant)
    said, dm = beheer_dm(bot, MR, f"managersruil {intake}")
    assert "Je ziet het in je DM." in said
    shown = dm.visible
    assert f"Aanmelding {intake} bij Managersruil, van {participant} (bevestigd)" in shown
    assert any(e.action is AuditAction.VIEW_INTAKE and e.subject == str(intake) for e in audited(bot, MR))


# ---- regulation reports --------------------------------------------------------------------------------


def test_a_coordinator_sets_a_reports_status_and_the_reporter_hears_each_change(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    reporter = new_user()
    report = register(bot, reporter, "regels-naar-ruimte")
    said, dm = beheer_dm(bot, RR, "regels meldingen")
    assert "Je ziet het in je DM." in said
    listing = dm.visible
    assert (
        f"{report}. De regel dat elke aanvraag bijzondere bijstand door twee mensen wordt getoetst (nieuw,"
        in listing
    )
    assert "Bij afgewezen hoort een reden" in beheer(bot, RR, f"regels {report} afgewezen")
    assert f"Melding {report} staat nu op: in behandeling" in beheer(
        bot, RR, f"regels {report} in behandeling"
    )
    deliver(bot, slack, clock)
    assert "over 'De regel dat elke aanvraag" in said_to(slack, reporter)
    assert "staat nu op: in behandeling" in said_to(slack, reporter)
    assert "staat nu op: afgewezen" in beheer(bot, RR, f"regels {report} afgewezen Geen ruimte in de pilot")
    deliver(bot, slack, clock)
    assert "is afgewezen. De reden: Geen ruimte in de pilot" in said_to(slack, reporter)
    assert "staat nu op: pilot gestart" in beheer(bot, RR, f"regels {report} pilot gestart")
    deliver(bot, slack, clock)
    assert "staat nu op: pilot gestart" in said_to(slack, reporter)
    assert any(e.action is AuditAction.LIST_REPORTS for e in audited(bot, RR))
    said, dm = beheer_dm(bot, RR, "regels audit")
    assert "Je ziet het in je DM." in said
    assert "Niemand kan het wijzigen of wissen." in dm.visible
    assert f"{RR} zette de status van melding {report}" in dm.visible


# ---- sessions and matching ------------------------------------------------------------------------


def test_a_coordinator_moves_and_cancels_a_session_and_everyone_registered_gets_a_calendar_update(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    services, person = services_of(bot), new_user()
    starts = datetime(2027, 2, 3, 14, 0, tzinfo=AMSTERDAM)
    shown = beheer(
        bot, MR, "managersruil sessie nieuw 3 februari 2027 14:00-16:00 Terugkomdag @ Pulchri, Den Haag"
    )
    assert "Toegevoegd als sessie" in shown
    [session] = [s for s, _ in services.sessions.upcoming() if s.title.nl == "Terugkomdag"]
    assert session.starts_at == starts.astimezone(UTC)
    assert session.location == "Pulchri, Den Haag"
    assert session.id is not None
    services.sessions.join(UserRef("slack", person), Target(session.id, session.sequence, SESSION_STEP))
    assert f"{session.id}. Terugkomdag" in beheer(bot, MR, "managersruil sessies")

    def send() -> None:  # the sender posts about one message a second per DM
        for _ in range(3):
            clock.advance(timedelta(seconds=2))
            deliver(bot, slack, clock)

    send()
    moved = beheer(bot, MR, f"managersruil sessie {session.id} verplaats 4 februari 2027 15:00")
    assert "Verplaatst: Terugkomdag" in moved
    send()
    cancelled = beheer(bot, MR, f"managersruil sessie {session.id} annuleer")
    assert "Geannuleerd: Terugkomdag" in cancelled
    send()
    calendars = [Calendar.from_ical(f.content) for f in files(bot, person, 3)]
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART") == datetime(2027, 2, 4, 15, 0, tzinfo=AMSTERDAM).astimezone(UTC)
    assert events[1].decoded("DTEND") - events[1].decoded("DTSTART") == timedelta(hours=2)
    assert str(calendars[2]["METHOD"]) == "CANCEL"
    changes = [e for e in audited(bot, MR) if e.action is AuditAction.SESSION_CHANGED]
    assert sorted(e.detail.split()[0] for e in changes if e.subject == str(session.id)) == [
        "add",
        "cancel",
        "move",
    ]


def test_a_coordinator_cannot_touch_another_programmes_session_and_odd_input_gets_an_answer(bot: Bot) -> None:
    services = services_of(bot)
    other = services.sessions.add(
        "leerwerkplaats",
        Localised("Sessie LW", "Session LW"),
        datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 1, 11, 0, tzinfo=UTC),
    )
    shown = beheer(bot, MR, f"managersruil sessie {other.id} annuleer")
    assert f"Ik vind geen sessie {other.id} bij Managersruil" in shown
    assert services.sessions.get(other.id or 0) == other  # untouched
    for odd in (
        "sessie 99999999999999 annuleer",
        "sessie nieuw gisteren",
        "sessie 1 plaatsen -3",
        "sessie x",
    ):
        assert "Typ" in beheer(bot, MR, f"managersruil {odd}") or "Ik vind geen sessie" in beheer(
            bot, MR, f"managersruil {odd}"
        )
    assert "al voorbij" in beheer(bot, MR, "managersruil sessie nieuw 1 januari 2026 10:00 Oud")
    mine = services.sessions.add(
        "managersruil",
        Localised("Sessie MR", "Session MR"),
        datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2027, 3, 1, 11, 0, tzinfo=UTC),
    )
    assert "al voorbij" in beheer(bot, MR, f"managersruil sessie {mine.id} verplaats 1 januari 2026 10:00")


def test_a_coordinator_runs_the_matching_and_the_pair_gets_anonymous_offers(
    bot: Bot, slack: SlackStandIn, clock: FixedClock
) -> None:
    shown = beheer(bot, MR, "managersruil match")
    assert "Matching gedaan:" in shown
    assert any(e.action is AuditAction.MATCHING_RUN for e in audited(bot, MR))
    assert "Er wachten geen conceptvoorstellen" in beheer(bot, MR, "managersruil voorstellen")
