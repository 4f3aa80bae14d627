"""Lean row reads (``civic.rows``) give what the ORM gives; the Redis cache shares one client per process."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.backends import SignInBackend
from accounts.models import User
from civic.cache import RedisCache
from civic.rows import fetch_one, fetch_values
from councils.models import Area, Council
from councils.services import current_council
from proposals.models import Idea, IdeaStatus, Phase, Process


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


@pytest.fixture
def process(db):
    council = Council.objects.create(name="Rows", slug="rows")
    return Process.objects.create(
        council=council, slug="rows", title="Rows", total_budget=Decimal("1234.50"), phase=Phase.VOTING,
        voting_opens=datetime.date(2026, 3, 1), adjustments={"min_votes": "3", "incompatible": [["1", "2"]]},
        require_verified_email=False)


def test_fetch_one_builds_the_instance_the_orm_builds(process):
    lean = fetch_one(Process, "slug = %s", ["rows"])
    orm = Process.objects.get(slug="rows")
    assert lean is not None and lean.pk == orm.pk
    assert _fields(lean) == _fields(orm)
    # Converted as the ORM converts: JSON decoded, decimals and dates typed; a saved, not adding, instance.
    assert lean.adjustments == {"min_votes": "3", "incompatible": [["1", "2"]]}
    assert isinstance(lean.total_budget, Decimal) and lean.voting_opens == datetime.date(2026, 3, 1)
    assert lean._state.adding is False and lean._state.db == "default"
    assert fetch_one(Process, "slug = %s", ["missing"]) is None


def test_fetch_values_are_values_list_rows(process):
    area = Area.objects.create(council=process.council, name="North", slug="north")
    for n, (estimated, revised) in enumerate([(Decimal("10.25"), None), (Decimal(7), Decimal("8.10"))]):
        Idea.objects.create(process=process, area=area, title=f"I{n}", description="d", estimated_cost=estimated,
                            revised_cost=revised, status=IdeaStatus.FEASIBLE)
    names = ("id", "estimated_cost", "revised_cost")
    lean = fetch_values(Idea, names, "process_id = %s", [process.pk], order_by="id")
    assert lean == [list(row) for row in Idea.objects.filter(process=process).order_by("id").values_list(*names)]
    assert all(isinstance(row[1], Decimal) for row in lean)


def test_current_council_is_the_first_by_id(db):
    assert current_council() is None
    first = Council.objects.create(name="First", slug="first")
    Council.objects.create(name="Second", slug="second")
    assert current_council() == first and current_council().name == "First"


def test_the_sign_in_backend_loads_active_users_only(db):
    user = User.objects.create(email="lean@example.test", role="resident")
    backend = SignInBackend()
    assert _fields(backend.get_user(user.pk)) == _fields(User.objects.get(pk=user.pk))
    assert backend.get_user(str(user.pk)) == user  # as stored in the session
    assert backend.get_user("not-a-number") is None
    assert backend.get_user(user.pk + 1000) is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_redis_cache_objects_of_a_process_share_one_client():
    """Django makes a cache object per async context (per request under ASGI); each used to open its own
    connection pool. Building the client opens no connection, so this needs no Redis."""
    a = RedisCache("redis://127.0.0.1:6379/9", {})
    b = RedisCache("redis://127.0.0.1:6379/9", {})
    other = RedisCache("redis://127.0.0.1:6379/8", {})
    assert a._cache is b._cache
    assert a._cache._get_connection_pool(True) is b._cache._get_connection_pool(True)
    assert other._cache is not a._cache
    assert a._cache.get_client(write=True) is b._cache.get_client(write=False)  # one server: one pool, one client
