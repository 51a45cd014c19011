"""How an intake is declared: a frozen list of questions, each with its kind, choices and checks.

A declaration holds catalogue keys, never sentences, so one declaration serves every language and
every surface (Slack DM, modal, console).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    NUMBER = "number"
    MONTHS = "months"
    YES_NO = "yes_no"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # catalogue key
    aliases: tuple[str, ...] = ()  # what people also type for it: abbreviations, old names, agencies
    exclusive: bool = False  # in a multi-choice: stands alone ("maakt niet uit")
    notice: str | None = None  # catalogue key, shown when this choice is picked


@dataclass(frozen=True)
class Condition:
    """The question is asked only when an earlier answer is (or, for a list, contains) one of `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    prompt: str  # catalogue key
    label: str  # catalogue key: the short name in the summary
    choices: tuple[Choice, ...] = ()
    when: Condition | None = None
    min_value: int | None = None  # NUMBER, MONTHS: outside is refused
    max_value: int | None = None
    advised: tuple[int, int] | None = None  # NUMBER: outside is kept, with `advice` shown
    advice: str | None = None  # catalogue key
    suggestions: tuple[int, ...] = ()  # NUMBER, MONTHS: offered as buttons
    min_length: int = 2  # TEXT
    max_length: int = 300  # TEXT
    min_days_ahead: int | None = None  # DATE, relative to today in Europe/Amsterdam
    max_days_ahead: int | None = None
    differs_from: str | None = None  # MULTI_CHOICE: must hold a value other than this answer
    differs_error: str | None = None  # catalogue key
    strip_words: tuple[str, ...] = ()  # CHOICE: lead-in words to ignore ("ministerie van")
    unknown_error: str | None = None  # catalogue key: a kinder refusal than the generic one
    value_format: str | None = None  # catalogue key with {value}: "schaal {value}"


@dataclass(frozen=True)
class Dialogue:
    id: str
    programme: str
    version: int
    intro: str  # catalogue keys
    done: str
    questions: tuple[Question, ...] = field(default=())

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"dialogue {self.id!r} has no question {question_id!r}")

    def has(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions)


YES_NO_CHOICES = (
    Choice("yes", "common.yes", aliases=("j", "y", "ja", "yes", "jazeker", "zeker", "ok")),
    Choice("no", "common.no", aliases=("n", "nee", "no", "neen")),
)


def choices_of(question: Question) -> tuple[Choice, ...]:
    return YES_NO_CHOICES if question.kind is Kind.YES_NO else question.choices
