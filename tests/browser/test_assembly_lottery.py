"""Acceptance 1: the civic lottery in chromium, from set-up to the council's response.

An officer sets up an assembly, imports addresses, publishes the seed, draws invitations and
downloads the letters (read back page by page); three residents register with codes from those
letters (a used and a wrong code are refused); the officer runs the selection (a real db_worker
process runs the task) and watches it finish; a selected person confirms, signs in and reaches the
live session; the public tracker shows a recommendation with the council's response. Every page
is checked with axe and for sideways scrolling at 320 px.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser.conftest import REPO_ROOT, describe, serious_violations, sign_in

ADDRESSES = (
    "id,address_line_1,address_line_2,postcode,ward\n"
    "A1,1 Mill Lane,Riverside,RV1 1AA,North\nA2,2 Mill Lane,Riverside,RV1 1AB,North\n"
    "A3,3 Quay Street,Riverside,RV2 2AA,South\nA4,4 Quay Street,Riverside,RV2 2AB,South\n"
    "A5,5 Hill Road,Riverside,RV3 3AA,East\nA6,6 Hill Road,Riverside,RV3 3AB,East\n"
)


@pytest.fixture(scope="module")
def worker(server):
    """The database-backed task worker, as run in production (manage.py db_worker)."""
    log = open(server["tmp"] / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload", "--no-startup-delay"],
        cwd=REPO_ROOT, env=server["env"], stdout=log, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(10)
    log.close()


def check_page(page: Page) -> None:
    """axe: no serious/critical violations; at 320 px nothing scrolls sideways."""
    found = serious_violations(page)
    assert not found, f"{page.url}:\n{describe(found)}"
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(size)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 320px"


def test_civic_lottery_from_set_up_to_the_councils_response(page: Page, browser, server, make_user, worker):
    from assemblies.models import Assembly, Respondent, Session
    from councils.models import Area, Council

    base = server["base_url"]
    council = Council.objects.first() or Council.objects.create(name="Riverside Borough", slug="riverside")
    for ward in ("North", "South", "East"):
        Area.objects.get_or_create(council=council, slug=ward.lower(), defaults={"name": ward})
    officer, password, secret = make_user("officer", mfa=True)
    sign_in(page, base, officer.email, password, secret)

    # Set-up
    page.goto(base + "/officer/assemblies/")
    check_page(page)
    page.get_by_label("Name").fill("Streets for people")
    page.get_by_label("Question put to the assembly").fill("How should we share our streets?")
    page.get_by_role("button", name="Create assembly").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Streets for people")
    slug = page.url.rstrip("/").split("/")[-1]
    page.get_by_label("Panel size").fill("2")
    page.get_by_label("Invitations to send").fill("6")
    page.get_by_label("Support offered", exact=False).fill("Childcare, travel, £100 a day")
    page.get_by_label("Personal data kept until").fill((date.today() + timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Lottery settings saved.")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Quotas").click()
    page.get_by_label("Quotas, one per line", exact=False).fill("gender, female, 1, 1\ngender, male, 1, 1")
    page.get_by_role("button", name="Save quotas").click()
    expect(page.get_by_text("Quotas saved.")).to_be_visible()
    check_page(page)

    # Stage 1: addresses, seed, draw, letters
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Address list", exact=False).set_input_files(
        files=[{"name": "addresses.csv", "mimeType": "text/csv", "buffer": ADDRESSES.replace("East\n", "Nowhere\n", 1).encode()}])
    page.get_by_role("button", name="Import addresses").click()
    expect(page.get_by_text("Nothing was imported", exact=False)).to_be_visible()
    expect(page.get_by_text("unknown ward 'Nowhere'", exact=False)).to_be_visible()
    check_page(page)
    page.get_by_label("Address list", exact=False).set_input_files(
        files=[{"name": "addresses.csv", "mimeType": "text/csv", "buffer": ADDRESSES.encode()}])
    page.get_by_role("button", name="Import addresses").click()
    expect(page.get_by_text("6 addresses imported.").first).to_be_visible()
    page.get_by_label("Seed to publish before the draw").fill("4 8 15 16 23 42")
    page.get_by_role("button", name="Publish seed").click()
    page.get_by_role("button", name="Draw invitations").click()
    expect(page.get_by_text("6 invitations drawn.").first).to_be_visible()
    check_page(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download letters (PDF)").click()
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(pdf.pages) == 6
    codes = [re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", p.extract_text()).group(1) for p in pdf.pages]
    assert len(set(codes)) == 6
    page.get_by_role("link", name="Set-up").click()
    page.get_by_label("Stage").select_option("recruiting")
    page.get_by_role("button", name="Change stage").click()

    # Stage 2: three residents register; a used and a wrong code are refused
    resident = browser.new_page()
    for number, (code, gender) in enumerate(zip(codes[:3], ["female", "male", "female"], strict=True)):
        resident.goto(base + "/register/")
        if number == 0:
            check_page(resident)
        resident.get_by_label("Registration code from your letter").fill(code)
        resident.get_by_role("button", name="Continue").click()
        resident.get_by_label("Your name").fill(f"Browser Person{number}")
        resident.get_by_label("Email address").fill(f"browser{number}@example.org")
        resident.get_by_label(gender, exact=True).check()
        resident.get_by_label("I agree", exact=False).check()
        if number == 0:
            check_page(resident)
        resident.get_by_role("button", name="Register").click()
        expect(resident.get_by_role("heading", level=1)).to_have_text("You are registered")
        if number == 0:
            check_page(resident)
    for bad, message in ((codes[0], "already been used"), ("ZZZZ-ZZZZ", "do not recognise")):
        resident.goto(base + "/register/")
        resident.get_by_label("Registration code from your letter").fill(bad)
        resident.get_by_role("button", name="Continue").click()
        expect(resident.get_by_text(message, exact=False).first).to_be_visible()
    check_page(resident)

    # Selection as a background task with live progress
    page.goto(f"{base}/officer/assemblies/{slug}/selection/")
    check_page(page)
    page.get_by_label("Seed (published in the report)").fill("draw 2026")
    page.get_by_role("button", name="Run selection").click()
    expect(page.get_by_label("Progress")).to_be_visible()
    expect(page.get_by_role("heading", name="Target against selected")).to_be_visible(timeout=60_000)
    check_page(page)

    # A selected person confirms, signs in and reaches the live session
    assembly = Assembly.objects.get(slug=slug)
    Session.objects.create(assembly=assembly, title="First evening", starts_at=assembly.created_at,
                           status=Session.Status.LIVE)
    chosen = Respondent.objects.filter(lottery__assembly=assembly, status=Respondent.Status.SELECTED).first()
    member = browser.new_page()
    member.goto(f"{base}/register/confirm/{chosen.token}/")
    check_page(member)
    member.get_by_label("Choose a password", exact=False).fill("member-password-2026")
    member.get_by_role("button", name="Confirm my place").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("sessions")
    member.get_by_role("button", name="Sign out").click()
    sign_in(member, base, chosen.email, "member-password-2026")
    member.goto(f"{base}/assemblies/{slug}/")
    member.get_by_role("link", name="Your sessions").click()
    expect(member.get_by_text("First evening").first).to_be_visible()
    expect(member.get_by_text("In progress now")).to_be_visible()
    check_page(member)
    member.get_by_role("link", name="First evening").first.click()
    expect(member).to_have_url(re.compile(r"/assemblies/sessions/\d+/$"))
    expect(member.get_by_text("First evening").first).to_be_visible()

    # The council's response on the public tracker
    page.goto(f"{base}/officer/assemblies/{slug}/recommendations/")
    page.get_by_label("Title").fill("School streets")
    page.locator("textarea[name=text]").fill("Close roads outside schools at drop-off times.")
    page.get_by_label("Support (share of members, 0 to 1)").fill("0.9")
    page.get_by_label("Adopted on").fill("2026-03-01")
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_role("link", name="1. School streets").click()
    page.get_by_label("Council's decision").select_option("in_part")
    page.get_by_label("Reasons").fill("Funded for ten schools this year.")
    page.get_by_label("Responsible service").fill("Highways")
    page.get_by_role("button", name="Record response").click()
    expect(page.get_by_text("Response recorded.")).to_be_visible()
    check_page(page)
    visitor = browser.new_page()
    visitor.goto(f"{base}/assemblies/{slug}/recommendations/")
    expect(visitor.get_by_text("School streets")).to_be_visible()
    expect(visitor.get_by_text("Accepted in part")).to_be_visible()
    expect(visitor.get_by_text("Funded for ten schools this year.")).to_be_visible()
    check_page(visitor)
    visitor.goto(f"{base}/assemblies/{slug}/")
    check_page(visitor)
    page.goto(f"{base}/officer/assemblies/{slug}/representativeness/")
    check_page(page)
