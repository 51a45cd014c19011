"""An intake as a form: the same declaration, cut into pages for a modal. Pure, like the engine.

A page starts at a question and holds the applicable questions after it, up to `PAGE_SIZE`. It leaves
out a question whose condition names a question on the same page: whether it is asked can only be
known once that answer is in (a modal cannot show a field on the fly), so when it turns out to be
asked, the next page starts with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import engine
from bot.dialogues.model import Dialogue, Question
from bot.engine import Value

PAGE_SIZE = 8  # questions on one modal page: enough to be quick, few enough to read


def page(dialogue: Dialogue, answers: Mapping[str, Value], first: str) -> tuple[Question, ...]:
    """The questions of the page that starts at `first` (empty if `first` is not asked)."""
    questions = engine.applicable(dialogue, answers)
    ids = [q.id for q in questions]
    if first not in ids:
        return ()
    chosen: list[Question] = []
    for question in questions[ids.index(first) :]:
        if len(chosen) == PAGE_SIZE:
            break
        on_page = {q.id for q in chosen}
        if question.when is not None and question.when.names() & on_page:
            continue
        chosen.append(question)
    return tuple(chosen)
