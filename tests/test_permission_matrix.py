"""One table of every officer/administrator page and who may open it.

Later slices add their pages to ``PAGES``; ``test_every_officer_url_is_in_the_matrix``
fails if a page under /officer/ or /audit/ is added without a row here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role
from accounts.permissions import CAPABILITIES
from tests.assemblies_web.test_permissions import ROUTES as ASSEMBLY_LOTTERY_ROUTES  # their own matrix

pytestmark = pytest.mark.django_db

# path -> capability needed
PAGES: dict[str, str] = {
    "/officer/": "officer.dashboard",
    "/officer/users/": "users.manage",
    "/audit/": "audit.view",
    "/officer/pb/": "pb.manage",
}
# Officer pages of one PB process need a process (and ideas) to exist: their rows, for anonymous
# people, residents of the process's ward and of another ward, and officers, are in
# tests/pb_web/test_permissions.py (which also fails if a PB page is missing from it).
COVERED_BY_PB_MATRIX = "officer/pb/<slug:slug>/"
PROTECTED_PREFIXES = ("officer/", "audit/")


def _all_routes(resolver=None, prefix: str = "") -> list[str]:
    resolver = resolver or get_resolver()
    routes: list[str] = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes.extend(_all_routes(pattern, route))
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def test_every_officer_url_is_in_the_matrix():
    protected = [r for r in _all_routes() if r.startswith(PROTECTED_PREFIXES)]
    assert protected, "expected officer routes"
    for route in protected:
        if route in ASSEMBLY_LOTTERY_ROUTES or route.startswith(COVERED_BY_PB_MATRIX):
            continue
        concrete = "/" + route.replace("<int:pk>", "1").replace("<slug:slug>", "x")
        assert concrete in PAGES, f"{route} is not in the permission matrix"


@pytest.mark.parametrize("path,capability", sorted(PAGES.items()))
@pytest.mark.parametrize("role", Role.values)
def test_role_gets_page_only_with_capability(client_for, role, path, capability):
    client = client_for(role)
    response = client.get(path)
    if role in CAPABILITIES[capability]:
        assert response.status_code == 200, f"{role} should open {path}"
    else:
        assert response.status_code == 403, f"{role} must get 403 on {path}, got {response.status_code}"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_service_refuses_role_change_by_an_officer(make_user):
    from django.core.exceptions import PermissionDenied

    from accounts.services import change_role
    from audit.context import AuditContext

    officer = make_user(Role.OFFICER)
    target = make_user(Role.RESIDENT)
    with pytest.raises(PermissionDenied):
        change_role(officer, target, Role.ADMINISTRATOR, context=AuditContext.command())
    target.refresh_from_db()
    assert target.role == Role.RESIDENT
