"""The programme catalogue: typed, validated, read-only view of ``bot/data/programmes.yaml``."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from types import MappingProxyType
from typing import Literal, cast, get_args

import yaml

from bot.clock import AMSTERDAM
from bot.matching.rules import MatchingRules, RulesError, parse_rules

Kind = Literal["swap", "cohort", "assignments", "reports"]
KINDS: tuple[Kind, ...] = get_args(Kind)

_PROGRAMME_KEYS = {
    "id",
    "kind",
    "name",
    "summary",
    "description",
    "audience",
    "confidential",
    "contact",
    "rules",
    "events",
    "coordinators",
    "targets",
}
_TARGET_KEYS = {"placed", "tranche"}  # swapped or placed at least; in groups of
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_EVENT_KEYS = {
    "id",
    "title",
    "starts_at",
    "ends_at",
    "location",
    "capacity",
    "registration_deadline",
    "registration",
}


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file, programme and fault."""


@dataclass(frozen=True)
class Localised:
    nl: str
    en: str

    def get(self, locale: str) -> str:
        """Text for a locale such as ``"en"``, ``"en-GB"`` or ``"nl_NL"``; anything else gets Dutch."""
        return self.en if locale.replace("_", "-").split("-")[0].lower() == "en" else self.nl


@dataclass(frozen=True)
class Contact:
    name: str
    email: str | None = None


@dataclass(frozen=True)
class Event:
    id: str
    title: Localised
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime  # aware, UTC
    location: str | None = None
    capacity: int | None = None  # places; None: no limit
    registration_deadline: dt.datetime | None = None  # aware, UTC; None: until it starts
    registration: str | None = None  # the dialogue that registers for it (bot/dialogues); None: one click


@dataclass(frozen=True)
class Programme:
    id: str
    kind: Kind
    name: Localised
    summary: Localised
    description: Localised
    audience: Localised
    confidential: bool
    contact: Contact | None
    rules: Mapping[str, object]  # deeply read-only: mappings are proxies, lists are tuples
    events: tuple[Event, ...]  # sorted by start
    coordinators: tuple[str, ...] = ()  # Slack member ids; more are added in the database
    targets: Mapping[str, int] = field(default_factory=dict)  # "placed", "tranche"

    def matching(self) -> MatchingRules:
        """The programme's matching rules (validated when the catalogue was loaded)."""
        if "matching" not in self.rules:
            raise KeyError(f"programme {self.id!r} declares no rules.matching")
        return parse_rules(self.rules["matching"])


@dataclass(frozen=True)
class Catalogue:
    programmes: tuple[Programme, ...]

    def get(self, programme_id: str) -> Programme:
        for programme in self.programmes:
            if programme.id == programme_id:
                return programme
        raise KeyError(f"unknown programme {programme_id!r}; known programmes: {', '.join(self.ids())}")

    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.programmes)

    def __iter__(self) -> Iterator[Programme]:
        return iter(self.programmes)

    def __len__(self) -> int:
        return len(self.programmes)


def load_catalogue(path: pathlib.Path | None = None) -> Catalogue:
    """Load and validate the catalogue; by default the one packaged as ``bot/data/programmes.yaml``."""
    if path is None:
        source, text = "programmes.yaml", (files("bot") / "data" / "programmes.yaml").read_text("utf-8")
    else:
        source, text = path.name, path.read_text(encoding="utf-8")
    try:
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{source}: not valid YAML: {exc}") from None
    items = raw.get("programmes") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise CatalogueError(f"{source}: expected a non-empty list under 'programmes'")

    programmes: list[Programme] = []
    for index, item in enumerate(items):
        programme_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(programme_id, str) or not programme_id:
            raise CatalogueError(f"{source}: programme #{index + 1}: needs a mapping with a text 'id'")
        where = f"{source}: programme {programme_id!r}"
        if programme_id in {p.id for p in programmes}:
            raise CatalogueError(f"{where}: duplicate id")
        programmes.append(_programme(item, where))
    return Catalogue(tuple(programmes))


