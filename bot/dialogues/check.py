"""A self-check of dialogue declarations, run at start-up and in a test: every reference resolves,
every text exists in every language, and nothing breaks the limits of the surfaces we render on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from bot.dialogues.conditions import Answer, Condition, leaves
from bot.dialogues.model import Choose, Dialogue, Kind, Months, Number, Question, choices_of
from bot.dialogues.reading import checks_of
from bot.dialogues.validators import Advised, After, InRange
from bot.i18n import CATALOGUES

# Slack Block Kit limits (api.slack.com/reference/block-kit): the tightest surface we render on.
# Every limit the declarations must respect is written here, once.
OPTION_TEXT = 75  # button text, and option text in a select menu
SELECT_OPTIONS = 100  # options in one menu
SECTION_TEXT = 3000  # text of one section block
MESSAGE_BLOCKS = 50  # blocks in one message
SUMMARY_EXTRA_BLOCKS = 4  # title, instructions, buttons, and a notice above
ENDING_EXTRA_BLOCKS = 1  # an ending's own text above the summary (its reasons are counted apiece)


Catalogues = Mapping[str, Mapping[str, str]]


def check_all(dialogues: Iterable[Dialogue], catalogues: Catalogues = CATALOGUES) -> list[str]:
    return [problem for d in dialogues for problem in check(d, catalogues)]


def check(dialogue: Dialogue, catalogues: Catalogues = CATALOGUES) -> list[str]:
    def _texts(where: str, key: str, *, limit: int) -> list[str]:
        return _texts_in(catalogues, where, key, limit=limit)

    problems: list[str] = []
    say = problems.append
    seen: dict[str, Question] = {}
    for key in (dialogue.intro, dialogue.done):
        problems += _texts(dialogue.id, key, limit=SECTION_TEXT)
    for q in dialogue.questions:
        where = f"{dialogue.id}.{q.id}"
        if q.id in seen:
            say(f"{where}: the id is used twice")
        problems += _question(where, q, seen, _texts)
        seen[q.id] = q
    for ending in dialogue.endings:
        where = f"{dialogue.id}.end.{ending.id}"
        problems += _texts(where, ending.text, limit=SECTION_TEXT)
        problems += _condition(where, "its condition", ending.when, seen)
    if len(dialogue.questions) + SUMMARY_EXTRA_BLOCKS > MESSAGE_BLOCKS:
        say(f"{dialogue.id}: too many questions for a summary in one Slack message")
    reasons = sum(1 for q in dialogue.questions for c in choices_of(q) if c.consequence)
    blocks = len(dialogue.questions) + SUMMARY_EXTRA_BLOCKS + ENDING_EXTRA_BLOCKS + reasons
    if dialogue.endings and blocks > MESSAGE_BLOCKS:
        say(f"{dialogue.id}: an ending with its reasons and summary needs {blocks} blocks; Slack allows 50")
    return problems


def _question(where: str, q: Question, seen: dict[str, Question], _texts: TextCheck) -> list[str]:
    problems = _texts(where, q.prompt, limit=SECTION_TEXT) + _texts(where, q.label, limit=OPTION_TEXT)
    say = problems.append
    spec = q.spec
    if isinstance(spec, Choose) and spec.unknown_error:
        problems += _texts(where, spec.unknown_error, limit=SECTION_TEXT)
    if isinstance(spec, Number) and spec.value_format:
        problems += _texts(where, spec.value_format, limit=OPTION_TEXT)
    choices = choices_of(q)
    if q.kind in (Kind.CHOICE, Kind.MULTI_CHOICE) and len(choices) < 2:
        say(f"{where}: a {q.kind} question needs at least two choices")
    if len(choices) > SELECT_OPTIONS:
        say(f"{where}: {len(choices)} choices; a Slack menu holds at most {SELECT_OPTIONS}")
    if len({c.value for c in choices}) != len(choices):
        say(f"{where}: two choices share a value")
    for c in choices:
        problems += _texts(f"{where}.{c.value}", c.label, limit=OPTION_TEXT)
        for extra in (c.notice, c.consequence):
            if extra:
                problems += _texts(f"{where}.{c.value}", extra, limit=SECTION_TEXT)
    if q.when is not None:
        problems += _condition(where, "its condition", q.when, seen)
    for rule in checks_of(q):
        for key in rule.texts():
            problems += _texts(f"{where} {rule.name}", key, limit=SECTION_TEXT)
        for other in rule.refers():
            if other not in seen:
                say(f"{where}: {rule.name} refers to {other!r}, which is not an earlier question")
            elif isinstance(rule, After) and seen[other].kind is not Kind.DATE:
                say(f"{where}: {rule.name} compares with {other!r}, which is not a date")
        if isinstance(rule, InRange | Advised) and rule.low > rule.high:
            say(f"{where}: {rule.name} has its low bound above its high bound")
    bounds = [r for r in checks_of(q) if isinstance(r, InRange)]
    suggestions = spec.suggestions if isinstance(spec, Number | Months) else ()
    for n in suggestions:
        if any(not r.low <= n <= r.high for r in bounds):
            say(f"{where}: suggestion {n} lies outside its own bounds")
    return problems


def _condition(where: str, what: str, condition: Condition, seen: dict[str, Question]) -> list[str]:
    problems = []
    for leaf in leaves(condition):
        earlier = seen.get(leaf.question)
        if earlier is None:
            problems.append(f"{where}: {what} refers to {leaf.question!r}, which is not an earlier question")
        elif isinstance(leaf, Answer) and not set(leaf.values) <= {c.value for c in choices_of(earlier)}:
            problems.append(f"{where}: {what} names values that {leaf.question!r} does not offer")
    return problems


class TextCheck(Protocol):
    def __call__(self, where: str, key: str, *, limit: int) -> list[str]: ...


def _texts_in(catalogues: Catalogues, where: str, key: str, *, limit: int) -> list[str]:
    problems = []
    for locale, catalogue in catalogues.items():
        text = catalogue.get(key)
        if text is None:
            problems.append(f"{where}: text {key!r} is missing in {locale}")
        elif len(text) > limit:
            problems.append(
                f"{where}: text {key!r} in {locale} is {len(text)} characters; the limit is {limit}"
            )
    return problems
