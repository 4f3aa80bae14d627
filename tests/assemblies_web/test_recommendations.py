"""Recommendations adopted in the sessions are published with their support; the council's response
and progress show on the public tracker; officer exports in four formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import Role
from assemblies import lottery, services
from audit.context import AuditContext

from .factories import council

pytestmark = pytest.mark.django_db


@pytest.fixture
def assembly(make_user):
    officer = make_user(Role.OFFICER)
    made = services.create_assembly(officer, council=council(), name="Climate", question="Net zero how?",
                                    context=AuditContext.command())
    made.officer = officer
    return made


def test_publishing_the_same_adopted_draft_twice_gives_one_recommendation(assembly):
    first = lottery.publish_recommendation(assembly.officer, assembly, title="School streets", text="Close roads.",
                                           support_share=0.9, adopted_on=date(2026, 3, 1), source_draft=7)
    again = lottery.publish_recommendation(assembly.officer, assembly, title="School streets", text="Close roads.",
                                           support_share=0.9, adopted_on=date(2026, 3, 1), source_draft=7)
    assert again.pk == first.pk and assembly.recommendations.count() == 1


def test_the_tracker_shows_the_response_and_exports_are_for_officers(assembly, make_user):
    rec = lottery.publish_recommendation(assembly.officer, assembly, title="Cycle lanes", text="Build them.",
                                         support_share=0.86, adopted_on=date(2026, 3, 1))
    lottery.record_response(assembly.officer, rec, decision="in_part", reasons="Two routes funded.",
                            responsible_service="Highways", due_date=date(2027, 1, 31))
    lottery.add_progress_update(assembly.officer, rec, on=date(2026, 6, 1), text="First route open.")
    public = Client()
    page = public.get(f"/assemblies/{assembly.slug}/recommendations/").content.decode()
    assert "Cycle lanes" in page and "Accepted in part" in page and "First route open." in page
    data = public.get(f"/assemblies/{assembly.slug}/recommendations.json").json()
    assert data["recommendations"][0]["decision"] == "in_part"
    assert data["recommendations"][0]["due_date"] == "2027-01-31"
    for fmt in ("csv", "json", "xlsx", "pdf"):
        assert public.get(f"/officer/assemblies/{assembly.slug}/export.{fmt}").status_code == 302
    resident = Client()
    resident.force_login(make_user(Role.RESIDENT))
    assert resident.get(f"/officer/assemblies/{assembly.slug}/export.csv").status_code == 403
    officer = Client()
    officer.force_login(assembly.officer)
    rows = list(csv.reader(io.StringIO(officer.get(f"/officer/assemblies/{assembly.slug}/export.csv").content.decode())))
    assert rows[0] == lottery.EXPORT_COLUMNS and rows[1][1] == "Cycle lanes" and rows[1][4] == "Accepted in part"
    assert json.loads(officer.get(f"/officer/assemblies/{assembly.slug}/export.json").content)["recommendations"]
    sheet = load_workbook(io.BytesIO(officer.get(f"/officer/assemblies/{assembly.slug}/export.xlsx").content)).active
    assert sheet["B2"].value == "Cycle lanes"
    pdf = PdfReader(io.BytesIO(officer.get(f"/officer/assemblies/{assembly.slug}/export.pdf").content))
    assert "Cycle lanes" in pdf.pages[0].extract_text()


def test_a_response_needs_a_decision_and_reasons(assembly):
    from django.core.exceptions import ValidationError

    rec = lottery.publish_recommendation(assembly.officer, assembly, title="T", text="X", support_share=0.5,
                                         adopted_on=date(2026, 3, 1))
    with pytest.raises(ValidationError):
        lottery.record_response(assembly.officer, rec, decision="pending", reasons="x", responsible_service="",
                                due_date=None)
    with pytest.raises(ValidationError):
        lottery.record_response(assembly.officer, rec, decision="accepted", reasons=" ", responsible_service="",
                                due_date=None)
