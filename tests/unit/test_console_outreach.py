"""The console shows what the bot sends on its own when its clock moves (`/klok`): a nudge, and the
reminders before the Leerwerkplaats registration closes (open up to and including Monday 15 November
2027); `meldingen` works there too, typed or after /ruil."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot import console
from bot.bootstrap import bootstrap
from bot.clock import AMSTERDAM, FixedClock, OffsetClock
from bot.services import UserRef

TYPED = [
    "/ruil leerwerkplaats",
    "akkoord",  # the consent question before the first one
    "Belastingdienst",
    "/klok +3d",  # Thursday 4 November: three days untouched, a nudge
    "/klok +4d",  # Monday 8 November: 7 days before the deadline; the second nudge would fall today too
    "meldingen",
    "/ruil meldingen seintjes uit",
    "/klok +4d",  # Friday 12 November: 1 day before is a Sunday, so the reminder comes today
    "/klok +2d",  # Sunday 14 November: nothing
    "/klok +1d",  # Monday 15 November, the last day: nothing (it came on Friday)
    "/klok +1d",  # closed: nothing more
]


def talk(url: str, typed: list[str]) -> str:
    # Monday 1 November 2027, 10:00 in Amsterdam.
    clock = OffsetClock(FixedClock(datetime(2027, 11, 1, 10, 0, tzinfo=AMSTERDAM)))
    services = bootstrap(url, clock=clock, console=True, migrate=True)
    feed = iter(typed)
    shown: list[str] = []

    def read(prompt: str) -> str:
        try:
            line = next(feed)
        except StopIteration:
            raise EOFError from None
        shown.append(f"{prompt}{line}")
        return line

    try:
        console.run(
            services.intake,
            UserRef("console", "tester"),
            read,
            shown.append,
            postbox=console.Postbox(services, clock),
        )
    finally:
        services.close()
    return "\n".join(shown)


def test_a_nudge_and_the_deadline_reminders_arrive_in_the_console(
    fresh_sqlite_url: str, tmp_path: Path
) -> None:
    out = talk(fresh_sqlite_url, TYPED)
    (tmp_path / "transcript.txt").write_text(out)  # pytest --basetemp keeps it, for a look by eye

    thursday = out.index("> /klok +3d")
    monday = out.index("> /klok +4d")
    meldingen = out.index("> meldingen")
    friday = out.index("> /klok +4d", monday + 1)
    sunday = out.index("> /klok +2d")
    reminder = "Je bent begonnen met je aanmelding voor Inter-company Leerwerkplaats"

    assert "Je was een tijdje geleden begonnen bij Inter-company Leerwerkplaats" in out[thursday:monday]
    assert out[monday:meldingen].count(reminder) == 1  # the 7-day reminder, and no second nudge
    assert "Je was een tijdje geleden begonnen" not in out[monday:meldingen]
    assert "Je kunt je aanmelden tot en met 15 november 2027" in out[monday:meldingen]
    assert "• Seintjes: aan" in out[meldingen:friday]
    assert "Uitgezet: Seintjes." in out[meldingen:friday]
    assert out[friday:sunday].count(reminder) == 1  # the 1-day reminder, before the weekend
    assert reminder not in out[sunday:]  # not on the deadline day, nor after
    assert out.count(reminder) == 2
