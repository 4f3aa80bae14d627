"""Build a civic lottery up to any stage through the services, as officers and residents would."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from assemblies import lottery, services
from assemblies.models import Assembly, Lottery, Respondent, SelectionRun
from audit.context import AuditContext
from councils.models import Area, Council

WARDS = ("North", "South", "East")
_names = itertools.count(1)

QUOTAS = [
    ("gender", "female", 2, 4),
    ("gender", "male", 2, 4),
    ("age", "16-39", 1, 3),
    ("age", "40-64", 1, 3),
    ("age", "65+", 1, 3),
]


def council() -> Council:
    existing = Council.objects.first()
    if existing:
        return existing
    made = Council.objects.create(name="Riverside Borough", slug="riverside")
    for ward in WARDS:
        Area.objects.create(council=made, name=ward, slug=ward.lower())
    return made


def addresses_csv(n: int, *, start: int = 1) -> bytes:
    lines = ["id,address_line_1,address_line_2,postcode,ward"]
    for i in range(start, start + n):
        lines.append(f"A{i},{i} Station Road,Riverside,RV{i % 9} {i % 7}AB,{WARDS[i % len(WARDS)]}")
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Setup:
    officer: Any
    assembly: Assembly
    lottery: Lottery


def set_up(officer: Any, *, panel_size: int = 6, quotas=QUOTAS, addresses: int = 60, invitations: int = 30,
           retention_days: int = 180, one_per_household: bool = True) -> Setup:
    c = council()
    assembly = services.create_assembly(officer, council=c, name=f"Climate {next(_names)}", question="How do we reach net zero?",
                                       context=AuditContext.command())
    lot = lottery.set_up_lottery(
        officer, assembly, panel_size=panel_size, invitations_to_send=invitations, support_offered="Childcare, travel, £100 a day",
        sessions_plan="Three Saturdays in March", one_per_household=one_per_household,
        retention_until=date.today() + timedelta(days=retention_days),
    )
    lottery.set_quotas(officer, lot, quotas)
    if addresses:
        lottery.import_addresses(officer, lot, addresses_csv(addresses))
        lottery.publish_invitation_seed(officer, lot, "7 12 19 23 41 44")
        lottery.draw_invitations(officer, lot)
    services.set_assembly_status(officer, assembly, Assembly.Status.RECRUITING, context=AuditContext.command())
    lot.refresh_from_db()
    return Setup(officer, assembly, lot)


def register_all(lot: Lottery, n: int | None = None, *, seed: int = 1, features=None) -> list[Respondent]:
    """Register ``n`` invitees (all by default) with answers spread over the quota values."""
    rng = random.Random(seed)
    categories = lottery.quota_categories(lot)
    people = []
    for i, invitation in enumerate(lot.invitations.all()[: n if n is not None else None]):
        answers = features(i) if features else {c: rng.choice(values) for c, values in categories.items()}
        people.append(lottery.register(
            invitation.code, name=f"Resident Number{i} Zqx", email=f"resident{i}.zqx@example.org",
            phone=f"07700 9{i:05d}", features=answers, availability="Weekends", access_needs="Step-free access",
            consent=True,
        ))
    return people


def select(officer: Any, lot: Lottery, *, seed: str = "draw-1", algorithm: str = "leximin",
           kind: str = SelectionRun.Kind.PANEL) -> SelectionRun:
    """Queue a run and execute it as the worker would."""
    from django.db import transaction

    with transaction.atomic():
        run = lottery.start_selection(officer, lot, algorithm=algorithm, seed=seed, kind=kind)
    return lottery.execute_run(run.pk)


def today() -> date:
    return timezone.localdate()
