"""Bad input: field errors that keep what was typed, 404s, 400 for a bad Host, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import EqualityMonitoring, Role

pytestmark = pytest.mark.django_db


def test_unknown_url_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_bad_host_header_is_400_not_500(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "could not understand" in response.content.decode()


def test_resident_gets_friendly_403(client_for):
    response = client_for(Role.RESIDENT).get("/officer/")
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


def test_profile_form_shows_field_errors_and_keeps_what_was_typed(client_for):
    client = client_for(Role.RESIDENT)
    response = client.post("/me/", {"display_name": "Sam from Riverside", "postcode": "NOT A POSTCODE"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_postcode"' in html
    assert "Enter a UK postcode" in html
    assert 'value="Sam from Riverside"' in html
    assert 'value="NOT A POSTCODE"' in html
    assert 'aria-invalid="true"' in html


def test_profile_rejects_an_unknown_ward_without_500(client_for):
    client = client_for(Role.RESIDENT)
    response = client.post("/me/", {"area": "999999", "postcode": ""})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_profile_saves_ward_and_postcode(client_for):
    from councils.models import Area, Council

    council = Council.objects.create(name="Test Borough", slug="test")
    ward = Area.objects.create(council=council, name="Northfield", slug="northfield")
    client = client_for(Role.RESIDENT)
    response = client.post("/me/", {"display_name": "Sam", "area": str(ward.pk), "postcode": "se1 7pb"})
    assert response.status_code == 302
    client.user.refresh_from_db()
    assert client.user.profile.area == ward
    assert client.user.profile.postcode == "SE1 7PB"


def test_equality_answers_need_consent_and_keep_what_was_typed(client_for):
    client = client_for(Role.RESIDENT)
    response = client.post("/me/equality/", {"age_band": "25-34", "gender": "woman"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tick the box to agree" in html
    assert '<option value="25-34" selected>' in html
    assert not EqualityMonitoring.objects.filter(user=client.user).exists()


def test_equality_answers_are_saved_with_consent_and_can_be_deleted(client_for):
    client = client_for(Role.RESIDENT)
    response = client.post("/me/equality/", {"consent": "on", "age_band": "25-34", "tenure": "private-rent"})
    assert response.status_code == 302
    record = EqualityMonitoring.objects.get(user=client.user)
    assert record.age_band == "25-34" and record.consented_at is not None
    response = client.post("/me/equality/delete/")
    assert response.status_code == 302
    assert not EqualityMonitoring.objects.filter(user=client.user).exists()


def test_deleting_equality_answers_needs_post(client_for):
    client = client_for(Role.RESIDENT)
    assert client.get("/me/equality/delete/").status_code == 405


def test_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path,data",
    [
        ("/accounts/signup/", {"email": "x" * 300, "password1": "", "password2": ""}),
        ("/accounts/login/", {"login": "\x00", "password": "\x00"}),
        ("/accounts/password/reset/", {"email": "not-an-email"}),
        ("/officer/users/", {"email": "nobody@example.org", "role": "emperor"}),
    ],
)
def test_garbage_posts_never_cause_a_500(client_for, path, data):
    client = client_for(Role.ADMINISTRATOR)
    client.raise_request_exception = False
    response = client.post(path, data)
    assert response.status_code < 500


def test_security_headers_are_sent(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_cdn_assets(client):
    import re

    for path in ["/", "/about/", "/accounts/login/", "/accounts/signup/"]:
        html = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), f"inline script on {path}"
        assert not re.search(r'(src|href)="(https?:)?//', html), f"external asset on {path}"


def test_server_error_page_is_friendly_and_needs_no_database(django_assert_num_queries, db):
    from django.test import RequestFactory

    from civic.views import server_error

    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Nothing you entered has been lost" in response.content.decode()


def test_admin_site_opens_for_an_administrator_with_mfa(client_for):
    client = client_for(Role.ADMINISTRATOR)
    client.user.is_staff = True
    client.user.save()
    assert not client.user.is_superuser  # the role alone opens the admin (accounts.backends)
    for path in ["/admin/", "/admin/accounts/user/", "/admin/audit/auditentry/", "/admin/councils/council/"]:
        assert client.get(path).status_code == 200, path


def test_sign_up_can_record_the_ward(client):
    from accounts.models import User
    from councils.models import Area, Council

    council = Council.objects.create(name="Test Borough", slug="test")
    ward = Area.objects.create(council=council, name="Eastmoor", slug="eastmoor")
    password = "a-long-new-password-77"
    response = client.post(
        "/accounts/signup/",
        {"email": "ward@example.org", "password1": password, "password2": password, "area": str(ward.pk)},
    )
    assert response.status_code == 302
    assert User.objects.get(email="ward@example.org").profile.area == ward


def test_deleting_the_account_needs_the_password_and_removes_personal_data(client_for):
    from accounts.models import Profile, User
    from tests.conftest import PASSWORD

    client = client_for(Role.RESIDENT)
    user = client.user
    client.post("/me/equality/", {"consent": "on", "age_band": "25-34"})
    response = client.post("/me/delete/", {"password": "wrong"})
    assert response.status_code == 200
    assert "That password is not right" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post("/me/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EqualityMonitoring.objects.filter(user_id=user.pk).exists()
    assert not Profile.objects.filter(user_id=user.pk).exists()
    assert client.get("/me/").status_code == 302
