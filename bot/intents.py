"""One table of command words, used everywhere a person can type: in a conversation (Slack DM,
console) and after a slash command. Words live in the catalogues (`keyword.*`), in every language at
once, so a switch of language never traps anyone; this module decides how typed text is read.

A slash command's text is read into a `Command`: what to do (an intent), and with which programme's
dialogue, found by any recognisable name or abbreviation (rapidfuzz, as the engine does for choices).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from bot.dialogues.model import Dialogue
from bot.i18n import all_texts, keywords
from bot.parsing import clean, normalise
from bot.programmes import Catalogue


class Intent(StrEnum):
    START = "start"
    HELP = "help"
    STATUS = "status"
    STOP = "stop"
    BACK = "back"
    NEXT = "next"
    SUMMARY = "summary"
    YES = "yes"
    NO = "no"
    EDIT = "edit"
    FORM = "form"  # fill it in as a form (a Slack modal)
    WAITLIST = "waitlist"  # after the deadline: register for the waitlist
    LANGUAGE = "language"


# Intent -> the catalogue key of its words. Checked in this order where words could overlap.
WORDS: Mapping[Intent, str] = {
    Intent.BACK: "keyword.back",
    Intent.STOP: "keyword.stop",
    Intent.HELP: "keyword.help",
    Intent.STATUS: "keyword.status",
    Intent.START: "keyword.start",
    Intent.YES: "keyword.yes",
    Intent.NO: "keyword.no",
    Intent.EDIT: "keyword.edit",
    Intent.SUMMARY: "keyword.summary",
    Intent.NEXT: "keyword.next",
    Intent.FORM: "keyword.form",
    Intent.WAITLIST: "keyword.waitlist",
}
# What may follow a programme's name after a slash command: `/ruil leerwerkplaats status`.
COMMAND_INTENTS = (Intent.START, Intent.HELP, Intent.STATUS, Intent.STOP, Intent.FORM, Intent.WAITLIST)
# The slash commands, and the programme each one is about (None: any).
COMMANDS: Mapping[str, str | None] = {
    "/ruil": None,
    "/peer": "peer-to-peer",
    "/regel": "regels-naar-ruimte",
    "/sessies": None,  # sessions and events (bot/sessions.py), across programmes
}

_LANGUAGE = re.compile(r"^(?:taal|language|lang)\s+(\S+)$", re.IGNORECASE)
# Fuzzy thresholds for programme names (rapidfuzz, 0-100), as for choices in bot/dialogues/reading.py.
SURE = 88
CLOSE = 65


def word(text: str) -> str:
    """Typed text as a command word: folded, without edge punctuation ('?' stays '?')."""
    return normalise(text) or " ".join(text.split()).lower()


def intent(text: str, among: Sequence[Intent] = tuple(WORDS)) -> Intent | None:
    """The intent `text` says in so many words, if any."""
    said = word(text)
    return next((i for i in among if said in keywords(WORDS[i])), None)


def notifications(text: str) -> tuple[bool, bool | None] | None:
    """'meldingen' -> (True, None): how they stand; 'meldingen uit' -> (True, False); 'meldingen
    aan' -> (True, True); None when the text is about something else."""
    words = word(text).split()
    if not words or words[0] not in keywords("keyword.notifications") or len(words) > 2:
        return None
    if len(words) == 1:
        return True, None
    if words[1] in keywords("keyword.on"):
        return True, True
    if words[1] in keywords("keyword.off"):
        return True, False
    return None


def language(text: str) -> str | None:
    """'taal en' / 'language nl' -> the code asked for (not yet checked); None if not asked."""
    match = _LANGUAGE.match(word(text))
    return match.group(1) if match else None


@dataclass(frozen=True)
class Command:
    """A slash command's text, read. `dialogue` is what it acts on (None: not named; the person's
    current intake, or a list to choose from); `guess` is a close name to ask about."""

    intent: Intent | None
    dialogue: str | None = None
    guess: str | None = None
    unknown: str = ""  # words we could not place
    language: str = ""


