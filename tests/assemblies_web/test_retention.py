"""Acceptance 4: after the purge no table holds the respondents' personal data; counts remain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from assemblies import lottery
from assemblies.models import Respondent, RespondentTally

from .factories import register_all, select, set_up, today

pytestmark = pytest.mark.django_db


def _personal_markers(setup) -> list[str]:
    markers = ["Zqx", "zqx@example.org", "07700 9", "Station Road"]
    markers += [a.postcode for a in setup.lottery.addresses.all()]
    markers += [i.code for i in setup.lottery.invitations.all()]
    markers += [r.token for r in setup.lottery.respondents.all()]
    return markers


def _tables_holding(markers: list[str]) -> dict[str, str]:
    """Every table, every row, every column: which tables still hold one of the markers."""
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                text = " ".join(str(cell) for cell in row)
                hit = next((m for m in markers if m in text), None)
                if hit:
                    found[table] = hit
                    break
    return found


def test_purge_deletes_every_trace_of_expired_respondents_and_keeps_counts(make_user):
    setup = set_up(make_user(Role.OFFICER), retention_days=30)
    people = register_all(setup.lottery)
    select(setup.officer, setup.lottery)
    markers = _personal_markers(setup)
    assert "assemblies_respondent" in _tables_holding(markers)  # the scan does find personal data before

    call_command("purge_expired", "--today", (today() + timedelta(days=31)).isoformat())

    assert _tables_holding(markers) == {}
    tallies = {(t.category, t.value): t for t in RespondentTally.objects.all()}
    assert sum(t.respondents for t in tallies.values() if t.category == "gender") == len(people)
    assert sum(t.selected for t in tallies.values() if t.category == "gender") == setup.lottery.panel_size
    rows = lottery.representativeness(setup.lottery)
    assert sum(r["respondents"] for r in rows if r["category"] == "age") == len(people)


def test_purge_is_idempotent_and_leaves_unexpired_data(make_user):
    setup = set_up(make_user(Role.OFFICER), retention_days=30)
    register_all(setup.lottery, 5)
    assert lottery.purge_expired(today()) == {"respondents": 0, "addresses": 0, "invitations": 0}
    assert Respondent.objects.count() == 5
    later = today() + timedelta(days=31)
    first = lottery.purge_expired(later)
    assert first["respondents"] == 5
    assert lottery.purge_expired(later) == {"respondents": 0, "addresses": 0, "invitations": 0}
    assert sum(t.respondents for t in RespondentTally.objects.filter(category="gender")) == 5


def test_a_respondent_can_withdraw_and_their_data_is_deleted_at_once(make_user, client):
    setup = set_up(make_user(Role.OFFICER))
    person = register_all(setup.lottery, 1)[0]
    assert client.get(f"/register/withdraw/{person.token}/").status_code == 200
    response = client.post(f"/register/withdraw/{person.token}/")
    assert response.status_code == 200
    assert not Respondent.objects.exists()
    assert _tables_holding(["Zqx", "zqx@example.org", person.token]) == {}
    assert client.post(f"/register/withdraw/{person.token}/").status_code == 404
