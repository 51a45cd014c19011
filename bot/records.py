"""What the core stores and reads back: plain frozen records, free of any database type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.engine import Value


class IntakeStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Participant:
    id: int
    platform: str  # "slack", "console"; "teams" later
    external_id: str
    locale: str


@dataclass(frozen=True)
class Intake:
    participant_id: int
    programme_id: str
    dialogue_version: int
    created_at: datetime
    updated_at: datetime
    status: IntakeStatus = IntakeStatus.OPEN
    answers: Mapping[str, Value] = field(default_factory=dict)
    current: str | None = None
    suggestion: tuple[str, ...] = ()
    awaiting_cancel: bool = False  # "stop" was asked; the next yes/no decides
    last_typed_at: datetime | None = None  # when the newest typed message we used was sent (ordering)
    confirmed_at: datetime | None = None
    id: int | None = None
    version: int = 0  # optimistic lock: two quick messages must not overwrite each other
