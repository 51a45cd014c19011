"""Privacy (AVG) end to end through the Slack stand-in: consent before the first question on every
surface, no row for a look around, the export as a JSON file in the DM, and the erasure, proven by a
scan of every table and column the models declare."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.clock import FixedClock
from bot.outbox import Notice
from bot.ports import UnitOfWork
from bot.privacy import CONSENT_VERSION, proposal_ended
from bot.records import Participant
from storage.database import make_engine
from storage.models import Base, ConsentRow, ParticipantRow
from tests.e2e.driver import AGREE, DECLINE, FIRST_ANSWERS, Bot, buttons_in, new_user, visible_text
from tests.e2e.test_sessions import SPEED_DATE
from tests.slack_standin import SlackStandIn, dm_channel_id

pytestmark = pytest.mark.e2e
FORGET_YES = "Ja, wis alles"


@pytest.fixture
def asking(slack: SlackStandIn, database_url: str, clock: FixedClock) -> Iterator[Bot]:
    """The bot with people who answer the consent question themselves."""
    driver = Bot(slack, database_url, clock, agrees=False)
    yield driver
    driver.stop()


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def person(db: Engine, user: str) -> dict[str, Any] | None:
    with db.connect() as c:
        row = c.execute(select(ParticipantRow.__table__).where(ParticipantRow.external_id == user)).first()
    return dict(row._mapping) if row else None


def consents(db: Engine, user: str) -> list[dict[str, Any]]:
    c_, p_ = ConsentRow.__table__, ParticipantRow.__table__
    with db.connect() as c:
        rows = c.execute(
            select(c_).join(p_, p_.c.id == c_.c.participant_id).where(p_.c.external_id == user)
        ).all()
    return [dict(r._mapping) for r in rows]


def asked(bot: Bot, user: str, text: str = "managersruil") -> Any:
    """`/ruil <text>`: the consent question it puts in the DM."""
    before = len(bot.posted(user))
    bot.ruil(user, text)
    return bot.wait_posted(user, before + 1)


def assert_is_consent(message: Any, programme: str) -> None:
    text = message.visible
    assert f"Voordat we beginnen met {programme}" in text
    for part in (
        "Wat we bewaren",
        "Waarom",
        "Wie het ziet",
        "coördinatoren",
        "Een match ziet niets",
        "Hoe lang",
    ):
        assert part in text
    assert "Vraag 1" not in text  # no question before the answer
    assert message.labels() == [AGREE, DECLINE]


# ---- consent ------------------------------------------------------------------------------------


def test_the_dm_asks_consent_before_the_first_question_and_records_it(asking: Bot, db: Engine) -> None:
    user = new_user()
    question = asked(asking, user)
    assert_is_consent(question, "Managersruil")
    assert "12 maanden na het einde van het programma (30 juni 2029)" in question.visible

    first = asking.press(user, question, AGREE)
    assert "Vraag 1 van 12" in first.visible
    [consent] = consents(db, user)
    assert consent["programme_id"] == "managersruil"
    assert consent["text_version"] == CONSENT_VERSION
    assert consent["given_at"] == asking.clock.now()


def test_no_thanks_starts_nothing_and_keeps_no_row(asking: Bot, db: Engine) -> None:
    user = new_user()
    question = asked(asking, user)
    reply = asking.press(user, question, DECLINE)
    assert "dan beginnen we niet aan Managersruil" in reply.visible
    assert person(db, user) is None


def test_consent_can_be_typed_yes_or_no(asking: Bot, db: Engine) -> None:
    agreeing, declining = new_user(), new_user()
    assert_is_consent(asked(asking, agreeing, "leerwerkplaats"), "Inter-company Leerwerkplaats")
    unclear = asking.say(agreeing, "hoezo?")
    assert "Ik heb nog je antwoord nodig" in unclear.visible
    assert "Vraag 1 van" in asking.say(agreeing, "akkoord").visible
    assert [c["programme_id"] for c in consents(db, agreeing)] == ["leerwerkplaats"]

    asked(asking, declining, "leerwerkplaats")
    assert "beginnen we niet" in asking.say(declining, "stop").visible
    assert person(db, declining) is None


def test_the_form_asks_consent_first(asking: Bot, db: Engine) -> None:
    user = new_user()
    view = asking.open_form(user, "managersruil formulier")
    shown = visible_text(view["blocks"])
    assert "Voordat we beginnen met Managersruil" in shown
    assert "Wie het ziet" in shown
    assert view["submit"]["text"] == AGREE
    assert view["close"]["text"] == DECLINE
    assert "element" not in json.dumps(view["blocks"])  # no question fields yet

    page = asking.submit_form(user, view)
    assert page["response_action"] == "update"
    assert "Bij welk ministerie werk je nu?" in json.dumps(page["view"], ensure_ascii=False)
    assert consents(db, user)[0]["given_at"] is not None


def test_a_home_button_asks_consent_in_the_dm(asking: Bot, db: Engine) -> None:
    user = new_user()
    assert asking.home_opened(user).status == 200
    home = asking.home_view(user)
    start = next(b for b in buttons_in(home["blocks"]) if b["text"]["text"] == "Begin de intake")
    assert asking.click_in_view(user, start, home).status == 200
    question = asking.wait_posted(user, 1)
    assert_is_consent(question, "Managersruil")
    assert "Vraag 1 van 12" in asking.press(user, question, AGREE).visible


def test_looking_around_stores_nobody(asking: Bot, db: Engine) -> None:
    user = new_user()
    assert asking.home_opened(user).status == 200
    asking.home_view(user)
    for text in ("help", "status", "", "meldingen", "blabla"):
        response, key = asking.command(user, text)
        assert response.status == 200
        asking.ephemeral(key)
    assert person(db, user) is None
    # Asking to remember a choice is a reason to keep one: the language, nothing else.
    asking.ruil(user, "taal en")
    stored = person(db, user)
    assert stored is not None
    assert stored["locale"] == "en"


def test_a_second_intake_of_the_same_programme_is_not_asked_again(asking: Bot) -> None:
    user = new_user()
    asking.press(user, asked(asking, user), AGREE)
    asking.ruil(user, "managersruil stop")
    stop = asking.posted(user)[-1]
    asking.press(user, stop, stop.labels()[0])
    assert "Vraag 1 van 12" in asked(asking, user).visible


# ---- export -------------------------------------------------------------------------------------


def test_my_data_arrives_as_a_json_file_holding_the_answers(asking: Bot, slack: SlackStandIn) -> None:
    user = new_user()
    asking.press(user, asked(asking, user), AGREE)
    asking.answer(user, FIRST_ANSWERS)

    shown, _ = asking.ruil(user, "mijn-gegevens")
    assert "alles wat we van je bewaren" in shown.lower()
    [shared] = slack.wait_for(lambda: slack.files_in(user) or None, timeout=15)
    assert shared.name.endswith(".json")
    data = json.loads(shared.content)
    assert data["person"] == {"platform": "slack", "id": user}
    [me] = data["tables"]["participants"]
    assert me["external_id"] == user
    [intake] = data["tables"]["intakes"]
    assert intake["answers"]["directorate"] == "Directie Begroting"
    assert intake["answers"]["function"] == "Afdelingshoofd"
    assert data["tables"]["conversations"]
    assert data["tables"]["consents"][0]["text_version"] == CONSENT_VERSION


def test_my_data_typed_in_the_dm_in_english(asking: Bot, slack: SlackStandIn) -> None:
    user = new_user()
    asking.press(user, asked(asking, user), AGREE)
    asking.say(user, "taal en")
    assert asking.dm(user, "my data").status == 200  # the answer is the file, with its line as comment
    [shared] = slack.wait_for(lambda: slack.files_in(user) or None, timeout=15)
    assert shared.initial_comment == "Here is everything we keep about you, as a JSON file."
    assert json.loads(shared.content)["tables"]["participants"][0]["locale"] == "en"


def test_my_data_of_someone_we_never_stored(asking: Bot, slack: SlackStandIn, db: Engine) -> None:
    user = new_user()
    shown, _ = asking.ruil(user, "my-data")
    assert "niets van je bewaard" in shown
    assert not slack.files_in(user)
    assert person(db, user) is None


# ---- erasure ------------------------------------------------------------------------------------


def everything(db: Engine) -> Iterator[tuple[str, str, str]]:
    """(table, column, value as text) for every value in every table the models declare."""
    with db.connect() as c:
        for table in Base.metadata.sorted_tables:
            for row in c.execute(select(table)):
                for column, value in row._mapping.items():
                    text = json.dumps(value, ensure_ascii=False, default=str)
                    yield table.name, str(column), text


def test_forget_me_erases_every_row_that_names_the_person(
    asking: Bot, slack: SlackStandIn, db: Engine
) -> None:
    me, other = new_user(), new_user()
    tag = uuid.uuid4().hex[:8]
    name, email, phone = f"Wilhelmina Ruil{tag}", f"w.{tag}@minfin.example", f"06-{int(tag, 16) % 10**8:08d}"
    slack.set_profile(me, real_name=name, email=email, phone=phone)
    for who in (me, other):
        asking.press(who, asked(asking, who), AGREE)
    # Their name, email and phone end up in answers they typed; the other person's data is plain.
    asking.answer(me, ["finacien", f"Directie {name}", f"Afdelingshoofd ({email}, {phone})"])
    asking.answer(other, FIRST_ANSWERS)
    asking.ruil(me, "meldingen uit")  # a preferences row
    services = asking.services
    assert services is not None
    now = asking.clock.now()
    stored = person(db, me)
    with services.uow() as uow:
        # A message still on its way to them, by participant and by Slack id only, and inbound ids.
        for key, participant in (("by-row", stored), ("by-slack-id", None)):
            uow.outbox.add(
                Notice(
                    dedupe_key=f"test:{tag}:{key}",
                    platform="slack",
                    recipient=me,
                    locale="nl",
                    template="nudge.intake",
                    due_at=now + timedelta(days=1),
                    not_before=now + timedelta(days=1),
                    params={
                        "programme_id": "managersruil",
                        "intake_id": 0,
                        "answered": 1,
                        "total": 12,
                        "n": 1,
                    },
                    participant_id=participant["id"] if participant else None,
                    programme_id="managersruil",
                ),
                now,
            )
        uow.inbound.all_first_time([f"test:{me}:{tag}"], now)
        uow.commit()
    told: list[str] = []

    def in_a_proposal_with(uow: UnitOfWork, leaving: Participant, at: Any) -> None:
        # The proposals table comes from another branch; its hook finds the partners like this.
        partner = uow.participants.find("slack", other)
        assert partner is not None
        told.append(leaving.external_id)
        uow.outbox.add(proposal_ended(partner, "managersruil", f"{tag}", at), at)

    services.privacy.add_hook(in_a_proposal_with)
    before = {t for t, _, v in everything(db) if other in v}

    shown, _ = asking.ruil(me, "vergeet-mij")
    assert "Weet je zeker" in shown
    question = asking.posted(me)[-1]
    assert question.labels() == [FORGET_YES, "Nee, bewaar het"]
    last = asking.press(me, question, FORGET_YES)
    assert "Alles wat we van je bewaarden is gewist" in last.visible
    assert told == [me]

    for secret in (me, name, email, phone, f"Ruil{tag}"):
        found = [(t, c) for t, c, v in everything(db) if secret in v]
        assert not found, f"{secret!r} is still stored in {found}"
    # Everyone else's data is as it was, and the partner hears the proposal ended, not why.
    assert person(db, other) is not None
    assert {t for t, _, v in everything(db) if other in v} >= before
    with services.uow() as uow:
        [ended] = [m for m in uow.outbox.waiting("slack", other) if m.template == "privacy.proposal_ended"]
        screen = services.notices.screen(ended)
        uow.outbox.drop(ended.id, now, "seen by the test")  # the database is shared: leave nothing due
        uow.commit()
    assert "gaat helaas niet door" in screen.text
    assert "gewist" not in screen.text
    assert "vergeet" not in screen.text

    # Nothing more reaches them: nothing is queued, no intake of theirs is left for a nudge days later
    # (asked read-only: a tick would queue nudges for other tests' people in a shared database), and
    # a second click is harmless.
    count = len(asking.posted(me))
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", me) == []
        idle = uow.nudges.idle(now + timedelta(days=4), 2, 10_000)
    assert me not in {found.participant.external_id for found in idle}
    again = asking.press(me, question, FORGET_YES)
    assert "niets van je bewaard" in again.visible
    assert len(asking.posted(me)) == count + 1
    assert person(db, me) is None


def test_no_keeps_everything(asking: Bot, db: Engine) -> None:
    user = new_user()
    asking.press(user, asked(asking, user), AGREE)
    asking.ruil(user, "vergeet-mij")
    assert "bewaren alles" in asking.say(user, "nee").visible
    assert person(db, user) is not None
    asking.say(user, "ja")  # now an answer to the intake's question, not to the erasure
    assert person(db, user) is not None


def test_forget_me_typed_in_the_dm(asking: Bot, db: Engine) -> None:
    user = new_user()
    asking.press(user, asked(asking, user), AGREE)
    question = asking.say(user, "vergeet mij")
    assert "Weet je zeker" in question.visible
    assert "gewist" in asking.say(user, "ja").visible
    assert person(db, user) is None


# ---- a one-click session registration -----------------------------------------------------------


def session_click(bot: Bot, user: str, title: str = SPEED_DATE) -> Any:
    """/sessies, and a click on 'Aanmelden' for a session that registers with one click (the speed
    date: no questions); returns what the DM shows next."""
    response, key = bot.command(user, "", "/sessies")
    assert response.status == 200
    blocks = bot.ephemeral(key)["blocks"]
    [button] = [b for b in buttons_in(blocks) if b["text"]["text"].startswith(f"Aanmelden: {title}")]
    before = len(bot.posted(user))
    assert bot.click_ephemeral(user, button, dm_channel_id(user)).status == 200
    return bot.wait_posted(user, before + 1)


def test_a_one_click_session_registration_asks_consent_first_and_then_registers(
    asking: Bot, db: Engine
) -> None:
    user = new_user()
    question = session_click(asking, user)
    assert_is_consent(question, "Leidinggevenden in Beweging")
    assert "aangemeld" not in question.visible
    assert [c["given_at"] for c in consents(db, user)] == [None]
    registered = asking.press(user, question, AGREE)  # the click is not lost
    assert "je toestemming is vastgelegd" in registered.visible
    assert f"Je bent aangemeld voor {SPEED_DATE}" in registered.visible
    assert [c["programme_id"] for c in consents(db, user) if c["given_at"]] == ["leidinggevenden-in-beweging"]
    # Consent is per programme: the second speed date registers at once.
    second = "Tweede speeddate: kennismaken met leidinggevenden uit de regio"
    assert f"Je bent aangemeld voor {second}" in session_click(asking, user, second).visible
    assert len(consents(db, user)) == 1


def test_no_to_a_session_registrations_consent_keeps_nothing_and_a_typed_yes_registers(
    asking: Bot, db: Engine
) -> None:
    declining, typing = new_user(), new_user()
    question = session_click(asking, declining)
    no = asking.press(declining, question, DECLINE)
    assert "dan beginnen we niet aan Leidinggevenden in Beweging" in no.visible
    assert person(db, declining) is None  # the row made only to ask went again
    session_click(asking, typing)
    assert f"Je bent aangemeld voor {SPEED_DATE}" in asking.say(typing, "akkoord").visible
