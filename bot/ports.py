"""What the core needs from the outside world, as protocols. `storage/` implements them with
SQLAlchemy; tests may pass their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.coordinator_records import (
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    Funnel,
    Registration,
    ReportState,
    ReportStatus,
)
from bot.engine import Value
from bot.outbox import Notice, OutboxMessage
from bot.proposal_records import MemberState, NewMember, PoolEntry, PoolSetting, Proposal, ProposalState
from bot.records import Consent, Conversation, Intake, Participant
from bot.session_records import Occupancy, Place, Session
from bot.session_records import Registration as SessionPlace


class Conflict(Exception):
    """Someone else changed the record since it was read; read it again and retry."""


class Unavailable(Exception):
    """The store lost its connection mid-turn (a restarted database); the turn can be tried again."""


class Participants(Protocol):
    def find(self, platform: str, external_id: str) -> Participant | None: ...
    def add(self, platform: str, external_id: str, locale: str, now: datetime) -> Participant: ...
    def set_locale(self, participant_id: int, locale: str, now: datetime) -> None: ...
    def ask_forget(self, participant_id: int, at: datetime | None) -> None:
        """Remember (or, with None, forget) that "erase everything?" was asked at `at`."""
        ...

    def situation(
        self, platform: str, external_id: str, surface: str, programme_id: str | None
    ) -> tuple[Participant | None, Intake | None, Conversation | None]:
        """The person; the intake a message is about (of `programme_id`, or else the open one
        touched last), open or else the latest confirmed; and where `surface` stands in it."""
        ...


class Intakes(Protocol):
    def current(self, participant_id: int, dialogue_id: str) -> Intake | None:
        """The open intake of a dialogue, or else the latest confirmed one; cancelled ones are history."""
        ...

    def of(self, participant_id: int) -> list[Intake]:
        """Every dialogue's open intake, or else its latest confirmed one: what the Home tab lists."""
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
    def all_first_time(self, event_ids: Sequence[str], now: datetime) -> bool:
        """Record each id; False if any was seen before (one message can come under two ids)."""
        ...

    def forget_before(self, moment: datetime) -> None:
        """Drop ids recorded before `moment`: Slack stops retrying an event within minutes."""
        ...


@dataclass(frozen=True)
class IdleIntake:
    """An open intake nobody touched for a while, and what the nudges already did about it."""

    intake: Intake
    participant: Participant
    nudges: int  # how many were written to the outbox
    last_nudge_at: datetime | None  # when the last one was planned to go out


