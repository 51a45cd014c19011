"""Every declaration and catalogue holds up: references resolve, both languages say everything, and
nothing breaks Slack's limits. The same check runs at start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.dialogues import INTAKES
from bot.dialogues.check import check, check_all
from bot.dialogues.managersruil import INTAKE
from bot.dialogues.model import Choice, Condition, Dialogue, Kind, Question
from bot.i18n import CATALOGUES, placeholders

ROOT = Path(__file__).resolve().parents[2]


def test_every_declared_intake_passes_its_self_check() -> None:
    assert check_all(INTAKES.values()) == []


def test_the_check_catches_broken_declarations() -> None:
    broken = Dialogue(
        id="broken",
        programme="x",
        version=1,
        intro="managersruil.intro",
        done="no.such.key",
        questions=(
            Question(
                "a",
                Kind.CHOICE,
                "managersruil.q.field",
                "managersruil.l.field",
                choices=(Choice("x", "field.beleid"),),
            ),
            Question(
                "b",
                Kind.TEXT,
                "managersruil.q.region",
                "managersruil.l.region",
                when=Condition("later", ("x",)),
            ),
            Question(
                "later", Kind.NUMBER, "managersruil.q.scale", "managersruil.l.scale", min_value=5, max_value=1
            ),
            Question("later", Kind.TEXT, "managersruil.q.region", "managersruil.l.region"),
        ),
    )
    problems = "\n".join(check(broken))
    assert "'no.such.key' is missing in nl" in problems
    assert "needs at least two choices" in problems
    assert "not an earlier question" in problems
    assert "min_value is above max_value" in problems
    assert "used twice" in problems


def test_a_label_too_long_for_a_slack_button_is_caught() -> None:
    long_key = "managersruil.intro"  # hundreds of characters: far over a button's 75
    q = Question(
        "a",
        Kind.CHOICE,
        "managersruil.q.field",
        "managersruil.l.field",
        choices=(Choice("x", long_key), Choice("y", "field.staf")),
    )
    problems = check(Dialogue("d", "p", 1, "managersruil.intro", "managersruil.done", (q,)))
    assert any("the limit is 75" in p for p in problems)


@pytest.mark.parametrize("locale", [loc for loc in CATALOGUES if loc != "nl"])
def test_every_language_has_every_text_with_the_same_placeholders(locale: str) -> None:
    nl, other = CATALOGUES["nl"], CATALOGUES[locale]
    assert set(other) == set(nl)
    for key, text in nl.items():
        assert placeholders(other[key]) == placeholders(text), key


def test_the_managersruil_intake_asks_what_the_programme_needs() -> None:
    ids = [q.id for q in INTAKE.questions]
    for needed in (
        "ministry",
        "directorate",
        "function",
        "scale",
        "field",
        "wanted_fields",
        "wanted_ministries",
        "period",
        "start",
        "supervisor",
        "region",
        "learning",
    ):
        assert needed in ids
    scale = INTAKE.question("scale")
    assert scale.advised == (14, 16)
    assert (INTAKE.question("period").min_value, INTAKE.question("period").max_value) == (6, 18)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_core_knows_nothing_of_slack() -> None:
    entry_points = {"cli.py"}  # the entry point builds the Slack app, lazily
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name in entry_points:
            continue
        for module in _imports(path):
            assert not module.startswith(("slack_bolt", "slack_sdk", "handlers")), f"{path} imports {module}"


def test_no_sentence_for_users_is_written_inline_in_handlers() -> None:
    # Handlers render; words come from the catalogues. A Dutch word in a string literal is a smell.
    dutch = ("je ", "jouw", "vraag", "aanmelding")
    for path in (ROOT / "handlers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not any(w in node.value.lower() for w in dutch), f"{path}: {node.value!r}"
