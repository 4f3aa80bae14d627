"""Acceptance 3: on generated pools every selected panel and every replacement meets the quotas;
infeasible quotas give the diagnosis and no panel."""

from __future__ import annotations

import random

import pytest

from accounts.models import Role
from assemblies import lottery
from assemblies.models import Respondent, SelectionRun

from .factories import register_all, select, set_up

pytestmark = pytest.mark.django_db

QUOTAS = [("gender", "female", 3, 5), ("gender", "male", 3, 5), ("age", "young", 2, 4), ("age", "old", 2, 4),
          ("area", "town", 2, 5), ("area", "village", 2, 5)]


def _meets(drawn: list[str], lot) -> list[str]:
    features = {r.public_id: r.features for r in lot.respondents.all()}
    problems = [] if len(set(drawn)) == lot.panel_size else [f"{len(set(drawn))} people"]
    for category, value, low, high in QUOTAS:
        count = sum(1 for pid in drawn if features[pid][category] == value)
        if not low <= count <= high:
            problems.append(f"{category}/{value}={count}")
    return problems


@pytest.mark.parametrize("pool_seed", [1, 2, 3])
@pytest.mark.parametrize("algorithm", ["leximin", "legacy"])
def test_panels_and_replacements_on_generated_pools_meet_the_quotas(make_user, pool_seed, algorithm):
    setup = set_up(make_user(Role.OFFICER), panel_size=8, quotas=QUOTAS, addresses=60, invitations=30)
    rng = random.Random(pool_seed)
    # Skewed pools: most respondents old women from the town, as real pools often are.
    register_all(setup.lottery, features=lambda i: {
        "gender": rng.choices(["female", "male"], [3, 1])[0], "age": rng.choices(["young", "old"], [2, 3])[0],
        "area": rng.choices(["town", "village"], [3, 1])[0]})
    run = select(setup.officer, setup.lottery, seed=f"s{pool_seed}", algorithm=algorithm)
    assert run.status == SelectionRun.Status.DONE, run.message
    assert _meets(run.drawn, setup.lottery) == []
    for round_number in range(2):
        leaving = lottery.current_panel(setup.lottery)[round_number]
        lottery.respond_to_selection(leaving.token, accept=False)
        replaced = select(setup.officer, setup.lottery, seed=f"r{round_number}", algorithm=algorithm,
                          kind=SelectionRun.Kind.REPLACEMENT)
        panel = [r.public_id for r in lottery.current_panel(setup.lottery)]
        if replaced.status == SelectionRun.Status.INFEASIBLE:  # the pool ran out of a needed group
            assert replaced.diagnosis["problems"] or replaced.diagnosis["relaxations"]
            break
        assert sorted(panel) == sorted(replaced.drawn) and leaving.public_id not in panel
        assert _meets(panel, setup.lottery) == []


@pytest.mark.parametrize("pool_seed", [4, 5])
def test_infeasible_generated_pools_give_a_diagnosis_and_select_nobody(make_user, pool_seed):
    setup = set_up(make_user(Role.OFFICER), panel_size=8, quotas=QUOTAS, addresses=60, invitations=30)
    rng = random.Random(pool_seed)
    register_all(setup.lottery, features=lambda i: {
        "gender": rng.choice(["female", "male"]), "age": "old", "area": rng.choice(["town", "village"])})
    run = select(setup.officer, setup.lottery, seed="x")
    assert run.status == SelectionRun.Status.INFEASIBLE and run.drawn == []
    assert {r["category"] for r in run.diagnosis["relaxations"]} == {"age"}
    assert not Respondent.objects.filter(status=Respondent.Status.SELECTED).exists()
