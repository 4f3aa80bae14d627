"""Single transferable vote: Scottish statutory STV, RCTab's fractional STV, and Meek STV.

Three rules because three communities trust three different counts:

- :func:`scottish_stv`: The Scottish Local Government Elections Order 2007 (SSI 2007/42),
  Schedule 1, rules 45-52: Droop quota, weighted inclusive Gregory surplus transfers at values
  truncated to five decimal places, one surplus per stage (largest first), exclusion of the
  lowest, ties settled by the earliest stage at which the candidates differed and then by lot.
  Arithmetic is in integers scaled by 10^5 so the truncation is exact, as on the count sheets.
- :func:`fractional_surplus_stv`: RCTab's multi-winner mode (Minneapolis-style fractional
  transfer: every winner's surplus fraction applied to each of their ballots in the same round),
  with RCTab's rounding to ``decimalPlacesForVoteArithmetic`` and its residual-surplus rule.
- :func:`meek_stv`: B. L. Meek, "Une nouvelle approche du scrutin transférable" (1969), as
  specified by Hill, Wichmann & Woodall, "Algorithm 123 — Single Transferable Vote by Meek's
  Method", The Computer Journal 30(3), 1987. Keep factors are iterated until every elected
  candidate holds the quota, so transfers reach past elected candidates and nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_UP, Decimal

import numpy as np

from voting.rules.ranked import (
    EXHAUSTED,
    INACTIVE_REASONS,
    UNDERVOTE,
    BallotError,
    BallotRules,
    CompiledBallots,
    Number,
    Profile,
    Result,
    Round,
    TieBreak,
    TieBreaker,
    advance_to_continuing,
)
from voting.rules.ranked_registry import register

SCALE = 100_000  # five decimal places, as the Scottish order prescribes


@dataclass(frozen=True)
class ScottishOptions:
    """Ballot handling for a Scottish count (papers with no valid first preference are rejected)."""

    ballots: BallotRules = field(default_factory=BallotRules)
    seed: int = 0


def _scaled_decimal(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-5)


@register("stv-scottish", "STV (Scottish rules, WIGM)", multi_winner=True)
def scottish_stv(profile: Profile, *, options: ScottishOptions | None = None) -> Result:
    """Count an STV election under the Scottish Local Government Elections Order 2007.

    Why exact integers: the order fixes transfer values "to five decimal places, any remainder
    being ignored"; floating point would drift from the official sheets in the last digit and,
    at an exclusion tie, change who is elected. Values are int64 scaled by 10^5, one per group
    of identical papers; papers with the same ranking always travel together, so a group never
    splits and each stage is a handful of vectorised operations.
    """
    options = options or ScottishOptions()
    names = profile.candidates
    seats = profile.seats
    breaker = TieBreaker(TieBreak("previous_rounds", seed=options.seed, backwards=False), names)
    compiled = CompiledBallots.from_profile(profile, options.ballots)
    n = compiled.sentinel
    if not np.all(compiled.weights == np.round(compiled.weights)):
        raise BallotError("Scottish STV counts whole ballot papers; weights must be integers")
    hopeful = [c for c in range(n) if c not in profile.withdrawn]
    continuing = np.zeros(n + 1, dtype=bool)
    continuing[hopeful] = True
    continuing[n] = True  # the sentinel stops the search for a next preference

    everyone = np.arange(compiled.matrix.shape[0])
    pointer = np.zeros(len(everyone), dtype=np.int64)
    advance_to_continuing(compiled.matrix, pointer, continuing, everyone)
    first = compiled.matrix[everyone, pointer]
    accepted = first != n  # papers with no first preference for a standing candidate are rejected
    matrix = compiled.matrix[accepted]
    pointer = pointer[accepted]
    holder = first[accepted].astype(np.int64)
    counts = np.rint(compiled.weights[accepted]).astype(np.int64)
    value = np.full(len(holder), SCALE, dtype=np.int64)
    valid = int(counts.sum())
    votes = _totals(holder, value * counts, n)

    quota = (valid // (seats + 1) + 1) * SCALE
    elected: list[int] = []
    pending: list[int] = []
    history: list[dict[int, Number]] = []
    rounds: list[Round] = []
    non_transferable = 0
    fraction_loss = 0

    def snapshot(note: str, transfers: dict[str, dict[str, Number]] | None = None) -> Round:
        history.append({c: int(votes[c]) for c in hopeful})
        round_ = Round(
            number=len(rounds) + 1,
            tallies={names[c]: _scaled_decimal(votes[c]) for c in hopeful},
            threshold=_scaled_decimal(quota),
            transfers=transfers or {},
            exhausted=_scaled_decimal(non_transferable),
            fraction_loss=_scaled_decimal(fraction_loss),
            inactive={EXHAUSTED: _scaled_decimal(non_transferable)},
            note=note,
        )
        rounds.append(round_)
        return round_

    def move(source: int, surplus: int | None, total: int) -> tuple[dict[str, dict[str, Number]], int, int]:
        """Pass the source's papers to their next continuing preference; returns flows, moved, lost."""
        rows = np.nonzero(holder == source)[0]
        if surplus is not None:
            value[rows] = value[rows] * surplus // total
        advance_to_continuing(matrix, pointer, continuing, rows)
        targets = matrix[rows, pointer[rows]].astype(np.int64)
        holder[rows] = targets
        flows = _totals(targets, value[rows] * counts[rows], n)
        votes[:n] += flows[:n]
        lost = int(flows[n])
        detail: dict[str, Number] = {names[t]: _scaled_decimal(flows[t]) for t in np.nonzero(flows[:n])[0]}
        if lost:
            detail["non-transferable"] = _scaled_decimal(lost)
        return ({names[source]: detail} if detail else {}), int(flows[:n].sum()), lost

    def live() -> list[int]:
        return [c for c in hopeful if continuing[c]]

    current = snapshot("first preferences")
    while True:
        reached = [c for c in live() if votes[c] >= quota]
        if reached:
            for c in _order_by_votes(reached, votes, history, breaker):
                continuing[c] = False
                elected.append(c)
                current.elected.append(names[c])
                current.reasons[names[c]] = "quota reached"
                if votes[c] > quota:
                    pending.append(c)
        if len(elected) >= seats:
            break
        remaining = live()
        if len(remaining) <= seats - len(elected):
            for c in _order_by_votes(remaining, votes, history, breaker):
                continuing[c] = False
                elected.append(c)
                current.elected.append(names[c])
                current.reasons[names[c]] = "continuing candidates equal the vacancies"
            break
        if pending:
            top = max(int(votes[c]) - quota for c in pending)
            tied = [c for c in pending if votes[c] - quota == top]
            source = tied[0] if len(tied) == 1 else breaker.choose(tied, history, lowest=False)[0]
            pending.remove(source)
            total, surplus = int(votes[source]), int(votes[source]) - quota
            flows, moved, lost = move(source, surplus, total)
            votes[source] = quota
            non_transferable += lost
            fraction_loss += surplus - moved - lost
            current = snapshot(f"surplus of {names[source]} transferred", flows)
        else:
            low = min(int(votes[c]) for c in remaining)
            tied = [c for c in remaining if votes[c] == low]
            reason = "lowest"
            if len(tied) > 1:
                loser, why = breaker.choose(sorted(tied), history, lowest=True)
                reason = f"lowest, {why}"
            else:
                loser = tied[0]
            continuing[loser] = False
            current.eliminated.append(names[loser])
            current.reasons[names[loser]] = reason
            flows, _moved, lost = move(loser, None, 0)
            votes[loser] = 0
            non_transferable += lost
            current = snapshot(f"{names[loser]} excluded, papers transferred at current value", flows)

    return Result(
        method="stv-scottish",
        seats=seats,
        candidates=names,
        elected=[names[c] for c in elected],
        rounds=rounds,
        valid_ballots=valid,
        quota=_scaled_decimal(quota),
    )


