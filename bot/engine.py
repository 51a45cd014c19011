"""The one engine that runs any declared dialogue: pure functions over (dialogue, state).

Nothing here stores, sends or renders. A surface asks what to show (`position`, `summary`), feeds
what the person gave (`submit`, `back`, `edit`) and gets a new immutable `State` back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from rapidfuzz import fuzz

from bot.dialogues.model import Choice, Dialogue, Kind, Question, choices_of
from bot.i18n import all_texts, keywords
from bot.parsing import normalise, parse_date, parse_months, parse_number

Value = str | int | list[str]  # JSON-friendly: dates are ISO strings, multi-choices lists of values

# Fuzzy thresholds (rapidfuzz WRatio, 0-100): sure enough to take it, or close enough to ask.
SURE = 88
CLOSE = 65
MARGIN = 8
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Message:
    """A catalogue key with its parameters: what to say, not yet in any language."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Ref:
    """A message parameter that is itself a catalogue key (a choice label, say)."""

    key: str


@dataclass(frozen=True)
class State:
    answers: Mapping[str, Value]
    current: str | None  # the question being asked; None once all are answered (the summary)
    suggestion: tuple[str, ...] = ()  # choice values offered after "bedoel je ...?"


@dataclass(frozen=True)
class Accepted:
    state: State
    notices: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Refused:
    state: State
    error: Message


@dataclass(frozen=True)
class Unsure:
    state: State  # carries the candidates as `suggestion`


Outcome = Accepted | Refused | Unsure


def applies(question: Question, answers: Mapping[str, Value]) -> bool:
    if question.when is None:
        return True
    given = answers.get(question.when.question)
    if isinstance(given, list):
        return any(v in question.when.values for v in given)
    return given in question.when.values


def applicable(dialogue: Dialogue, answers: Mapping[str, Value]) -> tuple[Question, ...]:
    return tuple(q for q in dialogue.questions if applies(q, answers))


def first_open(dialogue: Dialogue, answers: Mapping[str, Value]) -> str | None:
    return next((q.id for q in applicable(dialogue, answers) if q.id not in answers), None)


def start(dialogue: Dialogue) -> State:
    return State(answers={}, current=first_open(dialogue, {}))


def restore(dialogue: Dialogue, answers: Mapping[str, Value], current: str | None) -> State:
    """A stored state, made consistent with the declaration as it is now (it may have changed): answers
    to removed questions, or naming choices that no longer exist, are dropped and so asked again."""
    kept = _prune(
        dialogue, {k: v for k, v in answers.items() if dialogue.has(k) and _still_valid(dialogue, k, v)}
    )
    invalidated = any(dialogue.has(k) and k not in kept for k in answers)
    if invalidated or (
        current is not None and not (dialogue.has(current) and applies(dialogue.question(current), kept))
    ):
        current = None  # ask what is missing now, first
    return State(answers=kept, current=current or first_open(dialogue, kept))


def _still_valid(dialogue: Dialogue, question_id: str, value: Value) -> bool:
    choices = choices_of(dialogue.question(question_id))
    if not choices:
        return True
    known = {c.value for c in choices}
    return all(v in known for v in value) if isinstance(value, list) else value in known


def position(dialogue: Dialogue, state: State) -> tuple[int, int]:
    """(n, total) for "vraag n van total"; n is 0 at the summary."""
    questions = applicable(dialogue, state.answers)
    ids = [q.id for q in questions]
    return (ids.index(state.current) + 1 if state.current in ids else 0), len(ids)


def is_complete(dialogue: Dialogue, answers: Mapping[str, Value]) -> bool:
    return first_open(dialogue, answers) is None


def summary(dialogue: Dialogue, answers: Mapping[str, Value]) -> tuple[tuple[Question, Value], ...]:
    return tuple((q, answers[q.id]) for q in applicable(dialogue, answers) if q.id in answers)


