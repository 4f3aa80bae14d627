"""The demo: an assembly recruiting, one sitting with 50 members and 3 sessions, one finished with the
council's response; the published selection reports verify; building twice changes nothing."""

from __future__ import annotations

import pytest

from accounts.demo import build as build_people
from assemblies.lottery import public_report, recommendations_data
from assemblies.lottery_demo import build
from assemblies.models import Assembly, Membership, Respondent
from assemblies.sortition.public_report import verify_public_report
from councils.demo import build as build_council

pytestmark = pytest.mark.django_db


def test_demo_assemblies_at_each_stage_and_their_reports_verify():
    build_council()
    build_people()
    build()
    build()
    recruiting, sitting, finished = (Assembly.objects.get(slug=s) for s in ("streets-2027", "climate-2026", "housing-2025"))
    assert recruiting.status == Assembly.Status.RECRUITING
    assert Respondent.objects.filter(lottery__assembly=recruiting).count() == 300
    assert sitting.status == Assembly.Status.SITTING and sitting.sessions.count() == 3
    assert Membership.objects.filter(assembly=sitting, role=Membership.Role.MEMBER).count() == 50
    assert finished.status == Assembly.Status.CONCLUDED
    tracker = recommendations_data(finished)["recommendations"]
    assert len(tracker) == 4 and all(r["decision"] != "pending" for r in tracker)
    for assembly in (sitting, finished):
        outcome = verify_public_report(public_report(assembly))
        assert outcome.matches, outcome.messages
