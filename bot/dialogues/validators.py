"""Named validators, Rasa style: each question carries a tuple of them, and each says in a catalogue
key what is wrong. They run on the value as read (a str, an int, a date, a list of choice values),
with the earlier answers and today's date at hand.

`min_length(2)`, `max_length(300)`, `has_letters()`, `in_range(14, 16)`, `advised(14, 16, key)`,
`not_in_past()`, `within_days(730)`, `after("start")`, `differs_from("ministry", key)`,
`looks_like_email()`, `looks_like_phone()`, `slack_or_email()`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import ClassVar

from bot.dialogues.values import Message, Value
from bot.parsing import normalise


@dataclass(frozen=True)
class Context:
    answers: Mapping[str, Value]
    today: date


@dataclass(frozen=True)
class Validator:
    """One rule. `check` returns None when the value passes, else what to say. An advisory rule keeps
    the value and says its message as a notice instead of refusing."""

    advisory: ClassVar[bool] = False

    @property
    def name(self) -> str:
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self).__name__).lower()
        args = (repr(getattr(self, f.name)) for f in fields(self) if f.name not in ("error", "notice"))
        return f"{snake}({', '.join(args)})"

    def check(self, value: object, context: Context) -> Message | None:
        raise NotImplementedError

    def refers(self) -> tuple[str, ...]:
        """Earlier questions this rule reads; the self-check holds them to exist, and a change to one
        of them checks this answer again."""
        return ()

    def texts(self) -> tuple[str, ...]:
        """Catalogue keys this rule may say, for the self-check."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name in ("error", "notice"))


# ---- text ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MinLength(Validator):
    length: int
    error: str = "error.text_short"

    def check(self, value: object, context: Context) -> Message | None:
        return Message(self.error, {"min": self.length}) if len(normalise(str(value))) < self.length else None


@dataclass(frozen=True)
class MaxLength(Validator):
    length: int
    error: str = "error.text_long"

    def check(self, value: object, context: Context) -> Message | None:
        text = str(value)
        return (
            Message(self.error, {"max": self.length, "length": len(text)})
            if len(text) > self.length
            else None
        )


@dataclass(frozen=True)
class HasLetters(Validator):
    """Something to read: not only emoji, punctuation or symbols."""

    error: str = "error.no_letters"

    def check(self, value: object, context: Context) -> Message | None:
        return None if any(ch.isalnum() for ch in str(value)) else Message(self.error)


_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[a-z]{2,}", re.IGNORECASE)
_SLACK_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]{2,80}", re.IGNORECASE)


@dataclass(frozen=True)
class LooksLikeEmail(Validator):
    error: str = "error.email"

    def check(self, value: object, context: Context) -> Message | None:
        return None if _EMAIL.fullmatch(str(value)) else Message(self.error, {"answer": str(value)})


@dataclass(frozen=True)
class LooksLikePhone(Validator):
    """A Dutch number (10 digits from 0) or an international one (+, 8 to 15 digits)."""

    error: str = "error.phone"

    def check(self, value: object, context: Context) -> Message | None:
        text = str(value)
        digits = re.sub(r"\D", "", text)
        dutch = text.startswith("0") and len(digits) == 10
        international = text.startswith("+") and 8 <= len(digits) <= 15
        return None if dutch or international else Message(self.error, {"answer": text})


@dataclass(frozen=True)
class SlackOrEmail(Validator):
    """Someone to reach: a Slack name (@name, or the mention Slack makes of it) or an e-mail address."""

    error: str = "error.slack_or_email"

    def check(self, value: object, context: Context) -> Message | None:
        text = str(value).strip()
        if _SLACK_MENTION.fullmatch(text) or _EMAIL.fullmatch(text):
            return None
        return Message(self.error, {"answer": text})


# ---- numbers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InRange(Validator):
    low: int
    high: int
    error: str = "error.number_range"

    def check(self, value: object, context: Context) -> Message | None:
        if isinstance(value, int) and not self.low <= value <= self.high:
            return Message(self.error, {"min": self.low, "max": self.high, "answer": value})
        return None


@dataclass(frozen=True)
class Advised(Validator):
    """Outside the advised range the answer is kept, with a word of advice."""

    advisory: ClassVar[bool] = True
    low: int
    high: int
    notice: str

    def check(self, value: object, context: Context) -> Message | None:
        if isinstance(value, int) and not self.low <= value <= self.high:
            return Message(self.notice, {"value": value})
        return None


# ---- dates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotInPast(Validator):
    error: str = "error.date_past"

    def check(self, value: object, context: Context) -> Message | None:
        if isinstance(value, date) and value < context.today:
            return Message(self.error, {"date": value})
        return None


@dataclass(frozen=True)
class WithinDays(Validator):
    days: int
    error: str = "error.date_far"

    def check(self, value: object, context: Context) -> Message | None:
        latest = context.today + timedelta(days=self.days)
        return Message(self.error, {"date": latest}) if isinstance(value, date) and value > latest else None


@dataclass(frozen=True)
class After(Validator):
    """Not before the date answered to `question` (an end after its start)."""

    question: str
    error: str = "error.date_order"

    def check(self, value: object, context: Context) -> Message | None:
        earlier = context.answers.get(self.question)
        if isinstance(value, date) and isinstance(earlier, str) and value < date.fromisoformat(earlier):
            return Message(self.error, {"date": date.fromisoformat(earlier)})
        return None

    def refers(self) -> tuple[str, ...]:
        return (self.question,)


# ---- across answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffersFrom(Validator):
    """Holds something other than the answer to `question` (a wish beyond the own ministry)."""

    question: str
    error: str = "error.differs"

    def check(self, value: object, context: Context) -> Message | None:
        own = context.answers.get(self.question)
        chosen = value if isinstance(value, list) else [value]
        return Message(self.error) if own is not None and all(v == own for v in chosen) else None

    def refers(self) -> tuple[str, ...]:
        return (self.question,)


# ---- the words declarations use ------------------------------------------------------------------


def min_length(n: int, error: str = "error.text_short") -> MinLength:
    return MinLength(n, error)


def max_length(n: int, error: str = "error.text_long") -> MaxLength:
    return MaxLength(n, error)


def has_letters(error: str = "error.no_letters") -> HasLetters:
    return HasLetters(error)


def looks_like_email(error: str = "error.email") -> LooksLikeEmail:
    return LooksLikeEmail(error)


def looks_like_phone(error: str = "error.phone") -> LooksLikePhone:
    return LooksLikePhone(error)


def slack_or_email(error: str = "error.slack_or_email") -> SlackOrEmail:
    return SlackOrEmail(error)


def in_range(low: int, high: int, error: str = "error.number_range") -> InRange:
    return InRange(low, high, error)


def advised(low: int, high: int, notice: str) -> Advised:
    return Advised(low, high, notice)


def not_in_past(error: str = "error.date_past") -> NotInPast:
    return NotInPast(error)


def within_days(days: int, error: str = "error.date_far") -> WithinDays:
    return WithinDays(days, error)


def after(question: str, error: str = "error.date_order") -> After:
    return After(question, error)


def differs_from(question: str, error: str = "error.differs") -> DiffersFrom:
    return DiffersFrom(question, error)
