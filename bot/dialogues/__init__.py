"""Every intake the bot can run, by programme id."""

from __future__ import annotations

from collections.abc import Mapping

from bot.dialogues import managersruil
from bot.dialogues.model import Dialogue

INTAKES: Mapping[str, Dialogue] = {d.programme: d for d in (managersruil.INTAKE,)}
