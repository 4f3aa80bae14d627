"""Demo PB processes (idempotent): two real finished counts imported from pabulib files shipped in
``voting/demo_files`` (Assen 2024 by MES, Warszawa 2017 by greedy), a greedy and an MES process in
their voting phase with 30+ ideas and a few hundred synthetic ballots, and a finished ranked poll."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from accounts.models import Role, User
from audit.context import AuditContext
from councils.models import Council
from proposals.models import BallotType, Idea, IdeaStatus, Phase, Process, WardBudget

from .models import Ballot, Channel, Participation, VoterCode
from .services import close_voting, new_receipt, receipt_hash, run_count

FILES = Path(__file__).resolve().parent / "demo_files"

IDEAS = [
    ("Benches along the river path", "parks", 8000), ("Community fridge", "food", 5000),
    ("Safer crossing by the school", "streets", 24000), ("Street trees on the high street", "green", 30000),
    ("Youth music studio", "youth", 42000), ("Play area refurbishment", "parks", 55000),
    ("Bike repair stands", "transport", 6000), ("Library longer opening hours", "culture", 18000),
    ("Wildflower verges", "green", 9000), ("Public toilets in the market", "streets", 60000),
    ("Outdoor gym", "sport", 22000), ("Bus shelter with seating", "transport", 12000),
    ("Mural trail", "culture", 15000), ("Rain gardens", "green", 27000), ("Warm space in winter", "care", 16000),
    ("Free swimming lessons", "sport", 20000), ("Dropped kerbs for wheelchairs", "streets", 14000),
    ("Allotment water supply", "food", 7000), ("Skate park lighting", "youth", 19000),
    ("Repair café", "care", 4000), ("Pond clean-up", "green", 11000), ("Cycle lane link", "transport", 75000),
    ("Litter picking kits", "streets", 2500), ("Chess tables in the square", "culture", 3500),
    ("Football pitch drainage", "sport", 38000), ("Bird boxes and bat boxes", "green", 1500),
    ("Digital skills classes", "care", 9500), ("Summer fair", "culture", 12500), ("Tool library", "care", 8500),
    ("Water fountains", "parks", 10500), ("Traffic calming on Mill Lane", "streets", 46000),
    ("Youth club refurbishment", "youth", 33000), ("Orchard planting", "green", 6500),
]


def _officer() -> User | None:
    return User.objects.filter(role__in=[Role.OFFICER, Role.ADMINISTRATOR]).order_by("id").first()


def _voting_process(council: Council, slug: str, title: str, *, rule: str, ballot_type: str, budget: int,
                    apart: bool, voters: int, seed: int) -> Process | None:
    if Process.objects.filter(slug=slug).exists():
        return None
    areas = list(council.areas.all())
    process = Process.objects.create(
        council=council, slug=slug, title=title, total_budget=Decimal(budget), ballot_type=ballot_type, rule=rule,
        wards_counted_apart=apart, phase=Phase.VOTING, require_verified_email=True,
        description="Residents proposed these ideas; officers checked each one. Vote for the ones you want.",
    )
    if apart:
        for area in areas:
            WardBudget.objects.create(process=process, area=area, budget=Decimal(budget) / len(areas))
    rng = random.Random(seed)
    ideas = []
    for n, (name, category, cost) in enumerate(IDEAS):
        area = areas[n % len(areas)]
        ideas.append(Idea.objects.create(
            process=process, area=area, title=name, category=category, estimated_cost=Decimal(cost),
            description=f"{name}, proposed by residents of {area.name}.", status=IdeaStatus.FEASIBLE,
            feasibility_note="Checked by the council's engineers: this can be delivered within a year.",
            support_count=rng.randint(0, 40)))
    popularity = {i.pk: rng.random() ** 2 for i in ideas}
    budgets = {wb.area_id: wb.budget for wb in process.ward_budgets.all()}
    ballots, codes = [], []
    for _ in range(voters):
        area = rng.choice(areas)
        pool = [i for i in ideas if not apart or i.area_id == area.pk]
        chosen = [i for i in pool if rng.random() < popularity[i.pk]]
        if ballot_type == BallotType.KNAPSACK:
            limit, kept, spent = budgets.get(area.pk, process.total_budget), [], Decimal(0)
            for idea in chosen:
                if spent + idea.cost <= limit:
                    kept.append(idea)
                    spent += idea.cost
            chosen = kept
        codes.append(VoterCode(process=process, code_hash=receipt_hash(new_receipt()), area=area))
        ballots.append(Ballot(process=process, area=area, channel=Channel.PAPER,
                              receipt_hash=receipt_hash(new_receipt()), projects=[str(i.pk) for i in chosen]))
    rng.shuffle(ballots)
    Participation.objects.bulk_create([Participation(process=process, voter_code=code, area=code.area,
                                                     channel=Channel.PAPER)
                                       for code in VoterCode.objects.bulk_create(codes)])
    Ballot.objects.bulk_create(ballots)
    return process


def _ranked_poll(council: Council) -> None:
    if Process.objects.filter(slug="name-the-park").exists():
        return
    process = Process.objects.create(
        council=council, slug="name-the-park", title="Name the new riverside park", total_budget=Decimal(0),
        ballot_type=BallotType.RANKED, rule="irv", phase=Phase.VOTING, max_selections=4,
        description="A ranked poll: number the names in order of preference.")
    names = ["Kingfisher Meadow", "Mill Green", "Riverside Commons", "Heron Park", "The Wharf Garden"]
    with transaction.atomic():
        ideas = [Idea.objects.create(process=process, title=n, description=f"Call it {n}.", estimated_cost=0,
                                     status=IdeaStatus.FEASIBLE) for n in names]
    rng = random.Random(11)
    weights = [5, 3, 4, 2, 1]
    ballots, codes = [], []
    for _ in range(160):
        order: list[Idea] = []
        pool = list(ideas)
        for _k in range(rng.randint(1, 4)):
            pick = rng.choices(pool, weights=[weights[ideas.index(i)] for i in pool])[0]
            order.append(pick)
            pool.remove(pick)
        codes.append(VoterCode(process=process, code_hash=receipt_hash(new_receipt())))
        ballots.append(Ballot(process=process, channel=Channel.PAPER, receipt_hash=receipt_hash(new_receipt()),
                              projects=[str(i.pk) for i in order]))
    Participation.objects.bulk_create([Participation(process=process, voter_code=code, channel=Channel.PAPER)
                                       for code in VoterCode.objects.bulk_create(codes)])
    Ballot.objects.bulk_create(ballots)
    officer = _officer()
    close_voting(officer, process, context=AuditContext.command())
    run_count(process.pk)


def build() -> list:
    from .imports import import_pb

    council = Council.objects.order_by("id").first()
    if council is None or _officer() is None:
        return []
    with transaction.atomic():
        _voting_process(council, "riverside-2027", "Riverside Neighbourhood Fund 2027", rule="greedy",
                        ballot_type=BallotType.APPROVAL, budget=250000, apart=False, voters=320, seed=1)
        _voting_process(council, "green-streets", "Green Streets by ward (equal shares)", rule="equalshares/add1",
                        ballot_type=BallotType.KNAPSACK, budget=300000, apart=True, voters=360, seed=2)
    _ranked_poll(council)
    for name, slug, title in (
        ("Netherlands_Assen_2024.pb", "assen-2024", "Assen Top Idee 2024 (real data, Method of Equal Shares)"),
        ("Poland_Warszawa_2017_Przyczolek_Grochowski.pb", "warszawa-2017-przyczolek",
         "Warszawa 2017, Przyczółek Grochowski (real data, greedy)"),
    ):
        if not Process.objects.filter(slug=slug).exists():
            import_pb(str(FILES / name), slug=slug, title=title)
    return []
