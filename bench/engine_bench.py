"""How fast is one answer? Prints the median time of (a) the pure engine reading a fuzzy ministry
name, and (b) a whole typed answer through the service on SQLite (read, decide, store, present),
side by side in one run, so the ratio shows what storage costs.

Run: `make bench` (or .venv/bin/python bench/engine_bench.py)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.samples

from bot import engine
from bot.bootstrap import bootstrap
from bot.clock import FixedClock
from bot.dialogues.managersruil import INTAKE
from bot.services import UserRef
from tests.samples import ANSWERS

ROUNDS = 300


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    today = date(2026, 11, 27)
    state = engine.start(INTAKE)
    pure: list[float] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        engine.submit(INTAKE, state, "finacien", today)
        pure.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        services = bootstrap(url, clock=FixedClock(datetime(2026, 11, 27, 9, tzinfo=UTC)), migrate=True)
        stored: list[float] = []
        for n in range(ROUNDS // len(ANSWERS) + 1):
            user = UserRef("bench", f"user{n}")
            services.intake.start(user)  # the consent question first
            services.intake.consent(user, "managersruil", True)
            for text in ANSWERS:
                started = time.perf_counter()
                services.intake.text(user, text)
                stored.append(time.perf_counter() - started)

    engine_ms, service_ms = median_ms(pure), median_ms(stored)
    print(f"engine, fuzzy choice:        {engine_ms:8.3f} ms median over {len(pure)} answers")
    print(f"service, typed answer, SQLite: {service_ms:6.3f} ms median over {len(stored)} answers")
    print(f"ratio service/engine: {service_ms / engine_ms:.1f}x")


if __name__ == "__main__":
    main()
