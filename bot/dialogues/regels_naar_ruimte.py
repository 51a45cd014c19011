"""Van Regels naar Ruimte: a civil servant reports a rule that gets in the way of their work, with a
proposed solution and a pilot form. Then the four conditions from the programme text: working in the
primary process, a worthwhile gain, an internal mandate, and time of their own with colleagues. A
report that does not meet them ends with what is missing and how to get there; the draft is kept."""

from __future__ import annotations

from bot.dialogues.conditions import When, any_
from bot.dialogues.model import Choice, Choose, Dialogue, Ending, Question, Reply, Text, YesNo
from bot.dialogues.validators import max_length, min_length

ID = "regels-naar-ruimte"
LONG = (min_length(10), max_length(1000))


def _criterion(name: str) -> YesNo:
    """A condition of the programme: a no is a reason the report does not qualify, and says so."""
    return YesNo(no=Reply(consequence=f"{ID}.unmet.{name}"))


INTAKE = Dialogue(
    id=ID,
    programme=ID,
    version=1,
    questions=(
        Question("organisation", Text(), (max_length(120),)),
        Question("rule", Text(), (max_length(200),)),
        Question("rule_reference", Text(), (max_length(300),), optional=True),
        Question("blocks", Text(), LONG),
        Question("consequence", Text(), LONG),
        Question("solution", Text(), LONG),
        Question(
            "pilot_form",
            Choose(
                (
                    Choice(
                        "right_to_challenge", f"{ID}.pilot.right_to_challenge", ("right to challenge", "rtc")
                    ),
                    Choice("doe_tank", f"{ID}.pilot.doe_tank", ("doe tank", "doetank", "do tank")),
                    Choice("other", f"{ID}.pilot.other", ("anders", "other", "iets anders")),
                    Choice(
                        "unsure", f"{ID}.pilot.unsure", ("weet niet", "weet ik niet", "not sure", "geen idee")
                    ),
                )
            ),
        ),
        Question("pilot_other", Text(), (max_length(300),), when=When.answer("pilot_form", "other")),
        Question("primary_process", _criterion("primary_process")),
        Question("worthwhile", _criterion("worthwhile")),
        Question(
            "mandate",
            Choose(
                (
                    Choice("yes", f"{ID}.mandate.yes", ("ja", "yes", "j", "y")),
                    Choice(
                        "arrange",
                        f"{ID}.mandate.arrange",
                        ("kan ik regelen", "regelen", "met bzk", "can arrange"),
                        notice=f"{ID}.mandate_notice",
                    ),
                    Choice("no", f"{ID}.mandate.no", ("nee", "no", "n"), consequence=f"{ID}.unmet.mandate"),
                )
            ),
        ),
        Question("commitment", _criterion("commitment")),
    ),
    endings=(
        Ending(
            "not_eligible",
            any_(
                When.answer("primary_process", "no"),
                When.answer("worthwhile", "no"),
                When.answer("mandate", "no"),
                When.answer("commitment", "no"),
            ),
        ),
    ),
)
