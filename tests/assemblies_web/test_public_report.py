"""Acceptance 2: the published selection report verifies, and any change to it is caught."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role
from assemblies.sortition.public_report import verify_public_report

from .factories import register_all, select, set_up

pytestmark = pytest.mark.django_db

REQUIRED_KEYS = {"pool", "quotas", "panel_size", "algorithm", "seed", "panels", "probabilities", "drawn",
                 "private_inputs_sha256"}


@pytest.fixture
def published(make_user, client):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    select(setup.officer, setup.lottery)
    response = client.get(f"/assemblies/{setup.assembly.slug}/selection-report.json")
    assert response.status_code == 200
    return response.json()


def _verify_file(tmp_path, report) -> int:
    path = tmp_path / "selection-report.json"
    path.write_text(json.dumps(report))
    try:
        call_command("verify_panel", str(path), "--public")
    except CommandError as error:
        return error.returncode
    return 0


def test_report_has_the_published_keys_and_only_random_ids_and_features(published):
    assert REQUIRED_KEYS <= set(published)
    assert all(set(person) == {"id", "features"} for person in published["pool"])
    assert all(set(q) == {"category", "value", "min", "max"} for q in published["quotas"])
    assert all(set(p) == {"members", "probability"} for p in published["panels"])
    text = json.dumps(published)
    assert "@example.org" not in text and "Zqx" not in text and "Station Road" not in text and "07700" not in text
    assert set(published["private_inputs_sha256"]) == {"respondents", "addresses"}


def test_verify_panel_public_accepts_the_published_report(published, tmp_path):
    assert _verify_file(tmp_path, published) == 0


def _tamper_pool(report):
    person = next(p for p in report["pool"] if p["id"] in report["drawn"])
    person["features"]["gender"] = "male" if person["features"]["gender"] == "female" else "female"


def _tamper_quotas(report):
    report["quotas"][0]["max"] = report["quotas"][0]["min"]
    report["quotas"][0]["min"] = 0


def _tamper_seed(report):
    report["seed"] = report["seed"] + "x"


def _tamper_lottery(report):
    panels = report["panels"]
    if len(panels) > 1:
        panels[0]["probability"], panels[-1]["probability"] = panels[-1]["probability"] + 0.01, panels[0]["probability"] - 0.01
    else:
        panels[0]["members"][0] = next(p["id"] for p in report["pool"] if p["id"] not in panels[0]["members"])


def _tamper_drawn(report):
    outsider = next(p["id"] for p in report["pool"] if p["id"] not in report["drawn"])
    report["drawn"][0] = outsider


@pytest.mark.parametrize("tamper", [_tamper_pool, _tamper_quotas, _tamper_seed, _tamper_lottery, _tamper_drawn],
                         ids=["pool", "quotas", "seed", "lottery", "drawn"])
def test_verify_panel_public_rejects_a_changed_report(published, tmp_path, tamper):
    changed = copy.deepcopy(published)
    tamper(changed)
    assert _verify_file(tmp_path, changed) == 1
    assert not verify_public_report(changed).matches


def test_a_report_missing_a_key_is_refused_with_exit_2(published, tmp_path):
    del published["quotas"]
    assert _verify_file(tmp_path, published) == 2


def test_no_report_before_selection(make_user, client):
    setup = set_up(make_user(Role.OFFICER))
    assert client.get(f"/assemblies/{setup.assembly.slug}/selection-report.json").status_code == 404
