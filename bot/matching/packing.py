"""Choose the 2- and 3-way swaps with the highest total score, each person in at most one.

This is the kidney-exchange problem with cycles of length at most 3, in its cycle formulation (one 0/1
variable per cycle, one row per person), solved with HiGHS:

* when the graph has at most FULL_LIMIT cycles, every cycle is a column and the MIP is solved to
  proven optimality (or stops at the time limit with HiGHS's dual bound);
* a large, dense graph has far too many 3-cycles to list (1,000 synthetic intakes: 400,000; 10,000:
  tens of millions), so: column generation from the cycles among everyone's best few pairs, adding
  cycles of positive reduced cost found by a search of the whole graph. That search gives each cycle
  an owner (its smallest member) and keeps each owner's best: for any prices pi >= 0,
  sum(pi) + sum over owners of max(0, their best cycle's score - pi(cycle))  bounds every packing
  (see _price), and equals the LP bound at the LP's prices. Once no cycle prices out, every cycle
  within delta of zero reduced cost joins the columns, and then a packing better than the best one
  among the columns scores at most bound - delta. A packing is found by an LP-guided dive, improved
  by large neighbourhood search (small exact re-solves), and handed to the MIP as its start.

The MIP of this set packing is hard for HiGHS on dense instances (its LP relaxation is very fractional),
so on large graphs the result is the best packing found with the gap to the proven bound.
Scores are whole points, so a total equal to the floor of the bound is proven optimal.
HiGHS counts a time limit from an object's first run, so each limit set here adds the time used so far
(before, a later solve on the same master could stop at once, or a run overshoot its limit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import highspy
import numpy as np
from numpy.typing import NDArray

from bot.matching.scoring import Graph

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

_EPS = 1e-6
MIP_COLUMNS = 60_000  # the largest restricted MIP we hand to HiGHS after column generation
FULL_LIMIT = 30_000  # cycles: up to here the MIP gets them all; beyond, column generation
DENSE_LIMIT = 12_000  # people: up to here pairs are also looked up in a dense table of scores


@dataclass(frozen=True)
class Cycle:
    members: tuple[int, ...]  # graph indices; each takes the next one's post, the last takes the first's
    score: int


@dataclass(frozen=True)
class Packing:
    cycles: tuple[Cycle, ...]
    total: int
    bound: int  # proven: no choice of 2- and 3-way swaps in the graph scores more
    optimal: bool  # total == bound
    method: str  # "exact" or "column generation"

    @property
    def gap(self) -> float:
        """Share of the bound that may still be missing (0.0 when proven optimal)."""
        return (self.bound - self.total) / self.bound if self.bound > 0 else 0.0


class _Adjacency:
    """Edges sorted by (source, target), with lookups by key source * n + target."""

    def __init__(self, n: int, src: Ints, dst: Ints, score: Ints) -> None:
        self.n = n
        keys = src * n + dst
        if len(keys) and not bool(np.all(keys[1:] > keys[:-1])):  # the scorer already gives them sorted
            order = np.argsort(keys, kind="stable")
            src, dst, score, keys = src[order], dst[order], score[order], keys[order]
        self.src, self.dst, self.score, self.keys = src, dst, score, keys
        self.start = np.searchsorted(self.src, np.arange(n + 1)).astype(np.int64)

    def find(self, a: Ints, b: Ints) -> tuple[NDArray[np.bool_], Ints]:
        """(exists, edge index) for each pair a -> b."""
        keys = a * self.n + b
        at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        exists = self.keys[at] == keys if len(self.keys) else np.zeros(len(keys), dtype=np.bool_)
        return exists, at

    def lookup(self, a: Ints, b: Ints) -> tuple[NDArray[np.bool_], Ints]:
        """(exists, score) for each pair a -> b: from a dense table where it fits, else a search."""
        if self.dense is not None:
            score = self.dense[a, b].astype(np.int64)
            return score >= 0, score
        exists, at = self.find(a, b)
        return exists, self.score[at]

    @cached_property
    def dense(self) -> NDArray[np.int16] | None:
        """Scores as an n x n table (-1: no pair), for at most DENSE_LIMIT people whose pairs fill at
        least 1% of it: a lookup is then one memory read instead of a binary search over every pair
        (200 MB at 10,000 people). A sparse graph, such as everyone's best few pairs, keeps the search."""
        if self.n > DENSE_LIMIT or len(self.score) * 100 < self.n * self.n:
            return None
        if len(self.score) and int(self.score.max()) >= 2**15:
            return None
        table = np.full((self.n, self.n), -1, dtype=np.int16)
        table[self.src, self.dst] = self.score
        return table

    def expand(self, edges: Ints) -> tuple[Ints, Ints]:
        """For each edge e = (a, b): every edge f leaving b. Returns parallel arrays (e, f)."""
        heads = self.dst[edges]
        counts = self.start[heads + 1] - self.start[heads]
        e = np.repeat(edges, counts)
        offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return e, np.repeat(self.start[heads], counts) + offsets