def _totals(targets: np.ndarray, amounts: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of ``amounts`` per target (``n`` collects the non-transferable)."""
    totals = np.zeros(n + 1, dtype=np.int64)
    np.add.at(totals, targets, amounts)
    return totals


def _order_by_votes(
    cands: list[int], votes: np.ndarray | dict[int, int], history: list[dict[int, Number]], breaker: TieBreaker
) -> list[int]:
    """Highest first; equal totals ordered by the earliest stage where they differed, then lot."""
    ordered: list[int] = []
    remaining = sorted(cands)
    while remaining:
        top = max(votes[c] for c in remaining)
        tied = [c for c in remaining if votes[c] == top]
        pick = tied[0] if len(tied) == 1 else breaker.choose(tied, history, lowest=False)[0]
        ordered.append(pick)
        remaining.remove(pick)
    return ordered


@dataclass(frozen=True)
class FractionalOptions:
    """RCTab's multi-winner settings (names follow its configuration file)."""

    ballots: BallotRules = field(default_factory=BallotRules)
    decimal_places: int = 4
    non_integer_threshold: bool = False
    hare_quota: bool = False
    one_winner_per_round: bool = False
    batch_elimination: bool = False
    tiebreak: TieBreak = field(default_factory=TieBreak)


@register(
    "stv-rctab",
    "STV (RCTab fractional surplus)",
    rctab_modes=("multiWinnerAllowMultipleWinnersPerRound", "multiWinnerAllowOnlyOneWinnerPerRound"),
    multi_winner=True,
)
def fractional_surplus_stv(profile: Profile, *, options: FractionalOptions | None = None) -> Result:
    """Multi-winner count as RCTab performs it, to reproduce its published round reports.

    Each ballot keeps a fractional transfer value; when candidates win, every one of their
    ballots keeps ``1 - surplus/total`` of its value for them (rounded down to the configured
    decimal places) and passes the rest on. The threshold is fixed in round 1 from the active
    ballots; what rounding leaves with a winner above the threshold is reported as residual
    surplus. After the last seat is filled one more round shows the final surpluses.
    """
    from voting.rules.irv import batch_losers

    options = options or FractionalOptions()
    names = profile.candidates
    seats = profile.seats
    unit = Decimal(1).scaleb(-options.decimal_places)
    breaker = TieBreaker(options.tiebreak, names)

    def down(x: Decimal) -> Decimal:
        return x.quantize(unit, rounding=ROUND_DOWN)

    ballots = []
    for ballot in profile.ballots:
        order, reason = options.ballots.compile(ballot.ranking)
        ballots.append(
            {
                "order": order,
                "end": reason,
                "pos": -1,
                "weight": Decimal(ballot.weight),
                "ftv": Decimal(1),
                "alloc": {},
                "status": None,
                "holder": None,
            }
        )
    status: dict[int, str] = {c: "continuing" for c in range(len(names)) if c not in profile.withdrawn}
    winner_round: dict[int, int] = {}
    history: list[dict[int, Number]] = []
    rounds: list[Round] = []
    threshold = Decimal(0)
    residual_total = Decimal(0)
    winner_shown: dict[int, Decimal] = {}
    total = sum((b["weight"] for b in ballots), Decimal(0))

    while True:
        number = len(rounds) + 1
        tally = {c: Decimal(0) for c, s in status.items() if s == "continuing"}
        inactive = dict.fromkeys((*INACTIVE_REASONS, UNDERVOTE, "finalRoundSurplus"), Decimal(0))
        flows: dict[tuple[int, str], Decimal] = {}
        for b in ballots:
            if b["status"] is not None:
                inactive[b["status"]] += b["ftv"] * b["weight"]
                continue
            holder = b["holder"]
            if holder is not None and status.get(holder) == "continuing":
                tally[holder] += b["ftv"] * b["weight"]
                continue
            if b["end"] == UNDERVOTE:
                b["status"] = UNDERVOTE
            elif len(winner_round) >= seats:
                b["status"] = "finalRoundSurplus"
            else:
                pos = b["pos"] + 1
                while pos < len(b["order"]) and status.get(b["order"][pos]) != "continuing":
                    pos += 1
                b["pos"] = pos
                if pos < len(b["order"]):
                    b["holder"] = b["order"][pos]
                    tally[b["holder"]] += b["ftv"] * b["weight"]
                else:
                    b["status"] = b["end"]
            amount = b["ftv"] * b["weight"]
            if holder is not None and amount > 0:
                target = names[b["holder"]] if b["status"] is None else "exhausted"
                flows[(holder, target)] = flows.get((holder, target), Decimal(0)) + amount
            if b["status"] is not None:
                inactive[b["status"]] += amount
        if rounds:
            for (src, dst), amount in flows.items():
                rounds[-1].transfers.setdefault(names[src], {})[dst] = amount
        active = sum(tally.values(), Decimal(0))
        if number == 1:
            divisor = seats if options.hare_quota else seats + 1
            places = options.decimal_places if options.non_integer_threshold else 0
            step = Decimal(1).scaleb(-places)
            if options.hare_quota:
                threshold = (active / divisor).quantize(step, rounding=ROUND_UP)
            else:
                threshold = (active / divisor).quantize(step, rounding=ROUND_DOWN) + step
        live = sorted(tally)
        # Winners from earlier rounds are shown at the threshold; those from the previous round
        # have their retained fractions summed and anything above the threshold is residual.
        shown = dict(tally)
        for w, r in winner_round.items():
            if r == number - 1:
                kept = sum((b["alloc"].get(w, Decimal(0)) * b["weight"] for b in ballots), Decimal(0))
                residual = kept - threshold
                if residual > 0:
                    residual_total += residual
                    rounds[-1].transfers.setdefault(names[w], {})["residual surplus"] = residual
                    kept = threshold
                winner_shown[w] = kept
            shown[w] = winner_shown[w]
        history.append(dict(shown))
        round_ = Round(
            number=number,
            tallies={names[c]: shown[c] for c in sorted(shown)},
            threshold=threshold,
            inactive={k: v for k, v in inactive.items() if k != UNDERVOTE},
            exhausted=sum(inactive.values(), Decimal(0)),
            fraction_loss=residual_total,
        )
        rounds.append(round_)
        if len(winner_round) >= seats:
            break
        unfilled = seats - len(winner_round)
        if len(live) == unfilled:
            winners = live
        else:
            winners = [c for c in live if tally[c] >= threshold]
        if len(winners) > 1 and options.one_winner_per_round:
            top = max(tally[c] for c in winners)
            tied = [c for c in winners if tally[c] == top]
            winners = [tied[0] if len(tied) == 1 else breaker.choose(tied, history[:-1], lowest=False)[0]]
        if winners:
            winners = sorted(winners, key=lambda c: -tally[c])
            for w in winners:
                winner_round[w] = number
                status[w] = "elected"
                round_.elected.append(names[w])
                round_.reasons[names[w]] = "threshold reached" if tally[w] >= threshold else "seats remain"
                extra = tally[w] - threshold
                fraction = down(extra / tally[w]) if extra > 0 else Decimal(0)
                for b in ballots:
                    if b["status"] is None and b["holder"] == w:
                        transfer = down(b["ftv"] * fraction)
                        b["alloc"][w] = b["ftv"] - transfer
                        b["ftv"] = transfer
            continue
        losers = batch_losers({c: tally[c] for c in live}) if options.batch_elimination else []
        if not losers:
            low = min(tally[c] for c in live)
            tied = [c for c in live if tally[c] == low]
            if len(tied) == 1:
                losers = tied
                round_.reasons[names[tied[0]]] = "lowest"
            else:
                loser, why = breaker.choose(tied, history[:-1], lowest=True)
                losers = [loser]
                round_.reasons[names[loser]] = f"lowest, {why}"
        for c in losers:
            status[c] = "eliminated"
            round_.eliminated.append(names[c])
            round_.reasons.setdefault(names[c], "batch elimination")

    return Result(
        method="stv-rctab",
        seats=seats,
        candidates=names,
        elected=[name for r in rounds for name in r.elected],
        rounds=rounds,
        valid_ballots=total,
        quota=threshold,
    )


@dataclass(frozen=True)
class MeekOptions:
    """Meek's tolerances: ``omega`` is how close to the quota elected totals must converge."""

    ballots: BallotRules = field(default_factory=BallotRules)
    omega: float = 1e-6
    max_iterations: int = 1000
    tiebreak: TieBreak = field(default_factory=TieBreak)


@register("stv-meek", "STV (Meek's method)", multi_winner=True)
def meek_stv(profile: Profile, *, options: MeekOptions | None = None) -> Result:
    """Count STV by Meek's method (Hill, Wichmann & Woodall 1987).

    Each candidate has a keep factor ``k``: hopeful 1, excluded 0, elected below 1. A ballot gives
    each candidate in turn the fraction ``k`` of what is left of it, so a vote passes *through*
    elected candidates instead of being frozen at the value of an earlier transfer. Keep factors
    are updated ``k <- k * quota / votes`` until elected totals sit on the quota; the quota itself
    shrinks as votes exhaust.
    """
    options = options or MeekOptions()
    names = profile.candidates
    n = len(names)
    seats = profile.seats
    breaker = TieBreaker(options.tiebreak, names)
    orders = []
    weights = []
    for ballot in profile.ballots:
        order, _ = options.ballots.compile(ballot.ranking)
        orders.append(order)
        weights.append(float(ballot.weight))
    width = max((len(o) for o in orders), default=0) + 1
    matrix = np.full((len(orders), width), n, dtype=np.int32)
    for row, order in enumerate(orders):
        matrix[row, : len(order)] = order
    weight = np.asarray(weights, dtype=np.float64)
    total = float(weight.sum())

    keep = np.ones(n + 1)
    keep[n] = 0.0
    state = {c: "hopeful" for c in range(n)}
    for c in profile.withdrawn:
        keep[c] = 0.0
        state[c] = "withdrawn"
    elected: list[int] = []
    rounds: list[Round] = []
    history: list[dict[int, Number]] = []

    def distribute() -> tuple[np.ndarray, float]:
        tallies = np.zeros(n + 1)
        remaining = weight.copy()
        for j in range(width):
            column = matrix[:, j]
            factor = keep[column]
            tallies += np.bincount(column, weights=remaining * factor, minlength=n + 1)
            remaining = remaining * (1.0 - factor)
        return tallies[:n], float(remaining.sum())

    def quota_of(excess: float) -> float:
        return (total - excess) / (seats + 1)

    while True:
        for _ in range(options.max_iterations):
            tallies, excess = distribute()
            quota = quota_of(excess)
            if all(abs(tallies[c] - quota) <= options.omega * max(quota, 1.0) for c in elected):
                break
            for c in elected:
                if tallies[c] > 0:
                    keep[c] = min(1.0, keep[c] * quota / tallies[c])
        tally = {c: float(tallies[c]) for c in range(n) if state[c] in ("hopeful", "elected")}
        history.append(tally)
        round_ = Round(
            number=len(rounds) + 1,
            tallies={names[c]: v for c, v in tally.items()},
            threshold=quota,
            exhausted=excess,
            inactive={EXHAUSTED: excess},
            fraction_loss=max(0.0, total - excess - sum(tally.values())),
            note="keep factors: " + ", ".join(f"{names[c]}={keep[c]:.6f}" for c in elected),
        )
        rounds.append(round_)
        hopeful = [c for c in range(n) if state[c] == "hopeful"]
        winners = [c for c in hopeful if tallies[c] >= quota * (1 - 1e-12)]
        if winners:
            for c in sorted(winners, key=lambda c: -tallies[c])[: seats - len(elected)]:
                state[c] = "elected"
                elected.append(c)
                round_.elected.append(names[c])
                round_.reasons[names[c]] = "quota reached"
            if len(elected) >= seats:
                break
            continue
        if len(hopeful) + len(elected) <= seats:
            for c in sorted(hopeful, key=lambda c: -tallies[c]):
                state[c] = "elected"
                elected.append(c)
                round_.elected.append(names[c])
                round_.reasons[names[c]] = "continuing candidates equal the vacancies"
            break
        low = min(tallies[c] for c in hopeful)
        tied = [c for c in hopeful if tallies[c] - low <= 1e-9]
        if len(tied) == 1:
            loser, why = tied[0], "lowest"
        else:
            loser, why = breaker.choose(tied, history[:-1], lowest=True)
            why = f"lowest, {why}"
        state[loser] = "excluded"
        keep[loser] = 0.0
        round_.eliminated.append(names[loser])
        round_.reasons[names[loser]] = why

    return Result(
        method="stv-meek",
        seats=seats,
        candidates=names,
        elected=[names[c] for c in elected],
        rounds=rounds,
        valid_ballots=total,
        quota=rounds[-1].threshold if rounds else None,
    )
