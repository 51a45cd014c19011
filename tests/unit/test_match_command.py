"""`ruilbot match managersruil --dry-run --json`: confirmed intakes from the database in, one JSON
object with the possible pairs, the chosen swaps (Slack user ids), the total and the bound out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.engine import Value
from bot.records import Intake, IntakeStatus
from storage.database import make_engine, make_sessions
from storage.schema import upgrade
from storage.uow import SqlUnitOfWork
from tests.conftest import NOW


def answers(ministry: str, wanted: list[str]) -> dict[str, Value]:
    return {
        "ministry": ministry,
        "directorate": "directie",
        "function": "afdelingshoofd",
        "scale": 15,
        "field": "beleid",
        "wanted_fields": ["any"],
        "wanted_ministries": wanted,
        "period": 12,
        "start": "2027-03-01",
        "supervisor": "supports",
        "region": "Den Haag",
        "learning": "hoe de uitvoering werkt",
    }


def register(
    sessions: sessionmaker[Session],
    who: str,
    given: Mapping[str, Value],
    status: IntakeStatus = IntakeStatus.CONFIRMED,
) -> None:
    with SqlUnitOfWork(sessions) as uow:
        person = uow.participants.add("slack", who, "nl", NOW)
        uow.intakes.add(
            Intake(
                person.id, "managersruil", 1, NOW, NOW, status=status, answers=dict(given), confirmed_at=NOW
            )
        )
        uow.commit()


def test_matching_reads_only_confirmed_intakes_of_the_programme(sessions: sessionmaker[Session]) -> None:
    register(sessions, "UMATCH1", answers("FIN", ["any"]))
    register(sessions, "UMATCH2", answers("BZK", ["any"]), status=IntakeStatus.OPEN)
    with SqlUnitOfWork(sessions) as uow:
        # Other tests' people may share this database (end-to-end runs commit): look at ours.
        ours = [r for r in uow.registrations.confirmed("managersruil") if r[0].startswith("UMATCH")]
        assert ours == [("UMATCH1", answers("FIN", ["any"]))]
        assert all(who != "UMATCH1" for who, _ in uow.registrations.confirmed("leerwerkplaats"))


def test_a_dry_run_prints_the_swaps_with_slack_ids_as_json(
    fresh_sqlite_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(fresh_sqlite_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    # Three who only want each other's ministry in a ring, and Dan, who only wants AZ.
    register(sessions, "UANN", answers("FIN", ["BZK"]))
    register(sessions, "UBOB", answers("BZK", ["OCW"]))
    register(sessions, "UCEM", answers("OCW", ["FIN"]))
    register(sessions, "UDAN", answers("FIN", ["AZ"]))
    engine.dispose()

    code = cli.main(["match", "managersruil", "--dry-run", "--json"], env={"DATABASE_URL": fresh_sqlite_url})
    out = capfd.readouterr().out
    assert code == 0
    report = json.loads(out)  # nothing but the JSON object on stdout
    assert report["cycles"] == [{"members": ["UANN", "UBOB", "UCEM"], "score": report["total"]}]
    assert report["bound"] == report["total"]
    # Cem could also take Dan's post, but nobody wants Cem's: listed, not proposed.
    pairs = {(e["from"], e["to"]) for e in report["edges"]}
    assert pairs == {("UANN", "UBOB"), ("UBOB", "UCEM"), ("UCEM", "UANN"), ("UCEM", "UDAN")}
    assert all(e["why"].startswith("ander ministerie, gewenst ministerie") for e in report["edges"])


def test_matching_an_empty_pool_or_a_programme_without_intake_says_why(
    fresh_sqlite_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    upgrade(make_engine(fresh_sqlite_url))
    env = {"DATABASE_URL": fresh_sqlite_url}
    assert cli.main(["match", "managersruil"], env=env) == 0  # a real run: nobody to propose to yet
    assert "0 proposals sent (pool 0" in capfd.readouterr().out
    assert cli.main(["match", "leerwerkplaats"], env=env) == 2  # a cohort: no swaps to match
    assert "no intake to match yet" in capfd.readouterr().err
    assert cli.main(["match", "leerwerkplaats", "--dry-run"], env=env) == 2
    assert "no intake to match yet" in capfd.readouterr().err
    assert cli.main(["match", "ruil", "--dry-run"], env=env) == 2
    assert "unknown programme 'ruil'" in capfd.readouterr().err


def test_a_real_run_makes_proposals_and_operators_review_them(
    fresh_sqlite_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(fresh_sqlite_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    register(sessions, "UANN", answers("FIN", ["BZK"]))
    register(sessions, "UBOB", answers("BZK", ["FIN"]))
    register(sessions, "UCEM", answers("OCW", ["AZ"]))
    register(sessions, "UDAN", answers("AZ", ["OCW"]))
    engine.dispose()
    env = {"DATABASE_URL": fresh_sqlite_url}

    assert cli.main(["match", "managersruil", "--json"], env=env) == 0
    report = json.loads(capfd.readouterr().out)
    assert len(report["proposals"]) == 2
    assert report["pool"] == 4
    assert not report["drafts"]
    assert cli.main(["match", "managersruil"], env=env) == 0  # everyone is in a proposal now
    assert "0 proposals sent (pool 4, 4 paused or in a proposal)" in capfd.readouterr().out

    assert cli.main(["proposals", "list"], env=env) == 0
    assert capfd.readouterr().out.startswith("no draft proposals wait")  # sent at once: no drafts
    assert cli.main(["proposals", "approve", str(report["proposals"][0])], env=env) == 2
    assert "not a draft" in capfd.readouterr().err
    assert cli.main(["proposals", "add", "managersruil", "UANN", "UCEM", "--note", "x"], env=env) == 2
    assert "already in a proposal" in capfd.readouterr().err
    assert cli.main(["proposals", "remove", "abc"], env=env) == 2
    assert "one proposal number" in capfd.readouterr().err


def test_a_dry_run_in_a_process_of_its_own_prints_only_json(fresh_sqlite_url: str) -> None:
    """HiGHS writes a banner to the process's stdout when its first solver is made; in a fresh
    process (as `ruilbot match ... --json | jq` runs) it must not land in the JSON."""
    engine = make_engine(fresh_sqlite_url)
    upgrade(engine)
    sessions = make_sessions(engine)
    register(sessions, "UJSON1", answers("FIN", ["BZK"]))
    register(sessions, "UJSON2", answers("BZK", ["FIN"]))
    engine.dispose()
    command = [sys.executable, "-m", "bot.cli", "match", "managersruil", "--dry-run", "--json"]
    done = subprocess.run(  # noqa: S603 - our own command
        command,
        env={**os.environ, "DATABASE_URL": fresh_sqlite_url},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    assert report["cycles"][0]["members"] in (["UJSON1", "UJSON2"], ["UJSON2", "UJSON1"])
