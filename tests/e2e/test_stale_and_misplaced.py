"""No old button, replayed click, lost reply or double message may lose or misplace an answer.

Each case is one that was found by trying the bot as its users and attackers would: it is replayed
here through the Slack stand-in, and afterwards the person's answers are exactly what they meant.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.e2e.driver import (
    FIRST_ANSWERS,
    MIDDLE_ANSWERS,
    SUPERVISOR_SUPPORTS,
    Bot,
    Posted,
    new_user,
)
from tests.e2e.test_intake import SUMMARY
from tests.slack_signing import FORM_CONTENT_TYPE, dm_edit_event
from tests.slack_standin import slack_ts

pytestmark = pytest.mark.e2e


def summary_now(bot: Bot, user: str) -> dict[str, str]:
    """The answers as stored, read through the conversation: 'overzicht' shows the summary."""
    return bot.say(user, "overzicht").summary()


# -- old buttons -------------------------------------------------------------------------------------


def test_an_old_stop_button_after_a_typed_nee_changes_nothing(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, FIRST_ANSWERS)
    ask = bot.say(user, "stop")
    assert "Weet je zeker" in ask.visible
    assert "Fijn! We gaan verder." in bot.say(user, "nee").visible

    late = bot.press(user, ask, "Ja, stoppen")  # the old question's button, clicked later

    assert "Die knop hoort bij een eerder bericht" in late.visible
    assert "Vraag 4 van 12" in late.visible
    assert "gestopt" not in late.visible
    summary = bot.complete(user, first=())
    assert summary.summary() == SUMMARY  # every answer given before the stop is still there


def test_an_old_stop_button_cannot_withdraw_a_confirmed_registration(bot: Bot, user: str) -> None:
    bot.ruil(user)
    summary = bot.complete(user)
    bot.press(user, summary, "Bevestigen")
    ask = bot.say(user, "stop")
    bot.say(user, "nee")

    late = bot.press(user, ask, "Ja, stoppen")

    assert "Die knop hoort bij een eerder bericht" in late.visible
    status, _ = bot.ruil(user, "status")
    assert "Je bent sinds" in status
    assert "aangemeld voor de Managersruil" in status


def test_an_old_summarys_confirm_does_not_confirm_in_the_middle_of_a_change(bot: Bot, user: str) -> None:
    bot.ruil(user)
    summary = bot.complete(user)
    asked = bot.say(user, "wijzig 3")
    assert "Wat is je huidige functie?" in asked.visible

    late = bot.press(user, summary, "Bevestigen")

    assert "Die knop hoort bij een eerder bericht" in late.visible
    assert "Wat is je huidige functie?" in late.visible  # still asking the answer being changed
    assert "aanmelding is binnen" not in late.visible
    again = bot.say(user, "Directeur")
    assert again.summary()["Functie"] == "Directeur"
    assert "aanmelding is binnen" in bot.press(user, again, "Bevestigen").visible


def test_a_replayed_click_has_no_second_effect(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, [*FIRST_ANSWERS, *MIDDLE_ANSWERS])
    supervisor = bot.posted(user)[-1]
    button = supervisor.button(SUPERVISOR_SUPPORTS)
    body, _ = _click_body(bot, user, button, supervisor)

    before = len(bot.posted(user))  # counted before the click: its reply can come back at once
    assert bot.post(body, FORM_CONTENT_TYPE).status == 200
    reply = bot.wait_posted(user, before + 1)
    assert "Vraag 11 van 12" in reply.visible
    bot.say(user, "terug")  # back at the supervisor question: the same step as the captured click
    bot.say(user, "verder")

    before = len(bot.posted(user))
    assert bot.post(body, FORM_CONTENT_TYPE).status == 200  # the captured click, sent again
    replay = bot.wait_posted(user, before + 1)

    assert "Die knop hoort bij een eerder bericht" in replay.visible
    assert "Vraag 11 van 12" in replay.visible


def test_a_click_on_someone_elses_intake_changes_nothing(bot: Bot, user: str) -> None:
    _, first = bot.ruil(user)
    assert first is not None
    intruder = new_user()
    bot.ruil(intruder)

    # The intruder picks from the first person's menu: it carries that intake, version and step.
    reply = _pick(bot, intruder, first, "FIN")

    assert "Die knop hoort bij een eerder bericht" in reply.visible
    status, _ = bot.ruil(user, "status")
    assert "0 van de 12 vragen" in status  # the first person's intake is untouched
    status, _ = bot.ruil(intruder, "status")
    assert "0 van de 12 vragen" in status


# -- a reply that does not arrive ----------------------------------------------------------------


def test_when_the_next_question_never_arrives_the_same_answer_again_is_not_taken_for_it(
    bot: Bot, user: str
) -> None:
    bot.ruil(user)
    bot.say(user, FIRST_ANSWERS[0])  # the person now sees question 2 (the directorate)
    before = len(bot.posted(user))
    bot.slack.drop_next("chat.postMessage", 6)  # the network drops: the reply and the apology are lost

    assert bot.dm(user, "Directie Begroting").status == 200
    bot.slack.wait_for(lambda: len([c for c in bot.slack.calls("chat.postMessage") if c.status == 0]) == 6)
    assert len(bot.posted(user)) == before  # the person saw nothing

    again = bot.say(user, "Directie Begroting")  # so they type their answer once more

    assert "Je antwoord bij 'Directie of dienst' had ik al bewaard (Directie Begroting)" in again.visible
    assert "Vraag 3 van 12" in again.visible
    assert "*Wat is je huidige functie?*" in again.visible
    reply = bot.say(user, "Afdelingshoofd")
    assert "Vraag 4 van 12" in reply.visible
    assert bot.complete(user, first=()).summary() == SUMMARY  # nothing stored against the wrong question


def test_after_three_server_errors_the_apology_shows_the_next_question(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.say(user, FIRST_ANSWERS[0])
    bot.slack.fail_next("chat.postMessage", 500, times=3)  # the reply fails, retries included

    apology = bot.say(user, "Directie Begroting")

    assert "Sorry, er ging aan mijn kant iets mis. Je antwoorden zijn bewaard" in apology.visible
    assert "Vraag 3 van 12" in apology.visible  # where the person is
    assert "Vraag 4 van 12" in bot.say(user, "Afdelingshoofd").visible


def test_one_message_delivered_under_two_event_ids_counts_once(bot: Bot, user: str) -> None:
    bot.ruil(user)
    ts, message_id = slack_ts(), "c0ffee00-0000-4000-8000-000000000001"
    first = bot.dm(user, "fin", ts=ts, client_msg_id=message_id)
    second = bot.dm(user, "fin", ts=ts, client_msg_id=message_id)  # same message, a new event id

    assert (first.status, second.status) == (200, 200)
    reply = bot.wait_posted(user, 2)
    assert "Vraag 2 van 12" in reply.visible
    assert assert_quiet(bot, user, 2)
    assert "1 van de 12" in bot.say(user, "status").visible  # 'fin' did not answer question 2 too


def test_the_same_text_sent_twice_before_the_bot_answers_is_used_once(bot: Bot, user: str) -> None:
    bot.ruil(user)
    # Both typed while question 1 was on screen: the second is sent before the bot's reply comes.
    first_body = bot.dm_body(user, "finacien")
    second_body = bot.dm_body(user, "finacien")
    bot.post(*first_body)
    bot.wait_posted(user, 2)
    bot.post(*second_body)
    late = bot.wait_posted(user, 3)

    assert "voordat je mijn laatste vraag had gezien, dus ik heb het niet gebruikt" in late.visible
    assert "Vraag 2 van 12" in late.visible
    assert "1 van de 12" in bot.say(user, "status").visible


# -- edits -----------------------------------------------------------------------------------------


def test_editing_the_last_answer_while_the_next_question_is_open_replaces_it(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.say(user, FIRST_ANSWERS[0])
    ts = slack_ts()
    bot.post(*bot.dm_body(user, "Directie Begrotnig", ts=ts))  # a typo
    bot.wait_posted(user, 3)

    edited = _edit(bot, user, ts, "Directie Begroting", "Directie Begrotnig")

    assert "Je hebt je antwoord aangepast. Bij 'Directie of dienst' staat nu: Directie Begroting." in (
        edited.visible
    )
    assert "Vraag 3 van 12" in edited.visible
    summary = bot.complete(user, first=(FIRST_ANSWERS[2],))
    assert summary.summary() == SUMMARY


def test_an_edit_of_an_older_message_gets_a_note_and_changes_nothing(bot: Bot, user: str) -> None:
    bot.ruil(user)
    ts = slack_ts()
    bot.post(*bot.dm_body(user, "finacien", ts=ts))
    bot.wait_posted(user, 2)
    bot.say(user, "Directie Begroting")  # answered since: the edited message is no longer the last

    note = _edit(bot, user, ts, "defensie", "finacien")

    assert "Je hebt een eerder bericht aangepast. Dat kan ik niet meer" in note.visible
    assert "Vraag 3 van 12" in note.visible
    assert bot.complete(user, first=(FIRST_ANSWERS[2],)).summary()["Ministerie"] == "Financiën (FIN)"


# -- helpers ---------------------------------------------------------------------------------------


def _edit(bot: Bot, user: str, ts: str, text: str, previous: str) -> Posted:
    before = len(bot.posted(user))
    assert bot.post(*dm_edit_event(user, ts, text, previous, event_id=bot.event_id())).status == 200
    return bot.wait_posted(user, before + 1)


def _click_body(bot: Bot, user: str, button: dict[str, object], message: Posted) -> tuple[bytes, str]:
    """The exact body Slack would send for a click, so it can be sent again (a replay)."""
    from tests.slack_signing import block_action

    body, _ = block_action(
        user,
        {"type": "button", **{k: button[k] for k in ("action_id", "block_id", "text", "value")}},
        channel=message.channel,
        message_ts=message.ts,
        response_url=bot.slack.response_url(bot.new_key()),
    )
    payload = json.loads(dict(parse_qsl(body.decode()))["payload"])
    payload["message"].update(text=message.text, blocks=message.blocks)
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM_CONTENT_TYPE


def _pick(bot: Bot, user: str, message: Posted, value: str) -> Posted:
    """Pick `value` from the menu in `message` (as `user`), the way Slack sends a menu pick."""
    from tests.slack_signing import block_action

    menu = next(
        (b, e)
        for b in message.blocks
        if b.get("type") == "actions"
        for e in b["elements"]
        if e.get("type") == "static_select"
    )
    block, element = menu
    option = next(o for o in element["options"] if o["value"].endswith(f"|{value}"))
    action = {
        "type": "static_select",
        "action_id": element["action_id"],
        "block_id": block.get("block_id", "b"),
        "selected_option": option,
    }
    before = len(bot.posted(user))
    body, content_type = block_action(
        user, action, channel=message.channel, message_ts=message.ts, response_url=bot.slack.response_url()
    )
    assert bot.post(body, content_type).status == 200
    return bot.wait_posted(user, before + 1)


def assert_quiet(bot: Bot, user: str, count: int) -> bool:
    """Nothing more was posted to `user` than `count` messages, once the bot has done its work."""
    assert bot.gateway is not None
    assert bot.gateway.lanes.drain()
    return len(bot.posted(user)) == count
