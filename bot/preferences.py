"""Which kinds of message a person wants the bot to start on its own, and how they say so.

Every notice belongs to a kind (`bot.outbox.kind_of`); the outbox drops a notice whose kind its
recipient turned off, at send time, so a switch also reaches what is already queued. The words come
from the catalogues in both languages at once, as every command word does (`bot.intents`):

    meldingen                      how each kind stands (buttons to switch each, in Slack)
    meldingen uit / aan            every kind off / on
    meldingen herinneringen uit    one kind (or several: meldingen seintjes deadlines uit)
    herinneringen uit              the same, without 'meldingen'
    notifications reminders off    in English
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.i18n import Safe, Translator, keywords
from bot.intents import word
from bot.parsing import normalise
from bot.views import Act, Button, Screen

# The kinds, in the order a person sees them. Other modules name them by these strings.
KINDS: tuple[str, ...] = ("nudges", "reminders", "deadlines", "checkins", "broadcasts")
# A typed kind this close to a kind's word (rapidfuzz, 0-100) is that kind; closer than CLOSE, we ask.
SURE = 88
CLOSE = 65
_FILLER = frozenset({"en", "and", "&", "de", "the", "mijn", "my"})


@dataclass(frozen=True)
class Asked:
    """What a `meldingen` command asks. `kinds` empty: every kind. `on` None: only show how they stand.
    `unknown`: a word we could not place (nothing changes then); `guess`: a kind close to it."""

    kinds: tuple[str, ...] = ()
    on: bool | None = None
    unknown: str = ""
    guess: str | None = None


def kind_words(kind: str) -> frozenset[str]:
    return keywords(f"keyword.kind.{kind}")


def _kind(token: str) -> str | None:
    return next((k for k in KINDS if token in kind_words(k)), None)


def _closest(token: str) -> tuple[float, str]:
    return max((fuzz.ratio(token, w), kind) for kind in KINDS for w in kind_words(kind))


def read(text: str, *, bare: bool = False, strict: bool = False) -> Asked | None:
    """The `meldingen` command in `text`, or None when the text is about something else. `bare`: a
    kind's name alone ('/ruil herinneringen') asks too. `strict`: the text may be an answer to a
    question ('Meldingen openbare ruimte', 'Berichten uit de praktijk'), so a word we cannot place
    makes it one, unless it reads as a command all the same ('meldingen pizza uit')."""
    tokens = [t for t in (normalise(t) for t in word(text).split()) if t]
    if not tokens:
        return None
    switched = any(_switch(t) is not None for t in tokens[1:])
    if tokens[0] in keywords("keyword.notifications"):
        rest, lenient = tokens[1:], not strict or switched
    elif _kind(tokens[0]) is not None and (bare or switched):
        rest, lenient = tokens, not strict  # 'herinneringen uit'
    else:
        return None
    kinds: list[str] = []
    switches: set[bool] = set()
    for token in rest:
        if token in _FILLER or token in keywords("keyword.all"):
            continue
        if (switch := _switch(token)) is not None:
            switches.add(switch)
            continue
        kind = _kind(token)
        if kind is None:
            score, close = _closest(token)
            if score < SURE:
                return Asked(unknown=token, guess=close if score >= CLOSE else None) if lenient else None
            kind = close  # a typo of a kind's name
        if kind not in kinds:
            kinds.append(kind)
    if len(switches) > 1:  # 'aan uit'
        return Asked(unknown=" ".join(rest)) if lenient else None
    return Asked(tuple(k for k in KINDS if k in kinds), switches.pop() if switches else None)


def _switch(token: str) -> bool | None:
    if token in keywords("keyword.on"):
        return True
    if token in keywords("keyword.off"):
        return False
    return None


def button_value(kind: str, on: bool) -> str:
    """What a switch button carries: the kind and the state it switches to."""
    return f"{kind}:{'on' if on else 'off'}"


def from_button(value: str) -> tuple[str, bool] | None:
    kind, _, state = value.partition(":")
    if kind not in KINDS or state not in ("on", "off"):
        return None
    return kind, state == "on"


def lines(t: Translator, wants: Mapping[str, bool]) -> tuple[Safe, ...]:
    """A line per kind: what it is, and whether it is on."""
    return tuple(
        t.t(
            "preferences.row",
            kind=t.t(f"preferences.kind.{kind}"),
            about=t.t(f"preferences.about.{kind}"),
            state=t.t("preferences.on" if wants[kind] else "preferences.off"),
        )
        for kind in KINDS
    )


def buttons(t: Translator, wants: Mapping[str, bool]) -> tuple[Button, ...]:
    """A button per kind that switches it the other way."""
    return tuple(
        Button(
            Act.NOTIFICATIONS,
            t.t(
                "preferences.turn_off" if wants[kind] else "preferences.turn_on",
                kind=t.t(f"preferences.kind.{kind}"),
            ),
            None if wants[kind] else "primary",
            value=button_value(kind, not wants[kind]),
        )
        for kind in KINDS
    )


def screen(
    t: Translator, asked: Asked, wants: Mapping[str, bool], *, console: bool, changed: Sequence[str] = ()
) -> Screen:
    """The answer to `meldingen ...`: what changed (if anything), then how every kind stands."""
    head: list[Safe] = []
    if asked.unknown:
        key = "preferences.guess" if asked.guess else "preferences.unknown"
        guess = t.t(f"preferences.kind.{asked.guess}") if asked.guess else ""
        word_for = t.t(f"preferences.word.{asked.guess}") if asked.guess else ""
        head.append(t.t(key, text=asked.unknown, kind=guess, word=word_for))
    elif changed:
        names: list[str] = [t.t(f"preferences.kind.{k}") for k in changed]
        state = "on" if asked.on else "off"
        every = len(changed) == len(KINDS)
        head.append(
            t.t(f"preferences.all_{state}") if every else t.t(f"preferences.now_{state}", kinds=t.join(names))
        )
    body = (t.t("preferences.title"), "\n".join(lines(t, wants)))
    return Screen(
        lines=(*head, *body),
        buttons=() if console else buttons(t, wants),
        typing=t.t("preferences.typing_words", words=_every_word(t))
        if asked.unknown
        else t.t("preferences.typing"),
        changed=bool(changed),
    )


def _every_word(t: Translator) -> str:
    """The word to type for each kind, in the person's language first."""
    return ", ".join(t.t(f"preferences.word.{kind}") for kind in KINDS)
