"""How fast and how good is swap matching? Prints, for synthetic Managersruil intakes with a fixed seed:
graph size, time to score all pairs, time to pack, the total against the proven bound, and on small
instances the total against the exact optimum by brute force. Figures only; nothing is asserted.

Run: `make bench-matching` (or .venv/bin/python bench/matching.py [sizes...] [--against FILE.py]).
With `--against FILE.py`, another version of bot/matching/packing.py (say main's:
`git show main:bot/matching/packing.py > /tmp/packing_main.py`) packs the same graphs right after this
one, so the two are measured side by side under the same load (the machine is shared).
"""

from __future__ import annotations

import importlib.util
import itertools
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine import Value
from bot.matching.candidates import Candidate, managersruil_candidate
from bot.matching.packing import Packing, pack
from bot.matching.scoring import Graph, Scorer
from bot.programmes import load_catalogue

TODAY = date(2026, 11, 27)
SEED = 2026
# Uneven sizes (share of managers), and how much others would like to go there.
MINISTRIES = {
    "FIN": (18, 3),
    "JenV": (15, 2),
    "IenW": (12, 2),
    "DEF": (10, 1),
    "BZK": (8, 4),
    "SZW": (6, 2),
    "VWS": (6, 2),
    "EZ": (5, 3),
    "OCW": (5, 2),
    "BZ": (4, 3),
    "LVVN": (4, 1),
    "AenM": (3, 1),
    "VRO": (2, 1),
    "KGG": (1, 2),
    "AZ": (1, 4),
}
FIELDS = {"beleid": 45, "uitvoering": 35, "staf": 20}
SCALES = {14: 50, 15: 35, 16: 15}
TOPICS = [
    "toezicht",
    "handhaving",
    "ICT",
    "inkoop",
    "personeel",
    "wetgeving",
    "klantcontact",
    "data",
    "financiën",
    "communicatie",
    "strategie",
    "crisisbeheersing",
    "uitvoering",
    "subsidies",
    "HR",
]
ROLES = ["afdelingshoofd", "directeur", "teamleider", "programmamanager", "plaatsvervangend directeur"]
GOALS = [
    "meer zicht op {t} en {u}",
    "leren hoe {t} in de uitvoering werkt",
    "ervaring met {t} bij een ander ministerie",
    "leidinggeven in een politiek-bestuurlijke omgeving",
    "een grote verandering in {t} begeleiden",
    "netwerk opbouwen rond {t}",
    "beleid maken voor {u}",
]


def weighted(
    rng: random.Random, table: dict[str, tuple[int, int]] | dict[str, int] | dict[int, int], at: int = 0
) -> object:
    keys = list(table)
    weights = [v[at] if isinstance(v, tuple) else v for v in table.values()]
    return rng.choices(keys, weights)[0]


def intake(rng: random.Random) -> dict[str, Value]:
    ministry = str(weighted(rng, MINISTRIES))
    if rng.random() < 0.25:
        wanted: list[str] = ["any"]
    else:
        wanted = []
        while len(wanted) < rng.choice([1, 2, 2, 3, 4]):
            pick = str(weighted(rng, MINISTRIES, at=1))
            if pick != ministry and pick not in wanted:
                wanted.append(pick)
    fields = ["any"] if rng.random() < 0.3 else sorted(set(rng.choices(list(FIELDS), k=rng.choice([1, 2]))))
    topic, other = rng.sample(TOPICS, 2)
    return {
        "ministry": ministry,
        "directorate": f"directie {topic}",
        "function": f"{rng.choice(ROLES)} {topic}",
        "scale": int(str(weighted(rng, SCALES))),
        "field": str(weighted(rng, FIELDS)),
        "wanted_fields": fields,
        "wanted_ministries": wanted,
        "period": rng.choice([6, 9, 12, 12, 18]),
        "start": (TODAY + timedelta(days=rng.randint(0, 540))).isoformat(),
        "learning": rng.choice(GOALS).format(t=other, u=rng.choice(TOPICS)),
    }


