"""The intake conversation through the services, on a real database, as the console and a Slack DM
see it: the texts a person reads after what they type."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import Services, wire
from bot.clock import FixedClock
from bot.dialogues.managersruil import INTAKE
from bot.dialogues.model import choices_of
from bot.services import UserRef
from bot.views import Act, Screen
from handlers import render
from tests.consenting import consenting
from tests.samples import ANSWERS

ANNA = UserRef("console", "anna")


def said(screen: Screen) -> str:
    """Everything a screen shows, as one text: what a person reads."""
    parts = list(screen.lines)
    if screen.prompt:
        p = screen.prompt
        parts += [p.progress, p.text, p.current or "", *(o.label for o in p.options)]
    if screen.summary:
        parts += [screen.summary.title, *(f"{r.number}. {r.label}: {r.value}" for r in screen.summary.rows)]
    parts += [b.label for b in screen.buttons]
    return "\n".join(parts)


def answer_rest(services: Services, user: UserRef = ANNA) -> Screen:
    """Answer from where the intake is to the summary, with the sample answers."""
    screen = Screen()
    while True:
        status = services.intake.text(user, "status")
        assert status is not None
        if status.prompt is None:
            return status if status.summary else screen
        index = [q.id for q in INTAKE.questions if q.id != "ministry_other"].index(status.prompt.question_id)
        answered = services.intake.text(user, ANSWERS[index])
        assert answered is not None
        screen = answered


def answer_all(services: Services, user: UserRef = ANNA) -> Screen:
    services.intake.start(user)
    screen = Screen()
    for text in ANSWERS:
        screen = services.intake.text(user, text)
    return screen


def test_start_introduces_the_programme_and_asks_the_first_question(services: Services) -> None:
    text = said(services.intake.start(ANNA))
    assert "jouw manager, mijn manager" in text
    assert "Vraag 1 van 12" in text
    assert "Bij welk ministerie werk je nu?" in text
    assert "Financiën (FIN)" in text


def test_a_typed_choice_is_echoed_as_understood(services: Services) -> None:
    services.intake.start(ANNA)
    text = said(services.intake.text(ANNA, "finacien"))
    assert "Genoteerd: Financiën (FIN)" in text
    assert "Vraag 2 van 12" in text


def test_a_full_intake_ends_in_a_summary_and_a_confirmation(services: Services) -> None:
    summary = answer_all(services)
    text = said(summary)
    assert "Je antwoorden op een rij" in text
    for shown in ("Ministerie: Financiën (FIN)", "Periode: 12 maanden", "Vroegste start: 1 maart 2027"):
        assert shown in text
    assert "Gewenst werkveld: Uitvoering en Staf" in text
    assert [b.act for b in summary.buttons] == [Act.CONFIRM, Act.CANCEL_ASK]
    done = said(services.intake.act(ANNA, Act.CONFIRM))
    assert "aanmelding is binnen" in done
    assert "niemand ziet je naam tot jullie allebei ja zeggen" in done
    assert "sinds 27 november 2026 aangemeld" in said(services.intake.status(ANNA))


def test_typing_ja_at_the_summary_confirms_and_a_second_start_does_not_start_over(services: Services) -> None:
    answer_all(services)
    assert "aanmelding is binnen" in said(services.intake.text(ANNA, "ja"))
    again = said(services.intake.start(ANNA))
    assert "aangemeld" in again
    assert "Vraag 1" not in again


def test_a_second_start_resumes_an_open_intake(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    text = said(services.intake.start(ANNA))
    assert "Welkom terug" in text
    assert "Vraag 2 van 12" in text


def test_resuming_days_later_in_a_new_process_loses_nothing(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    first = consenting(wire(sessions, clock=clock))
    first.intake.start(ANNA)
    for text in ANSWERS[:3]:
        first.intake.text(ANNA, text)
    clock.advance(timedelta(days=3))
    restarted = consenting(wire(sessions, clock=clock))  # a new object graph on the same database
    text = said(restarted.intake.start(ANNA))
    assert "Welkom terug" in text
    assert "Vraag 4 van 12" in text


def test_terug_asks_the_previous_question_with_the_current_answer(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    services.intake.text(ANNA, "DGOO")
    screen = services.intake.text(ANNA, "terug")
    assert screen is not None
    assert screen.target is not None
    text = said(screen)
    assert "Bij welke directie of dienst werk je?" in text
    assert "Je huidige antwoord: DGOO" in text
    assert "Vraag 1 van 12" in said(services.intake.back(ANNA, screen.target))  # the button does the same
    assert "eerste vraag" in said(services.intake.text(ANNA, "terug"))


def test_edit_from_the_summary_returns_to_the_summary(services: Services) -> None:
    answer_all(services)
    asked = said(services.intake.text(ANNA, "wijzig 8"))
    assert "Hoe lang zou je willen ruilen?" in asked
    assert "Je huidige antwoord: 12 maanden" in asked
    back = said(services.intake.text(ANNA, "18 maanden"))
    assert "Periode: 18 maanden" in back
    assert "Je antwoorden op een rij" in back
    assert "bestaat niet" in said(services.intake.text(ANNA, "wijzig 40"))


def test_an_edit_button_for_a_question_that_does_not_apply_is_stale(services: Services) -> None:
    summary = answer_all(services)
    assert summary.target is not None
    assert "eerder bericht" in said(services.intake.edit(ANNA, summary.target, "ministry_other"))
    assert "Je antwoorden op een rij" in said(services.intake.edit(ANNA, summary.target, "ministry_other"))


def test_a_scale_outside_14_to_16_is_kept_with_an_explanation(services: Services) -> None:
    services.intake.start(ANNA)
    for text in ANSWERS[:3]:
        services.intake.text(ANNA, text)
    text = said(services.intake.text(ANNA, "12"))
    assert "bedoeld voor managers in schaal 14 tot en met 16" in text
    assert "Vraag 5 van 12" in text


def test_a_refused_answer_repeats_the_question_with_the_reason(services: Services) -> None:
    services.intake.start(ANNA)
    text = said(services.intake.text(ANNA, "Rijksmuseum"))
    assert "'Rijksmuseum' staat niet in de lijst" in text
    assert "Vraag 1 van 12" in text


def test_bedoel_je_offers_the_candidate_and_ja_takes_it(services: Services) -> None:
    services.intake.start(ANNA)
    unsure = services.intake.text(ANNA, "defensei")
    assert "Bedoel je Defensie (DEF)?" in said(unsure)
    assert unsure.prompt is not None
    assert [o.value for o in unsure.prompt.options] == ["DEF"]
    assert "Genoteerd: Defensie (DEF)" in said(services.intake.text(ANNA, "ja"))


def test_a_stale_button_keeps_the_answers_and_shows_where_we_are(services: Services) -> None:
    first = services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    assert first.target is not None
    text = said(services.intake.answer(ANNA, first.target, ["FIN"]))
    assert "eerder bericht" in text
    assert "Vraag 2 van 12" in text
    assert "Ministerie: Binnenlandse Zaken" in said(answer_rest(services))


def test_stop_asks_first_and_nee_goes_on(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    assert "Weet je zeker" in said(services.intake.text(ANNA, "stop"))
    assert "Weet je zeker" in said(services.intake.text(ANNA, "pizza"))  # an unclear reply asks again
    going_on = said(services.intake.text(ANNA, "nee"))
    assert "We gaan verder" in going_on
    assert "Vraag 2 van 12" in going_on


def test_stop_and_ja_cancels_and_deletes_the_answers(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    services.intake.act(ANNA, Act.CANCEL_ASK)
    assert "gestopt" in said(services.intake.act(ANNA, Act.CANCEL_YES))
    assert "nog geen aanmelding" in said(services.intake.status(ANNA))
    restarted = said(services.intake.start(ANNA))
    assert "Vraag 1 van 12" in restarted


def test_typing_without_an_intake_explains_how_to_start(services: Services) -> None:
    screen = services.intake.text(ANNA, "hallo daar")
    assert "typ /ruil met het nummer of de naam" in (screen.typing or "")
    assert "1) Managersruil" in said(screen)
    assert {b.act for b in screen.buttons} == {Act.START}  # one for each programme
    assert "Vraag 1 van 12" in said(services.intake.text(ANNA, "start"))


def test_help_explains_the_programme_and_keeps_the_question(services: Services) -> None:
    services.intake.start(ANNA)
    text = said(services.intake.text(ANNA, "help"))
    assert "/ruil status" in text
    assert "Vraag 1 van 12" in text


def test_status_counts_the_answers(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    assert "1 van de 12 vragen zijn beantwoord" in said(services.intake.status(ANNA))


def test_english_works_throughout(services: Services) -> None:
    services.intake.start(ANNA)
    switched = said(services.intake.text(ANNA, "taal en"))
    assert "speak English" in switched
    assert "Which ministry do you work for?" in switched
    assert "Noted: Finance (FIN)" in said(services.intake.text(ANNA, "finacien"))
    assert "Dutch" not in said(services.intake.text(ANNA, "back"))  # 'back' is a keyword in English


def test_a_new_slack_user_gets_their_slack_language(services: Services) -> None:
    bob = UserRef("slack", "U0BOB", locale_hint=lambda: "en-GB")
    assert "Which ministry" in said(services.intake.start(bob))


def test_an_unknown_language_is_refused_kindly(services: Services) -> None:
    assert "Die taal spreek ik niet" in said(services.intake.text(ANNA, "taal klingon"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Aan welk programma wil je meedoen?"),
        ("managersruil", "privébericht"),
        ("help", "/ruil status"),
        ("status", "nog geen aanmelding"),
        ("stop", "geen aanmelding die je kunt stoppen"),
        ("taal en", "speak English"),
        ("doe iets", "'doe iets' ken ik niet"),
    ],
)
def test_slash_command_words(services: Services, text: str, expected: str) -> None:
    reply = services.intake.command(ANNA, text)
    assert expected in said(reply.ephemeral)


def test_slash_command_stop_asks_in_the_dm(services: Services) -> None:
    services.intake.start(ANNA)
    reply = services.intake.command(ANNA, "stop")
    assert reply.direct is not None
    assert "Weet je zeker" in said(reply.direct)
    assert "privéberichten" in said(reply.ephemeral)


def test_user_text_is_raw_in_the_core_and_escaped_by_the_slack_renderer(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    services.intake.text(ANNA, "<!channel> & co")
    back = services.intake.text(ANNA, "terug")
    assert back is not None
    assert back.prompt is not None
    assert back.prompt.current == "Je huidige antwoord: <!channel> & co"  # the console shows it as typed

    _, blocks = render.message(back)

    shown = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in shown
    assert "_Je huidige antwoord: &lt;!channel&gt; &amp; co_" in shown


def test_the_candidates_are_listed_in_the_order_bedoel_je_names_them(services: Services) -> None:
    services.intake.start(ANNA)
    for text in ANSWERS[:9]:
        services.intake.text(ANNA, text)
    unsure = services.intake.text(ANNA, "weet het nog niet")
    assert unsure.prompt is not None
    first_named = unsure.lines[0].split("Bedoel je ")[1]
    assert first_named.startswith(unsure.prompt.options[0].label)
    chosen = unsure.prompt.options[0].label
    assert f"Genoteerd: {chosen}" in said(services.intake.text(ANNA, "1"))


def test_coming_back_later_forgets_an_old_bedoel_je_list(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "zaken")
    resumed = services.intake.start(ANNA)
    assert resumed.prompt is not None
    assert [o.value for o in resumed.prompt.options] == [
        c.value for c in choices_of(INTAKE.question("ministry"))
    ]


def test_verder_keeps_the_answer_after_going_back(services: Services) -> None:
    services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    services.intake.text(ANNA, "terug")
    kept = said(services.intake.text(ANNA, "verder"))
    assert "Vraag 2 van 12" in kept
    assert "nog geen antwoord" in said(services.intake.text(ANNA, "verder"))


def test_overzicht_shows_the_summary_when_all_is_answered(services: Services) -> None:
    answer_all(services)
    services.intake.text(ANNA, "wijzig 12")
    shown = said(services.intake.text(ANNA, "overzicht"))
    assert "Je antwoorden op een rij" in shown
    assert "Wat je hoopt te leren: Hoe de uitvoering van beleid echt werkt" in shown  # not 'overzicht'


def test_a_confirmed_registration_can_be_withdrawn(services: Services) -> None:
    answer_all(services)
    services.intake.text(ANNA, "ja")
    assert "intrekken" in said(services.intake.command(ANNA, "status").ephemeral)
    reply = services.intake.command(ANNA, "stop")
    assert reply.direct is not None
    assert "Weet je zeker" in said(reply.direct)
    assert "verwijderd" in said(services.intake.text(ANNA, "ja"))
    assert "nog geen aanmelding" in said(services.intake.status(ANNA))


def test_a_greeting_does_not_start_an_intake_by_itself(services: Services) -> None:
    screen = services.intake.text(ANNA, "hallo")
    assert screen.prompt is None
    assert len(screen.buttons) == 6
    assert {b.act for b in screen.buttons} == {Act.START}


def test_an_older_message_handled_after_a_newer_one_is_not_used(
    services: Services, clock: FixedClock
) -> None:
    services.intake.start(ANNA)
    sent = clock.now()
    services.intake.text(ANNA, "BZK", typed_at=sent + timedelta(seconds=2))  # the newer one came first
    late = services.intake.text(ANNA, "Directie Begroting", typed_at=sent + timedelta(seconds=1))
    assert "vlak na elkaar" in said(late)
    assert "Vraag 2 van 12" in said(late)  # the directorate is still asked, not filled in
    assert "Vraag 3 van 12" in said(services.intake.text(ANNA, "DGOO", typed_at=sent + timedelta(seconds=3)))


def test_taal_with_a_word_that_is_no_language_is_an_answer(services: Services) -> None:
    services.intake.start(ANNA)
    for text in ANSWERS[:2]:
        services.intake.text(ANNA, text)
    assert "Vraag 4 van 12" in said(services.intake.text(ANNA, "Taal adviseur"))


def test_a_question_mark_asks_for_help(services: Services) -> None:
    services.intake.start(ANNA)
    assert "/ruil status" in said(services.intake.text(ANNA, "?"))


def test_a_stale_or_refused_click_says_it_was_not_applied(services: Services) -> None:
    first = services.intake.start(ANNA)
    services.intake.text(ANNA, "BZK")
    assert first.target is not None
    assert services.intake.answer(ANNA, first.target, ["FIN"]).applied is False
    for text in ANSWERS[1:3]:
        scale = services.intake.text(ANNA, text)
    assert scale is not None
    assert scale.target is not None
    refused = services.intake.answer(ANNA, scale.target, ["99"])
    assert refused.applied is False
    assert refused.target is not None
    assert services.intake.answer(ANNA, refused.target, ["15"]).applied is True


def test_overzicht_during_the_intake_lists_the_answers_so_far_and_asks_on(services: Services) -> None:
    services.intake.start(ANNA)
    for text in ANSWERS[:3]:
        services.intake.text(ANNA, text)

    shown = services.intake.text(ANNA, "overzicht")

    assert shown is not None
    text = said(shown)
    assert "1. Ministerie: Financiën (FIN)" in text
    assert "3. Functie: Afdelingshoofd" in text
    assert "Vraag 4 van 12" in text


def test_a_confirmed_registration_is_changed_by_typing_wijzig(services: Services) -> None:
    answer_all(services)
    services.intake.text(ANNA, "ja")

    overview = services.intake.text(ANNA, "overzicht")
    assert overview is not None
    assert overview.summary is not None
    assert "Typ 'wijzig'" in overview.summary.typing
    asked = services.intake.text(ANNA, "wijzig 8")
    assert asked is not None
    assert "Hoe lang zou je willen ruilen?" in said(asked)
    back = services.intake.text(ANNA, "18 maanden")
    assert back is not None
    assert "Periode: 18 maanden" in said(back)
    assert "aanmelding is binnen" in said(services.intake.text(ANNA, "ja"))  # type: ignore[arg-type]


def test_status_with_nothing_started_names_no_programme(services: Services) -> None:
    shown = services.intake.text(ANNA, "status")
    assert shown is not None
    assert said(shown) == "Je hebt nog geen aanmelding lopen. Typ /ruil om een programma te kiezen."


def test_status_says_what_to_type_to_go_on_with_that_programme(services: Services) -> None:
    services.intake.start(ANNA, "leerwerkplaats")
    services.intake.text(ANNA, "Gemeente Utrecht")

    reply = services.intake.command(ANNA, "status")

    command = services.intake.command_for("leerwerkplaats")
    assert command != "/ruil"
    assert f"Typ {command} om verder te gaan" in said(reply.ephemeral)
