"""Choose the 2- and 3-way swaps with the highest total score, each person in at most one.

This is the kidney-exchange problem with cycles of length at most 3, in its cycle formulation (one 0/1
variable per cycle, one row per person), solved with HiGHS:

* when the graph has at most FULL_LIMIT cycles, every cycle is a column and the MIP is solved to
  proven optimality (or stops at the time limit with HiGHS's dual bound);
* a large, dense graph has far too many 3-cycles to list (1,000 synthetic intakes: 400,000; 10,000:
  hundreds of millions), so: column generation. Any prices pi >= 0 on people give the Lagrangian bound
  sum(pi) + sum over ALL cycles of max(0, score - pi(cycle)), so each complete search of the graph
  (`_Large.price`) proves a bound. It starts from everyone's best pair out as prices (no cycle has a
  positive reduced cost under them: a bound at once) and prices at a point between the best prices so
  far and the restricted LP's duals (Wentges smoothing). The search for cycles of positive reduced
  cost walks each person's pairs best first and stops where no cycle can pay any more; a lookup table
  answers "can c take a's post, and for how much" without a search.
  The packing: the columns taken greedily by score, then large neighbourhood search
  (small exact re-solves), first among the columns (to which every cycle within NEAR of zero reduced
  cost is added), then over every cycle among a group of people who could swap well together.

The cycle formulation's LP is nearly integral in value here (200 and 300 intakes: 0.1% and 0.04% above
the optimum) but its solutions are very fractional, and HiGHS's branch and bound cannot close that last
bit on a dense graph; so on large graphs the result is the best packing found with the gap to the
proven bound. Scores are whole points, so a total equal to the floor of the bound is proven optimal.
HiGHS counts a time limit from an object's first run, so every limit set here adds the time used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
from numpy.typing import NDArray

from bot.matching.scoring import Graph

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]

_EPS = 1e-6
FULL_LIMIT = 30_000  # cycles: up to here the MIP gets them all; beyond, column generation
DENSE_CELLS = 150_000_000  # a pair lookup table up to 12,000 people (2 bytes a cell), else a search
SMOOTHING = 0.5  # weight of the best prices so far when pricing (see _Large.run)
COVER_SHARE = 0.08  # of the time limit, for the cycle-cover bound when the LP did not converge
LP_SHARE = 0.5  # of the time limit for the LP bound; the rest for the packing
DIVE_COLUMNS = 40_000  # the largest LP the dive solves to a vertex, again and again; beyond, greedy
DIVE_SHARE = 0.5  # of the time left after the LP, for the dive
POOL_SHARE = 0.7  # of the time left after the LP, for the search among the columns; then the graph
NEAR = 8.0  # after the LP: every cycle this close to zero reduced cost joins the columns to search
POOL_NEIGHBOURHOOD = 150  # people freed in one step of the search among the columns
NEIGHBOURHOOD = 90  # people freed and re-solved exactly in one step of the search
SUB_SECONDS = 1.0  # the most one such exact re-solve may take


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
    exists, back = adj.find(adj.dst[forward], adj.src[forward])
    forward, back = forward[exists], back[exists]
    members = np.stack([adj.src[forward], adj.dst[forward]], axis=1)
    return members, (adj.score[forward] + adj.score[back]).astype(np.float64)


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
        self.solved = False  # the last LP solve finished (its duals are the LP's, not a timed-out guess)

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
        # HiGHS counts its time limit from the object's first run, not this one.
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(seconds, 0.5))
        self.h.run()
        self.solved = self.h.getModelStatus() == highspy.HighsModelStatus.kOptimal
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
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(seconds, 1.0))
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
    graph: Graph, *, time_limit: float = 50.0, full_limit: int = FULL_LIMIT, start_k: int = 6, seed: int = 7
) -> Packing:
    """The best set of 2- and 3-way swaps in `graph`, with a proven bound. Every cycle is a column when
    they number at most `full_limit`; else column generation (see the module text). Stops after about
    `time_limit` seconds with the best total found and the bound proven so far. (`start_k` is kept for
    callers of the earlier method; the search now starts from everyone's near-best cycles.)"""
    began = time.monotonic()
    n = graph.size
    adj = _Adjacency(n, graph.src, graph.dst, graph.score)
    triples = three_cycles(adj, limit=full_limit * 20) if len(adj.src) <= full_limit * 20 else None
    if triples is not None:
        pairs = two_cycles(adj)
        if len(triples[0]) + len(pairs[0]) <= full_limit:
            master = _Master(n)
            master.add(*pairs)
            master.add(*triples)
            values, bound, _ = master.solve_mip(time_limit)
            return _result(master.chosen(values), np.floor(bound + _EPS), "exact")
    return _Large(adj, seed).run(began, time_limit)


def _result(cycles: list[Cycle], bound: float, method: str) -> Packing:
    total = sum(c.score for c in cycles)
    proven = max(int(bound), total)
    cycles.sort(key=lambda c: (-c.score, c.members))
    return Packing(tuple(cycles), total, proven, total >= proven, method)


class _Lookup:
    """The score of any pairs a -> b, -1 where the pair is impossible: from a dense matrix when it fits
    in DENSE_CELLS (one gather, no search), else by binary search in the sorted edges."""

    def __init__(self, adj: _Adjacency) -> None:
        self.adj = adj
        self.matrix: NDArray[np.int16] | None = None
        top = int(adj.score.max()) if len(adj.score) else 0
        low = int(adj.score.min()) if len(adj.score) else 0
        if adj.n * adj.n <= DENSE_CELLS and low >= 0 and top < 2**15 - 1:
            self.matrix = np.zeros((adj.n, adj.n), dtype=np.int16)  # score + 1; 0: impossible
            self.matrix[adj.src, adj.dst] = adj.score + 1

    def __call__(self, a: Ints, b: Ints) -> Ints:
        if self.matrix is not None:
            return self.matrix[a, b].astype(np.int64) - 1
        exists, at = self.adj.find(a.reshape(-1), b.reshape(-1))
        return np.where(exists, self.adj.score[at], -1).reshape(a.shape)


class _Sorted:
    """Everyone's pairs out, best first, and in: the pricing walks down a list only as far as a cycle
    can still pay, and the neighbourhood search picks good partners from the top."""

    def __init__(self, adj: _Adjacency) -> None:
        # Two stable sorts on small integer types (numpy sorts those by radix): by score, then person.
        small = np.int16 if adj.n < 2**15 else np.int32
        top = int(adj.score.max()) if len(adj.score) else 0
        by_score = np.argsort((top - adj.score).astype(np.int16 if top < 2**15 else np.int32), kind="stable")
        order = by_score[np.argsort(adj.src[by_score].astype(small), kind="stable")]
        self.src, self.dst, self.score = adj.src, adj.dst[order], adj.score[order]  # src: still sorted
        self.start = adj.start
        self.top = top
        self.keys = self.src * (self.top + 1) + (self.top - self.score)  # ascending
        self.by_dst = np.argsort(self.dst.astype(small), kind="stable")
        self.in_start = np.concatenate([[0], np.cumsum(np.bincount(self.dst, minlength=adj.n))])

    def upto(self, b: Ints, at_least: Ints) -> Ints:
        """Per person b: the end of b's pairs out that score at least `at_least`."""
        v = np.clip(self.top - at_least, -1, self.top)
        return np.searchsorted(self.keys, b * (self.top + 1) + v, side="right").astype(np.int64)

    def from_(self, b: Ints, at_most: Ints) -> Ints:
        """Per person b: the first of b's pairs out that scores at most `at_most`."""
        v = np.clip(self.top - at_most, 0, self.top + 1)
        return np.searchsorted(self.keys, b * (self.top + 1) + v, side="left").astype(np.int64)

    def best_in(self, reduced: Floats, n: int) -> Floats:
        """Per person: the highest reduced score of a pair into them (-inf if none)."""
        best = np.full(n, -np.inf)
        has = np.nonzero(np.diff(self.in_start) > 0)[0]
        if len(has):
            best[has] = np.maximum.reduceat(reduced[self.by_dst], self.in_start[has])
        return best


@dataclass(frozen=True)
class _Priced:
    members2: Ints  # 2-cycles whose reduced cost is above the floor
    reduced2: Floats
    members3: Ints  # 3-cycles likewise, smallest index first
    reduced3: Floats
    complete: bool  # False when the search stopped early, having found enough or run out of time
    bound: float  # sum(duals) + every positive reduced cost: valid when complete and floor >= 0


_CHUNK = 2_000_000  # paths looked at in one vectorised step: bounded memory
_ANCHORS = 200_000  # anchor edges whose walks are laid out at once


class _Large:
    """Column generation for the LP bound, then a neighbourhood search for the packing."""

    def __init__(self, adj: _Adjacency, seed: int) -> None:
        self.adj, self.n = adj, adj.n
        self.look = _Lookup(adj)
        self.sorted = _Sorted(adj)
        s = self.sorted
        forward = np.nonzero(s.src < s.dst)[0]
        back = self.look(s.dst[forward], s.src[forward])
        forward, back = forward[back >= 0], back[back >= 0]
        self.pairs = np.stack([s.src[forward], s.dst[forward]], axis=1)
        self.pair_scores = (s.score[forward] + back).astype(np.float64)
        self.rng = np.random.default_rng(seed)
        self.master = _Master(self.n)
        self.keys: set[int] = set()

    # -- pricing ----------------------------------------------------------------------------------

    def price(self, duals: Floats, floor: float, enough: int | None = None, until: float = np.inf) -> _Priced:
        """Every 2- and 3-cycle whose reduced cost (score minus its people's duals) exceeds `floor`.

        A 3-cycle is found once from its best edge a -> b (reduced cost of an edge: its score minus its
        source's dual): that edge is above floor / 3, the edge b -> c lies between the floor's rest and
        the anchor's value, and the walk down b's list, best first, stops there."""
        s, n = self.sorted, self.n
        rc2 = self.pair_scores - duals[self.pairs].sum(axis=1) if len(self.pairs) else np.zeros(0)
        above2 = rc2 > floor
        reduced = s.score - duals[s.src]
        best_in = s.best_in(reduced, n)
        best_out = np.full(n, -np.inf)
        has = np.nonzero(np.diff(s.start) > 0)[0]
        best_out[has] = reduced[s.start[has]]
        hope = reduced + best_out[s.dst] + best_in[s.src]
        anchors = np.nonzero((reduced > floor / 3) & (hope > floor))[0]
        anchors = anchors[np.argsort(-reduced[anchors], kind="stable")]
        found_keys: list[Ints] = []
        found_rc: list[Floats] = []
        found, complete = 0, True
        big = float(s.top + 1)
        for block in range(0, len(anchors), _ANCHORS):
            if (enough is not None and found >= enough) or time.monotonic() > until:
                complete = False
                break
            at = anchors[block : block + _ANCHORS]
            a, b, r_ab = s.src[at], s.dst[at], reduced[at]
            # b -> c must score enough for the cycle to pass the floor, and no more than a -> b's value
            lowest = np.floor(floor - r_ab - best_in[a] + duals[b]) + 1
            highest = np.floor(r_ab + duals[b] + 1e-9)
            lo = s.from_(b, np.clip(highest, -1, big).astype(np.int64))
            hi = s.upto(b, np.clip(lowest, -1, big).astype(np.int64))
            counts = np.maximum(hi - lo, 0)
            ends = np.cumsum(counts)
            done = 0
            while done < len(at):
                if (enough is not None and found >= enough) or time.monotonic() > until:
                    complete = False
                    break
                stop = int(np.searchsorted(ends, (ends[done - 1] if done else 0) + _CHUNK, side="right"))
                chunk = np.arange(done, max(stop, done + 1))
                done = int(chunk[-1]) + 1
                k = counts[chunk]
                total = int(k.sum())
                if total == 0:
                    continue
                e = np.repeat(chunk, k)
                f = np.repeat(lo[chunk], k) + np.arange(total) - np.repeat(np.cumsum(k) - k, k)
                x, y, z = a[e], b[e], s.dst[f]
                back = self.look(z, x)
                r_ca = back - duals[z]
                rc = r_ab[e] + (s.score[f] - duals[y]) + r_ca
                good = (back >= 0) & (z != x) & (rc > floor) & (r_ca <= r_ab[e] + 1e-9)
                x, y, z, rc = x[good], y[good], z[good], rc[good]
                first = np.argmin(np.stack([x, y, z]), axis=0)
                rotations = np.stack([np.stack([x, y, z]), np.stack([y, z, x]), np.stack([z, x, y])])
                canon = rotations[first, :, np.arange(len(x))]
                found_keys.append((canon[:, 0] * n + canon[:, 1]) * n + canon[:, 2])
                found_rc.append(rc)
                found += len(rc)
        keys = np.concatenate(found_keys) if found_keys else np.zeros(0, dtype=np.int64)
        rcs = np.concatenate(found_rc) if found_rc else np.zeros(0)
        keys, first_at = np.unique(keys, return_index=True)
        rcs = rcs[first_at]
        members3 = np.stack([keys // (n * n), (keys // n) % n, keys % n], axis=1).astype(np.int64)
        bound = float(duals.sum() + np.clip(rc2, 0, None).sum() + np.clip(rcs, 0, None).sum())
        return _Priced(self.pairs[above2], rc2[above2], members3, rcs, complete, bound)

    def add(self, members: Ints, reduced: Floats, most: int) -> int:
        """The `most` best (by reduced cost) of these cycles that are not columns yet."""
        n = self.n
        if len(members) == 0:
            return 0
        if members.shape[1] == 2:
            keys = -(members[:, 0] * n + members[:, 1]) - 1
        else:
            keys = (members[:, 0] * n + members[:, 1]) * n + members[:, 2]
        fresh = [i for i, key in enumerate(keys.tolist()) if key not in self.keys]
        if not fresh:
            return 0
        chosen = np.array(fresh)[np.argsort(-reduced[fresh], kind="stable")[:most]]
        self.keys.update(keys[chosen].tolist())
        self.master.add(members[chosen], self.scores(members[chosen]))
        return len(chosen)

    def scores(self, members: Ints) -> Floats:
        width = members.shape[1]
        total = np.zeros(len(members))
        for i in range(width):
            total += self.look(members[:, i], members[:, (i + 1) % width])
        return total

    # -- the run ----------------------------------------------------------------------------------

    def run(self, began: float, time_limit: float) -> Packing:
        n, s = self.n, self.sorted
        if len(s.score) == 0:
            return _result([], 0.0, "column generation")
        deadline = began + time_limit
        # Everyone's best pair out as prices: no cycle has a positive reduced cost, so the sum is a
        # bound; the cycles close to zero under them are everyone's near-best swaps, to start from.
        duals = np.zeros(n)
        has = np.nonzero(np.diff(s.start) > 0)[0]
        duals[has] = s.score[s.start[has]]
        bound, center = float(duals.sum()), duals
        slack = 5.0
        while True:  # widen until everyone has a few near-best cycles to start from
            start = self.price(duals, floor=-slack, enough=4 * n, until=time.monotonic() + 0.1 * time_limit)
            if not start.complete or len(start.members3) + len(start.members2) >= 3 * n or slack > 100:
                break
            slack *= 2
        self.add(start.members2, start.reduced2, 2 * n)
        self.add(start.members3, start.reduced3, 4 * n)
        smoothing, lp_best = SMOOTHING, 0.0
        lp_until = began + LP_SHARE * time_limit
        while True:
            lp_value, lp_duals = self.master.solve_lp(lp_until - time.monotonic())
            lp_best = max(lp_best, lp_value)
            if np.floor(bound + _EPS) <= lp_value + _EPS or time.monotonic() > lp_until:
                break
            # Price at a point between the best prices so far and the LP's (Wentges smoothing): the
            # LP's own duals swing wildly while the columns are few.
            duals = smoothing * center + (1 - smoothing) * lp_duals
            priced = self.price(duals, floor=0.0, enough=4 * n, until=lp_until)
            if priced.complete and priced.bound < bound:
                bound, center = priced.bound, duals
            added = self.add(priced.members2, priced.reduced2, n) + self.add(
                priced.members3, priced.reduced3, 2 * n
            )
            if added == 0 and priced.complete and smoothing == 0:
                break  # nothing prices out anywhere: the LP over all cycles is solved, bound == LP
            smoothing = SMOOTHING if added else 0.0
        if np.floor(bound + _EPS) > lp_best + _EPS:  # not converged: try the cheaper, looser bound
            cover = _cover_bound(self.adj, target=lp_best, until=time.monotonic() + COVER_SHARE * time_limit)
            bound = min(bound, cover)
        duals = center
        ceiling = np.floor(bound + _EPS)
        # The best packings use cycles of reduced cost near zero (each one's shortfall counts against
        # the bound), so those join the columns the search chooses from.
        prices, slack, until = (
            (lp_duals if self.master.solved else duals),
            NEAR,
            time.monotonic() + 0.1 * time_limit,
        )
        while True:  # widen until there are a few per person
            near = self.price(prices, floor=-slack, enough=8 * n, until=until)
            if not near.complete or len(near.members2) + len(near.members3) >= 6 * n or slack > 64:
                break
            slack *= 2
        self.add(near.members2, near.reduced2, 2 * n)
        self.add(near.members3, near.reduced3, 6 * n)
        search = _Search(self, duals)
        if self.master.count <= DIVE_COLUMNS:
            search.dive(time.monotonic() + DIVE_SHARE * (deadline - time.monotonic()))
        else:  # each step of the dive solves this LP to a vertex: too slow here
            search.greedy(self.master)
        values = np.zeros(self.master.count)
        ids = {m: i for i, m in enumerate(m for g in self.master.members for m in map(tuple, g.tolist()))}
        for members, _ in search.held.values():
            values[ids[members]] = 1.0
        values = _improve(
            self.master,
            values,
            until=time.monotonic() + POOL_SHARE * (deadline - time.monotonic()),
            ceiling=ceiling,
        )
        search = _Search(self, duals)
        search.load(self.master, values)
        search.improve(deadline, ceiling)
        cycles = search.cycles()
        return _result(cycles, ceiling, "column generation")


class _Search:
    """A packing, improved by large neighbourhood search: free the swaps of a group of people who
    could swap well together, re-solve that group exactly over every cycle among them, keep the
    result when it scores at least as much. Any packing is a valid answer, so this only ever helps."""

    def __init__(self, large: _Large, duals: Floats) -> None:
        self.large, self.duals, self.n = large, duals, large.n
        self.owner = np.full(self.n, -1, dtype=np.int64)
        self.held: dict[int, tuple[tuple[int, ...], int]] = {}
        self.next_id = 0
        self.total = 0

    def take(self, members: tuple[int, ...], score: int) -> None:
        self.held[self.next_id] = (members, score)
        self.owner[list(members)] = self.next_id
        self.next_id += 1
        self.total += score

    def drop(self, cycle: int) -> None:
        members, score = self.held.pop(cycle)
        self.owner[list(members)] = -1
        self.total -= score

    def cycles(self) -> list[Cycle]:
        return [Cycle(m, s) for m, s in self.held.values()]

    def dive(self, until: float) -> None:
        """A good packing fast: solve the LP to a vertex; keep the cycles it takes more than half of,
        and some more by LP value (disjoint, greedily); close every other cycle through a kept person;
        price new cycles among the people still free; repeat."""
        large = self.large
        master = large.master
        kept: set[int] = set()
        closed: set[int] = set()
        covered: set[int] = set()
        while time.monotonic() < until:
            _, duals = master.solve_lp(until - time.monotonic(), vertex=True)
            x = np.asarray(master.h.getSolution().col_value, dtype=np.float64)
            members = [tuple(m) for group in master.members for m in group.tolist()]
            if len(x) != len(members):
                break
            open_ = [c for c in np.nonzero(x > 1e-3)[0].tolist() if c not in kept and c not in closed]
            if not open_:
                duals[list(covered)] = 1e9  # nobody kept can be in a new cycle
                priced = large.price(duals, 0.0, enough=2 * self.n, until=until)
                if not large.add(priced.members2, priced.reduced2, self.n) + large.add(
                    priced.members3, priced.reduced3, 2 * self.n
                ):
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
        members = [tuple(m) for group in master.members for m in group.tolist()]
        scores = np.concatenate(master.scores) if master.scores else np.zeros(0)
        for c in sorted(kept):
            self.take(members[c], round(scores[c]))

    def greedy(self, master: _Master) -> None:
        """The columns by score, each when all its people are still free. (By the LP's values was
        worse: 669,260 against 736,347 points at 10,000 intakes; an interior, unfinished LP misleads.)"""
        members = [tuple(m) for group in master.members for m in group.tolist()]
        scores = np.concatenate(master.scores) if master.scores else np.zeros(0)
        for c in np.argsort(-scores, kind="stable").tolist():
            if all(self.owner[p] < 0 for p in members[c]):
                self.take(members[c], round(scores[c]))

    def load(self, master: _Master, values: Floats) -> None:
        for cycle in master.chosen(values):
            self.take(cycle.members, cycle.score)

    def improve(self, deadline: float, ceiling: float) -> None:
        idle, patience = 0, max(200, self.n)
        while time.monotonic() < deadline and self.total < ceiling and idle < patience:
            group = self.neighbourhood()
            gained = self.resolve(group, deadline)
            idle = 0 if gained > 0 else idle + 1

    def neighbourhood(self, size: int = NEIGHBOURHOOD) -> Ints:
        """People around a seed (someone left out, more often than not): each one's best partners,
        out and in, picked at random from the top few, with the people they swap with now."""
        large, s, rng = self.large, self.large.sorted, self.rng_()
        free = np.nonzero((self.owner < 0) & (np.diff(s.start) > 0))[0]
        seed = int(rng.choice(free)) if len(free) and rng.random() < 0.7 else int(rng.integers(self.n))
        group: dict[int, None] = {}
        queue = [seed]
        while queue and len(group) < size:
            p = queue.pop(0)
            if p in group:
                continue
            mates = self.held[self.owner[p]][0] if self.owner[p] >= 0 else (p,)
            for m in mates:
                group[m] = None
            outs = s.dst[s.start[p] : min(s.start[p + 1], s.start[p] + 12)]
            ins_at = s.by_dst[s.in_start[p] : s.in_start[p + 1]]
            ins = s.src[ins_at]
            if len(ins) > 12:
                r = s.score[ins_at] - self.duals[ins]
                ins = ins[np.argpartition(-r, 11)[:12]]
            for pool in (outs, ins):
                if len(pool):
                    queue.extend(rng.choice(pool, size=min(3, len(pool)), replace=False).tolist())
        del large
        return np.array(sorted(group), dtype=np.int64)  # sorted: cycles come out smallest first

    def rng_(self) -> np.random.Generator:
        return self.large.rng

    def resolve(self, group: Ints, deadline: float) -> int:
        """Re-solve `group` exactly; returns the points gained (the change is kept when >= 0)."""
        k = len(group)
        if k < 2:
            return 0
        w = self.large.look(group[:, None], group[None, :])
        ok = w >= 0
        i, j = np.nonzero(np.triu(ok & ok.T, 1))
        members: list[tuple[int, ...]] = [(int(group[x]), int(group[y])) for x, y in zip(i, j, strict=True)]
        scores = [int(w[x, y] + w[y, x]) for x, y in zip(i, j, strict=True)]
        a, b, c = np.nonzero(ok[:, :, None] & ok[None, :, :] & ok.T[:, None, :])  # a->b, b->c, c->a
        keep = (a < b) & (a < c)
        a, b, c = a[keep], b[keep], c[keep]
        members += [(int(group[x]), int(group[y]), int(group[z])) for x, y, z in zip(a, b, c, strict=True)]
        scores += (w[a, b] + w[b, c] + w[c, a]).tolist()
        released = sorted({int(self.owner[p]) for p in group.tolist() if self.owner[p] >= 0})
        before = sum(self.held[r][1] for r in released)
        current = {self.held[r][0] for r in released}
        start = [1.0 if m in current else 0.0 for m in members]
        picked, after = _small_packing(members, np.array(scores, dtype=np.float64), start, deadline)
        if picked is None or after < before:
            return 0
        for r in released:
            self.drop(r)
        for chosen in picked:
            self.take(members[chosen], scores[chosen])
        return after - before


def _small_packing(
    members: list[tuple[int, ...]], scores: Floats, start: list[float], deadline: float
) -> tuple[list[int] | None, int]:
    """The exact best packing of a few thousand cycles at most: (chosen indices, total); None when
    HiGHS did not finish in time (the caller keeps what it had)."""
    if not members:
        return [], 0
    people = sorted({p for m in members for p in m})
    row = {p: i for i, p in enumerate(people)}
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, min(SUB_SECONDS, deadline - time.monotonic())))
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
    h.setSolution(c, np.arange(c, dtype=np.int32), np.array(start, dtype=np.float64))
    h.run()
    if h.getModelStatus() not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kTimeLimit):
        return None, 0
    x = np.asarray(h.getSolution().col_value)
    if len(x) != c:
        return None, 0
    picked = np.nonzero(x > 0.5)[0].tolist()
    return picked, round(float(scores[picked].sum()))


