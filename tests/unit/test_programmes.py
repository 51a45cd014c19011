"""The packaged programme catalogue and the validation in bot.programmes."""

from __future__ import annotations

import copy
import datetime as dt
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from bot.programmes import AMSTERDAM, Catalogue, CatalogueError, Localised, load_catalogue

IDS = ("managersruil", "leidinggevenden-in-beweging", "leerwerkplaats", "peer-to-peer", "regels-naar-ruimte")
# The day the dates in the seed texts were moved forward; every event must lie after it.
EDITION_MOVED_ON = dt.datetime(2026, 11, 27, tzinfo=AMSTERDAM)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# -- the packaged catalogue ----------------------------------------------------------------------


def test_holds_the_five_programmes_with_dutch_and_english_texts(catalogue: Catalogue) -> None:
    assert catalogue.ids() == IDS
    assert len(catalogue) == 5
    for programme in catalogue:
        for text in (programme.name, programme.summary, programme.description, programme.audience):
            assert text.nl.strip()
            assert text.en.strip()
        for event in programme.events:
            assert event.title.nl.strip()
            assert event.title.en.strip()


def test_explicit_path_loads_the_same_catalogue(catalogue: Catalogue) -> None:
    path = pathlib.Path(__file__).parents[2] / "bot" / "data" / "programmes.yaml"
    assert load_catalogue(path) == catalogue


def test_managersruil_rules(catalogue: Catalogue) -> None:
    programme = catalogue.get("managersruil")
    assert programme.kind == "swap"
    assert programme.confidential is True
    assert programme.rules["scales"] == (14, 15, 16)
    assert programme.rules["min_months"] == 6
    assert programme.rules["max_months"] == 18
    assert programme.rules["cross_ministry"] is True
    assert programme.contact is not None
    assert programme.contact.email == "uitwisselingsprogrammaleidinggevenden@minbzk.nl"


def test_only_managersruil_is_confidential(catalogue: Catalogue) -> None:
    assert [p.id for p in catalogue if p.confidential] == ["managersruil"]


def test_leerwerkplaats_capacity_and_deadline_before_first_session(catalogue: Catalogue) -> None:
    programme = catalogue.get("leerwerkplaats")
    assert programme.rules["capacity"] == 20
    deadline = programme.rules["registration_deadline"]
    assert isinstance(deadline, dt.date)
    first_session = min(event.starts_at for event in programme.events)
    assert deadline < first_session.astimezone(AMSTERDAM).date()
    assert programme.contact is not None
    assert programme.contact.email is None


def test_peer_to_peer_is_three_tranches_of_fifteen(catalogue: Catalogue) -> None:
    rules = catalogue.get("peer-to-peer").rules
    tranches, tranche_size = rules["tranches"], rules["tranche_size"]
    assert isinstance(tranches, int)
    assert isinstance(tranche_size, int)
    assert (tranches, tranche_size) == (3, 15)
    assert rules["participants"] == tranches * tranche_size == 45
    starts = [e for e in catalogue.get("peer-to-peer").events if e.id.startswith("tranche-")]
    assert len(starts) == 3


def test_regels_naar_ruimte_has_four_eligibility_criteria(catalogue: Catalogue) -> None:
    criteria = catalogue.get("regels-naar-ruimte").rules["eligibility"]
    assert isinstance(criteria, tuple)
    assert len(criteria) == 4
    assert all(c["nl"] and c["en"] and c["id"] for c in criteria)


def test_event_times_are_aware_utc_and_in_the_future(catalogue: Catalogue) -> None:
    events = [event for programme in catalogue for event in programme.events]
    assert events
    for event in events:
        for moment in (event.starts_at, event.ends_at):
            assert moment.tzinfo is dt.UTC
            assert moment.utcoffset() == dt.timedelta(0)
        assert event.starts_at <= event.ends_at
        assert event.starts_at > EDITION_MOVED_ON


def test_kick_off_at_1630_amsterdam_summer_time_is_1430_utc(catalogue: Catalogue) -> None:
    (kick_off,) = catalogue.get("managersruil").events
    assert kick_off.starts_at == dt.datetime(2027, 8, 30, 14, 30, tzinfo=dt.UTC)
    assert kick_off.ends_at == dt.datetime(2027, 8, 30, 16, 30, tzinfo=dt.UTC)
    assert kick_off.starts_at.astimezone(AMSTERDAM).hour == 16
    assert kick_off.location is not None
    assert "Pulchri Studio" in kick_off.location


def test_rules_are_read_only(catalogue: Catalogue) -> None:
    rules = catalogue.get("managersruil").rules
    with pytest.raises(TypeError):
        rules["min_months"] = 1  # type: ignore[index]
    registration = rules["kickoff_registration"]
    with pytest.raises(TypeError):
        registration["email"] = "someone@else.nl"  # type: ignore[index]


def test_unknown_programme_names_the_known_ones(catalogue: Catalogue) -> None:
    with pytest.raises(KeyError, match=r"unknown programme 'ruil'.*managersruil"):
        catalogue.get("ruil")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nl", "hallo"),
        ("en", "hello"),
        ("en-GB", "hello"),
        ("en_US", "hello"),
        ("de", "hallo"),
        ("", "hallo"),
    ],
)
def test_localised_falls_back_to_dutch(locale: str, expected: str) -> None:
    assert Localised(nl="hallo", en="hello").get(locale) == expected


# -- validation of a broken catalogue ------------------------------------------------------------


