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


def test_demo_builds_a_live_session_once_and_prints_its_url():
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
