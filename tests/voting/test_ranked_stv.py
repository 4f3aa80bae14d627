"""STV counts worked by hand: Scottish truncation and ties, RCTab fractions, Meek keep factors."""

from __future__ import annotations

from decimal import Decimal

from tests.voting.ranked_factories import profile
from voting.ranked.stv import fractional_surplus_stv, meek_stv, scottish_stv


def test_scottish_transfer_values_are_truncated_to_five_decimals():
    # 18 valid papers, 2 seats: quota 7. A's surplus of 2 over 9 papers: 2/9 = 0.22222 per paper.
    result = scottish_stv(profile([(7, "AB"), (2, "AC"), (4, "B"), (5, "C")], "ABC", seats=2))
    assert result.quota == Decimal(7)
    first, second = result.rounds[0], result.rounds[1]
    assert first.elected == ["A"] and first.reasons["A"] == "quota reached"
    assert second.transfers == {"A": {"B": Decimal("1.55554"), "C": Decimal("0.44444")}}
    assert second.tallies == {"A": Decimal(7), "B": Decimal("5.55554"), "C": Decimal("5.44444")}
    assert second.fraction_loss == Decimal("0.00002")
    assert result.elected == ["A", "B"]


def test_scottish_exclusion_tie_goes_to_the_earliest_stage_where_they_differed():
    # Stage 1: A 12 (quota 9), B 4, C 5, D 3. A's surplus (3/12 = 0.25 a paper) gives B 1 and D 2,
    # so B, C and D all hold 5 at stage 2; D had the fewest at stage 1 and is excluded.
    result = scottish_stv(profile([(4, "AB"), (8, "AD"), (4, "B"), (5, "C"), (3, "D")], "ABCD", seats=2))
    stage2 = result.rounds[1]
    assert {stage2.tallies[c] for c in "BCD"} == {Decimal(5)}
    assert stage2.eliminated == ["D"]
    assert "round 1" in stage2.reasons["D"]


def test_scottish_elects_remaining_candidates_when_they_equal_the_vacancies():
    result = scottish_stv(profile([(3, "A"), (2, "B"), (1, "C")], "ABC", seats=2))
    assert len(result.elected) == 2
    assert result.rounds[-1].reasons[result.elected[-1]] in {
        "quota reached",
        "continuing candidates equal the vacancies",
    }


def test_rctab_fractional_stv_keeps_rounded_down_values_and_reports_residual_surplus():
    # 10 ballots, 2 seats: threshold 4. A has 7, surplus fraction 3/7 = 0.4285 (4 places, down).
    result = fractional_surplus_stv(profile([(7, "AB"), (2, "C"), (1, "B")], "ABC", seats=2))
    assert result.rounds[0].threshold == Decimal(4)
    assert result.rounds[0].elected == ["A"]
    second = result.rounds[1]
    assert second.tallies["B"] == Decimal(1) + 7 * Decimal("0.4285")
    assert second.tallies["A"] == Decimal(4)
    assert result.rounds[0].transfers["A"]["residual surplus"] == Decimal(7) - 7 * Decimal("0.4285") - 4


def test_meek_passes_votes_through_elected_candidates():
    # A is elected with a surplus; ballots A>B keep a fraction for A and pass the rest to B,
    # and B>A ballots would pass through A too. B reaches the quota only with A's surplus.
    result = meek_stv(profile([(10, "AB"), (4, "B"), (5, "C")], "ABC", seats=2))
    assert result.elected == ["A", "B"]
    last = result.rounds[-1]
    assert abs(last.tallies["A"] - last.threshold) < 1e-5
    assert "keep factors" in last.note
