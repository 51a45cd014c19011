"""What the AVG asks of the store: consents, everything about one person (export), erasing it, and
erasing intakes after their retention period.

Export and erasure are driven by the metadata, not by a list of tables: every table that references
`participants.id` (directly, or through a table that does, such as conversations through intakes) is
about a person. A table added later with such a foreign key is exported and erased without a change
here; `tests/unit/test_privacy.py` holds that. Two kinds of rows name a person without such a
key, and are listed here by hand: outbox messages addressed to their platform id, and inbound ids
that contain it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Column, Connection, Table, Text, and_, bindparam, delete, select, update
from sqlalchemy import cast as sql_cast

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
    """One way a table's rows belong to a person: `column` refers to `parent`'s `target` column, and
    `parent` is the participants table or a table about a person itself. A table may have several
    (a proposal names two people; a row may name a person and one of their intakes)."""

    table: Table
    column: Column[Any]
    parent: Table
    target: Column[Any]


def personal_tables(tables: Mapping[str, Table] | None = None) -> list[Link]:
    """Every foreign key that makes a table's rows about a person: those that refer to
    `participants`, or to a table such keys reach. Ordered parents before children (by the longest
    chain of keys from `participants`), so erasing in reverse deletes children first."""
    tables = tables if tables is not None else Base.metadata.tables
    # A key that ON DELETE SETs NULL only points at someone (the manager an MD adviser brought names
    # the adviser): the row is the other person's, kept when the one it points at goes.
    keys = [
        (table, key)
        for table in tables.values()
        for key in table.foreign_keys
        if key.column.table.name != table.name  # no self-references
        and table.name != P.name
        and (key.ondelete or "").upper() != "SET NULL"
    ]
    depth: dict[str, int] = {P.name: 0}
    for _ in range(len(tables)):  # longest path in a graph without cycles: at most one pass per table
        changed = False
        for table, key in keys:
            parent = key.column.table.name
            if parent in depth and depth.get(table.name, -1) < depth[parent] + 1:
                depth[table.name] = depth[parent] + 1
                changed = True
        if not changed:
            break
    links = [
        Link(table, key.parent, key.column.table, key.column)
        for table, key in keys
        if key.column.table.name in depth
    ]
    return sorted(links, key=lambda link: (depth[link.table.name], link.table.name, link.column.name))


def _plain(value: object) -> object:
    """A column value as JSON can hold it."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


# The consent statements run on every first contact and every 'akkoord': built once, so SQLAlchemy
# reuses their compiled form.
# (A parameter may not carry a column's own name in an UPDATE: SQLAlchemy reserves those.)
_MINE = and_(K.c.participant_id == bindparam("w_participant"), K.c.programme_id == bindparam("w_programme"))
CONSENT = select(K).where(_MINE)
PENDING = (
    select(K)
    .where(K.c.participant_id == bindparam("w_participant"), K.c.given_at.is_(None))
    .order_by(K.c.asked_at.desc(), K.c.id.desc())
    .limit(1)
)
ASK = K.insert().values(
    participant_id=bindparam("w_participant"),
    programme_id=bindparam("w_programme"),
    text_version=bindparam("version"),
    given_at=None,
    dialogue_id=bindparam("dialogue"),
    asked_at=bindparam("now", type_=K.c.asked_at.type),
)
ASK_AGAIN = (
    update(K)
    .where(_MINE)
    .values(dialogue_id=bindparam("dialogue"), asked_at=bindparam("now", type_=K.c.asked_at.type))
)
GIVE = (
    update(K)
    .where(_MINE)
    .values(
        text_version=bindparam("version"),
        given_at=bindparam("now", type_=K.c.given_at.type),
        dialogue_id=bindparam("dialogue"),
    )
)


@cache
def _model_links() -> list[Link]:
    return personal_tables()


