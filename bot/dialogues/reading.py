"""Reading what a person gives for one question, by its kind: typed text in Dutch or English (fuzzy
choices, dates, numbers, months) or exact values from a button or a menu. Pure; validators run after.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from rapidfuzz import fuzz

from bot.dialogues.model import Choice, Choose, ChooseMany, Kind, Question, Spec, YesNo, choices_of
from bot.dialogues.validators import (
    Validator,
    has_letters,
    looks_like_email,
    looks_like_phone,
    max_length,
    min_length,
)
from bot.dialogues.values import Message, Ref
from bot.i18n import all_texts, keywords
from bot.parsing import impossible_day, normalise, parse_date, parse_months, parse_number

# Fuzzy thresholds (rapidfuzz WRatio, 0-100): sure enough to take it, or close enough to ask.
SURE = 88
CLOSE = 65
MARGIN = 8
MAX_CANDIDATES = 5

# What every question of a kind checks unless it declares its own rule of the same name.
DEFAULT_CHECKS: dict[Kind, tuple[Validator, ...]] = {
    Kind.TEXT: (max_length(300), has_letters(), min_length(2)),
    Kind.EMAIL: (max_length(254), looks_like_email()),
    Kind.PHONE: (looks_like_phone(),),
}


def checks_of(question: Question) -> tuple[Validator, ...]:
    """The kind's defaults, each replaced by a declared rule of its type, then the other declared rules."""
    declared = {type(v): v for v in question.checks}
    defaults = DEFAULT_CHECKS.get(question.kind, ())
    merged = [declared.get(type(d), d) for d in defaults]
    return (*merged, *(v for v in question.checks if v not in merged))


@dataclass(frozen=True)
class Candidates:
    """Not sure which choice is meant: these are close ("bedoel je ...?"); none when nothing is."""

    values: tuple[str, ...]


Value = str | int | date | list[str]  # as read, before it is stored
Read = tuple[Value, tuple[Message, ...]] | Message | Candidates


def read(question: Question, given: str | Sequence[str], suggestion: tuple[str, ...], today: date) -> Read:
    if not isinstance(given, str):
        return _read_values(question, list(given), suggestion, today)
    text = given.strip()
    if not text:
        return Message("error.required")
    match question.kind:
        case Kind.TEXT:
            return text, ()
        case Kind.EMAIL:
            return _email(text), ()
        case Kind.PHONE:
            return _phone(text), ()
        case Kind.CHOICE | Kind.YES_NO:
            return _read_choice(question, text, suggestion)
        case Kind.MULTI_CHOICE:
            return _read_multi(question, text)
        case Kind.NUMBER:
            number = parse_number(text)
            if number is None:
                number = _in_its_own_words(question.spec, text)
            return _number(number, "error.number", text)
        case Kind.MONTHS:
            return _number(parse_months(text), "error.months", text)
        case Kind.DATE:
            parsed = parse_date(text, today)
            if parsed:
                return parsed, ()
            if (impossible := impossible_day(text)) is not None:  # "31 februari": say what is wrong
                return Message(
                    "error.date_impossible", {"day": impossible[0], "month": Ref(f"month.{impossible[1]}")}
                )
            return Message("error.date", {"answer": text})
    raise AssertionError(f"no reader for {question.kind!r}")  # every kind is matched above


def _read_values(question: Question, values: list[str], suggestion: tuple[str, ...], today: date) -> Read:
    """Exact values from a button or a menu: still checked, since a stale or forged click can carry any."""
    if question.kind in (Kind.CHOICE, Kind.YES_NO):
        if len(values) != 1:
            return Message("error.required")
        choice = choice_of(question, values[0])
        return (choice.value, notices_of([choice])) if choice else Message("error.stale")
    if question.kind is Kind.MULTI_CHOICE:
        chosen = [c for c in (choice_of(question, v) for v in values) if c is not None]
        if len(chosen) != len(values):
            return Message("error.stale")
        return _check_multi(question, chosen)
    return read(question, values[0] if len(values) == 1 else "", suggestion, today)


