"""What the grown-up engine does for a person: asks only what applies (conditions that combine), lets
an optional question be skipped and says so in the summary, re-asks an answer that a change made
impossible, and ends a dialogue early with its own outcome while keeping the draft."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot import engine
from bot.dialogues import DIALOGUES
from bot.dialogues.common import ANY
from bot.dialogues.conditions import When, all_, any_, not_
from bot.dialogues.managersruil import FIELDS
from bot.dialogues.model import Choose, ChooseMany, Dialogue, Question, Text
from bot.engine import Accepted, Ended, Refused, State
from bot.i18n import Translator
from bot.presenter import Presenter
from tests.samples import SAMPLES

TODAY = date(2026, 11, 27)
Q, L = "managersruil.q.region", "managersruil.l.region"  # any texts will do for a stand-in dialogue

STAND_IN = Dialogue(
    id="stand-in",
    programme="managersruil",
    version=1,
    intro="managersruil.intro",
    done="managersruil.done",
    questions=(
        Question("field", Choose(FIELDS), prompt=Q, label=L),
        Question("wish", ChooseMany((*FIELDS, ANY)), prompt=Q, label=L),
        Question(
            "either",
            Text(),
            when=any_(When.answer("field", "beleid"), When.answer("wish", "staf")),
            prompt=Q,
            label=L,
        ),
        Question(
            "both",
            Text(),
            when=all_(When.answer("field", "uitvoering"), not_(When.answer("wish", "any"))),
            prompt=Q,
            label=L,
        ),
        Question("note", Text(), optional=True, prompt=Q, label=L),
        Question("about_note", Text(), when=When.given("note"), prompt=Q, label=L),
        Question("last", Text(), prompt=Q, label=L),
    ),
)


def asked(answers: dict[str, object]) -> list[str]:
    return [q.id for q in engine.applicable(STAND_IN, answers)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("answers", "extra"),
    [
        ({"field": "beleid", "wish": ["uitvoering"]}, ["either"]),  # any_: the first holds
        ({"field": "staf", "wish": ["beleid", "staf"]}, ["either"]),  # any_: the second, in a list
        ({"field": "staf", "wish": ["beleid"]}, []),  # any_: neither
        ({"field": "uitvoering", "wish": ["beleid"]}, ["both"]),  # all_ with not_
        ({"field": "uitvoering", "wish": ["any"]}, []),  # not_ fails
        ({"field": "beleid", "wish": ["staf"]}, ["either"]),  # all_: one part fails
    ],
)
def test_conditions_combine_over_earlier_answers(answers: dict[str, object], extra: list[str]) -> None:
    assert asked(answers) == ["field", "wish", *extra, "note", "last"]


def test_an_optional_question_can_be_skipped_and_the_summary_says_so() -> None:
    state = State({"field": "staf", "wish": ["beleid"]}, "note")
    skipped = engine.submit(STAND_IN, state, "Overslaan", TODAY)
    assert isinstance(skipped, Accepted)
    assert skipped.state.answers["note"] is None  # an explicit skip, not a missing answer
    assert skipped.state.current == "last"  # and what hangs on it is not asked
    done = engine.submit(STAND_IN, skipped.state, "Utrecht", TODAY)
    assert isinstance(done, Accepted)
    assert engine.is_complete(STAND_IN, done.state.answers)
    rows = Presenter(Translator("nl")).summary(STAND_IN, done.state).rows
    assert [r.value for r in rows if r.question_id == "note"] == ["overgeslagen"]
    rows_en = Presenter(Translator("en")).summary(STAND_IN, done.state).rows
    assert [r.value for r in rows_en if r.question_id == "note"] == ["skipped"]


def test_skip_works_in_english_and_a_given_note_asks_about_it() -> None:
    state = State({"field": "staf", "wish": ["beleid"]}, "note")
    assert isinstance(engine.submit(STAND_IN, state, "skip", TODAY), Accepted)
    given = engine.submit(STAND_IN, state, "Ik werk parttime", TODAY)
    assert isinstance(given, Accepted)
    assert given.state.current == "about_note"


def test_a_question_that_must_be_answered_cannot_be_skipped_and_keeps_what_was_given() -> None:
    state = State({"field": "staf", "wish": ["beleid"], "note": None}, "last")
    refused = engine.submit(STAND_IN, state, "overslaan", TODAY)
    assert isinstance(refused, Refused)
    assert refused.error.key == "error.not_optional"
    assert refused.state.answers == state.answers


def test_a_modal_or_a_button_can_skip_an_optional_question_only() -> None:
    state = State({"field": "staf", "wish": ["beleid"]}, "last")
    skipped = engine.skip(STAND_IN, state, "note", TODAY)
    assert isinstance(skipped, Accepted)
    assert skipped.state.answers["note"] is None
    refused = engine.skip(STAND_IN, state, "wish", TODAY)
    assert isinstance(refused, Refused)
    assert refused.error.key == "error.not_optional"
    with pytest.raises(KeyError):
        engine.skip(STAND_IN, state, "about_note", TODAY)  # does not apply: nothing to skip


def test_the_prompt_of_an_optional_question_says_how_to_skip_it() -> None:
    state = State({"field": "staf", "wish": ["beleid"]}, "note")
    assert "overslaan" in Presenter(Translator("nl")).prompt(STAND_IN, state).hint
    assert "'skip'" in Presenter(Translator("en")).prompt(STAND_IN, state).hint
    mandatory = State({"field": "staf", "wish": ["beleid"], "note": None}, "last")
    assert "overslaan" not in Presenter(Translator("nl")).prompt(STAND_IN, mandatory).hint


def test_a_skip_is_asked_again_when_the_question_became_mandatory() -> None:
    mandatory = Dialogue(
        id="stand-in",
        programme="managersruil",
        version=2,
        questions=tuple(replace(q, optional=False) for q in STAND_IN.questions),
        intro="managersruil.intro",
        done="managersruil.done",
    )
    stored = {"field": "staf", "wish": ["beleid"], "note": None, "last": "Utrecht"}
    restored = engine.restore(mandatory, stored, None)
    assert "note" not in restored.answers
    assert restored.current == "note"
    assert engine.restore(STAND_IN, stored, None).current is None  # unchanged declaration: at the summary


def test_text_keys_follow_from_the_dialogue_and_question_ids() -> None:
    dialogue = Dialogue("peer-to-peer/opdracht", "peer-to-peer", 1, (Question("contact_email", Text()),))
    question = dialogue.question("contact_email")
    assert (question.prompt, question.label) == (
        "peer-to-peer.opdracht.q.contact_email",
        "peer-to-peer.opdracht.l.contact_email",
    )
    assert (dialogue.intro, dialogue.done) == ("peer-to-peer.opdracht.intro", "peer-to-peer.opdracht.done")


# ---- endings: Van Regels naar Ruimte --------------------------------------------------------------

RULES = DIALOGUES["regels-naar-ruimte"]
CRITERIA = ["primary_process", "worthwhile", "mandate", "commitment"]


def report(*criteria: str) -> tuple[State, engine.Outcome]:
    """Type the sample report with these criteria answered as given, and return the last step."""
    state, outcome = engine.start(RULES), None
    for text in [*SAMPLES["regels-naar-ruimte"][:7], *criteria]:
        outcome = engine.submit(RULES, state, text, TODAY)
        assert not isinstance(outcome, Refused), outcome
        state = outcome.state
    assert outcome is not None
    return state, outcome


def test_a_no_is_not_judged_before_every_criterion_is_asked() -> None:
    state, outcome = report("nee")
    assert isinstance(outcome, Accepted)
    assert state.current == "worthwhile"


def test_a_report_that_misses_criteria_ends_with_each_reason_and_keeps_the_draft() -> None:
    state, outcome = report("nee", "ja", "nee", "ja")
    assert isinstance(outcome, Ended)
    assert outcome.verdict.ending.text == "regels-naar-ruimte.end.not_eligible"
    assert [r.key for r in outcome.verdict.reasons] == [
        "regels-naar-ruimte.unmet.primary_process",
        "regels-naar-ruimte.unmet.mandate",
    ]
    assert state.current is None
    assert len(state.answers) == 11  # every answer kept
    assert not engine.is_complete(RULES, state.answers)  # nothing to confirm
    restored = engine.restore(RULES, state.answers, None)  # days later, the same outcome
    assert engine.outcome(RULES, restored.answers) == outcome.verdict


def test_changing_the_answers_that_failed_lifts_the_ending() -> None:
    state, _ = report("nee", "ja", "ja", "ja")
    again = engine.submit(RULES, engine.edit(RULES, state, "primary_process"), "ja", TODAY)
    assert isinstance(again, Accepted)
    assert again.state.current is None
    assert engine.outcome(RULES, again.state.answers) is None
    assert engine.is_complete(RULES, again.state.answers)


def test_a_mandate_that_can_still_be_arranged_is_met_with_a_word_of_help() -> None:
    state, outcome = report("ja", "ja", "kan ik regelen", "ja")
    assert isinstance(outcome, Accepted)
    assert engine.is_complete(RULES, state.answers)
    answered = engine.submit(RULES, engine.edit(RULES, state, "mandate"), ["arrange"], TODAY)
    assert isinstance(answered, Accepted)
    assert [n.key for n in answered.notices] == ["regels-naar-ruimte.mandate_notice"]


def test_the_ending_screen_lists_the_reasons_and_offers_no_confirmation() -> None:
    state, _ = report("ja", "nee", "ja", "nee")
    screen = Presenter(Translator("nl")).step(RULES, state)
    text = "\n".join(screen.lines)
    assert "voldoet hij nu nog niet aan alle voorwaarden" in text
    assert "Het levert nog niet genoeg op" in text
    assert "Er is nog geen tijd vrijgemaakt" in text
    assert "primaire proces" not in text  # a criterion that is met is not named
    assert [b.label for b in screen.buttons] == ["Stoppen"]
    assert screen.summary is not None
    assert "wijzig" in screen.summary.typing


# ---- re-asking what a change made impossible ------------------------------------------------------


def test_moving_the_start_past_the_end_asks_the_end_again_with_the_reason() -> None:
    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    state = engine.start(dialogue)
    for text in SAMPLES[dialogue.id]:
        outcome = engine.submit(dialogue, state, text, TODAY)
        assert isinstance(outcome, Accepted)
        state = outcome.state
    moved = engine.submit(dialogue, engine.edit(dialogue, state, "period_start"), "1 juni", TODAY)
    assert isinstance(moved, Accepted)
    assert moved.state.current == "period_end"
    assert "period_end" not in moved.state.answers
    assert [n.key for n in moved.notices] == ["error.date_order"]
    assert moved.state.answers["contact_email"] == "jan@dehoeve.nl"  # the rest is kept


def test_yes_no_answers_carry_their_notice() -> None:
    dialogue = DIALOGUES["leidinggevenden-in-beweging"]
    state = State({}, "speeddate")
    no = engine.answer(dialogue, state, "speeddate", "nee", TODAY)
    assert isinstance(no, Accepted)
    assert [n.key for n in no.notices] == ["leidinggevenden-in-beweging.speeddate_notice"]
    yes = engine.answer(dialogue, state, "speeddate", ["yes"], TODAY)
    assert isinstance(yes, Accepted)
    assert yes.notices == ()


def test_none_of_the_session_dates_stands_alone_and_gets_a_reply() -> None:
    dialogue = DIALOGUES["leerwerkplaats"]
    state = State({}, "sessions")
    mixed = engine.answer(dialogue, state, "sessions", "geen van deze, 1", TODAY)
    assert isinstance(mixed, Refused)
    assert mixed.error.key == "error.multi_exclusive"
    none = engine.answer(dialogue, state, "sessions", "geen van deze", TODAY)
    assert isinstance(none, Accepted)
    assert none.state.answers["sessions"] == ["none"]
    assert [n.key for n in none.notices] == ["leerwerkplaats.sessions_notice"]
