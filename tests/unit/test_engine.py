"""The engine as a person meets it: answers read, refused with a reason, or asked about."""

from __future__ import annotations

from datetime import date

import pytest

from bot import engine
from bot.dialogues.managersruil import INTAKE
from bot.engine import Accepted, Refused, State, Unsure

TODAY = date(2026, 11, 27)


def at(question_id: str, **answers: object) -> State:
    return State(answers=dict(answers), current=question_id)  # type: ignore[arg-type]


def give(state: State, given: str | list[str]) -> engine.Outcome:
    return engine.submit(INTAKE, state, given, TODAY)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("finacien", "FIN"),
        ("Financiën", "FIN"),
        ("bzk", "BZK"),
        ("BZK", "BZK"),
        ("binnenlandse zaken", "BZK"),
        ("Justitie en Veiligheid", "JenV"),
        ("rijkswaterstaat", "IenW"),
        ("buitelandse zaken", "BZ"),
        ("6", "FIN"),  # its number in the list
        ("anders", "other"),
        ("Finance", "FIN"),  # English works too
    ],
)
def test_a_ministry_is_recognised_from_what_people_type(typed: str, meant: str) -> None:
    outcome = give(engine.start(INTAKE), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["ministry"] == meant


def test_when_unsure_it_asks_bedoel_je_and_yes_takes_the_suggestion() -> None:
    outcome = give(engine.start(INTAKE), "defensei")
    assert isinstance(outcome, Unsure)
    assert outcome.state.suggestion == ("DEF",)
    taken = give(outcome.state, "ja")
    assert isinstance(taken, Accepted)
    assert taken.state.answers["ministry"] == "DEF"


def test_an_ambiguous_word_offers_every_close_candidate() -> None:
    outcome = give(engine.start(INTAKE), "zaken")
    assert isinstance(outcome, Unsure)
    assert {"AZ", "BZ", "BZK", "EZ"} <= set(outcome.state.suggestion)


@pytest.mark.parametrize("typed", ["start", "xyz", "Rijksmuseum"])
def test_nonsense_is_refused_not_guessed(typed: str) -> None:
    outcome = give(engine.start(INTAKE), typed)
    assert isinstance(outcome, Refused)
    assert outcome.error.key == "managersruil.error.unknown_ministry"  # points to 'Anders'
    assert outcome.state.current == "ministry"


def test_other_ministry_asks_which_organisation_and_the_count_follows() -> None:
    outcome = give(engine.start(INTAKE), "anders")
    assert isinstance(outcome, Accepted)
    assert outcome.state.current == "ministry_other"
    assert engine.position(INTAKE, outcome.state) == (2, 13)
    assert engine.position(INTAKE, engine.start(INTAKE)) == (1, 12)


def test_changing_ministry_drops_the_answer_that_no_longer_applies() -> None:
    state = at("ministry", ministry="other", ministry_other="Hoge Raad")
    outcome = give(state, "FIN")
    assert isinstance(outcome, Accepted)
    assert "ministry_other" not in outcome.state.answers


@pytest.mark.parametrize(("typed", "scale"), [("15", 15), ("schaal 14", 14), ("zestien", 16)])
def test_scales_14_to_16_are_taken_without_remark(typed: str, scale: int) -> None:
    outcome = give(at("scale"), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["scale"] == scale
    assert outcome.notices == ()


def test_another_scale_is_kept_with_a_kind_explanation() -> None:
    outcome = give(at("scale"), "12")
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["scale"] == 12
    assert [n.key for n in outcome.notices] == ["managersruil.scale_advice"]


@pytest.mark.parametrize(("typed", "error"), [("veertig", "error.number_range"), ("hoog", "error.number")])
def test_a_scale_that_cannot_be_is_refused(typed: str, error: str) -> None:
    outcome = give(at("scale"), "99" if typed == "veertig" else typed)
    assert isinstance(outcome, Refused)
    assert outcome.error.key == error


@pytest.mark.parametrize(
    ("typed", "values"),
    [
        ("beleid en staf", ["beleid", "staf"]),
        ("uitvoering, beleid", ["beleid", "uitvoering"]),
        ("staf", ["staf"]),
        ("policy; staff", ["beleid", "staf"]),
    ],
)
def test_several_fields_can_be_typed(typed: str, values: list[str]) -> None:
    outcome = give(at("wanted_fields"), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["wanted_fields"] == values


def test_an_unknown_item_in_a_list_is_named() -> None:
    outcome = give(at("wanted_fields"), "beleid, pottenbakken")
    assert isinstance(outcome, Refused)
    assert outcome.error.key == "error.multi_unknown"
    assert outcome.error.params["items"] == ["pottenbakken"]


def test_wanted_ministries_must_cross_the_own_ministry() -> None:
    own_only = give(at("wanted_ministries", ministry="FIN"), "financien")
    assert isinstance(own_only, Refused)
    assert own_only.error.key == "managersruil.error.own_ministry"
    mixed = give(at("wanted_ministries", ministry="FIN"), "bzk en ocw")
    assert isinstance(mixed, Accepted)
    assert mixed.state.answers["wanted_ministries"] == ["BZK", "OCW"]


def test_no_preference_stands_alone() -> None:
    assert isinstance(give(at("wanted_ministries", ministry="FIN"), "maakt niet uit"), Accepted)
    mixed = give(at("wanted_ministries", ministry="FIN"), "maakt niet uit, bzk")
    assert isinstance(mixed, Refused)
    assert mixed.error.key == "error.multi_exclusive"


@pytest.mark.parametrize(("typed", "months"), [("12", 12), ("1,5 jaar", 18), ("een half jaar", 6)])
def test_the_period_is_read_in_months(typed: str, months: int) -> None:
    outcome = give(at("period"), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["period"] == months


def test_a_period_outside_6_to_18_months_is_refused() -> None:
    outcome = give(at("period"), "3 maanden")
    assert isinstance(outcome, Refused)
    assert outcome.error.key == "error.months_range"


@pytest.mark.parametrize(
    ("typed", "iso"), [("1 maart", "2027-03-01"), ("01-03-2027", "2027-03-01"), ("morgen", "2026-11-28")]
)
def test_dutch_dates_are_understood(typed: str, iso: str) -> None:
    outcome = give(at("start"), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["start"] == iso


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("1-1-2026", "error.date_past"),
        ("1-1-2030", "error.date_far"),
        ("ergens in het voorjaar", "error.date"),
    ],
)
def test_impossible_start_dates_are_refused(typed: str, error: str) -> None:
    outcome = give(at("start"), typed)
    assert isinstance(outcome, Refused)
    assert outcome.error.key == error


@pytest.mark.parametrize("typed", ["", "   ", "?", "x"])
def test_an_empty_or_too_short_text_is_refused(typed: str) -> None:
    assert isinstance(give(at("function"), typed), Refused)


def test_a_text_longer_than_allowed_is_refused_with_its_length() -> None:
    outcome = give(at("learning"), "a" * 1001)
    assert isinstance(outcome, Refused)
    assert outcome.error.params == {"max": 1000, "length": 1001}


def test_a_forged_button_value_is_refused() -> None:
    outcome = give(at("field"), ["directeur"])
    assert isinstance(outcome, Refused)
    assert outcome.error.key == "error.stale"


def test_a_supervisor_not_told_yet_gets_a_tip() -> None:
    outcome = give(at("supervisor"), ["not_yet"])
    assert isinstance(outcome, Accepted)
    assert [n.key for n in outcome.notices] == ["managersruil.supervisor_notice"]


def test_back_goes_to_the_previous_question_and_answering_returns_to_where_you_were() -> None:
    state = at("function", ministry="FIN", directorate="DG Fiscaliteit")
    previous = engine.back(INTAKE, state)
    assert previous is not None
    assert previous.current == "directorate"
    assert engine.back(INTAKE, engine.start(INTAKE)) is None
    again = give(previous, "DG Rijksbegroting")
    assert isinstance(again, Accepted)
    assert again.state.current == "function"
    assert again.state.answers["directorate"] == "DG Rijksbegroting"


def full_answers() -> dict[str, object]:
    return {
        "ministry": "FIN",
        "directorate": "DG Fiscaliteit",
        "function": "Afdelingshoofd",
        "scale": 15,
        "field": "beleid",
        "wanted_fields": ["uitvoering"],
        "wanted_ministries": ["BZK"],
        "period": 12,
        "start": "2027-03-01",
        "supervisor": "supports",
        "region": "Den Haag",
        "learning": "Hoe uitvoering echt werkt",
    }


def test_a_complete_intake_is_at_its_summary_and_an_edit_returns_there() -> None:
    state = engine.restore(INTAKE, full_answers(), None)  # type: ignore[arg-type]
    assert state.current is None
    assert engine.is_complete(INTAKE, state.answers)
    rows = engine.summary(INTAKE, state.answers)
    assert [q.id for q, _ in rows][:2] == ["ministry", "directorate"]
    editing = engine.edit(INTAKE, state, "period")
    assert engine.position(INTAKE, editing) == (8, 12)
    done = give(editing, "18")
    assert isinstance(done, Accepted)
    assert done.state.current is None
    assert done.state.answers["period"] == 18


def test_restore_survives_a_changed_declaration() -> None:
    state = engine.restore(INTAKE, {"ministry": "FIN", "retired_question": "x"}, "retired_question")
    assert state.answers == {"ministry": "FIN"}
    assert state.current == "directorate"


def test_submitting_at_the_summary_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="summary"):
        give(State(full_answers(), None), "x")  # type: ignore[arg-type]


def test_after_bedoel_je_a_number_counts_in_the_candidates_shown() -> None:
    unsure = give(engine.start(INTAKE), "zaken")
    assert isinstance(unsure, Unsure)
    fourth = unsure.state.suggestion[3]
    taken = give(unsure.state, "4")
    assert isinstance(taken, Accepted)
    assert taken.state.answers["ministry"] == fourth


@pytest.mark.parametrize(
    "typed",
    [
        "ministerie van financiën",
        "Ministerie van Financien",
        "min. fin",
        "Ministry of Finance",
        "het ministerie van FIN",
    ],
)
def test_the_way_people_write_a_ministry_name_is_understood(typed: str) -> None:
    outcome = give(engine.start(INTAKE), typed)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["ministry"] == "FIN"


def test_after_bedoel_je_a_number_outside_the_shown_list_is_refused_not_guessed() -> None:
    unsure = give(at("supervisor"), "weet het nog niet")
    assert isinstance(unsure, Unsure)
    refused = give(unsure.state, str(len(unsure.state.suggestion) + 1))
    assert isinstance(refused, Refused)
    assert refused.error.key == "error.choice_number"


def test_no_preference_is_an_answer_for_the_wanted_field_too() -> None:
    outcome = give(at("wanted_fields"), "maakt niet uit")
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["wanted_fields"] == ["any"]


def test_changing_the_own_ministry_to_the_only_wish_asks_the_wish_again() -> None:
    answers = {**full_answers(), "wanted_ministries": ["BZK"]}
    editing = engine.edit(INTAKE, engine.restore(INTAKE, answers, None), "ministry")  # type: ignore[arg-type]
    outcome = give(editing, "bzk")
    assert isinstance(outcome, Accepted)
    assert outcome.state.current == "wanted_ministries"
    assert [n.key for n in outcome.notices] == ["managersruil.error.own_ministry"]


def test_restore_asks_again_when_a_stored_choice_no_longer_exists() -> None:
    state = engine.restore(INTAKE, {"ministry": "EZK", "directorate": "DG Energie"}, "function")
    assert "ministry" not in state.answers  # EZK was renamed: the person picks again
    assert state.current == "ministry"


def test_a_modal_can_answer_any_applicable_question() -> None:
    outcome = engine.answer(INTAKE, engine.start(INTAKE), "period", "1 jaar", TODAY)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers == {"period": 12}
    assert outcome.state.current == "ministry"  # the first open question
    with pytest.raises(KeyError):
        engine.answer(INTAKE, engine.start(INTAKE), "ministry_other", "x", TODAY)


def test_two_choices_named_where_one_is_asked_are_both_offered() -> None:
    outcome = give(at("field"), "beleid en uitvoering")
    assert isinstance(outcome, Unsure)
    assert outcome.state.suggestion == ("beleid", "uitvoering")
    assert isinstance(give(at("ministry"), "Justitie en Veiligheid"), Accepted)  # one name with 'en' in it


def test_words_shared_with_a_choice_make_it_a_candidate() -> None:
    outcome = give(at("supervisor"), "weet het nog niet")
    assert isinstance(outcome, Unsure)
    assert "not_yet" in outcome.state.suggestion
