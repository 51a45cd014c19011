"""The pool keeps a connection per thread that uses the database, so a busy bot does not make
PostgreSQL start a new server process for every turn."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, text

from storage.database import make_engine

THREADS, ROUNDS = 8, 10


def test_busy_threads_keep_their_connections(database_url: str) -> None:
    engine = make_engine(database_url, connections=THREADS)
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite opens a file, not a server process; its pool is left as it is")
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    together = threading.Barrier(THREADS)

    def turns() -> None:
        for _ in range(ROUNDS):
            with engine.connect() as connection:  # all threads hold one at once, as busy workers do
                connection.execute(text("SELECT 1"))
                together.wait(timeout=30)
            together.wait(timeout=30)  # and all have given theirs back before the next round

    workers: list[Any] = [threading.Thread(target=turns) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()

    assert len(opened) == THREADS  # once each; a pool of 5 reopened 3 connections every round
