"""One payload codec for every button, menu and modal: what a click or a submission acts on.

A click carries the intake it was shown for, the version of the conversation at that moment, and the
step (a question id, or `summary` / `cancel`). The service refuses, kindly and without any change, a
click whose intake, version or step no longer holds: an old stop confirmation, an old summary, a
replayed click, another person's intake. The format is short and plain so it fits Slack's option
values (150 characters) and block ids (255):

    r1|<intake>|<version>|<step>|<value>

The value comes last and may itself hold '|'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.limits import OPTION_VALUE

PREFIX = "r1"
SUMMARY = "summary"  # the step of the answers overview with its confirm and edit buttons
CANCEL = "cancel"  # the step of "are you sure you want to stop?"
REGISTERED = "registered"  # a confirmed registration: it can be changed or withdrawn
_STEP = re.compile(r"^[a-z0-9_.-]{1,64}$")
_NUMBER = re.compile(r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class Target:
    """What an interaction was shown for."""

    intake: int
    version: int
    step: str


def encode(target: Target, value: str = "") -> str:
    if not _STEP.match(target.step):
        raise ValueError(f"a step id must be short and plain, not {target.step!r}")
    encoded = f"{PREFIX}|{target.intake}|{target.version}|{target.step}|{value}"
    if len(encoded) > OPTION_VALUE:
        raise ValueError(f"payload of {len(encoded)} characters does not fit Slack's {OPTION_VALUE}")
    return encoded


def decode(text: object) -> tuple[Target, str] | None:
    """The target and value of a payload; None for anything we did not make (an older bot's button,
    or something forged): the caller treats it as a stale click."""
    if not isinstance(text, str) or len(text) > OPTION_VALUE:
        return None
    parts = text.split("|", 4)
    if len(parts) != 5 or parts[0] != PREFIX:
        return None
    _, intake, version, step, value = parts
    if not (_NUMBER.match(intake) and _NUMBER.match(version) and _STEP.match(step)):
        return None
    return Target(int(intake), int(version), step), value
