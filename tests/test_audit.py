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


def _raw(sql: str, params: list) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'tampered' WHERE id = %s",
        "UPDATE audit_auditentry SET after = NULL WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_database_refuses_raw_sql_that_changes_or_deletes_an_entry(make_user, sql):
    from django.db import DatabaseError

    admin = make_user(Role.ADMINISTRATOR)
    entry = record(admin, "test.action", admin, after={"role": "x"}, context=AuditContext.command())
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql, [entry.pk])
    fresh = AuditEntry.objects.get(pk=entry.pk)
    assert (fresh.action, fresh.after) == ("test.action", {"role": "x"})


def test_database_refuses_pinning_an_entry_on_someone_else(make_user):
    from django.db import DatabaseError

    admin = make_user(Role.ADMINISTRATOR)
    other = make_user(Role.ADMINISTRATOR)
    entry = record(admin, "test.action", context=AuditContext.command())
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [other.pk, entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).actor == admin


def test_officer_deleting_their_account_keeps_their_entries_under_the_database_guard(make_user):
    """The one UPDATE the trigger allows: ON DELETE SET NULL of the actor."""
    from accounts.services import delete_account

    officer = make_user(Role.OFFICER)
    email = officer.email
    delete_account(officer, context=AuditContext.command())
    entry = AuditEntry.objects.get(action="account.delete")
    assert entry.actor is None
    assert entry.actor_label == email


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_an_audit_log_with_entries(make_user):
    """Teardown flushes the tables (DELETE on SQLite): the guard lets only that through."""
    admin = make_user(Role.ADMINISTRATOR)
    record(admin, "test.action", context=AuditContext.command())
    assert AuditEntry.objects.count() == 1