def two_cycles(adj: _Adjacency) -> tuple[Ints, Floats]:
    """Every 2-way swap once (smaller index first): members (k, 2) and summed scores."""
    forward = np.nonzero(adj.src < adj.dst)[0]
    exists, back = adj.lookup(adj.dst[forward], adj.src[forward])
    forward = forward[exists]
    members = np.stack([adj.src[forward], adj.dst[forward]], axis=1)
    return members, (adj.score[forward] + back[exists]).astype(np.float64)


def three_cycles(
    adj: _Adjacency, edges: Ints | None = None, limit: int | None = None
) -> tuple[Ints, Floats] | None:
    """Every 3-way swap a -> b -> c -> a with a the smallest index (both directions are different
    swaps). None when more than `limit` paths would have to be looked at."""
    first = np.nonzero(adj.src < adj.dst)[0] if edges is None else edges
    first = first[adj.src[first] < adj.dst[first]]
    heads = adj.dst[first]
    if limit is not None and int((adj.start[heads + 1] - adj.start[heads]).sum()) > limit:
        return None
    e, f = adj.expand(first)
    keep = adj.dst[f] > adj.src[e]
    e, f = e[keep], f[keep]
    exists, g = adj.find(adj.dst[f], adj.src[e])
    e, f, g = e[exists], f[exists], g[exists]
    members = np.stack([adj.src[e], adj.dst[e], adj.dst[f]], axis=1)
    return members, (adj.score[e] + adj.score[f] + adj.score[g]).astype(np.float64)


