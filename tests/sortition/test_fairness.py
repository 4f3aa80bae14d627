"""Empirical fairness: 5,000 public draws from a portfolio select each person about as often as the
stated probability says (within 3 standard errors), and the draw itself is reproducible."""

from __future__ import annotations

import math
from collections import Counter

from assemblies.sortition.draw import draw_index, draw_number
from assemblies.sortition.leximin import leximin
from assemblies.sortition.service import select_panel

from .helpers import SF_SAMPLE, load

DRAWS = 5_000


def test_draw_frequencies_match_stated_probabilities():
    instance = load(SF_SAMPLE)
    distribution = leximin(instance)
    portfolio = distribution.portfolio
    counts: Counter[str] = Counter()
    for seed in range(DRAWS):
        number = draw_number(str(seed), "fairness-test", "leximin")
        counts.update(portfolio.panels[draw_index(portfolio, number)])
    outliers = []
    for person, probability in distribution.probabilities.items():
        standard_error = math.sqrt(probability * (1 - probability) / DRAWS)
        frequency = counts[person] / DRAWS
        if abs(frequency - probability) > 3 * standard_error + 1e-12:
            outliers.append((person, probability, frequency))
    assert outliers == []


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
