"""Every question of every declared intake refuses what it cannot use (nothing, too much, a date in
the past, an e-mail address that is none, only emoji where a name is asked, ...) with a friendly
sentence from the catalogue in both languages, and nothing given before is lost."""

from __future__ import annotations

from datetime import date

import pytest

from bot import engine
from bot.dialogues import DIALOGUES
from bot.dialogues.model import Choose, Dialogue, Kind, Question
from bot.dialogues.reading import checks_of
from bot.dialogues.validators import InRange, MaxLength, NotInPast
from bot.engine import Accepted, Refused, State
from bot.i18n import CATALOGUES, Translator
from bot.presenter import Presenter
from tests.samples import SAMPLES

TODAY = date(2026, 11, 27)

# Other ways through, so questions behind a condition are tried as well.
DETOURS: dict[str, list[str]] = {
    "managersruil": ["anders", "Hoge Raad der Nederlanden", *SAMPLES["managersruil"][1:]],
    "regels-naar-ruimte": [
        *SAMPLES["regels-naar-ruimte"][:6],
        "anders",
        "Een proeftuin",
        "ja",
        "ja",
        "ja",
        "ja",
    ],
}


def walk(dialogue: Dialogue, typed: list[str]) -> list[State]:
    """The state before each answer, answering as typed; every answer must be taken as it stands."""
    state, seen = engine.start(dialogue), []
    for text in typed:
        seen.append(state)
        outcome = engine.submit(dialogue, state, text, TODAY)
        assert isinstance(outcome, Accepted), (dialogue.id, state.current, text, outcome)
        state = outcome.state
    assert state.current is None, f"{dialogue.id}: still asks {state.current!r} after the sample"
    return seen


def _all_states() -> list[tuple[str, State]]:
    paths = [(d, SAMPLES[d]) for d in DIALOGUES] + list(DETOURS.items())
    found: dict[tuple[str, str | None], State] = {}
    for dialogue_id, typed in paths:
        for state in walk(DIALOGUES[dialogue_id], typed):
            found.setdefault((dialogue_id, state.current), state)
    return [(d, s) for (d, _), s in found.items()]


STATES = _all_states()


