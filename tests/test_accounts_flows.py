"""Sign-up with email verification, login, logout, password reset, email change."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-new-password-77"


def _link(message) -> str:
    match = re.search(r"http://testserver(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_sends_a_verification_email_and_confirming_it_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new.resident@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.resident@example.org")
    assert user.role == "resident"
    assert len(mail.outbox) == 1
    assert "new.resident@example.org" in mail.outbox[0].to
    # Unverified: not signed in until the link is followed.
    assert client.get("/me/").status_code == 302
    confirm_url = _link(mail.outbox[0])
    response = client.get(confirm_url)
    assert response.status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_login_with_wrong_password_shows_an_error_and_keeps_the_email(client, make_user):
    user = make_user()
    response = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'value="{user.email}"' in html


def test_login_and_logout(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, make_user):
    user = make_user()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset_url = _link(mail.outbox[0])
    response = client.get(reset_url, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else reset_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_email_change_requires_verifying_the_new_address(client, make_user):
    user = make_user()
    client.force_login(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "moved@example.org"})
    assert response.status_code == 302
    assert any("moved@example.org" in m.to for m in mail.outbox)
    user.refresh_from_db()
    assert user.email != "moved@example.org" or not user.emailaddress_set.get(email="moved@example.org").verified


def test_sign_up_with_mismatched_passwords_keeps_the_email_and_links_the_error(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "typo@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'value="typo@example.org"' in html
    assert 'href="#id_password2"' in html
    assert not User.objects.filter(email="typo@example.org").exists()


def test_login_rate_limit_blocks_repeated_failures(client, make_user, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/m/ip,3/5m/key"}
    user = make_user()
    pages = [
        client.post("/accounts/login/", {"login": user.email, "password": "nope-nope"}).content.decode()
        for _ in range(5)
    ]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    # Even the right password is refused while the limit holds.
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200
    cache.clear()
