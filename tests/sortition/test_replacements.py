"""Replacements after drop-outs keep the quotas, keep the people who stay, never re-pick a drop-out,
and use the same fairness objective on the remaining pool.

Whether given drop-outs *can* be replaced depends on the drawn panel: in a 150-person pool the people
left may not fill a value's minimum again. So the tests pick drop-outs whose seats can be refilled
(checked with the feasibility diagnosis, not found by trying seeds), and a separate test checks that
an impossible refill is reported as infeasible quotas.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from assemblies.sortition.errors import InfeasibleQuotasError
from assemblies.sortition.feasibility import check_quotas
from assemblies.sortition.model import Instance
from assemblies.sortition.service import select_panel, select_replacements

from .helpers import SF_SAMPLE, SF_SAMPLE_ADDRESS, load, quota_violations


def restricted(instance: Instance, panel: tuple[str, ...], dropouts: tuple[str, ...]) -> Instance:
    return replace(instance, must_include=tuple(p for p in panel if p not in dropouts), must_exclude=dropouts)


def dropouts_for(instance: Instance, panel: tuple[str, ...], count: int, *, refillable: bool = True) -> tuple[str, ...]:
    """The first ``count`` consecutive panel members whose seats can (or cannot) be refilled."""
    for start in range(len(panel) - count + 1):
        dropouts = panel[start : start + count]
        if (check_quotas(restricted(instance, panel, dropouts)) is None) == refillable:
            return dropouts
    pytest.skip(f"no {count} drop-outs with refillable={refillable} on this panel")


@pytest.mark.parametrize("algorithm", ["maximin", "leximin"])
def test_replacements_keep_quotas_and_the_people_who_stay(algorithm):
    instance = load(SF_SAMPLE)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    dropouts = dropouts_for(instance, panel, 3)
    staying = [person for person in panel if person not in dropouts]
    replacements, result = select_replacements(instance, panel, dropouts, algorithm=algorithm, seed="2")
    assert len(replacements) == 3
    assert not set(replacements) & set(dropouts)
    assert set(staying) <= set(result.panel)
    assert quota_violations(instance, result.panel) == []
    for panel_option in result.distribution.portfolio.panels:
        assert set(staying) <= set(panel_option)
        assert quota_violations(instance, panel_option) == []
    assert all(result.distribution.probabilities[d] == 0 for d in dropouts)
    assert all(result.distribution.probabilities[s] == pytest.approx(1) for s in staying)
    open_seats = sum(p for person, p in result.distribution.probabilities.items() if person not in panel)
    assert open_seats == pytest.approx(3)


def test_replacements_respect_households_of_people_who_stay():
    instance = load(SF_SAMPLE_ADDRESS)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    _, result = select_replacements(instance, panel, dropouts_for(instance, panel, 2), algorithm="maximin", seed="3")
    assert quota_violations(instance, result.panel) == []


def test_impossible_refill_is_reported_as_infeasible_quotas():
    """Searched over the portfolio's panels in order, so it does not depend on which one is drawn."""
    instance = load(SF_SAMPLE)
    for panel in select_panel(instance, algorithm="maximin", seed="1").distribution.portfolio.panels:
        for start in range(len(panel) - 2):
            dropouts = panel[start : start + 3]
            if check_quotas(restricted(instance, panel, dropouts)) is not None:
                with pytest.raises(InfeasibleQuotasError):
                    select_replacements(instance, panel, dropouts, algorithm="maximin", seed="2")
                return
    pytest.fail("no panel of the portfolio has 3 consecutive members whose seats cannot be refilled")


@pytest.mark.parametrize("algorithm", ["leximin", "maximin", "nash", "legacy"])
def test_no_dropouts_keeps_the_panel_as_it_is(algorithm):
    instance = load(SF_SAMPLE)
    panel = select_panel(instance, algorithm="maximin", seed="1").panel
    replacements, result = select_replacements(instance, panel, (), algorithm=algorithm)
    assert replacements == ()
    assert sorted(result.panel) == sorted(panel)
    assert result.distribution.portfolio.probabilities == (1.0,)
