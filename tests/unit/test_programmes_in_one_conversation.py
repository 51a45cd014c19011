"""The service serves every programme that has an intake: a typed message goes to the intake the
person touched last, and each programme keeps its own state. (Only Managersruil's intake exists yet;
a small stand-in dialogue plays a second programme here.)"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.dialogues import INTAKES
from bot.dialogues.model import Dialogue, Question, Text
from bot.services import UserRef
from tests.consenting import consenting

ANNA = UserRef("console", "anna")
COHORT = Dialogue(
    id="leerwerkplaats.test",
    programme="leerwerkplaats",
    version=1,
    intro="managersruil.intro",
    done="managersruil.done",
    questions=(
        Question("region", Text(), prompt="managersruil.q.region", label="managersruil.l.region"),
        Question("learning", Text(), prompt="managersruil.q.learning", label="managersruil.l.learning"),
    ),
)


def test_typed_answers_go_to_the_intake_touched_last(
    sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    services = consenting(wire(sessions, clock=clock, intakes={**INTAKES, "leerwerkplaats": COHORT}))
    services.intake.start(ANNA)  # Managersruil, the default
    services.intake.text(ANNA, "BZK")
    cohort = services.intake.start(ANNA, "leerwerkplaats")
    assert cohort.prompt is not None
    assert cohort.prompt.progress == "Vraag 1 van 2"

    services.intake.text(ANNA, "Utrecht")  # answers the cohort's question, not the directorate
    back = services.intake.start(ANNA)  # resumes Managersruil where it was
    assert back.prompt is not None
    assert (back.prompt.question_id, back.prompt.progress) == ("directorate", "Vraag 2 van 12")
    resumed = services.intake.start(ANNA, "leerwerkplaats")
    assert resumed.prompt is not None
    assert resumed.prompt.question_id == "learning"
