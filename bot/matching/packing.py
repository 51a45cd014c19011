"""Choose the 2- and 3-way swaps with the highest total score, each person in at most one.

This is the kidney-exchange problem with cycles of length at most 3. We solve its cycle formulation
(one 0/1 variable per cycle, one row per person) exactly with HiGHS:

* small and medium graphs: every cycle is a column and the MIP is solved to proven optimality;
* large, dense graphs have too many 3-cycles to list (10,000 people: tens of millions), so we use column
  generation: start from the cycles among each person's best few pairs, solve the LP, and add cycles
  whose reduced cost is positive under the LP's duals, found by searching the whole graph. Any duals
  pi >= 0 give the Lagrangian bound  sum(pi) + sum over ALL cycles of max(0, score - pi(cycle)),  so
  the reported bound is proven for the full graph even when we stop early. The final MIP runs on the
  generated cycles; its total against that bound is the gap we report.

Scores are whole points, so a total equal to the floor of the bound is proven optimal.
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
FULL_LIMIT = 400_000  # cycles: up to here the MIP gets them all; beyond, column generation


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
        order = np.lexsort((dst, src))
        self.n = n
        self.src, self.dst, self.score = src[order], dst[order], score[order]
        self.keys = self.src * n + self.dst
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

    def solve_lp(self) -> tuple[float, Floats]:
        self.h.run()
        duals = np.abs(np.asarray(self.h.getSolution().row_dual, dtype=np.float64))
        return float(self.h.getInfo().objective_function_value), duals

    def solve_mip(self, seconds: float) -> tuple[Floats, float, bool]:
        """(column values, dual bound, optimal) within `seconds`."""
        self.h.setOptionValue("time_limit", max(seconds, 1.0))
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.h.setOptionValue("mip_abs_gap", 0.5)  # whole points: within 0.5 of the bound is optimal
        if self.count:
            self.h.changeColsIntegrality(
                self.count,
                np.arange(self.count, dtype=np.int32),
                np.full(self.count, highspy.HighsVarType.kInteger),
            )
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
    """The best set of 2- and 3-way swaps in `graph`, with a proven bound. Exact when the graph's cycles
    fit `full_limit`; else column generation within `time_limit` seconds (see the module text)."""
    began = time.monotonic()
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


def _result(cycles: list[Cycle], bound: float, method: str) -> Packing:
    total = sum(c.score for c in cycles)
    proven = max(int(bound), total)
    cycles.sort(key=lambda c: (-c.score, c.members))
    return Packing(tuple(cycles), total, proven, total >= proven, method)


def _best_edges(adj: _Adjacency, k: int) -> Ints:
    """Each person's k best-scoring pairs out and k best in: where good cycles are likely to be."""
    picked: list[Ints] = []
    for by in (adj.src, adj.dst):
        order = np.lexsort((-adj.score, by))
        first = np.searchsorted(by[order], np.arange(adj.n))
        rank = np.arange(len(order)) - np.repeat(first, np.diff(np.append(first, len(order))))
        picked.append(order[rank < k])
    return np.unique(np.concatenate(picked))


def _generate_columns(
    adj: _Adjacency, pairs: tuple[Ints, Floats], began: float, time_limit: float, start_k: int
) -> Packing:
    n = adj.n
    master = _Master(n)
    master.add(*pairs)  # 2-way swaps are few enough to take them all
    sparse = _best_edges(adj, start_k)
    seed = three_cycles(_Adjacency(n, adj.src[sparse], adj.dst[sparse], adj.score[sparse]))
    seen: set[tuple[int, ...]] = set()
    if seed is not None:
        master.add(*seed)
        seen.update(map(tuple, seed[0].tolist()))
    bound = np.inf
    lp_budget = 0.6 * time_limit  # the rest is for the MIP
    while True:
        lp_value, duals = master.solve_lp()
        found, found_scores, lagrangian = _price(adj, pairs, duals)
        bound = min(bound, lagrangian)
        fresh = [i for i, m in enumerate(found.tolist()) if tuple(m) not in seen]
        if not fresh or bound - lp_value < 0.5 or time.monotonic() - began > lp_budget:
            break
        best = sorted(fresh, key=lambda i: -found_scores[i])[: max(n, 1000)]
        master.add(found[best], _cycle_scores(adj, found[best]))
        seen.update(map(tuple, found[best].tolist()))
    values, _, _ = master.solve_mip(time_limit - (time.monotonic() - began))
    return _result(master.chosen(values), np.floor(bound + _EPS), "column generation")


def _cycle_scores(adj: _Adjacency, members: Ints) -> Floats:
    total = np.zeros(len(members))
    for i in range(3):
        _, at = adj.find(members[:, i], members[:, (i + 1) % 3])
        total += adj.score[at]
    return total


def _price(adj: _Adjacency, pairs: tuple[Ints, Floats], duals: Floats) -> tuple[Ints, Floats, float]:
    """3-cycles of positive reduced cost under `duals`, their reduced costs, and the Lagrangian bound
    sum(duals) + sum of every positive reduced cost (2- and 3-cycles, over the whole graph)."""
    members2, scores2 = pairs
    reduced2 = scores2 - duals[members2].sum(axis=1) if len(scores2) else np.zeros(0)
    # Give each edge its source's dual: a cycle's reduced cost is then the sum over its edges.
    reduced = adj.score - duals[adj.src]
    best_in = np.full(adj.n, -np.inf)
    np.maximum.at(best_in, adj.dst, reduced)
    anchors = np.nonzero(reduced > _EPS)[0]  # a positive cycle has at least one positive edge
    found_keys: list[Ints] = []
    found_rc: list[Floats] = []
    for chunk in np.array_split(anchors, max(1, len(anchors) // 20_000)):
        e, f = adj.expand(chunk)
        hopeful = reduced[e] + reduced[f] + best_in[adj.src[e]] > _EPS
        e, f = e[hopeful], f[hopeful]
        e, f = e[adj.dst[f] != adj.src[e]], f[adj.dst[f] != adj.src[e]]
        exists, g = adj.find(adj.dst[f], adj.src[e])
        e, f, g = e[exists], f[exists], g[exists]
        rc = reduced[e] + reduced[f] + reduced[g]
        good = rc > _EPS
        x, y, z = adj.src[e][good], adj.dst[e][good], adj.dst[f][good]
        # Rotate so the smallest index leads: the same cycle found from another anchor is one key.
        first = np.argmin(np.stack([x, y, z]), axis=0)
        rotations = np.stack([np.stack([x, y, z]), np.stack([y, z, x]), np.stack([z, x, y])])
        canon = rotations[first, :, np.arange(len(x))]
        found_keys.append((canon[:, 0] * adj.n + canon[:, 1]) * adj.n + canon[:, 2])
        found_rc.append(rc[good])
    keys = np.concatenate(found_keys) if found_keys else np.zeros(0, dtype=np.int64)
    rcs = np.concatenate(found_rc) if found_rc else np.zeros(0)
    keys, first_at = np.unique(keys, return_index=True)
    rcs = rcs[first_at]
    members = np.stack([keys // (adj.n * adj.n), (keys // adj.n) % adj.n, keys % adj.n], axis=1)
    bound = float(duals.sum() + np.clip(reduced2, 0, None).sum() + rcs.sum())
    return members.astype(np.int64), rcs, bound
