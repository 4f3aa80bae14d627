"""Selection runs as a background task through the database-backed worker, with readable progress."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import Role
from assemblies.models import Respondent, SelectionRun

from .factories import register_all, set_up

# Real commits: the run is enqueued on commit and the worker (in this process) opens its own connections.
pytestmark = pytest.mark.django_db(transaction=True)


def test_officer_starts_selection_the_worker_runs_it_and_the_result_page_shows_targets(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    client = Client()
    client.force_login(setup.officer)
    url = f"/officer/assemblies/{setup.assembly.slug}/selection/"
    response = client.post(url, {"kind": "panel", "algorithm": "leximin", "seed": "lottery 7 12 19"})
    run = SelectionRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/selection/{run.pk}/")
    assert run.status == SelectionRun.Status.QUEUED
    queued = client.get(f"{url}{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in queued.content and "HX-Refresh" not in queued

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    run.refresh_from_db()
    assert run.status == SelectionRun.Status.DONE and run.progress == 1.0
    assert run.seed == "lottery 7 12 19" and run.algorithm == "leximin"
    assert Respondent.objects.filter(status=Respondent.Status.SELECTED).count() == setup.lottery.panel_size
    done = client.get(f"{url}{run.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    page = client.get(f"{url}{run.pk}/").content.decode()
    assert "Target against selected" in page and "outside target" not in page
    assert "Selection probabilities" in page


def test_a_second_run_while_one_is_queued_is_refused(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    client = Client()
    client.force_login(setup.officer)
    url = f"/officer/assemblies/{setup.assembly.slug}/selection/"
    client.post(url, {"kind": "panel", "algorithm": "leximin", "seed": "1"})
    response = client.post(url, {"kind": "panel", "algorithm": "leximin", "seed": "2"})
    assert response.status_code == 400 and "already running" in response.content.decode()


def test_infeasible_run_page_shows_the_smallest_relaxation(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery, features=lambda i: {"gender": "female", "age": "65+"})
    client = Client()
    client.force_login(setup.officer)
    client.post(f"/officer/assemblies/{setup.assembly.slug}/selection/", {"kind": "panel", "algorithm": "leximin"})
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    run = SelectionRun.objects.get()
    assert run.status == SelectionRun.Status.INFEASIBLE
    page = client.get(f"/officer/assemblies/{setup.assembly.slug}/selection/{run.pk}/").content.decode()
    assert "No panel meets these quotas" in page and "Smallest relaxation" in page
