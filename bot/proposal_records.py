"""Proposals as the core sees them: plain frozen records, free of any database type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.engine import Value


class ProposalState(StrEnum):
    DRAFT = "draft"  # waits for a coordinator's approval (review: true)
    OPEN = "open"  # sent: every member is asked
    ACCEPTED = "accepted"  # everyone said yes: names revealed, supervisors' consent asked
    CONFIRMED = "confirmed"  # every supervisor agrees: the swap goes ahead
    DECLINED = "declined"
    EXPIRED = "expired"
    REMOVED = "removed"  # a draft a coordinator took out


# Whoever is in one of these is left out of the next run; sent proposals are never disturbed.
ACTIVE = (ProposalState.DRAFT, ProposalState.OPEN, ProposalState.ACCEPTED, ProposalState.CONFIRMED)


class MemberState(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"  # stopped their registration while the proposal was under way


@dataclass(frozen=True)
class Member:
    id: int
    participant_id: int
    position: int  # takes the post of the member at position + 1 (the last takes the first's)
    state: MemberState
    offer: Mapping[str, Any]  # the post they would take, anonymous, and why (see bot/proposals.py)
    platform: str
    external_id: str
    locale: str
    answered_at: datetime | None = None
    decline_reason: str | None = None
    supervisor_ok_at: datetime | None = None


@dataclass(frozen=True)
class Proposal:
    id: int
    programme_id: str
    state: ProposalState
    score: int
    created_at: datetime
    version: int
    members: tuple[Member, ...] = ()
    note: str | None = None
    starts_on: date | None = None
    returns_on: date | None = None
    sent_at: datetime | None = None
    expires_at: datetime | None = None
    closed_at: datetime | None = None

    def member_of(self, participant_id: int) -> Member | None:
        return next((m for m in self.members if m.participant_id == participant_id), None)


@dataclass(frozen=True)
class NewMember:
    participant_id: int
    offer: Mapping[str, Any]


@dataclass(frozen=True)
class PoolEntry:
    """A confirmed intake in a programme's pool, and who it belongs to."""

    participant_id: int
    platform: str
    external_id: str
    locale: str
    intake_id: int
    answers: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class PoolSetting:
    paused: bool = False
    not_with: tuple[str, ...] = ()  # organisation codes as matching knows them
