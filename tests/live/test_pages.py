"""Room pages, the no-JavaScript path, minutes from the event log and officers' vote exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from deliberation import services

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _voted_through(room) -> int:
    chair = room.facilitator
    services.perform(chair, room.session.pk, "draft.amend", {"action": "create", "title": "Buses", "text": "Free buses."})
    draft = services.Draft.objects.get().pk
    services.perform(chair, room.session.pk, "vote.open", {"draft": draft, "threshold_percent": 80})
    vote = services.RecommendationVote.objects.get().pk
    for member in room.members[:4]:
        services.perform(member, room.session.pk, "vote.cast", {"vote": vote, "choice": "support"})
    services.perform(room.members[4], room.session.pk, "vote.cast", {"vote": vote, "choice": "abstain"})
    services.perform(chair, room.session.pk, "vote.close", {"vote": vote})
    return vote


def test_members_see_the_room_and_outsiders_get_403(room):
    url = f"/assemblies/sessions/{room.session.pk}/"
    assert _client(room.members[0]).get(url).status_code == 200
    assert _client(room.outsider).get(url).status_code == 403
    assert _client(room.members[0]).get(url + "projector/").status_code == 200


def test_the_room_works_without_javascript_through_form_posts(room):
    client = _client(room.members[0])
    response = client.post(f"/assemblies/sessions/{room.session.pk}/act/", {"type": "statement.post", "text": "Trams!"})
    assert response.status_code == 302
    assert "Trams!" in client.get(f"/assemblies/sessions/{room.session.pk}/").content.decode()
    response = client.post(f"/assemblies/sessions/{room.session.pk}/act/", {"type": "agenda.next"}, follow=True)
    assert "Only the facilitator" in response.content.decode()


def test_minutes_are_built_from_the_event_log_and_show_removals_with_their_reason(room):
    services.perform(room.facilitator, room.session.pk, "agenda.add", {"title": "Welcome", "seconds": 300})
    services.perform(room.facilitator, room.session.pk, "agenda.start", {})
    services.perform(room.members[0], room.session.pk, "statement.post", {"text": "Ban cars"})
    statement = services.Statement.objects.get().pk
    services.perform(room.facilitator, room.session.pk, "message.remove", {"statement": statement, "reason": "Duplicate"})
    _voted_through(room)
    page = _client(room.members[1]).get(f"/assemblies/sessions/{room.session.pk}/minutes/").content.decode()
    assert "started “Welcome”" in page
    assert "[removed: Duplicate]" in page and "Ban cars" not in page
    assert "4 support, 0 oppose, 1 abstain" in page
    assert "<script" not in page.split("<main")[1].split("</main>")[0]


def test_officers_export_vote_results_as_csv_and_json_and_members_cannot(room):
    vote = _voted_through(room)
    officer = _client(room.officer)
    rows = json.loads(officer.get(f"/assemblies/sessions/{room.session.pk}/votes.json").content)["votes"]
    assert rows[0]["vote"] == vote and rows[0]["support_percent"] == 80.0 and rows[0]["passed"] is True
    text = officer.get(f"/assemblies/sessions/{room.session.pk}/votes.csv").content.decode()
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["support"] == "4" and parsed[0]["passed"] == "True"
    assert _client(room.members[0]).get(f"/assemblies/sessions/{room.session.pk}/votes.csv").status_code == 403


def test_a_members_account_page_links_to_their_assembly_session(room):
    page = _client(room.members[0]).get("/me/").content.decode()
    assert f"/assemblies/sessions/{room.session.pk}/" in page
    assert f"/assemblies/sessions/{room.session.pk}/" not in _client(room.outsider).get("/me/").content.decode()
