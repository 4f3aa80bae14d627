"""Opinion groups find the camps and the statements that bridge them; tables mix categories and new people."""

from __future__ import annotations

import itertools

from deliberation.opinion import opinion_groups
from deliberation.tables import allocate_tables


def _two_camps():
    votes = []
    for person in range(12):
        camp = person % 2
        votes += [(person, 1, 1 if camp else -1), (person, 2, -1 if camp else 1), (person, 3, 1), (person, 4, 1 if camp else -1)]
    return votes


def test_two_camps_are_two_groups_and_the_shared_statement_bridges_them():
    result = opinion_groups(_two_camps(), [1, 2, 3, 4])
    assert sorted(g["size"] for g in result.groups) == [6, 6]
    labels = dict(zip(result.participants, result.labels, strict=True))
    assert len({labels[p] for p in range(0, 12, 2)}) == 1 and len({labels[p] for p in range(1, 12, 2)}) == 1
    assert result.bridging[0]["statement"] == 3


def test_groups_keep_their_numbers_when_recomputed_from_the_previous_centroids():
    first = opinion_groups(_two_camps(), [1, 2, 3, 4])
    again = opinion_groups(_two_camps() + [(12, 1, 1), (12, 2, -1)], [1, 2, 3, 4], first.to_dict()["centroids"])
    before = dict(zip(first.participants, first.labels, strict=True))
    after = dict(zip(again.participants, again.labels, strict=True))
    assert all(after[p] == before[p] for p in before)


def test_too_few_voters_make_no_groups():
    assert opinion_groups([(1, 1, 1), (1, 2, 1)], [1, 2]).groups == []


def test_tables_have_balanced_sizes_and_mix_categories():
    people = list(range(24))
    categories = {p: {"gender": "f" if p % 2 else "m", "age": str(p % 4)} for p in people}
    tables = allocate_tables(people, 6, categories=categories, seed=1)
    assert sorted(len(t) for t in tables) == [6, 6, 6, 6]
    assert sorted(itertools.chain(*tables)) == people
    for table in tables:
        assert {categories[p]["gender"] for p in table} == {"f", "m"}
        assert len({categories[p]["age"] for p in table}) >= 3


def test_a_second_round_seats_people_mostly_with_people_they_have_not_met():
    people = list(range(24))
    first = allocate_tables(people, 4, seed=1)
    second = allocate_tables(people, 4, earlier_rounds=[first], seed=2)
    met = {frozenset(pair) for table in first for pair in itertools.combinations(table, 2)}
    repeats = sum(1 for table in second for pair in itertools.combinations(table, 2) if frozenset(pair) in met)
    assert repeats == 0
