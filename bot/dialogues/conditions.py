"""Conditions on earlier answers, which combine: `When.answer("q", "a", "b")`, `all_(...)`,
`any_(...)`, `not_(...)`. A question with a condition is asked only when it holds; an ending closes
the dialogue when its condition holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.dialogues.values import Value


@dataclass(frozen=True)
class Answer:
    """The answer to `question` is one of `values` (for a multi-choice: contains one of them)."""

    question: str
    values: tuple[str, ...]

    def holds(self, answers: Mapping[str, Value]) -> bool:
        given = answers.get(self.question)
        if isinstance(given, list):
            return any(v in self.values for v in given)
        return given in self.values

    def names(self) -> frozenset[str]:
        return frozenset((self.question,))


@dataclass(frozen=True)
class Given:
    """`question` has an answer, and was not skipped."""

    question: str

    def holds(self, answers: Mapping[str, Value]) -> bool:
        return answers.get(self.question) is not None

    def names(self) -> frozenset[str]:
        return frozenset((self.question,))


@dataclass(frozen=True)
class All:
    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Value]) -> bool:
        return all(c.holds(answers) for c in self.conditions)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(c.names() for c in self.conditions))


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def holds(self, answers: Mapping[str, Value]) -> bool:
        return any(c.holds(answers) for c in self.conditions)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(c.names() for c in self.conditions))


@dataclass(frozen=True)
class Not:
    condition: Condition

    def holds(self, answers: Mapping[str, Value]) -> bool:
        return not self.condition.holds(answers)

    def names(self) -> frozenset[str]:
        return self.condition.names()


Condition = Answer | Given | All | AnyOf | Not


def leaves(condition: Condition) -> tuple[Answer | Given, ...]:
    """The simple conditions a combination is made of, for the self-check."""
    if isinstance(condition, Answer | Given):
        return (condition,)
    if isinstance(condition, Not):
        return leaves(condition.condition)
    return tuple(leaf for c in condition.conditions for leaf in leaves(c))


class When:
    """The words declarations use: `When.answer("ministry", "other")`, `When.given("reference")`."""

    @staticmethod
    def answer(question: str, *values: str) -> Answer:
        return Answer(question, values)

    @staticmethod
    def given(question: str) -> Given:
        return Given(question)


def all_(*conditions: Condition) -> All:
    return All(conditions)


def any_(*conditions: Condition) -> AnyOf:
    return AnyOf(conditions)


def not_(condition: Condition) -> Not:
    return Not(condition)