class _Master:
    """The cycle formulation in HiGHS: one column per cycle, one row per person (at most once)."""

    def __init__(self, n: int) -> None:
        self.h = highspy.Highs()  # type: ignore[no-untyped-call]
        self.h.setOptionValue("output_flag", False)
        self.h.setOptionValue("random_seed", 7)
        # One thread: HiGHS's idle workers spin between solves and take the CPU the numpy pricing
        # and bounds need (the cycle-cover bound at 10,000 people got 905k instead of 898k in its time).
        self.h.setOptionValue("threads", 1)
        self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h.addRows(
            n,
            np.full(n, -highspy.kHighsInf),
            np.ones(n),
            0,
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.zeros(0),
        )
        self.members: list[Ints] = []
        self.scores: list[Floats] = []
        self.count = 0

    def add(self, members: Ints, scores: Floats) -> None:
        k, width = members.shape
        if k == 0:
            return
        starts = np.arange(k, dtype=np.int32) * width
        self.h.addCols(
            k,
            scores,
            np.zeros(k),
            np.ones(k),
            k * width,
            starts,
            members.reshape(-1).astype(np.int32),
            np.ones(k * width),
        )
        self.members.append(members)
        self.scores.append(scores)
        self.count += k

    def solve_lp(self, seconds: float, vertex: bool = False) -> tuple[float, Floats]:
        """The LP relaxation's value and duals (people's prices, >= 0). An interior point method without
        crossover: on these degenerate LPs it is far faster than simplex, and any prices >= 0 give a
        valid Lagrangian bound, so slightly inexact duals cost tightness, never correctness."""
        self.h.setOptionValue("solver", "ipm")
        self.h.setOptionValue("run_crossover", "on" if vertex else "off")  # a dive needs a vertex
        # HiGHS counts a time limit from the object's first run, not from this one: add the time used.
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(seconds, 0.1))
        self.h.run()
        duals = np.clip(np.asarray(self.h.getSolution().row_dual, dtype=np.float64), 0, None)
        return float(self.h.getInfo().objective_function_value), duals

    def bounds(self, columns: list[int], lower: float, upper: float) -> None:
        if columns:
            k = len(columns)
            self.h.changeColsBounds(
                k, np.array(columns, dtype=np.int32), np.full(k, lower), np.full(k, upper)
            )

    def solve_mip(self, seconds: float, start: Floats | None = None) -> tuple[Floats, float, bool]:
        """(column values, dual bound, optimal) within `seconds`, from a known packing if given."""
        self.h.setOptionValue("solver", "choose")
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(seconds, 0.1))
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.h.setOptionValue("mip_abs_gap", 0.5)  # whole points: within 0.5 of the bound is optimal
        if self.count:
            self.h.changeColsIntegrality(
                self.count,
                np.arange(self.count, dtype=np.int32),
                np.full(self.count, highspy.HighsVarType.kInteger),
            )
        if start is not None and len(start) == self.count:
            self.h.setSolution(self.count, np.arange(self.count, dtype=np.int32), start)
        self.h.run()
        status = self.h.getModelStatus()
        info = self.h.getInfo()
        values = np.asarray(self.h.getSolution().col_value, dtype=np.float64)
        bound = float(info.mip_dual_bound) if self.count else 0.0
        return values, bound, status == highspy.HighsModelStatus.kOptimal

    def chosen(self, values: Floats) -> list[Cycle]:
        cycles: list[Cycle] = []
        offset = 0
        for members, scores in zip(self.members, self.scores, strict=True):
            picked = np.nonzero(values[offset : offset + len(scores)] > 0.5)[0]
            cycles.extend(Cycle(tuple(int(m) for m in members[i]), round(scores[i])) for i in picked)
            offset += len(scores)
        return cycles


def pack(
    graph: Graph, *, time_limit: float = 50.0, full_limit: int = FULL_LIMIT, start_k: int = 6
) -> Packing:
    """The best set of 2- and 3-way swaps in `graph`, with a proven bound. Every cycle is a column when
    they number at most `full_limit`; else column generation (see the module text). Stops after about
    `time_limit` seconds with the best total found and the bound proven so far."""
    began = time.monotonic()
    time_limit *= 0.95  # HiGHS's last solves overshoot their limits by up to half a second
    n = graph.size
    adj = _Adjacency(n, graph.src, graph.dst, graph.score)
    pairs = two_cycles(adj)
    triples = three_cycles(adj, limit=full_limit * 20)
    if triples is not None and len(triples[0]) + len(pairs[0]) <= full_limit:
        master = _Master(n)
        master.add(*pairs)
        master.add(*triples)
        values, bound, _ = master.solve_mip(time_limit)
        return _result(master.chosen(values), np.floor(bound + _EPS), "exact")
    return _generate_columns(adj, pairs, began, time_limit, start_k)


def _total(master: _Master, values: Floats) -> int:
    return sum(c.score for c in master.chosen(values))


def _result(cycles: list[Cycle], bound: float, method: str) -> Packing:
    total = sum(c.score for c in cycles)
    proven = max(int(bound), total)
    cycles.sort(key=lambda c: (-c.score, c.members))
    return Packing(tuple(cycles), total, proven, total >= proven, method)


def _best_edges(ranked: _Ranked, k: int) -> Ints:
    """Each person's k best-scoring pairs out and k best in: where good cycles are likely to be."""
    adj = ranked.adj
    order = np.argsort(adj.dst * ranked.top + (ranked.top - 1 - adj.score))  # into each person, best first
    first = np.searchsorted(adj.dst[order], np.arange(adj.n))
    return np.unique(np.concatenate([ranked.best_out(k), order[_rank(first, len(order)) < k]]))


