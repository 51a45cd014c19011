"""One matching run for a swap programme: candidates and rules in, the chosen swaps out, each pair
with its score and reasons. Pure: the caller passes `today` and whom to leave out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.engine import Message
from bot.matching.candidates import NOBODY, Candidate, Exclusions
from bot.matching.packing import Packing, pack
from bot.matching.rules import MatchingRules
from bot.matching.scoring import Graph, Scorer


@dataclass(frozen=True)
class Pair:
    source: str  # takes the post of
    target: str
    score: int
    reasons: tuple[Message, ...]


@dataclass(frozen=True)
class Swap:
    members: tuple[str, ...]  # each takes the next one's post; the last takes the first one's
    score: int  # the sum of its pairs' scores
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class Plan:
    swaps: tuple[Swap, ...]
    total: int
    bound: int  # proven: no set of 2- and 3-way swaps scores more
    optimal: bool
    method: str


def plan_swaps(
    rules: MatchingRules,
    candidates: Sequence[Candidate],
    today: date,
    exclusions: Exclusions = NOBODY,
    *,
    time_limit: float = 50.0,
) -> tuple[Plan, Scorer, Graph]:
    """The best swaps, and the scorer and graph behind them (to explain or list any other pair)."""
    scorer = Scorer(rules, candidates, today, exclusions)
    graph = scorer.graph()
    packing = pack(graph, time_limit=time_limit)
    return _plan(packing, scorer, graph), scorer, graph


def _plan(packing: Packing, scorer: Scorer, graph: Graph) -> Plan:
    swaps = []
    for cycle in packing.cycles:
        members = tuple(graph.ids[i] for i in cycle.members)
        pairs = tuple(pair(scorer, a, b) for a, b in zip(members, (*members[1:], members[0]), strict=True))
        swaps.append(Swap(members, cycle.score, pairs))
    return Plan(tuple(swaps), packing.total, packing.bound, packing.optimal, packing.method)


def pair(scorer: Scorer, source: str, target: str) -> Pair:
    explanation = scorer.explain(source, target)
    return Pair(source, target, explanation.score, explanation.reasons)


def all_pairs(scorer: Scorer, graph: Graph) -> tuple[Pair, ...]:
    """Every possible pair with its reasons; one explanation per pair, so meant for modest sizes."""
    return tuple(
        pair(scorer, graph.ids[a], graph.ids[b])
        for a, b in zip(graph.src.tolist(), graph.dst.tolist(), strict=True)
    )
