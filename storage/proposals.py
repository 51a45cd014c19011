"""Proposals, declined pairs, pool settings and scheduled runs. Like every repository here, these
never commit: the caller's unit of work does."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ports import Conflict
from bot.proposal_records import (
    ACTIVE,
    Member,
    MemberState,
    NewMember,
    PoolEntry,
    PoolSetting,
    Proposal,
    ProposalState,
)
from bot.records import IntakeStatus
from storage.models import (
    DeclinedPairRow,
    IntakeRow,
    MatchRunRow,
    OutboxRow,
    ParticipantRow,
    PoolSettingRow,
    ProposalMemberRow,
    ProposalRow,
)

_ACTIVE = [s.value for s in ACTIVE]


class SqlProposals:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ---- the pool ---------------------------------------------------------------------------

    def pool(self, programme_id: str) -> list[PoolEntry]:
        rows = self._session.execute(
            select(ParticipantRow, IntakeRow)
            .join(IntakeRow, IntakeRow.participant_id == ParticipantRow.id)
            .where(IntakeRow.programme_id == programme_id, IntakeRow.status == IntakeStatus.CONFIRMED.value)
            .order_by(IntakeRow.confirmed_at, IntakeRow.id)
        )
        return [PoolEntry(p.id, p.platform, p.external_id, p.locale, i.id, dict(i.answers)) for p, i in rows]

    def busy(self) -> set[int]:
        """Participants in a proposal that is not over (a draft, open, or a swap going ahead)."""
        rows = self._session.execute(
            select(ProposalMemberRow.participant_id)
            .join(ProposalRow, ProposalRow.id == ProposalMemberRow.proposal_id)
            .where(ProposalRow.state.in_(_ACTIVE))
        )
        return {r[0] for r in rows}

    def declined_pairs(self, programme_id: str) -> set[frozenset[int]]:
        rows = self._session.execute(
            select(DeclinedPairRow.first_id, DeclinedPairRow.second_id).where(
                DeclinedPairRow.programme_id == programme_id
            )
        )
        return {frozenset((a, b)) for a, b in rows}

    def decline_pair(self, programme_id: str, a: int, b: int, now: datetime) -> None:
        first, second = min(a, b), max(a, b)
        if self._session.get(DeclinedPairRow, (programme_id, first, second)) is None:
            self._session.add(
                DeclinedPairRow(programme_id=programme_id, first_id=first, second_id=second, created_at=now)
            )
            self._session.flush()

    def settings(self, participant_ids: Iterable[int]) -> dict[int, PoolSetting]:
        ids = list(participant_ids)
        found: dict[int, PoolSetting] = {}
        for start in range(0, len(ids), 500):
            for row in self._session.scalars(
                select(PoolSettingRow).where(PoolSettingRow.participant_id.in_(ids[start : start + 500]))
            ):
                found[row.participant_id] = PoolSetting(row.paused, tuple(row.not_with))
        return found

    def setting(self, participant_id: int) -> PoolSetting:
        return self.settings([participant_id]).get(participant_id, PoolSetting())

    def set_setting(self, participant_id: int, setting: PoolSetting, now: datetime) -> None:
        row = self._session.get(PoolSettingRow, participant_id)
        if row is not None:
            row.paused, row.not_with, row.updated_at = setting.paused, list(setting.not_with), now
            return
        try:
            with self._session.begin_nested():
                self._session.add(
                    PoolSettingRow(
                        participant_id=participant_id,
                        paused=setting.paused,
                        not_with=list(setting.not_with),
                        updated_at=now,
                    )
                )
        except IntegrityError as error:
            raise Conflict(f"pool settings of {participant_id} were added meanwhile") from error

    # ---- proposals --------------------------------------------------------------------------

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
    ) -> Proposal:
        row = ProposalRow(
            programme_id=programme_id,
            state=state.value,
            score=score,
            note=note,
            starts_on=starts_on,
            returns_on=returns_on,
            created_at=now,
            version=0,
        )
        self._session.add(row)
        self._session.flush()
        for position, member in enumerate(members):
            self._session.add(
                ProposalMemberRow(
                    proposal_id=row.id,
                    participant_id=member.participant_id,
                    position=position,
                    state=MemberState.PENDING.value,
                    offer=dict(member.offer),
                )
            )
        self._session.flush()
        found = self.get(row.id)
        assert found is not None
        return found

    def get(self, proposal_id: int) -> Proposal | None:
        row = self._session.get(ProposalRow, proposal_id, populate_existing=True)
        return None if row is None else self._proposal(row)

    def of_state(self, state: ProposalState, programme_id: str | None = None) -> list[Proposal]:
        query = select(ProposalRow).where(ProposalRow.state == state.value).order_by(ProposalRow.id)
        query = query.execution_options(populate_existing=True)
        if programme_id is not None:
            query = query.where(ProposalRow.programme_id == programme_id)
        return [self._proposal(r) for r in self._session.scalars(query)]

    def of_participant(self, participant_id: int) -> list[Proposal]:
        """Every proposal the person is in, newest first."""
        rows = self._session.scalars(
            select(ProposalRow)
            .join(ProposalMemberRow, ProposalMemberRow.proposal_id == ProposalRow.id)
            .where(ProposalMemberRow.participant_id == participant_id)
            .order_by(ProposalRow.id.desc())
            .execution_options(populate_existing=True)
        )
        return [self._proposal(r) for r in rows]

    def expiring(self, now: datetime, limit: int) -> list[Proposal]:
        rows = self._session.scalars(
            select(ProposalRow)
            .where(ProposalRow.state == ProposalState.OPEN.value, ProposalRow.expires_at <= now)
            .order_by(ProposalRow.expires_at, ProposalRow.id)
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [self._proposal(r) for r in rows]

    def withdrawn(self, limit: int) -> list[tuple[Proposal, set[int]]]:
        """Proposals not yet going ahead with a member who stopped their registration meanwhile (no
        open or confirmed intake of the programme left), and who those members are."""
        registered = (
            select(IntakeRow.id)
            .where(
                IntakeRow.participant_id == ProposalMemberRow.participant_id,
                IntakeRow.programme_id == ProposalRow.programme_id,
                IntakeRow.status.in_([IntakeStatus.OPEN.value, IntakeStatus.CONFIRMED.value]),
            )
            .exists()
        )
        under_way = [ProposalState.DRAFT.value, ProposalState.OPEN.value, ProposalState.ACCEPTED.value]
        rows = self._session.execute(
            select(ProposalRow.id, ProposalMemberRow.participant_id)
            .join(ProposalMemberRow, ProposalMemberRow.proposal_id == ProposalRow.id)
            .where(ProposalRow.state.in_(under_way), ~registered)
            .order_by(ProposalRow.id)
            .limit(limit)
        )
        gone: dict[int, set[int]] = {}
        for proposal_id, participant_id in rows:
            gone.setdefault(proposal_id, set()).add(participant_id)
        found = []
        for proposal_id, people in gone.items():
            proposal = self.get(proposal_id)
            if proposal is not None:
                found.append((proposal, people))
        return found

    def touch(self, proposal: Proposal) -> None:
        """Claim the proposal for this change: Conflict if another changed it since it was read (two
        members answering at the same moment must not both miss that they were the last)."""
        result: Any = self._session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal.id, ProposalRow.version == proposal.version)
            .values(version=proposal.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(f"proposal {proposal.id} changed meanwhile")

    def set_state(
        self,
        proposal_id: int,
        state: ProposalState,
        now: datetime,
        *,
        sent_at: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {"state": state.value}
        if state not in ACTIVE:
            values["closed_at"] = now
        if sent_at is not None:
            values["sent_at"] = sent_at
        if expires_at is not None:
            values["expires_at"] = expires_at
        self._session.execute(
            update(ProposalRow)
            .where(ProposalRow.id == proposal_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def answer(self, member_id: int, state: MemberState, now: datetime, reason: str | None = None) -> None:
        self._session.execute(
            update(ProposalMemberRow)
            .where(ProposalMemberRow.id == member_id)
            .values(state=state.value, answered_at=now, decline_reason=reason)
            .execution_options(synchronize_session=False)
        )

    def set_reason(self, member_id: int, reason: str) -> None:
        self._session.execute(
            update(ProposalMemberRow)
            .where(ProposalMemberRow.id == member_id)
            .values(decline_reason=reason)
            .execution_options(synchronize_session=False)
        )

    def supervisor_ok(self, member_id: int, now: datetime) -> None:
        self._session.execute(
            update(ProposalMemberRow)
            .where(ProposalMemberRow.id == member_id)
            .values(supervisor_ok_at=now)
            .execution_options(synchronize_session=False)
        )

    def forget_introductions(self, proposal_ids: Sequence[int]) -> None:
        """Delete the group messages that introduced these proposals' members: they name everyone by
        Slack id, so the erasure of any one of them takes them along (sent or not)."""
        keys = [f"proposal:{i}:proposal.introduction" for i in proposal_ids]
        if keys:
            self._session.execute(
                delete(OutboxRow)
                .where(OutboxRow.dedupe_key.in_(keys))
                .execution_options(synchronize_session=False)
            )

    def lock_pool(self, programme_id: str) -> None:
        """Hold the programme's pool until this transaction ends, so two runs at the same moment (a
        scheduled one and a coordinator's) never propose the same person twice. PostgreSQL takes an
        advisory lock; SQLite has one writer at a time anyway."""
        if self._session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(f"ruilbot-pool:{programme_id}".encode())
            self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    # ---- scheduled runs ---------------------------------------------------------------------

    def claim_run(self, programme_id: str, slot: str, now: datetime) -> bool:
        """True for the one instance that claims this slot; False when another did before."""
        if self._session.get(MatchRunRow, (programme_id, slot)) is not None:
            return False
        try:
            with self._session.begin_nested():
                self._session.add(MatchRunRow(programme_id=programme_id, slot=slot, started_at=now))
        except IntegrityError:
            return False
        return True

    def last_run(self, programme_id: str) -> str | None:
        return self._session.scalar(
            select(MatchRunRow.slot)
            .where(MatchRunRow.programme_id == programme_id)
            .order_by(MatchRunRow.slot.desc())
            .limit(1)
        )

    # ---- reading ----------------------------------------------------------------------------

    def _proposal(self, row: ProposalRow) -> Proposal:
        members = self._session.execute(
            select(ProposalMemberRow, ParticipantRow)
            .join(ParticipantRow, ParticipantRow.id == ProposalMemberRow.participant_id)
            .where(ProposalMemberRow.proposal_id == row.id)
            .order_by(ProposalMemberRow.position)
            .execution_options(populate_existing=True)
        )
        return Proposal(
            id=row.id,
            programme_id=row.programme_id,
            state=ProposalState(row.state),
            score=row.score,
            created_at=row.created_at,
            version=row.version,
            note=row.note,
            starts_on=row.starts_on,
            returns_on=row.returns_on,
            sent_at=row.sent_at,
            expires_at=row.expires_at,
            closed_at=row.closed_at,
            members=tuple(
                Member(
                    id=m.id,
                    participant_id=m.participant_id,
                    position=m.position,
                    state=MemberState(m.state),
                    offer=dict(m.offer),
                    platform=p.platform,
                    external_id=p.external_id,
                    locale=p.locale,
                    answered_at=m.answered_at,
                    decline_reason=m.decline_reason,
                    supervisor_ok_at=m.supervisor_ok_at,
                )
                for m, p in members
            ),
        )
