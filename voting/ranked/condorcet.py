"""Pairwise (Condorcet) methods — Schulze, ranked pairs, Copeland — and Borda for comparison.

All four read the same pairwise matrix ``N[a][b]``: the weight of ballots that rank ``a`` strictly
above ``b``. A ranked candidate is above every unranked one; unranked candidates, and candidates
marked at the same rank (equal rankings), are tied with each other. This is the reading used by
Schulze (2011) and by pref_voting's ``ProfileWithTies``, so results are comparable.

Sources:
- Schulze: M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and
  Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011).
- Ranked pairs: T. N. Tideman, "Independence of clones as a criterion for voting rules",
  Social Choice and Welfare 4 (1987); ties among equal majorities by a tie-breaking ranking of
  candidates (Zavist & Tideman, 1989).
- Copeland: A. H. Copeland, "A reasonable social welfare function" (1951): one point per
  pairwise win, half per tie.
- Borda: J.-C. de Borda (1781); here the pairwise form, a candidate's score is the number of
  (ballot, rival) pairs it beats, which equals positional Borda on complete rankings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .ballots import RankedProfile, Votes
from .results import CondorcetRound, MethodInfo, RankedOutcome, withdrawn_fates
from .tiebreak import RankedTieBreak, TieBreaker

SCHULZE = MethodInfo("schulze", "Schulze (beatpath)", "M. Schulze, Social Choice and Welfare 36 (2011)")
RANKED_PAIRS = MethodInfo(
    "ranked-pairs",
    "Ranked pairs (Tideman)",
    "T. N. Tideman, Social Choice and Welfare 4 (1987); Zavist & Tideman (1989)",
)
COPELAND = MethodInfo("copeland", "Copeland", "A. H. Copeland, A reasonable social welfare function (1951)")
BORDA = MethodInfo("borda", "Borda count", "J.-C. de Borda (1781), pairwise form")


@dataclass(frozen=True)
class CondorcetOptions:
    """``strength``: Schulze's measure of a defeat (margins, or winning votes for truncated
    ballots as Schulze recommends); ``tiebreak`` orders candidates when the method itself ties."""

    strength: Literal["margins", "winning_votes"] = "margins"
    tiebreak: RankedTieBreak = field(default_factory=lambda: RankedTieBreak("random"))


def rank_matrix(profile: RankedProfile) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Per distinct ballot, each candidate's rank position (unranked: after all ranked)."""
    live = [c for c in range(len(profile.candidates)) if c not in profile.withdrawn]
    column = {c: i for i, c in enumerate(live)}
    ranks = np.full((len(profile.ballots), len(live)), np.iinfo(np.int32).max, dtype=np.int64)
    weights = np.empty(len(profile.ballots), dtype=np.float64)
    for row, ballot in enumerate(profile.ballots):
        weights[row] = float(ballot.weight)
        level = 0
        for position in ballot.ranking:
            placed = False
            for c in position:
                i = column.get(c)
                if i is not None and ranks[row, i] == np.iinfo(np.int32).max:
                    ranks[row, i] = level
                    placed = True
            level += placed
    return ranks, weights, live


def pairwise_matrix(profile: RankedProfile) -> tuple[np.ndarray, list[int]]:
    """``N[i][j]``: weight of ballots ranking live candidate ``i`` strictly above ``j``."""
    ranks, weights, live = rank_matrix(profile)
    m = len(live)
    matrix = np.zeros((m, m))
    for i in range(m):
        above = ranks[:, [i]] < ranks
        matrix[i] = weights @ above
    return matrix, live


def _integral(matrix: np.ndarray) -> bool:
    return bool(np.all(matrix == np.round(matrix)))


def _num(value: float, integral: bool) -> Votes:
    return int(round(value)) if integral else float(value)


def _named(matrix: np.ndarray, names: list[str], integral: bool) -> dict[str, dict[str, Votes]]:
    return {
        a: {b: _num(matrix[i, j], integral) for j, b in enumerate(names) if i != j} for i, a in enumerate(names)
    }


def condorcet_winner(matrix: np.ndarray) -> int | None:
    """Index of the candidate who beats every other head to head, if there is one."""
    m = len(matrix)
    for i in range(m):
        if all(matrix[i, j] > matrix[j, i] for j in range(m) if j != i):
            return i
    return None


