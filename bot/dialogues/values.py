"""The plain values a dialogue speaks in: stored answers, and messages that are catalogue keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# An answer as stored (JSON-friendly): dates are ISO strings, multi-choices lists of values, and
# None is an explicit "skipped" for an optional question.
Value = str | int | list[str] | None


@dataclass(frozen=True)
class Message:
    """A catalogue key with its parameters: what to say, not yet in any language."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Ref:
    """A message parameter that is itself a catalogue key (a choice label, say)."""

    key: str
