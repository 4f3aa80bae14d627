"""Breakout tables that mix the assembly's categories and, round after round, introduce new people.

Pure function over plain data. Members are placed one at a time (those with the rarest
category values first) at the open table where they add the least cost, then pairwise swaps
between tables are kept while they lower the total cost. The cost of a table counts, for each
category, the pairs sharing a value, and (weighted more) the pairs who already sat together in
an earlier round. Ties are broken by a seeded shuffle, so a round is reproducible.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

MET_BEFORE_WEIGHT = 3.0
SWAP_PASSES = 4


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _table_cost(table: Sequence[int], categories: Mapping[int, Mapping[str, str]], met: set[tuple[int, int]]) -> float:
    cost = 0.0
    for i, a in enumerate(table):
        for b in table[i + 1:]:
            ca, cb = categories.get(a, {}), categories.get(b, {})
            cost += sum(1 for key, value in ca.items() if value and cb.get(key) == value)
            if _pair(a, b) in met:
                cost += MET_BEFORE_WEIGHT
    return cost


def allocate_tables(
    members: Sequence[int],
    size: int,
    *,
    categories: Mapping[int, Mapping[str, str]] | None = None,
    earlier_rounds: Iterable[Sequence[Sequence[int]]] = (),
    seed: int = 0,
) -> list[list[int]]:
    """Split ``members`` into ``ceil(n / size)`` tables whose sizes differ by at most one."""
    if size < 2:
        raise ValueError("a table seats at least two people")
    categories = categories or {}
    if not members:
        return []
    met: set[tuple[int, int]] = set()
    for round_tables in earlier_rounds:
        for table in round_tables:
            for i, a in enumerate(table):
                for b in table[i + 1:]:
                    met.add(_pair(a, b))
    count = math.ceil(len(members) / size)
    capacity = [len(members) // count + (1 if t < len(members) % count else 0) for t in range(count)]
    frequency: Counter[tuple[str, str]] = Counter(
        (key, value) for m in members for key, value in categories.get(m, {}).items()
    )
    rng = random.Random(seed)
    order = list(members)
    rng.shuffle(order)
    order.sort(key=lambda m: min((frequency[(k, v)] for k, v in categories.get(m, {}).items()), default=len(members)))

    tables: list[list[int]] = [[] for _ in range(count)]
    for member in order:
        best, best_cost = -1, math.inf
        for t, table in enumerate(tables):
            if len(table) >= capacity[t]:
                continue
            added = _table_cost([*table, member], categories, met) - _table_cost(table, categories, met)
            # Prefer emptier tables on ties so early placements spread out.
            key = added + len(table) * 1e-6
            if key < best_cost:
                best, best_cost = t, key
        tables[best].append(member)

    for _ in range(SWAP_PASSES):
        improved = False
        for t1 in range(count):
            for t2 in range(t1 + 1, count):
                for i in range(len(tables[t1])):
                    for j in range(len(tables[t2])):
                        a, b = tables[t1][i], tables[t2][j]
                        before = _table_cost(tables[t1], categories, met) + _table_cost(tables[t2], categories, met)
                        tables[t1][i], tables[t2][j] = b, a
                        after = _table_cost(tables[t1], categories, met) + _table_cost(tables[t2], categories, met)
                        if after < before - 1e-9:
                            improved = True
                        else:
                            tables[t1][i], tables[t2][j] = a, b
        if not improved:
            break
    return [sorted(table) for table in tables]
