"""Messages the bot starts on its own (nudges, deadline reminders; later session reminders, proposals
and broadcasts).

A producer writes a `Notice` to the outbox in the same transaction as the change that causes it; a
sender delivers it later, exactly once. A notice holds a template name and plain parameters, never a
sentence: it is rendered when it is sent, in the recipient's language at that moment and for the
surface it goes to (Slack escapes mrkdwn, the console does not), so a corrected text, or a switch to
English, also reaches what is still queued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot import session_notices
from bot.clock import AMSTERDAM
from bot.i18n import Translator, no_escape
from bot.preferences import KINDS
from bot.programmes import Catalogue
from bot.records import IntakeStatus
from bot.views import Act, Button, Screen

if TYPE_CHECKING:  # bot.ports imports this module for its records
    from bot.ports import Intakes, Outbox, Participants, Preferences, Proposals, Sessions

Param = str | int | bool


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # a permanent refusal (user_not_found, ...) or given up; the reason is kept
    DROPPED = "dropped"  # no longer true when its turn came (the intake was finished meanwhile)


@dataclass(frozen=True)
class Notice:
    """What a producer wants said, to whom, from when. `dedupe_key` makes adding it idempotent."""

    dedupe_key: str  # e.g. "nudge:42:1": a producer that runs twice adds it once
    platform: str
    recipient: str  # the platform's id of the person (a Slack user id) or of a channel
    locale: str
    template: str  # a key of TEMPLATES
    due_at: datetime  # when the producer wanted it out
    not_before: datetime  # due_at moved into the contact window
    params: Mapping[str, Param] = field(default_factory=dict)
    participant_id: int | None = None
    programme_id: str | None = None


@dataclass(frozen=True)
class OutboxMessage(Notice):
    """A notice as stored, with what the sender knows about its delivery."""

    id: int = 0
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    # Set when an attempt may have reached the platform without our knowing (a timeout, a 5xx, a
    # crash): the next attempt first looks for the message in the channel's history since then.
    doubt_since: datetime | None = None
    channel: str | None = None  # where it went (a Slack DM channel id), once known
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime | None = None


class Records(Protocol):
    """What a template's check may read (a unit of work has it)."""

    @property
    def intakes(self) -> Intakes: ...
    @property
    def participants(self) -> Participants: ...
    @property
    def preferences(self) -> Preferences: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def proposals(self) -> Proposals: ...


Renderer = Callable[[Translator, Catalogue, Mapping[str, Param], bool], Screen]
# Is the message still true when its turn comes? A nudge held over a weekend must not reach someone
# who finished or stopped the intake on Sunday.
Check = Callable[[Records, OutboxMessage], bool]


