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
    forget_asked_at: datetime | None = None  # "erase everything?" was asked (and not yet answered)


@dataclass(frozen=True)
class Intake:
    participant_id: int
    programme_id: str
    dialogue_version: int
    created_at: datetime
    updated_at: datetime
    status: IntakeStatus = IntakeStatus.OPEN
    dialogue_id: str = ""  # empty: the programme's own intake dialogue (its id is the programme's)
    waitlist: bool = False  # registered after the programme's deadline
    answers: Mapping[str, Value] = field(default_factory=dict)
    confirmed_at: datetime | None = None
    id: int | None = None
    version: int = 0  # optimistic lock: two quick messages must not overwrite each other


@dataclass(frozen=True)
class Conversation:
    """Where one surface (the Slack DM, a modal, the console) stands in an intake: its own position
    over the shared answers, and what it last showed the person. Times are the platform's (for Slack,
    a message's `ts`), so they compare with the times of what the person sends."""

    intake_id: int
    surface: str
    current: str | None = None  # the question being asked; None at the summary
    suggestion: tuple[str, ...] = ()  # choice values offered after "bedoel je ...?"
    awaiting_cancel: bool = False  # "stop" was asked; the next yes/no decides
    last_typed_at: datetime | None = None  # when the newest typed message we used was sent (ordering)
    shown_step: str | None = None  # the step the person last saw (a question id, summary, cancel)
    shown_at: datetime | None = None  # when that was posted
    answer_at: datetime | None = None  # the typed message last taken as an answer (an edit of it counts)
    answer_question: str | None = None  # ... the question it answered
    answer_next: str | None = None  # ... and the step shown after it: the edit counts while that is open
    updated_at: datetime | None = None
    id: int | None = None
    version: int = 0  # every click names it: an older one is refused


@dataclass(frozen=True)
class Consent:
    """A person's consent to a programme's processing: the text version shown, and when they agreed
    (None: asked, not answered yet)."""

    programme_id: str
    dialogue_id: str  # what they asked to start
    text_version: int
    asked_at: datetime
    given_at: datetime | None = None
