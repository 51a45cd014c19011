"""A self-check of dialogue declarations, run at start-up and in a test: every reference resolves,
every text exists in every language, and nothing breaks the limits of the surfaces we render on."""

from __future__ import annotations

from collections.abc import Iterable

from bot.dialogues.model import Dialogue, Kind, Question, choices_of
from bot.i18n import CATALOGUES

# Slack Block Kit limits (api.slack.com/reference/block-kit): the tightest surface we render on.
OPTION_TEXT = 75  # button text, and option text in a select menu
SELECT_OPTIONS = 100
SECTION_TEXT = 3000
MESSAGE_BLOCKS = 50
SUMMARY_EXTRA_BLOCKS = 4  # title, instructions, buttons, and a notice above


def check_all(dialogues: Iterable[Dialogue]) -> list[str]:
    return [problem for d in dialogues for problem in check(d)]


def check(dialogue: Dialogue) -> list[str]:
    problems: list[str] = []
    say = problems.append
    seen: dict[str, Question] = {}
    for key in (dialogue.intro, dialogue.done):
        problems += _texts(dialogue.id, key, limit=SECTION_TEXT)
    for q in dialogue.questions:
        where = f"{dialogue.id}.{q.id}"
        if q.id in seen:
            say(f"{where}: the id is used twice")
        problems += _texts(where, q.prompt, limit=SECTION_TEXT) + _texts(where, q.label, limit=OPTION_TEXT)
        for extra in (q.advice, q.differs_error):
            if extra:
                problems += _texts(where, extra, limit=SECTION_TEXT)
        choices = choices_of(q)
        if q.kind in (Kind.CHOICE, Kind.MULTI_CHOICE) and len(choices) < 2:
            say(f"{where}: a {q.kind} question needs at least two choices")
        if len(choices) > SELECT_OPTIONS:
            say(f"{where}: {len(choices)} choices; a Slack menu holds at most {SELECT_OPTIONS}")
        if len({c.value for c in choices}) != len(choices):
            say(f"{where}: two choices share a value")
        for c in choices:
            problems += _texts(f"{where}.{c.value}", c.label, limit=OPTION_TEXT)
            if c.notice:
                problems += _texts(f"{where}.{c.value}", c.notice, limit=SECTION_TEXT)
        if q.when is not None:
            earlier = seen.get(q.when.question)
            if earlier is None:
                say(f"{where}: its condition refers to {q.when.question!r}, which is not an earlier question")
            elif not set(q.when.values) <= {c.value for c in choices_of(earlier)}:
                say(f"{where}: its condition names values that {q.when.question!r} does not offer")
        if q.differs_from is not None and q.differs_from not in seen:
            say(f"{where}: differs_from refers to {q.differs_from!r}, which is not an earlier question")
        low, high = q.min_value, q.max_value
        if low is not None and high is not None and low > high:
            say(f"{where}: min_value is above max_value")
        for n in q.suggestions:
            if (low is not None and n < low) or (high is not None and n > high):
                say(f"{where}: suggestion {n} lies outside its own bounds")
        seen[q.id] = q
    if len(dialogue.questions) + SUMMARY_EXTRA_BLOCKS > MESSAGE_BLOCKS:
        say(f"{dialogue.id}: too many questions for a summary in one Slack message")
    return problems


def _texts(where: str, key: str, *, limit: int) -> list[str]:
    problems = []
    for locale, catalogue in CATALOGUES.items():
        text = catalogue.get(key)
        if text is None:
            problems.append(f"{where}: text {key!r} is missing in {locale}")
        elif len(text) > limit:
            problems.append(
                f"{where}: text {key!r} in {locale} is {len(text)} characters; the limit is {limit}"
            )
    return problems
