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
from fractions import Fraction

import numpy as np

from .ballots import (
    EXHAUSTED,
    INACTIVE_REASONS,
    UNDERVOTE,
    BallotRules,
    CompiledBallots,
    RankedProfile,
    Votes,
    advance_to_continuing,
)
from .irv import batch_losers
from .results import MethodInfo, RankedOutcome, RankedRound, StvRound, withdrawn_fates
from .settings import RctabRules
from .tiebreak import RankedTieBreak, TieBreaker

SCALE = 100_000  # five decimal places, as the Scottish order prescribes


@dataclass(frozen=True)
class ScottishOptions:
    """Ballot handling for a Scottish count (papers with no valid first preference are rejected)."""

    ballots: BallotRules = field(default_factory=BallotRules)
    seed: int = 0


def _scaled_decimal(value: int) -> Decimal:
    return Decimal(int(value)).scaleb(-5)


SCOTTISH = MethodInfo(
    "stv-scottish",
    "STV (Scottish rules, WIGM)",
    "The Scottish Local Government Elections Order 2007 (SSI 2007/42), Schedule 1, rules 45-52",
)


class _ScottishCount:
    """The state of one Scottish count: where each group of identical papers is, at what value.

    Values are int64 scaled by 10^5, one per group of identical papers; papers with the same
    ranking always travel together, so a group never splits and each stage is a handful of
    vectorised operations. Every stage is recorded as an :class:`StvRound` whose movements
    (``moved``, ``exhausted_now``, ``lost_now``) are each counted from the papers themselves.
    """

    def __init__(self, profile: RankedProfile, options: ScottishOptions) -> None:
        self.names = profile.candidates
        self.seats = profile.seats
        self.breaker = TieBreaker(
            RankedTieBreak("previous_rounds", seed=options.seed, backwards=False), self.names, source=profile.source
        )
        compiled = CompiledBallots.from_profile(profile, options.ballots)
        n = self.n = compiled.sentinel
        if not np.all(compiled.weights == np.round(compiled.weights)):
            raise profile.error("Scottish STV counts whole ballot papers; weights must be integers")
        if float(compiled.weights.sum()) * SCALE >= 2.0**62:
            raise profile.error("too many ballot papers for an exact count (more than 4.6e13)")
        self.hopeful = [c for c in range(n) if c not in profile.withdrawn]
        self.continuing = np.zeros(n + 1, dtype=bool)
        self.continuing[self.hopeful] = True
        self.continuing[n] = True  # the sentinel stops the search for a next preference

        everyone = np.arange(compiled.matrix.shape[0])
        pointer = np.zeros(len(everyone), dtype=np.int64)
        advance_to_continuing(compiled.matrix, pointer, self.continuing, everyone)
        first = compiled.matrix[everyone, pointer]
        accepted = first != n  # papers with no first preference for a standing candidate are rejected
        self.matrix = compiled.matrix[accepted]
        self.pointer = pointer[accepted]
        self.holder = first[accepted].astype(np.int64)
        self.counts = np.rint(compiled.weights[accepted]).astype(np.int64)
        self.value = np.full(len(self.holder), SCALE, dtype=np.int64)
        self.valid = int(self.counts.sum())
        if self.valid == 0:
            raise profile.error("no ballot paper has a first preference for a standing candidate")
        self.votes = _totals(self.holder, self.value * self.counts, n)
        self.quota = (self.valid // (self.seats + 1) + 1) * SCALE
        self.elected: list[int] = []
        self.pending: list[int] = []
        self.history: list[dict[int, Votes]] = []
        self.rounds: list[RankedRound] = []
        self.non_transferable = 0
        self.fraction_loss = 0

    def live(self) -> list[int]:
        return [c for c in self.hopeful if self.continuing[c]]

    def snapshot(self, note: str, movement: _Movement | None = None) -> StvRound:
        """Record the stage that just ended (after ``movement``, if papers moved)."""
        if movement is not None:
            self.non_transferable += movement.exhausted
            self.fraction_loss += movement.lost
        self.history.append({c: int(self.votes[c]) for c in self.hopeful})
        round_ = StvRound(
            number=len(self.rounds) + 1,
            tallies={self.names[c]: _scaled_decimal(self.votes[c]) for c in self.hopeful},
            threshold=_scaled_decimal(self.quota),
            transfers=movement.flows if movement else {},
            exhausted=_scaled_decimal(self.non_transferable),
            fraction_loss=_scaled_decimal(self.fraction_loss),
            inactive={EXHAUSTED: _scaled_decimal(self.non_transferable)},
            note=note,
            moved=_scaled_decimal(movement.moved if movement else 0),
            exhausted_now=_scaled_decimal(movement.exhausted if movement else 0),
            lost_now=_scaled_decimal(movement.lost if movement else 0),
        )
        self.rounds.append(round_)
        return round_

    def move(self, source: int, surplus: int | None, total: int) -> _Movement:
        """Pass the source's papers to their next continuing preference.

        For a surplus, each group's value becomes ``value * surplus / total`` truncated to five
        places; what the truncation drops is summed from the remainders themselves."""
        rows = np.nonzero(self.holder == source)[0]
        lost = 0
        if surplus is not None:
            product = self.value[rows] * surplus
            remainder = (product % total) * self.counts[rows]
            # sum(remainder) / total is whole (the surplus is exact); split it to stay in int64.
            lost = int((remainder // total).sum()) + int((remainder % total).sum()) // total
            self.value[rows] = product // total
        advance_to_continuing(self.matrix, self.pointer, self.continuing, rows)
        targets = self.matrix[rows, self.pointer[rows]].astype(np.int64)
        self.holder[rows] = targets
        flows = _totals(targets, self.value[rows] * self.counts[rows], self.n)
        self.votes[: self.n] += flows[: self.n]
        exhausted = int(flows[self.n])
        detail: dict[str, Votes] = {
            self.names[t]: _scaled_decimal(flows[t]) for t in np.nonzero(flows[: self.n])[0]
        }
        if exhausted:
            detail["non-transferable"] = _scaled_decimal(exhausted)
        return _Movement({self.names[source]: detail} if detail else {}, int(flows[: self.n].sum()), exhausted, lost)

    def elect_reached(self, current: StvRound) -> None:
        reached = [c for c in self.live() if self.votes[c] >= self.quota]
        for c in _order_by_votes(reached, self.votes, self.history, self.breaker):
            self.continuing[c] = False
            self.elected.append(c)
            current.elected.append(self.names[c])
            current.reasons[self.names[c]] = "quota reached"
            if self.votes[c] > self.quota:
                self.pending.append(c)

    def elect_remaining(self, current: StvRound, remaining: list[int]) -> None:
        for c in _order_by_votes(remaining, self.votes, self.history, self.breaker):
            self.continuing[c] = False
            self.elected.append(c)
            current.elected.append(self.names[c])
            current.reasons[self.names[c]] = "continuing candidates equal the vacancies"

    def transfer_largest_surplus(self) -> StvRound:
        top = max(int(self.votes[c]) - self.quota for c in self.pending)
        tied = [c for c in self.pending if self.votes[c] - self.quota == top]
        source = tied[0] if len(tied) == 1 else self.breaker.choose(tied, self.history, lowest=False)[0]
        self.pending.remove(source)
        total = int(self.votes[source])
        movement = self.move(source, total - self.quota, total)
        self.votes[source] = self.quota
        return self.snapshot(f"surplus of {self.names[source]} transferred", movement)

    def exclude_lowest(self, current: StvRound, remaining: list[int]) -> StvRound:
        low = min(int(self.votes[c]) for c in remaining)
        tied = [c for c in remaining if self.votes[c] == low]
        reason = "lowest"
        if len(tied) > 1:
            loser, why = self.breaker.choose(sorted(tied), self.history, lowest=True)
            reason = f"lowest, {why}"
        else:
            loser = tied[0]
        self.continuing[loser] = False
        current.eliminated.append(self.names[loser])
        current.reasons[self.names[loser]] = reason
        movement = self.move(loser, None, 0)
        self.votes[loser] = 0
        return self.snapshot(f"{self.names[loser]} excluded, papers transferred at current value", movement)

    def run(self) -> list[RankedRound]:
        current = self.snapshot("first preferences")
        while True:
            self.elect_reached(current)
            if len(self.elected) >= self.seats:
                break
            remaining = self.live()
            if len(remaining) <= self.seats - len(self.elected):
                self.elect_remaining(current, remaining)
                break
            if self.pending:
                current = self.transfer_largest_surplus()
            else:
                current = self.exclude_lowest(current, remaining)
        return self.rounds


@dataclass(frozen=True)
class _Movement:
    """Papers moved in one stage: flows by giver and receiver, and the three amounts (scaled)."""

    flows: dict[str, dict[str, Votes]]
    moved: int
    exhausted: int
    lost: int


@SCOTTISH.register(multi_winner=True, default=True)
def scottish_stv(profile: RankedProfile, *, options: ScottishOptions | None = None) -> RankedOutcome:
    """Count an STV election under the Scottish Local Government Elections Order 2007.

    Why exact integers: the order fixes transfer values "to five decimal places, any remainder
    being ignored"; floating point would drift from the official sheets in the last digit and,
    at an exclusion tie, change who is elected.
    """
    profile.require_countable()
    count = _ScottishCount(profile, options or ScottishOptions())
    count.run()
    return _outcome(SCOTTISH, profile, count, valid=count.valid, quota=_scaled_decimal(count.quota))


def _totals(targets: np.ndarray, amounts: np.ndarray, n: int) -> np.ndarray:
    """Exact int64 sums of ``amounts`` per target (``n`` collects the non-transferable)."""
    totals = np.zeros(n + 1, dtype=np.int64)
    np.add.at(totals, targets, amounts)
    return totals


def _order_by_votes(
    cands: list[int], votes: np.ndarray | dict[int, int], history: list[dict[int, Votes]], breaker: TieBreaker
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

@dataclass(slots=True)
class _Paper:
    """One distinct ballot in an RCTab fractional count: its order, value and where it is."""

    order: tuple[int, ...]
    end: str
    weight: Decimal
    pos: int = -1
    ftv: Decimal = Decimal(1)
    alloc: dict[int, Decimal] = field(default_factory=dict)
    status: str | None = None
    holder: int | None = None


def _decimal(weight: Votes) -> Decimal:
    if isinstance(weight, Fraction):
        return Decimal(weight.numerator) / Decimal(weight.denominator)
    return Decimal(weight)


@dataclass(frozen=True)
class FractionalOptions:
    """RCTab's multi-winner settings (names follow its configuration file)."""

    ballots: BallotRules = field(default_factory=BallotRules)
    decimal_places: int = 4
    non_integer_threshold: bool = False
    hare_quota: bool = False
    one_winner_per_round: bool = False
    batch_elimination: bool = False
    tiebreak: RankedTieBreak = field(default_factory=RankedTieBreak)


RCTAB_STV = MethodInfo(
    "stv-rctab",
    "STV (RCTab fractional surplus)",
    "RCTab tabulator rules (Bright Spots, config_file_documentation.txt, multiWinner modes)",
)


def fractional_options_from_rctab(
    rules: RctabRules, *, ballots: BallotRules, tiebreak: RankedTieBreak, mode: str
) -> FractionalOptions:
    """The fractional-STV options an RCTab configuration asks for."""
    return FractionalOptions(
        ballots=ballots,
        decimal_places=rules.int_rule("decimalPlacesForVoteArithmetic", 4) or 4,
        non_integer_threshold=rules.flag("nonIntegerWinningThreshold"),
        hare_quota=rules.flag("hareQuota"),
        one_winner_per_round=mode == "multiWinnerAllowOnlyOneWinnerPerRound",
        batch_elimination=rules.flag("batchElimination"),
        tiebreak=tiebreak,
    )


@RCTAB_STV.register(
    multi_winner=True,
    rctab_modes=("multiWinnerAllowMultipleWinnersPerRound", "multiWinnerAllowOnlyOneWinnerPerRound"),
    rctab_options=fractional_options_from_rctab,
)
def fractional_surplus_stv(profile: RankedProfile, *, options: FractionalOptions | None = None) -> RankedOutcome:
    """Multi-winner count as RCTab performs it, to reproduce its published round reports.

    Each ballot keeps a fractional transfer value; when candidates win, every one of their
    ballots keeps ``1 - surplus/total`` of its value for them (rounded down to the configured
    decimal places) and passes the rest on. The threshold is fixed in round 1 from the active
    ballots; what rounding leaves with a winner above the threshold is reported as residual
    surplus. After the last seat is filled one more round shows the final surpluses.
    """
    options = options or FractionalOptions()
    profile.require_countable()
    if not 0 <= options.decimal_places <= 20:
        raise profile.error(f"decimalPlacesForVoteArithmetic must be 0..20, got {options.decimal_places}")
    names = profile.candidates
    seats = profile.seats
    unit = Decimal(1).scaleb(-options.decimal_places)
    breaker = TieBreaker(options.tiebreak, names, source=profile.source)

    def down(x: Decimal) -> Decimal:
        return x.quantize(unit, rounding=ROUND_DOWN)

    ballots = []
    for ballot in profile.ballots:
        order, reason = options.ballots.compile(ballot.ranking)
        ballots.append(_Paper(order, reason, _decimal(ballot.weight)))
    status: dict[int, str] = {c: "continuing" for c in range(len(names)) if c not in profile.withdrawn}
    winner_round: dict[int, int] = {}
    history: list[dict[int, Votes]] = []
    rounds: list[RankedRound] = []
    threshold = Decimal(0)
    residual_total = Decimal(0)
    winner_shown: dict[int, Decimal] = {}
    total = sum((b.weight for b in ballots), Decimal(0))

    while True:
        number = len(rounds) + 1
        tally = {c: Decimal(0) for c, s in status.items() if s == "continuing"}
        inactive = dict.fromkeys((*INACTIVE_REASONS, UNDERVOTE, "finalRoundSurplus"), Decimal(0))
        flows: dict[tuple[int, str], Decimal] = {}
        for b in ballots:
            if b.status is not None:
                inactive[b.status] += b.ftv * b.weight
                continue
            holder = b.holder
            if holder is not None and status.get(holder) == "continuing":
                tally[holder] += b.ftv * b.weight
                continue
            if b.end == UNDERVOTE:
                b.status = UNDERVOTE
            elif len(winner_round) >= seats:
                b.status = "finalRoundSurplus"
            else:
                pos = b.pos + 1
                while pos < len(b.order) and status.get(b.order[pos]) != "continuing":
                    pos += 1
                b.pos = pos
                if pos < len(b.order):
                    b.holder = b.order[pos]
                    tally[b.holder] += b.ftv * b.weight
                else:
                    b.status = b.end
            amount = b.ftv * b.weight
            if holder is not None and amount > 0:
                target = names[b.holder] if b.status is None and b.holder is not None else "exhausted"
                flows[(holder, target)] = flows.get((holder, target), Decimal(0)) + amount
            if b.status is not None:
                inactive[b.status] += amount
        if rounds:
            previous = rounds[-1]
            for (src, dst), amount in flows.items():
                previous.transfers.setdefault(names[src], {})[dst] = amount
            if isinstance(previous, StvRound):
                previous.exhausted_now = sum((a for (_, d), a in flows.items() if d == "exhausted"), Decimal(0))
                previous.moved = sum((a for (_, d), a in flows.items() if d != "exhausted"), Decimal(0))
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
                kept = sum((b.alloc.get(w, Decimal(0)) * b.weight for b in ballots), Decimal(0))
                residual = kept - threshold
                if residual > 0:
                    residual_total += residual
                    rounds[-1].transfers.setdefault(names[w], {})["residual surplus"] = residual
                    kept = threshold
                winner_shown[w] = kept
            shown[w] = winner_shown[w]
        history.append(dict(shown))
        round_ = StvRound(
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
                    if b.status is None and b.holder == w:
                        transfer = down(b.ftv * fraction)
                        b.alloc[w] = b.ftv - transfer
                        b.ftv = transfer
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

    return RCTAB_STV.outcome(
        rounds=list(rounds),
        seats=seats,
        candidates=names,
        elected=[name for r in rounds for name in r.elected],
        valid_ballots=total,
        quota=threshold,
    ).settle_fates(withdrawn_fates(profile))


@dataclass(frozen=True)
class MeekOptions:
    """Meek's tolerances: ``omega`` is how close to the quota elected totals must converge."""

    ballots: BallotRules = field(default_factory=BallotRules)
    omega: float = 1e-6
    max_iterations: int = 1000
    tiebreak: RankedTieBreak = field(default_factory=RankedTieBreak)


MEEK = MethodInfo(
    "stv-meek",
    "STV (Meek's method)",
    "B. L. Meek (1969); Hill, Wichmann & Woodall, Algorithm 123, The Computer Journal 30(3), 1987",
)


class _MeekCount:
    """The state of one Meek count: ballots as a preference matrix, a keep factor per candidate."""

    def __init__(self, profile: RankedProfile, options: MeekOptions) -> None:
        self.options = options
        self.names = profile.candidates
        n = self.n = len(self.names)
        self.seats = profile.seats
        self.breaker = TieBreaker(options.tiebreak, self.names, source=profile.source)
        orders = []
        weights = []
        for ballot in profile.ballots:
            order, _ = options.ballots.compile(ballot.ranking)
            orders.append(order)
            weights.append(float(ballot.weight))
        self.width = max((len(o) for o in orders), default=0) + 1
        self.matrix = np.full((len(orders), self.width), n, dtype=np.int32)
        for row, order in enumerate(orders):
            self.matrix[row, : len(order)] = order
        self.weight = np.asarray(weights, dtype=np.float64)
        self.total = float(self.weight.sum())
        self.keep = np.ones(n + 1)
        self.keep[n] = 0.0
        self.state = {c: "hopeful" for c in range(n)}
        for c in profile.withdrawn:
            self.keep[c] = 0.0
            self.state[c] = "withdrawn"
        self.elected: list[int] = []
        self.rounds: list[RankedRound] = []
        self.history: list[dict[int, Votes]] = []

    def distribute(self) -> tuple[np.ndarray, float]:
        """Each candidate's votes under the current keep factors, and the weight no one kept."""
        tallies = np.zeros(self.n + 1)
        remaining = self.weight.copy()
        for j in range(self.width):
            column = self.matrix[:, j]
            factor = self.keep[column]
            tallies += np.bincount(column, weights=remaining * factor, minlength=self.n + 1)
            remaining = remaining * (1.0 - factor)
        return tallies[: self.n], float(remaining.sum())

    def quota_of(self, excess: float) -> float:
        return (self.total - excess) / (self.seats + 1)

    def converge(self) -> tuple[np.ndarray, float, float]:
        """Update keep factors until every elected candidate holds the quota (within omega)."""
        options = self.options
        for _ in range(options.max_iterations):
            tallies, excess = self.distribute()
            quota = self.quota_of(excess)
            if all(abs(tallies[c] - quota) <= options.omega * max(quota, 1.0) for c in self.elected):
                break
            for c in self.elected:
                if tallies[c] > 0:
                    self.keep[c] = min(1.0, self.keep[c] * quota / tallies[c])
        return tallies, excess, quota

    def elect(self, round_: RankedRound, chosen: list[int], reason: str) -> None:
        for c in chosen:
            self.state[c] = "elected"
            self.elected.append(c)
            round_.elected.append(self.names[c])
            round_.reasons[self.names[c]] = reason

    def exclude_lowest(self, round_: RankedRound, tallies: np.ndarray, hopeful: list[int]) -> None:
        low = min(tallies[c] for c in hopeful)
        tied = [c for c in hopeful if tallies[c] - low <= 1e-9]
        if len(tied) == 1:
            loser, why = tied[0], "lowest"
        else:
            loser, why = self.breaker.choose(tied, self.history[:-1], lowest=True)
            why = f"lowest, {why}"
        self.state[loser] = "excluded"
        self.keep[loser] = 0.0
        round_.eliminated.append(self.names[loser])
        round_.reasons[self.names[loser]] = why

    def run(self) -> list[RankedRound]:
        names = self.names
        while True:
            tallies, excess, quota = self.converge()
            tally: dict[int, Votes] = {
                c: float(tallies[c]) for c in range(self.n) if self.state[c] in ("hopeful", "elected")
            }
            self.history.append(tally)
            round_ = StvRound(
                number=len(self.rounds) + 1,
                tallies={names[c]: v for c, v in tally.items()},
                threshold=quota,
                exhausted=excess,
                inactive={EXHAUSTED: excess},
                fraction_loss=0.0,  # Meek's transfers reach past elected candidates: nothing is lost
                note="keep factors: " + ", ".join(f"{names[c]}={self.keep[c]:.6f}" for c in self.elected),
            )
            self.rounds.append(round_)
            hopeful = [c for c in range(self.n) if self.state[c] == "hopeful"]
            winners = [c for c in hopeful if tallies[c] >= quota * (1 - 1e-12)]
            if winners:
                ordered = sorted(winners, key=lambda c: -tallies[c])
                self.elect(round_, ordered[: self.seats - len(self.elected)], "quota reached")
                if len(self.elected) >= self.seats:
                    return self.rounds
                continue
            if len(hopeful) + len(self.elected) <= self.seats:
                ordered = sorted(hopeful, key=lambda c: -tallies[c])
                self.elect(round_, ordered, "continuing candidates equal the vacancies")
                return self.rounds
            self.exclude_lowest(round_, tallies, hopeful)


@MEEK.register(multi_winner=True)
def meek_stv(profile: RankedProfile, *, options: MeekOptions | None = None) -> RankedOutcome:
    """Count STV by Meek's method (Hill, Wichmann & Woodall 1987).

    Each candidate has a keep factor ``k``: hopeful 1, excluded 0, elected below 1. A ballot gives
    each candidate in turn the fraction ``k`` of what is left of it, so a vote passes *through*
    elected candidates instead of being frozen at the value of an earlier transfer. Keep factors
    are updated ``k <- k * quota / votes`` until elected totals sit on the quota; the quota itself
    shrinks as votes exhaust.
    """
    profile.require_countable()
    count = _MeekCount(profile, options or MeekOptions())
    rounds = count.run()
    return _outcome(MEEK, profile, count, valid=count.total, quota=rounds[-1].threshold if rounds else None)


def _outcome(
    method: MethodInfo, profile: RankedProfile, count: _ScottishCount | _MeekCount, *, valid: Votes, quota: Votes | None
) -> RankedOutcome:
    """The outcome of a finished STV count: its rounds, who it elected in order, and every fate."""
    return method.outcome(
        rounds=list(count.rounds),
        seats=count.seats,
        candidates=count.names,
        elected=[count.names[c] for c in count.elected],
        valid_ballots=valid,
        quota=quota,
    ).settle_fates(withdrawn_fates(profile))
