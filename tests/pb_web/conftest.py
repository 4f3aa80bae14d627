"""Fixtures for the PB web tests: a council with wards, processes in each phase, voters."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.models import Profile, Role
from councils.models import Area, Council
from proposals.models import BallotType, Idea, IdeaStatus, Phase, Process, WardBudget


def require_postgresql() -> None:
    """Tests of PostgreSQL's own guarantees (row locks, concurrency): fail under CI, skip locally."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("this test needs PostgreSQL (DATABASE_URL)")
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def council(db):
    council = Council.objects.create(name="Testborough", slug="testborough")
    Area.objects.create(council=council, name="North", slug="north")
    Area.objects.create(council=council, name="South", slug="south")
    Area.objects.create(council=council, name="East", slug="east")
    return council


@pytest.fixture
def wards(council):
    return {a.slug: a for a in council.areas.all()}


@pytest.fixture
def make_process(council, wards):
    def make(slug="park", *, ballot_type=BallotType.APPROVAL, rule="greedy", phase=Phase.VOTING, apart=False,
             budget="1000", costs=(400, 300, 300, 200, 500), **extra) -> Process:
        process = Process.objects.create(council=council, slug=slug, title=f"PB {slug}", total_budget=Decimal(budget),
                                         ballot_type=ballot_type, rule=rule, phase=phase, wards_counted_apart=apart,
                                         **extra)
        units = [wards["north"], wards["south"]] if apart else [wards["north"]]
        for area in units:
            if apart:
                WardBudget.objects.create(process=process, area=area, budget=Decimal(budget))
            for n, cost in enumerate(costs, start=1):
                Idea.objects.create(process=process, area=area, title=f"{area.name} idea {n}", description="d",
                                    estimated_cost=Decimal(cost), status=IdeaStatus.FEASIBLE)
        return process

    return make


@pytest.fixture
def resident(make_user, wards):
    def make(ward="north", role=Role.RESIDENT):
        user = make_user(role)
        Profile.objects.update_or_create(user=user, defaults={"area": wards[ward] if ward else None})
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


def ideas_of(process, ward=None):
    qs = Idea.objects.filter(process=process).order_by("id")
    if ward is not None:
        qs = qs.filter(area__slug=ward)
    return list(qs)


def run_worker() -> None:
    """Run every queued task through django-tasks-db's real worker command, then return."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
