"""A manager signs up for the Managersruil in their DM with the bot, as they would in Slack."""

from __future__ import annotations

import json

import pytest

from tests.e2e.driver import (
    FIRST_ANSWERS,
    LAST_ANSWERS,
    MIDDLE_ANSWERS,
    SUPERVISOR_SUPPORTS,
    Bot,
)

pytestmark = pytest.mark.e2e

PROGRAMME = "Managersruil"

# What the summary shows after the standard answers, row by row.
SUMMARY = {
    "Ministerie": "Financiën (FIN)",
    "Directie of dienst": "Directie Begroting",
    "Functie": "Afdelingshoofd",
    "Salarisschaal": "schaal 15",
    "Werkveld": "Beleid",
    "Gewenst werkveld": "Uitvoering en Staf",
    "Gewenste ministeries": (
        "Binnenlandse Zaken en Koninkrijksrelaties (BZK) en Onderwijs, Cultuur en Wetenschap (OCW)"
    ),
    "Periode": "12 maanden",
    "Vroegste start": "1 maart 2027",
    "Leidinggevende": "Ja, weet het en steunt het",
    "Regio of werkplek": "Den Haag",
    "Wat je hoopt te leren": "Leren hoe de uitvoering werkt",
}


def test_a_complete_intake_in_the_dm(bot: Bot, user: str) -> None:
    # Slack gives up after 3 seconds: the command is acknowledged before any Web API call comes back.
    bot.slack.hold("conversations.open")
    try:
        response, key = bot.command(user, "managersruil")
        assert response.status == 200
        assert bot.posted(user) == []  # acknowledged while the DM could not even be opened yet
    finally:
        bot.slack.release("conversations.open")

    ephemeral = bot.ephemeral(key)
    assert ephemeral["response_type"] == "ephemeral"
    assert ephemeral["text"] == "Ik heb je een privébericht gestuurd om je aanmelding te doen."

    intro = bot.wait_posted(user, 1)
    assert "Leuk dat je meedoet aan de Managersruil" in intro.visible
    assert "Vraag 1 van 12" in intro.visible
    assert "*Bij welk ministerie werk je nu?*" in intro.visible
    assert "Financiën (FIN)" in intro.visible  # in the menu of ministries

    # Every typed answer is read back ("Genoteerd") and the next question follows.
    steps = [
        ("finacien", "Genoteerd: Financiën (FIN)", "Vraag 2 van 12", "Bij welke directie of dienst werk je?"),
        ("Directie Begroting", None, "Vraag 3 van 12", "Wat is je huidige functie?"),
        ("Afdelingshoofd", None, "Vraag 4 van 12", "In welke salarisschaal zit je?"),
        ("15", "Genoteerd: schaal 15", "Vraag 5 van 12", "Werk je bij beleid, uitvoering of staf?"),
        ("beleid", "Genoteerd: Beleid", "Vraag 6 van 12", "In welk soort werk zou je tijdelijk willen"),
        ("uitvoering, staf", "Genoteerd: Uitvoering en Staf", "Vraag 7 van 12", "Bij welke ministeries"),
        (
            "bzk en ocw",
            "Genoteerd: Binnenlandse Zaken en Koninkrijksrelaties (BZK) en Onderwijs, Cultuur en "
            "Wetenschap (OCW)",
            "Vraag 8 van 12",
            "Hoe lang zou je willen ruilen?",
        ),
        ("12 maanden", "Genoteerd: 12 maanden", "Vraag 9 van 12", "Wanneer zou je op z'n vroegst"),
        ("1 maart", "Genoteerd: 1 maart 2027", "Vraag 10 van 12", "Weet je eigen leidinggevende ervan"),
    ]
    for typed, echo, progress, question in steps:
        reply = bot.say(user, typed)
        if echo:
            assert echo in reply.visible, typed
        assert progress in reply.visible, typed
        assert question in reply.visible, typed
        assert "← Terug" in reply.visible  # every later question offers the way back

    supervisor = reply
    assert supervisor.labels() == [
        "Ja, weet het en steunt het",
        "Weet het, nog geen besluit",
        "Nog niet besproken",
        "← Terug",
    ]
    region = bot.press(user, supervisor, SUPERVISOR_SUPPORTS)
    assert "Vraag 11 van 12" in region.visible
    assert "In welke regio of op welke plek werk je?" in region.visible
    # The clicked question is settled: its buttons are gone and it shows what was chosen.
    (update,) = [c for c in bot.slack.calls("chat.update") if c.args["ts"] == supervisor.ts]
    assert update.args["channel"] == supervisor.channel
    assert not [b for b in update.args["blocks"] if b["type"] == "actions"]
    assert "✔ Ja, weet het en steunt het" in json.dumps(update.args["blocks"], ensure_ascii=False)

    learning = bot.say(user, "Den Haag")
    assert "Vraag 12 van 12" in learning.visible
    summary = bot.say(user, "Leren hoe de uitvoering werkt")
    assert "*Je antwoorden op een rij*" in summary.visible
    assert summary.summary() == SUMMARY
    assert summary.labels() == ["Wijzig"] * 12 + ["Bevestigen", "Stoppen"]

    done = bot.press(user, summary, "Bevestigen")
    assert "Dank je wel, je aanmelding is binnen!" in done.visible
    assert "niemand ziet je naam tot jullie allebei ja zeggen" in done.visible
    assert done.labels() == []

    status, _ = bot.ruil(user, "status")
    assert status == f"Je bent sinds 27 november 2026 aangemeld voor de {PROGRAMME}. " + (
        "We zoeken vertrouwelijk naar een match en laten het je weten.\n"
        "Wil je je aanmelding intrekken? Typ /ruil stop; je antwoorden worden dan verwijderd."
    )

    # A second /ruil does not start over: it says where the registration stands.
    _, again = bot.ruil(user)
    assert again is not None
    assert "Je bent sinds 27 november 2026 aangemeld" in again.visible
    assert "Vraag 1" not in again.visible
    assert "Leuk dat je meedoet" not in again.visible


