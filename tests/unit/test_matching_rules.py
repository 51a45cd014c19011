"""Who could take whose post, how good a pair is, and why, as a participant or coordinator reads it."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.engine import Value
from bot.i18n import CATALOGUES, Translator, placeholders
from bot.matching import scoring
from bot.matching.candidates import Candidate, Exclusions, Window, managersruil_candidate
from bot.matching.explain import words
from bot.matching.rules import RulesError, parse_rules
from bot.matching.scoring import Scorer
from bot.matching.swaps import plan_swaps
from bot.programmes import CatalogueError, load_catalogue

TODAY = date(2026, 11, 27)
CATALOGUE = load_catalogue()
MANAGERSRUIL = CATALOGUE.get("managersruil").matching()
LIB = CATALOGUE.get("leidinggevenden-in-beweging").matching()


def intake(**changes: Value) -> dict[str, Value]:
    answers: dict[str, Value] = {
        "ministry": "FIN",
        "directorate": "DG Fiscaliteit",
        "function": "afdelingshoofd",
        "scale": 15,
        "field": "beleid",
        "wanted_fields": ["any"],
        "wanted_ministries": ["any"],
        "period": 12,
        "start": "2027-03-01",
        "supervisor": "supports",
        "region": "Den Haag",
        "learning": "hoe de uitvoering van beleid echt werkt",
    }
    answers.update(changes)
    return answers


def person(name: str, answers: Mapping[str, Value], not_with: frozenset[str] = frozenset()) -> Candidate:
    candidate = managersruil_candidate(name, answers, not_with)
    assert candidate is not None
    return candidate


def possible(a: Candidate, b: Candidate) -> bool:
    return Scorer(MANAGERSRUIL, [a, b], TODAY).explain(a.id, b.id).possible


def test_a_pair_needs_another_ministry() -> None:
    assert possible(person("a", intake()), person("b", intake(ministry="BZK")))
    assert not possible(person("a", intake()), person("b", intake()))


def test_the_wished_ministry_and_field_decide_unless_the_person_has_no_preference() -> None:
    picky = person("a", intake(wanted_ministries=["OCW"], wanted_fields=["uitvoering"]))
    assert possible(picky, person("b", intake(ministry="OCW", field="uitvoering")))
    assert not possible(picky, person("b", intake(ministry="BZK", field="uitvoering")))
    assert not possible(picky, person("b", intake(ministry="OCW", field="staf")))
    # The wish is A's: B may go anywhere A's post is, since B said "any".
    assert possible(person("b", intake(ministry="OCW", field="uitvoering")), picky)


def test_scales_stay_within_the_programme_and_at_most_one_apart() -> None:
    fifteen = person("a", intake(scale=15))
    assert possible(fifteen, person("b", intake(ministry="BZK", scale=16)))
    assert not possible(person("a", intake(scale=14)), person("b", intake(ministry="BZK", scale=16)))
    assert not possible(person("a", intake(scale=13)), person("b", intake(ministry="BZK", scale=14)))


def test_start_dates_at_most_half_a_year_apart() -> None:
    # Each gave an earliest start: the swap starts at the later one, and nobody waits over six months.
    early = person("a", intake(start="2027-01-01", period=6))
    assert possible(early, person("b", intake(ministry="BZK", start="2027-07-01", period=12)))
    assert not possible(early, person("b", intake(ministry="BZK", start="2027-07-15", period=12)))


def test_a_start_date_that_has_passed_counts_from_today() -> None:
    # A could start in January 2027; B only from December 2027: too long a wait for A.
    a = person("a", intake(start="2027-01-01", period=6))
    b = person("b", intake(ministry="BZK", start="2027-12-01", period=6))
    assert not possible(a, b)
    # Still waiting in July, A can start from then on: B's December is five months away.
    assert Scorer(MANAGERSRUIL, [a, b], date(2027, 7, 1)).explain("a", "b").possible


def test_the_explanation_names_the_ministry_the_wished_field_and_the_overlapping_months() -> None:
    a = person("a", intake(wanted_fields=["uitvoering"], start="2027-01-01", period=12))
    b = person("b", intake(ministry="BZK", field="uitvoering", start="2027-04-01", period=18))
    explanation = Scorer(MANAGERSRUIL, [a, b], TODAY).explain("a", "b")
    nl = words(explanation.reasons, Translator("nl"))
    en = words(explanation.reasons, Translator("en"))
    assert nl.startswith("ander ministerie, gewenste richting Uitvoering, periode overlapt 12 maanden")
    assert "start 3 maanden uit elkaar" in nl
    assert en.startswith("another ministry, wished field Operations, periods overlap 12 months")
    assert "gewenst ministerie" not in nl  # A said "any": no point for a wish that was not made


def mixed_people(seed: int, n: int) -> list[Candidate]:
    rng = random.Random(seed)
    return [
        person(
            f"p{i}",
            intake(
                ministry=rng.choice(["FIN", "BZK", "OCW", "VWS"]),
                field=rng.choice(["beleid", "uitvoering", "staf"]),
                scale=rng.choice([14, 15, 16]),
                wanted_fields=rng.choice([["any"], ["beleid"], ["uitvoering", "staf"]]),
                wanted_ministries=rng.choice([["any"], ["FIN", "OCW"], ["BZK"]]),
                start=f"2027-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                period=rng.choice([6, 9, 12, 18]),
                function=rng.choice(["afdelingshoofd", "directeur uitvoering", "teamleider beleid"]),
                learning=rng.choice(
                    ["meer van de uitvoering zien", "beleid maken", "leiding geven aan teams"]
                ),
            ),
        )
        for i in range(n)
    ]


def test_the_explanation_adds_up_to_the_score_in_the_graph() -> None:
    people = mixed_people(4, 40)
    scorer = Scorer(MANAGERSRUIL, people, TODAY)
    graph = scorer.graph()
    assert len(graph.src) > 50
    for a, b, score in zip(graph.src.tolist(), graph.dst.tolist(), graph.score.tolist(), strict=True):
        explanation = scorer.explain(graph.ids[a], graph.ids[b])
        assert explanation.possible
        assert explanation.score == score
    listed = set(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    for a in range(len(people)):
        for b in range(len(people)):
            assert scorer.explain(graph.ids[a], graph.ids[b]).possible == ((a, b) in listed)


def test_free_text_compared_all_at_once_scores_as_pair_by_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    people = mixed_people(5, 60)
    at_once = Scorer(MANAGERSRUIL, people, TODAY).graph()
    monkeypatch.setattr(scoring, "_SIMILARITY_CELLS", 0)  # too many texts for a table: pair by pair
    one_by_one = Scorer(MANAGERSRUIL, people, TODAY).graph()
    assert at_once.score.tolist() == one_by_one.score.tolist()
    assert at_once.src.tolist() == one_by_one.src.tolist()
    assert at_once.dst.tolist() == one_by_one.dst.tolist()


def test_a_declined_pair_is_never_proposed_again() -> None:
    a, b = person("a", intake()), person("b", intake(ministry="BZK"))
    plan, _, _ = plan_swaps(MANAGERSRUIL, [a, b], TODAY)
    assert [s.members for s in plan.swaps] == [("a", "b")]
    declined = Exclusions(declined=frozenset({frozenset({"a", "b"})}))
    plan, _, _ = plan_swaps(MANAGERSRUIL, [a, b], TODAY, declined)
    assert plan.swaps == ()


def test_paused_people_and_people_in_an_open_proposal_are_left_out() -> None:
    people = [person("a", intake()), person("b", intake(ministry="BZK")), person("c", intake(ministry="OCW"))]
    for exclusions in (Exclusions(paused=frozenset({"a"})), Exclusions(in_proposal=frozenset({"a"}))):
        plan, _, graph = plan_swaps(MANAGERSRUIL, people, TODAY, exclusions)
        assert "a" not in graph.ids
        assert all("a" not in s.members for s in plan.swaps)
        assert [s.members for s in plan.swaps] == [("b", "c")]


def test_a_not_with_list_keeps_both_sides_apart() -> None:
    a = person("a", intake(), not_with=frozenset({"BZK"}))
    b = person("b", intake(ministry="BZK"))
    assert not possible(a, b)
    assert not possible(b, a)  # B may not take A's post either: A must not swap with BZK at all
    assert possible(a, person("c", intake(ministry="OCW")))


def test_each_swap_lists_its_pairs_with_reasons() -> None:
    people = [
        person("ann", intake(ministry="FIN", wanted_ministries=["BZK"])),
        person("bob", intake(ministry="BZK", wanted_ministries=["OCW"])),
        person("cem", intake(ministry="OCW", wanted_ministries=["FIN"])),
    ]
    plan, _, _ = plan_swaps(MANAGERSRUIL, people, TODAY)
    (swap,) = plan.swaps
    assert swap.members == ("ann", "bob", "cem")  # each takes the next one's post
    assert [(p.source, p.target) for p in swap.pairs] == [("ann", "bob"), ("bob", "cem"), ("cem", "ann")]
    assert swap.score == sum(p.score for p in swap.pairs) == plan.total
    assert "gewenst ministerie Binnenlandse Zaken" in words(swap.pairs[0].reasons, Translator("nl"))
    assert plan.optimal


def lib(
    name: str, organisation: str, region: str, start: date, learning: str = "", function: str = ""
) -> Candidate:
    return Candidate(
        id=name,
        organisation=organisation,
        attributes={"region": region},
        window=Window(start, 4),
        texts={"learning": learning, "function": function},
    )


def test_leidinggevenden_in_beweging_swaps_four_months_within_the_region_across_organisations() -> None:
    start = date(2027, 2, 1)
    people = [
        lib("leusden", "Gemeente Leusden", "Midden-Nederland", start, "sociaal domein", "teamleider"),
        lib(
            "amersfoort",
            "Gemeente Amersfoort",
            "Midden-Nederland",
            date(2027, 2, 15),
            "",
            "teamleider sociaal domein",
        ),
        lib("leusden2", "Gemeente Leusden", "Midden-Nederland", start),
        lib("zwolle", "Gemeente Zwolle", "Overijssel", start),
        lib("utrecht_late", "Provincie Utrecht", "Midden-Nederland", date(2027, 6, 1)),
    ]
    scorer = Scorer(LIB, people, TODAY)
    assert scorer.explain("leusden", "amersfoort").possible
    assert not scorer.explain("leusden", "leusden2").possible  # same organisation
    assert not scorer.explain("leusden", "zwolle").possible  # another region
    assert not scorer.explain("leusden", "utrecht_late").possible  # four months do not overlap
    why = words(scorer.explain("leusden", "amersfoort").reasons, Translator("nl"))
    assert why.startswith("zelfde regio, andere organisatie")
    assert "start in dezelfde maand" in why
    plan, _, _ = plan_swaps(LIB, people, TODAY)
    assert [sorted(s.members) for s in plan.swaps] == [["amersfoort", "leusden"]]


def test_every_reason_is_said_in_dutch_and_english() -> None:
    for rules in (MANAGERSRUIL, LIB):
        for key in rules.message_keys():
            assert key in CATALOGUES["nl"], key
            assert key in CATALOGUES["en"], key
            assert placeholders(CATALOGUES["nl"][key]) == placeholders(CATALOGUES["en"][key])


def test_the_managersruil_overlap_rule_agrees_with_the_programme_minimum() -> None:
    (overlap,) = [r for r in MANAGERSRUIL.hard if r.kind == "overlap"]
    assert overlap.months == CATALOGUE.get("managersruil").rules["min_months"]


@pytest.mark.parametrize(
    ("raw", "fault"),
    [
        ({"hard": [{"rule": "teleport"}]}, "needs 'rule' with one of"),
        ({"hard": [{"rule": "near", "attribute": "scale"}]}, "needs a number 'gap'"),
        (
            {"soft": [{"score": "wished", "attribute": "field", "points": -1, "says": "x"}]},
            "'points' must be",
        ),
        ({"soft": [{"score": "overlap", "points": 5}]}, "needs a text 'says'"),
        ({"hard": [{"rule": "same", "attribute": "region", "colour": "red"}]}, "unknown field(s) colour"),
        ({"weights": {}}, "unknown field(s) weights"),
    ],
)
def test_malformed_matching_rules_are_refused_with_the_fault(raw: object, fault: str) -> None:
    with pytest.raises(RulesError, match=fault.replace("(", r"\(").replace(")", r"\)")):
        parse_rules(raw)


def test_a_catalogue_with_broken_matching_rules_does_not_load(tmp_path: Path) -> None:
    raw = yaml.safe_load((Path(__file__).parents[2] / "bot" / "data" / "programmes.yaml").read_text("utf-8"))
    raw["programmes"][0]["rules"]["matching"]["soft"][0]["points"] = "veel"
    path = tmp_path / "programmes.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"'managersruil': rules.matching: soft rule #1: 'points'"):
        load_catalogue(path)
