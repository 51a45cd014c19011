"""A pair's reasons in words: catalogue keys and parameters, translated (nl first, en)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine import Message, Ref
from bot.i18n import Safe, Translator
from bot.matching.swaps import Pair, Plan


def say(reason: Message, t: Translator) -> Safe:
    params = {k: t.t(v.key) if isinstance(v, Ref) else v for k, v in reason.params.items()}
    return t.t(reason.key, **params)


def words(reasons: Sequence[Message], t: Translator) -> Safe:
    """'ander ministerie, gewenste richting Uitvoering, periode overlapt 9 maanden'."""
    if not reasons:
        return t.t("match.why.none")
    return Safe(", ".join(say(r, t) for r in reasons))


def plan_as_json(plan: Plan, pairs: Sequence[Pair], t: Translator) -> dict[str, object]:
    """The dry-run report: every possible pair with its score and reasons, the chosen swaps (each
    member takes the next one's post), the total and the proven bound."""
    return {
        "edges": [
            {"from": p.source, "to": p.target, "score": p.score, "why": str(words(p.reasons, t))}
            for p in pairs
        ],
        "cycles": [{"members": list(s.members), "score": s.score} for s in plan.swaps],
        "total": plan.total,
        "bound": plan.bound,
        "optimal": plan.optimal,
    }