# -- parsing helpers ---------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps an impossible timestamp (2027-02-30) as text, so it is reported in context."""


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _programme(raw: dict[str, object], where: str) -> Programme:
    _check_keys(raw, _PROGRAMME_KEYS, where)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise CatalogueError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    confidential = raw.get("confidential")
    if not isinstance(confidential, bool):
        raise CatalogueError(f"{where}: 'confidential' must be true or false")
    rules = raw.get("rules", {})
    if not isinstance(rules, dict):
        raise CatalogueError(f"{where}: 'rules' must be a mapping")
    if "matching" in rules:
        if kind != "swap":
            raise CatalogueError(f"{where}: 'rules.matching' is for swap programmes only")
        try:
            parse_rules(rules["matching"])
        except RulesError as error:
            raise CatalogueError(f"{where}: rules.matching: {error}") from None
    events_raw = raw.get("events", [])
    if not isinstance(events_raw, list):
        raise CatalogueError(f"{where}: 'events' must be a list")
    events = [_event(e, i, where) for i, e in enumerate(events_raw)]
    event_ids = [e.id for e in events]
    if duplicates := sorted({i for i in event_ids if event_ids.count(i) > 1}):
        raise CatalogueError(f"{where}: duplicate event id {duplicates[0]!r}")
    return Programme(
        id=cast(str, raw["id"]),
        kind=kind,
        name=_localised(raw.get("name"), f"{where}: name"),
        summary=_localised(raw.get("summary"), f"{where}: summary"),
        description=_localised(raw.get("description"), f"{where}: description"),
        audience=_localised(raw.get("audience"), f"{where}: audience"),
        confidential=confidential,
        contact=_contact(raw.get("contact"), f"{where}: contact"),
        rules=cast(Mapping[str, object], _freeze(rules)),
        events=tuple(sorted(events, key=lambda e: e.starts_at)),
        coordinators=_coordinators(raw.get("coordinators", []), where),
        targets=_targets(raw.get("targets", {}), where),
    )


def _coordinators(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(c, str) and _SLACK_ID.match(c) for c in raw):
        raise CatalogueError(f"{where}: 'coordinators' must be a list of Slack member ids such as U012AB3CD")
    return tuple(raw)


def _targets(raw: object, where: str) -> Mapping[str, int]:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: 'targets' must be a mapping")
    _check_keys(raw, _TARGET_KEYS, f"{where}: targets")
    for key, value in raw.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise CatalogueError(f"{where}: targets.{key} must be a whole number above 0")
    return MappingProxyType(dict(raw))


def _event(raw: object, index: int, programme_where: str) -> Event:
    event_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(raw, dict) or not isinstance(event_id, str) or not event_id:
        raise CatalogueError(f"{programme_where}: event #{index + 1}: needs a mapping with a text 'id'")
    where = f"{programme_where}: event {event_id!r}"
    _check_keys(raw, _EVENT_KEYS, where)
    starts_at = _local_time(raw.get("starts_at"), f"{where}: starts_at")
    ends_at = _local_time(raw.get("ends_at"), f"{where}: ends_at")
    if ends_at < starts_at:
        raise CatalogueError(f"{where}: ends_at {raw['ends_at']} is before starts_at {raw['starts_at']}")
    location = raw.get("location")
    if location is not None and not isinstance(location, str):
        raise CatalogueError(f"{where}: 'location' must be text or null")
    capacity = raw.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        raise CatalogueError(f"{where}: 'capacity' must be a whole number of places, 1 or more")
    deadline = None
    if raw.get("registration_deadline") is not None:
        deadline = _local_time(raw["registration_deadline"], f"{where}: registration_deadline")
        if deadline > starts_at:
            raise CatalogueError(f"{where}: registration_deadline is after starts_at")
    registration = raw.get("registration")
    if registration is not None and (not isinstance(registration, str) or not registration):
        raise CatalogueError(f"{where}: 'registration' names a dialogue id, or is left out")
    title = _localised(raw.get("title"), f"{where}: title")
    return Event(event_id, title, starts_at, ends_at, location, capacity, deadline, registration)


def _local_time(raw: object, where: str) -> dt.datetime:
    """An Amsterdam wall-clock time without offset (YAML timestamp or ISO text), returned in UTC."""
    value: object = raw
    if isinstance(raw, str):
        try:
            value = dt.datetime.fromisoformat(raw) if "T" in raw or " " in raw.strip() else raw
        except ValueError:
            raise CatalogueError(f"{where}: {raw!r} is not a valid date and time") from None
    if not isinstance(value, dt.datetime):
        raise CatalogueError(f"{where}: expected a local date and time like 2027-08-30T16:30, got {raw!r}")
    if value.tzinfo is not None:
        raise CatalogueError(f"{where}: give local Europe/Amsterdam time without a UTC offset, got {raw!r}")
    local = value.replace(tzinfo=AMSTERDAM)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(AMSTERDAM).replace(tzinfo=None) != value:
        raise CatalogueError(
            f"{where}: {value.isoformat()} does not exist in Europe/Amsterdam (clock change)"
        )
    return utc


def _localised(raw: object, where: str) -> Localised:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: needs both 'nl' and 'en' text")
    for lang in ("nl", "en"):
        text = raw.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise CatalogueError(f"{where}: missing {lang!r} text")
    return Localised(nl=raw["nl"].strip(), en=raw["en"].strip())


def _contact(raw: object, where: str) -> Contact | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
        raise CatalogueError(f"{where}: needs a 'name'")
    email = raw.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise CatalogueError(f"{where}: {email!r} is not an e-mail address")
    return Contact(name=raw["name"].strip(), email=email)


def _check_keys(raw: dict[str, object], allowed: set[str], where: str) -> None:
    if unknown := sorted(str(k) for k in raw if k not in allowed):
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(unknown)}")


def _freeze(value: object) -> object:
    """Make parsed YAML read-only: dicts become MappingProxyType, lists become tuples."""
    if isinstance(value, dict):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
