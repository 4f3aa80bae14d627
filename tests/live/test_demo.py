"""``make demo`` has an assembly with a session in progress: agenda running, statements, an open poll."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from assemblies.models import Session
from deliberation.models import AgendaItem, OpinionMap, Poll, RoomEvent, Statement

pytestmark = pytest.mark.django_db


def test_demo_builds_a_live_session_once_and_prints_its_url(settings):
    settings.DEMO_BASE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("demo_data", stdout=out)
    session = Session.objects.get(assembly__slug="climate-assembly", status="live")
    events = RoomEvent.objects.count()
    call_command("demo_data", stdout=StringIO())
    assert RoomEvent.objects.count() == events
    assert f"http://127.0.0.1:8000/assemblies/sessions/{session.pk}/" in out.getvalue()
    assert AgendaItem.objects.filter(session=session, status="running").count() == 1
    assert Statement.objects.filter(session=session).count() >= 6
    assert Poll.objects.filter(session=session, status="open").exists()
    assert len(OpinionMap.objects.get(session=session).data["groups"]) >= 2

    client = Client()
    client.force_login(User.objects.get(email="member1@riverside.example"))
    assert f"/assemblies/sessions/{session.pk}/" in client.get("/me/").content.decode()
    assert client.get(f"/assemblies/sessions/{session.pk}/").status_code == 200


def test_demo_prints_the_links_of_the_port_it_is_served_on(settings):
    """``make demo PORT=9123`` serves on 9123: the printed sign-in and room links must say so."""
    settings.DEMO_BASE_URL = "http://127.0.0.1:9123"
    out = StringIO()
    call_command("demo_data", stdout=out)
    session = Session.objects.get(assembly__slug="climate-assembly", status="live")
    printed = out.getvalue()
    assert "Sign in at http://127.0.0.1:9123/accounts/login/" in printed
    assert f"http://127.0.0.1:9123/assemblies/sessions/{session.pk}/" in printed
    assert "127.0.0.1:8000" not in printed
