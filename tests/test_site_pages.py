"""The front door: the home page and /assemblies/ lead residents to what they can take part in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assemblies.models import Assembly
from councils.models import Council
from proposals.models import Phase, Process

pytestmark = pytest.mark.django_db


@pytest.fixture
def council():
    return Council.objects.create(name="Testborough", slug="testborough")


def _process(council, slug, phase):
    return Process.objects.create(council=council, slug=slug, title=f"Budget {slug}", total_budget=Decimal(1000),
                                  phase=phase)


def _assembly(council, slug, status):
    return Assembly.objects.create(council=council, slug=slug, name=f"Assembly {slug}", question=f"Q {slug}?",
                                   status=status)


def test_home_links_published_budgets_and_assemblies_but_not_drafts(client, council):
    _process(council, "parks", Phase.VOTING)
    _process(council, "secret-plan", Phase.DRAFT)
    _assembly(council, "climate", Assembly.Status.SITTING)
    _assembly(council, "unready", Assembly.Status.DRAFT)

    page = client.get("/").content.decode()

    assert 'href="/pb/parks/"' in page and "Budget parks" in page
    assert 'href="/assemblies/climate/"' in page and "Assembly climate" in page
    assert "secret-plan" not in page and "unready" not in page
    assert 'href="/pb/"' in page and 'href="/assemblies/"' in page  # the nav and the "All …" links
    assert "No budget is open" not in page and "No assembly is meeting" not in page


def test_home_says_so_when_there_is_nothing_to_join(client, council):
    page = client.get("/").content.decode()
    assert "No budget is open" in page and "No assembly is meeting" in page


def test_home_lists_a_bounded_number_newest_first(client, council):
    for n in range(8):
        _process(council, f"p{n}", Phase.IDEAS)
    page = client.get("/").content.decode()
    assert 'href="/pb/p7/"' in page and 'href="/pb/p2/"' in page
    assert 'href="/pb/p1/"' not in page  # beyond the six newest: on /pb/
    assert page.index('href="/pb/p7/"') < page.index('href="/pb/p2/"')


def test_assemblies_index_is_public_and_hides_assemblies_being_set_up(client, council):
    _assembly(council, "climate", Assembly.Status.SITTING)
    _assembly(council, "housing", Assembly.Status.CONCLUDED)
    _assembly(council, "unready", Assembly.Status.DRAFT)

    response = client.get("/assemblies/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/assemblies/climate/"' in page and 'href="/assemblies/housing/"' in page
    assert 'href="/assemblies/climate/recommendations/"' in page
    assert "unready" not in page
    assert 'aria-current="page"' in page  # the nav marks where the reader is


def test_assemblies_index_when_there_are_none(client, council):
    page = client.get("/assemblies/").content.decode()
    assert "No assembly has been convened yet" in page
