"""Demo civic lotteries: one assembly recruiting, one selected and sitting, one finished with the
council's response. Idempotent (an assembly already there is left alone); runs after the accounts demo.

Every step goes through :mod:`assemblies.lottery` as an officer would, so the demo's public selection
reports verify with ``manage.py verify_panel --public``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, DemoLogin
from accounts.models import Role, User
from audit.context import AuditContext
from councils.services import areas_of, current_council

from . import lottery, services
from .models import Assembly, Invitation, Respondent, Session

FIRST = ["Alex", "Jordan", "Chris", "Fatima", "Olu", "Niamh", "Raj", "Zofia", "Kemi", "Dan", "Lucy", "Yusuf"]
LAST = ["Brown", "Patel", "Nowak", "Ahmed", "Evans", "Murphy", "Adeyemi", "Wilson", "Khan", "Smith"]
STREETS = ["Mill Lane", "Quay Street", "Hill Road", "Church Walk", "Station Road", "Park Avenue"]
AGES = [("16-29", 0.24), ("30-44", 0.27), ("45-64", 0.30), ("65+", 0.19)]
GENDERS = [("female", 0.51), ("male", 0.49)]


def _addresses(wards: list[str], n: int, prefix: str) -> bytes:
    lines = ["id,address_line_1,address_line_2,postcode,ward"]
    for i in range(1, n + 1):
        lines.append(f"{prefix}{i},{i} {STREETS[i % len(STREETS)]},Riverside,RV{i % 9 + 1} {i % 7 + 1}DE,{wards[i % len(wards)]}")
    return ("\n".join(lines) + "\n").encode()


def _shares(wards: list[str]) -> bytes:
    rows = ["category,value,share"] + [f"age,{v},{s}" for v, s in AGES] + [f"gender,{v},{s}" for v, s in GENDERS]
    rows += [f"ward,{w},{1 / len(wards):.6f}" for w in wards]
    return ("\n".join(rows) + "\n").encode()


def _pick(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in options], weights=[s for _, s in options])[0]


@transaction.atomic  # one commit for hundreds of registrations
def _lottery(officer: User, *, slug: str, name: str, question: str, panel: int, addresses: int, invitations: int,
             respondents: int, seed: int) -> Assembly:
    context = AuditContext.command()
    wards = [area.name for area in areas_of(current_council())] or ["Riverside"]
    assembly = services.create_assembly(officer, name=name, question=question, slug=slug, context=context,
                                        remit="The council will debate every recommendation at full council.")
    lot = lottery.set_up_lottery(
        officer, assembly, panel_size=panel, invitations_to_send=invitations,
        support_offered="Childcare, travel costs, £100 for each day, step-free venue and BSL interpreters",
        sessions_plan="Three Saturday sessions, 10:00–16:00, Riverside Civic Centre", one_per_household=True,
        retention_until=date.today() + timedelta(days=365), context=context,
    )
    lottery.set_quotas(officer, lot, lottery.suggested_quotas(lottery.parse_shares(_shares(wards)), panel),
                       context=context)
    lottery.import_addresses(officer, lot, _addresses(wards, addresses, slug[:3].upper()), context=context)
    lottery.publish_invitation_seed(officer, lot, f"Riverside demo draw {seed}", context=context)
    lottery.draw_invitations(officer, lot, context=context)
    services.set_assembly_status(officer, assembly, Assembly.Status.RECRUITING, context=context)
    rng = random.Random(seed)
    for i, invitation in enumerate(Invitation.objects.filter(lottery=lot).order_by("code")[:respondents]):
        lottery.register(
            invitation.code, name=f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
            email=f"{slug}.respondent{i + 1:03d}@riverside.example", features={
                "age": _pick(rng, AGES), "gender": _pick(rng, GENDERS), "ward": invitation.ward},
            availability="Weekends", consent=True, context=context,
        )
    return assembly


def _select_and_confirm(officer: User, assembly: Assembly, seed: str) -> list[Respondent]:
    lot = assembly.lottery
    with transaction.atomic():
        run = lottery.start_selection(officer, lot, seed=seed, context=AuditContext.command())
    run = lottery.execute_run(run.pk)
    confirmed = []
    password = make_password(DEMO_PASSWORD)  # hashed once, not once per member
    for respondent in Respondent.objects.filter(lottery=lot, status=Respondent.Status.SELECTED):
        # Staff record the confirmation (as when a member phones in), then the demo password is set.
        done = lottery.respond_to_selection(respondent.token, accept=True, actor=officer, context=AuditContext.command())
        User.objects.filter(pk=done.user_id, password__startswith="!").update(password=password)
        confirmed.append(done)
    return confirmed


def build() -> list[DemoLogin]:
    officer = User.objects.filter(role=Role.OFFICER).order_by("pk").first()
    if officer is None or current_council() is None:
        return []
    context = AuditContext.command()
    logins: list[DemoLogin] = []
    if not Assembly.objects.filter(slug="streets-2027").exists():
        _lottery(officer, slug="streets-2027", name="Streets for people", panel=40, addresses=1200,
                 invitations=600, respondents=300, seed=2027,
                 question="How should Riverside share its streets between walking, cycling, buses and cars?")
    if not Assembly.objects.filter(slug="climate-2026").exists():
        assembly = _lottery(officer, slug="climate-2026", name="Climate assembly", panel=50, addresses=600,
                            invitations=300, respondents=160, seed=2026,
                            question="How should Riverside reach net zero by 2040, fairly?")
        _select_and_confirm(officer, assembly, "UK National Lottery 2026-01-10: 4 11 23 35 41 58")
        now = timezone.now()
        for offset, (title, status) in enumerate([("Learning: what drives our emissions", Session.Status.CLOSED),
                                                  ("Hearing: voices from the borough", Session.Status.LIVE),
                                                  ("Deciding: our recommendations", Session.Status.SCHEDULED)]):
            services.create_session(officer, assembly, title=title, starts_at=now + timedelta(days=7 * (offset - 1)),
                                    status=status, context=context)
        services.set_assembly_status(officer, assembly, Assembly.Status.SITTING, context=context)
        logins.append(DemoLogin("climate-2026.respondent… (the 50 confirmed members)", Role.ASSEMBLY_MEMBER,
                                "climate assembly members; see /assemblies/climate-2026/member/"))
    if not Assembly.objects.filter(slug="housing-2025").exists():
        assembly = _lottery(officer, slug="housing-2025", name="Housing assembly", panel=12, addresses=200,
                            invitations=100, respondents=40, seed=2025,
                            question="What should Riverside do about the cost and quality of rented homes?")
        _select_and_confirm(officer, assembly, "Dice rolled at full council, 2025-02-03: 3 6 1 4 4 2")
        responses = [
            ("Licence every private landlord", 0.92, "accepted", "A borough-wide licensing scheme starts in April.",
             "Private Sector Housing"),
            ("Build 500 council homes by 2030", 0.83, "in_part", "300 homes are funded; we are bidding for the rest.",
             "Housing Delivery"),
            ("Cap rents in the borough", 0.64, "not_accepted", "The council has no legal power to cap rents.", ""),
            ("A tenants' advice hub in every ward", 0.88, "accepted", "Hubs open in libraries from September.",
             "Libraries and Advice"),
        ]
        for title, share, decision, reasons, service in responses:
            rec = lottery.publish_recommendation(officer, assembly, title=title, text=f"The assembly recommends: {title.lower()}.",
                                                 support_share=share, adopted_on=date(2025, 5, 17), context=context)
            lottery.record_response(officer, rec, decision=decision, reasons=reasons, responsible_service=service,
                                    due_date=date(2026, 3, 31) if decision != "not_accepted" else None, context=context)
            if decision == "accepted":
                lottery.add_progress_update(officer, rec, on=date(2025, 11, 1), text="On track.", context=context)
        services.set_assembly_status(officer, assembly, Assembly.Status.CONCLUDED, context=context)
    return logins
