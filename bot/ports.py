"""What the core needs from the outside world, as protocols. `storage/` implements them with
SQLAlchemy; tests may pass their own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.engine import Value
from bot.records import Intake, Participant


class Conflict(Exception):
    """Someone else changed the record since it was read; read it again and retry."""


class Participants(Protocol):
    def find(self, platform: str, external_id: str) -> Participant | None: ...
    def add(self, platform: str, external_id: str, locale: str, now: datetime) -> Participant: ...
    def set_locale(self, participant_id: int, locale: str, now: datetime) -> None: ...


class Intakes(Protocol):
    def current(self, participant_id: int, programme_id: str) -> Intake | None:
        """The open intake, or else the latest confirmed one; cancelled ones are history."""
        ...

    def active(self, participant_id: int) -> Intake | None:
        """What a typed message is about: the open intake touched last, or else the latest confirmed."""
        ...

    def add(self, intake: Intake) -> Intake: ...
    def save(self, intake: Intake) -> Intake:
        """Store a changed intake; raises Conflict if its version moved on meanwhile."""
        ...


class InboundEvents(Protocol):
    def first_time(self, event_id: str, now: datetime) -> bool:
        """Record an incoming event id; False if it was seen before (a retry)."""
        ...

    def forget_before(self, moment: datetime) -> None:
        """Drop ids recorded before `moment`: Slack stops retrying an event within minutes."""
        ...


class Registrations(Protocol):
    def confirmed(self, programme_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        """(external id, answers) of every confirmed intake of a programme, oldest first: what
        matching reads."""
        ...


class UnitOfWork(Protocol):
    @property
    def participants(self) -> Participants: ...
    @property
    def intakes(self) -> Intakes: ...
    @property
    def inbound(self) -> InboundEvents: ...
    @property
    def registrations(self) -> Registrations: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
