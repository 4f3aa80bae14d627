"""Shared fixtures: users of each role and clients signed in as them."""

from __future__ import annotations

import itertools
import os

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from hypothesis import settings as hypothesis_settings

from accounts.models import Role, User

# Property tests draw the same examples on every CI run (a failure there is reproducible).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-42"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Django's test set-up sends mail to memory. Tests are not throttled by allauth's
    # rate limits (rate limits have their own test that turns them back on).
    settings.ACCOUNT_RATE_LIMITS = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render without a collectstatic manifest (tests/test_static_files.py checks the real one).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _flush_may_empty_the_audit_log(request):
    """Transactional tests end with Django's ``flush``; on SQLite it must get past the audit triggers.

    This fixture sets up after pytest-django's database helper, so its teardown (which allows the
    purge) runs just before the helper's flush; every test starts with the guard back on.
    """
    from audit.database import allow_purge

    allow_purge(False)
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    allow_purge(True)


@pytest.fixture
def make_user(db):
    """Create a verified user with a role; officers/admins get TOTP unless ``mfa=False``."""

    def make(role: str = Role.RESIDENT, *, email: str | None = None, mfa: bool | None = None) -> User:
        email = email or f"{role}{next(_counter)}@example.org"
        user = User.objects.create_user(email=email, password=PASSWORD, role=role, display_name=email.split("@")[0])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        if mfa is None:
            mfa = role in (Role.OFFICER, Role.ADMINISTRATOR)
        if mfa:
            TOTP.activate(user, generate_totp_secret())
        return user

    return make


@pytest.fixture
def client_for(make_user):
    """A test client signed in as a fresh user of the given role."""

    def make(role: str = Role.RESIDENT, **kwargs) -> Client:
        user = make_user(role, **kwargs)
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make
