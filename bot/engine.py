"""The one engine that runs any declared dialogue: pure functions over (dialogue, state).

Nothing here stores, sends or renders. A surface asks what to show (`position`, `summary`,
`outcome`), feeds what the person gave (`submit`, `answer`, `back`, `edit`) and gets a new immutable
`State` back. How each kind reads typed text lives in bot/dialogues/reading.py; the rules it then
checks are the question's named validators (bot/dialogues/validators.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from bot.dialogues.model import Dialogue, Ending, Kind, Question, choices_of
from bot.dialogues.reading import Candidates, checks_of, choice_of, read
from bot.dialogues.validators import Context

# Re-exported: surfaces and services speak these.
from bot.dialogues.values import Message as Message
from bot.dialogues.values import Ref as Ref
from bot.dialogues.values import Value as Value
from bot.i18n import keywords
from bot.parsing import normalise


@dataclass(frozen=True)
class State:
    answers: Mapping[str, Value]
    current: str | None  # the question being asked; None once all are answered (the summary), or ended
    suggestion: tuple[str, ...] = ()  # choice values offered after "bedoel je ...?"


@dataclass(frozen=True)
class Verdict:
    """An ending that holds: its text, and the reasons the answers give for it."""

    ending: Ending
    reasons: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Accepted:
    state: State
    notices: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Ended:
    """Accepted, and with this answer the dialogue reached one of its endings. The answers are kept."""

    state: State
    verdict: Verdict
    notices: tuple[Message, ...] = ()


@dataclass(frozen=True)
class Refused:
    state: State
    error: Message


@dataclass(frozen=True)
class Unsure:
    state: State  # carries the candidates as `suggestion`


Outcome = Accepted | Ended | Refused | Unsure


def applies(question: Question, answers: Mapping[str, Value]) -> bool:
    return question.when is None or question.when.holds(answers)


def applicable(dialogue: Dialogue, answers: Mapping[str, Value]) -> tuple[Question, ...]:
    return tuple(q for q in dialogue.questions if applies(q, answers))


def outcome(dialogue: Dialogue, answers: Mapping[str, Value]) -> Verdict | None:
    """The first ending that holds, once every question it names is settled (answered, or not asked)."""
    for ending in dialogue.endings:
        named = ending.when.names()
        settled = all(n in answers or not applies(dialogue.question(n), answers) for n in named)
        if settled and ending.when.holds(answers):
            return Verdict(ending, _reasons(dialogue, answers, named))
    return None


def _reasons(dialogue: Dialogue, answers: Mapping[str, Value], named: frozenset[str]) -> tuple[Message, ...]:
    reasons: list[Message] = []
    for q in applicable(dialogue, answers):
        given = answers.get(q.id)
        if q.id not in named or given is None:
            continue
        for value in given if isinstance(given, list) else [str(given)]:
            choice = choice_of(q, value)
            if choice is not None and choice.consequence:
                reasons.append(Message(choice.consequence))
    return tuple(reasons)


def first_open(dialogue: Dialogue, answers: Mapping[str, Value]) -> str | None:
    if outcome(dialogue, answers) is not None:
        return None  # ended: nothing more to ask until an answer changes
    return next((q.id for q in applicable(dialogue, answers) if q.id not in answers), None)


def start(dialogue: Dialogue) -> State:
    return State(answers={}, current=first_open(dialogue, {}))


def restore(dialogue: Dialogue, answers: Mapping[str, Value], current: str | None) -> State:
    """A stored state, made consistent with the declaration as it is now (it may have changed): answers
    to removed questions, naming choices that no longer exist, or skipped where skipping is no longer
    allowed, are dropped and so asked again."""
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
    question = dialogue.question(question_id)
    if value is None:
        return question.optional
    choices = choices_of(question)
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
    """Everything asked and no ending reached: ready to confirm."""
    return first_open(dialogue, answers) is None and outcome(dialogue, answers) is None


def summary(dialogue: Dialogue, answers: Mapping[str, Value]) -> tuple[tuple[Question, Value], ...]:
    """Every answer given, in order; a skipped one has the value None."""
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
    On acceptance the cursor moves to the first open question, or to the summary (or the ending)."""
    question = dialogue.question(question_id)
    if not applies(question, state.answers):
        raise KeyError(f"{question_id!r} does not apply to these answers")
    refused = State(state.answers, state.current, state.suggestion)
    if isinstance(given, str) and normalise(given) in keywords("keyword.skip"):
        return skip(dialogue, state, question_id, today)
    result = read(question, given, state.suggestion, today)
    if isinstance(result, Message):
        return Refused(refused, result)
    if isinstance(result, Candidates):
        return Unsure(State(state.answers, state.current, suggestion=result.values))
    value, notices = result
    context = Context(state.answers, today)
    for rule in checks_of(question):
        said = rule.check(value, context)
        if said is not None and rule.advisory:
            notices += (said,)
        elif said is not None:
            return Refused(refused, said)
    stored = value.isoformat() if isinstance(value, date) else value
    return _accept(dialogue, state.answers, question, stored, notices, today)


def skip(dialogue: Dialogue, state: State, question_id: str, today: date) -> Outcome:
    """Skip an optional question (typed 'overslaan', a skip button, an empty optional modal field)."""
    question = dialogue.question(question_id)
    if not applies(question, state.answers):
        raise KeyError(f"{question_id!r} does not apply to these answers")
    if not question.optional:
        return Refused(State(state.answers, state.current, state.suggestion), Message("error.not_optional"))
    return _accept(dialogue, state.answers, question, None, (), today)


def _accept(
    dialogue: Dialogue,
    before: Mapping[str, Value],
    question: Question,
    value: Value,
    notices: tuple[Message, ...],
    today: date,
) -> Accepted | Ended:
    answers = _prune(dialogue, {**before, question.id: value})
    answers, reopened = _recheck(dialogue, answers, question.id, today)
    state = State(answers, first_open(dialogue, answers))
    verdict = outcome(dialogue, answers)
    if verdict is not None:
        return Ended(state, verdict, notices + reopened)
    return Accepted(state, notices + reopened)


def _recheck(
    dialogue: Dialogue, answers: dict[str, Value], changed: str, today: date
) -> tuple[dict[str, Value], tuple[Message, ...]]:
    """Answers checked against the one just changed are checked again; one that fails is asked anew
    (a new ministry that was the only wish, say, or a start moved past the end), with the reason."""
    reopened: list[Message] = []
    for q in applicable(dialogue, answers):
        given = answers.get(q.id)
        rules = [r for r in checks_of(q) if changed in r.refers() and not r.advisory]
        if given is None or not rules:
            continue
        value = date.fromisoformat(given) if q.kind is Kind.DATE and isinstance(given, str) else given
        context = Context({k: v for k, v in answers.items() if k != q.id}, today)
        said = next((m for m in (r.check(value, context) for r in rules) if m is not None), None)
        if said is not None:
            answers = {k: v for k, v in answers.items() if k != q.id}
            reopened.append(said)
    return answers, tuple(reopened)


def _prune(dialogue: Dialogue, answers: dict[str, Value]) -> dict[str, Value]:
    """Drop answers to questions that no longer apply (say, 'which other ministry' after a change)."""
    return {q.id: answers[q.id] for q in applicable(dialogue, answers) if q.id in answers}
