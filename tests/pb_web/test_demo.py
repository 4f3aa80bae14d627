"""The PB demo: real finished counts (shipped files), two processes in voting, a finished ranked poll."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from proposals.models import BallotType, Phase, Process
from voting.models import PublishedFile

pytestmark = pytest.mark.django_db


def test_demo_builds_every_kind_of_pb_process_idempotently():
    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())
    finished = {p.slug: p for p in Process.objects.filter(phase=Phase.RESULTS)}
    assert {"assen-2024", "warszawa-2017-przyczolek", "name-the-park"} <= set(finished)
    assen = json.loads(PublishedFile.objects.get(process=finished["assen-2024"], name="results.json").content)
    # Assen 2024's official outcome (pabulib's ``selected`` column), counted by MES with Add1.
    assert assen["rule"] == "equalshares/add1"
    assert set(assen["selected"]) == {"3", "9", "2", "11", "13", "14", "5", "6", "12"}
    warszawa = json.loads(PublishedFile.objects.get(process=finished["warszawa-2017-przyczolek"],
                                                    name="results.json").content)
    assert warszawa["rule"] == "greedy" and warszawa["selected"] == ["1772", "1774"]
    assert finished["name-the-park"].ballot_type == BallotType.RANKED
    voting = {p.slug: p for p in Process.objects.filter(phase=Phase.VOTING)}
    assert {voting["riverside-2027"].rule, voting["green-streets"].rule} == {"greedy", "equalshares/add1"}
    for process in voting.values():
        assert process.ideas.count() >= 30 and process.ballots.count() >= 300
    assert Process.objects.count() == 5
