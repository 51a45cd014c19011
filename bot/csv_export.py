"""A minimal CSV writer in the format `ruilbot import` reads: `slack_user`, then the intake's
question ids in declaration order, values as stored (a choice's value, a date as ISO), several
answers joined by ';', and a trailing `status` column. A stand-in until bot/spreadsheet.py (the
import/export branch) takes over: the lead points the coordinator export at its `write_csv`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from bot.engine import Value

JOIN = ";"


def cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return JOIN.join(str(v) for v in value)
    return str(value)


def write_csv(question_ids: Sequence[str], rows: Iterable[tuple[str, Mapping[str, Value], str]]) -> str:
    """Rows of (member id, answers, status) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["slack_user", *question_ids, "status"])
    for user, answers, status in rows:
        writer.writerow([user, *(cell(answers.get(q)) for q in question_ids), status])
    return out.getvalue()