def _rank(first: Ints, total: int) -> Ints:
    """Each of `total` sorted positions' place within its person's run, the runs starting at `first`."""
    return np.arange(total) - np.repeat(first, np.diff(np.append(first, total)))


class _Columns:
    """The master problem plus the set of 3-cycles already in it."""

    def __init__(self, n: int) -> None:
        self.master = _Master(n)
        self.seen: set[tuple[int, ...]] = set()

    def add(self, adj: _Adjacency, members: Ints) -> int:
        fresh = [i for i, m in enumerate(members.tolist()) if tuple(m) not in self.seen]
        if fresh:
            self.master.add(members[fresh], _cycle_scores(adj, members[fresh]))
            self.seen.update(map(tuple, members[fresh].tolist()))
        return len(fresh)


def _generate_columns(
    adj: _Adjacency, pairs: tuple[Ints, Floats], began: float, time_limit: float, start_k: int
) -> Packing:
    n = adj.n
    columns = _Columns(n)
    # Start from the cycles among everyone's best few pairs; the rest must earn their place.
    ranked = _Ranked(adj)
    sparse = _best_edges(ranked, start_k)
    near = _Adjacency(n, adj.src[sparse], adj.dst[sparse], adj.score[sparse])
    columns.add(adj, two_cycles(near)[0])
    seed = three_cycles(near)
    if seed is not None:
        columns.add(adj, seed[0])
    # Everyone swapped contributes one pair, their own: the best of those is a bound to start from.
    best_out = np.zeros(n)
    np.maximum.at(best_out, adj.src, adj.score.astype(np.float64))
    bound, converged = float(best_out.sum()), False
    duals, lagrangian = np.zeros(n), np.inf

    def elapsed() -> float:
        return time.monotonic() - began

    budget = max(2_000_000, 3_000 * n)  # pairs looked at per pricing round: about 3 s at 10,000 people
    while True:
        lp_value, duals = columns.master.solve_lp(time_limit - elapsed())
        priced = _price(ranked, pairs, duals, budget=budget, until=began + 0.5 * time_limit)
        bound = min(bound, priced.bound)
        if priced.complete:
            lagrangian = priced.bound
        added = columns.add(adj, priced.members2) + columns.add(adj, priced.members3)
        if priced.complete and (added == 0 or bound - lp_value < _EPS):
            converged = True  # no cycle anywhere prices out: the LP over ALL cycles is solved
            break
        if elapsed() > 0.5 * time_limit:
            break
        if added == 0:
            budget *= 4  # the budget ran out before anything priced out: look further
    delta = 0.0
    if converged:
        delta = _near_optimal(
            ranked, pairs, duals, columns, cap=max(15 * n, 5000), until=began + 0.5 * time_limit
        )
    else:
        # Far from the LP's prices the pricing rounds' bounds are loose: the cycle-cover bound is
        # cheap to tighten instead.
        bound = min(bound, _cover_bound(adj, target=lp_value, until=time.monotonic() + 0.08 * time_limit))
    restricted = np.inf
    # What is left: two thirds to dive (the packing is mostly its work), then search around the
    # dive's packing, then briefly the MIP (if it fits; on these graphs it rarely beats the search,
    # but it can prove a smaller one optimal).
    values = _dive(ranked, pairs, columns, until=time.monotonic() + 0.65 * (time_limit - elapsed()))
    mip = columns.master.count <= MIP_COLUMNS  # beyond, HiGHS's MIP overruns its time in presolve
    rest = time_limit - elapsed()
    values = _improve(
        columns,
        values,
        until=time.monotonic() + (0.85 * rest if mip else rest),
        ceiling=np.floor(bound + _EPS),
    )
    if mip:
        # HiGHS's MIP overshoots its limit by up to a second or so here: leave it a margin.
        found, restricted, _ = columns.master.solve_mip(0.6 * (time_limit - elapsed()), start=values)
        if _total(columns.master, found) > _total(columns.master, values):
            values = found
    if converged:
        # A packing with a cycle outside the columns has one of reduced cost <= -delta under these
        # duals, so it scores at most lagrangian - delta; a packing inside them at most `restricted`.
        bound = min(bound, max(restricted, lagrangian - delta))
    return _result(columns.master.chosen(values), np.floor(bound + _EPS), "column generation")


