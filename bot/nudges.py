"""Nudges for intakes that stalled: an open intake untouched for three days gets a gentle word, at most
twice (three days apart), then silence. A producer for the tick: it asks the database what is due at
`now` and writes notices to the outbox, in the same transaction that records the nudge."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import engine
from bot.dialogues.model import Dialogue
from bot.outbox import Notice
from bot.ports import UnitOfWork
from bot.quiet_hours import Window, next_opening

TEMPLATE = "nudge.intake"


@dataclass(frozen=True)
class NudgePolicy:
    idle: timedelta = timedelta(days=3)  # untouched this long: nudge; and again this long after
    most: int = 2  # then silence


class NudgeProducer:
    def __init__(
        self,
        dialogues: Mapping[str, Dialogue],
        window: Callable[[str | None], Window],
        policy: NudgePolicy = NudgePolicy(),
        command_for: Callable[[str], str] = lambda _dialogue_id: "/ruil",
    ) -> None:
        self._dialogues = dialogues  # by dialogue id: a programme may have more than one
        self._command_for = command_for  # what a person types to go on with a dialogue
        self._window = window  # a programme's contact hours
        self._policy = policy

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """Write up to `limit` due nudges; returns how many intakes it looked at (the tick asks again
        while that is `limit`)."""
        idle = uow.nudges.idle(now - self._policy.idle, self._policy.most, limit)
        for found in idle:
            intake, person = found.intake, found.participant
            dialogue = self._dialogues.get(intake.dialogue_id or intake.programme_id)
            if intake.id is None:
                continue
            if dialogue is None:  # a programme whose intake is gone: say nothing, and don't ask again
                uow.nudges.record(intake.id, self._policy.most, now)
                continue
            count = found.nudges + 1
            since = max(t for t in (intake.updated_at, found.last_nudge_at) if t is not None)
            due = since + self._policy.idle
            at = next_opening(max(due, now), self._window(intake.programme_id))
            state = engine.restore(dialogue, intake.answers, None)  # the first open question, if any
            notice = Notice(
                dedupe_key=f"nudge:{intake.id}:{count}",
                platform=person.platform,
                recipient=person.external_id,
                locale=person.locale,
                template=TEMPLATE,
                due_at=due,
                not_before=at,
                params={
                    "intake_id": intake.id,
                    "programme_id": intake.programme_id,
                    "dialogue_id": dialogue.id,
                    "command": self._command_for(dialogue.id),
                    "answered": len(state.answers),
                    "total": len(engine.applicable(dialogue, state.answers)),
                    "ready": state.current is None,
                    "n": count,
                    "of": self._policy.most,
                },
                participant_id=person.id,
                programme_id=intake.programme_id,
            )
            uow.outbox.add(notice, now)
            # The next one counts from when this one is planned to go out, not from when it was due:
            # a nudge held over a weekend is not followed by another one a day later.
            uow.nudges.record(intake.id, count, at)
        return len(idle)
