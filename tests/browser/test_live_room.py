"""A facilitator and a member run a live room in two browser contexts (acceptance 4)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import describe, serious_violations, sign_in


def _off_the_loop(fn):
    """Services announce on commit through the channel layer (async_to_sync), which cannot run in
    Playwright's event-loop thread: arrange data in a worker thread."""
    from django.db import connections

    def run():
        try:
            return fn()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def live_room(server, make_user):
    return _off_the_loop(lambda: _arrange(make_user))


def _arrange(make_user):
    from django.utils import timezone

    from assemblies import services as assemblies
    from assemblies.models import Membership
    from audit.context import AuditContext
    from councils.models import Council

    council, _ = Council.objects.get_or_create(slug="live-room", defaults={"name": "Live Borough"})
    officer, _, _ = make_user("officer", mfa=True)
    assembly = assemblies.create_assembly(officer, council=council, name="Transport assembly",
                                          question="How should we get around?", slug=f"transport-{officer.pk}", context=AuditContext.command())
    chair, chair_password, _ = make_user("facilitator")
    member, member_password, _ = make_user("assembly_member")
    assemblies.add_member(officer, assembly, chair, role=Membership.Role.FACILITATOR, context=AuditContext.command())
    assemblies.add_member(officer, assembly, member, context=AuditContext.command())
    session = assemblies.create_session(officer, assembly, title="Evening one", starts_at=timezone.now(),
                                        status="live", context=AuditContext.command())
    return {"session": session, "chair": (chair, chair_password), "member": (member, member_password)}


def _open(browser: Browser, base_url: str, who, path: str, width: int = 1000) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, base_url, who[0].email, who[1])
    page.goto(base_url + path)
    expect(page.locator("#connection")).to_have_text("Live.", timeout=15_000)
    return page


def test_facilitator_and_member_run_an_item_call_a_speaker_answer_a_poll_and_vote_a_recommendation(
    browser: Browser, server, live_room
):
    base = server["base_url"]
    room = f"/assemblies/sessions/{live_room['session'].pk}/"
    chair = _open(browser, base, live_room["chair"], room)
    member = _open(browser, base, live_room["member"], room, width=360)
    member_name = live_room["member"][0].display_name

    # An agenda item, started by the facilitator, counts down on the member's phone.
    chair.get_by_text("Add an agenda item").click()
    chair.get_by_label("Title").first.fill("Welcome and ground rules")
    chair.get_by_label("Planned seconds").fill("600")
    chair.get_by_role("button", name="Add item").click()
    chair.get_by_role("button", name="Start item").click()
    expect(member.locator("#agenda-now")).to_contain_text("Welcome and ground rules")
    expect(member.get_by_role("timer")).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))

    # The member raises a hand (keyboard only) and is called.
    member.locator("#raise-hand").focus()
    member.keyboard.press("Enter")
    expect(chair.locator("#queue")).to_contain_text(member_name)
    chair.get_by_role("button", name="Call next speaker").click()
    expect(member.locator("#speaker-now")).to_have_text(f"Speaking now: {member_name}")
    expect(member.locator("#announcer")).to_have_text("You have the floor.")

    # A straw poll is opened and answered; results are live for both.
    chair.get_by_text("Open a straw poll").click()
    chair.get_by_label("Question").fill("Which first?")
    chair.get_by_label("Options, one per line").fill("Buses\nBikes")
    chair.get_by_role("button", name="Open poll").click()
    member.locator("#polls").get_by_label("Bikes").check()
    member.locator("#polls").get_by_role("button", name="Answer").click()
    expect(chair.locator("#polls")).to_contain_text("Bikes: 1")
    expect(chair.locator("#polls")).to_contain_text("1 answers")

    # A recommendation is drafted, put to a final vote at 80 % and voted through.
    chair.get_by_text("Start a recommendation draft").click()
    chair.locator("#draft-title").fill("Free buses for under-25s")
    chair.locator("#draft-text").fill("The council should make buses free for residents under 25.")
    chair.get_by_role("button", name="Start draft").click()
    chair.get_by_role("button", name=re.compile("Open final vote")).click()
    member.locator("#votes").get_by_role("button", name="Support").click()
    chair.locator("#votes").get_by_role("button", name="Support").click()
    expect(chair.locator("#votes")).to_contain_text("2 votes cast")
    chair.get_by_role("button", name="Close vote").click()
    expect(member.locator("#votes")).to_contain_text("Passed: 2 support, 0 oppose, 0 abstain")
    expect(member.locator("#drafts")).to_contain_text("adopted")

    # Accessibility of the room pages, and nothing scrolls sideways at 320 px.
    projector = chair.context.new_page()
    projector.goto(base + room + "projector/")
    expect(projector.locator("#connection")).to_have_text("Live.", timeout=15_000)
    for page in (chair, member, projector):
        found = serious_violations(page)
        assert not found, f"{page.url}:\n{describe(found)}"
    minutes = member.context.new_page()
    minutes.goto(base + room + "minutes/")
    expect(minutes.locator("main")).to_contain_text("Vote closed")
    assert not serious_violations(minutes)
    for page in (member, projector, minutes):
        page.set_viewport_size({"width": 320, "height": 800})
        page.wait_for_timeout(200)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 320 px"
