"""Registration for the Managersruil kick-off, as the invitation asks it: name, department or service,
function, address, e-mail and phone. What the person's Slack profile already says is filled in at
the start (`prefill`) and shown in the summary to correct. An MD adviser may bring a manager from
their organisation: they name them in Slack (@name), and that manager is asked to confirm before the
place is theirs (bot/sessions.py holds the place meanwhile).

Not offered among the programmes: it starts from the kick-off's button in /sessies, or by its name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.dialogues.conditions import When
from bot.dialogues.model import Dialogue, Email, Phone, Question, Text, YesNo
from bot.dialogues.validators import Context, Validator, has_letters, max_length, min_length
from bot.dialogues.values import Message

_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]{2,20})(?:\|[^>]*)?>|(?P<bare>[UW][A-Z0-9]{8,20})")


def mentioned(text: str) -> str | None:
    """The Slack user id in a mention ('<@U123ABC>', '<@U123ABC|jan>') or a bare id; None otherwise."""
    match = _MENTION.fullmatch(text.strip())
    return (match.group("id") or match.group("bare")) if match else None


@dataclass(frozen=True)
class SlackPerson(Validator):
    """Someone in this Slack workspace, named the way Slack makes a mention when you type @name."""

    error: str = "kick-off.error.mention"

    def check(self, value: object, context: Context) -> Message | None:
        return None if mentioned(str(value)) else Message(self.error, {"answer": str(value)})


KICK_OFF = Dialogue(
    id="managersruil/kick-off",
    programme="managersruil",
    version=1,
    keys="kick-off",
    questions=(
        Question("name", Text(), (min_length(2), max_length(120), has_letters()), prefill="real_name"),
        Question("department", Text(), (min_length(2), max_length(120))),
        Question("function", Text(), (min_length(2), max_length(120)), prefill="title"),
        Question("address", Text(), (min_length(5), max_length(300))),
        Question("email", Email(), prefill="email"),
        Question("phone", Phone(), prefill="phone"),
        Question("brings_manager", YesNo()),
        Question("manager", Text(), (SlackPerson(),), when=When.answer("brings_manager", "yes")),
    ),
)

REGISTRATIONS = {KICK_OFF.id: KICK_OFF}  # dialogues a session registers with, by id