def choice_of(question: Question, value: str) -> Choice | None:
    return next((c for c in choices_of(question) if c.value == value), None)


def notices_of(chosen: Sequence[Choice]) -> tuple[Message, ...]:
    return tuple(Message(c.notice) for c in chosen if c.notice)


_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$", re.IGNORECASE)  # how Slack sends a typed address


def _email(text: str) -> str:
    match = _MAILTO.match(text)
    return (match.group(1) if match else text.strip("<>")).strip()


def _phone(text: str) -> str:
    """'06-12 34 56 78', '+31 (0)6 1234 5678', '0031 6 ...': digits, with a '+' for international."""
    text = text.replace("(0)", "") if text.lstrip().startswith("+") else text
    digits = re.sub(r"[\s\-./()]", "", text)
    return "+" + digits[2:] if digits.startswith("00") else digits


def _in_its_own_words(spec: Spec, text: str) -> int | None:
    """A number typed as the bot writes it back: "8 dagen", "12 medewerkers", "4 uur per week"."""
    value_format = getattr(spec, "value_format", None)
    if not value_format:
        return None
    said = normalise(text)
    for pattern in _formats(value_format):
        if (match := pattern.fullmatch(said)) is not None:
            return parse_number(match["value"])
    return None


@cache
def _formats(key: str) -> tuple[re.Pattern[str], ...]:
    """The value formats of a key in every language, as patterns with the number in the middle. Of
    the words after the number, the first is enough: "8 uur" for "{value} uur per week"."""
    patterns = []
    for template in all_texts(key):
        if "{value}" not in template:
            continue
        before, _, after = normalise(template.replace("{value}", "VALUE")).partition("value")
        words = after.split()
        tail = "".join(f"(?: {re.escape(w)}" for w in words[1:]) + ")?" * len(words[1:])
        unit = f" {re.escape(words[0])}{tail}" if words else ""
        patterns.append(re.compile(re.escape(before) + "(?P<value>.+?)" + unit))
    return tuple(patterns)


def _number(number: int | None, error: str, text: str) -> Read:
    return (number, ()) if number is not None else Message(error, {"answer": text})


def _read_choice(question: Question, text: str, suggestion: tuple[str, ...]) -> Read:
    word = normalise(text)
    if word in keywords("keyword.no"):
        # 'nee' is no choice (unless one is called that): not a fuzzy 'Een andere vorm', and after
        # "bedoel je ...?" a no brings back the whole list instead of asking the same again.
        exact = next((c for c, names in _names(question.spec) if word in names), None)
        if exact is not None:
            return exact.value, notices_of([exact])
        return Message(
            "error.choice_none_of_these" if suggestion else "error.choice_unknown", {"answer": text}
        )
    # After "bedoel je ...?" only the candidates are listed: 'ja' takes a lone one, a number counts in them.
    picked = None
    if suggestion and word in keywords("keyword.yes") and len(suggestion) == 1:
        picked = suggestion[0]
    elif suggestion and word.isdecimal():
        if not 1 <= int(word) <= len(suggestion):
            return Message("error.choice_number", {"max": len(suggestion)})
        picked = suggestion[int(word) - 1]
    choice = choice_of(question, picked) if picked else None
    if choice:
        return choice.value, notices_of([choice])
    found = _resolve(question, text)
    if isinstance(found, Choice):
        return found.value, notices_of([found])
    several = _several(question, text)  # "beleid en uitvoering" where one is asked: which one?
    if several:
        return Candidates(tuple(dict.fromkeys(c.value for c in several)))
    if found.values:
        return found
    unknown = question.spec.unknown_error if isinstance(question.spec, Choose) else None
    return Message(unknown or "error.choice_unknown", {"answer": text})


def _strip_words(spec: Spec) -> tuple[str, ...]:
    return spec.strip_words if isinstance(spec, Choose | ChooseMany) else ()


