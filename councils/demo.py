"""A believable demo borough. Idempotent: running it twice changes nothing.

Later slices add their own ``build_*`` functions and register them in
``DEMO_BUILDERS`` so ``manage.py demo_data`` builds the whole platform.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import Profile, Role, User

from .models import Area, Council

DEMO_PASSWORD = "civic-demo-2026"

WARDS = [
    ("Riverside", 14200),
    ("Northfield", 12850),
    ("St Anne’s", 11600),
    ("Hollowell", 13400),
    ("Market Town", 15900),
    ("Eastmoor", 10700),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    note: str = ""


def _user(email: str, name: str, role: str, area: Area | None) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, "role": role})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = role == Role.ADMINISTRATOR
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    Profile.objects.get_or_create(user=user, defaults={"area": area})
    return user


@transaction.atomic
def build_council() -> list[DemoLogin]:
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
    areas = []
    for name, population in WARDS:
        slug = name.lower().replace(" ", "-").replace("’", "")
        area, _ = Area.objects.get_or_create(
            council=council, slug=slug, defaults={"name": name, "population": population}
        )
        areas.append(area)

    logins = [
        DemoLogin("admin@riverside.example", Role.ADMINISTRATOR, "asked to set up two-factor authentication"),
        DemoLogin("officer@riverside.example", Role.OFFICER, "asked to set up two-factor authentication"),
        DemoLogin("facilitator@riverside.example", Role.FACILITATOR),
        DemoLogin("member1@riverside.example", Role.ASSEMBLY_MEMBER),
        DemoLogin("member2@riverside.example", Role.ASSEMBLY_MEMBER),
        DemoLogin("member3@riverside.example", Role.ASSEMBLY_MEMBER),
        DemoLogin("resident@riverside.example", Role.RESIDENT),
    ]
    names = {
        "admin": "Priya Shah", "officer": "Tom Okafor", "facilitator": "Ellen Marsh",
        "member1": "Aisha Rahman", "member2": "Gareth Jones", "member3": "Mei Lin", "resident": "Sam Carter",
    }
    for index, login in enumerate(logins):
        local = login.email.split("@")[0]
        _user(login.email, names[local], login.role, areas[index % len(areas)])
    first = ["Alex", "Jordan", "Chris", "Fatima", "Olu", "Niamh", "Raj", "Zofia", "Kemi", "Dan", "Lucy", "Yusuf"]
    last = ["Brown", "Patel", "Nowak", "Ahmed", "Evans", "Murphy", "Adeyemi", "Wilson", "Khan", "Smith"]
    for i in range(40):
        name = f"{first[i % len(first)]} {last[(i * 7) % len(last)]}"
        _user(f"resident{i + 1:02d}@riverside.example", name, Role.RESIDENT, areas[i % len(areas)])
    logins.append(DemoLogin("resident01@riverside.example … resident40@riverside.example", Role.RESIDENT))
    return logins


def build_live_room() -> list[DemoLogin]:
    from deliberation.demo import build_demo

    return build_demo()


DEMO_BUILDERS: list[Callable[[], list[DemoLogin]]] = [build_council, build_live_room]


def build_all() -> list[DemoLogin]:
    logins: list[DemoLogin] = []
    for builder in DEMO_BUILDERS:
        logins.extend(builder())
    return logins
