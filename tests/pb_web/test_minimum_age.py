"""Minimum age: the voter declares “I am N or older”; no date of birth is stored; the service enforces it."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import Role
from audit.context import AuditContext
from voting import services
from voting.models import Ballot, Participation

from .conftest import ideas_of

CTX = AuditContext.command()


def test_a_ballot_without_the_age_declaration_is_refused_clearly_and_records_nothing(make_process, resident):
    process = make_process(minimum_age=16)
    idea = ideas_of(process)[0]
    voter = resident()
    page = voter.get(f"/pb/{process.slug}/vote/").content.decode()
    assert "I am 16 or older" in page and 'name="age_confirmed"' in page
    refused = voter.post(f"/pb/{process.slug}/vote/", {"project": [str(idea.pk)]})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "open to people aged 16 or older" in text and f'value="{idea.pk}" checked' in text  # choices kept
    assert not Participation.objects.exists() and not Ballot.objects.exists()
    with pytest.raises(services.BallotRefused, match="aged 16 or older"):
        services.cast_ballot(voter.user, process, {"project": [str(idea.pk)]}, context=CTX)
    cast = voter.post(f"/pb/{process.slug}/vote/", {"project": [str(idea.pk)], "age_confirmed": "on"})
    assert cast.status_code == 200
    assert Participation.objects.get(process=process).declared_minimum_age == 16


def test_voter_codes_need_the_age_declaration_too(make_process, make_user):
    cache.clear()
    process = make_process(minimum_age=18)
    idea = ideas_of(process)[0]
    code = services.issue_voter_codes(make_user(Role.OFFICER), process, 1, context=CTX)[0]
    url = f"/pb/{process.slug}/vote/code/"
    assert "I am 18 or older" in Client().post(url, {"code": code}).content.decode()
    refused = Client().post(url, {"code": code, "cast": "1", "project": [str(idea.pk)]})
    assert refused.status_code == 400 and "aged 18 or older" in refused.content.decode()
    assert not Participation.objects.exists()
    assert Client().post(url, {"code": code, "cast": "1", "project": [str(idea.pk)],
                               "age_confirmed": "on"}).status_code == 200
    assert Participation.objects.get().declared_minimum_age == 18


def test_without_a_minimum_age_nothing_is_asked_or_stored(make_process, resident):
    process = make_process()
    voter = resident()
    assert "or older" not in voter.get(f"/pb/{process.slug}/vote/").content.decode()
    assert voter.post(f"/pb/{process.slug}/vote/", {"project": [str(ideas_of(process)[0].pk)]}).status_code == 200
    assert Participation.objects.get().declared_minimum_age is None


def test_no_date_of_birth_is_kept_for_voting():
    from django.apps import apps

    for model in [m for label in ("accounts", "proposals", "voting") for m in apps.get_app_config(label).get_models()]:
        for field in model._meta.get_fields():
            name = getattr(field, "name", "")
            assert not any(w in name for w in ("birth", "dob")), f"{model.__name__}.{name}"