def bad_answers(question: Question) -> list[tuple[str, str]]:
    """(typed, the catalogue key of the refusal) that this question must refuse."""
    bad = [("", "error.required"), ("   ", "error.required")]
    if not question.optional:
        bad.append(("overslaan", "error.not_optional"))
    checks = checks_of(question)
    match question.kind:
        case Kind.TEXT:
            bad += [("🙂🙂🙂", "error.no_letters"), ("?!…", "error.no_letters"), ("x", "error.text_short")]
            longest = next(r.length for r in checks if isinstance(r, MaxLength))
            bad.append(("woord " * (longest // 6 + 1), "error.text_long"))
        case Kind.EMAIL:
            bad += [("jan at dehoeve", "error.email"), ("jan@", "error.email"), ("🙂", "error.email")]
        case Kind.PHONE:
            bad += [("12345", "error.phone"), ("bel me maar", "error.phone"), ("06-1234", "error.phone")]
        case Kind.DATE:
            bad.append(("ergens volgend jaar", "error.date"))
            if any(isinstance(r, NotInPast) for r in checks):
                bad.append(("1-1-2026", "error.date_past"))
        case Kind.NUMBER | Kind.MONTHS:
            bad.append(("heel veel", f"error.{question.kind.value}"))
            for rule in (r for r in checks if isinstance(r, InRange)):
                bad += [(str(rule.high + 1), rule.error), (str(max(rule.low - 1, 0)), rule.error)]
        case Kind.CHOICE | Kind.YES_NO:
            unknown = question.spec.unknown_error if isinstance(question.spec, Choose) else None
            bad.append(("xyzzy kwark", unknown or "error.choice_unknown"))
        case Kind.MULTI_CHOICE:
            bad.append(("xyzzy kwark", "error.multi_unknown"))
    return bad


CASES = [
    pytest.param(dialogue_id, state, typed, key, id=f"{dialogue_id}.{state.current}:{typed[:12]!r}")
    for dialogue_id, state in STATES
    for typed, key in bad_answers(DIALOGUES[dialogue_id].question(state.current or ""))
]


@pytest.mark.parametrize(("dialogue_id", "state", "typed", "key"), CASES)
def test_what_a_question_cannot_use_is_refused_kindly_and_nothing_is_lost(
    dialogue_id: str, state: State, typed: str, key: str
) -> None:
    dialogue = DIALOGUES[dialogue_id]
    outcome = engine.submit(dialogue, state, typed, TODAY)
    assert isinstance(outcome, Refused), outcome
    assert outcome.error.key == key
    assert outcome.state.answers == state.answers
    assert outcome.state.current == state.current
    for locale in CATALOGUES:
        sentence = Presenter(Translator(locale)).say(outcome.error)
        assert len(sentence) > 20  # a sentence that says what is wrong, not a bare key


def test_every_question_of_every_intake_is_tried() -> None:
    tried = {(d, s.current) for d, s in STATES}
    declared = {(d.id, q.id) for d in DIALOGUES.values() for q in d.questions}
    assert tried == declared


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06-12345678", "0612345678"),
        ("+31 (0)6 1234 5678", "+31612345678"),
        ("0031 30 123 4567", "+31301234567"),
        ("(030) 123 45 67", "0301234567"),
    ],
)
def test_phone_numbers_are_read_as_people_write_them(typed: str, stored: str) -> None:
    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    state = next(s for d, s in STATES if d == dialogue.id and s.current == "contact_phone")
    outcome = engine.submit(dialogue, state, typed, TODAY)
    assert isinstance(outcome, Accepted)
    assert outcome.state.answers["contact_phone"] == stored


@pytest.mark.parametrize(
    "typed", ["jan@dehoeve.nl", "<mailto:jan@dehoeve.nl|jan@dehoeve.nl>", " Jan.de-Boer@de-hoeve.co.uk "]
)
def test_an_email_address_is_taken_also_as_slack_sends_it(typed: str) -> None:
    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    state = next(s for d, s in STATES if d == dialogue.id and s.current == "contact_email")
    outcome = engine.submit(dialogue, state, typed, TODAY)
    assert isinstance(outcome, Accepted)
    assert "@" in str(outcome.state.answers["contact_email"])
    assert "mailto" not in str(outcome.state.answers["contact_email"])


@pytest.mark.parametrize(
    ("typed", "taken"),
    [
        ("@marieke", True),
        ("<@U024BE7LH>", True),  # how Slack sends a mention typed in a DM
        ("<@U024BE7LH|marieke>", True),
        ("m.jansen@utrecht.nl", True),
        ("Marieke Jansen", False),
        ("@", False),
    ],
)
def test_the_municipal_secretary_is_a_slack_name_or_an_email_address(typed: str, taken: bool) -> None:
    dialogue = DIALOGUES["peer-to-peer/aanmelding"]
    state = next(s for d, s in STATES if d == dialogue.id and s.current == "secretary")
    outcome = engine.submit(dialogue, state, typed, TODAY)
    assert isinstance(outcome, Accepted) is taken
    if not taken:
        assert isinstance(outcome, Refused)
        assert outcome.error.key in ("error.slack_or_email", "error.text_short", "error.no_letters")


def test_an_assignment_cannot_end_before_it_starts() -> None:
    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    state = next(s for d, s in STATES if d == dialogue.id and s.current == "period_end")
    outcome = engine.submit(dialogue, state, "1 januari 2027", TODAY)  # the start is 1 February 2027
    assert isinstance(outcome, Refused)
    assert outcome.error.key == "error.date_order"
    assert outcome.error.params == {"date": date(2027, 2, 1)}
    said = Presenter(Translator("nl")).say(outcome.error)
    assert "1 februari 2027" in said
