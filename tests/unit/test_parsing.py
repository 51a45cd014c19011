"""Tests for bot.parsing: what people type in chat, in Dutch and English."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.parsing import normalise, parse_date, parse_months, parse_number

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Dutch month names, full and abbreviated, with and without year
        ("1 maart 2027", date(2027, 3, 1)),
        ("1 mrt 2027", date(2027, 3, 1)),
        ("1 mrt. 2027", date(2027, 3, 1)),
        ("1 mar 2027", date(2027, 3, 1)),
        ("zaterdag 1 maart 2027", date(2027, 3, 1)),
        ("maandag 1 maart 2027", date(2027, 3, 1)),  # weekday is ignored, even when wrong
        ("za 1 mrt 2027", date(2027, 3, 1)),
        ("15 januari 2027", date(2027, 1, 15)),
        ("15 jan 2027", date(2027, 1, 15)),
        ("3 februari 2027", date(2027, 2, 3)),
        ("3 feb 2027", date(2027, 2, 3)),
        ("10 april 2027", date(2027, 4, 10)),
        ("10 apr 2027", date(2027, 4, 10)),
        ("5 mei 2027", date(2027, 5, 5)),
        ("1 juni 2027", date(2027, 6, 1)),
        ("1 jun 2027", date(2027, 6, 1)),
        ("1 juli 2027", date(2027, 7, 1)),
        ("1 jul 2027", date(2027, 7, 1)),
        ("1 augustus 2027", date(2027, 8, 1)),
        ("1 aug 2027", date(2027, 8, 1)),
        ("1 september 2027", date(2027, 9, 1)),
        ("1 sep 2027", date(2027, 9, 1)),
        ("1 sept 2027", date(2027, 9, 1)),
        ("1 sept. 2027", date(2027, 9, 1)),
        ("1 oktober 2027", date(2027, 10, 1)),
        ("1 okt 2027", date(2027, 10, 1)),
        ("1 november 2027", date(2027, 11, 1)),
        ("1 nov 2027", date(2027, 11, 1)),
        ("1 december 2027", date(2027, 12, 1)),
        ("1 dec 2027", date(2027, 12, 1)),
        # English
        ("1 March 2027", date(2027, 3, 1)),
        ("March 1, 2027", date(2027, 3, 1)),
        ("March 1 2027", date(2027, 3, 1)),
        ("Saturday, March 1, 2027", date(2027, 3, 1)),
        ("sat 1 march 2027", date(2027, 3, 1)),
        ("1st March 2027", date(2027, 3, 1)),
        ("March 1st, 2027", date(2027, 3, 1)),
        ("2nd May 2027", date(2027, 5, 2)),
        ("May 3rd 2027", date(2027, 5, 3)),
        ("4th July 2027", date(2027, 7, 4)),
        ("1 may 2027", date(2027, 5, 1)),
        ("1 oct 2027", date(2027, 10, 1)),
        ("1 January 2027", date(2027, 1, 1)),
        # Case, surrounding whitespace and a trailing full stop do not matter
        ("  1 MAART 2027  ", date(2027, 3, 1)),
        ("1 maart 2027.", date(2027, 3, 1)),
        ("Zaterdag 1 Mrt. 2027.", date(2027, 3, 1)),
        # Numeric, day first
        ("01-03-2027", date(2027, 3, 1)),
        ("1-3-2027", date(2027, 3, 1)),
        ("1/3/2027", date(2027, 3, 1)),
        ("1.3.2027", date(2027, 3, 1)),
        ("1-3-27", date(2027, 3, 1)),
        ("31/12/26", date(2026, 12, 31)),
        ("2027-03-01", date(2027, 3, 1)),
        ("zaterdag 1-3-2027", date(2027, 3, 1)),
        # A year in the past is taken as given
        ("1 maart 2020", date(2020, 3, 1)),
        # Relative words
        ("vandaag", TODAY),
        ("today", TODAY),
        ("Morgen", date(2026, 11, 28)),
        ("tomorrow", date(2026, 11, 28)),
        ("overmorgen", date(2026, 11, 29)),
        ("overmorgen.", date(2026, 11, 29)),
        # No year: the first such date on or after today
        ("1 maart", date(2027, 3, 1)),
        ("March 1", date(2027, 3, 1)),
        ("1st March", date(2027, 3, 1)),
        ("March 1st", date(2027, 3, 1)),
        ("30 november", date(2026, 11, 30)),
        ("27 november", date(2026, 11, 27)),
        ("26 november", date(2027, 11, 26)),
        ("1 december", date(2026, 12, 1)),
        ("1-3", date(2027, 3, 1)),
        ("1/3", date(2027, 3, 1)),
        ("28/11", date(2026, 11, 28)),
        ("29 februari", date(2028, 2, 29)),  # the next 29 February that exists
        ("29-2", date(2028, 2, 29)),
        ("29 februari 2028", date(2028, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        ".",
        "zaterdag",
        "31 februari 2027",
        "29-2-2027",
        "29 februari 2027",
        "31 april",
        "31-2",
        "32-1-2027",
        "0-1-2027",
        "1-0-2027",
        "1-13-2027",
        "2027-13-01",
        "2027-02-30",
        "0000-01-01",
        "1-3/2027",  # mixed separators
        "1-3-027",
        "1 maart 27",  # two-digit years only in numeric dates
        "ergens in maart",
        "1 maart of 2 maart",
        "morgen misschien",
        "gisteren",
        "1 foo 2027",
        "1 maart 2027 2028",
        "15",
        "abc",
        "99999999999999999999-1-1",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_parse_date_leap_day_a_century_away() -> None:
    # 2100 is not a leap year, so the next 29 February after 2096 is in 2104.
    assert parse_date("29 februari", date(2096, 3, 1)) == date(2104, 2, 29)


def test_parse_date_rolls_over_at_year_end() -> None:
    assert parse_date("1 januari", date(2026, 12, 31)) == date(2027, 1, 1)
    assert parse_date("31 december", date(2026, 12, 31)) == date(2026, 12, 31)


def test_parse_date_at_the_end_of_the_calendar_does_not_raise() -> None:
    assert parse_date("1 januari", date(9999, 12, 31)) is None
    assert parse_date("morgen", date(9999, 12, 31)) is None


def test_parse_date_accepts_a_datetime_as_today() -> None:
    assert parse_date("1 maart", datetime(2026, 11, 27, 9, 30)) == date(2027, 3, 1)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15", 15),
        (" 15 ", 15),
        ("15.", 15),
        ("015", 15),
        ("0", 0),
        ("schaal 15", 15),
        ("Schaal 15", 15),
        ("scale 15", 15),
        ("schaal vijftien", 15),
        ("vijftien", 15),
        ("fifteen", 15),
        ("Fifteen.", 15),
        ("een", 1),
        ("één", 1),
        ("one", 1),
        ("twaalf", 12),
        ("twelve", 12),
        ("twintig", 20),
        ("twenty", 20),
        ("achttien", 18),
        ("eighteen", 18),
    ],
)
def test_parse_number(text: str, expected: int) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "15,5",
        "15.5",
        "abc",
        "15 16",
        "-15",
        "schaal -15",
        "schaal",
        "eenentwintig",
        "1" * 5000,  # int() would refuse a string this long
    ],
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("12.", 12),
        ("12 maanden", 12),
        ("12 mnd", 12),
        ("12 mnd.", 12),
        ("12mnd", 12),
        ("12 months", 12),
        ("1 maand", 1),
        ("1 month", 1),
        ("9 maanden", 9),
        ("drie maanden", 3),
        ("three months", 3),
        ("1 jaar", 12),
        ("2 jaar", 24),
        ("1 year", 12),
        ("2 years", 24),
        ("1,5 jaar", 18),
        ("1.5 jaar", 18),
        ("0,25 jaar", 3),
        ("anderhalf jaar", 18),
        ("Anderhalf jaar", 18),
        ("one and a half years", 18),
        ("twee en een half jaar", 30),
        ("een half jaar", 6),
        ("half jaar", 6),
        ("half a year", 6),
        ("een jaar", 12),
        ("één jaar", 12),
        ("a year", 12),
        ("twee jaar", 24),
        ("  2 Jaar  ", 24),
    ],
)
def test_parse_months(text: str, expected: int) -> None:
    assert parse_months(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1,3 jaar",
        "1,5",  # a month and a half is not whole
        "1,5 maand",
        "0 maanden",
        "-3 maanden",
        "jaar",
        "maanden",
        "half",
        "a",
        "een paar maanden",
        "12 weken",
        "abc",
        "12 maanden 3 jaar",
    ],
)
def test_parse_months_rejects(text: str) -> None:
    assert parse_months(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Financiën", "financien"),
        ("  Ministerie   van\tFinanciën  ", "ministerie van financien"),
        ("Café", "cafe"),
        ("BZK.", "bzk"),
        ("(BZK)", "bzk"),
        ("“Beleid”…", "beleid"),
        ("¿Qué?", "que"),
        ("C++", "c++"),
        ("Binnenlandse Zaken & Koninkrijksrelaties", "binnenlandse zaken & koninkrijksrelaties"),
        ("", ""),
        ("  ...  ", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maart", date(2027, 3, 1)),  # a month alone: its first day (the bot echoes what it read)
        ("begin maart", date(2027, 3, 1)),
        ("per 1 maart", date(2027, 3, 1)),
        ("vanaf 1 maart 2027", date(2027, 3, 1)),
        ("1e maart", date(2027, 3, 1)),
        ("1ste maart", date(2027, 3, 1)),
        ("1st of March", date(2027, 3, 1)),
        ("mei 2027", date(2027, 5, 1)),
        ("zo snel mogelijk", date(2026, 11, 27)),
        ("asap", date(2026, 11, 27)),
    ],
)
def test_parse_date_reads_how_people_name_a_start(text: str, expected: date) -> None:
    assert parse_date(text, date(2026, 11, 27)) == expected


def test_parse_date_does_not_read_end_of_month_as_its_start() -> None:
    assert parse_date("eind maart", date(2026, 11, 27)) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("volgende week", date(2026, 12, 4)),
        ("next week", date(2026, 12, 4)),
        ("over twee weken", date(2026, 12, 11)),
        ("volgende maand", date(2026, 12, 1)),
        ("next month", date(2026, 12, 1)),
    ],
)
def test_a_week_or_a_month_from_now_is_a_date(typed: str, expected: date) -> None:
    assert parse_date(typed, date(2026, 11, 27)) == expected


@pytest.mark.parametrize(
    ("typed", "expected"), [("ongeveer 8", 8), ("ca. 12", 12), ("about 5", 5), ("rond 20", 20)]
)
def test_an_estimate_is_its_number(typed: str, expected: int) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize("typed", ["8 dagen", "ongeveer 8 dagen", "8 days", "8"])
def test_a_number_typed_as_the_bot_writes_it_back_is_that_number(typed: str) -> None:
    from bot import engine
    from bot.dialogues import DIALOGUES

    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    outcome = engine.answer(dialogue, engine.start(dialogue), "effort_days", typed, date(2026, 11, 27))

    assert isinstance(outcome, engine.Accepted)
    assert outcome.state.answers["effort_days"] == 8


def test_another_unit_is_not_taken_for_the_asked_one() -> None:
    from bot import engine
    from bot.dialogues import DIALOGUES

    dialogue = DIALOGUES["peer-to-peer/opdracht"]
    outcome = engine.answer(dialogue, engine.start(dialogue), "effort_days", "8 weken", date(2026, 11, 27))

    assert isinstance(outcome, engine.Refused)


@pytest.mark.parametrize(
    ("typed", "said"), [("31 februari", "31 februari bestaat niet"), ("31-4", "31 april bestaat niet")]
)
def test_a_day_the_month_never_has_is_named_as_such(typed: str, said: str) -> None:
    from bot import engine
    from bot.dialogues import DIALOGUES
    from bot.i18n import Translator
    from bot.presenter import Presenter

    dialogue = DIALOGUES["managersruil"]
    outcome = engine.answer(dialogue, engine.start(dialogue), "start", typed, date(2026, 11, 27))

    assert isinstance(outcome, engine.Refused)
    assert said in Presenter(Translator("nl")).say(outcome.error)


@pytest.mark.parametrize("typed", ["8 uur", "8 uur per week", "ongeveer 8 uur", "8 hours", "8 hours a week"])
def test_hours_with_only_the_unit_are_those_hours(typed: str) -> None:
    from bot import engine
    from bot.dialogues import DIALOGUES

    dialogue = DIALOGUES["peer-to-peer/aanmelding"]
    outcome = engine.answer(dialogue, engine.start(dialogue), "hours_per_week", typed, date(2026, 11, 27))

    assert isinstance(outcome, engine.Accepted)
    assert outcome.state.answers["hours_per_week"] == 8


def test_no_to_a_choice_is_no_fuzzy_choice_and_brings_back_the_whole_list() -> None:
    from bot import engine
    from bot.dialogues import DIALOGUES

    dialogue = DIALOGUES["regels-naar-ruimte"]
    today = date(2026, 11, 27)
    outcome = engine.answer(dialogue, engine.start(dialogue), "pilot_form", "nee", today)
    assert isinstance(outcome, engine.Refused)  # not "bedoel je Een andere vorm?"
    assert not outcome.state.suggestion
