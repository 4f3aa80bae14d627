"""The audit log is append-only and records officer actions with before/after."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.services import change_role
from audit.context import AuditContext
from audit.models import AuditEntry
from audit.services import record

pytestmark = pytest.mark.django_db


def test_role_change_is_audited_with_before_and_after(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    target = make_user(Role.RESIDENT)
    change_role(admin, target, Role.FACILITATOR, context=AuditContext.command())
    entry = AuditEntry.objects.get(action="account.change_role")
    assert entry.actor == admin
    assert entry.actor_label == admin.email
    assert entry.object_id == str(target.pk)
    assert entry.before == {"role": "resident"}
    assert entry.after == {"role": "facilitator"}


def test_role_change_through_the_page_is_audited(client_for, make_user):
    client = client_for(Role.ADMINISTRATOR)
    target = make_user(Role.RESIDENT)
    response = client.post("/officer/users/", {"email": target.email, "role": Role.OFFICER})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.OFFICER
    assert AuditEntry.objects.filter(action="account.change_role", object_id=str(target.pk)).exists()
    page = client.get("/audit/").content.decode()
    assert "account.change_role" in page


def test_audit_entries_cannot_be_changed_or_deleted(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    entry = record(admin, "test.action", context=AuditContext.command())
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(action="tampered")
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_audit_entry_survives_deleting_the_actor(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    record(admin, "test.action", context=AuditContext.command())
    email = admin.email
    admin.delete()
    entry = AuditEntry.objects.get(action="test.action")
    assert entry.actor is None
    assert entry.actor_label == email
