"""A pair's reasons in words: catalogue keys and parameters, translated (nl first, en)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine import Message, Ref
from bot.i18n import Safe, Translator


def say(reason: Message, t: Translator) -> Safe:
    params = {k: t.t(v.key) if isinstance(v, Ref) else v for k, v in reason.params.items()}
    return t.t(reason.key, **params)


def words(reasons: Sequence[Message], t: Translator) -> Safe:
    """'ander ministerie, gewenste richting Uitvoering, periode overlapt 9 maanden'."""
    if not reasons:
        return t.t("match.why.none")
    return Safe(", ".join(say(r, t) for r in reasons))
