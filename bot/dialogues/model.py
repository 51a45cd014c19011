"""How an intake is declared: a frozen list of questions. Each question is an id, a small spec of its
own kind (text, choice, date, ...), a tuple of named validators, an optional condition on earlier
answers, and whether it may be skipped. A dialogue can also declare endings: outcomes of its own
that close it early (say, "not eligible"), with the reasons drawn from the answers.

A declaration holds catalogue keys, never sentences, so one declaration serves every language and
every surface (Slack DM, modal, console). Keys a question leaves empty follow from the ids:
`<dialogue>.q.<question>` for the prompt and `<dialogue>.l.<question>` for the summary label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import ClassVar

from bot.dialogues.conditions import Condition
from bot.dialogues.validators import Validator

# Re-exported: declarations and the engine speak these too.
from bot.dialogues.values import Message as Message
from bot.dialogues.values import Ref as Ref
from bot.dialogues.values import Value as Value


class Kind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    DATE = "date"
    NUMBER = "number"
    MONTHS = "months"
    YES_NO = "yes_no"
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # catalogue key
    aliases: tuple[str, ...] = ()  # what people also type for it: abbreviations, old names, agencies
    exclusive: bool = False  # in a multi-choice: stands alone ("maakt niet uit")
    notice: str | None = None  # catalogue key, said as soon as this choice is picked
    consequence: str | None = None  # catalogue key: a reason an ending gives when this was picked


def options(prefix: str, *values: str) -> tuple[Choice, ...]:
    """Choices whose labels follow from their values: options("x.kind", "a", "b") -> x.kind.a, x.kind.b."""
    return tuple(Choice(v, f"{prefix}.{v}") for v in values)


# ---- one spec per kind ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    kind: ClassVar[Kind] = Kind.TEXT


@dataclass(frozen=True)
class Email:
    kind: ClassVar[Kind] = Kind.EMAIL


@dataclass(frozen=True)
class Phone:
    kind: ClassVar[Kind] = Kind.PHONE


@dataclass(frozen=True)
class Choose:
    """One of a list, typed (fuzzy, by number, in either language) or clicked."""

    kind: ClassVar[Kind] = Kind.CHOICE
    choices: tuple[Choice, ...]
    strip_words: tuple[str, ...] = ()  # lead-in words to ignore ("ministerie van")
    unknown_error: str | None = None  # catalogue key: a kinder refusal than the generic one


@dataclass(frozen=True)
class ChooseMany:
    kind: ClassVar[Kind] = Kind.MULTI_CHOICE
    choices: tuple[Choice, ...]
    strip_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """What a yes or a no brings with it: something said right away, and a reason for an ending."""

    notice: str | None = None
    consequence: str | None = None


@dataclass(frozen=True)
class YesNo:
    kind: ClassVar[Kind] = Kind.YES_NO
    yes: Reply = Reply()
    no: Reply = Reply()

    @property
    def choices(self) -> tuple[Choice, ...]:
        return (
            Choice("yes", "common.yes", _YES, notice=self.yes.notice, consequence=self.yes.consequence),
            Choice("no", "common.no", _NO, notice=self.no.notice, consequence=self.no.consequence),
        )


_YES = ("j", "y", "ja", "yes", "jazeker", "zeker", "ok", "klopt")
_NO = ("n", "nee", "no", "neen", "nope")


@dataclass(frozen=True)
class Date:
    kind: ClassVar[Kind] = Kind.DATE


@dataclass(frozen=True)
class Number:
    kind: ClassVar[Kind] = Kind.NUMBER
    suggestions: tuple[int, ...] = ()  # offered as buttons
    value_format: str | None = None  # catalogue key with {value}: "schaal {value}"


@dataclass(frozen=True)
class Months:
    kind: ClassVar[Kind] = Kind.MONTHS
    suggestions: tuple[int, ...] = ()


Spec = Text | Email | Phone | Choose | ChooseMany | YesNo | Date | Number | Months


@dataclass(frozen=True)
class Question:
    id: str
    spec: Spec
    checks: tuple[Validator, ...] = ()  # on top of the kind's own defaults (a check of the same name wins)
    when: Condition | None = None  # asked only when this holds for the earlier answers
    optional: bool = False  # 'overslaan' / 'skip' stores an explicit skip
    prompt: str = ""  # catalogue keys; empty: `<dialogue>.q.<id>` and `<dialogue>.l.<id>`
    label: str = ""
    # A field of the person's profile on the platform ('real_name', 'title', 'email', 'phone') that
    # answers this question at the start; the person sees it in the summary and can correct it.
    prefill: str = ""

    @property
    def kind(self) -> Kind:
        return self.spec.kind


@dataclass(frozen=True)
class Ending:
    """An outcome that closes the dialogue early, once every question its condition names has been
    answered (or does not apply): all criteria are asked before any is judged. The draft is kept; a
    changed answer can lift it. Its text is followed by the consequences of the answers given."""

    id: str
    when: Condition
    text: str = ""  # catalogue key; empty: `<dialogue>.end.<id>`


@dataclass(frozen=True)
class Dialogue:
    id: str  # "leerwerkplaats", or "<programme>/<name>" when a programme has more than one
    programme: str
    version: int
    questions: tuple[Question, ...] = ()
    endings: tuple[Ending, ...] = ()
    intro: str = ""  # catalogue keys; empty: `<dialogue>.intro` and `<dialogue>.done`
    done: str = ""
    keys: str = ""  # prefix of derived catalogue keys; empty: the id, with '/' as '.'

    def __post_init__(self) -> None:
        # Fill in the keys that follow from the ids, once, so every reader sees plain keys.
        prefix = self.keys or self.id.replace("/", ".")
        set_ = object.__setattr__  # frozen: this is still construction
        set_(self, "keys", prefix)
        set_(self, "intro", self.intro or f"{prefix}.intro")
        set_(self, "done", self.done or f"{prefix}.done")
        set_(
            self,
            "questions",
            tuple(
                replace(q, prompt=q.prompt or f"{prefix}.q.{q.id}", label=q.label or f"{prefix}.l.{q.id}")
                for q in self.questions
            ),
        )
        set_(self, "endings", tuple(replace(e, text=e.text or f"{prefix}.end.{e.id}") for e in self.endings))

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"dialogue {self.id!r} has no question {question_id!r}")

    def has(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions)


def choices_of(question: Question) -> tuple[Choice, ...]:
    spec = question.spec
    return spec.choices if isinstance(spec, Choose | ChooseMany | YesNo) else ()