class Names:
    """The dialogues a person can start, in the order they are offered, and every name each goes
    by: the programme's names in the catalogue, its id, and `<dialogue>.names` in each language."""

    def __init__(
        self,
        catalogue: Catalogue,
        dialogues: Mapping[str, Dialogue],
        defaults: Mapping[str, str],
        hidden: frozenset[str] = frozenset(),
    ):
        every = tuple(
            d.id
            for programme in catalogue
            for d in sorted(dialogues.values(), key=lambda d: d.id != defaults.get(programme.id))
            if d.programme == programme.id
        )
        # Hidden dialogues (a session's registration) are started by name or by their session's
        # button, but not offered in a list of programmes.
        self.offered: tuple[str, ...] = tuple(d for d in every if d not in hidden)
        self._hidden = tuple(d for d in every if d in hidden)
        self._programme = {d.id: d.programme for d in dialogues.values()}
        self._names: dict[str, frozenset[str]] = {}
        self._words: dict[str, str] = {}
        for dialogue_id in every:
            dialogue = dialogues[dialogue_id]
            listed = [n for text in all_texts(f"{dialogue.keys}.names") for n in text.split("|")]
            self._words[dialogue_id] = listed[0] if listed else dialogue.programme
            names = {normalise(n) for n in listed}
            if defaults.get(dialogue.programme) == dialogue_id:
                programme = catalogue.get(dialogue.programme)
                names |= {normalise(programme.id), normalise(programme.name.nl), normalise(programme.name.en)}
            self._names[dialogue_id] = frozenset(n for n in names if n)

    def of(self, scope: str | None) -> tuple[str, ...]:
        """The dialogues a command offers: all, or those of the programme it is about."""
        return tuple(d for d in self.offered if scope is None or self._programme[d] == scope)

    def word_for(self, dialogue_id: str) -> str:
        """What to type after a command for this dialogue: 'managersruil', 'peer opdracht'."""
        return self._words[dialogue_id]

    def find(self, text: str, scope: str | None = None) -> tuple[str | None, str | None]:
        """(the dialogue `text` names, or a close one to ask about). A number picks from the list."""
        said, offered = normalise(text), self.of(scope)
        if said.isdecimal():
            n = int(said)
            return (offered[n - 1] if 1 <= n <= len(offered) else None), None
        if not said:
            return None, None
        findable = (*offered, *(d for d in self._hidden if scope is None or self._programme[d] == scope))
        scored = sorted(((self._score(said, self._names[d]), d) for d in findable), reverse=True)
        best, dialogue = scored[0]
        if best >= SURE and (len(scored) == 1 or scored[1][0] < best):
            return dialogue, None
        return None, (dialogue if best >= CLOSE else None)

    @staticmethod
    def _score(said: str, names: frozenset[str]) -> float:
        if said in names:
            return 101.0  # an exact name wins over a fuzzy one
        best = max((fuzz.ratio(said, n) for n in names), default=0.0)
        if " " in said:
            best = max([best, *(fuzz.token_set_ratio(said, n) for n in names if " " in n)])
        return best


def read_command(text: str, names: Names, scope: str | None = None) -> Command:
    """`/ruil <text>`: 'help', 'managersruil', 'leerwerkplaats status', 'stop mr', 'taal en', '2'."""
    text = " ".join(clean(text).split())
    if (code := language(text)) is not None:
        return Command(Intent.LANGUAGE, language=code)
    if not text:
        return Command(None)
    whole = intent(text, COMMAND_INTENTS)
    words = text.split()
    last = intent(words[-1], COMMAND_INTENTS) if len(words) > 1 else None
    if last is not None and last is not Intent.START:  # 'peer opdracht stop': a name, then what to do
        dialogue, _ = names.find(" ".join(words[:-1]), scope)
        if dialogue is not None:
            return Command(last, dialogue)
    named, guess = names.find(text, scope)
    if named is not None and (whole is None or scope is not None):  # '/peer aanmelden' is a name
        return Command(Intent.START, named)
    if whole is not None:
        return Command(whole)
    for said, rest in ((words[-1], words[:-1]), (words[0], words[1:])):
        found = intent(said, COMMAND_INTENTS) if len(words) > 1 else None
        if found is not None:
            dialogue, guess = names.find(" ".join(rest), scope)
            return Command(found, dialogue, guess, "" if dialogue or guess else " ".join(rest))
    return Command(Intent.START, None, guess, "" if guess else text)
