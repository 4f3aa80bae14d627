"""Declared adjustments beside the count: minimum votes per project and incompatible groups."""

from __future__ import annotations

import json
import tempfile
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from audit.context import AuditContext
from proposals import services as proposals_services
from proposals.models import Idea, IdeaStatus, Phase
from voting import counting, services
from voting.forms import ProcessForm, parse_incompatible

from .conftest import ideas_of, run_worker

CTX = AuditContext.command()
F = Fraction


def _projects(*costs):
    return [counting.ProjectRow(str(n), F(c), f"p{n}") for n, c in enumerate(costs, start=1)]


def _votes(ballots):
    votes: dict[str, int] = {}
    for b in ballots:
        for p in b.projects:
            votes[p] = votes.get(p, 0) + 1
    return votes


def test_incompatible_group_keeps_the_project_funded_first_and_counts_again_without_the_other():
    projects = _projects(400, 300, 300, 200, 500)
    ballots = [counting.BallotRow(b) for b in (("1", "5", "2"), ("1", "5", "2"), ("1", "5", "3"), ("1",), ("4",))]
    own = counting.count_pb("greedy", projects, F(1000), "approval", ballots)["selected"]
    assert own == ["1", "5"]
    out = counting.count_with_declared_constraints("greedy", projects, F(1000), "approval", ballots,
                                                   _votes(ballots), {"incompatible": [["5", "1"]]})
    assert out["selected"][:2] == ["1", "2"] and "5" not in out["selected"]
    assert set(out["excluded"]) == {"5"} and "funded first" in out["excluded"]["5"]
    assert [s["type"] for s in out["steps"]] == ["incompatible"]


def test_minimum_votes_leaves_projects_out_before_counting_even_ones_the_rule_would_fund():
    projects = _projects(100, 100, 100)
    ballots = [counting.BallotRow(b) for b in (("1", "2"), ("1", "2"), ("3",))]
    assert counting.count_pb("greedy", projects, F(300), "approval", ballots)["selected"] == ["1", "2", "3"]
    out = counting.count_with_declared_constraints("greedy", projects, F(300), "approval", ballots, _votes(ballots),
                                                   {"min_votes": "2"})
    assert out["selected"] == ["1", "2"]
    assert out["excluded"] == {"3": "1 votes, fewer than the declared minimum of 2"}


def test_constraints_apply_to_mes_and_to_cumulative_ballots():
    projects = _projects(500, 500, 500)
    ballots = [counting.BallotRow(("1", "2"), (3, 2)), counting.BallotRow(("1", "2"), (2, 3)),
               counting.BallotRow(("3",), (5,))]
    rule = "equalshares/utilitarian"
    own = counting.count_pb(rule, projects, F(1000), "cumulative", ballots)["selected"]
    assert "1" in own and "2" in own
    out = counting.count_with_declared_constraints(rule, projects, F(1000), "cumulative", ballots, _votes(ballots),
                                                   {"incompatible": [["1", "2"]]})
    kept = own[0] if own.index("1") < own.index("2") else own[1]
    assert kept in out["selected"] and ({"1", "2"} - {kept}) & set(out["selected"]) == set()


def test_extra_money_never_funds_a_project_incompatible_with_a_funded_one():
    costs = {"1": F(400), "2": F(300), "3": F(100)}
    out = counting.apply_adjustments(["1"], costs, {"1": 5, "2": 4, "3": 1}, F(500),
                                     {"extra_money": "1000", "incompatible": [["1", "2"]]})
    assert out["funded"] == ["1", "3"]


def test_incompatible_groups_are_parsed_with_clear_errors():
    assert parse_incompatible("12, 15\n\n#3;4", {"12", "15", "3", "4"}) == [["12", "15"], ["3", "4"]]
    for text, message in (("12", "two projects"), ("a, b", "idea numbers"), ("1, 99", "no idea 99"),
                          ("1, 2\n2, 3", "two groups")):
        with pytest.raises(ValidationError, match=message):
            parse_incompatible(text, {"1", "2", "3"})


def test_officer_form_declares_min_votes_and_groups_and_they_freeze_when_voting_opens(make_process, make_user):
    process = make_process(phase=Phase.REVIEW)
    ideas = ideas_of(process)
    officer = make_user(Role.OFFICER)
    form = ProcessForm({**{f: getattr(process, f) for f in ProcessForm.Meta.fields if getattr(process, f) is not None},
                        "min_votes": "3", "incompatible": f"{ideas[0].pk}, {ideas[1].pk}"}, instance=process)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["adjustments"] == {"min_votes": "3",
                                                "incompatible": [[str(ideas[0].pk), str(ideas[1].pk)]]}
    proposals_services.update_process(officer, process, form.cleaned_data, context=CTX)
    process.refresh_from_db()
    process.phase = Phase.VOTING
    process.save()
    with pytest.raises(ValidationError, match="adjustments"):
        proposals_services.update_process(officer, process, {"adjustments": {"min_votes": "1"}}, context=CTX)


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_min_votes_and_incompatible_groups_are_applied_published_and_explained(make_process, make_user, resident):
    # Budget 1000; costs 400, 300, 300, 200, 500. Greedy funds 0 (4 votes) and 4 (3 votes), 100 left.
    process = make_process(costs=(400, 300, 300, 200, 500))
    ideas = ideas_of(process)
    pk = [str(i.pk) for i in ideas]
    process.adjustments = {"min_votes": "2", "incompatible": [[pk[0], pk[4]]]}
    process.save()
    for choice in ([0, 4, 1], [0, 4, 1], [0, 4, 2], [0], [3]):
        resident().post(f"/pb/{process.slug}/vote/", {"project": [pk[i] for i in choice]})
    services.close_voting(make_user(Role.OFFICER), process, context=CTX)
    run_worker()
    results = json.loads(process.published_files.get(name="results.json").content)
    assert results["selected"] == [pk[0], pk[4]]            # the rule's own outcome on the published .pb
    assert results["funded"] == [pk[0], pk[1]]              # 2 and 3 below 2 votes; 4 incompatible with 0
    assert results["declared_adjustments"]["min_votes"] == "2"
    assert sorted((s["type"], s["project"]) for s in results["adjustments"]) == [
        ("below_min_votes", pk[2]), ("below_min_votes", pk[3]), ("incompatible", pk[4])]
    # The published ballots, counted again by the engine, give ``selected`` (not ``funded``).
    pb = process.published_files.get(name="ballots.pb").content
    with tempfile.NamedTemporaryFile("w", suffix=".pb", delete=False) as fh:
        fh.write(pb)
    election = counting.read_pb_file(fh.name)
    projects = [counting.ProjectRow(p["id"], p["cost"], p["name"]) for p in election.projects]
    assert counting.count_pb(election.rule or "greedy", projects, election.budget, election.vote_type,
                             election.ballots)["selected"] == results["selected"]
    assert Idea.objects.get(pk=pk[4]).status == IdeaStatus.NOT_SELECTED
    assert Idea.objects.get(pk=pk[1]).status == IdeaStatus.SELECTED
    page = resident().get(f"/pb/{process.slug}/results/").content.decode()
    assert "fewer than the declared minimum of 2" in page
    assert "which the count funded first" in page and "run again" in page