def _cover_bound(adj: _Adjacency, target: float, until: float) -> float:
    """An upper bound that drops the cycle length: everyone takes at most one post and gives theirs to
    at most one person (a cycle cover). Relaxing 'given to at most one' with prices u >= 0 on posts,
    everyone picks their best pair at score - u[post]:  L(u) = sum(u) + sum_v max(0, best_v(u)).
    Valid for any u; subgradient steps (Polyak, towards `target`) make it tighter until `until`."""
    n = adj.n
    sources = np.nonzero(np.diff(adj.start) > 0)[0]
    first = adj.start[sources]
    owner = np.repeat(np.arange(len(sources)), np.diff(adj.start)[sources])
    prices = np.zeros(n)
    best = np.inf
    scale, stale = 1.0, 0
    while time.monotonic() < until:
        reduced = adj.score - prices[adj.dst]
        top = np.maximum.reduceat(reduced, first)
        value = float(prices.sum() + np.clip(top, 0, None).sum())
        if value < best - 1e-9:
            best, stale = value, 0
        else:
            stale += 1
            if stale >= 20:
                scale, stale = scale / 2, 0
        # Each source's chosen post (the first best), if worth taking at all.
        at_top = np.nonzero(reduced >= top[owner] - 1e-12)[0]
        chosen = at_top[np.unique(owner[at_top], return_index=True)[1]]
        chosen = chosen[top[owner[chosen]] > 0]
        gradient = 1.0 - np.bincount(adj.dst[chosen], minlength=n)
        norm = float((gradient**2).sum())
        if norm == 0 or scale < 1e-4:
            break
        prices = np.clip(prices - scale * max(value - target, 1.0) / norm * gradient, 0, None)
    return best


