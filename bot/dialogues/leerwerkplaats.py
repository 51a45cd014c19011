"""The inter-company Leerwerkplaats: a cohort of at most 20 (programme) managers who each bring their
own trajectory of new organising or changing. The coordinator composes diverse groups (by sector and
kind of organisation and by trajectory), needs the fee approved, and plans around the fixed sessions.

The sessions are one multi-choice, not a yes/no per date: one question instead of five, one menu in
Slack, and 'none of these' stands alone so an empty answer never hides a missing one. The session
values are the event ids in bot/data/programmes.yaml; a test holds the labels to the catalogue's dates.
"""

from __future__ import annotations

from bot.dialogues.common import GEMEENTE, PROVINCIE, RIJK, WATERSCHAP
from bot.dialogues.model import (
    Choice,
    Choose,
    ChooseMany,
    Dialogue,
    Question,
    Reply,
    Text,
    YesNo,
    options,
)
from bot.dialogues.validators import max_length, min_length

ID = "leerwerkplaats"

SECTORS = (RIJK, GEMEENTE, PROVINCIE, WATERSCHAP, Choice("other", "organisation.other", ("anders", "overig")))
KINDS = (
    Choice("beleid", f"{ID}.kind.beleid", ("policy",)),
    Choice("uitvoering", f"{ID}.kind.uitvoering", ("operations", "implementation", "uitvoeringsorganisatie")),
    Choice("toezicht", f"{ID}.kind.toezicht", ("inspectie", "inspection", "supervision", "regulator")),
    Choice("bedrijfsvoering", f"{ID}.kind.bedrijfsvoering", ("staf", "staff", "shared service", "support")),
    Choice("other", f"{ID}.kind.other", ("anders", "overig")),
)
SESSION_IDS = ("prequel", "start-subgroup-1", "start-subgroup-2", "follow-up-1", "follow-up-2")
SESSIONS = (
    *options(f"{ID}.session", *SESSION_IDS),
    Choice(
        "none",
        f"{ID}.session.none",
        aliases=("geen", "geen van deze", "none", "none of these"),
        exclusive=True,
        notice=f"{ID}.sessions_notice",
    ),
)
LONG = (min_length(10), max_length(1000))

INTAKE = Dialogue(
    id=ID,
    programme=ID,
    version=1,
    questions=(
        Question("organisation", Text(), (max_length(120),)),
        Question("sector", Choose(SECTORS)),
        Question("organisation_kind", Choose(KINDS)),
        Question("function", Text(), (max_length(120),)),
        Question("trajectory", Text(), LONG),
        Question("learning_question", Text(), LONG),
        Question("motivation", Text(), LONG),
        Question("fee_approved", YesNo(no=Reply(notice=f"{ID}.fee_notice"))),
        Question("sessions", ChooseMany(SESSIONS)),
    ),
)
