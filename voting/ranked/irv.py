"""Instant-runoff voting (single-winner ranked choice), counted round by round.

Source: the round structure, batch elimination, undeclared write-in handling and winning threshold
follow the RCTab tabulator's documented rules (Bright Spots, ``config_file_documentation.txt``,
"singleWinnerMajority"), which US election officials certify; the statutory basis is e.g. Maine
21-A M.R.S. §723-A. Ballot validity (overvotes, skipped ranks, repeats) is :class:`BallotRules`.

The count is vectorised: each distinct ballot is a row of candidate indexes ending in a sentinel
("no further preference"), and a round only moves the pointer of rows whose current candidate
was just eliminated. Tallies are one ``bincount`` per round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ballots import (
    REASON_CODES,
    UNDERVOTE,
    BallotRules,
    CompiledBallots,
    RankedProfile,
    Votes,
    add_votes,
    advance_to_continuing,
)
from .results import IrvRound, MethodInfo, RankedOutcome, RankedRound, withdrawn_fates
from .settings import RctabRules
from .tiebreak import RankedTieBreak, TieBreaker

IRV = MethodInfo(
    "irv",
    "Instant-runoff voting",
    "RCTab tabulator rules (Bright Spots, config_file_documentation.txt, singleWinnerMajority); "
    "Maine 21-A M.R.S. §723-A",
)


@dataclass(frozen=True)
class IrvOptions:
    """Choices a jurisdiction makes for an IRV count.

    ``batch_elimination`` removes at once every candidate who could not overtake the next one up
    even with all their combined votes (it never changes the winner, only shortens the report).
    ``continue_until_two`` keeps eliminating after a majority winner appears so the final round
    shows a head-to-head, as several US cities publish.
    """

    ballots: BallotRules = field(default_factory=BallotRules)
    batch_elimination: bool = False
    continue_until_two: bool = False
    tiebreak: RankedTieBreak = field(default_factory=RankedTieBreak)


def _exact(value: float, integral: bool) -> Votes:
    return int(round(value)) if integral else value


def irv_options_from_rctab(
    rules: RctabRules, *, ballots: BallotRules, tiebreak: RankedTieBreak, mode: str
) -> IrvOptions:
    """The IRV options an RCTab configuration asks for (unsupported settings refused by name)."""
    if rules.flag("doesFirstRoundDetermineThreshold"):
        raise rules.error("doesFirstRoundDetermineThreshold is not supported")
    return IrvOptions(
        ballots=ballots,
        batch_elimination=rules.flag("batchElimination"),
        continue_until_two=rules.flag("continueUntilTwoCandidatesRemain"),
        tiebreak=tiebreak,
    )


@IRV.register(
    multi_winner=False,
    default=True,
    rctab_modes=("singleWinnerMajority",),
    rctab_options=irv_options_from_rctab,
)
def instant_runoff(profile: RankedProfile, *, options: IrvOptions | None = None) -> RankedOutcome:
    """Count a single-winner ranked-choice contest by successive elimination of the last-placed.

    Each round every ballot counts for its highest-ranked continuing candidate. A candidate with
    more than half of the continuing votes (``floor(active / 2) + 1``) wins; otherwise RCTab's
    order of elimination applies: undeclared write-ins first, then a batch elimination if enabled,
    else the lowest candidate, ties broken by ``options.tiebreak``. When two remain, the higher
    wins even without a majority of all ballots (exhausted ballots do not count).
    """
    options = options or IrvOptions()
    profile.require_countable()
    if profile.seats != 1:
        raise profile.error(f"irv elects one candidate; the contest has {profile.seats} seats (use an STV method)")
    names = profile.candidates
    compiled = CompiledBallots.from_profile(profile, options.ballots)
    n = compiled.sentinel
    integral = bool(np.all(compiled.weights == np.round(compiled.weights)))
    breaker = TieBreaker(options.tiebreak, names, source=profile.source)

    continuing = np.ones(n + 1, dtype=bool)
    for c in profile.withdrawn:
        continuing[c] = False
    matrix, weights = compiled.matrix, compiled.weights
    pointer = np.zeros(matrix.shape[0], dtype=np.int64)
    current = matrix[:, 0].copy()
    elected: list[int] = []
    history: list[dict[int, Votes]] = []
    rounds: list[RankedRound] = []
    write_in = profile.write_in
    total = float(weights.sum())

    while True:
        # Only ballots whose candidate just left the count move; everything else stays put.
        moving = np.nonzero(~continuing[current])[0]
        if len(moving):
            moved_from = current[moving]
            advance_to_continuing(matrix, pointer, continuing, moving)
            current[moving] = matrix[moving, pointer[moving]]
            if rounds:
                rounds[-1].transfers = _transfers(
                    moved_from, current[moving], weights[moving], names, n, integral
                )
        counts = np.bincount(current, weights=weights, minlength=n + 1)
        live = [c for c in range(n) if continuing[c]]
        tally = {c: _exact(counts[c], integral) for c in live}
        history.append(tally)
        active = float(sum(counts[c] for c in live))
        threshold = _exact(np.floor(active / 2) + 1, True)
        inactive = _inactive(compiled, current, n, integral)
        round_ = IrvRound(
            number=len(rounds) + 1,
            tallies={names[c]: tally[c] for c in live},
            threshold=threshold,
            inactive={k: v for k, v in inactive.items() if k != UNDERVOTE},
            exhausted=_exact(total - active, integral),
        )
        rounds.append(round_)

        winners: list[int] = []
        write_in_live = write_in is not None and continuing[write_in] and tally.get(write_in, 0) > 0
        if not elected and not write_in_live:
            declared = [c for c in live if c != write_in]
            if len(declared) == 1:
                winners = declared
                round_.reasons[names[declared[0]]] = "last continuing candidate"
            else:
                winners = [c for c in declared if tally[c] >= threshold]
                for c in winners:
                    round_.reasons[names[c]] = "majority of continuing votes"
                if not winners and len(declared) == 2:
                    top = max(tally[c] for c in declared)
                    tied = [c for c in declared if tally[c] == top]
                    if len(tied) > 1:
                        pick, why = breaker.choose(tied, history[:-1], lowest=False)
                    else:
                        pick, why = tied[0], "more votes of the final two"
                    winners = [pick]
                    round_.reasons[names[pick]] = why
        if winners:
            elected.extend(winners)
            round_.elected = [names[c] for c in winners]
        remaining = [c for c in live if c != write_in or tally.get(c, 0) > 0]
        if elected and (not options.continue_until_two or len(remaining) <= 2):
            break
        if not elected or options.continue_until_two:
            losers = _choose_losers(tally, live, write_in, options, breaker, history, round_, names, elected)
            if not losers:
                break
            for c in losers:
                continuing[c] = False
            round_.eliminated = [names[c] for c in losers]

    return IRV.outcome(
        rounds=list(rounds),
        seats=1,
        candidates=names,
        elected=[names[c] for c in elected],
        valid_ballots=_exact(total, integral),
    ).settle_fates(withdrawn_fates(profile))


def _inactive(compiled: CompiledBallots, current: np.ndarray, n: int, integral: bool) -> dict[str, Votes]:
    done = current == n
    by_code = np.bincount(compiled.reasons[done], weights=compiled.weights[done], minlength=len(REASON_CODES))
    return {reason: _exact(by_code[i], integral) for i, reason in enumerate(REASON_CODES)}


def _transfers(
    before: np.ndarray, after: np.ndarray, weights: np.ndarray, names: tuple[str, ...], n: int, integral: bool
) -> dict[str, dict[str, Votes]]:
    width = n + 1
    flows = np.bincount(
        before.astype(np.int64) * width + after, weights=weights, minlength=width * width
    )
    out: dict[str, dict[str, Votes]] = {}
    for key in np.nonzero(flows)[0]:
        src, dst = divmod(int(key), width)
        label = "exhausted" if dst == n else names[dst]
        out.setdefault(names[src], {})[label] = _exact(flows[key], integral)
    return out


def _choose_losers(
    tally: dict[int, Votes],
    live: list[int],
    write_in: int | None,
    options: IrvOptions,
    breaker: TieBreaker,
    history: list[dict[int, Votes]],
    round_: RankedRound,
    names: tuple[str, ...],
    elected: list[int],
) -> list[int]:
    """RCTab's elimination order: write-ins, then batch, then the single lowest (tie broken)."""
    if write_in is not None and write_in in tally and tally[write_in] > 0:
        round_.reasons[names[write_in]] = "undeclared write-ins are eliminated first"
        return [write_in]
    candidates = [c for c in live if c not in elected]
    if len(candidates) + len(elected) <= 1 or not candidates:
        return []
    if options.batch_elimination:
        batch = batch_losers({c: tally[c] for c in candidates})
        if options.continue_until_two and len(live) - len(batch) < 2:
            batch = []
        if len(batch) > 1:
            for c in batch:
                round_.reasons[names[c]] = "batch elimination: could not overtake the next candidate"
            return batch
    low = min(tally[c] for c in candidates)
    tied = [c for c in candidates if tally[c] == low]
    if len(tied) == 1:
        round_.reasons[names[tied[0]]] = "lowest"
        return tied
    loser, why = breaker.choose(tied, history[:-1], lowest=True)
    round_.reasons[names[loser]] = f"lowest, {why}"
    return [loser]


def batch_losers(tally: dict[int, Votes]) -> list[int]:
    """Candidates whose combined votes cannot reach the next-lowest total (RCTab's batch rule)."""
    groups: dict[Votes, list[int]] = {}
    for c, v in tally.items():
        groups.setdefault(v, []).append(c)
    running: Votes = 0
    seen: list[int] = []
    losers: list[int] = []
    for value in sorted(groups):
        if running < value:
            losers.extend(c for c in seen if c not in losers)
        running = add_votes(running, value * len(groups[value]))
        seen.extend(groups[value])
    return losers if len(losers) > 1 else []

