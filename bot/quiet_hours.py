"""When the bot may speak up on its own: working days, 09:00-17:00 Europe/Amsterdam, never on a Dutch
public holiday. A programme may set its own window in the catalogue (`rules.contact_hours`).

Pure functions over aware datetimes; everything else stays in UTC."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import holidays

from bot.clock import AMSTERDAM

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Nobody is left waiting longer than this for an opening; a window that never opens is a bug.
_SEARCH_DAYS = 60


class QuietHoursError(ValueError):
    """`contact_hours` in the catalogue is malformed; the message says what is wrong."""


@dataclass(frozen=True)
class Window:
    """Local opening hours: `opens` <= time < `closes`, on `days` (0 = Monday), skipping holidays."""

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    skip_holidays: bool = True
    days_off: frozenset[date] = frozenset()  # a programme's own closing days (e.g. 5 May for the Rijk)


OFFICE_HOURS = Window()


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_day_off(day: date, window: Window = OFFICE_HOURS) -> bool:
    if day.weekday() not in window.days or day in window.days_off:
        return True
    return window.skip_holidays and day in _holidays(day.year)


def is_open(moment: datetime, window: Window = OFFICE_HOURS) -> bool:
    local = _local(moment)
    return not is_day_off(local.date(), window) and window.opens <= local.time() < window.closes


def next_opening(moment: datetime, window: Window = OFFICE_HOURS) -> datetime:
    """`moment` itself when the window is open then, else the next time it opens; in UTC."""
    if is_open(moment, window):
        return moment.astimezone(UTC)
    local = _local(moment)
    day = local.date() if local.time() < window.opens else local.date() + timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if not is_day_off(day, window):
            return datetime.combine(day, window.opens, tzinfo=AMSTERDAM).astimezone(UTC)
        day += timedelta(days=1)
    raise QuietHoursError(f"the contact window {window} does not open within {_SEARCH_DAYS} days")


def window_from_rules(rules: Mapping[str, object]) -> Window:
    """The programme's `contact_hours` rule, or office hours. Example (times quoted: YAML would read
    09:00 as a number)::

        contact_hours: {days: [mon, tue, wed, thu], opens: "08:30", closes: "16:00", days_off: [2027-05-05]}
    """
    raw = rules.get("contact_hours")
    if raw is None:
        return OFFICE_HOURS
    if not isinstance(raw, Mapping):
        raise QuietHoursError("contact_hours must be a mapping with days, opens and closes")
    unknown = set(raw) - {"days", "opens", "closes", "holidays", "days_off"}
    if unknown:
        raise QuietHoursError(f"contact_hours has unknown keys: {', '.join(sorted(map(str, unknown)))}")
    days = OFFICE_HOURS.days
    if "days" in raw:
        names = raw["days"]
        if not isinstance(names, tuple | list) or not names or any(n not in _DAYS for n in names):
            raise QuietHoursError(f"contact_hours.days must list days out of {', '.join(_DAYS)}")
        days = frozenset(_DAYS.index(str(n)) for n in names)
    opens, closes = _time(raw, "opens", OFFICE_HOURS.opens), _time(raw, "closes", OFFICE_HOURS.closes)
    if opens >= closes:
        raise QuietHoursError("contact_hours.opens must come before contact_hours.closes")
    skip = raw.get("holidays", True)
    if not isinstance(skip, bool):
        raise QuietHoursError("contact_hours.holidays must be true or false")
    off = raw.get("days_off", ())
    if not isinstance(off, tuple | list) or any(type(d) is not date for d in off):
        raise QuietHoursError("contact_hours.days_off must list dates such as 2027-05-05")
    return Window(days, opens, closes, skip, frozenset(off))


def _time(raw: Mapping[str, object], key: str, default: time) -> time:
    value = raw.get(key)
    if value is None:
        return default
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise QuietHoursError(f'contact_hours.{key} must be a quoted time such as "09:00"') from None


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("quiet hours need a timezone-aware moment")
    return moment.astimezone(AMSTERDAM)
