"""How far is the best packing from the LP bound, when HiGHS gets all the time it wants? Evidence for
the target "1,000 intakes proven optimal": prints the LP relaxation of the full cycle formulation (every
2- and 3-way swap a column), how fractional its optimal vertex is, and what HiGHS's branch and bound
reaches in `--seconds` on the swaps within `--delta` points of zero reduced cost (by the reduced-cost
argument, any packing using another swap scores at most LP - delta). Figures only; slow on purpose.

Run: .venv/bin/python bench/matching_gap.py [--size 1000] [--delta 20] [--seconds 120]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matching import TODAY, candidates

from bot.matching.packing import _Adjacency, _Master, three_cycles, two_cycles
from bot.matching.scoring import Scorer
from bot.programmes import load_catalogue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--delta", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    rules = load_catalogue().get("managersruil").matching()
    graph = Scorer(rules, candidates(args.size), TODAY).graph()
    adj = _Adjacency(graph.size, graph.src, graph.dst, graph.score)
    pairs, triples = two_cycles(adj), three_cycles(adj)
    assert triples is not None
    print(f"{args.size} intakes: {len(pairs[0])} 2-way and {len(triples[0])} 3-way swaps possible")
    lp = _Master(graph.size)
    lp.add(*pairs)
    lp.add(*triples)
    began = time.perf_counter()
    value, duals = lp.solve_lp(3600, vertex=True)
    x = np.asarray(lp.h.getSolution().col_value)
    fractional = int(((x > 1e-6) & (x < 1 - 1e-6)).sum())
    print(
        f"LP relaxation: {value:.2f} in {time.perf_counter() - began:.1f} s; its vertex has "
        f"{fractional} fractional swaps and {int((x > 1 - 1e-6).sum())} whole ones"
    )
    near = _Master(graph.size)
    for members, scores in (pairs, triples):
        keep = scores - duals[members].sum(axis=1) >= -args.delta
        near.add(members[keep], scores[keep])
    began = time.perf_counter()
    values, bound, optimal = near.solve_mip(args.seconds)
    total = sum(c.score for c in near.chosen(values))
    print(
        f"HiGHS branch and bound on the {near.count} swaps within {args.delta:g} of zero reduced cost, "
        f"{time.perf_counter() - began:.0f} s: best packing {total}, bound {bound:.0f}"
        f"{' (optimal)' if optimal else ''}; gap {(min(bound, value) - total) / total:.3%}"
    )


if __name__ == "__main__":
    main()
