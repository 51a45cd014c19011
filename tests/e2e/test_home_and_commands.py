"""The Home tab and the words `/ruil` understands besides starting: help, status, taal."""

from __future__ import annotations

import pytest

from tests.e2e.driver import FIRST_ANSWERS, Bot, buttons_in, visible_text

pytestmark = pytest.mark.e2e

PROGRAMME = "Managersruil"


def test_the_home_tab_shows_the_programmes_and_starts_the_intake(bot: Bot, user: str) -> None:
    assert bot.home_opened(user).status == 200
    home = bot.home_view(user)
    shown = visible_text(home["blocks"])

    assert home["type"] == "home"
    assert "Welkom bij ruilbot" in shown
    assert "*Programma's*" in shown
    for name in (PROGRAMME, "Leidinggevenden in Beweging", "Peer-to-Peer", "Van regels naar ruimte"):
        assert f"*{name}*" in shown
    assert "*Jouw aanmeldingen*\nJe hebt nog geen aanmeldingen. Kies hieronder een programma." in shown
    labels = [b["text"]["text"] for b in buttons_in(home["blocks"])]
    # Each programme can be started in the DM or as a form; Peer-to-Peer has two ways in.
    assert labels.count("Begin de intake") == 4
    assert labels.count("Vul in als formulier") == 6
    assert {"Meld je aan als deelnemer", "Breng een opdracht in"} <= set(labels)

    start = next(b for b in buttons_in(home["blocks"]) if b["text"]["text"] == "Begin de intake")
    assert bot.click_in_view(user, start, home).status == 200
    intro = bot.wait_posted(user, 1)
    assert "Leuk dat je meedoet aan de Managersruil" in intro.visible
    assert "Vraag 1 van 12" in intro.visible

    # Opened again, the Home tab shows the registration under way and offers to go on with it.
    bot.say(user, FIRST_ANSWERS[0])
    bot.home_opened(user)
    home = bot.home_view(user, 2)
    shown = visible_text(home["blocks"])
    assert f"Je aanmelding voor de {PROGRAMME} loopt: 1 van de 12 vragen zijn beantwoord." in shown
    labels = [b["text"]["text"] for b in buttons_in(home["blocks"])]
    assert labels[:2] == ["Ga verder met de intake", "Vul in als formulier"]


def test_help_explains_the_programme_and_the_commands(bot: Bot, user: str) -> None:
    shown, _ = bot.ruil(user, "help")

    assert shown.startswith("Zo werkt ruilbot")
    assert "als manager in schaal 14 t/m 16 ruil je tijdelijk van plek" in shown
    assert "niemand wordt bekendgemaakt voordat beide kanten ja hebben gezegd" in shown
    for command in ("/ruil status", "/ruil stop", "/ruil taal en", "/ruil help"):
        assert command in shown
    assert not bot.posted(user)  # help is answered in place


def test_an_unknown_command_says_so_and_shows_the_help(bot: Bot, user: str) -> None:
    shown, _ = bot.ruil(user, "blabla")

    assert shown.startswith("'blabla' ken ik niet als opdracht. Dit kan wel:")
    assert "/ruil status: waar staat je aanmelding?" in shown
    assert not bot.posted(user)


def test_switching_to_english_changes_the_next_question(bot: Bot, user: str) -> None:
    bot.ruil(user)
    assert "Vraag 2 van 12" in bot.say(user, FIRST_ANSWERS[0]).visible

    shown, _ = bot.ruil(user, "taal en")
    assert "From now on I'll speak English with you." in shown
    # The open question follows in the DM, now in English.
    bot.slack.wait_for(lambda: "Question 2 of 12" in bot.posted(user)[-1].visible)

    reply = bot.say(user, "Directorate-General for the Budget")
    assert "Question 3 of 12" in reply.visible
    assert "*What is your current job?*" in reply.visible
    assert "← Back" in reply.visible
    assert "Vraag" not in reply.visible


def test_a_person_whose_slack_speaks_english_is_asked_in_english(bot: Bot, user: str) -> None:
    bot.slack.set_user_locale(user, "en-GB")

    shown, first = bot.ruil(user)

    assert shown == "I've sent you a direct message to do your registration."
    assert first is not None
    assert "Question 1 of 12" in first.visible
    assert "*Which ministry do you work for?*" in first.visible


def test_an_unknown_command_is_quoted_as_typed(bot: Bot, user: str) -> None:
    # Slack escapes '&', '<' and '>' in the text of a slash command, as it does in messages.
    body, content_type, key = bot.command_body(user, "rock&amp;roll")
    assert bot.post(body, content_type).status == 200
    shown = visible_text(bot.ephemeral(key)["blocks"])

    # In mrkdwn '&amp;' reads as '&': the person sees their own words back.
    assert shown.startswith("'rock&amp;roll' ken ik niet als opdracht.")


def test_answering_the_question_shown_after_a_language_switch_stays_private(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, [*FIRST_ANSWERS, "15"])

    # Typed in #general: the answer is shown there, to this person only.
    response, key = bot.command(user, "taal en")
    assert response.status == 200
    shown = visible_text(bot.ephemeral(key)["blocks"])
    assert "From now on I'll speak English with you." in shown

    # The question is not in the channel, with its buttons: it follows in the DM, in English.
    assert "Question 5 of 12" not in shown
    bot.slack.wait_for(lambda: bot.posted(user) and "Question 5 of 12" in bot.posted(user)[-1].visible)
    posts = len(bot.slack.calls("chat.postMessage"))
    assert bot.dm(user, "policy").status == 200
    bot.slack.wait_for_calls("chat.postMessage", posts + 1)

    # Nothing of a confidential registration appears in a channel others read ...
    assert bot.slack.messages_to("C0GENERAL") == []
    # ... and the next question comes in the DM.
    assert "Question 6 of 12" in bot.posted(user)[-1].visible


def test_the_home_tab_opened_after_confirming_in_the_dm_shows_the_registration(bot: Bot, user: str) -> None:
    # The Home tab is published when it is opened (Slack says so each time), not after every change
    # made in the DM, where the Home tab is not on screen.
    bot.ruil(user)
    bot.complete(user)
    bot.say(user, "ja")
    bot.say(user, "help")  # one person's turns run in order: the confirm's work is done by now
    assert not [c for c in bot.slack.calls("views.publish") if c.args.get("user_id") == user]

    bot.home_opened(user)
    shown = visible_text(bot.home_view(user)["blocks"])
    assert f"aangemeld voor de {PROGRAMME}" in shown
    assert "We zoeken vertrouwelijk naar een match" in shown
    assert "Ga verder met de intake" not in shown
