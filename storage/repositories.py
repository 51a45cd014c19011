"""Repositories: translate between rows and the core's records. They never commit; the unit of
work owns the transaction.

Every statement on the conversation's hot path is built once, here, with bound parameters, and run
on the session's connection: SQLAlchemy then reuses its compiled form instead of building, keying
and compiling the statement again on every message. One person's turn costs one read (person,
intake and conversation together) and one write per changed row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    Row,
    Table,
    and_,
    bindparam,
    case,
    delete,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.engine import Value
from bot.ports import Conflict
from bot.records import Conversation, Intake, IntakeStatus, Participant
from storage.models import ConversationRow, InboundEventRow, IntakeRow, ParticipantRow

P = cast(Table, ParticipantRow.__table__)
I = cast(Table, IntakeRow.__table__)  # noqa: E741 - the table's initial, as in the SQL it stands for
C = cast(Table, ConversationRow.__table__)
E = cast(Table, InboundEventRow.__table__)

OPEN, CONFIRMED, CANCELLED = (
    s.value for s in (IntakeStatus.OPEN, IntakeStatus.CONFIRMED, IntakeStatus.CANCELLED)
)

# ---- records from rows ------------------------------------------------------------------------

_POSITION = (
    "current",
    "awaiting_cancel",
    "last_typed_at",
    "answer_at",
    "answer_question",
    "answer_next",
    "updated_at",
)
# What the surface last showed is written only by SHOWN: a turn that read the row before a newer
# record landed (another process) must not write the older one back.
_SCREEN = ("shown_step", "shown_at")


def _participant(row: Mapping[Any, Any]) -> Participant:
    return Participant(
        id=row[P.c.id],
        platform=row[P.c.platform],
        external_id=row[P.c.external_id],
        locale=row[P.c.locale],
        forget_asked_at=row[P.c.forget_asked_at],
    )


def _intake(row: Mapping[Any, Any]) -> Intake:
    return Intake(
        id=row[I.c.id],
        participant_id=row[I.c.participant_id],
        programme_id=row[I.c.programme_id],
        dialogue_id=row[I.c.dialogue_id],
        waitlist=row[I.c.waitlist],
        dialogue_version=row[I.c.dialogue_version],
        status=IntakeStatus(row[I.c.status]),
        answers=dict(row[I.c.answers]),
        created_at=row[I.c.created_at],
        updated_at=row[I.c.updated_at],
        confirmed_at=row[I.c.confirmed_at],
        version=row[I.c.version],
    )


def _conversation(row: Mapping[Any, Any]) -> Conversation:
    return Conversation(
        id=row[C.c.id],
        intake_id=row[C.c.intake_id],
        surface=row[C.c.surface],
        suggestion=tuple(row[C.c.suggestion]),
        version=row[C.c.version],
        **{name: row[C.c[name]] for name in (*_POSITION, *_SCREEN)},
    )


def _position(conversation: Conversation) -> dict[str, object]:
    return {"suggestion": list(conversation.suggestion)} | {
        name: getattr(conversation, name) for name in _POSITION
    }


def _intake_columns(intake: Intake) -> dict[str, object]:
    return {
        "status": intake.status.value,
        "answers": dict(intake.answers),
        "updated_at": intake.updated_at,
        "confirmed_at": intake.confirmed_at,
    }


def _values(columns: Mapping[str, object]) -> dict[str, object]:
    return {f"v_{name}": value for name, value in columns.items()}


# ---- the statements, built once -----------------------------------------------------------------


def _bind(column: Column[Any]) -> Any:
    """A parameter for `column`, typed as it, so JSON and UTC times convert as the ORM would. (A
    parameter may not carry a column's own name in an UPDATE: SQLAlchemy reserves those.)"""
    return bindparam(f"v_{column.name}", type_=column.type)


def _situation(programme: bool, status: str) -> Any:
    """The person, their intake (open, or the latest confirmed) and its conversation on a surface."""
    mine = and_(I.c.participant_id == P.c.id, I.c.status == literal(status))
    if programme:
        mine = and_(mine, I.c.dialogue_id == bindparam("dialogue_id"))
    # "Touched last" counts a move on this surface too (Terug, a stop question), not only new answers.
    touched = case((C.c.updated_at > I.c.updated_at, C.c.updated_at), else_=I.c.updated_at)
    order = touched.desc() if status == OPEN else I.c.confirmed_at.desc()
    return (
        select(P, I, C)
        .select_from(
            P.outerjoin(I, mine).outerjoin(
                C, and_(C.c.intake_id == I.c.id, C.c.surface == bindparam("surface"))
            )
        )
        .where(P.c.platform == bindparam("platform"), P.c.external_id == bindparam("external_id"))
        .order_by(order, I.c.id.desc())
        .limit(1)
    )


SITUATION = {
    (programme, status): _situation(programme, status)
    for programme in (False, True)
    for status in (OPEN, CONFIRMED)
}
FIND_PARTICIPANT = select(P).where(
    P.c.platform == bindparam("platform"), P.c.external_id == bindparam("external_id")
)
ADD_PARTICIPANT = (
    insert(P)
    .values(
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        locale=bindparam("locale"),
        created_at=bindparam("now", type_=P.c.created_at.type),
        updated_at=bindparam("now", type_=P.c.updated_at.type),
    )
    .returning(P.c.id)
)
SET_LOCALE = (
    update(P)
    .where(P.c.id == bindparam("w_participant"))
    .values(locale=_bind(P.c.locale), updated_at=_bind(P.c.updated_at))
)
GET_INTAKE = select(I).where(I.c.id == bindparam("intake_id"))
CURRENT = {  # a dialogue's open intake, or else its latest confirmed one
    status: select(I)
    .where(
        I.c.participant_id == bindparam("participant_id"),
        I.c.dialogue_id == bindparam("dialogue_id"),
        I.c.status == literal(status),
    )
    .order_by(I.c.id.desc())
    .limit(1)
    for status in (OPEN, CONFIRMED)
}
OF_PERSON = (
    select(I)
    .where(I.c.participant_id == bindparam("participant_id"), I.c.status != literal(CANCELLED))
    .order_by(I.c.id)
)
ADD_INTAKE = (
    insert(I)
    .values(
        participant_id=bindparam("participant_id"),
        programme_id=bindparam("programme_id"),
        dialogue_id=bindparam("dialogue_id"),
        waitlist=bindparam("waitlist", type_=I.c.waitlist.type),
        dialogue_version=bindparam("dialogue_version"),
        created_at=bindparam("created_at", type_=I.c.created_at.type),
        version=literal(1),
        **{k: _bind(I.c[k]) for k in ("status", "answers", "updated_at", "confirmed_at")},
    )
    .returning(I.c.id)
)
SAVE_INTAKE = (
    update(I)
    .where(I.c.id == bindparam("w_id"), I.c.version == bindparam("w_version"))
    .values(
        version=bindparam("w_version") + 1,
        **{k: _bind(I.c[k]) for k in ("status", "answers", "updated_at", "confirmed_at")},
    )
)
GET_CONVERSATION = select(C).where(
    C.c.intake_id == bindparam("intake_id"), C.c.surface == bindparam("surface")
)
ADD_CONVERSATION = (
    insert(C)
    .values(
        intake_id=bindparam("intake_id"),
        surface=bindparam("surface"),
        version=literal(1),
        suggestion=_bind(C.c.suggestion),
        **{k: _bind(C.c[k]) for k in (*_POSITION, *_SCREEN)},
    )
    .returning(C.c.id)
)
SAVE_CONVERSATION = (
    update(C)
    .where(C.c.id == bindparam("w_id"), C.c.version == bindparam("w_version"))
    .values(
        version=bindparam("w_version") + 1,
        suggestion=_bind(C.c.suggestion),
        **{k: _bind(C.c[k]) for k in _POSITION},
    )
)
# Not versioned: it records a fact about the screen, and only a newer fact replaces it. The same step
# shown again (a question repeated after a refusal) keeps the moment it first came.
SHOWN = (
    update(C)
    .where(
        C.c.intake_id == bindparam("w_intake"),
        C.c.surface == bindparam("w_surface"),
        C.c.shown_step.is_distinct_from(bindparam("w_step")),
        or_(C.c.shown_at.is_(None), C.c.shown_at < bindparam("w_at", type_=C.c.shown_at.type)),
    )
    .values(shown_step=bindparam("w_step"), shown_at=bindparam("w_at", type_=C.c.shown_at.type))
)
# The same SQL on SQLite (3.35+) and PostgreSQL. As text, because SQLAlchemy cannot cache the compiled
# form of its dialects' on_conflict_do_nothing() and would compile it anew for every message. RETURNING,
# because the row count is -1 here on psycopg 3.
FIRST_TIME = (
    text(
        "INSERT INTO inbound_events (event_id, received_at) VALUES (:event_id, :now) "
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    .bindparams(bindparam("now", type_=E.c.received_at.type))
    .columns(E.c.event_id)
)
FORGET = delete(E).where(E.c.received_at < bindparam("moment"))
CONFIRMED_OF = (  # what matching reads: every confirmed intake of a programme, oldest first
    select(P.c.external_id, I.c.answers)
    .join(I, I.c.participant_id == P.c.id)
    .where(I.c.programme_id == bindparam("programme_id"), I.c.status == literal(CONFIRMED))
    .order_by(I.c.confirmed_at, I.c.id)
)

OF_DIALOGUE = (  # what an export reads: a dialogue's confirmed intakes of Slack people, oldest first
    select(P.c.external_id, I.c.answers)
    .join(I, I.c.participant_id == P.c.id)
    .where(
        I.c.dialogue_id == bindparam("dialogue_id"),
        I.c.status == literal(CONFIRMED),
        P.c.platform == literal("slack"),
    )
    .order_by(I.c.confirmed_at, I.c.id)
)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


# ---- repositories -------------------------------------------------------------------------------


class _Repository:
    def __init__(self, connection: Connection) -> None:
        self._db = connection  # the unit of work's: its transaction is the turn's


def _insert_once(db: Connection, statement: Any, params: Mapping[str, object], clash: str) -> int:
    """Insert a row and return its id; a unique key that another turn took meanwhile is a Conflict.
    In a savepoint, so the turn's transaction survives the clash and can be tried again."""
    try:
        with db.begin_nested():
            return int(db.execute(statement, params).scalar_one())
    except IntegrityError as error:
        raise Conflict(clash) from error


class SqlParticipants(_Repository):
    def find(self, platform: str, external_id: str) -> Participant | None:
        row = self._db.execute(FIND_PARTICIPANT, {"platform": platform, "external_id": external_id}).first()
        return _participant(row._mapping) if row else None

    def add(self, platform: str, external_id: str, locale: str, now: datetime) -> Participant:
        # First contact may come twice at once: one wins.
        params = {"platform": platform, "external_id": external_id, "locale": locale, "now": now}
        clash = f"participant {platform}:{external_id} was added meanwhile"
        new_id = _insert_once(self._db, ADD_PARTICIPANT, params, clash)
        return Participant(id=new_id, platform=platform, external_id=external_id, locale=locale)

    def set_locale(self, participant_id: int, locale: str, now: datetime) -> None:
        self._db.execute(
            SET_LOCALE, {"w_participant": participant_id, "v_locale": locale, "v_updated_at": now}
        )

    def ask_forget(self, participant_id: int, at: datetime | None) -> None:
        self._db.execute(update(P).where(P.c.id == participant_id).values(forget_asked_at=at))

    def situation(
        self, platform: str, external_id: str, surface: str, dialogue_id: str | None
    ) -> tuple[Participant | None, Intake | None, Conversation | None]:
        """The person, the intake a message is about (of `dialogue_id`, else the one touched last):
        open, or else the latest confirmed; and where `surface` stands in it. One query, mostly."""
        params = {
            "platform": platform,
            "external_id": external_id,
            "surface": surface,
            "dialogue_id": dialogue_id,
        }
        programme = dialogue_id is not None
        row = self._db.execute(SITUATION[(programme, OPEN)], params).first()
        if row is None:
            return None, None, None
        if row._mapping[I.c.id] is None:  # nothing open: the latest confirmed, if any
            row = self._db.execute(SITUATION[(programme, CONFIRMED)], params).first()
            assert row is not None
        return _split(row)


def _split(row: Row[Any]) -> tuple[Participant, Intake | None, Conversation | None]:
    mapping = row._mapping
    intake = _intake(mapping) if mapping[I.c.id] is not None else None
    conversation = _conversation(mapping) if mapping[C.c.id] is not None else None
    return _participant(mapping), intake, conversation


class SqlIntakes(_Repository):
    def current(self, participant_id: int, dialogue_id: str) -> Intake | None:
        params = {"participant_id": participant_id, "dialogue_id": dialogue_id}
        row = (
            self._db.execute(CURRENT[OPEN], params).first()
            or self._db.execute(CURRENT[CONFIRMED], params).first()
        )
        return _intake(row._mapping) if row else None

    def get(self, intake_id: int) -> Intake | None:
        row = self._db.execute(GET_INTAKE, {"intake_id": intake_id}).first()
        return _intake(row._mapping) if row else None

    def of(self, participant_id: int) -> list[Intake]:
        """Per dialogue, the open intake or else the latest confirmed one; oldest first."""
        rows = self._db.execute(OF_PERSON, {"participant_id": participant_id})
        latest: dict[str, Intake] = {}
        for intake in (_intake(row._mapping) for row in rows):
            kept = latest.get(intake.dialogue_id)
            if kept is None or kept.status is not IntakeStatus.OPEN:
                latest[intake.dialogue_id] = intake
        return sorted(latest.values(), key=lambda i: i.id or 0)

    def add(self, intake: Intake) -> Intake:
        dialogue_id = intake.dialogue_id or intake.programme_id
        params = {
            "participant_id": intake.participant_id,
            "programme_id": intake.programme_id,
            "dialogue_id": dialogue_id,
            "waitlist": intake.waitlist,
            "dialogue_version": intake.dialogue_version,
            "created_at": intake.created_at,
            **_values(_intake_columns(intake)),
        }
        # Two starts at once: the second finds the first.
        clash = f"an open {intake.programme_id} intake was started meanwhile"
        new_id = _insert_once(self._db, ADD_INTAKE, params, clash)
        return Intake(**{**intake.__dict__, "id": new_id, "dialogue_id": dialogue_id, "version": 1})

    def save(self, intake: Intake) -> Intake:
        # Compare-and-set on the version: a concurrent change makes this match no row.
        params = {"w_id": intake.id, "w_version": intake.version, **_values(_intake_columns(intake))}
        if _rowcount(self._db.execute(SAVE_INTAKE, params)) != 1:
            raise Conflict(f"intake {intake.id} changed meanwhile")
        return Intake(**{**intake.__dict__, "version": intake.version + 1})


class SqlConversations(_Repository):
    def get(self, intake_id: int, surface: str) -> Conversation | None:
        row = self._db.execute(GET_CONVERSATION, {"intake_id": intake_id, "surface": surface}).first()
        return _conversation(row._mapping) if row else None

    def add(self, conversation: Conversation) -> Conversation:
        params = {
            "intake_id": conversation.intake_id,
            "surface": conversation.surface,
            "v_shown_step": conversation.shown_step,
            "v_shown_at": conversation.shown_at,
            **_values(_position(conversation)),
        }
        # The same surface opened twice at once: one wins.
        clash = f"a {conversation.surface} conversation was added meanwhile"
        new_id = _insert_once(self._db, ADD_CONVERSATION, params, clash)
        return Conversation(**{**conversation.__dict__, "id": new_id, "version": 1})

    def save(self, conversation: Conversation) -> Conversation:
        params = {
            "w_id": conversation.id,
            "w_version": conversation.version,
            **_values(_position(conversation)),
        }
        if _rowcount(self._db.execute(SAVE_CONVERSATION, params)) != 1:
            raise Conflict(f"conversation {conversation.id} changed meanwhile")
        return Conversation(**{**conversation.__dict__, "version": conversation.version + 1})

    def shown(self, intake_id: int, surface: str, step: str, at: datetime) -> None:
        self._db.execute(SHOWN, {"w_intake": intake_id, "w_surface": surface, "w_step": step, "w_at": at})


class SqlInboundEvents(_Repository):
    def all_first_time(self, event_ids: Sequence[str], now: datetime) -> bool:
        """Record each id; True if none was seen before (a second delivery of any of them is one)."""
        fresh = [
            self._db.execute(FIRST_TIME, {"event_id": e, "now": now}).first() is not None for e in event_ids
        ]
        return all(fresh)

    def forget_before(self, moment: datetime) -> None:
        self._db.execute(FORGET, {"moment": moment})


class SqlRegistrations(_Repository):
    def confirmed(self, programme_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        rows = self._db.execute(CONFIRMED_OF, {"programme_id": programme_id})
        return [(row.external_id, dict(row.answers)) for row in rows]

    def of_dialogue(self, dialogue_id: str) -> list[tuple[str, Mapping[str, Value]]]:
        rows = self._db.execute(OF_DIALOGUE, {"dialogue_id": dialogue_id})
        return [(row.external_id, dict(row.answers)) for row in rows]