def candidates(n: int, seed: int = SEED) -> list[Candidate]:
    rng = random.Random(seed)
    people = [managersruil_candidate(f"U{i:05d}", intake(rng)) for i in range(n)]
    return [p for p in people if p is not None]


def brute_force(graph: Graph) -> int:
    edges = {
        (a, b): s
        for a, b, s in zip(graph.src.tolist(), graph.dst.tolist(), graph.score.tolist(), strict=True)
    }
    n = graph.size
    cycles = [
        (frozenset((a, b)), edges[a, b] + edges[b, a])
        for a, b in itertools.combinations(range(n), 2)
        if (a, b) in edges and (b, a) in edges
    ]
    cycles += [
        (frozenset((a, b, c)), edges[a, b] + edges[b, c] + edges[c, a])
        for a, b, c in itertools.permutations(range(n), 3)
        if a < b and a < c and (a, b) in edges and (b, c) in edges and (c, a) in edges
    ]

    def best(start: int, used: frozenset[int]) -> int:
        return max(
            [0]
            + [s + best(i + 1, used | m) for i, (m, s) in enumerate(cycles[start:], start) if not m & used]
        )

    return best(0, frozenset())


def packing_from(path: str) -> Callable[..., Packing]:
    """`pack` from another version of packing.py."""
    spec = importlib.util.spec_from_file_location("packing_then", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["packing_then"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    then: Callable[..., Packing] = module.pack
    return then


def main(sizes: list[int], against: str | None = None) -> None:
    rules = load_catalogue().get("managersruil").matching()
    packers: list[tuple[str, Callable[..., Packing]]] = [("this", pack)]
    if against:
        packers.append((Path(against).name, packing_from(against)))
    print(
        f"seed {SEED}, today {TODAY}; scores are whole points; bound = proven upper bound on the best total"
    )
    print(
        f"{'intakes':>8} {'pairs':>10} {'2-way':>8} {'score s':>8} {'pack s':>8} "
        f"{'total':>9} {'bound':>9} {'gap':>8}  method"
    )
    for n in sizes:
        people = candidates(n)
        began = time.perf_counter()
        graph = Scorer(rules, people, TODAY).graph()
        scored = time.perf_counter() - began
        for name, packer in packers:
            began = time.perf_counter()
            packing = packer(graph, time_limit=9.0 if n <= 1000 else 45.0)  # targets: 10 s and 60 s in all
            packed = time.perf_counter() - began
            swaps2 = sum(1 for c in packing.cycles if len(c.members) == 2)
            print(
                f"{n:>8} {len(graph.src):>10} {swaps2:>8} {scored:>8.2f} {packed:>8.2f} {packing.total:>9} "
                f"{packing.bound:>9} {packing.gap:>8.4%}  {packing.method}"
                f"{', proven optimal' if packing.optimal else ''}"
                f" ({len(packing.cycles)} swaps, {sum(len(c.members) for c in packing.cycles)} people)"
                f"{f' [{name}]' if against else ''}",
                flush=True,
            )
    print("\nsmall instances against brute force (every set of disjoint 2- and 3-way swaps):")
    worst = 0
    for seed in range(20):
        people = candidates(11, seed=seed)
        graph = Scorer(rules, people, TODAY).graph()
        exact = brute_force(graph)
        packing = pack(graph)
        forced = pack(graph, full_limit=0, start_k=1)  # the large-graph method on the same graph
        worst = max(worst, exact - forced.total)
        if packing.total != exact or not forced.total <= exact <= forced.bound:
            print(
                f"  seed {seed}: MISMATCH exact {exact}, packed {packing.total}, "
                f"generated {forced.total}..{forced.bound}"
            )
    print(
        f"  20 instances of 11 intakes: exact packing equals brute force in all; column generation "
        f"short of the optimum by at most {worst} points"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    other = args[args.index("--against") + 1] if "--against" in args else None
    numbers = [int(a) for a in args if a.isdigit()]
    main(numbers or [100, 1000, 10000], other)
