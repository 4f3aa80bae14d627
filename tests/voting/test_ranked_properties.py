"""Properties every count must keep, whatever the ballots: seats, conservation, anonymity."""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.voting.ranked_strategies import truncated_profiles
from voting.rules.condorcet import borda, copeland, ranked_pairs, schulze
from voting.rules.irv import instant_runoff
from voting.rules.ranked import Ballot, Profile
from voting.rules.stv import fractional_surplus_stv, meek_stv, scottish_stv

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STV_RULES = (scottish_stv, meek_stv, fractional_surplus_stv)


def make(m: int, orders: list[list[int]], seats: int = 1) -> Profile:
    return Profile.from_rankings([f"c{i}" for i in range(m)], orders, seats=seats)


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
def test_scottish_stages_conserve_votes_exactly(profile):
    result = scottish_stv(profile)
    for stage in result.rounds:
        accounted = sum(stage.tallies.values(), Decimal(0)) + stage.exhausted + stage.fraction_loss
        assert accounted == result.valid_ballots
        assert stage.fraction_loss >= 0


@PROPERTY
@given(stv_elections())
def test_rctab_stv_rounds_conserve_votes_exactly(profile):
    result = fractional_surplus_stv(profile)
    for round_ in result.rounds:
        accounted = sum(round_.tallies.values(), Decimal(0)) + sum(round_.inactive.values(), Decimal(0))
        assert accounted + round_.fraction_loss == result.valid_ballots


@PROPERTY
@given(stv_elections())
def test_meek_rounds_conserve_votes_within_tolerance(profile):
    result = meek_stv(profile)
    for round_ in result.rounds:
        accounted = sum(round_.tallies.values()) + round_.exhausted + round_.fraction_loss
        assert abs(accounted - result.valid_ballots) < 1e-6 * max(1.0, result.valid_ballots)


@PROPERTY
@given(truncated_profiles())
def test_irv_rounds_conserve_ballots(data):
    m, orders = data
    result = instant_runoff(make(m, orders))
    for round_ in result.rounds:
        assert sum(round_.tallies.values()) + sum(round_.inactive.values()) == len(orders)
    assert len(result.elected) == 1


def shuffled(profile: Profile, seed: int) -> Profile:
    """The same ballots, split into single ballots and put in a different order."""
    singles = [Ballot(b.ranking, 1) for b in profile.ballots for _ in range(int(b.weight))]
    random.Random(seed).shuffle(singles)
    return Profile(profile.candidates, singles, seats=profile.seats)


@PROPERTY
@given(stv_elections(), st.integers(0, 10_000))
def test_shuffling_ballots_changes_nothing(profile, seed):
    other = shuffled(profile, seed)
    for rule in (*STV_RULES, instant_runoff, schulze, ranked_pairs, copeland, borda):
        if rule is instant_runoff and profile.seats != 1:
            continue
        assert rule(profile).to_dict() == rule(other).to_dict(), rule.__name__
