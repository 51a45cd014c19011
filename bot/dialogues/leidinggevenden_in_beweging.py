"""Leidinggevenden in Beweging: managers of public organisations in one region swap jobs for four
months. The coordinator pairs people across kinds of organisation, invites them to the speed dates,
and offers the learning programme 'Baas in eigen Beweging'."""

from __future__ import annotations

from bot.dialogues.common import ANY, GEMEENTE, ORGANISATION_KINDS, PROVINCIE, RIJK, UITVOERING, WATERSCHAP
from bot.dialogues.model import Choose, ChooseMany, Date, Dialogue, Number, Question, Reply, Text, YesNo
from bot.dialogues.validators import in_range, max_length, not_in_past, within_days

ID = "leidinggevenden-in-beweging"

INTAKE = Dialogue(
    id=ID,
    programme=ID,
    version=1,
    questions=(
        Question("organisation", Text(), (max_length(120),)),
        Question("organisation_kind", Choose(ORGANISATION_KINDS)),
        Question("region", Text(), (max_length(120),)),
        Question("function", Text(), (max_length(120),)),
        Question("team_size", Number(value_format=f"{ID}.team_value"), (in_range(1, 2000),)),
        Question("wanted_kinds", ChooseMany((ANY, GEMEENTE, PROVINCIE, WATERSCHAP, RIJK, UITVOERING))),
        Question("available_from", Date(), (not_in_past(), within_days(2 * 365))),
        Question("speeddate", YesNo(no=Reply(notice=f"{ID}.speeddate_notice"))),
        Question("learning_programme", YesNo(yes=Reply(notice=f"{ID}.learning_notice"))),
    ),
)
