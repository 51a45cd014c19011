"""Parse what people type in chat: dates, numbers, durations and lists, in Dutch or English.

Everything here is pure: no I/O and no clock (callers pass ``today``). The parsers return
``None`` (or an empty list) for input they do not understand instead of raising, so the
dialogue code can simply ask again.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache

__all__ = ["clean", "impossible_day", "normalise", "parse_date", "parse_months", "parse_number"]

_MONTHS: dict[str, int] = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "february", "feb"), 2),
    **dict.fromkeys(("maart", "march", "mrt", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("augustus", "august", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nov"), 11),
    **dict.fromkeys(("december", "dec"), 12),
}

# Weekday words carry no information once day and month are known, so they are skipped
# (and deliberately not checked against the date: people get them wrong).
_WEEKDAYS = (
    *("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    *("ma", "di", "wo", "do", "vr", "za", "zo"),
    *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    *("mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun"),
)

_RELATIVE_DAYS = {
    "vandaag": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "overmorgen": 2,
    # "As soon as possible" is a real answer to "when could you start at the earliest?"
    "zo snel mogelijk": 0,
    "zsm": 0,
    "per direct": 0,
    "direct": 0,
    "meteen": 0,
    "asap": 0,
    "as soon as possible": 0,
    "right away": 0,
    "volgende week": 7,
    "over een week": 7,
    "next week": 7,
    "in a week": 7,
    "over twee weken": 14,
    "in two weeks": 14,
}
_NEXT_MONTH = frozenset({"volgende maand", "next month", "begin volgende maand", "start of next month"})

_NUMBER_WORDS: dict[str, int] = {
    word: value
    for words in (
        "een twee drie vier vijf zes zeven acht negen tien "
        "elf twaalf dertien veertien vijftien zestien zeventien achttien negentien twintig",
        "one two three four five six seven eight nine ten "
        "eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty",
    )
    for value, word in enumerate(words.split(), start=1)
}


def _alternatives(words: Iterable[str]) -> str:
    # Longest first, so "sept" is tried before "sep" and "thurs" before "thu".
    return "|".join(sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<month>{_alternatives(_MONTHS)})\.?"
_DAY = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th|e|ste|de)?"  # 1st, 1e, 1ste, 2de
_YEAR = r"(?:,?\s(?P<year>[0-9]{4}))?"

_WEEKDAY_PREFIX = re.compile(rf"^(?:{_alternatives(_WEEKDAYS)})\.?,?\s")
_DAY_MONTH = re.compile(rf"{_DAY}\s(?:of\s)?{_MONTH}{_YEAR}")  # 1 maart 2027, 1st of March
_MONTH_ONLY = re.compile(rf"{_MONTH}{_YEAR}")  # "maart", "begin maart 2027": its first day
# Words people put before a start date: "per 1 maart", "vanaf maart", "begin maart", "from 1 March".
_LEAD_IN = re.compile(r"^(?:per|vanaf|from|op|on|in|begin|start|starting|beginning of|early)\s")
_MONTH_DAY = re.compile(rf"{_MONTH}\s{_DAY}{_YEAR}")  # March 1, 2027
_ISO = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})")
# Day first (Dutch order); both separators must be the same, so "1-3/2027" is rejected.
_NUMERIC = re.compile(
    r"(?P<day>[0-9]{1,2})(?P<sep>[-/.])(?P<month>[0-9]{1,2})(?:(?P=sep)(?P<year>[0-9]{4}|[0-9]{2}))?"
)

# Bounded so int() never sees a string long enough to raise.
_INTEGER = re.compile(r"[0-9]{1,9}")
_SCALE_PREFIX = re.compile(r"^(?:schaal|scale)\s")
# "Ongeveer 8" is 8: a number asked for is an estimate anyway.
_APPROXIMATELY = re.compile(r"^(?:ongeveer|circa|ca\.?|zo'?n|rond|about|around|roughly|approximately)\s")

_DURATION = re.compile(
    r"(?P<amount>.+?)\s?(?:(?P<months>maanden|maand|mnd|months?)|(?P<years>jaren|jaar|jr|years?))?"
)
_DECIMAL = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,2})?")
_AND_A_HALF = re.compile(r"(?P<whole>\S+)\s(?:en een|and a) half")
# Amounts that only make sense with a unit after them: "half jaar", "a year".
_UNIT_AMOUNTS: dict[str, Fraction] = {
    **dict.fromkeys(("half", "een half", "a half", "half a", "half an"), Fraction(1, 2)),
    "anderhalf": Fraction(3, 2),
    **dict.fromkeys(("a", "an"), Fraction(1)),
}

# Whole words only, so "Brenda" or "Oranje" stay intact; "en/of" still splits cleanly.


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _prepare(text: str) -> str:
    """Fold case and accents, collapse whitespace and drop one trailing full stop."""
    folded = " ".join(_strip_accents(text).lower().split())
    return folded.removesuffix(".").rstrip()


def _resolve(day: int, month: int, year: int | None, today: datetime.date) -> datetime.date | None:
    if year is not None:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None
    # No year: the first such date from today on. Nine years covers the longest gap between
    # two 29 Februaries (2096 -> 2104); impossible dates simply never match.
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = datetime.date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def parse_date(text: str, today: datetime.date) -> datetime.date | None:
    """A date typed in Dutch or English ("1 maart", "March 1st, 2027", "1-3-27", "morgen")."""
    if isinstance(today, datetime.datetime):  # a datetime would not compare with a date
        today = today.date()
    words = _prepare(text)
    if words in _NEXT_MONTH:  # its first day
        return (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    if words in _RELATIVE_DAYS:
        try:
            return today + datetime.timedelta(days=_RELATIVE_DAYS[words])
        except OverflowError:  # past 31 December 9999
            return None
    words = _LEAD_IN.sub("", _WEEKDAY_PREFIX.sub("", words, count=1), count=1)
    whole_month = _MONTH_ONLY.fullmatch(words)
    if whole_month is not None:
        year, month = whole_month["year"], _MONTHS[whole_month["month"]]
        if year is None and month == today.month:  # "maart" in March: now, not next year
            return today
        return _resolve(1, month, int(year) if year else None, today)
    for pattern in (_DAY_MONTH, _MONTH_DAY, _ISO, _NUMERIC):
        match = pattern.fullmatch(words)
        if match is None:
            continue
        month_text = match["month"]
        month = _MONTHS[month_text] if month_text in _MONTHS else int(month_text)
        year_text = match["year"]
        year = None if year_text is None else int(year_text)
        if year is not None and len(year_text) == 2:
            year += 2000
        return _resolve(int(match["day"]), month, year, today)
    return None


_LONGEST = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days a month can have, by its number


def impossible_day(text: str) -> tuple[int, int] | None:
    """(day, month) when `text` names a day that month never has ("31 februari", "31-4"); else None."""
    words = _LEAD_IN.sub("", _WEEKDAY_PREFIX.sub("", _prepare(text), count=1), count=1)
    for pattern in (_DAY_MONTH, _MONTH_DAY, _NUMERIC):
        match = pattern.fullmatch(words)
        if match is None:
            continue
        month_text = match["month"]
        month = _MONTHS[month_text] if month_text in _MONTHS else int(month_text)
        day = int(match["day"])
        if 1 <= month <= 12 and day > _LONGEST[month]:
            return day, month
    return None


def parse_number(text: str) -> int | None:
    """A whole, non-negative number: "15", "schaal 15", "vijftien", "fifteen", "ongeveer 8"."""
    words = _SCALE_PREFIX.sub("", _APPROXIMATELY.sub("", _prepare(text), count=1), count=1)
    if _INTEGER.fullmatch(words):
        return int(words)
    return _NUMBER_WORDS.get(words)


def _amount(text: str) -> Fraction | None:
    if _DECIMAL.fullmatch(text):
        return Fraction(text.replace(",", "."))
    if text in _NUMBER_WORDS:
        return Fraction(_NUMBER_WORDS[text])
    match = _AND_A_HALF.fullmatch(text)  # "twee en een half", "one and a half"
    if match is not None:
        whole = _amount(match["whole"])
        return None if whole is None or whole.denominator != 1 else whole + Fraction(1, 2)
    return None


def parse_months(text: str) -> int | None:
    """A duration in whole months: "12", "9 maanden", "1,5 jaar", "anderhalf jaar", "half a year"."""
    match = _DURATION.fullmatch(_prepare(text))
    if match is None:
        return None
    has_unit = match["months"] is not None or match["years"] is not None
    amount = _amount(match["amount"])
    if amount is None and has_unit:
        amount = _UNIT_AMOUNTS.get(match["amount"])
    if amount is None:
        return None
    months = amount * 12 if match["years"] is not None else amount
    if months.denominator != 1 or months <= 0:
        return None
    return int(months)


# Every typed answer is folded again for each word list it is held against (intents, choices,
# keywords), and the lists' own words on every message: a bounded cache, the function being pure.
@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Text folded for fuzzy matching: lower case, no accents, single spaces, no edge punctuation."""
    folded = " ".join(_strip_accents(text).lower().split())
    start, end = 0, len(folded)
    while start < end and _is_edge(folded[start]):
        start += 1
    while end > start and _is_edge(folded[end - 1]):
        end -= 1
    return folded[start:end]


def _is_edge(ch: str) -> bool:
    # Unicode punctuation, so curly quotes and ellipses from phones are stripped too.
    return ch.isspace() or unicodedata.category(ch).startswith("P")


# Characters that change how text displays without being text: zero-width spaces and joiners, bidi
# marks and overrides (a right-to-left override can make "ok.exe" read as "exe.ko"), soft hyphens,
# NUL and other control characters. Newlines and tabs stay: people write in paragraphs.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_KEPT_CONTROLS = frozenset("\n\t")


def clean(text: str) -> str:
    """What a person typed, fit to match and to store: Unicode NFKC (full-width letters and ligatures
    become plain ones), without invisible or display-changing characters, line ends as newlines."""
    text = unicodedata.normalize("NFKC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )
