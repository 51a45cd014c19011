"""What the core needs from the outside world, as protocols. `storage/` implements them with
SQLAlchemy; tests may pass their own."""

from __future__ import annotations

from collections.abc import Sequence
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
    def situation(
        self, platform: str, external_id: str, surface: str, programme_id: str | None
    ) -> tuple[Participant | None, Intake | None, Conversation | None]:
        """The person; the intake a message is about (of `programme_id`, or else the open one
        touched last), open or else the latest confirmed; and where `surface` stands in it."""
        ...


class Intakes(Protocol):
    def current(self, participant_id: int, programme_id: str) -> Intake | None:
        """The open intake, or else the latest confirmed one; cancelled ones are history."""
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

    def all_first_time(self, event_ids: Sequence[str], now: datetime) -> bool:
        """Record each id; False if any was seen before (one message can come under two ids)."""
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
