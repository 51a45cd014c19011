"""Peer-to-Peer: municipal policy officers take on a real organisational question of a company or
civil-society organisation. Two dialogues under one programme, keyed `peer-to-peer/<name>`:

- `peer-to-peer/aanmelding`: a civil servant applies; their municipal secretary nominates them.
- `peer-to-peer/opdracht`: a company or NGO brings in an assignment, with a contact person.
"""

from __future__ import annotations

from bot.dialogues.common import ANY
from bot.dialogues.model import (
    Choice,
    Choose,
    ChooseMany,
    Date,
    Dialogue,
    Email,
    Number,
    Phone,
    Question,
    Reply,
    Text,
    YesNo,
)
from bot.dialogues.validators import (
    after,
    in_range,
    max_length,
    min_length,
    not_in_past,
    slack_or_email,
    within_days,
)

PROGRAMME = "peer-to-peer"
LONG = (min_length(10), max_length(1000))

# The kinds of question the programme text gives as examples: reorganising a chicken farm, steering a
# cultural centre's growth, attracting staff from abroad.
ASSIGNMENT_KINDS = (
    ANY,
    Choice("organisation", "peer-to-peer.assignment.organisation", ("organisatie", "reorganisatie")),
    Choice("strategy", "peer-to-peer.assignment.strategy", ("strategie", "groei", "growth")),
    Choice("people", "peer-to-peer.assignment.people", ("hr", "personeel", "mensen", "staff")),
    Choice("communication", "peer-to-peer.assignment.communication", ("communicatie", "marketing")),
    Choice("finance", "peer-to-peer.assignment.finance", ("financien", "bedrijfsvoering", "geld")),
    Choice("rules", "peer-to-peer.assignment.rules", ("regels", "beleid", "vergunningen", "policy")),
)

APPLICATION = Dialogue(
    id=f"{PROGRAMME}/aanmelding",
    programme=PROGRAMME,
    version=1,
    questions=(
        Question("municipality", Text(), (max_length(120),)),
        Question("function", Text(), (max_length(120),)),
        Question("skills", Text(), LONG),
        Question("interests", Text(), LONG),
        Question("available_from", Date(), (not_in_past(), within_days(2 * 365))),
        Question(
            "hours_per_week",
            Number(suggestions=(4, 8, 16), value_format="peer-to-peer.hours_value"),
            (in_range(1, 40),),
        ),
        Question("assignment_kinds", ChooseMany(ASSIGNMENT_KINDS)),
        Question(
            "secretary_informed",
            YesNo(no=Reply(notice="peer-to-peer.aanmelding.secretary_notice")),
        ),
        Question("secretary", Text(), (max_length(254), slack_or_email())),
    ),
)

ASSIGNMENT = Dialogue(
    id=f"{PROGRAMME}/opdracht",
    programme=PROGRAMME,
    version=1,
    questions=(
        Question("organisation", Text(), (max_length(120),)),
        Question(
            "organisation_kind",
            Choose(
                (
                    Choice("company", "peer-to-peer.opdracht.kind.company", ("bedrijf", "onderneming", "bv")),
                    Choice("ngo", "peer-to-peer.opdracht.kind.ngo", ("maatschappelijk", "stichting", "ngo")),
                    Choice("other", "peer-to-peer.opdracht.kind.other", ("anders", "overig")),
                )
            ),
        ),
        Question("question", Text(), LONG),
        Question("context", Text(), LONG),
        Question(
            "outcome", Text(), (max_length(1000),)
        ),  # "een plan" is an answer the question itself suggests
        Question(
            "effort_days",
            Number(suggestions=(5, 10, 20), value_format="peer-to-peer.days_value"),
            (in_range(1, 60),),
        ),
        Question("period_start", Date(), (not_in_past(), within_days(2 * 365))),
        Question("period_end", Date(), (after("period_start"), within_days(3 * 365))),
        Question("contact_name", Text(), (max_length(100),)),
        Question("contact_email", Email()),
        Question("contact_phone", Phone(), optional=True),
    ),
)