def _improve(master: _Master, values: Floats, until: float, ceiling: float, seed: int = 7) -> Floats:
    """Large neighbourhood search over the column pool: free the swaps around someone left out,
    re-solve that small packing exactly, keep it when it scores at least as much. Any packing is a
    valid answer, so this only ever helps. Stops at `until`, at the `ceiling` (a proven bound), or
    after twice as many tries in a row without gain as there are people."""
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
    while time.monotonic() < until and everyone and total < ceiling - 0.5 and idle < patience:
        left_out = [p for p in everyone if p not in owner]
        focus = int(rng.choice(left_out if left_out and rng.random() < 0.8 else everyone))
        free: set[int] = {focus}
        for column in rng.permutation(holding[focus]).tolist():
            for person in members[column]:
                free.add(person)
                if person in owner:
                    free.update(members[owner[person]])
            if len(free) > POOL_NEIGHBOURHOOD:
                break
        released = {owner[p] for p in free if p in owner}
        inside = sorted({c for p in free for c in holding[p] if free.issuperset(members[c])})
        before = sum(scores[c] for c in released)
        picked, after = _pool_packing([members[c] for c in inside], scores[inside], until)
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


def _pool_packing(members: list[tuple[int, ...]], scores: Floats, until: float) -> tuple[list[int], float]:
    """The exact best packing of a few hundred cycles: (chosen indices, total)."""
    if not members:
        return [], 0.0
    people = sorted({p for m in members for p in m})
    row = {p: i for i, p in enumerate(people)}
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
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
