"""Every intake in a Slack DM and in a modal, through the real bot and the Slack stand-in: started by
its own command words, answered, summarised and confirmed; the Home tab follows. And a modal page
that no longer holds (answered elsewhere meanwhile, or someone else's) changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot import engine
from bot.dialogues import DIALOGUES
from bot.engine import Accepted, Ended, Value
from tests.e2e.driver import Bot, buttons_in, inputs, new_user, visible_text
from tests.samples import SAMPLES

pytestmark = pytest.mark.e2e
TODAY = date(2026, 11, 27)  # the tests' clock (tests/conftest.py)

# How a person starts each intake: the command and its words; the words that open it as a form; the
# title of the modal; and what its closing words say.
HOW = {
    "managersruil": ("/ruil", "managersruil", "Managersruil", "aanmelding is binnen"),
    "leidinggevenden-in-beweging": ("/ruil", "leidinggevenden", "Leidinggevenden", "speeddate"),
    "leerwerkplaats": ("/ruil", "leerwerkplaats", "Leerwerkplaats", "stelt de groep samen"),
    "peer-to-peer/aanmelding": ("/peer", "aanmelden", "Peer-to-Peer: aanmelding", "gemeentesecretaris"),
    "peer-to-peer/opdracht": ("/peer", "opdracht", "Peer-to-Peer: opdracht", "je opdracht is binnen"),
    "regels-naar-ruimte": ("/regel", "", "Van regels naar ruimte", "je melding is binnen"),
}


def answers_of(dialogue_id: str) -> dict[str, Value]:
    """The answers the sample intake ends with, as the engine stores them."""
    dialogue, state = DIALOGUES[dialogue_id], engine.start(DIALOGUES[dialogue_id])
    for typed in SAMPLES[dialogue_id]:
        outcome = engine.submit(dialogue, state, typed, TODAY)
        assert isinstance(outcome, Accepted | Ended), (typed, outcome)
        state = outcome.state
    return dict(state.answers)


def filled(view: dict[str, Any], answers: dict[str, Value]) -> dict[str, str | list[str]]:
    """A modal page filled in with `answers`: text as text, choices as their values."""
    values: dict[str, str | list[str]] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        question = block["block_id"].split(":", 1)[1]
        given = answers.get(question)
        if block["element"]["type"] == "plain_text_input":
            values[question] = "" if given is None else str(given)
        else:
            values[question] = [str(v) for v in given] if isinstance(given, list) else [str(given)]
    return values


def summary_rows(view: dict[str, Any]) -> str:
    return visible_text([b for b in view["blocks"] if b.get("type") == "section"])


@pytest.mark.parametrize("dialogue_id", list(HOW))
def test_an_intake_in_the_dm_from_its_command_to_the_confirmation(bot: Bot, dialogue_id: str) -> None:
    user = new_user()
    command, words, _, done = HOW[dialogue_id]
    response, key = bot.command(user, words, command)
    assert response.status == 200
    assert "privébericht" in visible_text(bot.ephemeral(key)["blocks"])
    intro = bot.wait_posted(user, 1)
    assert "Vraag 1 van" in intro.visible
    assert "Vul in als formulier" in intro.labels()  # the same intake, as a form, is one click away
    if dialogue_id == "managersruil":
        assert bot.click(user, intro.button("Vul in als formulier"), intro).status == 200
        bot.slack.wait_for(lambda: bot.opened_views())
        assert inputs(bot.opened_views()[0])[0] == "ministry"  # opened on the question the DM is at

    summary = bot.answer(user, SAMPLES[dialogue_id])
    assert "Je antwoorden op een rij" in summary.visible
    confirmed = bot.press(user, summary, "Bevestigen")
    assert done in confirmed.visible

    # The Home tab is published again: the registration stands there, under its programme's name.
    home = bot.home_view(user)
    assert "Bekijk of wijzig je aanmelding" in [b["text"]["text"] for b in buttons_in(home["blocks"])]
    assert "sinds 27 november 2026" in visible_text(home["blocks"]) or "op 27 november 2026" in visible_text(
        home["blocks"]
    )


@pytest.mark.parametrize("dialogue_id", list(HOW))
def test_an_intake_in_a_modal_with_an_error_on_its_field(bot: Bot, dialogue_id: str) -> None:
    user = new_user()
    command, words, title, done = HOW[dialogue_id]
    answers = answers_of(dialogue_id)
    view = bot.open_form(user, f"{words} formulier".strip(), command)
    assert view["title"]["text"] == title
    assert view["submit"]["text"] == "Verder"
    assert "Vraag 1 tot en met" in visible_text(view["blocks"])

    # The first page, with a one-letter answer to its first open question: refused on that field.
    values = filled(view, answers)
    wrong = next(q for q in inputs(view) if isinstance(values[q], str))
    reply = bot.submit_form(user, view, {**values, wrong: "x"})
    assert reply["response_action"] == "errors"
    assert list(reply["errors"]) == [f"q:{wrong}"]
    assert reply["errors"][f"q:{wrong}"]  # said in words, under the field

    # Fixed, and page after page to the summary.
    reply = bot.submit_form(user, view, values)
    pages = 1
    while reply["view"].get("submit", {}).get("text") == "Verder":
        pages += 1
        view = {**reply["view"], "id": view["id"]}
        reply = bot.submit_form(user, view, filled(view, answers))
    summary = {**reply["view"], "id": view["id"]}
    assert reply["response_action"] == "update"
    assert "Je antwoorden op een rij" in visible_text(summary["blocks"])
    assert summary["submit"]["text"] == "Bevestigen"
    assert pages <= 3  # a page holds up to eight questions

    closing = bot.submit_form(user, summary)
    assert done in visible_text(closing["view"]["blocks"])
    assert "submit" not in closing["view"]
    home = bot.home_view(user)
    assert "27 november 2026" in visible_text(home["blocks"])


def test_a_modal_continues_what_the_dm_began_and_changes_an_answer_from_its_summary(
    bot: Bot, user: str
) -> None:
    _, first = bot.ruil(user)
    assert first is not None
    bot.answer(user, SAMPLES["managersruil"][:3])  # three answers in the DM

    view = bot.open_form(user, "managersruil formulier")
    fields = inputs(view)
    assert fields[0] == "scale"  # the form goes on where the DM was
    assert "Vraag 4 tot en met" in visible_text(view["blocks"])
    answers = answers_of("managersruil")
    reply = bot.submit_form(user, view, filled(view, answers))
    while reply["view"].get("submit", {}).get("text") == "Verder":
        view = {**reply["view"], "id": view["id"]}
        reply = bot.submit_form(user, view, filled(view, answers))
    summary = {**reply["view"], "id": view["id"]}
    assert "Directie of dienst*\nDG Fiscaliteit" in summary_rows(summary)  # typed in the DM

    change = next(b for b in buttons_in(summary["blocks"]) if b["action_id"] == "form_edit:region")
    page = bot.click_in_form(user, summary, change)
    assert inputs(page)[0] == "region"
    reply = bot.submit_form(user, page, {"region": "Utrecht <script>"})
    assert "Utrecht &lt;script&gt;" in summary_rows(reply["view"])  # escaped in mrkdwn, kept as typed


def test_a_modal_page_that_no_longer_holds_changes_nothing(bot: Bot, user: str) -> None:
    view = bot.open_form(user, "managersruil formulier")
    answers = answers_of("managersruil")

    # Meanwhile the person answers in the DM: the form they still have open is out of date.
    bot.ruil(user)
    bot.say(user, "bzk")
    reply = bot.submit_form(user, view, filled(view, answers))
    assert reply["response_action"] == "update"
    shown = visible_text(reply["view"]["blocks"])
    assert "Dit formulier was niet meer actueel" in shown
    status, _ = bot.ruil(user, "status")
    assert "1 van de 12 vragen" in status  # only the DM's answer

    # Someone else's form, submitted as this person: nothing happens to either intake.
    other = new_user()
    theirs = bot.open_form(other, "leerwerkplaats formulier")
    reply = bot.submit_form(user, theirs, filled(theirs, answers_of("leerwerkplaats")))
    assert "niet meer actueel" in visible_text(reply["view"]["blocks"]) or "eerder bericht" in visible_text(
        reply["view"]["blocks"]
    )
    status, _ = bot.ruil(other, "leerwerkplaats status")
    assert "0 van de 9 vragen" in status


def test_a_form_goes_back_shows_the_answers_so_far_and_stops(bot: Bot, user: str) -> None:
    answers = answers_of("leerwerkplaats")
    first = bot.open_form(user, "leerwerkplaats formulier")
    labels = [b["text"]["text"] for b in buttons_in(first["blocks"])]
    assert labels == ["Overzicht", "Stoppen"]  # no way back from the first page
    second = {**bot.submit_form(user, first, filled(first, answers))["view"], "id": first["id"]}
    assert "Vraag 9 tot en met 9 van 9" in visible_text(second["blocks"])

    def click(view: dict[str, Any], label: str) -> dict[str, Any]:
        button = next(b for b in buttons_in(view["blocks"]) if b["text"]["text"] == label)
        return {**bot.click_in_form(user, view, button), "id": first["id"]}

    overview = click(second, "Overzicht")
    shown = visible_text(overview["blocks"])
    assert "8 van de 9 vragen zijn beantwoord" in shown
    assert "*2. Deel van de overheid*\nRijk" in shown
    assert "submit" not in overview
    assert inputs(click(overview, "Ga verder")) == ["sessions"]

    back = click(second, "Terug")
    assert inputs(back)[0] == "organisation"
    stop = next(b for b in buttons_in(back["blocks"]) if b["text"]["text"] == "Stoppen")
    assert stop["confirm"]["text"]["text"].startswith(
        "Weet je zeker dat je wilt stoppen?"
    )  # Slack asks first
    stopped = click(back, "Stoppen")
    assert "Je aanmelding voor de Leerwerkplaats is gestopt" in visible_text(stopped["blocks"])
    assert "Je hebt nog geen aanmeldingen" in visible_text(bot.home_view(user)["blocks"])
