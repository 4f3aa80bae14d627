"""Changing the council goes through councils.services: checked, done, audited (the admin too)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from audit.context import AuditContext
from audit.models import AuditEntry
from councils import services
from councils.models import Area, Council

pytestmark = pytest.mark.django_db


def test_officer_cannot_change_the_council(make_user):
    council = Council(name="Test Borough", slug="test")
    with pytest.raises(PermissionDenied):
        services.save_council(make_user(Role.OFFICER), council, changed=["name"], context=AuditContext.command())
    assert not Council.objects.exists()
    assert not AuditEntry.objects.exists()


def test_adding_a_council_with_a_ward_in_the_admin_is_audited(client_for):
    client = client_for(Role.ADMINISTRATOR)
    client.user.is_staff = True
    client.user.save()
    response = client.post(
        "/admin/councils/council/add/",
        {
            "name": "Test Borough", "slug": "test", "website": "", "contact_email": "", "about": "",
            "areas-TOTAL_FORMS": "1", "areas-INITIAL_FORMS": "0", "areas-MIN_NUM_FORMS": "0",
            "areas-MAX_NUM_FORMS": "1000", "areas-0-name": "Northfield", "areas-0-slug": "northfield",
            "areas-0-population": "1200",
        },
        HTTP_USER_AGENT="pytest-admin",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    council = Council.objects.get(slug="test")
    assert Area.objects.get(council=council).name == "Northfield"
    entries = {entry.action: entry for entry in AuditEntry.objects.all()}
    assert set(entries) == {"council.create", "area.create"}
    assert entries["council.create"].after["name"] == "Test Borough"
    assert (entries["area.create"].channel, entries["area.create"].user_agent) == ("web", "pytest-admin")
