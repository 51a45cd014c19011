"""Message catalogues (Dutch first, English second) and the translator that fills them in.

Every sentence a user sees lives here. The core hands raw text to every surface; each renderer escapes
for its own medium (Slack's mrkdwn in handlers/render.py, nothing in the console or in plain_text).
A translator can still be given an escaper for a surface that wants escaped parameters; text it
produced itself is then marked ``Safe``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from string import Formatter

from bot.clock import AMSTERDAM
from bot.i18n import en, nl

DEFAULT_LOCALE = "nl"
CATALOGUES: Mapping[str, Mapping[str, str]] = {"nl": nl.MESSAGES, "en": en.MESSAGES}
LOCALES: tuple[str, ...] = tuple(CATALOGUES)


class Safe(str):
    """Text that is already fit for the surface: translated catalogue text, not raw user input."""

    __slots__ = ()


def no_escape(text: str) -> str:
    return text


def normalise_locale(value: str | None) -> str | None:
    """'en-US', 'EN', 'english', 'engels' -> 'en'; None for anything we don't speak."""
    if not value:
        return None
    head = value.strip().lower().replace("_", "-").split("-")[0]
    aliases = {"nederlands": "nl", "dutch": "nl", "english": "en", "engels": "en"}
    head = aliases.get(head, head)
    return head if head in CATALOGUES else None


class Translator:
    def __init__(self, locale: str = DEFAULT_LOCALE, escape: Callable[[str], str] = no_escape) -> None:
        self.locale = locale if locale in CATALOGUES else DEFAULT_LOCALE
        self._escape = escape

    def escape(self, text: str) -> Safe:
        return text if isinstance(text, Safe) else Safe(self._escape(text))

    def t(self, key: str, **params: object) -> Safe:
        template = CATALOGUES[self.locale].get(key)
        if template is None:
            template = CATALOGUES[DEFAULT_LOCALE][key]  # a missing key is a bug; a test keeps them equal
        safe = {k: self.escape(v) if isinstance(v, str) else v for k, v in params.items()}
        return Safe(template.format(**safe))

    def has(self, key: str) -> bool:
        return key in CATALOGUES[self.locale] or key in CATALOGUES[DEFAULT_LOCALE]

    def date(self, value: date) -> Safe:
        return self.t("date.format", day=value.day, month=self.t(f"month.{value.month}"), year=value.year)

    def datetime(self, value: datetime) -> Safe:
        local = value.astimezone(AMSTERDAM)
        return self.t("datetime.format", date=self.date(local.date()), time=f"{local:%H:%M}")

    def join(self, items: list[str]) -> Safe:
        """'a, b en c' / 'a, b and c'."""
        escaped = [self.escape(i) for i in items]
        if len(escaped) <= 1:
            return Safe("".join(escaped))
        return self.t("list.join", head=Safe(", ".join(escaped[:-1])), last=escaped[-1])


def all_texts(key: str) -> tuple[str, ...]:
    """The text of one key in every locale; used to recognise what a person types in either language."""
    return tuple(dict.fromkeys(c[key] for c in CATALOGUES.values() if key in c))


@cache
def keywords(key: str) -> frozenset[str]:
    """Command words such as 'terug' or 'back': in any locale, so a switch of language never traps anyone."""
    return frozenset(w.strip().lower() for text in all_texts(key) for w in text.split("|") if w.strip())


def placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in Formatter().parse(template) if name)
