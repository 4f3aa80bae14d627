"""Demo people: an administrator, an officer, a facilitator, assembly members and residents.

Idempotent. Runs after ``councils.demo`` (``INSTALLED_APPS`` order) and spreads people over its
wards. Other apps' builders return :class:`DemoLogin` rows too, and ``demo_data`` prints them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from councils.models import Area
from councils.services import areas_of, current_council

from .models import Profile, Role, User

DEMO_PASSWORD = "civic-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    note: str = ""


def demo_user(email: str, name: str, role: str, area: Area | None = None) -> User:
    """A verified account with the demo password (created once; later runs leave it alone)."""
    user, created = User.objects.get_or_create(email=email, defaults={"display_name": name, "role": role})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = role == Role.ADMINISTRATOR
        user.is_superuser = False  # permissions come from the role (accounts.backends)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    Profile.objects.get_or_create(user=user, defaults={"area": area})
    return user


STAFF = [
    ("admin@riverside.example", "Priya Shah", Role.ADMINISTRATOR, "asked to set up two-factor authentication"),
    ("officer@riverside.example", "Tom Okafor", Role.OFFICER, "asked to set up two-factor authentication"),
    ("facilitator@riverside.example", "Ellen Marsh", Role.FACILITATOR, ""),
    ("member1@riverside.example", "Aisha Rahman", Role.ASSEMBLY_MEMBER, ""),
    ("member2@riverside.example", "Gareth Jones", Role.ASSEMBLY_MEMBER, ""),
    ("member3@riverside.example", "Mei Lin", Role.ASSEMBLY_MEMBER, ""),
    ("resident@riverside.example", "Sam Carter", Role.RESIDENT, ""),
]
FIRST = ["Alex", "Jordan", "Chris", "Fatima", "Olu", "Niamh", "Raj", "Zofia", "Kemi", "Dan", "Lucy", "Yusuf"]
LAST = ["Brown", "Patel", "Nowak", "Ahmed", "Evans", "Murphy", "Adeyemi", "Wilson", "Khan", "Smith"]
RESIDENTS = 40


@transaction.atomic
def build() -> list[DemoLogin]:
    areas: list[Area | None] = list(areas_of(current_council())) or [None]
    logins = []
    for index, (email, name, role, note) in enumerate(STAFF):
        demo_user(email, name, role, areas[index % len(areas)])
        logins.append(DemoLogin(email, role, note))
    for i in range(RESIDENTS):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        demo_user(f"resident{i + 1:02d}@riverside.example", name, Role.RESIDENT, areas[i % len(areas)])
    logins.append(DemoLogin(f"resident01@riverside.example … resident{RESIDENTS}@riverside.example", Role.RESIDENT))
    return logins
