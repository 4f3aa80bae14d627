"""One permission source: the role table, asked through ``has_perm`` by services, templates and the admin."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template

from accounts.models import Role
from accounts.permissions import ADMIN_SITE, CAPABILITIES, can, require
from accounts.services import change_role
from audit.context import AuditContext
from tests.shared_data import REPO_ROOT

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
@pytest.mark.parametrize("role", Role.values)
def test_has_perm_answers_from_the_capability_table(make_user, role, capability):
    user = make_user(role, mfa=False)
    assert user.has_perm(capability) is (role in CAPABILITIES[capability])
    assert can(user, capability) is (role in CAPABILITIES[capability])


def test_superuser_flag_grants_nothing_the_role_does_not(make_user):
    resident = make_user(Role.RESIDENT)
    resident.is_superuser = True
    resident.save()
    assert not resident.has_perm("users.manage")
    assert not resident.has_perm("accounts.change_user")
    assert not resident.has_module_perms("accounts")
    with pytest.raises(PermissionDenied):
        require(resident, "users.manage")


def test_inactive_and_anonymous_people_hold_nothing(make_user):
    from django.contrib.auth.models import AnonymousUser

    admin = make_user(Role.ADMINISTRATOR)
    admin.is_active = False
    admin.save()
    assert not can(admin, "users.manage")
    assert not can(AnonymousUser(), "officer.dashboard")
    assert not can(None, "officer.dashboard")


def test_admin_site_model_permissions_follow_the_admin_site_capability(make_user):
    admin, officer = make_user(Role.ADMINISTRATOR), make_user(Role.OFFICER)
    assert admin.has_perm("councils.change_council") and admin.has_module_perms("councils")
    assert not officer.has_perm("councils.change_council") and not officer.has_module_perms("councils")
    assert CAPABILITIES[ADMIN_SITE] == {Role.ADMINISTRATOR}


def test_unknown_capability_is_a_loud_error(make_user):
    with pytest.raises(KeyError):
        can(make_user(), "pb.mange")


@pytest.mark.parametrize("role", Role.values)
def test_template_tag_and_filter_ask_the_table(make_user, role):
    user = make_user(role, mfa=False)
    rendered = Template(
        '{% load civic_perms %}{% if user|can:"audit.view" %}A{% endif %}'
        '{% can "officer.dashboard" as officer %}{% if officer %}O{% endif %}'
    ).render(Context({"user": user}))
    expected = ("A" if role in CAPABILITIES["audit.view"] else "") + (
        "O" if role in CAPABILITIES["officer.dashboard"] else ""
    )
    assert rendered == expected


def test_templates_never_compare_role_strings():
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)}"
        for path in sorted((REPO_ROOT / "templates").rglob("*.html"))
        for match in re.finditer(r"\{%[^%]*\b(?:\.role|is_superuser|is_staff)\b[^%]*%\}", path.read_text())
    ]
    assert not offenders, "\n".join(offenders)


def test_navigation_links_follow_capabilities(client_for):
    officer_page = client_for(Role.OFFICER).get("/officer/").content.decode()
    assert 'href="/officer/"' in officer_page
    assert 'href="/audit/"' not in officer_page and 'href="/officer/users/"' not in officer_page
    admin_page = client_for(Role.ADMINISTRATOR).get("/officer/").content.decode()
    assert 'href="/audit/"' in admin_page and 'href="/officer/users/"' in admin_page
    resident_home = client_for(Role.RESIDENT).get("/").content.decode()
    assert 'href="/officer/"' not in resident_home


def test_change_role_resets_superuser_and_follows_the_role_for_staff(make_user):
    admin = make_user(Role.ADMINISTRATOR)
    target = make_user(Role.ADMINISTRATOR)
    target.is_superuser = True
    target.save()
    change_role(admin, target, Role.RESIDENT, context=AuditContext.command())
    target.refresh_from_db()
    assert (target.role, target.is_superuser, target.is_staff) == (Role.RESIDENT, False, False)
    change_role(admin, target, Role.ADMINISTRATOR, context=AuditContext.command())
    target.refresh_from_db()
    assert (target.is_superuser, target.is_staff) == (False, True)


def test_change_role_records_where_it_came_from_and_announces_it_on_commit(make_user, django_capture_on_commit_callbacks):
    from audit.models import AuditEntry

    admin, target = make_user(Role.ADMINISTRATOR), make_user(Role.RESIDENT)
    context = AuditContext("web", "192.0.2.7", "Firefox")
    with django_capture_on_commit_callbacks() as callbacks:
        change_role(admin, target, Role.FACILITATOR, context=context)
    entry = AuditEntry.objects.get(action="account.change_role")
    assert (entry.channel, entry.ip_address, entry.user_agent) == ("web", "192.0.2.7", "Firefox")
    assert len(callbacks) == 1  # the event waits for the commit


def test_createsuperuser_gets_the_administrator_role_not_the_flag(db):
    from accounts.models import User

    user = User.objects.create_superuser("root@example.org", "a-long-password-1")
    assert (user.role, user.is_staff, user.is_superuser) == (Role.ADMINISTRATOR, True, False)
    assert user.has_perm("users.manage")


def test_the_admin_shows_roles_read_only_so_role_changes_stay_audited(client_for, make_user):
    client = client_for(Role.ADMINISTRATOR)
    client.user.is_staff = True
    client.user.save()
    target = make_user(Role.RESIDENT)
    page = client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    assert 'name="role"' not in page and 'name="is_superuser"' not in page
    assert client.get("/admin/accounts/user/add/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_role_change_reaches_the_persons_open_connections_after_commit(make_user):
    import asyncio

    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer

    from accounts.services import user_group

    admin, target = make_user(Role.ADMINISTRATOR), make_user(Role.RESIDENT)
    layer = get_channel_layer()

    async def listen_while(action):
        channel = await layer.new_channel()
        await layer.group_add(user_group(target.pk), channel)
        await sync_to_async(action)()
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    message = async_to_sync(listen_while)(
        lambda: change_role(admin, target, Role.FACILITATOR, context=AuditContext.command())
    )
    assert message == {"type": "account.role_changed", "role": Role.FACILITATOR}
