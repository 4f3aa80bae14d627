"""``manage.py demo_data`` builds a believable borough, idempotently, and prints logins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from councils.models import Area, Council

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_prints_logins():
    out = StringIO()
    call_command("demo_data", stdout=out)
    counts = (Council.objects.count(), Area.objects.count(), User.objects.count())
    call_command("demo_data", stdout=StringIO())
    assert (Council.objects.count(), Area.objects.count(), User.objects.count()) == counts
    assert Area.objects.count() >= 5
    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    text = out.getvalue()
    assert "officer@riverside.example" in text
    assert "civic-demo-2026" in text
    officer = User.objects.get(email="officer@riverside.example")
    assert officer.check_password("civic-demo-2026")
    assert officer.emailaddress_set.get().verified


def test_each_app_builds_its_own_demo_data_in_installed_apps_order():
    from civic.management.commands.demo_data import demo_builders

    builders = dict(demo_builders())
    assert builders["councils"] == "councils.demo.build"
    assert builders["accounts"] == "accounts.demo.build"
    labels = [label for label, _ in demo_builders()]
    assert labels.index("councils") < labels.index("accounts")  # people live in wards


def test_demo_administrator_gets_permissions_from_the_role_alone():
    call_command("demo_data", stdout=StringIO())
    admin = User.objects.get(email="admin@riverside.example")
    assert not admin.is_superuser
    assert admin.has_perm("users.manage") and admin.has_module_perms("accounts")