class SqlPrivacy:
    """On the unit of work's connection. `flush` writes what an ORM session of the same transaction
    still holds, before export and erasure read or delete: they must see every row of the person."""

    def __init__(
        self,
        db: Connection,
        tables: Mapping[str, Table] | None = None,
        flush: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        # `tables`: the models' own, unless a test adds one
        self._links = personal_tables(tables) if tables is not None else _model_links()
        self._flush = flush

    # ---- consent --------------------------------------------------------------------------------

    def consent(self, participant_id: int, programme_id: str) -> Consent | None:
        row = self._db.execute(
            CONSENT, {"w_participant": participant_id, "w_programme": programme_id}
        ).first()
        return _consent(row._mapping) if row else None

    def pending(self, participant_id: int) -> Consent | None:
        """The consent question this person was asked last and has not answered, if any."""
        row = self._db.execute(PENDING, {"w_participant": participant_id}).first()
        return _consent(row._mapping) if row else None

    def ask(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None:
        """Record that the question was put (a consent given before, to an older text, stays given
        until the new one is answered)."""
        params = _consent_params(participant_id, programme_id, dialogue_id, version, now)
        if self.consent(participant_id, programme_id) is None:
            self._db.execute(ASK, params)
        else:
            self._db.execute(ASK_AGAIN, params)

    def give(
        self, participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
    ) -> None:
        if self.consent(participant_id, programme_id) is None:
            self.ask(participant_id, programme_id, dialogue_id, version, now)
        self._db.execute(GIVE, _consent_params(participant_id, programme_id, dialogue_id, version, now))

    def decline(self, participant_id: int, programme_id: str) -> None:
        """Forget an unanswered question (a consent given before stays)."""
        self._db.execute(
            delete(K).where(
                K.c.participant_id == participant_id, K.c.programme_id == programme_id, K.c.given_at.is_(None)
            )
        )

    def bare(self, participant_id: int) -> bool:
        refers = [
            select(link.column).where(link.column == participant_id).exists()
            for link in self._links
            if link.parent.name == P.name
        ]
        return not any(self._db.execute(select(r)).scalar() for r in refers)

    # ---- export and erasure ---------------------------------------------------------------------

    def _collect(self, seed: Table, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """`rows` of `seed`, and every row that hangs off them through the links, by table; repeated
        until nothing new turns up (a row can be reached along more than one key)."""
        kept: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {
            seed.name: {_ident(seed, r): r for r in rows}
        }
        grown = True
        while grown:
            grown = False
            for link in self._links:
                parents = kept.get(link.parent.name)
                if not parents or link.table.name == seed.name:
                    continue
                wanted = list({r[link.target.name] for r in parents.values()})
                found = self._db.execute(select(link.table).where(link.column.in_(wanted))).mappings()
                mine = kept.setdefault(link.table.name, {})
                for row in map(dict, found):
                    ident = _ident(link.table, row)
                    if ident not in mine:
                        mine[ident] = row
                        grown = True
        return {name: list(rows.values()) for name, rows in kept.items()}

    def _person(self, participant_id: int) -> dict[str, list[dict[str, Any]]]:
        person = self._db.execute(select(P).where(P.c.id == participant_id)).mappings().all()
        return self._collect(P, [dict(r) for r in person])

    def _delete(self, seed: Table, kept: Mapping[str, list[dict[str, Any]]]) -> int:
        """Delete what `_collect` found: children before parents, each along the keys that found it,
        so it holds without ON DELETE CASCADE too and never touches a row that is not in `kept`."""
        gone = 0
        for link in reversed(self._links):
            parents = kept.get(link.parent.name)
            if not parents or link.table.name == seed.name:
                continue
            wanted = list({r[link.target.name] for r in parents})
            result = self._db.execute(delete(link.table).where(link.column.in_(wanted)))
            gone += int(cast(Any, result).rowcount)
        key = list(seed.primary_key.columns)
        for row in kept.get(seed.name, []):
            result = self._db.execute(delete(seed).where(and_(*(c == row[c.name] for c in key))))
            gone += int(cast(Any, result).rowcount)
        return gone

    def export(
        self, participant_id: int, platform: str, external_id: str
    ) -> dict[str, list[dict[str, object]]]:
        """Every stored row about one person, by table, as JSON-ready values."""
        self._flush()
        found = self._person(participant_id)
        seen = {r["id"] for r in found.get(O.name, [])}
        addressed = self._db.execute(
            select(O).where(
                (O.c.platform == platform) & (O.c.recipient == external_id)
                | cast_text(O.c.params).like(_like('"' + external_id + '"'), escape="\\")
            )
        ).mappings()
        found.setdefault(O.name, []).extend(dict(r) for r in addressed if r["id"] not in seen)
        tables = {P.name, *(link.table.name for link in self._links)}
        return {
            name: [{k: _plain(v) for k, v in row.items()} for row in found.get(name, [])]
            for name in sorted(tables)
        }

    def erase(self, participant_id: int | None, platform: str, external_id: str) -> int:
        """Delete everything about one person: their rows in every personal table, messages addressed
        to them, inbound ids naming them. Returns how many rows went."""
        self._flush()
        gone = self._delete(P, self._person(participant_id)) if participant_id is not None else 0
        result = self._db.execute(
            delete(O).where(and_(O.c.platform == platform, O.c.recipient == external_id))
        )
        gone += int(cast(Any, result).rowcount)
        # Messages to others that name them (a coordinator asked on their behalf, a manager told who
        # brought them): the whole message goes, with whatever else about them it holds.
        named = _like('"' + external_id + '"')
        result = self._db.execute(delete(O).where(cast_text(O.c.params).like(named, escape="\\")))
        gone += int(cast(Any, result).rowcount)
        pattern = _like(external_id)
        result = self._db.execute(delete(E).where(E.c.event_id.like(pattern, escape="\\")))
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
        # Anything else that refers to them (an intake, a place at a session, a switched preference,
        # a pause): they are more than a question left unanswered. Every such table, also later ones.
        held = [
            ~select(link.column).where(link.column == P.c.id).exists()
            for link in self._links
            if link.parent.name == P.name and link.table.name != K.name
        ]
        rows = self._db.execute(
            select(P.c.id, P.c.platform, P.c.external_id)
            .where(pending.exists(), ~given.exists(), *held)
            .order_by(P.c.id)
            .limit(limit)
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def intakes_of(self, programme_id: str, created_before: datetime, limit: int) -> list[int]:
        """Ids of a programme's intakes (any status) started before `created_before`, oldest first."""
        rows = self._db.execute(
            select(I.c.id)
            .where(I.c.programme_id == programme_id, I.c.created_at < created_before)
            .order_by(I.c.id)
            .limit(limit)
        )
        return [int(r[0]) for r in rows]

    def erase_intakes(self, intake_ids: list[int]) -> None:
        """Delete intakes and everything that hangs off them (conversations, nudges, ...)."""
        self._flush()
        if not intake_ids:
            return
        rows = self._db.execute(select(I).where(I.c.id.in_(intake_ids))).mappings().all()
        self._delete(I, self._collect(I, [dict(r) for r in rows]))


def _ident(table: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """A row's identity: its primary key, or all of it for a table without one."""
    key = [c.name for c in table.primary_key.columns] or list(row)
    return tuple(repr(row[name]) for name in key)


def _consent(row: Mapping[Any, Any]) -> Consent:
    return Consent(
        programme_id=row[K.c.programme_id],
        dialogue_id=row[K.c.dialogue_id],
        text_version=row[K.c.text_version],
        asked_at=row[K.c.asked_at],
        given_at=row[K.c.given_at],
    )


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, with LIKE's own characters taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def cast_text(column: Column[Any]) -> Any:
    """A JSON column as its text, on SQLite and PostgreSQL alike."""
    return sql_cast(column, Text)


def _consent_params(
    participant_id: int, programme_id: str, dialogue_id: str, version: int, now: datetime
) -> dict[str, object]:
    return {
        "w_participant": participant_id,
        "w_programme": programme_id,
        "dialogue": dialogue_id,
        "version": version,
        "now": now,
    }
