"""Replacements after drop-outs keep the quotas, keep the people who stay, never re-pick a drop-out,
and use the same fairness objective on the remaining pool."""

from __future__ import annotations

import pytest

from assemblies.sortition.service import select_panel, select_replacements

from .helpers import SF_SAMPLE, SF_SAMPLE_ADDRESS, load, quota_violations


@pytest.mark.parametrize("algorithm", ["maximin", "leximin"])
def test_replacements_keep_quotas_and_the_people_who_stay(algorithm):
    instance = load(SF_SAMPLE)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    dropouts = panel[:3]
    replacements, result = select_replacements(instance, panel, dropouts, algorithm=algorithm, seed="2")
    assert len(replacements) == 3
    assert not set(replacements) & set(dropouts)
    assert set(panel[3:]) <= set(result.panel)
    assert quota_violations(instance, result.panel) == []
    for panel_option in result.distribution.portfolio.panels:
        assert set(panel[3:]) <= set(panel_option)
        assert quota_violations(instance, panel_option) == []
    assert all(result.distribution.probabilities[d] == 0 for d in dropouts)
    assert all(result.distribution.probabilities[s] == pytest.approx(1) for s in panel[3:])
    open_seats = sum(p for person, p in result.distribution.probabilities.items() if person not in panel)
    assert open_seats == pytest.approx(3)


def test_replacements_respect_households_of_people_who_stay():
    instance = load(SF_SAMPLE_ADDRESS)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    _, result = select_replacements(instance, panel, panel[-2:], algorithm="maximin", seed="3")
    assert quota_violations(instance, result.panel) == []


@pytest.mark.parametrize("algorithm", ["leximin", "maximin", "nash", "legacy"])
def test_no_dropouts_keeps_the_panel_as_it_is(algorithm):
    instance = load(SF_SAMPLE)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    replacements, result = select_replacements(instance, panel, (), algorithm=algorithm)
    assert replacements == ()
    assert sorted(result.panel) == sorted(panel)
    assert result.distribution.portfolio.probabilities == (1.0,)