class Outbox(Protocol):
    """Messages the bot starts on its own. Producers `add`; a sender claims, sends and settles."""

    def add(self, notice: Notice, now: datetime) -> bool:
        """Queue a notice; False (and nothing changes) when its dedupe key was queued before."""
        ...

    def lock_due(self, platform: str, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages due at `now` and not claimed by a live sender, locked for this transaction
        (`FOR UPDATE SKIP LOCKED` on PostgreSQL), oldest first."""
        ...

    def claim(self, ids: list[int], worker: str, now: datetime, until: datetime) -> None:
        """Lease messages to `worker` until `until`; counts an attempt and puts them in doubt."""
        ...

    def postpone(self, message_id: int, not_before: datetime) -> None:
        """Move a message that was not attempted (quiet hours, a busy channel) to later."""
        ...

    def drop(self, message_id: int, now: datetime, reason: str) -> None:
        """Never send a pending message: what it says stopped being true."""
        ...

    def sent(self, message_id: int, now: datetime, channel: str | None, ref: str | None) -> None:
        """Delivered: recorded once, whoever holds the lease (the delivery happened)."""
        ...

    def retry(
        self,
        message_id: int,
        worker: str,
        not_before: datetime,
        error: str,
        *,
        in_doubt: bool,
        channel: str | None = None,
    ) -> None:
        """Try again from `not_before`. `in_doubt=False` when the platform surely did not post it (a
        429, or a history check that came back empty)."""
        ...

    def failed(self, message_id: int, worker: str, now: datetime, error: str) -> None:
        """A permanent refusal (user_not_found, ...): never retried, the reason kept."""
        ...

    def waiting(self, platform: str, recipient: str) -> list[OutboxMessage]:
        """What is still pending for one recipient, soonest first (the console shows it)."""
        ...

    def get(self, message_id: int) -> OutboxMessage | None: ...
    def keyed(
        self, prefix: str, platform: str | None = None, recipient: str | None = None
    ) -> list[OutboxMessage]:
        """Every message whose dedupe key starts with `prefix` (e.g. one intake's deadline reminders),
        to `recipient` only when given."""
        ...


class Nudges(Protocol):
    def idle(self, idle_before: datetime, max_nudges: int, limit: int) -> list[IdleIntake]:
        """Open intakes untouched since `idle_before` (and not nudged since), with fewer than
        `max_nudges` nudges, of people who did not turn nudges off."""
        ...

    def record(self, intake_id: int, count: int, at: datetime) -> None:
        """Remember the `count`-th nudge of an intake, planned for `at`."""
        ...


class Preferences(Protocol):
    """Which kinds of message (bot.preferences.KINDS) a person wants; every kind is on by default."""

    def wants(self, participant_id: int, kind: str) -> bool:
        """Raises ValueError for a kind that does not exist."""
        ...

    def all_wanted(self, participant_id: int) -> dict[str, bool]:
        """Every kind, in the order of KINDS, and whether the person wants it."""
        ...

    def set_wants(self, participant_id: int, kind: str, on: bool, now: datetime) -> None: ...
    def nudges_on(self, participant_id: int) -> bool:
        """wants(participant_id, "nudges"), as before there were kinds."""


class Deadlines(Protocol):
    def unreminded(
        self, programme_id: str, started_before: datetime, key_prefix: str, key_suffix: str, limit: int
    ) -> list[tuple[Intake, Participant]]:
        """Open intakes of a programme started by `started_before`, of people who did not turn
        deadline reminders off, with no outbox message keyed `<key_prefix><intake id><key_suffix>`."""
        ...


class Registrations(Protocol):
    def confirmed(self, programme_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        """(external id, answers) of every confirmed intake of a programme, oldest first: what
        matching reads."""
        ...

    def of_dialogue(self, dialogue_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        """(Slack user id, answers) of every confirmed intake of one dialogue, oldest first: what an
        export writes."""
        ...


class Sessions(Protocol):
    """Sessions and events, and who has a place at them. The database copy counts."""

    def seed(self, sessions: Sequence[Session], now: datetime) -> int:
        """Add the catalogue's sessions not stored yet (by programme and event id); never changes a
        stored one. Returns how many were added."""
        ...

    def get(self, session_id: int, *, lock: bool = False) -> Session | None:
        """A session; `lock` holds its row for this transaction (`FOR UPDATE`), so two people taking
        the last place at once are served one after the other."""
        ...

    def upcoming(self, now: datetime, programme_id: str | None = None) -> list[Session]:
        """Planned sessions that have not started, soonest first."""
        ...

    def add(self, session: Session, now: datetime) -> Session: ...
    def save(self, session: Session, now: datetime) -> Session: ...
    def occupancy(self, session_ids: Sequence[int]) -> Mapping[int, Occupancy]: ...
    def registration(self, session_id: int, participant_id: int) -> SessionPlace | None: ...
    def registration_by_id(self, registration_id: int) -> SessionPlace | None: ...
    def of(self, participant_id: int) -> list[SessionPlace]:
        """The person's registrations that are not cancelled."""
        ...

    def put(self, registration: SessionPlace) -> SessionPlace:
        """Store a registration: a new one, or a changed one (by id)."""
        ...

    def at(self, session_id: int, places: Sequence[Place]) -> list[SessionPlace]:
        """A session's registrations in these places, in waitlist order."""
        ...

    def due_reminders(self, now: datetime, limit: int) -> list[SessionPlace]:
        """Registered places whose next reminder is due at `now`, of planned sessions."""
        ...

    def held_before(self, programme_id: str, before: datetime, limit: int) -> list[SessionPlace]:
        """Places held for a brought manager at the programme's planned sessions, unanswered since
        `before` (held since then: a held row is not written again until it is answered)."""
        ...

    def person(self, participant_id: int) -> Participant | None: ...


class Coordination(Protocol):
    """What the coordinator tools keep: roles beyond the catalogue, the audit log (append only: there
    is no way to change or remove an entry), registration, broadcasts and report statuses."""

    def role_changes(self, programme_id: str, platform: str) -> Mapping[str, bool]:
        """Member ids a coordinator added (True) or removed (False), over the catalogue's list."""
        ...

    def roles_of(self, platform: str, external_id: str) -> Mapping[str, bool]:
        """The same changes for one person: programme id -> added (True) or removed (False)."""
        ...

    def set_role(
        self, programme_id: str, platform: str, external_id: str, active: bool, by: str, now: datetime
    ) -> None: ...
    def audit(self, entry: AuditEntry) -> None: ...
    def audit_log(self, programme_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """The newest entries first."""
        ...

    def registration(self, programme_id: str) -> Registration | None: ...
    def set_registration(self, registration: Registration) -> None: ...
    def funnel(self, programme_id: str) -> Funnel:
        """Intakes started (ever, stopped ones too) and completed (confirmed) of a programme."""
        ...

    def intakes(self, programme_id: str) -> list[tuple[str, Intake]]:
        """(member id, intake) of every open or confirmed intake of a programme, oldest first."""
        ...

    def recipients(self, programme_id: str) -> list[Participant]:
        """Everyone with a confirmed intake in a programme: who a broadcast goes to."""
        ...

    def add_broadcast(self, broadcast: Broadcast) -> Broadcast: ...
    def broadcast(self, broadcast_id: int) -> Broadcast | None: ...
    def settle_broadcast(
        self, broadcast_id: int, status: BroadcastStatus, recipients: int, now: datetime
    ) -> bool:
        """Draft -> sent or cancelled; False (and nothing changes) when it was no longer a draft."""
        ...

    def report_state(self, intake_id: int) -> ReportState | None: ...
    def set_report_state(
        self, intake_id: int, status: ReportStatus, reason: str | None, by: str, now: datetime
    ) -> ReportState: ...
    def report_states(self, programme_id: str) -> Mapping[int, ReportState]: ...


class ProposalCounts(Protocol):
    """How many of a programme's people were proposed a match, accepted one, and were swapped or
    placed. The proposals part of the bot provides it; until then, zeros."""

    def __call__(self, uow: UnitOfWork, programme_id: str) -> tuple[int, int, int]: ...


def no_proposals(uow: UnitOfWork, programme_id: str) -> tuple[int, int, int]:
    return 0, 0, 0


class Privacy(Protocol):
    """Consents, and what the AVG gives a person: everything about them (export), and erasure."""

    def consent(self, participant_id: int, programme_id: str) -> Consent | None: ...
    def pending(self, participant_id: int) -> Consent | None:
        """The consent question this person was asked last and has not answered, if any."""
        ...

    def ask(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None: ...
    def give(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None: ...
    def decline(self, participant_id: int, programme_id: str) -> None: ...

    def bare(self, participant_id: int) -> bool:
        """Nothing refers to the person's row (no intake, consent, place, setting, message...)."""
        ...

    def export(
        self, participant_id: int, platform: str, external_id: str
    ) -> dict[str, list[dict[str, object]]]:
        """Every stored row about one person, by table, as JSON-ready values."""
        ...

    def erase(self, participant_id: int | None, platform: str, external_id: str) -> int:
        """Delete every row about one person; returns how many went."""
        ...

    def intakes_of(self, programme_id: str, created_before: datetime, limit: int) -> list[int]:
        """A programme's intakes started before `created_before` (any status), oldest first."""
        ...

    def unanswered(self, asked_before: datetime, limit: int) -> list[tuple[int, str, str]]:
        """People whose row holds nothing but consent questions unanswered since `asked_before`."""
        ...

    def erase_intakes(self, intake_ids: list[int]) -> None: ...


class Proposals(Protocol):
    """Proposed swaps with their members' answers, declined pairs, pool settings, scheduled runs."""

    def pool(self, programme_id: str) -> list[PoolEntry]:
        """Every confirmed intake of a programme, oldest first, with its person."""
        ...

    def busy(self) -> set[int]:
        """Participants in a proposal that is not over: left out of the next run."""
        ...

    def declined_pairs(self, programme_id: str) -> set[frozenset[int]]: ...
    def decline_pair(self, programme_id: str, a: int, b: int, now: datetime) -> None: ...
    def settings(self, participant_ids: Iterable[int]) -> dict[int, PoolSetting]: ...
    def setting(self, participant_id: int) -> PoolSetting: ...
    def set_setting(self, participant_id: int, setting: PoolSetting, now: datetime) -> None: ...
    def add(
        self,
        programme_id: str,
        state: ProposalState,
        score: int,
        members: Sequence[NewMember],
        now: datetime,
        *,
        note: str | None = None,
        starts_on: date | None = None,
        returns_on: date | None = None,
    ) -> Proposal: ...
    def get(self, proposal_id: int) -> Proposal | None: ...
    def of_state(self, state: ProposalState, programme_id: str | None = None) -> list[Proposal]: ...
    def of_participant(self, participant_id: int) -> list[Proposal]: ...
    def expiring(self, now: datetime, limit: int) -> list[Proposal]: ...
    def withdrawn(self, limit: int) -> list[tuple[Proposal, set[int]]]:
        """Proposals under way with members who stopped their registration, and those members."""
        ...

    def touch(self, proposal: Proposal) -> None:
        """Raise Conflict if the proposal changed since it was read; else claim it for this change."""
        ...

    def set_state(
        self,
        proposal_id: int,
        state: ProposalState,
        now: datetime,
        *,
        sent_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> None: ...
    def answer(
        self, member_id: int, state: MemberState, now: datetime, reason: str | None = None
    ) -> None: ...
    def set_reason(self, member_id: int, reason: str) -> None: ...
    def supervisor_ok(self, member_id: int, now: datetime) -> None: ...
    def lock_pool(self, programme_id: str) -> None:
        """Serialise runs of one programme until this transaction ends."""
        ...

    def forget_introductions(self, proposal_ids: Sequence[int]) -> None:
        """Delete the group messages that named these proposals' members (an erasure)."""
        ...

    def claim_run(self, programme_id: str, slot: str, now: datetime) -> bool: ...
    def last_run(self, programme_id: str) -> str | None: ...


class UnitOfWork(Protocol):
    @property
    def participants(self) -> Participants: ...
    @property
    def intakes(self) -> Intakes: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def inbound(self) -> InboundEvents: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def nudges(self) -> Nudges: ...
    @property
    def preferences(self) -> Preferences: ...
    @property
    def registrations(self) -> Registrations: ...
    @property
    def sessions(self) -> Sessions: ...
    @property
    def deadlines(self) -> Deadlines: ...
    @property
    def coordination(self) -> Coordination: ...
    @property
    def privacy(self) -> Privacy: ...
    @property
    def proposals(self) -> Proposals: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
