"""What the core needs from the outside world, as protocols. `storage/` implements them with
SQLAlchemy; tests may pass their own."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.records import Conversation, Intake, Participant


class Conflict(Exception):
    """Someone else changed the record since it was read; read it again and retry."""


class Unavailable(Exception):
    """The store lost its connection mid-turn (a restarted database); the turn can be tried again."""


class Participants(Protocol):
    def find(self, platform: str, external_id: str) -> Participant | None: ...
    def add(self, platform: str, external_id: str, locale: str, now: datetime) -> Participant: ...
    def set_locale(self, participant_id: int, locale: str, now: datetime) -> None: ...


class Intakes(Protocol):
    def current(self, participant_id: int, dialogue_id: str) -> Intake | None:
        """The open intake of a dialogue, or else the latest confirmed one; cancelled ones are history."""
        ...

    def of(self, participant_id: int) -> list[Intake]:
        """Every dialogue's open intake, or else its latest confirmed one: what the Home tab lists."""
        ...

    def active(self, participant_id: int) -> Intake | None:
        """What a typed message is about: the open intake touched last, or else the latest confirmed."""
        ...

    def get(self, intake_id: int) -> Intake | None: ...
    def add(self, intake: Intake) -> Intake: ...
    def save(self, intake: Intake) -> Intake:
        """Store a changed intake; raises Conflict if its version moved on meanwhile."""
        ...


class Conversations(Protocol):
    def get(self, intake_id: int, surface: str) -> Conversation | None: ...
    def add(self, conversation: Conversation) -> Conversation: ...
    def save(self, conversation: Conversation) -> Conversation:
        """Store a changed position; raises Conflict if its version moved on meanwhile."""
        ...

    def shown(self, intake_id: int, surface: str, step: str, at: datetime) -> None:
        """Record that `step` was put in front of the person at `at` (unless something newer was, or
        the same step was already on screen: then it keeps the moment it first appeared)."""
        ...


class InboundEvents(Protocol):
    def first_time(self, event_id: str, now: datetime) -> bool:
        """Record an incoming event id; False if it was seen before (a retry)."""
        ...

    def forget_before(self, moment: datetime) -> None:
        """Drop ids recorded before `moment`: Slack stops retrying an event within minutes."""
        ...


class UnitOfWork(Protocol):
    @property
    def participants(self) -> Participants: ...
    @property
    def intakes(self) -> Intakes: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def inbound(self) -> InboundEvents: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
