"""The unit of work: one session, one transaction, the repositories that share it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from storage.repositories import SqlInboundEvents, SqlIntakes, SqlParticipants, SqlRegistrations


class SqlUnitOfWork:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.session.begin()
        self.participants = SqlParticipants(self.session)
        self.intakes = SqlIntakes(self.session)
        self.inbound = SqlInboundEvents(self.session)
        self.registrations = SqlRegistrations(self.session)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.session.in_transaction():
            self.session.rollback()  # not committed: an error, or a read-only turn
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
