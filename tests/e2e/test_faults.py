"""When something breaks while the bot works, the person hears so, keeps their answers, and the log
says what happened without their answers or the bot's secrets in it."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.driver import FIRST_ANSWERS, SECRET, Bot

pytestmark = pytest.mark.e2e


def test_a_failed_post_gets_an_apology_and_the_answer_is_kept(
    bot: Bot, user: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot.ruil(user)
    bot.answer(user, FIRST_ANSWERS[:1])
    bot.slack.fail_next("chat.postMessage", 400)  # Slack refuses the next question's message

    with caplog.at_level(logging.INFO):
        apology = bot.say(user, "Directie Geheim & Vertrouwelijk")

    assert "Sorry, er ging aan mijn kant iets mis. Je antwoorden zijn bewaard" in apology.visible
    assert "Vraag 3 van 12" in bot.say(user, "status").visible  # the answer was stored before the fault
    logged = caplog.text
    assert "handling a Slack request failed" in logged
    assert "Directie Geheim" not in logged
    assert SECRET not in logged
    assert "xoxb-test-token" not in logged
