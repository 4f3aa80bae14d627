"""End-to-end journeys in chromium against a real daphne process."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in, totp_code


def _latest_link(mail_dir, pattern: str) -> str:
    messages = sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime)
    assert messages, "no email was sent"
    text = messages[-1].read_text()
    # Quoted-printable soft line breaks would split long URLs.
    text = text.replace("=\n", "")
    match = re.search(pattern, text)
    assert match, text[-1500:]
    return match.group(0)


def test_sign_up_verify_email_then_log_in(page: Page, server):
    base_url = server["base_url"]
    email = "journey.resident@example.org"
    password = "a-strong-browser-password-1"
    page.goto(base_url + "/accounts/signup/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Sign Up", re.I))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=False).first.fill(password)
    page.get_by_label(re.compile(r"Password \(again\)", re.I)).fill(password)
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Verify Your Email", re.I))

    link = _latest_link(server["mail_dir"], r"http://127\.0\.0\.1:\d+/accounts/confirm-email/[^\s]+")
    page.goto(link)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.goto(base_url + "/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text(email).first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto(base_url + "/me/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(page, base_url, email, password)
    page.goto(base_url + "/me/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def test_officer_is_forced_to_set_up_mfa_before_officer_pages(page: Page, server, make_user):
    base_url = server["base_url"]
    officer, password, _ = make_user("officer", mfa=False)
    sign_in(page, base_url, officer.email, password)
    page.goto(base_url + "/officer/")
    # Setting up a second factor first asks for the password again.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret, input[name=secret], [id*=secret]").first
    secret_value = secret.input_value() if secret.evaluate("e => e.tagName") == "INPUT" else secret.inner_text()
    page.get_by_label("Authenticator code").fill(totp_code(secret_value.strip()))
    page.get_by_role("button", name=re.compile("Activate", re.I)).click()
    page.goto(base_url + "/officer/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Officer tools")


def test_skip_link_is_first_and_moves_focus_to_main(page: Page, base_url):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_form_errors_are_summarised_focused_and_linked(page: Page, server, make_user):
    base_url = server["base_url"]
    user, password, _ = make_user("resident")
    sign_in(page, base_url, user.email, password)
    page.goto(base_url + "/me/")
    page.get_by_label("Postcode").fill("12345")
    page.get_by_role("button", name="Save details").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    expect(page.get_by_label("Postcode")).to_have_value("12345")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_postcode"
