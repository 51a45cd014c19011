"""Messages the bot starts on its own (nudges now; reminders, proposals and broadcasts later).

A producer writes a `Notice` to the outbox in the same transaction as the change that causes it; a
sender delivers it later, exactly once. A notice holds a template name and plain parameters, never a
sentence: it is rendered when it is sent, in the recipient's language at that moment and for the
surface it goes to (Slack escapes mrkdwn, the console does not), so a corrected text, or a switch to
English, also reaches what is still queued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.i18n import Translator, no_escape
from bot.programmes import Catalogue
from bot.records import IntakeStatus
from bot.views import Act, Button, Screen

if TYPE_CHECKING:  # bot.ports imports this module for its records
    from bot.ports import Intakes, Participants, Preferences, Proposals

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
    if message.participant_id is None or message.programme_id is None:
        return True
    if message.participant_id is not None and not records.preferences.nudges_on(message.participant_id):
        return False  # turned off after it was queued (/ruil meldingen uit)
    intake_id = message.params.get("intake_id")
    intake = records.intakes.get(intake_id) if isinstance(intake_id, int) else None
    if (
        intake is None
        or intake.status is not IntakeStatus.OPEN
        or intake.id != message.params.get("intake_id")
    ):
        return False
    return message.created_at is None or intake.updated_at <= message.created_at  # untouched since


def _always(records: Records, message: OutboxMessage) -> bool:
    return True


from bot import proposal_notices  # noqa: E402 - it needs Param and Records from above

TEMPLATES: Mapping[str, Renderer] = {
    "nudge.intake": _nudge,
    # proposals: confidential double opt-in (bot/proposals.py)
    **proposal_notices.TEMPLATES,
}
CHECKS: Mapping[str, Check] = {
    "nudge.intake": _nudge_still_due,
    # proposals
    **proposal_notices.CHECKS,
}


@dataclass(frozen=True)
class Notices:
    """Renders stored notices for a surface."""

    catalogue: Catalogue
    escape: Callable[[str], str] = no_escape
    console: bool = False

    def as_now(self, records: Records, message: OutboxMessage) -> OutboxMessage | None:
        """The message as it should go out now, in the person's current language; None when it is no
        longer true. A sender asks this in its claim transaction, right before sending."""
        if not CHECKS.get(message.template, _always)(records, message):
            return None
        person = records.participants.find(message.platform, message.recipient)
        return replace(message, locale=person.locale) if person else message

    def screen(self, message: Notice) -> Screen:
        render = TEMPLATES[message.template]
        return render(Translator(message.locale, self.escape), self.catalogue, message.params, self.console)
