"""Run pref_voting in a separate, freshly spawned interpreter.

pref_voting imports OR-Tools, whose bundled HiGHS clashes with the HiGHS that pabutools' solver
stack loads (whichever is imported second fails with an undefined symbol). The PB tests run
first in the same pytest process, so the oracle lives in its own process instead of depending
on import order.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ProcessPoolExecutor


def _winners(method: str, m: int, orders: list[list[int]], truncated: bool, seats: int = 1) -> list[int]:
    from pref_voting.c1_methods import copeland
    from pref_voting.iterative_methods import instant_runoff, instant_runoff_put
    from pref_voting.margin_based_methods import beat_path, ranked_pairs
    from pref_voting.profiles import Profile
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_meek, stv_scottish
    from pref_voting.scoring_methods import borda

    methods = {
        "schulze": beat_path,
        # "from_stacks" finds every ranked-pairs winner without enumerating all tie orders,
        # which the default algorithm does (hours once a few margins are equal).
        "ranked_pairs": lambda p: ranked_pairs(p, algorithm="from_stacks"),
        "copeland": copeland,
        "borda": borda,
        "irv": instant_runoff,
        "irv_put": instant_runoff_put,
        "stv_scottish": lambda p: stv_scottish(p, num_seats=seats),
        "stv_meek": lambda p: stv_meek(p, num_seats=seats),
    }
    if truncated:
        grouped = Counter(tuple(o) for o in orders)
        profile = ProfileWithTies(
            [{c: r for r, c in enumerate(o, start=1)} for o in grouped],
            rcounts=list(grouped.values()),
            candidates=list(range(m)),
        )
        profile.use_extended_strict_preference()
    else:
        profile = Profile(orders)
    return [int(c) for c in methods[method](profile)]


class Oracle:
    """A single spawned worker answering ``winners(method, m, orders)`` calls."""

    def __init__(self) -> None:
        self._pool = self._start()

    @staticmethod
    def _start() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def winners(
        self, method: str, m: int, orders: list[list[int]], *, truncated: bool = False, seats: int = 1
    ) -> set[int]:
        future = self._pool.submit(_winners, method, m, orders, truncated, seats)
        try:
            return set(future.result(timeout=60))
        except TimeoutError:
            # A stuck worker would make every later call wait behind it: replace it, then fail.
            self.close()
            self._pool = self._start()
            raise

    def available(self) -> bool:
        try:
            return self.winners("copeland", 2, [[0, 1]]) == {0}
        except Exception:  # noqa: BLE001 - any failure means the oracle cannot run here
            return False

    def close(self) -> None:
        # Do not wait for a computation that overran its timeout: stop the worker outright.
        processes = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
