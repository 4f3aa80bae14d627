"""Infeasible quotas get a diagnosis an officer can act on: what conflicts, how many respondents each
value has, and the smallest relaxation of min/max that makes a panel possible."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assemblies.sortition.errors import InfeasibleQuotasError
from assemblies.sortition.feasibility import check_quotas
from assemblies.sortition.maximin import maximin
from assemblies.sortition.model import Instance, Person, Quota
from assemblies.sortition.service import select_panel

from .helpers import SF_SAMPLE, load


def person(pid, gender, age):
    return Person(pid, {"gender": gender, "age": age})


def cross_conflict() -> Instance:
    """Each category is fine alone; together they are not: all women are young, and we want
    2 women but at most 1 young person."""
    people = (
        person("a", "f", "young"),
        person("b", "f", "young"),
        person("c", "m", "old"),
        person("d", "m", "old"),
        person("e", "m", "young"),
    )
    quotas = (
        Quota("gender", "f", 2, 2),
        Quota("gender", "m", 1, 3),
        Quota("age", "young", 0, 1),
        Quota("age", "old", 0, 3),
    )
    return Instance(people, quotas, 3)


def test_feasible_quotas_have_no_diagnosis():
    assert check_quotas(load(SF_SAMPLE)) is None


def test_cross_category_conflict_is_named_with_the_smallest_relaxation():
    diagnosis = check_quotas(cross_conflict())
    assert diagnosis is not None
    assert diagnosis.total_relaxation == 1
    assert set(diagnosis.conflicting_categories) <= {"gender", "age"}
    assert diagnosis.respondents == {"gender": {"f": 2, "m": 3}, "age": {"young": 3, "old": 2}}
    (change,) = diagnosis.relaxations
    relaxed = tuple(
        replace(q, min=change.new_min, max=change.new_max) if (q.category, q.value) == (change.category, change.value) else q
        for q in cross_conflict().quotas
    )
    assert check_quotas(replace(cross_conflict(), quotas=relaxed)) is None
    assert "cannot be met together" in str(diagnosis)


def test_value_with_too_few_respondents_is_reported():
    instance = load(SF_SAMPLE)
    young = sum(p.features["age_bracket"] == "16-29" for p in instance.people)
    quotas = tuple(replace(q, min=young + 1, max=young + 1) if q.value == "16-29" else q for q in instance.quotas)
    diagnosis = check_quotas(replace(instance, quotas=quotas))
    assert diagnosis is not None
    assert f"age_bracket/16-29: min {young + 1} but only {young} respondents" in diagnosis.problems


def test_solvers_raise_the_diagnosis_instead_of_a_solver_error():
    with pytest.raises(InfeasibleQuotasError) as caught:
        select_panel(cross_conflict(), algorithm="leximin")
    assert caught.value.diagnosis.relaxations
    with pytest.raises(InfeasibleQuotasError):
        maximin(cross_conflict())


def test_household_rule_can_make_quotas_infeasible():
    people = tuple(Person(pid, {"gender": g}, household) for pid, g, household in [
        ("a", "f", "h1"), ("b", "f", "h1"), ("c", "m", "h2"),
    ])
    instance = Instance(people, (Quota("gender", "f", 2, 2), Quota("gender", "m", 0, 1)), 2)
    diagnosis = check_quotas(instance)
    assert diagnosis is not None and diagnosis.total_relaxation == 1


def test_people_in_no_feasible_panel_get_zero_and_a_note():
    people = (person("a", "f", "young"), person("b", "m", "old"), person("c", "m", "old"), person("d", "x", "old"))
    quotas = (
        Quota("gender", "f", 1, 1), Quota("gender", "m", 1, 1), Quota("gender", "x", 0, 1),
        Quota("age", "young", 1, 1), Quota("age", "old", 1, 1),
    )
    instance = Instance(people, quotas, 2)
    distribution = maximin(instance)
    assert distribution.probabilities["d"] == 0.0
    assert distribution.probabilities["a"] == pytest.approx(1.0)
    assert distribution.notes
