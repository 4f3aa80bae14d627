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

from .conftest import ideas_of, require_postgresql

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
    require_postgresql()
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


# --- changing a code ballot: the voter code and the receipt together --------------------------

def _cast_with_code(process, code, projects, client=None):
    response = (client or Client()).post(f"/pb/{process.slug}/vote/code/",
                                         {"code": code, "cast": "1", "project": [str(p) for p in projects]})
    assert response.status_code == 200
    return _receipt(response)


def _change_with_code(process, code, receipt, projects, client=None):
    return (client or Client()).post(f"/pb/{process.slug}/vote/code/",
                                     {"code": code, "cast": "1", "receipt": receipt,
                                      "project": [str(p) for p in projects]})


def _others(process, make_user, n=3):
    """A few other code ballots, so that the change has rows to be shuffled among."""
    ideas = ideas_of(process)
    for code in _codes(process, make_user, n):
        _cast_with_code(process, code, [ideas[4].pk])


def test_a_code_voter_changes_the_ballot_with_code_and_receipt_and_it_counts_once(make_process, make_user):
    process = make_process()
    ideas = ideas_of(process)
    _others(process, make_user)
    code = _codes(process, make_user)[0]
    old = _cast_with_code(process, code, [ideas[0].pk])
    # Entering the used code again brings the ballot in change mode (a receipt field, no JavaScript needed).
    page = Client().post(f"/pb/{process.slug}/vote/code/", {"code": code})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="receipt"' in text and "Change my ballot" in text and 'name="cast"' in text
    changed = _change_with_code(process, code, old, [ideas[1].pk, ideas[2].pk])
    assert changed.status_code == 200 and changed["Cache-Control"] == "no-store"
    assert "Your ballot is changed" in changed.content.decode() and "sessionid" not in changed.cookies
    new = _receipt(changed)
    assert new != old
    assert Participation.objects.filter(process=process).count() == 4
    assert Ballot.objects.filter(process=process).count() == 4
    mine = Ballot.objects.get(receipt_hash=services.receipt_hash(new))
    assert mine.projects == [str(ideas[1].pk), str(ideas[2].pk)] and mine.channel == Channel.CODE
    assert not Ballot.objects.filter(receipt_hash=services.receipt_hash(old)).exists()
    assert sorted(b.projects for b in Ballot.objects.filter(process=process)) == sorted(
        [[str(ideas[4].pk)]] * 3 + [[str(ideas[1].pk), str(ideas[2].pk)]])
    check = f"/pb/{process.slug}/check/"
    assert Client().get(check, {"receipt": old}).status_code == 404
    found = Client().get(check, {"receipt": new})
    assert found.status_code == 200 and ideas[1].title in found.content.decode()
    from audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="pb.vote.change_code").count() == 1
    # The old receipt is spent: using it again is refused, choices kept, nothing changed.
    replay = _change_with_code(process, code, old, [ideas[3].pk])
    assert replay.status_code == 409 and "already used" in replay.content.decode()
    assert f'value="{ideas[3].pk}" checked' in replay.content.decode()
    # The newest receipt works again.
    assert _change_with_code(process, code, new, [ideas[3].pk]).status_code == 200
    assert Ballot.objects.filter(process=process).count() == 4
    assert not Ballot.objects.filter(projects=[str(ideas[1].pk), str(ideas[2].pk)]).exists()


def test_a_changed_code_ballot_is_re_inserted_shuffled_like_a_new_one(make_process, make_user, monkeypatch):
    process = make_process()
    ideas = ideas_of(process)
    code = _codes(process, make_user)[0]
    receipt = _cast_with_code(process, code, [ideas[0].pk])
    calls = []
    shuffle = services._insert_shuffled
    monkeypatch.setattr(services, "_insert_shuffled", lambda *a: calls.append(a) or shuffle(*a))
    before = set(Ballot.objects.values_list("pk", flat=True))
    assert _change_with_code(process, code, receipt, [ideas[1].pk]).status_code == 200
    assert len(calls) == 1 and calls[0][2] == Channel.CODE
    assert not before & set(Ballot.objects.values_list("pk", flat=True))  # the old row is gone, not rewritten