def _nudge(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    programme = t.escape(catalogue.get(str(params["programme_id"])).name.get(t.locale))
    if params.get("ready"):
        progress = t.t("nudge.progress_ready")
    else:
        progress = t.t("nudge.progress", answered=params["answered"], total=params["total"])
    last = int(params["n"]) >= int(params.get("of", 2))
    command = str(params.get("command") or "/ruil")
    text = t.t(
        "nudge.last" if last else "nudge.first", programme=programme, progress=progress, command=command
    )
    # The console has no buttons; there, the text itself says what to type.
    dialogue = str(params.get("dialogue_id") or "")
    buttons = () if console else (Button(Act.START, t.t("action.resume"), "primary", dialogue=dialogue),)
    return Screen(lines=(text,), buttons=buttons)


def _nudge_still_due(records: Records, message: OutboxMessage) -> bool:
    # Whether the person still wants nudges is asked for every kind alike (`Notices.as_now`).
    if message.participant_id is None or message.programme_id is None:
        return True
    intake_id = message.params.get("intake_id")
    if isinstance(intake_id, int) and _deadline_reminder_same_day(records, intake_id, message):
        return False  # the deadline reminder of that day says it, and more: one message, not two
    intake = records.intakes.get(intake_id) if isinstance(intake_id, int) else None
    if (
        intake is None
        or intake.status is not IntakeStatus.OPEN
        or intake.id != message.params.get("intake_id")
    ):
        return False
    return message.created_at is None or intake.updated_at <= message.created_at  # untouched since


def _deadline_reminder_same_day(records: Records, intake_id: int, nudge: OutboxMessage) -> bool:
    if nudge.participant_id is not None and not records.preferences.wants(nudge.participant_id, "deadlines"):
        return False  # that reminder will not come: the nudge stands
    day = nudge.not_before.astimezone(AMSTERDAM).date()
    return any(
        m.status in (OutboxStatus.PENDING, OutboxStatus.SENT)
        and (m.sent_at or m.not_before).astimezone(AMSTERDAM).date() == day
        for m in records.outbox.keyed(f"{DEADLINE_KEY}:{intake_id}:", nudge.platform, nudge.recipient)
    )


def _deadline(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    programme = t.escape(catalogue.get(str(params["programme_id"])).name.get(t.locale))
    deadline = date.fromisoformat(str(params["deadline"]))
    command = str(params.get("command") or "/ruil")
    text = t.t("deadline.reminder", programme=programme, date=t.date(deadline), command=command)
    dialogue = str(params.get("dialogue_id") or "")
    buttons = () if console else (Button(Act.START, t.t("action.resume"), "primary", dialogue=dialogue),)
    return Screen(lines=(text,), buttons=buttons)


def _deadline_still_due(records: Records, message: OutboxMessage) -> bool:
    """The intake is still open (the deadline itself is checked by `expires_at`)."""
    intake_id = message.params.get("intake_id")
    intake = records.intakes.get(intake_id) if isinstance(intake_id, int) else None
    return intake is not None and intake.status is IntakeStatus.OPEN


def _always(records: Records, message: OutboxMessage) -> bool:
    return True


def _proposal_ended(
    t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool
) -> Screen:
    # Privacy: someone left (erased their data); the others hear it ended, never why.
    programme = t.escape(catalogue.get(str(params["programme_id"])).name.get(t.locale))
    return Screen(lines=(t.t("privacy.proposal_ended", programme=programme),))


def _broadcast(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    # The coordinator's text is raw here; the surface's renderer escapes it (mrkdwn in Slack).
    programme = catalogue.get(str(params["programme_id"])).name.get(t.locale)
    return Screen(lines=(t.t("broadcast.header", programme=programme), str(params["text"])))


def _report_status(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    programme = catalogue.get(str(params["programme_id"])).name.get(t.locale)
    rule, status = str(params.get("rule") or ""), str(params["status"])
    if status == "afgewezen" and params.get("reason"):
        return Screen(
            lines=(
                t.t("report.changed.reason", programme=programme, rule=rule, reason=str(params["reason"])),
            )
        )
    return Screen(
        lines=(t.t("report.changed", programme=programme, rule=rule, status=t.t(f"report.status.{status}")),)
    )


def _report_still_there(records: Records, message: OutboxMessage) -> bool:
    intake_id = message.params.get("intake_id")
    intake = records.intakes.get(intake_id) if isinstance(intake_id, int) else None
    return intake is not None and intake.status is not IntakeStatus.CANCELLED  # not withdrawn or erased


DEADLINE_KEY = "deadline"  # dedupe keys "deadline:<intake>:<deadline>:<days>"

from bot import proposal_notices  # noqa: E402 - it needs Param and Records from above

TEMPLATES: Mapping[str, Renderer] = {
    "nudge.intake": _nudge,
    "deadline.intake": _deadline,
    "broadcast": _broadcast,
    "report.status": _report_status,
    "privacy.proposal_ended": _proposal_ended,
    # sessions: a place, a move, a cancellation, a reminder (bot/session_notices.py)
    **{name: session_notices.renderer(name) for name in session_notices.TEMPLATES},
    # proposals: confidential double opt-in (bot/proposals.py)
    **proposal_notices.TEMPLATES,
}
CHECKS: Mapping[str, Check] = {
    "nudge.intake": _nudge_still_due,
    "deadline.intake": _deadline_still_due,
    "report.status": _report_still_there,
    **dict.fromkeys(session_notices.TEMPLATES, session_notices.still_true),
    # proposals
    **proposal_notices.CHECKS,
}
# The kind of message each template is (bot.preferences.KINDS): a person who turned a kind off gets
# none of it, also what was queued before. A template not listed here is of the kind its first word
# names ("reminder.session" -> "reminders"; see `kind_of`), so a new producer needs no entry.
TEMPLATE_KINDS: Mapping[str, str] = {
    "nudge.intake": "nudges",
    "deadline.intake": "deadlines",
    "session.reminder": "reminders",
    proposal_notices.CHECKIN: "checkins",  # during a swap
}
# Messages that answer something the person did or is part of (a report's new status, a proposal):
# no switch turns them off. Every template is either of a kind or listed here, so none is unswitchable
# by oversight (a test checks).
ALWAYS_SENT: frozenset[str] = frozenset(
    {
        "report.status",
        "privacy.proposal_ended",
        *(t for t in session_notices.TEMPLATES if t != "session.reminder"),
        *proposal_notices.ALWAYS_SENT,
    }
)
_PREFIXES: Mapping[str, str] = {
    "nudge": "nudges",
    "reminder": "reminders",
    "deadline": "deadlines",
    "checkin": "checkins",
    "broadcast": "broadcasts",
}


def kind_of(template: str) -> str | None:
    """The kind of message a template is, or None for one no switch governs (an answer, a proposal)."""
    if template in TEMPLATE_KINDS:
        return TEMPLATE_KINDS[template]
    head = template.split(".", 1)[0]
    return head if head in KINDS else _PREFIXES.get(head)


def expired(message: OutboxMessage, now: datetime | None) -> bool:
    """Past the moment it stops making sense (`params["expires_at"]`, ISO in UTC): a deadline
    reminder held up by an outage must not arrive after the deadline."""
    until = message.params.get("expires_at")
    return now is not None and isinstance(until, str) and now >= datetime.fromisoformat(until)


def wanted(records: Records, message: OutboxMessage, person: int | None) -> bool:
    """Does its recipient (still) want this kind of message? Asked at send time, for every template."""
    kind = kind_of(message.template)
    who = message.participant_id if message.participant_id is not None else person
    return kind is None or who is None or records.preferences.wants(who, kind)


@dataclass(frozen=True)
class Notices:
    """Renders stored notices for a surface."""

    catalogue: Catalogue
    escape: Callable[[str], str] = no_escape
    console: bool = False

    def as_now(
        self, records: Records, message: OutboxMessage, now: datetime | None = None
    ) -> OutboxMessage | None:
        """The message as it should go out now, in the person's current language; None when it is no
        longer true, expired at `now`, or of a kind the person turned off. A sender asks this in its
        claim transaction, right before sending."""
        if expired(message, now) or not CHECKS.get(message.template, _always)(records, message):
            return None
        person = records.participants.find(message.platform, message.recipient)
        if not wanted(records, message, person.id if person else None):
            return None
        return replace(message, locale=person.locale) if person else message

    def screen(self, message: Notice) -> Screen:
        render = TEMPLATES[message.template]
        return render(Translator(message.locale, self.escape), self.catalogue, message.params, self.console)
