"""Make a finished process from a pabulib file (``manage.py import_pb`` and the demo)."""

from __future__ import annotations

import json
import random
import re
import secrets
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils.text import slugify

from audit.context import AuditContext
from audit.services import record
from councils.models import Council
from proposals.models import BallotType, Idea, IdeaStatus, Phase, Process

from . import counting
from .models import Ballot, PublishedFile, Tally
from .services import run_count

BATCH = 5000


class ImportRefused(ValueError):
    """The file cannot become a process (e.g. its slug is taken, or its rule is unknown)."""


def _ballot_type(vote_type: str, max_length: int | None) -> str:
    if vote_type == "cumulative" or vote_type == "scoring":
        return BallotType.POINTS
    if vote_type == "ordinal":
        return BallotType.RANKED
    if vote_type == "choose-1" or max_length:
        return BallotType.K_APPROVAL
    return BallotType.APPROVAL


def import_pb(path: str, *, slug: str | None = None, title: str | None = None, rule: str | None = None,
              replace: bool = False) -> Process:
    election = counting.read_pb_file(path)
    name = str(path)
    rule = rule or election.rule
    if not rule or rule == "unknown":
        raise ImportRefused(f"{name}:0: the file does not say which rule counted it; name one with --rule")
    known = {k for k, _ in counting.pb_rule_choices()}
    try:
        counting.resolve_pb_rule(rule)
    except counting.CountError as error:
        raise ImportRefused(f"{name}:0: {error}") from None
    slug = slug or slugify(re.sub(r"\.pb$", "", Path(path).name))[:50]
    with transaction.atomic():
        existing = Process.objects.filter(slug=slug).first()
        if existing is not None:
            if not replace:
                raise ImportRefused(f"{name}:0: a process with slug {slug!r} exists; use --replace or --slug")
            existing.delete()
        meta = election.meta
        vote_type = election.vote_type
        max_length = election.max_length
        process = Process.objects.create(
            council=Council.objects.first(), slug=slug,
            title=title or meta.get("description") or slug,
            description=_describe(meta, Path(path).name, rule in known),
            currency=(meta.get("currency") or "EUR")[:3], total_budget=_dec(election.budget),
            phase=Phase.COUNTING, ballot_type=_ballot_type(vote_type, max_length), rule=rule,
            max_selections=max_length or (1 if vote_type == "choose-1" else 0),
            points_total=int(meta.get("max_sum_points") or 0) or 10, imported_from=Path(path).name,
            require_verified_email=False,
        )
        ideas = Idea.objects.bulk_create([
            Idea(process=process, title=(p.get("name") or f"Project {p['id']}")[:200],
                 description=p.get("description", ""), category=(p.get("category") or "").split(",")[0][:64],
                 estimated_cost=_dec(p["cost"]),
                 status=IdeaStatus.FEASIBLE, pb_id=p["id"], support_count=int(float(p.get("votes") or 0)))
            for p in election.projects
        ])
        by_pb = {i.pb_id: str(i.pk) for i in Idea.objects.filter(process=process)}
        del ideas
        ballots = list(election.ballots)
        random.SystemRandom().shuffle(ballots)
        _store_ballots(process, [([by_pb[p] for p in b.projects], list(b.points) if b.points is not None else None)
                                 for b in ballots])
        Tally.objects.create(process=process, status=Tally.Status.QUEUED, progress="Importing")
        PublishedFile.objects.filter(process=process).delete()
        record(None, "pb.process.import", process, after={"file": Path(path).name, "ballots": len(ballots)},
               context=AuditContext.command())
    run_count(process.pk)
    process.refresh_from_db()
    return process


def _store_ballots(process: Process, rows: list[tuple[list[str], list[int] | None]]) -> None:
    """Insert anonymised ballots (fresh UUIDs and random receipt hashes): COPY on PostgreSQL."""
    if connection.vendor == "postgresql":
        table = Ballot._meta.db_table
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table} (id, process_id, channel, receipt_hash, projects, points) FROM STDIN") as copy:
                for projects, points in rows:
                    copy.write_row((uuid.uuid4(), process.pk, "online", secrets.token_hex(32), json.dumps(projects),
                                    json.dumps(points) if points is not None else None))
        return
    for start in range(0, len(rows), BATCH):
        Ballot.objects.bulk_create([
            Ballot(process=process, receipt_hash=secrets.token_hex(32), projects=projects, points=points)
            for projects, points in rows[start:start + BATCH]
        ])


def _dec(value) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))


def _describe(meta: dict[str, str], filename: str, _known: bool) -> str:
    place = ", ".join(v for v in (meta.get("unit"), meta.get("district") or meta.get("subunit"),
                                  meta.get("instance")) if v)
    return (f"Imported from the pabulib file {filename} ({place}). Source: pabulib, the participatory budgeting "
            "library (Faliszewski, Flis, Peters, Pierczyński, Skowron, Stolicki, Szufa, Talmon, “Participatory "
            "Budgeting: Data, Tools and Analysis”, IJCAI 2023).")
