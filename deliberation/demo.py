"""Demo: Riverside's climate assembly with a session in progress (agenda, statements, an open poll).

Idempotent: a second run finds the assembly and changes nothing. Everything goes through the
services, so the room's event log is what a real session would have written.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoLogin
from accounts.models import Role, User
from assemblies import services as assemblies
from assemblies.models import Assembly, Membership, Session
from audit.context import AuditContext
from councils.models import Council

from . import services

STATEMENTS = [
    ("member1@riverside.example", "Buses should be free for everyone under 25."),
    ("member2@riverside.example", "We should close the high street to cars on Saturdays."),
    ("member3@riverside.example", "Every new home should have solar panels."),
    ("resident01@riverside.example", "Insulating council homes comes before anything else."),
    ("resident02@riverside.example", "A car-free high street would hurt small shops."),
    ("resident03@riverside.example", "The council should plant a tree for every child born here."),
]
AGES = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]


def _vote(index: int, statement: int) -> str:
    # Two camps that agree on insulation and trees (bridging), split on cars and buses.
    camp = index % 2
    if statement in (3, 5):
        return "agree" if index % 5 else "pass"
    if statement in (0, 1):
        return "agree" if camp == 0 else "disagree"
    return "disagree" if camp == 0 else "agree"


@transaction.atomic
def build_demo(base_url: str | None = None) -> list[DemoLogin]:
    base_url = base_url or settings.DEMO_BASE_URL
    ctx = AuditContext.command()
    council = Council.objects.filter(slug="riverside").first()
    officer = User.objects.filter(email="officer@riverside.example").first()
    facilitator = User.objects.filter(email="facilitator@riverside.example").first()
    if council is None or officer is None or facilitator is None:
        return []
    assembly = Assembly.objects.filter(council=council, slug="climate-assembly").first()
    if assembly is None:
        assembly = assemblies.create_assembly(
            officer, council=council, name="Riverside Climate Assembly", slug="climate-assembly",
            question="How should Riverside reach net zero by 2040, fairly?",
            remit="The council will answer every recommendation in public within three months.",
            status=Assembly.Status.SITTING,
            context=ctx,
        )
        assemblies.add_member(officer, assembly, facilitator, role=Membership.Role.FACILITATOR, context=ctx)
        people = list(User.objects.filter(role=Role.ASSEMBLY_MEMBER).order_by("email")) + list(
            User.objects.filter(email__startswith="resident", email__endswith="@riverside.example")
            .exclude(email="resident@riverside.example").order_by("email")[:21]
        )
        for i, person in enumerate(people):
            area = getattr(getattr(person, "profile", None), "area", None)
            assemblies.add_member(officer, assembly, person, categories={
                "age": AGES[i % len(AGES)], "gender": ["female", "male", "female", "male", "non-binary"][i % 5],
                "ward": area.slug if area else "",
            }, context=ctx)
        session = assemblies.create_session(
            officer, assembly, title="Session 3: Transport and homes", starts_at=timezone.now(),
            status=Session.Status.LIVE,
            context=ctx,
        )
        sid = session.pk
        for title, minutes in [("Welcome and where we are", 10), ("Evidence: transport", 30),
                               ("Statements and straw poll", 40), ("Drafting recommendations", 45)]:
            services.perform(facilitator, sid, "agenda.add", {"title": title, "seconds": minutes * 60})
        services.perform(facilitator, sid, "agenda.start", {})
        services.perform(facilitator, sid, "agenda.next", {})
        services.perform(facilitator, sid, "agenda.next", {})
        ids = []
        for email, text in STATEMENTS:
            author = User.objects.get(email=email)
            services.perform(author, sid, "statement.post", {"text": text})
            ids.append(services.Statement.objects.filter(session_id=sid).order_by("-pk").values_list("pk", flat=True)[0])
        members = [m.user for m in Membership.objects.filter(assembly=assembly, role=Membership.Role.MEMBER)]
        for i, member in enumerate(members[:16]):
            for j, statement in enumerate(ids):
                services.perform(member, sid, "statement.vote", {"statement": statement, "choice": _vote(i, j)})
        services.perform(facilitator, sid, "poll.open", {
            "question": "Which should the council do first?", "kind": "single",
            "options": ["Free buses for under-25s", "Insulate council homes", "Car-free Saturdays"],
        })
        poll = services.Poll.objects.filter(session_id=sid).values_list("pk", flat=True)[0]
        for i, member in enumerate(members[:9]):
            services.perform(member, sid, "poll.answer", {"poll": poll, "answer": [1, 0, 1, 2][i % 4]})
        services.perform(members[0], sid, "hand.raise", {})
        services.perform(members[2], sid, "hand.raise", {})
    session = assembly.sessions.order_by("-starts_at").first()
    return [DemoLogin(
        f"{base_url}/assemblies/sessions/{session.pk}/", "live assembly room",
        "session in progress; sign in as member1@ or facilitator@riverside.example",
    )]


def build() -> list[DemoLogin]:
    """The builder ``manage.py demo_data`` calls (``DeliberationConfig.demo_builder``)."""
    return build_demo()