def test_going_back_and_changing_an_answer_from_the_summary(bot: Bot, user: str) -> None:
    bot.ruil(user)
    scale = bot.answer(user, FIRST_ANSWERS)
    assert "Vraag 4 van 12" in scale.visible

    function = bot.say(user, "terug")
    assert "Vraag 3 van 12" in function.visible
    assert "*Wat is je huidige functie?*" in function.visible
    assert "Je huidige antwoord: Afdelingshoofd" in function.visible

    scale = bot.say(user, "Teamleider")
    assert "Vraag 4 van 12" in scale.visible

    # The back button does the same as typing 'terug'.
    function = bot.press(user, scale, "Terug")
    assert "Vraag 3 van 12" in function.visible
    assert "Je huidige antwoord: Teamleider" in function.visible
    assert "Vraag 4 van 12" in bot.say(user, "Teamleider").visible

    bot.answer(user, MIDDLE_ANSWERS)
    bot.press(user, bot.posted(user)[-1], SUPERVISOR_SUPPORTS)
    summary = bot.answer(user, LAST_ANSWERS)
    assert summary.summary()["Functie"] == "Teamleider"
    assert summary.summary()["Salarisschaal"] == "schaal 15"

    # "Wijzig" next to the scale asks that question again, with the answer it has now ...
    scale = bot.press(user, summary, summary.edit_button("Salarisschaal"))
    assert "*In welke salarisschaal zit je?*" in scale.visible
    assert "Je huidige antwoord: schaal 15" in scale.visible

    # ... and the new answer leads straight back to the summary, everything else unchanged.
    summary_again = bot.say(user, "16")
    assert "Genoteerd: schaal 16" in summary_again.visible
    assert "*Je antwoorden op een rij*" in summary_again.visible
    assert summary_again.summary() == {**summary.summary(), "Salarisschaal": "schaal 16"}

    # Typing works too: 'wijzig 11' asks for the region again.
    region = bot.say(user, "wijzig 11")
    assert "In welke regio of op welke plek werk je?" in region.visible
    assert "Je huidige antwoord: Den Haag" in region.visible
    final = bot.say(user, "Utrecht")
    assert final.summary()["Regio of werkplek"] == "Utrecht"


def test_a_scale_outside_14_to_16_is_kept_with_an_explanation(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, FIRST_ANSWERS)

    reply = bot.say(user, "12")
    assert "Genoteerd: schaal 12" in reply.visible
    assert (
        "De Managersruil is bedoeld voor managers in schaal 14 tot en met 16. Ik bewaar je antwoord "
        "(schaal 12), en de coördinator kijkt samen met je wat er mogelijk is."
    ) in reply.visible
    assert "Vraag 5 van 12" in reply.visible

    # A scale that does not exist is refused, and the question stays.
    back = bot.say(user, "terug")
    refused = bot.say(user, "25")
    assert "Dat kan niet kloppen: kies een getal van 1 tot en met 19." in refused.visible
    assert "Vraag 4 van 12" in refused.visible
    assert "Je huidige antwoord: schaal 12" in back.visible


def test_a_start_date_in_the_past_is_refused_and_asked_again(bot: Bot, user: str) -> None:
    bot.ruil(user)
    start = bot.answer(user, [*FIRST_ANSWERS, *MIDDLE_ANSWERS[:-1]])
    assert "Vraag 9 van 12" in start.visible

    for past, shown in (("1 november 2026", "1 november 2026"), ("15-10-2026", "15 oktober 2026")):
        refused = bot.say(user, past)
        assert f"{shown} ligt in het verleden. Kies een datum vanaf vandaag." in refused.visible
        assert "Vraag 9 van 12" in refused.visible
        assert "*Wanneer zou je op z'n vroegst kunnen beginnen?*" in refused.visible
        assert "Genoteerd" not in refused.visible

    accepted = bot.say(user, "vandaag")
    assert "Genoteerd: 27 november 2026" in accepted.visible
    assert "Vraag 10 van 12" in accepted.visible


