"""The unit of work: one transaction, the repositories that share it.

The transaction is a Core connection's. A typed answer runs only Core statements (storage/repositories),
so an ORM Session, which costs more to set up and to commit than the statements of a whole turn, is made
only when a repository that needs one is first used, and then joins the same transaction. Repositories
are made on first use too: most turns touch three of the thirteen.

`shared()` runs several services' work in one transaction: a unit of work made in the same thread
meanwhile joins it (its commit only flushes; the shared one commits at the end). The Home tab, read by
three services, costs one transaction and one connection instead of three.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Transaction
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.ports import Unavailable
from storage.coordinators import SqlCoordination
from storage.deadlines import SqlDeadlines
from storage.outbox import SqlNudges, SqlOutbox, SqlPreferences
from storage.privacy import SqlPrivacy
from storage.proposals import SqlProposals
from storage.repositories import (
    SqlConversations,
    SqlInboundEvents,
    SqlIntakes,
    SqlParticipants,
    SqlRegistrations,
)
from storage.sessions import SqlSessions

_SHARED: ContextVar[SqlUnitOfWork | None] = ContextVar("shared_unit_of_work", default=None)


class SqlUnitOfWork:
    """`autocommit`: for a single statement that needs no transaction around it. On PostgreSQL it then
    runs on its own (no BEGIN and COMMIT round trips); SQLite keeps its BEGIN IMMEDIATE, and a test's
    savepoint stays a savepoint."""

    connection: Connection

    def __init__(self, sessions: sessionmaker[Session], *, autocommit: bool = False) -> None:
        self._sessions = sessions
        self._autocommit = autocommit
        bind = sessions.kw.get("bind")
        if not isinstance(bind, Engine | Connection):
            raise TypeError("the session factory must be bound to an engine or a connection")
        self._bind: Engine | Connection = bind

    @contextmanager
    def shared(self) -> Iterator[Self]:
        """This transaction, for every unit of work made in this thread until the block ends."""
        with self:
            token = _SHARED.set(self)
            try:
                yield self
            finally:
                _SHARED.reset(token)
            self.commit()

    def __enter__(self) -> Self:
        shared = _SHARED.get()
        if shared is not None and shared._sessions is self._sessions:
            # Inside `shared()`: its connection and transaction, which it ends.
            self.connection, self._owned, self._joined = shared.connection, False, True
            return self
        self._joined = False
        if isinstance(self._bind, Connection):
            # Tests: a connection inside an outer transaction that they roll back; ours is a savepoint.
            self.connection, self._owned = self._bind, False
            self._transaction: Transaction = self.connection.begin_nested()
        else:
            self.connection, self._owned = self._bind.connect(), True
            if self._autocommit and self.connection.dialect.name == "postgresql":
                # Reset to the pool's own level when the connection goes back.
                self.connection.execution_options(isolation_level="AUTOCOMMIT")
            self._transaction = self.connection.begin()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if "session" in self.__dict__:
                self.session.close()
            # A joined unit of work leaves the transaction to the shared one.
            if not self._joined and self._transaction.is_active:
                self._transaction.rollback()  # not committed: an error, or a read-only turn
            if self._owned:
                self.connection.close()
        except DBAPIError:
            if not (isinstance(error, DBAPIError) and error.connection_invalidated):
                raise
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            raise Unavailable("the database connection was lost") from error

    def commit(self) -> None:
        if "session" in self.__dict__:
            self.session.commit()  # flushes; the transaction itself is ours to commit
        if not self._joined:
            self._transaction.commit()

    @cached_property
    def session(self) -> Session:
        # "conditional_savepoint": inside our transaction the session never commits or ends it; inside
        # a test's savepoint it keeps a savepoint of its own.
        return self._sessions(bind=self.connection, join_transaction_mode="conditional_savepoint")

    # ---- Core repositories: the connection is all they need --------------------------------------

    @cached_property
    def participants(self) -> SqlParticipants:
        return SqlParticipants(self.connection)

    @cached_property
    def intakes(self) -> SqlIntakes:
        return SqlIntakes(self.connection)

    @cached_property
    def conversations(self) -> SqlConversations:
        return SqlConversations(self.connection)

    @cached_property
    def inbound(self) -> SqlInboundEvents:
        return SqlInboundEvents(self.connection)

    @cached_property
    def registrations(self) -> SqlRegistrations:
        return SqlRegistrations(self.connection)

    @cached_property
    def privacy(self) -> SqlPrivacy:
        # Consents are Core; export and erasure first flush what an ORM repository still holds.
        return SqlPrivacy(self.connection, flush=self._flush)

    # ---- ORM repositories ------------------------------------------------------------------------

    @cached_property
    def outbox(self) -> SqlOutbox:
        return SqlOutbox(self.session)

    @cached_property
    def nudges(self) -> SqlNudges:
        return SqlNudges(self.session)

    @cached_property
    def preferences(self) -> SqlPreferences:
        return SqlPreferences(self.session)

    @cached_property
    def deadlines(self) -> SqlDeadlines:
        return SqlDeadlines(self.session)

    @cached_property
    def sessions(self) -> SqlSessions:
        return SqlSessions(self.connection, lambda: self.session)

    @cached_property
    def coordination(self) -> SqlCoordination:
        return SqlCoordination(self.connection, lambda: self.session)

    def _flush(self) -> None:
        if "session" in self.__dict__:
            self.session.flush()

    @cached_property
    def proposals(self) -> SqlProposals:
        return SqlProposals(self.session)