def _snapshot(process):
    return (sorted((str(b.pk), b.receipt_hash, tuple(b.projects)) for b in Ballot.objects.filter(process=process)),
            Participation.objects.count())


def test_wrong_code_wrong_receipt_or_another_ward_s_receipt_change_nothing(make_process, make_user, wards):
    process = make_process(apart=True)
    south, north = ideas_of(process, "south"), ideas_of(process, "north")
    south_code = _codes(process, make_user, area=wards["south"])[0]
    north_code = _codes(process, make_user, area=wards["north"])[0]
    fresh_code = _codes(process, make_user, area=wards["south"])[0]
    south_receipt = _cast_with_code(process, south_code, [south[0].pk])
    north_receipt = _cast_with_code(process, north_code, [north[0].pk])
    before = _snapshot(process)
    # A receipt of another ward (a real one) does not match this code's ballots: 404, choices kept.
    other_ward = _change_with_code(process, south_code, north_receipt, [south[1].pk])
    assert other_ward.status_code == 404 and "No ballot" in other_ward.content.decode()
    assert f'value="{south[1].pk}" checked' in other_ward.content.decode()
    # An unknown receipt, a blank one, and a receipt with a code that never voted.
    assert _change_with_code(process, south_code, "AAAAA-BBBBB-CCCCC-DDDDD", [south[1].pk]).status_code == 404
    assert _change_with_code(process, south_code, "", [south[1].pk]).status_code == 400
    not_voted = _change_with_code(process, fresh_code, south_receipt, [south[1].pk])
    assert not_voted.status_code == 409 and "not voted yet" in not_voted.content.decode()
    # A wrong code with a right receipt: the code form again, 404.
    wrong = _change_with_code(process, "WRONG-WRONG-WRONG-WRONG", south_receipt, [south[1].pk])
    assert wrong.status_code == 404 and "not valid" in wrong.content.decode()
    # Invalid choices: 400, choices and the typed receipt kept.
    invalid = _change_with_code(process, south_code, south_receipt, [north[1].pk])
    assert invalid.status_code == 400 and south_receipt in invalid.content.decode()
    assert _snapshot(process) == before
    assert Client().get(f"/pb/{process.slug}/check/", {"receipt": south_receipt}).status_code == 200


def test_a_receipt_of_another_process_or_an_account_ballot_or_a_closed_vote_is_refused(make_process, make_user,
                                                                                     resident):
    first, second = make_process("first"), make_process("second")
    code = _codes(first, make_user)[0]
    receipt = _cast_with_code(first, code, [ideas_of(first)[0].pk])
    second_code = _codes(second, make_user)[0]
    second_receipt = _cast_with_code(second, second_code, [ideas_of(second)[0].pk])
    voter = resident()
    account = voter.post(f"/pb/{first.slug}/vote/", {"project": [str(ideas_of(first)[1].pk)]})
    account_receipt = _receipt(account)
    before = _snapshot(first), _snapshot(second)
    assert _change_with_code(first, code, second_receipt, [ideas_of(first)[2].pk]).status_code == 404
    assert _change_with_code(first, code, account_receipt, [ideas_of(first)[2].pk]).status_code == 404
    # The code of the first process is not valid in the second, even with the right receipt for it.
    assert _change_with_code(second, code, receipt, [ideas_of(second)[2].pk]).status_code == 404
    assert (_snapshot(first), _snapshot(second)) == before
    first.phase = Phase.RESULTS
    first.save()
    closed = _change_with_code(first, code, receipt, [ideas_of(first)[2].pk])
    assert closed.status_code == 409 and "not open" in closed.content.decode()
    with pytest.raises(services.BallotRefused) as refused:
        services.change_ballot_with_code(first, code, "198.51.100.1", receipt,
                                         _post({"project": [str(ideas_of(first)[2].pk)]}), context=CTX)
    assert refused.value.status == 409
    assert (_snapshot(first), _snapshot(second)) == before