def test_a_restart_in_the_middle_loses_nothing(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, FIRST_ANSWERS)

    bot.restart()

    ephemeral, resumed = bot.ruil(user)
    assert ephemeral == "Ik heb je een privébericht gestuurd om je aanmelding te doen."
    assert resumed is not None
    assert "Welkom terug! We gaan verder waar je gebleven was." in resumed.visible
    assert "Vraag 4 van 12" in resumed.visible
    assert "*In welke salarisschaal zit je?*" in resumed.visible
    assert "Leuk dat je meedoet" not in resumed.visible

    summary = bot.complete(user, first=())
    assert summary.summary() == SUMMARY


def test_what_a_person_types_is_shown_as_text_never_as_markup(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, FIRST_ANSWERS[:2])
    # Slack escapes '&', '<' and '>' in what a person types; a real mention or link arrives unescaped.
    bot.say(user, "&lt;!channel&gt; &amp; &lt;https://evil.example|klik&gt;")
    bot.answer(user, MIDDLE_ANSWERS)
    bot.press(user, bot.posted(user)[-1], SUPERVISOR_SUPPORTS)
    bot.say(user, "<!here> <https://evil.example|Den Haag>")
    summary = bot.say(user, LAST_ANSWERS[1])

    rows = summary.summary()
    assert rows["Functie"] == "&lt;!channel&gt; &amp; &lt;https://evil.example|klik&gt;"
    assert rows["Regio of werkplek"] == "&lt;!here&gt; &lt;https://evil.example|Den Haag&gt;"

    # Going back shows the current answer, escaped as well.
    region = bot.say(user, "wijzig 11")
    assert "Je huidige antwoord: &lt;!here&gt; &lt;https://evil.example|Den Haag&gt;" in region.visible

    for message in bot.posted(user):
        shown = json.dumps([message.text, message.blocks], ensure_ascii=False)
        for markup in ("<!channel>", "<!here>", "<https://evil.example"):
            assert markup not in shown


def test_changing_the_ministry_to_the_only_wanted_one_asks_for_the_wanted_ministries_again(
    bot: Bot, user: str
) -> None:
    bot.ruil(user)
    answers = [*FIRST_ANSWERS, *MIDDLE_ANSWERS]
    answers[answers.index("bzk en ocw")] = "bzk"  # works at FIN, wants to go to BZK
    bot.answer(user, answers)
    bot.press(user, bot.posted(user)[-1], SUPERVISOR_SUPPORTS)
    summary = bot.answer(user, LAST_ANSWERS)
    assert summary.summary()["Gewenste ministeries"] == "Binnenlandse Zaken en Koninkrijksrelaties (BZK)"

    bot.press(user, summary, summary.edit_button("Ministerie"))
    reply = bot.say(user, "bzk")  # moved to BZK meanwhile

    # Typed in order, BZK as the only wish would be refused with this explanation; so it is now.
    assert "De ruil gaat juist over de grenzen van je eigen ministerie heen" in reply.visible
    assert "*Bij welke ministeries zou je graag willen ruilen?*" in reply.visible
    assert "Bevestigen" not in reply.labels()


def test_a_stale_button_does_not_mark_its_old_question_as_answered(bot: Bot, user: str) -> None:
    bot.ruil(user)
    bot.answer(user, [*FIRST_ANSWERS, "15"])
    field_question = bot.posted(user)[-1]
    bot.say(user, "beleid")  # answered by typing: the old message keeps its buttons

    reply = bot.press(user, field_question, "Uitvoering")

    assert "Die knop hoort bij een eerder bericht" in reply.visible
    assert not [c for c in bot.slack.calls("chat.update") if c.args["ts"] == field_question.ts]
    bot.answer(user, MIDDLE_ANSWERS[2:])
    bot.press(user, bot.posted(user)[-1], SUPERVISOR_SUPPORTS)
    summary = bot.answer(user, LAST_ANSWERS)
    assert summary.summary()["Werkveld"] == "Beleid"  # the stale click changed nothing


def test_going_back_to_a_multi_choice_shows_the_answer_picked_and_verder_keeps_it(
    bot: Bot, user: str
) -> None:
    bot.ruil(user)
    bot.answer(user, [*FIRST_ANSWERS, "15", "beleid", "uitvoering, staf"])
    again = bot.say(user, "terug")
    assert "Vraag 6 van 12" in again.visible
    menu = next(
        e
        for b in again.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "multi_static_select"
    )
    assert [o["text"]["text"] for o in menu["initial_options"]] == ["Uitvoering", "Staf"]

    kept = bot.press(user, again, "Verder")  # Slack sends the menu's state: here, untouched

    assert "Vraag 7 van 12" in kept.visible
    bot.answer(user, MIDDLE_ANSWERS[3:])
    bot.press(user, bot.posted(user)[-1], SUPERVISOR_SUPPORTS)
    summary = bot.answer(user, LAST_ANSWERS)
    assert summary.summary()["Gewenst werkveld"] == "Uitvoering en Staf"
