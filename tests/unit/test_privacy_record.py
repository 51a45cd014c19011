"""docs/privacy.md is the processing record; its list of stored fields must match the models, so a
new column without a line there (what it holds, whether it is personal) fails here."""

from __future__ import annotations

import re
from pathlib import Path

from storage.models import Base

RECORD = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
_FIELD = re.compile(
    r"^\|\s*`(?P<table>[a-z_]+)\.(?P<column>[a-z_]+)`\s*\|(?P<what>[^|]+)\|(?P<personal>[^|]+)\|"
)


def documented() -> list[tuple[str, str]]:
    text = RECORD.read_text(encoding="utf-8")
    section = text.split("## Every stored field", 1)[1]
    return [(m["table"], m["column"]) for m in map(_FIELD.match, section.splitlines()) if m]


def test_the_record_lists_every_stored_field_and_no_other() -> None:
    listed = documented()
    assert len(listed) == len(set(listed)), "a field is listed twice"
    stored = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    missing = sorted(stored - set(listed))
    assert not missing, f"stored but not in docs/privacy.md (add a line: what it holds, personal?): {missing}"
    gone = sorted(set(listed) - stored)
    assert not gone, f"in docs/privacy.md but no longer stored: {gone}"


def test_the_record_has_what_a_privacy_officer_asks_for() -> None:
    text = RECORD.read_text(encoding="utf-8")
    for heading in ("Categories of personal data", "Purposes", "Legal basis", "Retention", "Who has access"):
        assert f"## {heading}" in text
    for processor in ("Slack", "hosting"):
        assert processor in text.split("## Processors", 1)[1]
