"""What the coordinator tools store and read back: plain frozen records, free of any database type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class AuditAction(StrEnum):
    """What an audit entry records. Reads of personal data and refusals are what the AVG asks for;
    changes a coordinator makes are kept alongside, so one log tells who did what."""

    REFUSED = "refused"  # someone who is not a coordinator of the programme tried a coordinator action
    EXPORT = "export"  # a programme's intakes, as CSV
    VIEW_INTAKE = "view_intake"  # one intake's answers
    LIST_REPORTS = "list_reports"  # the regulation reports, with their rule
    VIEW_AUDIT = "view_audit"  # this log itself: it names people too
    COORDINATOR_ADDED = "coordinator_added"
    COORDINATOR_REMOVED = "coordinator_removed"
    REGISTRATION_CLOSED = "registration_closed"
    REGISTRATION_OPENED = "registration_opened"
    BROADCAST_SENT = "broadcast_sent"
    REPORT_STATUS = "report_status"
    SESSION_CHANGED = "session_changed"  # added, moved, cancelled, places
    MATCHING_RUN = "matching_run"
    VIEW_PROPOSALS = "view_proposals"  # the drafts under review, with who is in them
    PROPOSAL_CHANGED = "proposal_changed"  # approved, removed, added by hand


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    platform: str
    actor: str  # the platform's id of who did it (a Slack member id)
    action: AuditAction
    programme_id: str | None = None
    subject: str | None = None  # what was read or changed: an intake id, a member id
    detail: str = ""  # what was typed (refusals), a status, a count
    id: int | None = None


@dataclass(frozen=True)
class Registration:
    """A programme's registration as a coordinator set it; no record means open."""

    programme_id: str
    closed: bool
    reopens_on: date | None  # said to whoever tries meanwhile; the coordinator reopens it
    changed_by: str
    changed_at: datetime


class BroadcastStatus(StrEnum):
    DRAFT = "draft"  # previewed, waiting for the coordinator's confirmation
    SENT = "sent"  # written to the outbox, one message per participant
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Broadcast:
    programme_id: str
    author: str  # the coordinator's member id
    text: str  # raw, as typed: escaped when rendered
    created_at: datetime
    status: BroadcastStatus = BroadcastStatus.DRAFT
    recipients: int = 0
    sent_at: datetime | None = None
    id: int | None = None


class ReportStatus(StrEnum):
    """Where a regulation report stands (Van regels naar ruimte)."""

    RECEIVED = "ontvangen"
    IN_PROGRESS = "in_behandeling"
    PILOT = "pilot_gestart"
    REJECTED = "afgewezen"  # always with a reason
    SOLVED = "opgelost"


@dataclass(frozen=True)
class ReportState:
    intake_id: int
    status: ReportStatus
    reason: str | None
    changed_by: str
    changed_at: datetime
    version: int  # one more at every change: the reporter's DM for each change is its own


@dataclass(frozen=True)
class Funnel:
    """How far a programme's people got. `proposed`, `accepted` and `placed` come from the proposals
    (another part of the bot); they are zero until it reports them."""

    started: int = 0
    completed: int = 0
    proposed: int = 0
    accepted: int = 0
    placed: int = 0  # swapped, or placed in a cohort, tranche or assignment