def _post(data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_a_paper_ballot_s_code_cannot_change_anything(make_process, make_user):
    process = make_process()
    code = _codes(process, make_user)[0]
    Participation.objects.create(process=process, voter_code=VoterCode.objects.get(code_hash=services.receipt_hash(code)),
                                 channel=Channel.PAPER)
    page = Client().post(f"/pb/{process.slug}/vote/code/", {"code": code})
    assert page.status_code == 409 and "already been used" in page.content.decode()


def test_wrong_receipts_and_wrong_codes_when_changing_are_rate_limited(make_process, make_user):
    process = make_process()
    ideas = ideas_of(process)
    code = _codes(process, make_user)[0]
    receipt = _cast_with_code(process, code, [ideas[0].pk])
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(services.CODE_ATTEMPTS // 2):
        assert _change_with_code(process, code, f"WRONG-{n:05d}", [ideas[1].pk], guesser).status_code == 404
        assert _change_with_code(process, f"WRONG-{n:05d}", receipt, [ideas[1].pk], guesser).status_code == 404
    limited = _change_with_code(process, code, receipt, [ideas[1].pk], guesser)
    assert limited.status_code == 429 and "Too many" in limited.content.decode()
    assert Ballot.objects.get(process=process).projects == [str(ideas[0].pk)]
    assert _change_with_code(process, code, receipt, [ideas[1].pk], Client(REMOTE_ADDR="198.51.100.7")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_changes_with_one_receipt_leave_exactly_one_ballot(make_process, make_user):
    require_postgresql()
    process = make_process()
    ideas = ideas_of(process)
    _others(process, make_user)
    code = _codes(process, make_user)[0]
    receipt = _cast_with_code(process, code, [ideas[0].pk])
    threads_n = 8
    barrier = threading.Barrier(threads_n, timeout=60)
    responses: list[tuple[int, str]] = []

    def submit(n: int) -> None:
        client = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        barrier.wait()
        try:
            response = _change_with_code(process, code, receipt, [ideas[1 + n % 3].pk], client)
            responses.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # One change wins; the others find no ballot with that receipt (404) or, arriving after the
    # winner committed, a spent receipt (409).
    statuses = sorted(status for status, _ in responses)
    assert statuses[0] == 200 and len(statuses) == threads_n and set(statuses[1:]) <= {404, 409}
    assert Ballot.objects.filter(process=process).count() == 4
    assert Participation.objects.filter(process=process).count() == 4
    winner = re.search(r'id="receipt-code">([A-Z0-9-]+)<', next(r for r in responses if r[0] == 200)[1]).group(1)
    assert Ballot.objects.filter(receipt_hash=services.receipt_hash(winner)).count() == 1
    assert not Ballot.objects.filter(receipt_hash=services.receipt_hash(receipt)).exists()
    assert Ballot.objects.filter(process=process, projects=[str(ideas[4].pk)]).count() == 3


def test_a_dump_after_code_ballot_changes_links_no_ballot_to_a_code(make_process, make_user):
    """The secrecy attack of ``test_secrecy`` on changed code ballots: no ballot id or receipt hash
    outside the ballot table, no receipt or voter code stored in clear anywhere."""
    from .test_secrecy import _dump, _texts

    process = make_process()
    ideas = ideas_of(process)
    codes = _codes(process, make_user, 4)
    secrets_seen = list(codes)
    for n, code in enumerate(codes):
        receipt = _cast_with_code(process, code, [ideas[n].pk])
        changed = _change_with_code(process, code, receipt, [ideas[(n + 1) % 5].pk])
        assert changed.status_code == 200
        secrets_seen += [receipt, _receipt(changed)]
    markers = set()
    for pk, digest in Ballot.objects.values_list("id", "receipt_hash"):
        markers |= {str(pk).lower(), pk.hex, digest}
    dump = _dump()
    for table, rows in dump.items():
        for row in rows:
            texts = _texts(row)
            joined = " ".join(texts)
            assert not any(s.lower() in joined or s.replace("-", "").lower() in joined for s in secrets_seen), table
            if table != Ballot._meta.db_table:
                assert not [m for m in markers if any(m in t for t in texts)], table
