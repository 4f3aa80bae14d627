"""Acceptance 2: the published .pb, counted by tally_pb and by pabutools (test-only oracle), gives
results.json's ``selected``; manifest.json's hashes match the files as served."""

from __future__ import annotations

import hashlib
import io
import json
import random

import pytest
from django.core.management import call_command

from proposals.models import BallotType
from voting.formats.pabulib import read_pb_text

from .conftest import ideas_of, run_worker

pabutools = pytest.importorskip("pabutools")

from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat  # noqa: E402
from pabutools.election import Instance as PabuInstance  # noqa: E402
from pabutools.election import Project as PabuProject  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares  # noqa: E402
from pabutools.tiebreaking import lexico_tie_breaking  # noqa: E402


def pabutools_selected(text: str, rule: str) -> set[str]:
    pb = read_pb_text(text)
    projects = {p.id: PabuProject(p.id, int(p.cost)) for p in pb.instance.projects}
    instance = PabuInstance(projects.values(), budget_limit=int(pb.instance.budget))
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b.projects]) for b in pb.profile.ballots],
                              instance=instance)
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=lexico_tie_breaking)
    else:
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=lexico_tie_breaking,
                                         voter_budget_increment=1)
    return {p.name for p in outcome}


def tally_pb_selected(text: str, tmp_path) -> list[str]:
    path = tmp_path / "ballots.pb"
    path.write_text(text)
    out = io.StringIO()
    call_command("tally_pb", str(path), "--json", stdout=out)
    return json.loads(out.getvalue())["selected"]


@pytest.mark.parametrize("rule", ["greedy", "equalshares/add1"])
@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_published_ballots_recount_to_the_published_selection(rule, make_process, resident, client_for, tmp_path,
                                                              django_capture_on_commit_callbacks):
    costs = (120, 250, 330, 410, 90, 600, 170, 280)
    process = make_process(f"p{rule[:6]}", rule=rule, costs=costs, budget="1000")
    ideas = ideas_of(process)
    rng = random.Random(7)
    weights = [0.7, 0.55, 0.45, 0.35, 0.25, 0.6, 0.15, 0.3]
    for _ in range(40):
        chosen = [i.pk for i, w in zip(ideas, weights, strict=True) if rng.random() < w]
        response = resident().post(f"/pb/{process.slug}/vote/", {"project": [str(c) for c in chosen]})
        assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client_for("officer").post(f"/officer/pb/{process.slug}/", {"close": "1"})
    run_worker()
    anyone = client_for("resident")
    results = json.loads(anyone.get(f"/pb/{process.slug}/results.json").content)
    ballots = anyone.get(f"/pb/{process.slug}/ballots.pb").content.decode()
    assert results["selected"], "the count selected nothing"
    assert tally_pb_selected(ballots, tmp_path) == results["selected"]
    assert pabutools_selected(ballots, rule) == set(results["selected"])
    manifest = json.loads(anyone.get(f"/pb/{process.slug}/manifest.json").content)
    assert set(manifest["files"]) == {"ballots.pb", "results.json"}
    for name, digest in manifest["files"].items():
        served = anyone.get(f"/pb/{process.slug}/{name}").content
        assert hashlib.sha256(served).hexdigest() == digest
    # The .pb carries the process's META and no voter identity: voter ids are receipt hashes.
    pb = read_pb_text(ballots)
    assert pb.meta["rule"] == rule and pb.meta["budget"] == "1000"
    assert all(len(row[0]) == 64 for row in pb.vote_rows)


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_ranked_process_publishes_blt_and_elects(make_process, resident, client_for,
                                                 django_capture_on_commit_callbacks):
    process = make_process("poll", ballot_type=BallotType.RANKED, rule="irv")
    ideas = ideas_of(process)
    orders = [[0, 1], [0, 2], [1, 0], [2, 1, 0], [0]]
    for order in orders:
        response = resident().post(f"/pb/{process.slug}/vote/",
                                   {f"rank-{ideas[i].pk}": str(n) for n, i in enumerate(order, start=1)})
        assert response.status_code == 200, response.content.decode()[:2000]
    with django_capture_on_commit_callbacks(execute=True):
        client_for("officer").post(f"/officer/pb/{process.slug}/", {"close": "1"})
    run_worker()
    anyone = client_for("resident")
    results = json.loads(anyone.get(f"/pb/{process.slug}/results.json").content)
    assert results["selected"] == [str(ideas[0].pk)]
    blt = anyone.get(f"/pb/{process.slug}/ballots.blt")
    assert blt.status_code == 200 and ideas[0].title in blt.content.decode()
