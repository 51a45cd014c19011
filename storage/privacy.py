"""What the AVG asks of the store: consents, everything about one person (export), erasing it, and
erasing intakes after their retention period.

Export and erasure are driven by the metadata, not by a list of tables: every table that references
`participants.id` (directly, or through a table that does, such as conversations through intakes) is
about a person. A table added later with such a foreign key is exported and erased without a change
here; `tests/unit/test_privacy_storage.py` holds that. Two kinds of rows name a person without such a
key, and are listed here by hand: outbox messages addressed to their platform id, and inbound ids
that contain it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Column, Table, and_, delete, func, select, update
from sqlalchemy.orm import Session

from bot.records import Consent
from storage.models import (
    Base,
    ConsentRow,
    InboundEventRow,
    IntakeRow,
    OutboxRow,
    ParticipantRow,
    PreferenceRow,
)

P = cast(Table, ParticipantRow.__table__)
K = cast(Table, ConsentRow.__table__)
I = cast(Table, IntakeRow.__table__)  # noqa: E741 - the table's initial, as in the SQL it stands for
O = cast(Table, OutboxRow.__table__)  # noqa: E741
E = cast(Table, InboundEventRow.__table__)
Pref = cast(Table, PreferenceRow.__table__)


@dataclass(frozen=True)
class Link:
    """How a table's rows belong to a person: `column` refers to `parent`'s `target` column, and
    `parent` is the participants table or belongs to a person itself."""

    table: Table
    column: Column[Any]
    parent: Table
    target: Column[Any]


def personal_tables(tables: Mapping[str, Table] | None = None) -> list[Link]:
    """Every table that holds rows about one person, with the foreign key that says whose, parents
    before children (a breadth-first walk over the foreign keys, from `participants`)."""
    tables = tables if tables is not None else Base.metadata.tables
    found: list[Link] = []
    reached = {P.name}
    frontier = [P.name]
    while frontier:
        parent_name = frontier.pop(0)
        for table in sorted(tables.values(), key=lambda t: t.name):
            if table.name in reached:
                continue
            for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
                if key.column.table.name == parent_name:
                    found.append(Link(table, key.parent, key.column.table, key.column))
                    reached.add(table.name)
                    frontier.append(table.name)
                    break
    return found


def _plain(value: object) -> object:
    """A column value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


