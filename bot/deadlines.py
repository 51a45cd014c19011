"""Reminders before a programme's registration deadline, to people who started its intake and did not
finish it. A producer for the tick, like `bot.nudges`: it asks the database what is due at `now` and
writes notices to the outbox; each reminder's dedupe key makes it go out once per intake.

The catalogue sets when (`rules.deadline_reminders`, days before `rules.registration_deadline`;
default 7 and 1). Each reminder is planned for the opening of the contact window on its day; when
that day is no contact day (a weekend, a holiday) it comes at the last opening before it, never after:
a "1 day before" reminder must not arrive on the deadline day itself. Only while the deadline has not
passed. Only the latest reminder that is
due is sent: someone who starts two days before the deadline hears the 1-day one, not both; and a
reminder is for intakes started before its moment (who began yesterday needs no reminder today).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import AMSTERDAM
from bot.dialogues.model import Dialogue
from bot.outbox import DEADLINE_KEY, Notice
from bot.ports import UnitOfWork
from bot.programmes import Catalogue, Programme
from bot.quiet_hours import Window, is_day_off, next_opening

TEMPLATE = "deadline.intake"
DEFAULT_DAYS = (7, 1)
_LOOK_BACK = 61  # days before the deadline a reminder may move back to (a window closed that long: none)


class DeadlineRulesError(ValueError):
    """`deadline_reminders` in the catalogue is malformed; the message says what is wrong."""


@dataclass(frozen=True)
class Deadline:
    programme_id: str
    closes: date  # the last day registration is open (Europe/Amsterdam)
    days_before: tuple[int, ...]  # when to remind, largest first


def deadlines(catalogue: Catalogue) -> tuple[Deadline, ...]:
    """Every programme with a registration deadline, and when to remind before it. Read at start-up,
    so a malformed rule stops the bot instead of a tick much later."""
    found = []
    for programme in catalogue:
        closes = programme.rules.get("registration_deadline")
        if isinstance(closes, date):
            found.append(Deadline(programme.id, closes, _days(programme)))
    return tuple(found)


def _days(programme: Programme) -> tuple[int, ...]:
    raw = programme.rules.get("deadline_reminders", DEFAULT_DAYS)
    if (
        not isinstance(raw, tuple | list)
        or not raw
        or any(type(d) is not int or d < 1 or d > 60 for d in raw)
    ):
        raise DeadlineRulesError(
            f"{programme.id}: rules.deadline_reminders must list days before the deadline (1-60), e.g. [7, 1]"
        )
    return tuple(sorted(set(raw), reverse=True))


class DeadlineProducer:
    def __init__(
        self,
        catalogue: Catalogue,
        dialogues: Mapping[str, Dialogue],
        window: Callable[[str | None], Window],
        command_for: Callable[[str], str] = lambda _dialogue_id: "/ruil",
    ) -> None:
        self._deadlines = deadlines(catalogue)
        self._dialogues = dialogues
        self._window = window
        self._command_for = command_for

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """Write up to `limit` due reminders; returns how many intakes it looked at."""
        seen = 0
        for deadline in self._deadlines:
            if seen >= limit:
                break
            due = self._due(deadline, now)
            if due is None:
                continue
            days, at = due
            window = self._window(deadline.programme_id)
            send = next_opening(max(at, now), window)
            expires = datetime.combine(deadline.closes + timedelta(days=1), time(0), tzinfo=AMSTERDAM)
            if send >= expires:  # the window does not open again before it closes: nothing to say
                continue
            suffix = f":{deadline.closes.isoformat()}:{days}"
            found = uow.deadlines.unreminded(
                deadline.programme_id, at, f"{DEADLINE_KEY}:", suffix, limit - seen
            )
            seen += len(found)
            for intake, person in found:
                if intake.id is None:
                    continue
                dialogue = self._dialogues.get(intake.dialogue_id or intake.programme_id)
                dialogue_id = dialogue.id if dialogue else ""
                notice = Notice(
                    dedupe_key=f"{DEADLINE_KEY}:{intake.id}{suffix}",
                    platform=person.platform,
                    recipient=person.external_id,
                    locale=person.locale,
                    template=TEMPLATE,
                    due_at=at,
                    not_before=send,
                    params={
                        "intake_id": intake.id,
                        "programme_id": deadline.programme_id,
                        "dialogue_id": dialogue_id,
                        "command": self._command_for(dialogue_id) if dialogue else "/ruil",
                        "deadline": deadline.closes.isoformat(),
                        "days": days,
                        "expires_at": expires.astimezone(UTC).isoformat(),
                    },
                    participant_id=person.id,
                    programme_id=deadline.programme_id,
                )
                uow.outbox.add(notice, now)
        return seen

    def _due(self, deadline: Deadline, now: datetime) -> tuple[int, datetime] | None:
        """The latest reminder whose moment has come (days before, that moment), if the deadline has
        not passed; None otherwise."""
        window = self._window(deadline.programme_id)
        latest = None
        for days in deadline.days_before:  # largest first: the last one that is due wins
            day = deadline.closes - timedelta(days=days)
            while is_day_off(day, window) and deadline.closes - day < timedelta(days=_LOOK_BACK):
                day -= timedelta(days=1)  # no contact that day: the last contact day before it
            at = datetime.combine(day, window.opens, tzinfo=AMSTERDAM)
            if at <= now:
                latest = (days, at.astimezone(UTC))
        if now.astimezone(AMSTERDAM).date() > deadline.closes:
            return None
        return latest
