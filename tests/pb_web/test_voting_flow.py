"""Casting, changing and checking ballots; closing the vote runs the count as a real task."""

from __future__ import annotations

import json

import pytest

from proposals.models import BallotType, IdeaStatus, Phase
from voting.models import Ballot, Participation, PublishedFile, SpentReceipt, Tally

from .conftest import ideas_of, run_worker


def _vote(client, process, ids, **extra):
    return client.post(f"/pb/{process.slug}/vote/", {"project": [str(i) for i in ids], **extra})


def _receipt(response) -> str:
    text = response.content.decode()
    start = text.index('id="receipt-code">') + len('id="receipt-code">')
    return text[start:text.index("<", start)]


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_cast_change_close_count_publish_and_check(make_process, resident, client_for, django_capture_on_commit_callbacks):
    process = make_process(ballot_type=BallotType.KNAPSACK)
    ideas = ideas_of(process)
    voter = resident()
    first = _vote(voter, process, [ideas[0].pk])
    assert first.status_code == 200
    receipt = _receipt(first)
    # Over budget: a clear 400, choices kept, nothing changed.
    over = _vote(voter, process, [i.pk for i in ideas], receipt=receipt)
    assert over.status_code == 400
    assert "budget is 1000.00" in over.content.decode()
    assert f'value="{ideas[4].pk}" checked' in over.content.decode()
    assert Ballot.objects.get().projects == [str(ideas[0].pk)]
    changed = _vote(voter, process, [ideas[1].pk, ideas[2].pk], receipt=receipt)
    assert changed.status_code == 200
    new_receipt = _receipt(changed)
    assert new_receipt != receipt
    assert Ballot.objects.get().projects == [str(ideas[1].pk), str(ideas[2].pk)]
    # The old receipt is spent: replaying it is refused and changes nothing.
    replay = _vote(voter, process, [ideas[3].pk], receipt=receipt)
    assert replay.status_code == 409
    assert "already used" in replay.content.decode()
    assert Ballot.objects.get().projects == [str(ideas[1].pk), str(ideas[2].pk)]
    for _ in range(3):
        _vote(resident(), process, [ideas[0].pk, ideas[3].pk])
    officer = client_for("officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(f"/officer/pb/{process.slug}/", {"close": "1"})
    assert response.status_code == 302
    assert Tally.objects.get(process=process).status == Tally.Status.QUEUED
    assert voter.get(f"/pb/{process.slug}/results/").status_code == 200
    run_worker()
    tally = Tally.objects.get(process=process)
    assert tally.status == Tally.Status.DONE, tally.error
    process.refresh_from_db()
    assert process.phase == Phase.RESULTS
    results = json.loads(voter.get(f"/pb/{process.slug}/results.json").content)
    # Ideas 1 (400) and 4 (200) have 3 votes each and are funded first; then one of ideas 2 and 3 (300) fits.
    assert set(results["selected"][:2]) == {str(ideas[0].pk), str(ideas[3].pk)}
    assert len(results["selected"]) == 3 and results["total_cost"] == 900
    assert results["rule"] == "greedy" and results["budget"] == 1000
    page = voter.get(f"/pb/{process.slug}/results/").content.decode()
    assert "How the count went" in page and ideas[0].title in page
    check = voter.get(f"/pb/{process.slug}/check/", {"receipt": new_receipt.lower()})
    assert check.status_code == 200
    assert "in the published count" in check.content.decode()
    assert voter.get(f"/pb/{process.slug}/check/", {"receipt": receipt}).status_code == 404
    assert IdeaStatus.SELECTED in set(ideas_of(process)[0].__class__.objects.values_list("status", flat=True))
    assert SpentReceipt.objects.count() == 1


def test_a_second_first_ballot_is_refused(make_process, resident):
    process = make_process()
    voter = resident()
    ideas = ideas_of(process)
    assert _vote(voter, process, [ideas[0].pk]).status_code == 200
    again = _vote(voter, process, [ideas[1].pk])
    assert again.status_code == 409
    assert Participation.objects.count() == 1 and Ballot.objects.count() == 1


@pytest.mark.parametrize("ballot_type,payload,message", [
    (BallotType.APPROVAL, lambda other, mine: {"project": [str(other[0].pk)]}, "not on this ballot"),
    (BallotType.POINTS, lambda other, mine: {f"points-{mine[0].pk}": "-3"}, "cannot be negative"),
    (BallotType.POINTS, lambda other, mine: {f"points-{mine[0].pk}": "8", f"points-{mine[1].pk}": "8"}, "you have 10"),
    (BallotType.RANKED, lambda other, mine: {f"rank-{mine[0].pk}": "1", f"rank-{mine[1].pk}": "1"}, "have rank 1"),
    (BallotType.KNAPSACK, lambda other, mine: {"project": [str(i.pk) for i in mine]}, "budget is"),
    (BallotType.APPROVAL, lambda other, mine: {"project": [str(mine[0].pk), str(mine[0].pk)]}, "ticked twice"),
])
def test_tampered_ballots_get_a_clear_400_and_change_nothing(make_process, resident, ballot_type, payload, message):
    rule = "irv" if ballot_type == BallotType.RANKED else "greedy"
    process = make_process(ballot_type=ballot_type, rule=rule)
    other = make_process("other")
    response = resident().post(f"/pb/{process.slug}/vote/", payload(ideas_of(other), ideas_of(process)))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Ballot.objects.count() == 0 and Participation.objects.count() == 0


def test_ballot_after_close_is_refused(make_process, resident):
    process = make_process(phase=Phase.RESULTS)
    response = resident().post(f"/pb/{process.slug}/vote/", {"project": [str(ideas_of(process)[0].pk)]})
    assert response.status_code == 409
    assert Ballot.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_ward_counts_publish_one_file_per_ward(make_process, resident, client_for,
                                               django_capture_on_commit_callbacks):
    process = make_process(apart=True)
    north, south = ideas_of(process, "north"), ideas_of(process, "south")
    assert _vote(resident("north"), process, [north[0].pk]).status_code == 200
    assert _vote(resident("south"), process, [south[1].pk]).status_code == 200
    # A north resident cannot vote for a south project.
    assert _vote(resident("north"), process, [south[0].pk]).status_code == 400
    assert _vote(resident("east"), process, [north[0].pk]).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        client_for("officer").post(f"/officer/pb/{process.slug}/", {"close": "1"})
    run_worker()
    names = set(PublishedFile.objects.filter(process=process).values_list("name", flat=True))
    assert names == {"ballots-north.pb", "ballots-south.pb", "results.json", "manifest.json"}
    results = json.loads(PublishedFile.objects.get(process=process, name="results.json").content)
    assert [w["ward"] for w in results["wards"]] == ["north", "south"]
    assert results["wards"][0]["selected"][0] == str(north[0].pk)
