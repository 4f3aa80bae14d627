"""pref_voting as an oracle: our winners agree with an independent implementation.

pref_voting returns the *set* of winners (all tied winners); our rules return that set as the
first group of ``Result.ranking`` and elect one of them by the tie-break. IRV is compared with
pref_voting's "parallel universes" IRV (every winner under some elimination order), since our
tie-break picks one of those universes. pref_voting runs in its own process (see
``ranked_oracle_worker``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.voting.ranked_oracle_worker import Oracle
from tests.voting.ranked_strategies import linear_profiles, truncated_profiles
from voting.rules.condorcet import borda, copeland, ranked_pairs, schulze
from voting.rules.irv import instant_runoff
from voting.rules.ranked import Profile

ORACLE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def oracle():
    pytest.importorskip("pref_voting")
    worker = Oracle()
    if not worker.available():
        worker.close()
        pytest.fail("pref_voting oracle could not start in a subprocess")
    yield worker
    worker.close()


def ours(m: int, orders: list[list[int]]) -> Profile:
    return Profile.from_rankings([f"c{i}" for i in range(m)], orders)


def winner_set(result) -> set[int]:
    return {int(name[1:]) for name in result.ranking[0]}


def elected(result) -> int:
    return int(result.elected[0][1:])


def test_schulze_winners_match_pref_voting(oracle):
    @ORACLE
    @given(linear_profiles())
    def check(data):
        m, orders = data
        result = schulze(ours(m, orders))
        assert winner_set(result) == oracle.winners("schulze", m, orders)
        assert elected(result) in winner_set(result)

    check()


def test_ranked_pairs_winner_is_a_pref_voting_winner(oracle):
    # pref_voting tries every order of equally strong majorities (factorial in their number), so
    # this oracle stays at four candidates (at most six majorities).
    @ORACLE
    @given(linear_profiles(max_candidates=4))
    def check(data):
        m, orders = data
        result = ranked_pairs(ours(m, orders))
        expected = oracle.winners("ranked_pairs", m, orders)
        assert elected(result) in expected
        assert winner_set(result) <= expected

    check()


def test_copeland_winners_match_pref_voting(oracle):
    @ORACLE
    @given(linear_profiles())
    def check(data):
        m, orders = data
        assert winner_set(copeland(ours(m, orders))) == oracle.winners("copeland", m, orders)

    check()


def test_borda_winners_match_pref_voting(oracle):
    @ORACLE
    @given(linear_profiles())
    def check(data):
        m, orders = data
        assert winner_set(borda(ours(m, orders))) == oracle.winners("borda", m, orders)

    check()


def test_irv_winner_is_a_pref_voting_irv_winner(oracle):
    @ORACLE
    @given(linear_profiles())
    def check(data):
        m, orders = data
        result = instant_runoff(ours(m, orders))
        put = oracle.winners("irv_put", m, orders)
        assert elected(result) in put
        if len(put) == 1:
            assert {elected(result)} == oracle.winners("irv", m, orders)

    check()


def test_schulze_and_copeland_on_truncated_ballots_match_pref_voting(oracle):
    @ORACLE
    @given(truncated_profiles())
    def check(data):
        m, orders = data
        profile = ours(m, orders)
        assert winner_set(schulze(profile)) == oracle.winners("schulze", m, orders, truncated=True)
        assert winner_set(copeland(profile)) == oracle.winners("copeland", m, orders, truncated=True)

    check()


def test_condorcet_winner_is_reported_with_the_pairwise_matrix():
    # a beats b 2-1, a beats c 2-1, b beats c 3-0
    profile = Profile.from_rankings(["a", "b", "c"], [[0, 1, 2], [0, 1, 2], [1, 2, 0]])
    result = schulze(profile)
    assert result.condorcet_winner == "a"
    assert result.pairwise["a"]["b"] == 2 and result.pairwise["b"]["a"] == 1
    assert result.paths["b"]["c"] == 3
    assert result.to_dict()["condorcet_winner"] == "a"


def test_cycle_has_no_condorcet_winner():
    profile = Profile.from_rankings(["a", "b", "c"], [[0, 1, 2], [1, 2, 0], [2, 0, 1]])
    assert schulze(profile).condorcet_winner is None
