"""Every declaration and catalogue holds up: references resolve, both languages say everything, and
nothing breaks Slack's limits. The same check runs at start-up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.clock import AMSTERDAM
from bot.dialogues import DIALOGUES, INTAKES
from bot.dialogues.check import MESSAGE_BLOCKS, SELECT_OPTIONS, SUMMARY_EXTRA_BLOCKS, check, check_all
from bot.dialogues.conditions import When, any_, not_
from bot.dialogues.leerwerkplaats import SESSION_IDS
from bot.dialogues.managersruil import INTAKE
from bot.dialogues.model import Choice, Choose, Date, Dialogue, Ending, Number, Question, Text
from bot.dialogues.validators import Advised, InRange, after, in_range
from bot.i18n import CATALOGUES, placeholders
from bot.programmes import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
FIELD_Q, FIELD_L = "managersruil.q.field", "managersruil.l.field"
REGION_Q, REGION_L = "managersruil.q.region", "managersruil.l.region"


def test_every_declared_intake_passes_its_self_check() -> None:
    assert check_all(DIALOGUES.values()) == []
    assert set(INTAKES.values()) <= set(DIALOGUES.values())


def test_the_check_catches_broken_declarations() -> None:
    broken = Dialogue(
        id="broken",
        programme="x",
        version=1,
        intro="managersruil.intro",
        done="no.such.key",
        questions=(
            Question("a", Choose((Choice("x", "field.beleid"),)), prompt=FIELD_Q, label=FIELD_L),
            Question("b", Text(), when=When.answer("later", "x"), prompt=REGION_Q, label=REGION_L),
            Question("later", Number(), (in_range(5, 1),), prompt=REGION_Q, label=REGION_L),
            Question("later", Text(), prompt=REGION_Q, label=REGION_L),
            Question("c", Date(), (after("nowhere"),), prompt=REGION_Q, label=REGION_L),
            Question("d", Text(), when=any_(When.answer("a", "y")), prompt=REGION_Q, label=REGION_L),
            Question("e", Date(), (after("a"),), prompt=REGION_Q, label=REGION_L),
            Question("f", Text()),  # no texts under its derived keys
        ),
        endings=(Ending("out", not_(When.given("ghost"))),),
    )
    problems = "\n".join(check(broken))
    assert "'no.such.key' is missing in nl" in problems
    assert "needs at least two choices" in problems
    assert "its condition refers to 'later', which is not an earlier question" in problems
    assert "in_range(5, 1) has its low bound above its high bound" in problems
    assert "used twice" in problems
    assert "after('nowhere') refers to 'nowhere', which is not an earlier question" in problems
    assert "names values that 'a' does not offer" in problems  # inside any_(...)
    assert "after('a') compares with 'a', which is not a date" in problems
    assert "'broken.q.f' is missing in nl" in problems
    assert "'broken.l.f' is missing in en" in problems
    assert "broken.end.out: its condition refers to 'ghost'" in problems
    assert "'broken.end.out' is missing in nl" in problems


def test_a_label_too_long_for_a_slack_button_is_caught() -> None:
    long_key = "managersruil.intro"  # hundreds of characters: far over a button's 75
    q = Question(
        "a", Choose((Choice("x", long_key), Choice("y", "field.staf"))), prompt=FIELD_Q, label=FIELD_L
    )
    problems = check(Dialogue("d", "p", 1, (q,), intro="managersruil.intro", done="managersruil.done"))
    assert any("the limit is 75" in p for p in problems)


def test_more_options_than_a_slack_menu_holds_are_caught() -> None:
    many = tuple(Choice(str(n), "field.staf") for n in range(SELECT_OPTIONS + 1))
    q = Question("a", Choose(many), prompt=FIELD_Q, label=FIELD_L)
    problems = check(Dialogue("d", "p", 1, (q,), intro="managersruil.intro", done="managersruil.done"))
    assert any(f"at most {SELECT_OPTIONS}" in p for p in problems)


def test_more_questions_than_a_slack_summary_holds_are_caught() -> None:
    questions = tuple(
        Question(f"q{n}", Text(), prompt=REGION_Q, label=REGION_L)
        for n in range(MESSAGE_BLOCKS - SUMMARY_EXTRA_BLOCKS + 1)
    )
    problems = check(Dialogue("d", "p", 1, questions, intro="managersruil.intro", done="managersruil.done"))
    assert any("too many questions" in p for p in problems)


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
    assert Advised(14, 16, "managersruil.scale_advice") in INTAKE.question("scale").checks
    assert InRange(6, 18, "error.months_range") in INTAKE.question("period").checks


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


def test_a_text_missing_in_one_language_is_caught() -> None:
    english = {k: v for k, v in CATALOGUES["en"].items() if k != "leerwerkplaats.q.motivation"}
    problems = check(DIALOGUES["leerwerkplaats"], {"nl": CATALOGUES["nl"], "en": english})
    assert problems == ["leerwerkplaats.motivation: text 'leerwerkplaats.q.motivation' is missing in en"]


def test_every_dialogue_belongs_to_a_programme_in_the_catalogue() -> None:
    catalogue = load_catalogue()
    for dialogue in DIALOGUES.values():
        assert catalogue.get(dialogue.programme).id == dialogue.programme
    assert all(d.programme == programme for programme, d in INTAKES.items())


def test_the_leerwerkplaats_sessions_are_the_catalogue_events_with_their_dates() -> None:
    events = {e.id: e for e in load_catalogue().get("leerwerkplaats").events}
    assert set(SESSION_IDS) == set(events)
    for locale, texts in CATALOGUES.items():
        for session in SESSION_IDS:
            label, day = (
                texts[f"leerwerkplaats.session.{session}"],
                events[session].starts_at.astimezone(AMSTERDAM),
            )
            assert label.startswith(f"{day.day} "), (locale, label)
            assert f"{texts[f'month.{day.month}']} {day.year}" in label, (locale, label)


def test_the_leerwerkplaats_fee_in_the_question_is_the_catalogue_fee() -> None:
    fee = load_catalogue().get("leerwerkplaats").rules["cost_eur"]
    for texts in CATALOGUES.values():
        assert f"€ {fee} " in texts["leerwerkplaats.q.fee_approved"]


NUMBER_WORDS = {
    "negen": 9,
    "nine": 9,
    "tien": 10,
    "ten": 10,
    "elf": 11,
    "eleven": 11,
    "twaalf": 12,
    "twelve": 12,
}


@pytest.mark.parametrize("dialogue_id", list(DIALOGUES))
def test_an_intro_that_counts_the_questions_counts_right(dialogue_id: str) -> None:
    dialogue = DIALOGUES[dialogue_id]
    always = sum(1 for q in dialogue.questions if q.when is None)
    for texts in CATALOGUES.values():
        words = texts[dialogue.intro].lower().replace(".", " ").split()
        counted = [NUMBER_WORDS[w] for w in words if w in NUMBER_WORDS]
        assert all(n == always for n in counted), (texts[dialogue.intro], always)
