"""Officers and administrators must set up TOTP before any officer page."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

from accounts.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("path", ["/officer/", "/audit/", "/admin/"])
def test_officer_without_mfa_is_sent_to_set_it_up(client_for, role, path):
    client = client_for(role, mfa=False)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_resident_is_not_forced_to_set_up_mfa(client_for):
    client = client_for(Role.RESIDENT)
    assert client.get("/me/").status_code == 200


def test_officer_with_totp_must_enter_a_code_at_login(client, make_user):
    officer = make_user(Role.OFFICER)
    response = client.post("/accounts/login/", {"login": officer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    # Not signed in yet.
    assert client.get("/officer/").status_code == 302
    secret = Authenticator.objects.get(user=officer, type="totp").wrap().instance.data["secret"]
    counter = next(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/officer/").status_code == 200


def test_officer_can_activate_totp_and_then_reach_officer_pages(client, make_user):
    officer = make_user(Role.OFFICER, mfa=False)
    response = client.post("/accounts/login/", {"login": officer.email, "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/officer/")
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    # Setting up a second factor asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=officer, type="totp").exists()
    # Recovery codes are generated alongside TOTP.
    assert Authenticator.objects.filter(user=officer, type="recovery_codes").exists()
    assert client.get("/officer/").status_code == 200
