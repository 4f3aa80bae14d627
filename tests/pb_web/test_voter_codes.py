"""Voting without an account: single-use voter codes on /pb/<slug>/vote/code/."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client

from accounts.models import Role
from audit.context import AuditContext
from proposals.models import Phase
from voting import services
from voting.models import Ballot, Channel, Participation, VoterCode

from .conftest import ideas_of

CTX = AuditContext.command()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _codes(process, make_user, n=1, area=None):
    return services.issue_voter_codes(make_user(Role.OFFICER), process, n, area, context=CTX)


def _receipt(response) -> str:
    return re.search(r'id="receipt-code">([A-Z0-9-]+)<', response.content.decode()).group(1)


def test_a_person_without_an_account_votes_once_with_a_code_and_can_check_the_receipt(make_process, make_user):
    process = make_process()
    ideas = ideas_of(process)
    code = _codes(process, make_user)[0]
    anonymous = Client()
    assert anonymous.get(f"/pb/{process.slug}/vote/code/").status_code == 200
    ballot_page = anonymous.post(f"/pb/{process.slug}/vote/code/", {"code": code.lower().replace("-", " ")})
    assert ballot_page.status_code == 200 and f'value="{ideas[0].pk}"' in ballot_page.content.decode()
    assert Ballot.objects.count() == 0                       # entering the code alone records nothing
    cast = anonymous.post(f"/pb/{process.slug}/vote/code/", {"code": code, "cast": "1",
                                                           "project": [str(ideas[0].pk)]})
    assert cast.status_code == 200
    participation = Participation.objects.get(process=process)
    assert participation.user is None and participation.channel == Channel.CODE
    assert participation.voter_code.code_hash == services.receipt_hash(code)
    ballot = Ballot.objects.get(process=process)
    assert ballot.channel == Channel.CODE and ballot.projects == [str(ideas[0].pk)]
    assert "sessionid" not in cast.cookies
    # The code is spent: a second ballot (from any browser) is refused and changes nothing.
    again = Client().post(f"/pb/{process.slug}/vote/code/", {"code": code, "cast": "1",
                                                             "project": [str(ideas[1].pk)]})
    assert again.status_code == 409 and "already been used" in again.content.decode()
    assert Ballot.objects.get(process=process).projects == [str(ideas[0].pk)]
    assert Client().get(f"/pb/{process.slug}/check/", {"receipt": _receipt(cast)}).status_code == 200


def test_a_code_ballot_is_validated_like_any_other_and_keeps_the_choices(make_process, make_user):
    process = make_process(ballot_type="knapsack")
    ideas = ideas_of(process)
    code = _codes(process, make_user)[0]
    over = Client().post(f"/pb/{process.slug}/vote/code/", {"code": code, "cast": "1",
                                                            "project": [str(i.pk) for i in ideas]})
    assert over.status_code == 400 and "budget" in over.content.decode()
    assert f'value="{ideas[0].pk}" checked' in over.content.decode()
    assert not Participation.objects.exists() and not Ballot.objects.exists()


def test_a_code_of_another_process_or_a_closed_vote_is_refused(make_process, make_user):
    first, second = make_process("first"), make_process("second")
    code = _codes(first, make_user)[0]
    wrong = Client().post(f"/pb/{second.slug}/vote/code/", {"code": code, "cast": "1",
                                                             "project": [str(ideas_of(second)[0].pk)]})
    assert wrong.status_code == 404 and "not valid" in wrong.content.decode()
    first.phase = Phase.RESULTS
    first.save()
    closed = Client().post(f"/pb/{first.slug}/vote/code/", {"code": code, "cast": "1",
                                                            "project": [str(ideas_of(first)[0].pk)]})
    assert closed.status_code == 409
    assert not Ballot.objects.exists()


def test_guessing_codes_is_rate_limited_even_when_the_next_guess_is_right(make_process, make_user):
    process = make_process()
    code = _codes(process, make_user)[0]
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(services.CODE_ATTEMPTS):
        assert guesser.post(f"/pb/{process.slug}/vote/code/", {"code": f"WRONG-{n:05d}"}).status_code == 404
    limited = guesser.post(f"/pb/{process.slug}/vote/code/", {"code": code})
    assert limited.status_code == 429 and "Too many" in limited.content.decode()
    # Someone else (another address) is not blocked.
    assert Client(REMOTE_ADDR="198.51.100.7").post(f"/pb/{process.slug}/vote/code/", {"code": code}).status_code == 200


def test_the_database_not_the_view_makes_a_code_single_use(make_process, make_user):
    process = make_process()
    code = VoterCode.objects.get(code_hash=services.receipt_hash(_codes(process, make_user)[0]))
    Participation.objects.create(process=process, voter_code=code, channel=Channel.CODE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(process=process, voter_code=code, channel=Channel.PAPER)


def test_codes_issued_for_a_ward_give_that_ward_s_ballot_and_turnout(make_process, make_user, wards):
    process = make_process(apart=True)
    code = _codes(process, make_user, area=wards["south"])[0]
    south = ideas_of(process, "south")
    page = Client().post(f"/pb/{process.slug}/vote/code/", {"code": code}).content.decode()
    assert f'name="project" value="{south[0].pk}"' in page
    assert f'name="project" value="{ideas_of(process, "north")[0].pk}"' not in page
    Client().post(f"/pb/{process.slug}/vote/code/", {"code": code, "cast": "1", "project": [str(south[0].pk)]})
    assert services.turnout_by_ward_and_channel(process) == [{"ward": "South", "channel": "code", "voters": 1}]
    assert Ballot.objects.get().area == wards["south"]


@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_ballots_with_one_code_count_once(make_process, make_user):
    if connection.vendor != "postgresql":
        import os

        if os.environ.get("CI"):
            pytest.fail("this test needs PostgreSQL (DATABASE_URL)")
        pytest.skip("needs PostgreSQL: set DATABASE_URL")
    process = make_process()
    idea = ideas_of(process)[0]
    code = _codes(process, make_user)[0]
    barrier = threading.Barrier(16, timeout=60)
    statuses: list[int] = []

    def submit() -> None:
        client = Client()
        barrier.wait()
        try:
            statuses.append(client.post(f"/pb/{process.slug}/vote/code/",
                                        {"code": code, "cast": "1", "project": [str(idea.pk)]}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 15
    assert Participation.objects.filter(process=process).count() == 1
    assert Ballot.objects.filter(process=process).count() == 1
