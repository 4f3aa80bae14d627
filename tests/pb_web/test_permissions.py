"""Acceptance 4: every new URL, for anonymous people, a resident of the process's ward, a resident
of another ward and an officer — one table."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from audit.context import AuditContext
from proposals.models import BallotType, Idea, Phase
from voting import services as voting_services

from .conftest import ideas_of

ANON, RESIDENT, OTHER_WARD, OFFICER = "anonymous", "resident", "other_ward", "officer"

# (method, url template, {role: expected status}); {idea} is an idea of the process in the URL.
MATRIX = [
    ("get", "/pb/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/ideas/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/ideas/{idea}/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/vote/", {ANON: 302, RESIDENT: 200, OTHER_WARD: 403, OFFICER: 403}),
    # Voting with a code needs no account: anyone may open it; an empty form is a clear 400.
    ("get", "/pb/vote-here/vote/code/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("post", "/pb/vote-here/vote/code/", {ANON: 400, RESIDENT: 400, OTHER_WARD: 400, OFFICER: 400}),
    ("get", "/pb/counted/vote/code/", {ANON: 409, RESIDENT: 409, OTHER_WARD: 409, OFFICER: 409}),
    ("post", "/pb/vote-here/vote/total/", {ANON: 401, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/check/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/results/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/vote-here/ballots-north.pb", {ANON: 404, RESIDENT: 404, OTHER_WARD: 404, OFFICER: 404}),
    ("get", "/pb/ideas-open/ideas/new/", {ANON: 302, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/ideas-open/ideas/{idea}/edit/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    ("post", "/pb/ideas-open/ideas/{idea}/support/", {ANON: 302, RESIDENT: 302, OTHER_WARD: 302, OFFICER: 302}),
    ("post", "/pb/ideas-open/ideas/{idea}/report/", {ANON: 302, RESIDENT: 302, OTHER_WARD: 302, OFFICER: 302}),
    ("get", "/pb/counted/results/", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/counted/ballots-north.pb", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/counted/ballots-south.pb", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/counted/results.json", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/counted/manifest.json", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/poll/ballots.blt", {ANON: 200, RESIDENT: 200, OTHER_WARD: 200, OFFICER: 200}),
    ("get", "/pb/draft/", {ANON: 403, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    ("get", "/officer/pb/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    ("get", "/officer/pb/vote-here/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    ("get", "/officer/pb/ideas-open/ideas/{idea}/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    ("get", "/officer/pb/vote-here/paper/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 200}),
    # Without a reason the officer's change is refused and they are sent back to the idea's page.
    ("post", "/officer/pb/counted/ideas/{idea}/outcome/", {ANON: 302, RESIDENT: 403, OTHER_WARD: 403, OFFICER: 302}),
]


@pytest.fixture
def world(make_process, make_user, resident):
    officer = make_user(Role.OFFICER)
    make_process("vote-here", apart=True)
    make_process("ideas-open", phase=Phase.IDEAS)
    make_process("draft", phase=Phase.DRAFT)
    for slug, kind, rule in (("counted", BallotType.APPROVAL, "greedy"), ("poll", BallotType.RANKED, "irv")):
        process = make_process(slug, apart=(slug == "counted"), ballot_type=kind, rule=rule)
        voting_services.close_voting(officer, process, context=AuditContext.command())
        voting_services.run_count(process.pk)
    clients = {ANON: Client(), RESIDENT: resident("north"), OTHER_WARD: resident("east")}
    clients[OFFICER] = Client()
    clients[OFFICER].force_login(officer)
    return clients


@pytest.mark.parametrize(("method", "template", "expected"), MATRIX, ids=[f"{m} {t}" for m, t, _ in MATRIX])
@pytest.mark.parametrize("role", [ANON, RESIDENT, OTHER_WARD, OFFICER])
def test_permission_matrix(world, role, method, template, expected):
    slug = template.split("/")[2] if template.startswith("/pb/") else template.split("/")[3]
    idea = Idea.objects.filter(process__slug=slug).order_by("id").first()
    url = template.format(idea=idea.pk if idea else 0)
    data = {"reason": "spam"} if url.endswith("/report/") else {}
    response = getattr(world[role], method)(url, data)
    assert response.status_code == expected[role], f"{role} {method} {url}"


def test_every_pb_url_is_in_the_matrix():
    from django.urls import get_resolver

    names = set()
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if getattr(sub, "name", "") and sub.name.startswith("pb_"):
                names.add(sub.name)
    from django.urls import resolve

    covered = {resolve(t.format(idea=1)).url_name for _, t, _ in MATRIX}
    assert names <= covered, f"URLs missing from the matrix: {sorted(names - covered)}"


def test_idea_list_runs_a_fixed_number_of_queries(make_process, client_for, django_assert_num_queries,
                                                  django_assert_max_num_queries, wards):
    process = make_process("many", phase=Phase.IDEAS, costs=[100] * 3)
    client = client_for(Role.RESIDENT)
    client.get(f"/pb/{process.slug}/ideas/")  # warm up the session and the user
    with django_assert_max_num_queries(9) as few:  # 8 when sessions are read from the cache (Redis)
        assert client.get(f"/pb/{process.slug}/ideas/?ward=north&max_cost=500").status_code == 200
    for n in range(60):
        Idea.objects.create(process=process, area=wards["north"], title=f"More {n}", description="x",
                            estimated_cost=100, category="parks")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(f"/pb/{process.slug}/ideas/?ward=north&max_cost=500&page=2")
    assert response.status_code == 200 and "Page 2 of" in response.content.decode()
    assert len(ideas_of(process)) == 63
