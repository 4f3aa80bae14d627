"""axe-core in chromium: no serious or critical violations on any page that exists."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import describe, serious_violations, sign_in

PUBLIC_PAGES = [
    "/",
    "/about/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/this-page-does-not-exist/",
]
RESIDENT_PAGES = [
    "/me/", "/me/equality/", "/me/delete/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/",
    "/accounts/reauthenticate/", "/accounts/logout/", "/accounts/2fa/totp/activate/",
]
ADMIN_PAGES = [
    "/officer/", "/officer/users/", "/audit/", "/accounts/2fa/", "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/totp/deactivate/", "/admin/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_violations(page: Page, base_url, path):
    page.goto(base_url + path)
    found = serious_violations(page)
    assert not found, describe(found)


def test_signed_in_pages_have_no_serious_violations(page: Page, server, make_user):
    user, password, _ = make_user("resident")
    sign_in(page, server["base_url"], user.email, password)
    for path in RESIDENT_PAGES:
        page.goto(server["base_url"] + path)
        found = serious_violations(page)
        assert not found, f"{path}:\n{describe(found)}"


def test_officer_pages_have_no_serious_violations(page: Page, server, make_user):
    admin, password, secret = make_user("administrator", mfa=True)
    sign_in(page, server["base_url"], admin.email, password, secret)
    for path in ADMIN_PAGES:
        page.goto(server["base_url"] + path)
        assert page.locator("h1").count() == 1, path
        found = serious_violations(page)
        assert not found, f"{path}:\n{describe(found)}"


def test_form_with_errors_has_no_serious_violations(page: Page, base_url):
    page.goto(base_url + "/accounts/signup/")
    page.get_by_label("Email").fill("a11y@example.org")
    page.get_by_label("Password", exact=False).first.fill("short")
    page.get_by_label("Password (again)", exact=False).fill("different")
    page.get_by_role("button", name="Sign Up").click()
    assert page.get_by_role("alert").count() == 1
    found = serious_violations(page)
    assert not found, describe(found)


@pytest.mark.parametrize("path", PUBLIC_PAGES[:3])
def test_page_has_exactly_one_h1_and_landmarks(page: Page, base_url, path):
    page.goto(base_url + path)
    assert page.locator("h1").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("header").count() >= 1
    assert page.locator("nav").count() >= 1