def _order_from_scores(
    scores: dict[int, float], breaker: TieBreaker, *, higher: bool = True
) -> tuple[list[list[int]], list[int]]:
    """Tied groups best first, and a strict order with ties broken by ``breaker``."""
    groups: list[list[int]] = []
    for value in sorted(set(scores.values()), reverse=higher):
        groups.append(sorted(c for c, v in scores.items() if v == value))
    return groups, _strict(groups, breaker)


def _strict(groups: list[list[int]], breaker: TieBreaker) -> list[int]:
    """The groups' candidates in one strict order, each tied group ordered by ``breaker``."""
    strict: list[int] = []
    for group in groups:
        pending = list(group)
        while pending:
            pick = pending[0] if len(pending) == 1 else breaker.choose(pending, [], lowest=False)[0]
            strict.append(pick)
            pending.remove(pick)
    return strict


def _layers(beats: np.ndarray, breaker: TieBreaker) -> tuple[list[list[int]], list[int]]:
    """Order by a strict partial order: first everyone no one beats, then the same among the rest.

    Schulze's beatpath relation and the ranked-pairs lock graph are both transitive, so the first
    layer is exactly the method's winner set (all of it, not a tie-broken pick).
    """
    remaining = list(range(len(beats)))
    groups: list[list[int]] = []
    while remaining:
        top = [a for a in remaining if not any(beats[b, a] for b in remaining if b != a)]
        if not top:  # cannot happen for a transitive relation; keep going rather than loop
            top = list(remaining)
        groups.append(top)
        remaining = [c for c in remaining if c not in top]
    return groups, _strict(groups, breaker)


def _result(
    method: MethodInfo,
    profile: RankedProfile,
    live: list[int],
    matrix: np.ndarray,
    groups: list[list[int]],
    strict: list[int],
    *,
    scores: dict[int, float] | None = None,
    paths: np.ndarray | None = None,
    locked: list[tuple[int, int]] | None = None,
    note: str = "",
) -> RankedOutcome:
    names = [profile.candidates[c] for c in live]
    integral = _integral(matrix)
    winner = condorcet_winner(matrix)
    seats = profile.seats
    elected = [names[i] for i in strict[:seats]]
    reasons = {}
    if len(groups[0]) > 1:
        reasons[elected[0]] = "tied first; tie broken by lot"
    round_ = CondorcetRound(
        number=1,
        tallies={names[i]: _num(scores[i], integral) for i in range(len(names))} if scores else {},
        elected=elected,
        reasons=reasons,
        note=note,
    )
    return method.outcome(
        seats=seats,
        candidates=profile.candidates,
        elected=elected,
        rounds=[round_],
        valid_ballots=_num(float(sum(float(b.weight) for b in profile.ballots)), True),
        ranking=[[names[i] for i in group] for group in groups],
        pairwise=_named(matrix, names, integral),
        paths=_named(paths, names, integral) if paths is not None else None,
        scores={names[i]: _num(v, integral) for i, v in scores.items()} if scores is not None else None,
        condorcet_winner=names[winner] if winner is not None else None,
        locked=[(names[a], names[b]) for a, b in locked] if locked is not None else None,
    ).settle_fates(withdrawn_fates(profile), unelected="ranked below the elected")


@SCHULZE.register(multi_winner=False)
def schulze(profile: RankedProfile, *, options: CondorcetOptions | None = None) -> RankedOutcome:
    """Rank by strongest beatpaths: ``a`` ranks above ``b`` when the widest path a→b beats b→a.

    Why beatpaths: they pick the Condorcet winner when one exists and otherwise resolve the cycle
    by its weakest links, and the method is clone-independent, which matters when factions field
    several similar recommendations.
    """
    options = options or CondorcetOptions()
    profile.require_countable()
    matrix, live = pairwise_matrix(profile)
    m = len(live)
    strength = np.zeros((m, m))
    for i in range(m):
        for j in range(m):
            if i != j and matrix[i, j] > matrix[j, i]:
                strength[i, j] = (
                    matrix[i, j] - matrix[j, i] if options.strength == "margins" else matrix[i, j]
                )
    paths = strength.copy()
    # before[i, j]: the candidate just before j on the strongest path found so far from i to j.
    before = np.tile(np.arange(m), (m, 1)).T.copy()
    for k in range(m):
        through_k = np.minimum(paths[:, [k]], paths[[k], :])
        better = through_k > paths
        np.fill_diagonal(better, False)
        before = np.where(better, before[[k], :].repeat(m, axis=0), before)
        paths = np.where(better, through_k, paths)
    breaker = TieBreaker(options.tiebreak, [profile.candidates[c] for c in live], source=profile.source)
    groups, strict = _layers(paths > paths.T, breaker)
    result = _result(SCHULZE, profile, live, matrix, groups, strict, paths=paths, note="strongest paths")
    names = [profile.candidates[c] for c in live]
    winning_paths: dict[str, dict[str, list[str]]] = {}
    for w in groups[0]:
        routes: dict[str, list[str]] = {}
        for j in range(m):
            if j != w and paths[w, j] > 0:
                route, node = [j], j
                while node != w and len(route) <= m:
                    node = int(before[w, node])
                    route.append(node)
                routes[names[j]] = [names[c] for c in reversed(route)]
        winning_paths[names[w]] = routes
    result.winning_paths = winning_paths
    return result


