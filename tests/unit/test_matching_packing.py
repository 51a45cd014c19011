"""Choosing swaps: the packing is optimal (checked against brute force on small random graphs), uses
3-way swaps where 2-way ones do not exist, and never puts a person in two swaps."""

from __future__ import annotations

import itertools
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.packing import Packing, _Adjacency, _cover_bound, _Master, _price, _Ranked, pack, two_cycles
from bot.matching.scoring import Graph


def graph(n: int, edges: dict[tuple[int, int], int]) -> Graph:
    pairs = sorted(edges)
    return Graph(
        tuple(f"U{i}" for i in range(n)),
        np.array([a for a, _ in pairs], dtype=np.int64),
        np.array([b for _, b in pairs], dtype=np.int64),
        np.array([edges[p] for p in pairs], dtype=np.int64),
    )


def brute_force(n: int, edges: dict[tuple[int, int], int]) -> int:
    """The best total by trying every set of disjoint 2- and 3-cycles."""
    cycles: list[tuple[frozenset[int], int]] = []
    for a, b in itertools.combinations(range(n), 2):
        if (a, b) in edges and (b, a) in edges:
            cycles.append((frozenset((a, b)), edges[a, b] + edges[b, a]))
    for a, b, c in itertools.permutations(range(n), 3):
        if a < b and a < c and all(e in edges for e in ((a, b), (b, c), (c, a))):
            cycles.append((frozenset((a, b, c)), edges[a, b] + edges[b, c] + edges[c, a]))

    def best(start: int, used: frozenset[int]) -> int:
        top = 0
        for i in range(start, len(cycles)):
            members, score = cycles[i]
            if not members & used:
                top = max(top, score + best(i + 1, used | members))
        return top

    return best(0, frozenset())


def assert_valid(packing: Packing, edges: dict[tuple[int, int], int]) -> None:
    seen: set[int] = set()
    for cycle in packing.cycles:
        assert len(cycle.members) in (2, 3)
        assert not seen & set(cycle.members), "a person is in two swaps"
        seen |= set(cycle.members)
        steps = list(zip(cycle.members, (*cycle.members[1:], cycle.members[0]), strict=True))
        assert all(step in edges for step in steps), "a swap uses a pair that is not possible"
        assert cycle.score == sum(edges[s] for s in steps)
    assert packing.total == sum(c.score for c in packing.cycles)


random_graphs = st.integers(min_value=2, max_value=8).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] != e[1]),
            st.integers(1, 40),
            max_size=n * (n - 1),
        ),
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs)
def test_the_exact_packing_scores_as_much_as_brute_force(
    case: tuple[int, dict[tuple[int, int], int]],
) -> None:
    n, edges = case
    packing = pack(graph(n, edges))
    assert_valid(packing, edges)
    assert packing.total == brute_force(n, edges)
    assert packing.optimal
    assert packing.bound == packing.total


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs)
def test_column_generation_brackets_the_optimum_with_a_proven_bound(
    case: tuple[int, dict[tuple[int, int], int]],
) -> None:
    n, edges = case
    # Force the large-graph method: start from each person's single best pair and generate the rest.
    packing = pack(graph(n, edges), full_limit=0, start_k=1)
    assert_valid(packing, edges)
    optimum = brute_force(n, edges)
    assert packing.total <= optimum <= packing.bound
    if packing.optimal:
        assert packing.total == optimum


def test_a_three_way_swap_is_found_where_no_two_way_swap_exists() -> None:
    # Ann could take Bob's post, Bob Cem's, Cem Ann's; nobody wants to go where their taker is.
    edges = {(0, 1): 10, (1, 2): 10, (2, 0): 10}
    packing = pack(graph(3, edges))
    assert [c.members for c in packing.cycles] == [(0, 1, 2)]
    assert packing.total == 30


