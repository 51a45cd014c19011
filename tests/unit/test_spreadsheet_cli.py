"""`ruilbot import PROGRAMME FILE.csv` and `ruilbot export PROGRAMME [FILE]` as a coordinator runs
them: an import is found by the matching, a bad file leaves the database as it was, and an export
imported into an empty database gives the same registrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete

from bot import cli
from storage.database import make_engine
from storage.models import ParticipantRow
from storage.schema import upgrade
from tests.unit.test_spreadsheet import as_csv, manager, typed

# Each wants the next one's ministry only: one 3-way swap, no 2-way one. Ministries no other test
# uses, since the matching test runs on the shared test database.
RING = [
    manager(slack_user="U0RING001", ministry="KGG", wanted_ministries="VRO", wanted_fields="maakt niet uit"),
    manager(slack_user="U0RING002", ministry="VRO", wanted_ministries="AenM", wanted_fields="maakt niet uit"),
    manager(
        slack_user="U0RING003", ministry="asiel", wanted_ministries="klimaat", wanted_fields="maakt niet uit"
    ),
]


def run(url: str, *args: str) -> int:
    return cli.main(list(args), env={"DATABASE_URL": url})


@pytest.fixture
def empty_url(fresh_sqlite_url: str) -> str:
    upgrade(make_engine(fresh_sqlite_url))
    return fresh_sqlite_url


def test_imported_people_are_found_by_the_matching(
    database_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """On the test database (SQLite, or PostgreSQL with DATABASE_URL): it commits, so it cleans up."""
    file = tmp_path / "managers.csv"
    file.write_text(as_csv(RING, delimiter=";"), encoding="utf-8-sig")
    try:
        assert run(database_url, "import", "managersruil", str(file)) == 0
        assert "3 aanmelding(en) voor managersruil ingelezen" in capfd.readouterr().out
        assert run(database_url, "match", "managersruil", "--dry-run", "--json") == 0
        report = json.loads(capfd.readouterr().out)
        ours = [c["members"] for c in report["cycles"] if any(m.startswith("U0RING") for m in c["members"])]
        assert [sorted(members) for members in ours] == [["U0RING001", "U0RING002", "U0RING003"]]
        ring = {m["slack_user"] for m in RING}  # others' committed people may share this database
        edges = {(e["from"], e["to"]) for e in report["edges"] if {e["from"], e["to"]} <= ring}
        assert edges == {("U0RING001", "U0RING002"), ("U0RING002", "U0RING003"), ("U0RING003", "U0RING001")}
    finally:
        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.execute(delete(ParticipantRow).where(ParticipantRow.external_id.like("U0RING%")))
        engine.dispose()


def test_a_bad_file_is_refused_whole_with_its_lines_and_nothing_is_stored(
    empty_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "managers.csv"
    file.write_text(
        as_csv([*RING, manager(scale="vijftig"), manager(slack_user="U0RING001")]), encoding="utf-8"
    )
    assert run(empty_url, "import", "managersruil", str(file)) == 1
    err = capfd.readouterr().err.splitlines()
    refused = "Het bestand is geweigerd; er is niets ingelezen. Verbeter deze punten en probeer het opnieuw:"
    assert err[err.index(refused) :] == [
        "Het bestand is geweigerd; er is niets ingelezen. Verbeter deze punten en probeer het opnieuw:",
        "  regel 5: scale: 'vijftig' lees ik niet als een getal. Typ alleen het getal, bijvoorbeeld 15.",
        "  regel 6: U0RING001 staat ook al op regel 2",
    ]
    assert run(empty_url, "export", "managersruil") == 0
    assert capfd.readouterr().out.count("\n") == 1  # the header only: the good rows were not stored either


def test_export_then_import_into_an_empty_database_gives_the_same_answers(
    empty_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    source.write_text(as_csv(RING))
    assert run(empty_url, "import", "managersruil", str(source)) == 0
    exported = tmp_path / "out.csv"
    assert run(empty_url, "export", "managersruil", str(exported)) == 0
    assert "3 bevestigde aanmelding(en) voor managersruil weggeschreven" in capfd.readouterr().out
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")  # so Excel reads it as UTF-8
    second = tmp_path / "second.sqlite3"
    other = f"sqlite:///{second}"
    upgrade(make_engine(other))
    assert run(other, "import", "managersruil", str(exported)) == 0
    capfd.readouterr()
    assert run(empty_url, "export", "managersruil") == 0
    first_export = capfd.readouterr().out
    assert run(other, "export", "managersruil") == 0
    assert capfd.readouterr().out == first_export
    assert first_export.splitlines()[1].startswith("U0RING001,Klimaat en Groene Groei (KGG),,")


def test_replace_and_a_programme_with_two_dialogues(
    empty_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "managers.csv"
    file.write_text(as_csv(RING[:1]))
    assert run(empty_url, "import", "managersruil", str(file)) == 0
    assert run(empty_url, "import", "managersruil", str(file), "--lang", "en") == 1
    assert "line 2: U0RING001 already has a confirmed registration; use --replace" in capfd.readouterr().err
    assert run(empty_url, "import", "managersruil", str(file), "--replace") == 0

    assignment = typed("peer-to-peer/opdracht")
    columns = ["slack_user", *assignment]
    file.write_text(as_csv([assignment], columns=columns))
    assert run(empty_url, "import", "peer-to-peer", str(file)) == 1  # the application's columns are expected
    assert "deze kolommen ken ik niet: organisation" in capfd.readouterr().err
    assert run(empty_url, "import", "peer-to-peer", str(file), "--dialogue", "opdracht") == 0
    capfd.readouterr()
    assert run(empty_url, "export", "peer-to-peer", "--dialogue", "peer-to-peer/opdracht") == 0
    assert capfd.readouterr().out.splitlines()[1].startswith("U0ANN0000,Pluimveebedrijf De Hoeve,Bedrijf,")
    assert run(empty_url, "export", "peer-to-peer", "--dialogue", "sollicitatie") == 2
    assert "peer-to-peer heeft geen gesprek sollicitatie" in capfd.readouterr().err
    assert run(empty_url, "import", "fietsruil", str(file)) == 2
    assert run(empty_url, "import", "managersruil", str(tmp_path / "missing.csv")) == 2
    assert "kan ik niet lezen" in capfd.readouterr().err