@RANKED_PAIRS.register(multi_winner=False)
def ranked_pairs(profile: RankedProfile, *, options: CondorcetOptions | None = None) -> RankedOutcome:
    """Lock majorities from largest margin down, skipping any that would close a cycle.

    Equal margins are ordered by a tie-breaking ranking of the candidates drawn once from the seeded
    lottery (Zavist & Tideman's TBRC), so the outcome is reproducible and published.
    """
    options = options or CondorcetOptions()
    profile.require_countable()
    matrix, live = pairwise_matrix(profile)
    m = len(live)
    breaker = TieBreaker(options.tiebreak, [profile.candidates[c] for c in live], source=profile.source)
    _, tie_order = _order_from_scores(dict.fromkeys(range(m), 0.0), breaker)
    position = {c: i for i, c in enumerate(tie_order)}
    majorities = [
        (matrix[i, j] - matrix[j, i], i, j) for i in range(m) for j in range(m) if matrix[i, j] > matrix[j, i]
    ]
    majorities.sort(key=lambda t: (-t[0], position[t[1]], -position[t[2]]))
    locked: list[tuple[int, int]] = []
    reach = np.eye(m, dtype=bool)
    for _, i, j in majorities:
        if reach[j, i]:
            continue  # j already reaches i: locking i→j would close a cycle
        locked.append((i, j))
        reach = reach | (reach[:, [i]] & reach[[j], :])
    above = reach & ~np.eye(m, dtype=bool)
    groups, strict = _layers(above, breaker)
    return _result(RANKED_PAIRS, profile, live, matrix, groups, strict, locked=locked, note="locked majorities")


@COPELAND.register(multi_winner=False)
def copeland(profile: RankedProfile, *, options: CondorcetOptions | None = None) -> RankedOutcome:
    """Score one point per head-to-head win and half per tie; the Condorcet winner always tops it."""

    def score(matrix: np.ndarray) -> dict[int, float]:
        m = len(matrix)
        return {
            i: sum(1.0 if matrix[i, j] > matrix[j, i] else 0.5 if matrix[i, j] == matrix[j, i] else 0.0
                   for j in range(m) if j != i)
            for i in range(m)
        }

    return _by_scores(COPELAND, profile, options, score, "Copeland scores")


@BORDA.register(multi_winner=False)
def borda(profile: RankedProfile, *, options: CondorcetOptions | None = None) -> RankedOutcome:
    """Borda scores from the pairwise matrix, shown beside Condorcet methods for comparison."""
    return _by_scores(
        BORDA, profile, options, lambda matrix: {i: float(matrix[i].sum()) for i in range(len(matrix))}, "Borda scores"
    )


def _by_scores(
    method: MethodInfo,
    profile: RankedProfile,
    options: CondorcetOptions | None,
    score: Callable[[np.ndarray], dict[int, float]],
    note: str,
) -> RankedOutcome:
    """A method that ranks by a score read off the pairwise matrix (highest first)."""
    options = options or CondorcetOptions()
    profile.require_countable()
    matrix, live = pairwise_matrix(profile)
    scores = score(matrix)
    breaker = TieBreaker(options.tiebreak, [profile.candidates[c] for c in live], source=profile.source)
    groups, strict = _order_from_scores(scores, breaker)
    return _result(method, profile, live, matrix, groups, strict, scores=scores, note=note)