def test_the_best_total_beats_taking_the_best_swap_first() -> None:
    # The best single swap (0<->1, 50 points) would block two swaps worth 60 together.
    edges = {(0, 1): 25, (1, 0): 25, (0, 2): 15, (2, 0): 15, (1, 3): 15, (3, 1): 15}
    packing = pack(graph(4, edges))
    assert sorted(c.members for c in packing.cycles) == [(0, 2), (1, 3)]
    assert packing.total == 60
    assert packing.optimal


def test_nobody_is_proposed_when_no_swap_closes() -> None:
    packing = pack(graph(3, {(0, 1): 10, (1, 2): 10}))
    assert packing.cycles == ()
    assert packing.total == packing.bound == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs)
def test_the_cycle_cover_bound_never_undercuts_the_optimum(
    case: tuple[int, dict[tuple[int, int], int]],
) -> None:
    n, edges = case
    g = graph(n, edges)
    adj = _Adjacency(n, g.src, g.dst, g.score)
    assert _cover_bound(adj, target=0.0, until=time.monotonic() + 0.05) >= brute_force(n, edges) - 1e-6


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs, st.lists(st.integers(0, 40), min_size=8, max_size=8), st.sampled_from([None, 0, 1]))
def test_the_owners_bound_never_undercuts_the_optimum_whatever_the_prices(
    case: tuple[int, dict[tuple[int, int], int]], prices: list[int], budget: int | None
) -> None:
    # Any prices >= 0 must give a valid bound, also when the search stops early (budget 0 or 1).
    n, edges = case
    g = graph(n, edges)
    adj = _Adjacency(n, g.src, g.dst, g.score)
    duals = np.array(prices[:n], dtype=np.float64) / 4
    priced = _price(_Ranked(adj), two_cycles(adj), duals, budget=budget, block=1)
    assert priced.bound >= brute_force(n, edges) - 1e-6
    if priced.complete and not duals.any():
        # At prices 0 each owner keeps its best swap: the bound is the sum of those.
        assert priced.bound == _sum_of_each_owners_best_swap(n, edges)


def test_a_search_stopped_early_still_counts_the_swaps_it_did_not_reach() -> None:
    # Two separate 3-way swaps; a search allowed one anchor finds one of them. The other must still
    # count in the bound (with its best case), or the bound would undercut the optimum of 60.
    edges = {(0, 1): 10, (1, 2): 10, (2, 0): 10, (3, 4): 10, (4, 5): 10, (5, 3): 10}
    g = graph(6, edges)
    adj = _Adjacency(6, g.src, g.dst, g.score)
    priced = _price(_Ranked(adj), two_cycles(adj), np.zeros(6), budget=0, block=1)
    assert not priced.complete
    assert priced.bound >= 60


def _sum_of_each_owners_best_swap(n: int, edges: dict[tuple[int, int], int]) -> float:
    best = [0] * n
    for a, b in itertools.permutations(range(n), 2):
        if (a, b) in edges and (b, a) in edges:
            owner = min(a, b)
            best[owner] = max(best[owner], edges[a, b] + edges[b, a])
        for c in range(n):
            if len({a, b, c}) == 3 and all(e in edges for e in ((a, b), (b, c), (c, a))):
                owner = min(a, b, c)
                best[owner] = max(best[owner], edges[a, b] + edges[b, c] + edges[c, a])
    return float(sum(best))


def test_each_solve_gets_its_own_time_limit_not_what_is_left_of_the_first() -> None:
    # HiGHS counts a time limit from the object's first run: a second solve must add the time used.
    master = _Master(3)
    master.add(np.array([[0, 1], [1, 2]], dtype=np.int64), np.array([10.0, 12.0]))
    master.solve_lp(5.0)
    used = master.h.getRunTime()
    master.solve_lp(5.0)
    _, limit = master.h.getOptionValue("time_limit")  # (status, value)
    assert limit >= used + 5.0
    used = master.h.getRunTime()
    master.solve_mip(5.0)
    _, limit = master.h.getOptionValue("time_limit")
    assert limit >= used + 5.0
