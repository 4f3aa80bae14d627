"""Officers convene assemblies, seat members and schedule sessions; others cannot; all is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import Role
from assemblies import services
from assemblies.models import Membership
from audit.context import AuditContext
from audit.models import AuditEntry
from councils.models import Council

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    return Council.objects.create(name="Riverside", slug="riverside")


def test_officer_creates_assembly_membership_and_session_and_each_is_audited(council, make_user):
    officer = make_user(Role.OFFICER)
    person = make_user(Role.ASSEMBLY_MEMBER)
    assembly = services.create_assembly(officer, name="Climate assembly", question="How do we reach net zero?", context=AuditContext.command())
    assert assembly.council == council and assembly.slug == "climate-assembly"
    seat = services.add_member(officer, assembly, person, role=Membership.Role.FACILITATOR, categories={"age": "25-34"}, context=AuditContext.command())
    session = services.create_session(officer, assembly, title="Evening one", starts_at=timezone.now(), context=AuditContext.command())
    assert services.membership_of(person, assembly.pk) == seat
    assert [m.assembly for m in services.memberships_for(person)] == [assembly]
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "assembly.create", "assembly.member_add", "assembly.session_create"
    }
    assert session.status == "scheduled"


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.ASSEMBLY_MEMBER, Role.FACILITATOR])
def test_only_officers_convene_assemblies(council, make_user, role):
    with pytest.raises(PermissionDenied):
        services.create_assembly(make_user(role), name="A", question="Q?", context=AuditContext.command())


def test_seating_someone_twice_updates_the_one_membership(council, make_user):
    officer = make_user(Role.OFFICER)
    person = make_user()
    assembly = services.create_assembly(officer, name="A", question="Q?", context=AuditContext.command())
    services.add_member(officer, assembly, person, context=AuditContext.command())
    services.add_member(officer, assembly, person, role=Membership.Role.OBSERVER, context=AuditContext.command())
    assert list(Membership.objects.values_list("role", flat=True)) == ["observer"]
    with pytest.raises(IntegrityError):
        Membership.objects.create(assembly=assembly, user=person)


def test_bad_role_and_duplicate_slug_are_refused_with_a_clear_error(council, make_user):
    officer = make_user(Role.OFFICER)
    assembly = services.create_assembly(officer, name="A", question="Q?", context=AuditContext.command())
    with pytest.raises(ValidationError, match="slug"):
        services.create_assembly(officer, name="A", question="Q?", context=AuditContext.command())
    with pytest.raises(ValidationError, match="role"):
        services.add_member(officer, assembly, make_user(), role="chair", context=AuditContext.command())