def back(dialogue: Dialogue, state: State) -> State | None:
    """The state that asks the previous question again, or None at the first question."""
    ids = [q.id for q in applicable(dialogue, state.answers)]
    index = ids.index(state.current) if state.current in ids else len(ids)
    return State(state.answers, ids[index - 1]) if index > 0 else None


def edit(dialogue: Dialogue, state: State, question_id: str) -> State:
    ids = [q.id for q in applicable(dialogue, state.answers)]
    if question_id not in ids:
        raise KeyError(question_id)
    return State(state.answers, question_id)


def submit(dialogue: Dialogue, state: State, given: str | Sequence[str], today: date) -> Outcome:
    """Answer the current question with typed text, or with exact choice values from a button or menu."""
    if state.current is None:
        raise ValueError("nothing is being asked: the dialogue is at its summary")
    return answer(dialogue, state, state.current, given, today)


def answer(
    dialogue: Dialogue, state: State, question_id: str, given: str | Sequence[str], today: date
) -> Outcome:
    """Answer any applicable question, not only the current one (a modal submits them all at once).
    On acceptance the cursor moves to the first open question, or to the summary."""
    question = dialogue.question(question_id)
    if not applies(question, state.answers):
        raise KeyError(f"{question_id!r} does not apply to these answers")
    result = _read(question, state, given, today)
    if isinstance(result, Message):
        return Refused(State(state.answers, state.current, state.suggestion), result)
    if isinstance(result, _Candidates):
        return Unsure(State(state.answers, state.current, suggestion=result.values))
    value, notices = result
    answers = _prune(dialogue, {**state.answers, question.id: value})
    answers, reopened = _recheck(dialogue, answers, question.id)
    return Accepted(State(answers, first_open(dialogue, answers)), notices + reopened)


def _recheck(
    dialogue: Dialogue, answers: dict[str, Value], changed: str
) -> tuple[dict[str, Value], tuple[Message, ...]]:
    """Answers checked against the one just changed are checked again; one that fails is asked anew
    (a new ministry that was the only wish, say), with the reason."""
    reopened: list[Message] = []
    for q in applicable(dialogue, answers):
        given = answers.get(q.id)
        if q.differs_from != changed or not isinstance(given, list):
            continue
        chosen = [c for c in (_choice(q, v) for v in given) if c is not None]
        if isinstance(_check_multi(q, chosen, answers), Message):
            answers = {k: v for k, v in answers.items() if k != q.id}
            reopened.append(Message(q.differs_error or "error.required"))
    return answers, tuple(reopened)


def _prune(dialogue: Dialogue, answers: dict[str, Value]) -> dict[str, Value]:
    """Drop answers to questions that no longer apply (say, 'which other ministry' after a change)."""
    return {q.id: answers[q.id] for q in applicable(dialogue, answers) if q.id in answers}


@dataclass(frozen=True)
class _Candidates:
    values: tuple[str, ...]


Read = tuple[Value, tuple[Message, ...]] | Message | _Candidates


def _read(question: Question, state: State, given: str | Sequence[str], today: date) -> Read:
    if not isinstance(given, str):
        return _read_values(question, list(given), state, today)
    text = given.strip()
    if not text:
        return Message("error.required")
    match question.kind:
        case Kind.TEXT:
            return _read_text(question, text)
        case Kind.CHOICE | Kind.YES_NO:
            return _read_choice(question, text, state.suggestion)
        case Kind.MULTI_CHOICE:
            return _read_multi(question, text, state.answers)
        case Kind.NUMBER:
            return _read_number(question, parse_number(text), "error.number", text)
        case Kind.MONTHS:
            return _read_number(question, parse_months(text), "error.months", text)
        case Kind.DATE:
            return _read_date(question, text, today)