def _resolve(question: Question, text: str) -> Choice | Candidates:
    """The choice meant by `text`: exact, by its number in the list, or fuzzy; else close candidates."""
    word = _strip_lead_in(_strip_words(question.spec), normalise(text))
    choices = choices_of(question)
    if word.isdecimal() and 1 <= int(word) <= len(choices):
        return choices[int(word) - 1]
    table = _names(question.spec)
    for choice, names in table:
        if word in names:
            return choice
    scored = sorted(((_score(word, names), choice) for choice, names in table), key=lambda pair: -pair[0])
    best = scored[0][0] if scored else 0
    runner_up = scored[1][0] if len(scored) > 1 else 0
    if best >= SURE and best - runner_up >= MARGIN:
        return scored[0][1]
    if best < CLOSE:
        return Candidates(())
    return Candidates(tuple(c.value for s, c in scored[:MAX_CANDIDATES] if s >= max(CLOSE, best - 15)))


def _strip_lead_in(lead_ins: tuple[str, ...], word: str) -> str:
    """'ministerie van financien' -> 'financien'; the declaration says which words lead in."""
    changed = True
    while changed:
        changed = False
        for lead in lead_ins:
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
def _names(spec: Spec) -> tuple[tuple[Choice, frozenset[str]], ...]:
    """Every normalised name a choice goes by: its value, aliases and label in each language."""
    choices = spec.choices if isinstance(spec, Choose | ChooseMany | YesNo) else ()
    return tuple(
        (c, frozenset(normalise(n) for n in (c.value, *c.aliases, *all_texts(c.label)) if normalise(n)))
        for c in choices
    )


_STRONG_SEPARATORS = re.compile(r"[,;/\n]+")
_ANSWER_SEPARATORS = re.compile(r"[;\n]+")
_WORD_SEPARATORS = re.compile(r"\s+(?:en|and|of|or)\s+", re.IGNORECASE)


def _several(question: Question, text: str) -> list[Choice]:
    """Two or more choices named in one answer ("beleid en uitvoering"), each recognised for sure."""
    parts = (p for strong in _STRONG_SEPARATORS.split(text) for p in _WORD_SEPARATORS.split(strong))
    pieces = [p.strip() for p in parts]
    found = [_resolve(question, p) for p in pieces if p]
    chosen = [c for c in found if isinstance(c, Choice)]
    return chosen if len(found) > 1 and len(chosen) == len(found) else []


def _read_multi(question: Question, text: str) -> Read:
    whole = _resolve(question, text)
    if isinstance(whole, Choice) and normalise(text) in dict(_names(question.spec))[whole]:
        return _check_multi(question, [whole])
    chosen: list[Choice] = []
    unknown: list[str] = []
    parts: list[str] = []
    # ';' and new lines separate answers; a piece between them that names a choice exactly stays
    # whole, so a label with a comma in it ("Onderwijs, Cultuur en Wetenschap (OCW)") is one answer.
    for piece in (p.strip() for p in _ANSWER_SEPARATORS.split(text)):
        exact = _resolve(question, piece) if piece else None
        if isinstance(exact, Choice) and normalise(piece) in dict(_names(question.spec))[exact]:
            chosen.append(exact)
        else:
            parts.extend(_STRONG_SEPARATORS.split(piece))
    for part in (p.strip() for p in parts):
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
    return _check_multi(question, chosen)


def _check_multi(question: Question, chosen: list[Choice]) -> Read:
    if not chosen:
        return Message("error.required")
    order = {c.value: i for i, c in enumerate(choices_of(question))}
    unique = sorted({c.value: c for c in chosen}.values(), key=lambda c: order[c.value])
    exclusive = [c for c in unique if c.exclusive]
    if exclusive and len(unique) > 1:
        return Message("error.multi_exclusive", {"label": Ref(exclusive[0].label)})
    return [c.value for c in unique], notices_of(unique)
