"""Acceptance 5: every URL of the civic lottery, who may open it, and no personal data on public pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from accounts.models import Role
from assemblies import lottery, services
from assemblies.models import Membership, Respondent
from audit.context import AuditContext

from .factories import register_all, select, set_up

pytestmark = pytest.mark.django_db

# route (as in assemblies/lottery_urls.py) -> who may open it
ROUTES: dict[str, str] = {
    "register/": "public",
    "register/thanks/<str:token>/": "token",
    "register/withdraw/<str:token>/": "token",
    "register/confirm/<str:token>/": "token",
    "assemblies/": "public",
    "assemblies/<slug:slug>/": "public",
    "assemblies/<slug:slug>/selection-report.json": "public",
    "assemblies/<slug:slug>/recommendations/": "public",
    "assemblies/<slug:slug>/recommendations.json": "public",
    "assemblies/<slug:slug>/member/": "member",
    "officer/assemblies/": "officer",
    "officer/assemblies/<slug:slug>/": "officer",
    "officer/assemblies/<slug:slug>/status/": "officer-post",
    "officer/assemblies/<slug:slug>/quotas/": "officer",
    "officer/assemblies/<slug:slug>/invitations/": "officer",
    "officer/assemblies/<slug:slug>/letters.pdf": "officer",
    "officer/assemblies/<slug:slug>/mailing.csv": "officer",
    "officer/assemblies/<slug:slug>/assisted/": "officer",
    "officer/assemblies/<slug:slug>/selection/": "officer",
    "officer/assemblies/<slug:slug>/selection/<int:run>/": "officer",
    "officer/assemblies/<slug:slug>/selection/<int:run>/progress/": "officer",
    "officer/assemblies/<slug:slug>/respondents/<str:public_id>/response/": "officer-post",
    "officer/assemblies/<slug:slug>/representativeness/": "officer",
    "officer/assemblies/<slug:slug>/recommendations/": "officer",
    "officer/assemblies/<slug:slug>/recommendations/<int:number>/": "officer",
    "officer/assemblies/<slug:slug>/export.<str:fmt>": "officer",
}
VISITORS = ["anonymous", "resident", "other_member", "member", "facilitator", "officer", "administrator"]
PERSONAL = ["Zqx", "zqx@example.org", "07700 9", "Station Road"]


@pytest.fixture
def world(make_user):
    officer = make_user(Role.OFFICER)
    setup = set_up(officer)
    register_all(setup.lottery)
    run = select(officer, setup.lottery)
    selected = Respondent.objects.filter(status=Respondent.Status.SELECTED).first()
    member = make_user(Role.ASSEMBLY_MEMBER)
    services.add_member(officer, setup.assembly, member, context=AuditContext.command())
    rec = lottery.publish_recommendation(officer, setup.assembly, title="Cycle lanes", text="Build them.",
                                         support_share=0.86, adopted_on=date(2026, 3, 1))
    users = {name: make_user(role) for name, role in [
        ("resident", Role.RESIDENT), ("other_member", Role.ASSEMBLY_MEMBER), ("facilitator", Role.FACILITATOR),
        ("administrator", Role.ADMINISTRATOR)]}
    users.update(officer=officer, member=member)
    values = {"<slug:slug>": setup.assembly.slug, "<str:token>": selected.token, "<int:run>": str(run.pk),
              "<str:public_id>": selected.public_id, "<int:number>": str(rec.number), "<str:fmt>": "xlsx"}
    return {"setup": setup, "users": users, "values": values, "membership": Membership}


def _path(route: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        route = route.replace(key, value)
    return "/" + route


def _expected(kind: str, visitor: str) -> set[int]:
    staff = visitor in ("officer", "administrator")
    if kind in ("public", "token"):
        return {200}
    if visitor == "anonymous":
        return {302}
    if kind == "member":
        return {200} if staff or visitor == "member" else {403}
    if kind == "officer-post":
        return {302} if staff else {403}
    return {200} if staff else {403}


def test_every_lottery_route_is_in_the_matrix():
    from assemblies.lottery_urls import urlpatterns

    assert {str(p.pattern) for p in urlpatterns} == set(ROUTES)


@pytest.mark.parametrize("route,kind", sorted(ROUTES.items()))
def test_each_visitor_gets_each_lottery_page_only_when_allowed(world, route, kind):
    path = _path(route, world["values"])
    for visitor in VISITORS:
        client = Client()
        if visitor != "anonymous":
            client.force_login(world["users"][visitor])
        if kind == "officer-post":
            response = client.post(path, {"status": "recruiting", "answer": "decline"})
        else:
            response = client.get(path)
        assert response.status_code in _expected(kind, visitor), f"{visitor} on {path}: {response.status_code}"


def test_public_pages_and_report_reveal_no_personal_data(world):
    client = Client()
    slug = world["values"]["<slug:slug>"]
    for path in [f"/assemblies/{slug}/", f"/assemblies/{slug}/selection-report.json",
                 f"/assemblies/{slug}/recommendations/", f"/assemblies/{slug}/recommendations.json"]:
        text = client.get(path).content.decode()
        assert not [m for m in PERSONAL if m in text], path


def test_unknown_tokens_and_assemblies_are_404(world):
    client = Client()
    assert client.get("/register/confirm/nope/").status_code == 404
    assert client.get("/assemblies/no-such/recommendations/").status_code == 404
    officer = Client()
    officer.force_login(world["users"]["officer"])
    assert officer.get(f"/officer/assemblies/{world['values']['<slug:slug>']}/export.exe").status_code == 404