def _read_values(question: Question, values: list[str], state: State, today: date) -> Read:
    """Exact values from a button or a menu: still checked, since a stale or forged click can carry any."""
    if question.kind in (Kind.CHOICE, Kind.YES_NO):
        if len(values) != 1:
            return Message("error.required")
        choice = _choice(question, values[0])
        return (choice.value, _choice_notices([choice])) if choice else Message("error.stale")
    if question.kind is Kind.MULTI_CHOICE:
        chosen = [c for c in (_choice(question, v) for v in values) if c is not None]
        if len(chosen) != len(values):
            return Message("error.stale")
        return _check_multi(question, chosen, state.answers)
    return _read(question, state, values[0] if len(values) == 1 else "", today)


def _choice(question: Question, value: str) -> Choice | None:
    return next((c for c in choices_of(question) if c.value == value), None)


def _choice_notices(chosen: Sequence[Choice]) -> tuple[Message, ...]:
    return tuple(Message(c.notice) for c in chosen if c.notice)


def _read_text(question: Question, text: str) -> Read:
    if len(text) > question.max_length:
        return Message("error.text_long", {"max": question.max_length, "length": len(text)})
    if len(normalise(text)) < question.min_length:
        return Message("error.text_short")
    return text, ()


def _read_choice(question: Question, text: str, suggestion: tuple[str, ...]) -> Read:
    word = normalise(text)
    # After "bedoel je ...?" only the candidates are listed: 'ja' takes a lone one, a number counts in them.
    picked = None
    if suggestion and word in keywords("keyword.yes") and len(suggestion) == 1:
        picked = suggestion[0]
    elif suggestion and word.isdigit():
        if not 1 <= int(word) <= len(suggestion):
            return Message("error.choice_number", {"max": len(suggestion)})
        picked = suggestion[int(word) - 1]
    choice = _choice(question, picked) if picked else None
    if choice:
        return choice.value, _choice_notices([choice])
    found = _resolve(question, text)
    if isinstance(found, Choice):
        return found.value, _choice_notices([found])
    several = _several(question, text)  # "beleid en uitvoering" where one is asked: which one?
    if several:
        return _Candidates(tuple(dict.fromkeys(c.value for c in several)))
    if found.values:
        return found
    return Message(question.unknown_error or "error.choice_unknown", {"answer": text})


def _resolve(question: Question, text: str) -> Choice | _Candidates:
    """The choice meant by `text`: exact, by its number in the list, or fuzzy; else close candidates."""
    word = _strip_lead_in(question, normalise(text))
    choices = choices_of(question)
    if word.isdigit() and 1 <= int(word) <= len(choices):
        return choices[int(word) - 1]
    table = _names(question)
    for choice, names in table:
        if word in names:
            return choice
    scored = sorted(((_score(word, names), choice) for choice, names in table), key=lambda pair: -pair[0])
    best = scored[0][0] if scored else 0
    runner_up = scored[1][0] if len(scored) > 1 else 0
    if best >= SURE and best - runner_up >= MARGIN:
        return scored[0][1]
    if best < CLOSE:
        return _Candidates(())
    return _Candidates(tuple(c.value for s, c in scored[:MAX_CANDIDATES] if s >= max(CLOSE, best - 15)))


def _strip_lead_in(question: Question, word: str) -> str:
    """'ministerie van financien' -> 'financien'; the declaration says which words lead in."""
    changed = True
    while changed:
        changed = False
        for lead in question.strip_words:
            if word.startswith(lead + " "):
                word, changed = word[len(lead) + 1 :].strip(), True
    return word


def _score(word: str, names: frozenset[str]) -> float:
    """How well a typed word fits a choice: against each whole name, and against each longer word in
    it ("binnenlandse" fits BZK). Not partial matching: "start" must not fit "Rijkswaterstaat"."""
    best = max(fuzz.ratio(word, n) for n in names)
    if " " not in word:
        words = (w for n in names for w in n.split() if len(w) >= 4)
        best = max([best, *(fuzz.ratio(word, w) for w in words)])
    else:  # "weet het nog niet" shares its words with "nog niet (besproken)": a candidate, not a match
        best = max([best, *(fuzz.token_set_ratio(word, n) for n in names if " " in n)])
    return best


