"""Acceptance 1: the PB journey in chromium against daphne, with the real db_worker counting.

A resident signs in, submits an idea and supports another; an officer records feasibility and opens
voting; the resident casts a knapsack ballot (over budget: clear error, choices kept), changes it
and gets a receipt; the officer closes voting; the count runs as a background task; the results
page shows the outcome and the rounds; /pb/<slug>/check/ finds the receipt. Every page of the
journey is scanned by axe (no serious or critical violation) and must not scroll sideways at 320 px.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO_ROOT, describe, serious_violations, sign_in

NARROW = {"width": 320, "height": 720}


@pytest.fixture
def worker(server):
    log = open(server["tmp"] / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.3", "--no-startup-delay"],
        cwd=REPO_ROOT, env=server["env"], stdout=log, stderr=subprocess.STDOUT)
    yield process
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def check_page(page: Page, seen: list[str]) -> None:
    """axe finds nothing serious and the page does not scroll sideways at 320 px."""
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW["width"]:
        wide = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 321 && !(e.parentElement && e.parentElement.closest('.table-scroll')))
            .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + getComputedStyle(e).overflowX)""")
        raise AssertionError(f"{page.url} scrolls sideways at 320 px ({width} px wide): {wide}")
    violations = serious_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"
    seen.append(page.url)


def test_pb_journey_from_idea_to_checked_receipt(browser, server, make_user, worker):
    from councils.models import Area, Council
    from proposals.models import BallotType, Idea, Phase, Process

    base = server["base_url"]
    council, _ = Council.objects.get_or_create(slug="journeyborough", defaults={"name": "Journeyborough"})
    north, _ = Area.objects.get_or_create(council=council, slug="north", defaults={"name": "North"})
    process = Process.objects.create(council=council, slug="journey", title="Journey fund", total_budget=Decimal(1000),
                                     ballot_type=BallotType.KNAPSACK, rule="greedy", phase=Phase.IDEAS)
    existing = Idea.objects.create(process=process, area=north, title="Benches by the pond", description="Seats.",
                                   estimated_cost=Decimal(700))
    resident_user, resident_password, _ = make_user("resident")
    from accounts.models import Profile

    Profile.objects.update_or_create(user=resident_user, defaults={"area": north})
    officer_user, officer_password, officer_secret = make_user("officer", mfa=True)
    seen: list[str] = []

    resident = browser.new_context(viewport=NARROW).new_page()
    officer = browser.new_context(viewport=NARROW).new_page()
    sign_in(resident, base, resident_user.email, resident_password)

    # The resident submits an idea and supports another.
    resident.goto(base + "/pb/")
    check_page(resident, seen)
    resident.goto(base + "/pb/journey/")
    check_page(resident, seen)
    resident.get_by_role("link", name="Submit an idea").click()
    check_page(resident, seen)
    resident.get_by_label(re.compile(r"^Title")).fill("Wildflower verges")
    resident.get_by_label(re.compile(r"^Description")).fill("Sow wildflowers along the main road verges.")
    resident.get_by_label(re.compile(r"^Ward")).select_option(label="North")
    resident.get_by_label(re.compile(r"^Category")).fill("green")
    resident.get_by_label(re.compile(r"^Estimated cost")).fill("600")
    resident.get_by_role("button", name="Submit idea").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("Wildflower verges")
    check_page(resident, seen)
    mine = Idea.objects.get(process=process, title="Wildflower verges")
    resident.goto(base + f"/pb/journey/ideas/{existing.pk}/")
    resident.get_by_role("button", name="Support this idea").click()
    expect(resident.get_by_text("You support this idea.").first).to_be_visible()
    resident.goto(base + "/pb/journey/ideas/")
    check_page(resident, seen)

    # The officer records feasibility for both ideas and opens voting.
    sign_in(officer, base, officer_user.email, officer_password, officer_secret)
    for idea in (mine, existing):
        officer.goto(base + f"/officer/pb/journey/ideas/{idea.pk}/")
        check_page(officer, seen)
        officer.get_by_label("Feasible: put it on the ballot").check()
        officer.get_by_label(re.compile(r"^Public explanation")).fill("Checked by highways: deliverable this year.")
        officer.get_by_role("button", name="Record verdict").click()
        expect(officer.get_by_text("Feasibility verdict recorded.")).to_be_visible()
    check_page(officer, seen)
    officer.get_by_label(re.compile(r"^Phase")).select_option(label="Voting")
    officer.get_by_role("button", name="Move to this phase").click()
    expect(officer.get_by_text("Phase changed.")).to_be_visible()

    # The resident votes: over budget first (clear error, choices kept), then within it.
    resident.goto(base + "/pb/journey/vote/")
    check_page(resident, seen)
    resident.get_by_label(re.compile("Wildflower verges")).check()
    resident.get_by_label(re.compile("Benches by the pond")).check()
    expect(resident.locator("#running-total")).to_contain_text("over budget")
    resident.get_by_role("button", name="Cast my ballot").click()
    expect(resident.get_by_role("alert")).to_contain_text("the budget is 1000.00")
    expect(resident.get_by_label(re.compile("Wildflower verges"))).to_be_checked()
    expect(resident.get_by_label(re.compile("Benches by the pond"))).to_be_checked()
    check_page(resident, seen)
    resident.get_by_label(re.compile("Benches by the pond")).uncheck()
    resident.get_by_role("button", name="Cast my ballot").click()
    first_receipt = resident.locator("#receipt-code").inner_text()
    check_page(resident, seen)
    # ... and changes it: the receipt is pre-filled from the browser, a new one is issued.
    resident.goto(base + "/pb/journey/vote/")
    resident.get_by_label(re.compile("Wildflower verges")).uncheck()
    resident.get_by_label(re.compile("Benches by the pond")).check()
    resident.get_by_role("button", name="Change my ballot").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text("Your ballot is changed")
    receipt = resident.locator("#receipt-code").inner_text()
    assert receipt != first_receipt
    check_page(resident, seen)

    # The officer closes voting; the worker counts; the results page shows the outcome and rounds.
    officer.goto(base + "/officer/pb/journey/")
    check_page(officer, seen)
    officer.get_by_role("button", name="Close voting and count").click()
    deadline = time.time() + 60
    while "Funded projects" not in officer.content():
        assert time.time() < deadline, "the count did not finish within 60 s"
        time.sleep(1)
        officer.goto(base + "/pb/journey/results/")
    expect(officer.get_by_role("heading", name="How the count went, round by round")).to_be_visible()
    expect(officer.locator(".pb-unit ul").first).to_contain_text("Benches by the pond")
    check_page(officer, seen)

    # The resident finds their receipt in the published count.
    resident.goto(base + "/pb/journey/check/")
    resident.get_by_label(re.compile(r"^Receipt code")).fill(receipt)
    resident.get_by_role("button", name="Check").click()
    expect(resident.get_by_role("heading", name="Your ballot was found")).to_be_visible()
    expect(resident.get_by_text("It is in the published count")).to_be_visible()
    check_page(resident, seen)
    assert len(seen) >= 14
