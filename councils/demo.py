"""The demo borough: one council and its wards. Idempotent: running it twice changes nothing.

People are built by ``accounts.demo``; ``manage.py demo_data`` calls every app's builder in
``INSTALLED_APPS`` order (see ``civic/management/commands/demo_data.py``).
"""

from __future__ import annotations

from django.db import transaction

from .models import Area, Council

WARDS = [
    ("Riverside", 14200),
    ("Northfield", 12850),
    ("St Anne’s", 11600),
    ("Hollowell", 13400),
    ("Market Town", 15900),
    ("Eastmoor", 10700),
]


@transaction.atomic
def build() -> list:
    """Create the council and its wards; nobody signs in as a council, so no logins."""
    council, _ = Council.objects.get_or_create(
        slug="riverside",
        defaults={
            "name": "Riverside Borough Council",
            "website": "https://riverside.example",
            "contact_email": "engagement@riverside.example",
            "about": (
                "Riverside sets aside £1.2 million a year for residents to allocate, and convenes a "
                "citizens’ assembly on one big question each year. Officers check ideas for legality and "
                "cost; residents decide."
            ),
        },
    )
    for name, population in WARDS:
        slug = name.lower().replace(" ", "-").replace("’", "")
        Area.objects.get_or_create(council=council, slug=slug, defaults={"name": name, "population": population})
    return []