@cache
def _names(question: Question) -> tuple[tuple[Choice, frozenset[str]], ...]:
    """Every normalised name a choice goes by: its value, aliases and label in each language."""
    return tuple(
        (c, frozenset(normalise(n) for n in (c.value, *c.aliases, *all_texts(c.label)) if normalise(n)))
        for c in choices_of(question)
    )


_STRONG_SEPARATORS = re.compile(r"[,;/\n]+")
_WORD_SEPARATORS = re.compile(r"\s+(?:en|and|of|or)\s+", re.IGNORECASE)


def _several(question: Question, text: str) -> list[Choice]:
    """Two or more choices named in one answer ("beleid en uitvoering"), each recognised for sure."""
    parts = (p for strong in _STRONG_SEPARATORS.split(text) for p in _WORD_SEPARATORS.split(strong))
    pieces = [p.strip() for p in parts]
    found = [_resolve(question, p) for p in pieces if p]
    chosen = [c for c in found if isinstance(c, Choice)]
    return chosen if len(found) > 1 and len(chosen) == len(found) else []


def _read_multi(question: Question, text: str, answers: Mapping[str, Value]) -> Read:
    whole = _resolve(question, text)
    if isinstance(whole, Choice) and normalise(text) in dict(_names(question))[whole]:
        return _check_multi(question, [whole], answers)
    chosen: list[Choice] = []
    unknown: list[str] = []
    for part in (p.strip() for p in _STRONG_SEPARATORS.split(text)):
        if not part:
            continue
        found = _resolve(question, part)
        items = [found] if isinstance(found, Choice) else None
        if items is None:  # "beleid en staf": split on the little words, but only when that helps
            pieces = [_resolve(question, p) for p in _WORD_SEPARATORS.split(part)]
            if len(pieces) > 1 and all(isinstance(p, Choice) for p in pieces):
                items = [p for p in pieces if isinstance(p, Choice)]
        if items is None:
            unknown.append(part)
        else:
            chosen.extend(items)
    if unknown:
        return Message("error.multi_unknown", {"items": unknown})
    return _check_multi(question, chosen, answers)


def _check_multi(question: Question, chosen: list[Choice], answers: Mapping[str, Value]) -> Read:
    if not chosen:
        return Message("error.required")
    order = {c.value: i for i, c in enumerate(choices_of(question))}
    unique = sorted({c.value: c for c in chosen}.values(), key=lambda c: order[c.value])
    exclusive = [c for c in unique if c.exclusive]
    if exclusive and len(unique) > 1:
        return Message("error.multi_exclusive", {"label": Ref(exclusive[0].label)})
    if question.differs_from and not exclusive:
        own = answers.get(question.differs_from)
        if all(c.value == own for c in unique):
            return Message(question.differs_error or "error.required")
    return [c.value for c in unique], _choice_notices(unique)


def _read_number(question: Question, number: int | None, error: str, text: str) -> Read:
    if number is None:
        return Message(error, {"answer": text})
    low, high = question.min_value, question.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        return Message(f"{error}_range", {"min": low, "max": high, "answer": number})
    notices: tuple[Message, ...] = ()
    if question.advised and not question.advised[0] <= number <= question.advised[1] and question.advice:
        notices = (Message(question.advice, {"value": number}),)
    return number, notices


def _read_date(question: Question, text: str, today: date) -> Read:
    parsed = parse_date(text, today)
    if parsed is None:
        return Message("error.date", {"answer": text})
    if question.min_days_ahead is not None and parsed < today + timedelta(days=question.min_days_ahead):
        return Message("error.date_past", {"date": parsed})
    if question.max_days_ahead is not None:
        latest = today + timedelta(days=question.max_days_ahead)
        if parsed > latest:
            return Message("error.date_far", {"date": latest})
    return parsed.isoformat(), ()
