"""Quiet hours: the bot only speaks up on working days, 09:00-17:00 in Amsterdam, never on a Dutch
public holiday; anything due outside waits for the next opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import MappingProxyType

import pytest

from bot.clock import AMSTERDAM
from bot.programmes import load_catalogue
from bot.quiet_hours import OFFICE_HOURS, QuietHoursError, Window, is_open, next_opening, window_from_rules


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def test_inside_the_window_a_message_goes_at_once() -> None:
    at = local(2026, 11, 30, 10, 15)  # a Monday morning
    assert next_opening(at) == at.astimezone(UTC)
    assert next_opening(at).tzinfo == UTC


def test_a_message_due_on_saturday_goes_out_on_monday_at_nine() -> None:
    assert next_opening(local(2026, 11, 28, 11, 0)) == local(2026, 11, 30, 9, 0)


def test_after_five_it_waits_for_the_next_morning_and_before_nine_for_nine() -> None:
    assert next_opening(local(2026, 12, 1, 17, 0)) == local(2026, 12, 2, 9, 0)  # 17:00 is closed
    assert next_opening(local(2026, 12, 1, 16, 59)) == local(2026, 12, 1, 16, 59)
    assert next_opening(local(2026, 12, 1, 6, 30)) == local(2026, 12, 1, 9, 0)
    assert next_opening(local(2026, 12, 4, 18, 0)) == local(2026, 12, 7, 9, 0)  # Friday evening


def test_kings_day_is_a_day_off() -> None:
    # 27 April 2027 is a Tuesday: the message waits for Wednesday morning.
    assert next_opening(local(2027, 4, 27, 10, 0)) == local(2027, 4, 28, 9, 0)
    assert next_opening(local(2027, 4, 26, 17, 30)) == local(2027, 4, 28, 9, 0)


def test_kings_day_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    # In 2031 the 27th is a Sunday and King's Day is Saturday the 26th: Monday the 28th works.
    assert date(2031, 4, 27).weekday() == 6
    assert not is_open(local(2031, 4, 26, 10, 0))
    assert next_opening(local(2031, 4, 26, 10, 0)) == local(2031, 4, 28, 9, 0)


def test_christmas_new_year_and_easter_monday_are_days_off() -> None:
    # Thursday 24 December 2026 after five: Christmas (Fri), the weekend, then Monday the 28th.
    assert next_opening(local(2026, 12, 24, 17, 30)) == local(2026, 12, 28, 9, 0)
    assert next_opening(local(2026, 12, 31, 17, 30)) == local(2027, 1, 4, 9, 0)  # 1 Jan is a Friday
    assert next_opening(local(2027, 3, 26, 12, 0)) == local(2027, 3, 30, 9, 0)  # Good Friday, Easter Monday


def test_daylight_saving_does_not_move_nine_oclock() -> None:
    # Summer time starts on Sunday 28 March 2027 (Easter, so Monday is off too): Tuesday 09:00 is
    # 07:00 UTC, while a week earlier Monday 09:00 was 08:00 UTC.
    assert next_opening(local(2027, 3, 27, 12, 0)) == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)
    assert next_opening(local(2027, 3, 19, 18, 0)) == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


def test_a_programme_sets_its_own_window() -> None:
    rules = MappingProxyType(
        {
            "contact_hours": MappingProxyType(
                {
                    "days": ("mon", "tue", "wed", "thu"),
                    "opens": "08:30",
                    "closes": "12:00",
                    "days_off": (date(2026, 12, 1),),
                }
            )
        }
    )
    window = window_from_rules(rules)
    assert window == Window(
        frozenset({0, 1, 2, 3}), time(8, 30), time(12, 0), True, frozenset({date(2026, 12, 1)})
    )
    assert next_opening(local(2026, 11, 30, 12, 0), window) == local(2026, 12, 2, 8, 30)  # Tuesday is off
    assert next_opening(local(2026, 12, 3, 13, 0), window) == local(2026, 12, 7, 8, 30)  # no Fridays


@pytest.mark.parametrize(
    "raw",
    [
        {"days": ("maandag",)},
        {"opens": 540},  # YAML's reading of an unquoted 09:00
        {"opens": "17:00", "closes": "09:00"},
        {"when": "always"},
        {"days": ()},
    ],
)
def test_a_malformed_window_is_refused(raw: dict[str, object]) -> None:
    with pytest.raises(QuietHoursError):
        window_from_rules({"contact_hours": raw})


def test_the_catalogue_windows_all_read() -> None:
    for programme in load_catalogue():
        assert isinstance(window_from_rules(programme.rules), Window)
    assert window_from_rules({}) == OFFICE_HOURS


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_opening(datetime(2026, 11, 30, 10, 0))  # noqa: DTZ001
