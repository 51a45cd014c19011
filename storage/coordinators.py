"""The coordinator tools' storage. Never commits; the unit of work owns the transaction. The audit
log is only ever inserted into and read: this module has no statement that changes or deletes it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.coordinator_records import (
    AuditAction,
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    Funnel,
    Registration,
    ReportState,
    ReportStatus,
)
from bot.records import Intake, IntakeStatus, Participant
from storage.models import (
    AuditRow,
    BroadcastRow,
    CoordinatorRoleRow,
    IntakeRow,
    ParticipantRow,
    RegistrationRow,
    ReportStateRow,
)
from storage.repositories import I, P, _intake

DETAIL = 300  # characters of audit detail kept


# Read on every start of an intake and every Home tab: Core statements, built once. What the ORM
# writes below is flushed at once, so these see it within the same transaction.
_ROLES = cast(Table, CoordinatorRoleRow.__table__)
_REGISTRATION = cast(Table, RegistrationRow.__table__)
ROLE_CHANGES = select(_ROLES.c.external_id, _ROLES.c.active).where(
    _ROLES.c.programme_id == bindparam("programme_id"), _ROLES.c.platform == bindparam("platform")
)
ROLES_OF = select(_ROLES.c.programme_id, _ROLES.c.active).where(
    _ROLES.c.platform == bindparam("platform"), _ROLES.c.external_id == bindparam("external_id")
)
REGISTRATION = select(_REGISTRATION).where(_REGISTRATION.c.programme_id == bindparam("programme_id"))


class SqlCoordination:
    def __init__(self, connection: Connection, session: Callable[[], Session]) -> None:
        self._db = connection
        self._sessions = session  # made when first needed: most turns only read

    @property
    def _session(self) -> Session:
        return self._sessions()

    # -- roles --------------------------------------------------------------------------------------

    def role_changes(self, programme_id: str, platform: str) -> Mapping[str, bool]:
        rows = self._db.execute(ROLE_CHANGES, {"programme_id": programme_id, "platform": platform})
        return {row.external_id: row.active for row in rows}

    def roles_of(self, platform: str, external_id: str) -> Mapping[str, bool]:
        rows = self._db.execute(ROLES_OF, {"platform": platform, "external_id": external_id})
        return {row.programme_id: row.active for row in rows}

    def set_role(
        self, programme_id: str, platform: str, external_id: str, active: bool, by: str, now: datetime
    ) -> None:
        row = self._session.scalars(
            select(CoordinatorRoleRow).where(
                CoordinatorRoleRow.programme_id == programme_id,
                CoordinatorRoleRow.platform == platform,
                CoordinatorRoleRow.external_id == external_id,
            )
        ).one_or_none()
        if row is None:
            self._session.add(
                CoordinatorRoleRow(
                    programme_id=programme_id,
                    platform=platform,
                    external_id=external_id,
                    active=active,
                    changed_by=by,
                    changed_at=now,
                )
            )
        else:
            row.active, row.changed_by, row.changed_at = active, by, now
        self._session.flush()

    # -- the audit log: insert and read, nothing else ---------------------------------------------

    def audit(self, entry: AuditEntry) -> None:
        self._session.add(
            AuditRow(
                at=entry.at,
                platform=entry.platform,
                actor=entry.actor,
                action=entry.action.value,
                programme_id=entry.programme_id,
                subject=entry.subject,
                detail=entry.detail[:DETAIL],
            )
        )
        self._session.flush()

    def audit_log(self, programme_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if programme_id is not None:
            query = query.where(AuditRow.programme_id == programme_id)
        return [
            AuditEntry(
                at=row.at,
                platform=row.platform,
                actor=row.actor,
                action=AuditAction(row.action),
                programme_id=row.programme_id,
                subject=row.subject,
                detail=row.detail,
                id=row.id,
            )
            for row in self._session.scalars(query)
        ]

    # -- registration -------------------------------------------------------------------------------

    def registration(self, programme_id: str) -> Registration | None:
        row = self._db.execute(REGISTRATION, {"programme_id": programme_id}).first()
        if row is None:
            return None
        return Registration(row.programme_id, row.closed, row.reopens_on, row.changed_by, row.changed_at)

    def set_registration(self, registration: Registration) -> None:
        row = self._session.get(RegistrationRow, registration.programme_id)
        if row is None:
            row = RegistrationRow(programme_id=registration.programme_id)
            self._session.add(row)
        row.closed, row.reopens_on = registration.closed, registration.reopens_on
        row.changed_by, row.changed_at = registration.changed_by, registration.changed_at
        self._session.flush()

    # -- reading intakes ----------------------------------------------------------------------------

    def funnel(self, programme_id: str) -> Funnel:
        counts: dict[str, int] = dict(
            self._session.execute(  # type: ignore[arg-type]
                select(IntakeRow.status, func.count())
                .where(IntakeRow.programme_id == programme_id)
                .group_by(IntakeRow.status)
            ).all()
        )
        return Funnel(started=sum(counts.values()), completed=counts.get(IntakeStatus.CONFIRMED.value, 0))

    def intakes(self, programme_id: str) -> list[tuple[str, Intake]]:
        rows = self._session.execute(
            select(P.c.external_id, I)
            .join(P, P.c.id == I.c.participant_id)
            .where(
                I.c.programme_id == programme_id,
                I.c.status.in_([IntakeStatus.OPEN.value, IntakeStatus.CONFIRMED.value]),
            )
            .order_by(I.c.created_at, I.c.id)
        )
        return [(row._mapping[P.c.external_id], _intake(row._mapping)) for row in rows]

    def recipients(self, programme_id: str) -> list[Participant]:
        rows = self._session.scalars(
            select(ParticipantRow)
            .where(
                ParticipantRow.id.in_(
                    select(IntakeRow.participant_id).where(
                        IntakeRow.programme_id == programme_id,
                        IntakeRow.status == IntakeStatus.CONFIRMED.value,
                    )
                )
            )
            .order_by(ParticipantRow.id)
        )
        return [Participant(r.id, r.platform, r.external_id, r.locale) for r in rows]

    # -- broadcasts ---------------------------------------------------------------------------------

    def add_broadcast(self, broadcast: Broadcast) -> Broadcast:
        row = BroadcastRow(
            programme_id=broadcast.programme_id,
            author=broadcast.author,
            text=broadcast.text,
            created_at=broadcast.created_at,
            status=broadcast.status.value,
            recipients=broadcast.recipients,
            sent_at=broadcast.sent_at,
        )
        self._session.add(row)
        self._session.flush()
        return _broadcast(row)

    def broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = self._session.get(BroadcastRow, broadcast_id)
        return _broadcast(row) if row is not None else None

    def settle_broadcast(
        self, broadcast_id: int, status: BroadcastStatus, recipients: int, now: datetime
    ) -> bool:
        # One statement that only moves a draft: a double click, or two instances, settle it once.
        done = self._session.execute(
            update(BroadcastRow)
            .where(BroadcastRow.id == broadcast_id, BroadcastRow.status == BroadcastStatus.DRAFT.value)
            .values(status=status.value, recipients=recipients, sent_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # -- regulation reports -------------------------------------------------------------------------

    def report_state(self, intake_id: int) -> ReportState | None:
        row = self._session.get(ReportStateRow, intake_id)
        return _report(row) if row is not None else None

    def set_report_state(
        self, intake_id: int, status: ReportStatus, reason: str | None, by: str, now: datetime
    ) -> ReportState:
        row = self._session.get(ReportStateRow, intake_id, with_for_update=True)
        if row is None:
            row = ReportStateRow(intake_id=intake_id, version=0)
            self._session.add(row)
        row.status, row.reason, row.changed_by, row.changed_at = status.value, reason, by, now
        row.version += 1
        self._session.flush()
        return _report(row)

    def report_states(self, programme_id: str) -> Mapping[int, ReportState]:
        rows = self._session.scalars(
            select(ReportStateRow)
            .join(IntakeRow, IntakeRow.id == ReportStateRow.intake_id)
            .where(IntakeRow.programme_id == programme_id)
        )
        return {row.intake_id: _report(row) for row in rows}


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        programme_id=row.programme_id,
        author=row.author,
        text=row.text,
        created_at=row.created_at,
        status=BroadcastStatus(row.status),
        recipients=row.recipients,
        sent_at=row.sent_at,
        id=row.id,
    )


def _report(row: ReportStateRow) -> ReportState:
    return ReportState(
        intake_id=row.intake_id,
        status=ReportStatus(row.status),
        reason=row.reason,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
        version=row.version,
    )
