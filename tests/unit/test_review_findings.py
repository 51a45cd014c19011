"""Cases a review of the conversation layer found: each was a way to lose or misplace an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.dialogues import DIALOGUES, INTAKES
from bot.intents import Intent, Names, read_command
from bot.programmes import load_catalogue
from bot.services import UserRef
from bot.views import Screen
from handlers import render
from handlers.gateway import person
from tests.conftest import NOW
from tests.samples import ANSWERS, SAMPLES

ANNA = UserRef("slack", "UANNA")


class Dm:
    """Anna in a Slack DM: every screen is shown a second after the message that asked for it."""

    def __init__(self, services: Services, clock: FixedClock | None = None) -> None:
        self.intake, self.at, self.clock = services.intake, NOW, clock

    def tick(self) -> object:
        self.at += timedelta(seconds=1)
        if self.clock is not None:  # the bot's own clock moves along
            self.clock.advance(timedelta(seconds=1))
        return self.at

    def show(self, screen: Screen | None) -> Screen:
        assert screen is not None
        if screen.target is not None:
            self.intake.shown(ANNA, screen.target, self.at + timedelta(milliseconds=500))
        return screen

    def say(self, text: str) -> Screen:
        return self.show(self.intake.text(ANNA, text, typed_at=self.tick()))  # type: ignore[arg-type]


def test_switching_language_while_stop_is_asked_asks_it_again_and_nothing_is_lost(services: Services) -> None:
    dm = Dm(services)
    dm.show(services.intake.start(ANNA))
    for text in ANSWERS[:9]:  # up to the supervisor question, whose first answer is also 'ja'
        dm.say(text)
    assert "Weet je zeker" in dm.say("stop").lines[0]

    switched = dm.say("taal en")

    assert "Are you sure you want to stop your registration" in "\n".join(switched.lines)
    assert switched.prompt is None  # no question to answer while 'stop?' is open
    kept = dm.say("no")
    assert kept.prompt is not None
    assert kept.prompt.question_id == "supervisor"
    assert "9 of 12" in services.intake.status(ANNA).lines[0]


def test_a_turn_that_read_before_the_screen_was_recorded_does_not_put_the_old_screen_back(
    services: Services,
) -> None:
    dm = Dm(services)
    dm.show(services.intake.start(ANNA))
    reply = services.intake.text(ANNA, ANSWERS[0], typed_at=dm.tick())  # now at the directorate
    assert reply is not None
    with services.uow() as uow:  # another process reads the conversation ...
        _, intake, stale = uow.participants.situation("slack", "UANNA", "dm", None)
    assert intake is not None
    assert stale is not None
    dm.show(reply)  # ... the reply is posted and recorded ...
    with services.uow() as uow:  # ... and that process saves what it read
        uow.conversations.save(replace(stale, last_typed_at=dm.at))
        uow.commit()

    answer = dm.say(ANSWERS[1])  # Anna answers the directorate, which she sees

    assert answer.prompt is not None
    assert answer.prompt.question_id == "function"


def test_an_edit_that_ends_a_report_shows_the_ending(services: Services) -> None:
    typed = []
    services.intake.start(ANNA, "regels-naar-ruimte")
    at = NOW
    for text in SAMPLES["regels-naar-ruimte"]:  # the last is a criterion answered 'ja'
        at += timedelta(seconds=1)
        typed.append(at)
        services.intake.text(ANNA, text, typed_at=at)

    edited = services.intake.edited(ANNA, typed[-1], "nee")

    assert edited is not None
    assert not any("weet niet zeker" in line for line in edited.lines)
    assert edited.summary is not None or any("nee" in line.lower() for line in edited.lines)


def test_an_edit_goes_on_its_authors_lane() -> None:
    edit = {
        "type": "event_callback",
        "event": {"type": "message", "subtype": "message_changed", "message": {"user": "UANNA", "text": "x"}},
    }
    assert person(edit) == "UANNA"


def test_after_terug_in_one_intake_the_next_typed_answer_goes_to_that_intake(
    services: Services, clock: FixedClock
) -> None:
    dm = Dm(services, clock)
    dm.show(services.intake.command(ANNA, "opdracht", "/peer").direct)
    dm.say(SAMPLES["peer-to-peer/opdracht"][0])
    assignment = dm.say(SAMPLES["peer-to-peer/opdracht"][1])
    dm.show(services.intake.command(ANNA, "aanmelden", "/peer").direct)
    dm.say(SAMPLES["peer-to-peer/aanmelding"][0])  # the application is now the one touched last
    assert assignment.target is not None
    dm.tick()
    back = dm.show(services.intake.back(ANNA, assignment.target))  # Terug on the assignment's message
    assert back.prompt is not None

    dm.say("Bedrijf")  # the answer to the assignment's question now on screen

    with services.uow() as uow:
        person, _, _ = uow.participants.situation("slack", "UANNA", "dm", None)
        assert person is not None
        mine = {i.dialogue_id: dict(i.answers) for i in uow.intakes.of(person.id)}
    assert mine["peer-to-peer/opdracht"]["organisation_kind"] == "company"
    assert "function" not in mine["peer-to-peer/aanmelding"]


def test_a_nudges_stop_command_stops_that_intake() -> None:
    names = Names(load_catalogue(), DIALOGUES, {p: d.id for p, d in INTAKES.items()})
    command = read_command("peer opdracht stop", names)
    assert (command.intent, command.dialogue) == (Intent.STOP, "peer-to-peer/opdracht")
    command = read_command("van regels naar ruimte status", names)
    assert (command.intent, command.dialogue) == (Intent.STATUS, "regels-naar-ruimte")


def test_the_fallback_text_of_a_message_is_escaped_too() -> None:
    text, _ = render.message(Screen(lines=("Je antwoord: <!channel> <https://evil.example|Klik>",)))
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
