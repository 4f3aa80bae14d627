"""``{% site_url %}`` (``civic.templatetags.civic_urls``) gives what ``{% url %}`` gives, page for page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix

from accounts.models import Role, User

BASE = Path(settings.BASE_DIR) / "templates" / "base.html"


def _render(source: str, user, prefix: str = "/") -> str:
    request = RequestFactory().get("/pb/")
    request.user = user
    request.session = {}
    set_script_prefix(prefix)
    try:
        html = engines["django"].from_string(source).render({"request": request, "user": user}, request)
    finally:
        set_script_prefix("/")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, Role.RESIDENT, Role.OFFICER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("prefix", ["/", "/civic/"])
def test_the_site_s_page_is_the_same_as_with_url_tags(role, prefix):
    source = BASE.read_text()
    assert "{% site_url" in source and "{% url" not in source
    with_url = source.replace("{% site_url ", "{% url ")
    user = AnonymousUser() if role is None else User(pk=1, email="a@example.org", role=role, is_active=True)
    # Twice each, so the second render of each comes from the per-process cache.
    for _ in range(2):
        html = _render(source, user, prefix)
        assert html == _render(with_url, user, prefix)
    assert f'href="{prefix.rstrip("/")}{reverse("healthz")}"' in html


@pytest.mark.django_db
def test_the_cache_follows_the_script_prefix():
    source = "{% load civic_urls %}{% site_url 'pb_processes' %}"
    assert _render(source, AnonymousUser()) == reverse("pb_processes")
    assert _render(source, AnonymousUser(), "/elsewhere/") == "/elsewhere" + reverse("pb_processes")
    assert _render(source, AnonymousUser()) == reverse("pb_processes")
