"""Properties every count must keep, whatever the ballots: seats, conservation, anonymity."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.voting.ranked_strategies import truncated_profiles
from voting.ranked.ballots import RankedBallot, RankedProfile
from voting.ranked.condorcet import borda, copeland, ranked_pairs, schulze
from voting.ranked.irv import instant_runoff
from voting.ranked.stv import fractional_surplus_stv, meek_stv, scottish_stv

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STV_RULES = (scottish_stv, meek_stv, fractional_surplus_stv)


def make(m: int, orders: list[list[int]], seats: int = 1) -> RankedProfile:
    return RankedProfile.from_rankings([f"c{i}" for i in range(m)], orders, seats=seats)


@st.composite
def stv_elections(draw):
    m, orders = draw(truncated_profiles(min_candidates=3, max_candidates=7, max_voters=40))
    seats = draw(st.integers(1, m - 1))
    return make(m, orders, seats)


@PROPERTY
@given(stv_elections())
def test_stv_never_elects_more_than_the_seats(profile):
    for rule in STV_RULES:
        result = rule(profile)
        assert len(result.elected) == profile.seats, rule.__name__
        assert len(set(result.elected)) == len(result.elected)


@PROPERTY
@given(stv_elections())
def test_scottish_stages_conserve_votes_counting_each_movement_independently(profile):
    """Every stage: what the source gave up equals what candidates received, plus what became
    non-transferable, plus what truncation lost, each counted on its own: tallies from the
    papers' totals, receipts from the transfer flows, the loss from the truncation remainders."""
    result = scottish_stv(profile)
    exhausted = lost = Decimal(0)
    previous = None
    for stage in result.rounds:
        if previous is not None:
            flows = stage.transfers
            receipts = {name: sum((f.get(name, Decimal(0)) for f in flows.values()), Decimal(0)) for name in stage.tallies}
            non_transferable = sum((f.get("non-transferable", Decimal(0)) for f in flows.values()), Decimal(0))
            assert stage.moved == sum(receipts.values(), Decimal(0))
            assert stage.exhausted_now == non_transferable
            givers = [name for name, votes in stage.tallies.items() if votes < previous.tallies[name]]
            assert len(givers) <= 1 and set(flows) <= set(givers)
            given = previous.tallies[givers[0]] - stage.tallies[givers[0]] if givers else Decimal(0)
            assert given == stage.moved + stage.exhausted_now + stage.lost_now
            for name, votes in stage.tallies.items():
                if name not in givers:
                    assert votes - previous.tallies[name] == receipts[name], name
            # Truncation to five places loses less than 0.00001 per paper.
            assert Decimal(0) <= stage.lost_now <= Decimal(result.valid_ballots) * Decimal("0.00001")
        exhausted += stage.exhausted_now
        lost += stage.lost_now
        assert stage.exhausted == exhausted and stage.fraction_loss == lost
        assert sum(stage.tallies.values(), Decimal(0)) + exhausted + lost == result.valid_ballots
        previous = stage


@PROPERTY
@given(stv_elections())
def test_rctab_stv_rounds_conserve_votes_exactly(profile):
    result = fractional_surplus_stv(profile)
    for round_ in result.rounds:
        accounted = sum(round_.tallies.values(), Decimal(0)) + sum(round_.inactive.values(), Decimal(0))
        assert accounted + round_.fraction_loss == result.valid_ballots
        moved = sum((v for f in round_.transfers.values() for k, v in f.items() if k not in ("exhausted", "residual surplus")), Decimal(0))
        assert round_.moved == moved


@PROPERTY
@given(stv_elections())
def test_meek_rounds_lose_nothing_votes_are_held_or_exhausted(profile):
    """Meek's transfers reach past elected candidates, so every vote is held by a candidate or has
    run out of preferences: no lost fraction at all, within float tolerance."""
    result = meek_stv(profile)
    for round_ in result.rounds:
        assert round_.fraction_loss == 0
        accounted = sum(round_.tallies.values()) + round_.exhausted
        assert abs(accounted - result.valid_ballots) < 1e-6 * max(1.0, result.valid_ballots)


@PROPERTY
@given(truncated_profiles())
def test_irv_rounds_conserve_ballots(data):
    m, orders = data
    result = instant_runoff(make(m, orders))
    for round_ in result.rounds:
        assert sum(round_.tallies.values()) + sum(round_.inactive.values()) == len(orders)
    assert len(result.elected) == 1


def shuffled(profile: RankedProfile, seed: int) -> RankedProfile:
    """The same ballots, split into single ballots and put in a different order."""
    singles = [RankedBallot(b.ranking, 1) for b in profile.ballots for _ in range(int(b.weight))]
    random.Random(seed).shuffle(singles)
    return RankedProfile(profile.candidates, singles, seats=profile.seats)


@PROPERTY
@given(stv_elections(), st.integers(0, 10_000))
def test_shuffling_ballots_changes_nothing(profile, seed):
    other = shuffled(profile, seed)
    for rule in (*STV_RULES, instant_runoff, schulze, ranked_pairs, copeland, borda):
        if rule is instant_runoff and profile.seats != 1:
            continue
        assert same_figures(rule(profile).to_dict(), rule(other).to_dict()), rule.__name__


def same_figures(a: object, b: object) -> bool:
    """Equal, except that floats (Meek's approximate figures) may differ by summation order."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_figures(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_figures(x, y) for x, y in zip(a, b, strict=True))
    return a == b