def _valid() -> dict[str, Any]:
    text = {"nl": "tekst", "en": "text"}
    return {
        "programmes": [
            {
                "id": "x",
                "kind": "swap",
                "confidential": False,
                "name": dict(text),
                "summary": dict(text),
                "description": dict(text),
                "audience": dict(text),
                "contact": {"name": "Iemand"},
                "rules": {"capacity": 3},
                "events": [
                    {
                        "id": "start",
                        "title": dict(text),
                        "starts_at": "2027-08-30T16:30",
                        "ends_at": "2027-08-30T18:30",
                        "location": None,
                    }
                ],
            }
        ]
    }


def _write(tmp_path: pathlib.Path, data: object) -> pathlib.Path:
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _programme(data: dict[str, Any]) -> dict[str, Any]:
    programme: dict[str, Any] = data["programmes"][0]
    return programme


def _event(data: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = _programme(data)["events"][0]
    return event


def _duplicate(data: dict[str, Any]) -> None:
    data["programmes"].append(copy.deepcopy(_programme(data)))


Mutation = Callable[[dict[str, Any]], None]
BROKEN: list[tuple[str, Mutation, str]] = [
    ("duplicate id", _duplicate, "duplicate id"),
    ("missing en", lambda d: _programme(d)["name"].pop("en"), "name: missing 'en' text"),
    ("empty nl", lambda d: _programme(d)["summary"].update(nl=" "), "summary: missing 'nl' text"),
    ("no localised text", lambda d: _programme(d).update(audience="x"), "audience: needs both 'nl' and 'en'"),
    ("missing event title", lambda d: _event(d).pop("title"), "event 'start': title: needs both"),
    ("unknown kind", lambda d: _programme(d).update(kind="exchange"), "unknown kind 'exchange'"),
    ("unknown field", lambda d: _programme(d).update(confidental=True), "unknown field(s) confidental"),
    ("confidential not bool", lambda d: _programme(d).update(confidential="ja"), "'confidential' must be"),
    (
        "end before start",
        lambda d: _event(d).update(ends_at="2027-08-30T15:00"),
        "event 'start': ends_at 2027-08-30T15:00 is before starts_at 2027-08-30T16:30",
    ),
    (
        "invalid date",
        lambda d: _event(d).update(starts_at="2027-02-30T10:00"),
        "event 'start': starts_at: '2027-02-30T10:00' is not a valid date and time",
    ),
    (
        "date without time",
        lambda d: _event(d).update(starts_at="2027-08-30"),
        "starts_at: expected a local date and time",
    ),
    ("not a date", lambda d: _event(d).update(ends_at=1630), "ends_at: expected a local date and time"),
    (
        "offset given",
        lambda d: _event(d).update(starts_at="2027-08-30T16:30+02:00"),
        "starts_at: give local Europe/Amsterdam time without a UTC offset",
    ),
    (
        "skipped by clock change",
        lambda d: _event(d).update(starts_at="2027-03-28T02:30", ends_at="2027-03-28T04:00"),
        "starts_at: 2027-03-28T02:30:00 does not exist in Europe/Amsterdam",
    ),
]


@pytest.mark.parametrize(("mutate", "fault"), [(m, f) for _, m, f in BROKEN], ids=[n for n, _, _ in BROKEN])
def test_broken_catalogue_is_rejected(tmp_path: pathlib.Path, mutate: Mutation, fault: str) -> None:
    data = _valid()
    load_catalogue(_write(tmp_path, data))  # the unbroken one is fine
    mutate(data)
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(_write(tmp_path, data))
    message = str(excinfo.value)
    assert message.startswith("programmes.yaml: programme 'x': ")
    assert fault in message


def _write_raw(tmp_path: pathlib.Path, starts_at: str) -> pathlib.Path:
    """Hand-written YAML, so that PyYAML itself parses the (unquoted) timestamp."""
    text = f"""\
programmes:
  - id: x
    kind: cohort
    confidential: false
    name: {{nl: tekst, en: text}}
    summary: {{nl: tekst, en: text}}
    description: {{nl: tekst, en: text}}
    audience: {{nl: tekst, en: text}}
    events:
      - id: start
        title: {{nl: tekst, en: text}}
        starts_at: {starts_at}
        ends_at: 2027-08-30T18:30:00
"""
    path = tmp_path / "programmes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("2027-02-30T10:00:00", "'2027-02-30T10:00:00' is not a valid date and time"),
        ("2027-08-30", "expected a local date and time"),
        ("2027-08-30T16:30:00+02:00", "without a UTC offset"),
    ],
)
def test_unquoted_yaml_timestamps_are_checked_too(tmp_path: pathlib.Path, value: str, fault: str) -> None:
    path = _write_raw(tmp_path, starts_at=value)
    with pytest.raises(CatalogueError, match="programme 'x': event 'start': starts_at: ") as excinfo:
        load_catalogue(path)
    assert fault in str(excinfo.value)


def test_unquoted_naive_yaml_timestamp_is_amsterdam_time(tmp_path: pathlib.Path) -> None:
    (event,) = load_catalogue(_write_raw(tmp_path, starts_at="2027-08-30 16:30:00")).get("x").events
    assert event.starts_at == dt.datetime(2027, 8, 30, 14, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("text", ["", "programmes: []\n", "- just\n- a list\n", "programmes: [x: 1\n"])
def test_empty_or_malformed_file_is_rejected(tmp_path: pathlib.Path, text: str) -> None:
    path = tmp_path / "programmes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"^programmes\.yaml: "):
        load_catalogue(path)
