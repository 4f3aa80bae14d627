"""Ballot throughput: on PostgreSQL a ballot is one write statement (participation, shuffled ballot and
audit entry together), and the whole submission a fixed, small number of queries."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from proposals.models import Phase
from voting.models import Ballot, Participation

from .conftest import ideas_of, require_postgresql


@pytest.mark.django_db(transaction=True)  # outside a test transaction, as under daphne
def test_a_ballot_costs_six_queries_of_which_one_writes(make_process, resident, django_assert_num_queries):
    require_postgresql()
    process = make_process(require_verified_email=True)
    ideas = ideas_of(process)
    voters = [resident() for _ in range(3)]  # signed up with a verified email
    voters[0].post(f"/pb/{process.slug}/vote/", {"project": [str(ideas[0].pk)]})  # a ballot to swap with
    # session (none when sessions are read from the Redis cache), user, process, eligibility (ward + verified
    # email), ballot costs, the write, the page's council
    from django.conf import settings

    expected = 6 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db" else 7
    with django_assert_num_queries(expected) as queries:
        response = voters[1].post(f"/pb/{process.slug}/vote/", {"project": [str(ideas[1].pk), str(ideas[2].pk)]})
    assert response.status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1 and "voting_participation" in writes[0] and "audit_auditentry" in writes[0]
    assert Participation.objects.filter(process=process).count() == 2
    assert sorted(len(b.projects) for b in Ballot.objects.filter(process=process)) == [1, 2]
    assert AuditEntry.objects.filter(action="pb.vote.cast").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_single_statement_writes_nothing_once_voting_has_closed_or_for_a_second_ballot(make_process, resident):
    require_postgresql()
    process = make_process()
    idea = ideas_of(process)[0]
    voter, late = resident(), resident()
    assert voter.post(f"/pb/{process.slug}/vote/", {"project": [str(idea.pk)]}).status_code == 200
    assert voter.post(f"/pb/{process.slug}/vote/", {"project": [str(idea.pk)]}).status_code == 409
    assert (Participation.objects.count(), Ballot.objects.count(), AuditEntry.objects.count()) == (1, 1, 1)
    # Closed between the service's checks (which read the process as loaded, still voting) and the
    # write: the statement's own locked phase check refuses.
    from audit.context import AuditContext
    from voting import services

    type(process).objects.filter(pk=process.pk).update(phase=Phase.COUNTING)
    assert process.phase == Phase.VOTING
    with pytest.raises(services.BallotRefused, match="Voting has closed"):
        services.cast_ballot(late.user, process, {"project": [str(idea.pk)]}, context=AuditContext.command())
    assert (Participation.objects.count(), Ballot.objects.count(), AuditEntry.objects.count()) == (1, 1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_process_checking_neither_ward_nor_email_still_records_the_voters_ward(make_process, resident, wards):
    """Such a ballot reads only the voter's ward for its eligibility (no email or ward-budget check);
    the participation still carries it, and a voter without a ward is recorded without one."""
    process = make_process(require_verified_email=False)
    idea = ideas_of(process)[0]
    south, homeless = resident("south"), resident(None)
    for voter in (south, homeless):
        assert voter.post(f"/pb/{process.slug}/vote/", {"project": [str(idea.pk)]}).status_code == 200
    areas = dict(Participation.objects.filter(process=process).values_list("user_id", "area_id"))
    assert areas == {south.user.pk: wards["south"].pk, homeless.user.pk: None}
    assert sorted(Ballot.objects.filter(process=process).values_list("area_id", flat=True),
                  key=lambda a: a or 0) == sorted([None, wards["south"].pk], key=lambda a: a or 0)
