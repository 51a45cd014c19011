"""The unit of work: one session, one transaction, the repositories that share it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

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


class SqlUnitOfWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.session.begin()
        connection = self.session.connection()
        self.participants = SqlParticipants(self.session, connection)
        self.intakes = SqlIntakes(self.session, connection)
        self.conversations = SqlConversations(self.session, connection)
        self.inbound = SqlInboundEvents(self.session, connection)
        self.outbox = SqlOutbox(self.session)
        self.nudges = SqlNudges(self.session)
        self.preferences = SqlPreferences(self.session)
        self.registrations = SqlRegistrations(self.session, connection)
        self.sessions = SqlSessions(self.session)
        self.deadlines = SqlDeadlines(self.session)
        self.coordination = SqlCoordination(self.session)
        self.privacy = SqlPrivacy(self.session)
        self.proposals = SqlProposals(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()  # not committed: an error, or a read-only turn
            self.session.close()
        except DBAPIError:
            if not (isinstance(error, DBAPIError) and error.connection_invalidated):
                raise
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            raise Unavailable("the database connection was lost") from error

    def commit(self) -> None:
        self.session.commit()
