"""Officer tools: paper ballots entered twice by two officers, feasibility, hide/merge, phases, delivery."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.context import AuditContext
from audit.models import AuditEntry
from proposals import services as proposals_services
from proposals.models import Idea, IdeaStatus, Phase, Support
from voting import services
from voting.models import Ballot, Channel, PaperEntry, Participation

from .conftest import ideas_of, run_worker

CTX = AuditContext.command()


def _form(ids):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.setlist("project", [str(i) for i in ids])
    return data


def test_paper_ballot_needs_two_agreeing_officers(make_process, make_user):
    process = make_process()
    ideas = ideas_of(process)
    first, second = make_user(Role.OFFICER), make_user(Role.OFFICER)
    code = services.issue_voter_codes(first, process, 1, context=CTX)[0]
    assert services.enter_paper_ballot(first, process, code, _form([ideas[0].pk]), context=CTX) == "waiting"
    with pytest.raises(services.BallotRefused, match="second officer"):
        services.enter_paper_ballot(first, process, code, _form([ideas[0].pk]), context=CTX)
    assert Ballot.objects.count() == 0
    assert services.enter_paper_ballot(second, process, code, _form([ideas[0].pk]), context=CTX) == "recorded"
    assert Ballot.objects.get().channel == Channel.PAPER
    assert Participation.objects.get().channel == Channel.PAPER
    with pytest.raises(services.BallotRefused, match="already voted"):
        services.enter_paper_ballot(first, process, code, _form([ideas[1].pk]), context=CTX)


def test_mismatched_paper_entries_are_flagged_and_block_the_count(make_process, make_user):
    process = make_process()
    ideas = ideas_of(process)
    first, second = make_user(Role.OFFICER), make_user(Role.OFFICER)
    code = services.issue_voter_codes(first, process, 1, context=CTX)[0]
    services.enter_paper_ballot(first, process, code, _form([ideas[0].pk]), context=CTX)
    assert services.enter_paper_ballot(second, process, code, _form([ideas[1].pk]), context=CTX) == "mismatch"
    assert PaperEntry.objects.filter(mismatch=True).count() == 2 and Ballot.objects.count() == 0
    with pytest.raises(ValidationError, match="resolve them first"):
        services.close_voting(first, process, context=CTX)
    services.resolve_mismatch(first, process, code, context=CTX)
    services.enter_paper_ballot(first, process, code, _form([ideas[1].pk]), context=CTX)
    assert services.enter_paper_ballot(second, process, code, _form([ideas[1].pk]), context=CTX) == "recorded"
    services.close_voting(first, process, context=CTX)


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_paper_and_online_ballots_are_counted_together_and_reported_apart(make_process, make_user, resident):
    process = make_process()
    ideas = ideas_of(process)
    first, second = make_user(Role.OFFICER), make_user(Role.OFFICER)
    for code in services.issue_voter_codes(first, process, 2, context=CTX):
        for officer in (first, second):
            services.enter_paper_ballot(officer, process, code, _form([ideas[2].pk]), context=CTX)
    resident().post(f"/pb/{process.slug}/vote/", {"project": [str(ideas[1].pk)]})
    services.close_voting(first, process, context=CTX)
    run_worker()
    tally = process.tally
    tally.refresh_from_db()
    assert {(t["channel"], t["voters"]) for t in tally.result["turnout"]} == {("paper", 2), ("online", 1)}
    results = json.loads(process.published_files.get(name="results.json").content)
    assert results["selected"][0] == str(ideas[2].pk)


def test_feasibility_hide_merge_and_phase_rules(make_process, make_user, resident):
    process = make_process(phase=Phase.IDEAS)
    officer, person = make_user(Role.OFFICER), make_user(Role.RESIDENT)
    a, b = ideas_of(process)[:2]
    with pytest.raises(PermissionDenied):
        proposals_services.record_feasibility(person, a, True, "ok", None, context=CTX)
    with pytest.raises(ValidationError, match="public explanation"):
        proposals_services.record_feasibility(officer, a, True, "  ", None, context=CTX)
    proposals_services.record_feasibility(officer, a, False, "Not council land.", None, context=CTX)
    assert Idea.objects.get(pk=a.pk).status == IdeaStatus.INFEASIBLE
    assert proposals_services.support(person, b, context=CTX) is True
    assert proposals_services.support(person, b, context=CTX) is False
    assert Support.objects.filter(idea=b).count() == 1 and Idea.objects.get(pk=b.pk).support_count == 1
    proposals_services.merge_idea(officer, b, a, context=CTX)
    merged = Idea.objects.get(pk=b.pk)
    assert merged.hidden and merged.merged_into_id == a.pk and "Merged into" in merged.hidden_reason
    assert Support.objects.filter(idea=a, user=person).exists()
    with pytest.raises(ValidationError, match="public reason"):
        proposals_services.hide_idea(officer, a, "", context=CTX)
    proposals_services.move_phase(officer, process, Phase.REVIEW, context=CTX)
    proposals_services.move_phase(officer, process, Phase.VOTING, context=CTX)
    with pytest.raises(ValidationError, match="fixed once voting"):
        proposals_services.update_process(officer, process, {"rule": "equalshares/add1"}, context=CTX)
    with pytest.raises(ValidationError, match="fixed once voting"):
        proposals_services.record_feasibility(officer, ideas_of(process)[3], True, "ok", None, context=CTX)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"pb.idea.feasibility", "pb.idea.merge", "pb.process.phase", "pb.idea.support"} <= actions


def test_hidden_idea_shows_its_public_reason(make_process, make_user, client):
    process = make_process(phase=Phase.IDEAS)
    officer = make_user(Role.OFFICER)
    idea = ideas_of(process)[0]
    proposals_services.hide_idea(officer, idea, "Duplicate of an earlier idea.", context=CTX)
    page = client.get(f"/pb/{process.slug}/ideas/{idea.pk}/").content.decode()
    assert "Duplicate of an earlier idea." in page
    assert idea.title not in client.get(f"/pb/{process.slug}/ideas/").content.decode()


def test_delivery_status_of_a_funded_project(make_process, make_user, client):
    process = make_process(phase=Phase.VOTING)
    officer = make_user(Role.OFFICER)
    idea = ideas_of(process)[0]
    with pytest.raises(ValidationError, match="Only funded"):
        proposals_services.update_delivery(officer, idea, "planned", "", datetime.date(2027, 1, 1), context=CTX)
    Idea.objects.filter(pk=idea.pk).update(status=IdeaStatus.SELECTED)
    idea.refresh_from_db()
    with pytest.raises(ValidationError, match="public reason"):
        proposals_services.update_delivery(officer, idea, "dropped", "", datetime.date(2027, 1, 1), context=CTX)
    proposals_services.update_delivery(officer, idea, "in_progress", "Contractor appointed.",
                                       datetime.date(2027, 2, 1), context=CTX)
    page = client.get(f"/pb/{process.slug}/ideas/{idea.pk}/").content.decode()
    assert "In progress" in page and "Contractor appointed." in page


def test_officer_forms_refuse_bad_input_with_400(make_process, client_for):
    process = make_process(phase=Phase.IDEAS)
    officer = client_for(Role.OFFICER)
    idea = ideas_of(process)[0]
    response = officer.post(f"/officer/pb/{process.slug}/ideas/{idea.pk}/", {"action": "merge", "into": "999999"})
    assert response.status_code == 400 and "no idea with that number" in response.content.decode()
    response = officer.post(f"/officer/pb/{process.slug}/ideas/{idea.pk}/", {"action": "nonsense"})
    assert response.status_code == 400
    response = officer.post(f"/officer/pb/{process.slug}/", {"phase": "voting"})
    assert response.status_code == 302  # ideas already feasible in this fixture
    response = officer.post(f"/officer/pb/{process.slug}/", {"phase": "bogus"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_manual_change_needs_a_public_reason_and_is_published(make_process, make_user, client):
    officer = make_user(Role.OFFICER)
    process = make_process()
    idea = ideas_of(process)[0]
    with pytest.raises(ValidationError, match="after the count"):
        services.override_outcome(officer, process, idea, True, "Council decision", context=CTX)
    services.close_voting(officer, process, context=CTX)
    services.run_count(process.pk)
    process.refresh_from_db()
    with pytest.raises(ValidationError, match="public reason"):
        services.override_outcome(officer, process, idea, False, " ", context=CTX)
    services.override_outcome(officer, process, idea, False, "The site was sold before delivery.", context=CTX)
    page = client.get(f"/pb/{process.slug}/results/").content.decode()
    assert "Manual changes to the outcome" in page and "The site was sold before delivery." in page
    assert AuditEntry.objects.filter(action="pb.outcome.override").exists()


@pytest.mark.django_db(transaction=True)  # the worker closes its connection between tasks
def test_declared_adjustments_add_to_the_count_and_are_published(make_process, make_user, resident):
    # Budget 1000; costs 400, 300, 300, 200, 500. Votes make 1 (400) and 5 (500) funded: 100 left.
    process = make_process(costs=(400, 300, 300, 200, 500),
                           adjustments={"part_fund_share": "0.3", "extra_money": "200"})
    ideas = ideas_of(process)
    for choice in ([0, 4, 1], [0, 4, 1], [0, 4, 2], [0, 4], [1, 3]):
        resident().post(f"/pb/{process.slug}/vote/", {"project": [str(ideas[i].pk) for i in choice]})
    officer = make_user(Role.OFFICER)
    services.close_voting(officer, process, context=CTX)
    run_worker()
    results = json.loads(process.published_files.get(name="results.json").content)
    pk = [str(i.pk) for i in ideas]
    assert results["selected"] == [pk[0], pk[4]]                   # the rule's outcome, recountable
    assert results["funded"] == [pk[0], pk[4], pk[1], pk[3]]        # + part-funded 300, + 200 from extra money
    assert [s["type"] for s in results["adjustments"]] == ["part_fund", "extra_money", "extra_fund"]
    page = resident().get(f"/pb/{process.slug}/results/").content.decode()
    assert "Declared adjustments" in page and "33% of its cost" in page
