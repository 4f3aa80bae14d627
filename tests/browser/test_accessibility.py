"""axe-core in chromium: no serious or critical violations on any page that exists."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import describe, serious_violations, sign_in

PUBLIC_PAGES = [
    "/",
    "/pb/",
    "/assemblies/",
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


def _assert_signed_in(page: Page, base_url: str, email: str) -> None:
    """Sign-in worked: the header offers "Sign out", and the account page shows this person."""
    assert "/accounts/login/" not in page.url, f"still on the sign-in page: {page.url}"
    assert page.get_by_role("button", name="Sign out").count() == 1, "no Sign out button: not signed in"
    page.goto(base_url + "/me/")
    assert page.url == base_url + "/me/" and email in page.content(), "the account page is not this person's"


def _scan_where_asked(page: Page, base_url: str, path: str, password: str) -> None:
    """Open ``path`` and scan it, failing if we end up anywhere else.

    Pages that change sign-in security (TOTP activate/deactivate, recovery codes) first ask for
    the password again: confirm it, then scan the page itself.
    """
    page.goto(base_url + path)
    if path != "/accounts/reauthenticate/" and page.url.startswith(base_url + "/accounts/reauthenticate/"):
        page.locator('input[name="password"]').fill(password)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_load_state()
    landed = page.url.removeprefix(base_url).split("?")[0]
    assert landed == path, f"asked for {path}, scanned {landed}"
    assert page.locator("h1").count() == 1, path
    found = serious_violations(page)
    assert not found, f"{path}:\n{describe(found)}"


def test_signed_in_pages_have_no_serious_violations(page: Page, server, make_user):
    user, password, _ = make_user("resident")
    sign_in(page, server["base_url"], user.email, password)
    _assert_signed_in(page, server["base_url"], user.email)
    for path in RESIDENT_PAGES:
        _scan_where_asked(page, server["base_url"], path, password)


def test_officer_pages_have_no_serious_violations(page: Page, server, make_user):
    admin, password, secret = make_user("administrator", mfa=True)
    sign_in(page, server["base_url"], admin.email, password, secret)
    _assert_signed_in(page, server["base_url"], admin.email)
    for path in ADMIN_PAGES:
        _scan_where_asked(page, server["base_url"], path, password)


def test_a_wrong_password_is_caught_by_the_signed_in_check(page: Page, server, make_user):
    """The guard above must fail when sign-in fails, or the scans could pass on the login page."""
    user, _, _ = make_user("resident")
    sign_in(page, server["base_url"], user.email, "not-the-password")
    with pytest.raises(AssertionError):
        _assert_signed_in(page, server["base_url"], user.email)


def test_form_with_errors_has_no_serious_violations(page: Page, base_url):
    page.goto(base_url + "/accounts/signup/")
    page.get_by_label("Email").fill("a11y@example.org")
    page.get_by_label("Password", exact=False).first.fill("short")
    page.get_by_label("Password (again)", exact=False).fill("different")
    page.get_by_role("button", name="Sign Up").click()
    assert page.get_by_role("alert").count() == 1
    found = serious_violations(page)
    assert not found, describe(found)


def _sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page scrolls sideways at its current width (0 when it reflows)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_no_page_scrolls_sideways_at_320px(page: Page, server, make_user):
    """WCAG 1.4.10 reflow: at 320 CSS px nothing needs horizontal scrolling, signed out, in or as officer."""
    base = server["base_url"]
    page.set_viewport_size({"width": 320, "height": 720})
    wide = []
    for path in PUBLIC_PAGES:
        page.goto(base + path)
        if (overflow := _sideways_overflow(page)) > 0:
            wide.append(f"{path}: {overflow}px")
    user, password, _ = make_user("resident")
    sign_in(page, base, user.email, password)
    for path in ["/", "/me/", "/me/equality/", "/me/delete/", "/accounts/email/", "/accounts/password/change/"]:
        page.goto(base + path)
        if (overflow := _sideways_overflow(page)) > 0:
            wide.append(f"{path} (resident): {overflow}px")
    page.context.clear_cookies()
    admin, password, secret = make_user("administrator", mfa=True)
    sign_in(page, base, admin.email, password, secret)
    for path in ["/", "/officer/", "/officer/users/", "/audit/", "/officer/pb/", "/officer/assemblies/"]:
        page.goto(base + path)
        if (overflow := _sideways_overflow(page)) > 0:
            wide.append(f"{path} (administrator): {overflow}px")
    assert not wide, "scrolls sideways at 320 px: " + ", ".join(wide)


def test_the_reflow_check_sees_a_page_that_is_too_wide(page: Page, base_url):
    """Guard: the measurement above must catch a page wider than the viewport."""
    page.set_viewport_size({"width": 320, "height": 720})
    page.goto(base_url + "/about/")
    # Through the CSSOM: the site's Content-Security-Policy rightly refuses inline style attributes.
    page.evaluate("""() => { const d = document.createElement('div'); d.textContent = 'x';
        d.style.width = '530px'; document.querySelector('main').append(d); }""")
    assert _sideways_overflow(page) >= 200


@pytest.mark.parametrize("path", PUBLIC_PAGES[:3])
def test_page_has_exactly_one_h1_and_landmarks(page: Page, base_url, path):
    page.goto(base_url + path)
    assert page.locator("h1").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("header").count() >= 1
    assert page.locator("nav").count() >= 1
