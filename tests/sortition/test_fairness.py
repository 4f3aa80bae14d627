"""Empirical fairness: 5,000 public draws from a portfolio select each person about as often as the
stated probability says, and the draw itself is reproducible."""

from __future__ import annotations

import math
from collections import Counter

from scipy import stats

from assemblies.sortition.draw import draw_index, draw_number
from assemblies.sortition.leximin import leximin
from assemblies.sortition.service import select_panel

from .helpers import SF_SAMPLE, load

DRAWS = 5_000
FAMILY_FALSE_ALARM = 1e-3


def test_draw_frequencies_match_stated_probabilities():
    """Each person's frequency is within z standard errors of their probability, z Sidak-corrected.

    "Within 3 standard errors" for every one of N people is N tests at once: a correct draw misses
    3 SE for a given person with chance 0.27%, so for *some* of sf_sample's 150 people about one time
    in three, and whether it happens depends only on the portfolio (the draws are fixed), not on any
    fault. So the per-person bound is the Sidak-corrected normal quantile for a family-wise false
    alarm rate of FAMILY_FALSE_ALARM (about 4.4 SE for 150 people); at most 3 people may be beyond
    3 SE (0.4 expected by chance; 4 or more has probability under 0.1% for independent people); and an
    aggregate Pearson chi-square test on the drawn panel indices (panels grouped in canonical order
    into bins of at least 25 expected draws) must not reject at the same rate. The per-person checks
    catch one person treated wrongly, the chi-square catches a draw skewed across the portfolio.
    """
    instance = load(SF_SAMPLE)
    distribution = leximin(instance)
    portfolio = distribution.portfolio
    counts: Counter[str] = Counter()
    drawn: Counter[int] = Counter()
    for seed in range(DRAWS):
        index = draw_index(portfolio, draw_number(str(seed), "fairness-test", "leximin"))
        drawn[index] += 1
        counts.update(portfolio.panels[index])
    people = len(distribution.probabilities)
    per_test = 1 - (1 - FAMILY_FALSE_ALARM) ** (1 / people)
    z = stats.norm.isf(per_test / 2)
    outliers, beyond_three = [], 0
    for person, probability in distribution.probabilities.items():
        standard_error = math.sqrt(probability * (1 - probability) / DRAWS)
        deviation = abs(counts[person] / DRAWS - probability)
        beyond_three += deviation > 3 * standard_error + 1e-12
        if deviation > z * standard_error + 1e-12:
            outliers.append((person, probability, counts[person] / DRAWS))
    assert outliers == []
    assert beyond_three <= 3

    observed, expected = [], []
    bin_observed, bin_expected = 0, 0.0
    for index, probability in enumerate(portfolio.probabilities):
        bin_observed += drawn[index]
        bin_expected += probability * DRAWS
        if bin_expected >= 25:
            observed.append(bin_observed)
            expected.append(bin_expected)
            bin_observed, bin_expected = 0, 0.0
    observed[-1] += bin_observed
    expected[-1] += bin_expected
    statistic = sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))
    assert len(observed) >= 10
    assert stats.chi2.sf(statistic, len(observed) - 1) > FAMILY_FALSE_ALARM


def test_draw_number_is_a_documented_function_of_seed_and_inputs():
    import hashlib

    digest = hashlib.sha256(b"civic-sortition-draw-v1\npurpose draw\nseed 4 8 15\ninputs abc\nalgorithm leximin\n").digest()
    assert draw_number("4 8 15", "abc", "leximin") == (int.from_bytes(digest[:8], "big") >> 11) / 2**53


def test_same_inputs_and_seed_give_the_same_panel():
    instance = load(SF_SAMPLE)
    first = select_panel(instance, algorithm="maximin", seed="2026-11-24 lottery 3 9 17 22 41 44")
    second = select_panel(instance, algorithm="maximin", seed="2026-11-24 lottery 3 9 17 22 41 44")
    assert first.panel == second.panel
    assert first.distribution.portfolio == second.distribution.portfolio