class SqlPrivacy:
    def __init__(self, session: Session, tables: Mapping[str, Table] | None = None) -> None:
        self._session = session
        self._links = personal_tables(tables)  # `tables`: the models' own, unless a test adds one

    # ---- consent --------------------------------------------------------------------------------

    def consent(self, participant_id: int, programme_id: str) -> Consent | None:
        row = self._session.execute(
            select(K).where(K.c.participant_id == participant_id, K.c.programme_id == programme_id)
        ).first()
        return _consent(row._mapping) if row else None

    def pending(self, participant_id: int) -> Consent | None:
        """The consent question this person was asked last and has not answered, if any."""
        row = self._session.execute(
            select(K)
            .where(K.c.participant_id == participant_id, K.c.given_at.is_(None))
            .order_by(K.c.asked_at.desc(), K.c.id.desc())
            .limit(1)
        ).first()
        return _consent(row._mapping) if row else None

    def ask(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None:
        """Record that the question was put (a consent given before, to an older text, stays given
        until the new one is answered)."""
        values = {"dialogue_id": dialogue_id, "asked_at": now}
        if self.consent(participant_id, programme_id) is None:
            self._session.execute(
                K.insert().values(
                    participant_id=participant_id,
                    programme_id=programme_id,
                    text_version=version,
                    given_at=None,
                    **values,
                )
            )
        else:
            self._session.execute(
                update(K)
                .where(K.c.participant_id == participant_id, K.c.programme_id == programme_id)
                .values(**values)
            )

    def give(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None:
        if self.consent(participant_id, programme_id) is None:
            self.ask(participant_id, programme_id, dialogue_id, version, now)
        self._session.execute(
            update(K)
            .where(K.c.participant_id == participant_id, K.c.programme_id == programme_id)
            .values(text_version=version, given_at=now, dialogue_id=dialogue_id)
        )

    def decline(self, participant_id: int, programme_id: str) -> None:
        """Forget an unanswered question (a consent given before stays)."""
        self._session.execute(
            delete(K).where(
                K.c.participant_id == participant_id, K.c.programme_id == programme_id, K.c.given_at.is_(None)
            )
        )

    def holds_anything(self, participant_id: int) -> bool:
        """Does this person have any intake or given consent (anything a row is kept for)?"""
        intakes = select(func.count()).select_from(I).where(I.c.participant_id == participant_id)
        given = (
            select(func.count())
            .select_from(K)
            .where(K.c.participant_id == participant_id, K.c.given_at.is_not(None))
        )
        return bool(self._session.execute(intakes).scalar_one() or self._session.execute(given).scalar_one())

    # ---- export and erasure ---------------------------------------------------------------------

    def _rows(self, participant_id: int) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
        """Each personal table with the rows that belong to this person, parents before children."""
        kept: dict[str, list[dict[str, Any]]] = {}
        person = self._session.execute(select(P).where(P.c.id == participant_id)).mappings().all()
        kept[P.name] = [dict(r) for r in person]
        yield P, kept[P.name]
        for link in self._links:
            keys = [r[link.target.name] for r in kept.get(link.parent.name, [])]
            rows = (
                [
                    dict(r)
                    for r in self._session.execute(select(link.table).where(link.column.in_(keys))).mappings()
                ]
                if keys
                else []
            )
            kept.setdefault(link.table.name, []).extend(rows)
            yield link.table, rows

    def export(
        self, participant_id: int, platform: str, external_id: str
    ) -> dict[str, list[dict[str, object]]]:
        """Every stored row about one person, by table, as JSON-ready values."""
        found: dict[str, list[dict[str, object]]] = {}
        for table, rows in self._rows(participant_id):
            found.setdefault(table.name, []).extend(rows)
        seen = {r["id"] for r in found.get(O.name, [])}
        addressed = self._session.execute(
            select(O).where(O.c.platform == platform, O.c.recipient == external_id)
        ).mappings()
        found.setdefault(O.name, []).extend(dict(r) for r in addressed if r["id"] not in seen)
        return {
            name: [{k: _plain(v) for k, v in row.items()} for row in rows]
            for name, rows in sorted(found.items())
        }

    def erase(self, participant_id: int | None, platform: str, external_id: str) -> int:
        """Delete everything about one person: their rows in every personal table (children first, so
        it holds without ON DELETE CASCADE too), messages addressed to them, inbound ids naming them.
        Returns how many rows went."""
        gone = 0
        if participant_id is not None:
            for table, rows in reversed(list(self._rows(participant_id))):
                if not rows:
                    continue
                key = next(iter(table.primary_key.columns))
                result = self._session.execute(delete(table).where(key.in_([r[key.name] for r in rows])))
                gone += int(cast(Any, result).rowcount)
        result = self._session.execute(
            delete(O).where(and_(O.c.platform == platform, O.c.recipient == external_id))
        )
        gone += int(cast(Any, result).rowcount)
        pattern = "%" + external_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        result = self._session.execute(delete(E).where(E.c.event_id.like(pattern, escape="\\")))
        gone += int(cast(Any, result).rowcount)
        return gone

    # ---- retention ------------------------------------------------------------------------------

    def unanswered(self, asked_before: datetime, limit: int) -> list[tuple[int, str, str]]:
        """(id, platform, external id) of people whose row holds nothing but consent questions left
        unanswered since before `asked_before` (they closed the form, or never replied)."""
        pending = select(K.c.id).where(
            K.c.participant_id == P.c.id, K.c.given_at.is_(None), K.c.asked_at < asked_before
        )
        given = select(K.c.id).where(K.c.participant_id == P.c.id, K.c.given_at.is_not(None))
        intakes = select(I.c.id).where(I.c.participant_id == P.c.id)
        chosen = select(Pref.c.participant_id).where(Pref.c.participant_id == P.c.id)
        rows = self._session.execute(
            select(P.c.id, P.c.platform, P.c.external_id)
            .where(pending.exists(), ~given.exists(), ~intakes.exists(), ~chosen.exists())
            .order_by(P.c.id)
            .limit(limit)
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def intakes_of(self, programme_id: str, created_before: datetime, limit: int) -> list[int]:
        """Ids of a programme's intakes (any status) started before `created_before`, oldest first."""
        rows = self._session.execute(
            select(I.c.id)
            .where(I.c.programme_id == programme_id, I.c.created_at < created_before)
            .order_by(I.c.id)
            .limit(limit)
        )
        return [int(r[0]) for r in rows]

    def erase_intakes(self, intake_ids: list[int]) -> None:
        """Delete intakes and everything that hangs off them (conversations, nudges, ...)."""
        if not intake_ids:
            return
        children = [link for link in self._links if link.parent.name == I.name]
        for link in reversed(_descendants(self._links, children)):
            parent_keys = _keys_below(self._session, self._links, link, intake_ids)
            if parent_keys:
                self._session.execute(delete(link.table).where(link.column.in_(parent_keys)))
        self._session.execute(delete(I).where(I.c.id.in_(intake_ids)))


def _descendants(links: list[Link], start: list[Link]) -> list[Link]:
    """`start` and every link below them, parents first."""
    found = list(start)
    names = {link.table.name for link in start}
    for link in links:
        if link.parent.name in names and link not in found:
            found.append(link)
            names.add(link.table.name)
    return found


def _keys_below(session: Session, links: list[Link], link: Link, intake_ids: list[int]) -> list[Any]:
    """The keys of `link.parent` rows that hang off the given intakes (the intake ids themselves when
    the parent is the intakes table)."""
    if link.parent.name == I.name:
        return list(intake_ids)
    upper = next(up for up in links if up.table.name == link.parent.name)
    above = _keys_below(session, links, upper, intake_ids)
    if not above:
        return []
    rows = session.execute(select(link.target).where(upper.column.in_(above)))
    return [r[0] for r in rows]


def _consent(row: Mapping[Any, Any]) -> Consent:
    return Consent(
        programme_id=row[K.c.programme_id],
        dialogue_id=row[K.c.dialogue_id],
        text_version=row[K.c.text_version],
        asked_at=row[K.c.asked_at],
        given_at=row[K.c.given_at],
    )