def _dive(ranked: _Ranked, pairs: tuple[Ints, Floats], columns: _Columns, until: float) -> Floats:
    """A good packing fast, to start the MIP from. Solve the LP; keep the cycles it takes more than
    half of, and some more by LP value (disjoint, greedily); close every other cycle through a kept
    person; price new cycles among the people still free; repeat. Returns 0/1 column values."""
    master = columns.master
    kept: set[int] = set()
    closed: set[int] = set()
    covered: set[int] = set()
    while time.monotonic() < until:
        _, duals = master.solve_lp(until - time.monotonic(), vertex=True)
        x = np.asarray(master.h.getSolution().col_value, dtype=np.float64)
        members = [tuple(m) for group in master.members for m in group.tolist()]
        open_ = [c for c in np.nonzero(x > 1e-3)[0].tolist() if c not in kept and c not in closed]
        if not open_:
            duals[list(covered)] = 1e9  # nobody kept can be in a new cycle
            priced = _price(ranked, pairs, duals, until=until)
            if not columns.add(ranked.adj, priced.members2) + columns.add(ranked.adj, priced.members3):
                break
            continue
        open_.sort(key=lambda c: -x[c])
        extra = max(1, len(open_) // 10)
        pick: list[int] = []
        for column in open_:
            if x[column] <= 0.5 + 1e-3 and extra == 0:
                break
            if covered.isdisjoint(members[column]):
                pick.append(column)
                covered.update(members[column])
                extra -= x[column] <= 0.5 + 1e-3
        shut = [
            c
            for c, people in enumerate(members)
            if c not in kept and c not in pick and not covered.isdisjoint(people)
        ]
        kept.update(pick)
        closed.update(shut)
        master.bounds(pick, 1.0, 1.0)
        master.bounds(shut, 0.0, 0.0)
    master.bounds(list(range(master.count)), 0.0, 1.0)
    values = np.zeros(master.count)
    values[list(kept)] = 1.0
    return values


def _improve(columns: _Columns, values: Floats, until: float, ceiling: float, seed: int = 7) -> Floats:
    """Large neighbourhood search over the column pool: free the swaps around someone left out,
    re-solve that small packing exactly, keep it when it scores at least as much. Any packing is a
    valid answer, so this only ever helps. Stops at `until`, at the `ceiling` (a proven bound), or
    after twice as many tries in a row without gain as there are people."""
    master = columns.master
    members = [tuple(m) for group in master.members for m in group.tolist()]
    scores = np.concatenate(master.scores) if master.scores else np.zeros(0)
    holding: dict[int, list[int]] = {}
    for column, people in enumerate(members):
        for person in people:
            holding.setdefault(person, []).append(column)
    chosen = set(np.nonzero(values > 0.5)[0].tolist())
    owner = {person: column for column in chosen for person in members[column]}
    everyone = sorted(holding)
    rng = np.random.default_rng(seed)
    total = float(sum(scores[c] for c in chosen))
    idle, patience = 0, max(50, 2 * len(everyone))
    # People freed per move. Wider moves find more on a graph of a thousand; on ten thousand the pool
    # is so dense that a wide move's exact re-solve costs more than the moves it replaces.
    width = 100 if len(everyone) <= 2_000 else 60
    while time.monotonic() < until and everyone and total < ceiling - 0.5 and idle < patience:
        left_out = [p for p in everyone if p not in owner]
        focus = int(rng.choice(left_out if left_out and rng.random() < 0.8 else everyone))
        free: set[int] = {focus}
        for column in rng.permutation(holding[focus]).tolist():
            for person in members[column]:
                free.add(person)
                if person in owner:
                    free.update(members[owner[person]])
            if len(free) > width:
                break
        released = {owner[p] for p in free if p in owner}
        inside = sorted({c for p in free for c in holding[p] if free.issuperset(members[c])})
        before = sum(scores[c] for c in released)
        picked, after = _small_packing([members[c] for c in inside], scores[inside], until)
        idle = 0 if after >= before + 0.5 else idle + 1
        if after >= before + 0.5 or (after >= before and rng.random() < 0.3):
            total += after - before
            for column in released:
                chosen.discard(column)
                for person in members[column]:
                    owner.pop(person, None)
            for i in picked:
                chosen.add(inside[i])
                for person in members[inside[i]]:
                    owner[person] = inside[i]
    improved = np.zeros(master.count)
    improved[sorted(chosen)] = 1.0
    return improved


def _small_packing(members: list[tuple[int, ...]], scores: Floats, until: float) -> tuple[list[int], float]:
    """The exact best packing of a few hundred cycles: (chosen indices, total)."""
    if not members:
        return [], 0.0
    people = sorted({p for m in members for p in m})
    row = {p: i for i, p in enumerate(people)}
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", max(0.2, min(2.0, until - time.monotonic())))
    h.setOptionValue("mip_abs_gap", 0.5)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    k = len(people)
    h.addRows(
        k,
        np.full(k, -highspy.kHighsInf),
        np.ones(k),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
    )
    index = np.array([row[p] for m in members for p in m], dtype=np.int32)
    starts = np.cumsum([0] + [len(m) for m in members[:-1]]).astype(np.int32)
    c = len(members)
    h.addCols(c, scores, np.zeros(c), np.ones(c), len(index), starts, index, np.ones(len(index)))
    h.changeColsIntegrality(c, np.arange(c, dtype=np.int32), np.full(c, highspy.HighsVarType.kInteger))
    h.run()
    if h.getModelStatus() not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return [], 0.0
    x = np.asarray(h.getSolution().col_value)
    picked = np.nonzero(x > 0.5)[0].tolist()
    return picked, float(scores[picked].sum())


def _near_optimal(
    ranked: _Ranked, pairs: tuple[Ints, Floats], duals: Floats, columns: _Columns, cap: int, until: float
) -> float:
    """Add every cycle whose reduced cost is at least -delta, for the largest delta (doubling from 1)
    that keeps them within `cap` and the time; returns that delta (0 if none fitted)."""
    done = 0.0
    delta = 1.0
    while time.monotonic() < until and delta <= 1024:
        priced = _price(ranked, pairs, duals, floor=-delta, until=until)
        if not priced.complete:  # out of time: only what was complete before counts
            return done
        members = [priced.members2, priced.members3]
        reduced = np.concatenate([priced.reduced2, priced.reduced3])
        if len(reduced) > cap:
            order = np.argsort(-reduced)
            cut = -float(reduced[order[cap]])  # the best cycle left out: everything outside is below -cut
            for width, group in enumerate(members):
                mine = reduced[: len(members[0])] if width == 0 else reduced[len(members[0]) :]
                columns.add(ranked.adj, group[mine > -cut])
            return max(done, cut)
        for group in members:
            columns.add(ranked.adj, group)
        done = delta
        delta *= 2
    return done


def _cycle_scores(adj: _Adjacency, members: Ints) -> Floats:
    total = np.zeros(len(members))
    width = members.shape[1]
    for i in range(width):
        total += adj.lookup(members[:, i], members[:, (i + 1) % width])[1]
    return total


class _Ranked:
    """Each person's pairs out, best score first. A pair's reduced cost is its score minus its
    source's price, so this order holds for any prices: the pairs out of b whose reduced cost clears a
    threshold are a prefix of b's row, found by one binary search instead of a scan."""

    def __init__(self, adj: _Adjacency) -> None:
        self.adj = adj
        self.top = int(adj.score.max()) + 1 if len(adj.score) else 1
        key = adj.src * self.top + (self.top - 1 - adj.score)
        self.order = np.argsort(key, kind="stable")  # row by row, as adj; within a row, best first
        self.key, self.dst, self.score = key[self.order], adj.dst[self.order], adj.score[self.order]

    def prefix_end(self, rows: Ints, least: Ints) -> Ints:
        """Where each row's pairs scoring at least `least` end (they start at adj.start[row])."""
        least = np.clip(least, 0, self.top)
        return np.searchsorted(self.key, rows * self.top + (self.top - 1 - least), side="right").astype(
            np.int64
        )

    def best_out(self, k: int) -> Ints:
        """Each person's k best pairs out (edge indices)."""
        return self.order[_rank(self.adj.start[:-1], len(self.order)) < k]


@dataclass(frozen=True)
class _Priced:
    members2: Ints  # 2-cycles whose reduced cost is above the floor
    reduced2: Floats
    members3: Ints  # 3-cycles likewise (smallest index first)
    reduced3: Floats
    complete: bool  # False when the search stopped early (time or budget)
    bound: float  # the Lagrangian bound (np.inf with a floor); weaker when the search stopped early


def _price(
    ranked: _Ranked,
    pairs: tuple[Ints, Floats],
    duals: Floats,
    floor: float | None = None,
    per_owner: int = 2,
    budget: int | None = None,
    until: float = np.inf,
    block: int = 20_000,
) -> _Priced:
    """Search the whole graph for cycles of positive reduced cost under `duals`.

    Every cycle has an owner, its smallest member, and is found once, from the pair that leaves its
    owner. With `floor` None each owner keeps only its best cycles (`per_owner` of them), and the search
    prunes against the best found so far, which yields the bound
        sum(duals) + sum over owners of max(0, their best cycle's reduced cost):
    dualising "everyone in at most one swap" while keeping "each owner in at most one" is a
    Lagrangian relaxation, valid for any prices >= 0 and equal to the LP bound at the LP's prices.
    Unlike the sum over all positive cycles it stays tight when the prices are only near optimal.
    With a `floor`, every cycle whose reduced cost exceeds it is returned (no bound).
    `budget` caps the pairs looked at, `until` the time; either stops the search early, and then an
    owner's unsearched anchors count with their best case, so the bound holds, only weaker."""
    adj = ranked.adj
    n = adj.n
    reduced = adj.score - duals[adj.src]
    members2, scores2 = pairs
    reduced2 = scores2 - duals[members2].sum(axis=1) if len(scores2) else np.zeros(0)
    best = np.zeros(n) if floor is None else np.full(n, floor)
    if floor is None and len(reduced2):
        np.maximum.at(best, members2.min(axis=1), reduced2)
    best_in = np.full(n, -np.inf)
    best_out = np.full(n, -np.inf)
    np.maximum.at(best_in, adj.dst, reduced)
    np.maximum.at(best_out, adj.src, reduced)
    # Anchors: pairs a -> b out of their owner a (a < b) whose best case beats a's best so far.
    anchors = np.nonzero(adj.src < adj.dst)[0]
    hope = reduced[anchors] + best_out[adj.dst[anchors]] + best_in[adj.src[anchors]]
    keep = hope > best[adj.src[anchors]] + _EPS
    order = np.argsort(-hope[keep], kind="stable")
    anchors, hope = anchors[keep][order], hope[keep][order]
    found: list[tuple[Ints, Ints, Ints, Floats]] = []
    looked, complete = 0, True
    # An owner's cycles from anchors not yet looked at score at most those anchors' hope.
    unsearched = np.full(n, -np.inf)
    for first in range(0, len(anchors), block):
        if (budget is not None and looked > budget) or time.monotonic() > until:
            complete = False
            np.maximum.at(unsearched, adj.src[anchors[first:]], hope[first:])
            break
        chunk = anchors[first : first + block]
        a, b, ab = adj.src[chunk], adj.dst[chunk], reduced[chunk]
        live = ab + best_out[b] + best_in[a] > best[a] + _EPS
        a, b, ab = a[live], b[live], ab[live]
        if not len(a):
            continue
        # b -> c must score more than best[a] - r(a, b) - best_in[a] + duals[b]: a prefix of b's row.
        need = np.floor(best[a] - ab - best_in[a] + duals[b] + _EPS).astype(np.int64) + 1
        low = adj.start[b]
        counts = np.maximum(ranked.prefix_end(b, need) - low, 0)
        total = int(counts.sum())
        looked += total
        at = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(total, dtype=np.int64)
        owner, middle, c = np.repeat(a, counts), np.repeat(b, counts), ranked.dst[at]
        exists, back = adj.lookup(c, owner)
        ok = exists & (c > owner)
        owner, middle, c, at = owner[ok], middle[ok], c[ok], at[ok]
        rc = np.repeat(ab, counts)[ok] + ranked.score[at] - duals[middle] + back[ok] - duals[c]
        good = rc > best[owner] + _EPS
        found.append((owner[good], middle[good], c[good], rc[good]))
        if floor is None:
            np.maximum.at(best, owner, rc)
    bound = np.inf
    if floor is None:  # a stopped search still bounds: each owner's best, or the best it left unsearched
        bound = float(duals.sum() + np.clip(np.maximum(best, unsearched), 0, None).sum())
    members3, reduced3 = _best_per_owner(found, n, per_owner if floor is None else None)
    above = reduced2 > (_EPS if floor is None else floor)
    members2, reduced2 = members2[above], reduced2[above]
    if floor is None:
        picked = _top_per_group(members2[:, 0], reduced2, per_owner)
        members2, reduced2 = members2[picked], reduced2[picked]
    return _Priced(members2, reduced2, members3, reduced3, complete, bound)


def _top_per_group(group: Ints, value: Floats, per: int) -> Ints:
    """Indices of the `per` highest values in each group."""
    order = np.lexsort((-value, group))
    sorted_group = group[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_group, sorted_group)
    return order[rank < per]


def _best_per_owner(
    found: list[tuple[Ints, Ints, Ints, Floats]], n: int, per: int | None
) -> tuple[Ints, Floats]:
    """The 3-cycles found, each once, the best `per` per owner (all when per is None)."""
    if not found:
        return np.zeros((0, 3), dtype=np.int64), np.zeros(0)
    a, b, c = (np.concatenate([f[i] for f in found]) for i in range(3))
    rc = np.concatenate([f[3] for f in found])
    _, first = np.unique((a * n + b) * n + c, return_index=True)
    a, b, c, rc = a[first], b[first], c[first], rc[first]
    if per is not None:
        picked = _top_per_group(a, rc, per)
        a, b, c, rc = a[picked], b[picked], c[picked], rc[picked]
    return np.stack([a, b, c], axis=1).astype(np.int64), rc
