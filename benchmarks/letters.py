"""Civic lottery at print-run scale: the letters PDF for 5,000 invitations, and selecting 50 from
2,000 respondents through the background task (db_worker), with wall time and peak memory.

    .venv/bin/python benchmarks/letters.py [--letters 5000] [--respondents 2000] [--panel 50]

Runs against a fresh SQLite file in a temporary directory unless DATABASE_URL is set (then that
database must be empty and migrated). Goal: letters < 60 s. Quote figures with the machine's load:
WeasyPrint lays out every page, so the letters scale with the cores that are free.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--letters", type=int, default=5000)
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--panel", type=int, default=50)
    parser.add_argument("--algorithm", default="leximin")
    parser.add_argument("--skip-letters", action="store_true")
    parser.add_argument("--full-layout", action="store_true",
                        help="lay out every letter with WeasyPrint (parallel chunks) instead of stamping one layout")
    parser.add_argument("--skip-selection", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="civic-letters-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, check=True)
    import django

    django.setup()
    from django.db import transaction

    from accounts.models import Role, User
    from assemblies import lottery, services
    from assemblies.letters import letters_pdf
    from assemblies.models import Respondent, SelectionRun
    from audit.context import AuditContext
    from councils.models import Area, Council

    context = AuditContext.command()
    council = Council.objects.create(name="Benchmark Borough", slug=f"bench-{secrets.token_hex(3)}")
    wards = ["North", "South", "East", "West", "Central"]
    for ward in wards:
        Area.objects.create(council=council, name=ward, slug=ward.lower())
    officer = User.objects.create_user(email=f"officer-{secrets.token_hex(3)}@example.org", role=Role.OFFICER)

    def lottery_with(n_addresses: int, n_invitations: int, panel: int, name: str):
        assembly = services.create_assembly(officer, council=council, name=name, question="How?", context=context)
        lot = lottery.set_up_lottery(officer, assembly, panel_size=panel, invitations_to_send=n_invitations,
                                     support_offered="Childcare, travel, £100 a day",
                                     sessions_plan="Three Saturdays in March",
                                     retention_until=date.today() + timedelta(days=365), context=context)
        rows = ["id,address_line_1,address_line_2,postcode,ward"] + [
            f"B{i},{i} Station Road,Flat {i % 40},RV{i % 9} {i % 7}AB,{wards[i % len(wards)]}" for i in range(n_addresses)]
        lottery.import_addresses(officer, lot, ("\n".join(rows) + "\n").encode(), context=context)
        lottery.publish_invitation_seed(officer, lot, "4 8 15 16 23 42", context=context)
        lottery.draw_invitations(officer, lot, context=context)
        return assembly, lot

    print(f"load average at start: {os.getloadavg()}; cores: {os.cpu_count()}")
    if not args.skip_letters:
        _, lot = lottery_with(args.letters + args.letters // 5, args.letters, 50, "Letters benchmark")
        lot.refresh_from_db()
        start = time.perf_counter()
        pdf = letters_pdf(lot, "https://civic.example.gov.uk/register/", stamped=not args.full_layout)
        took = time.perf_counter() - start
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"letters ({'full layout' if args.full_layout else 'stamped'}): {args.letters} invitations -> {pages} pages, {len(pdf) / 1e6:.1f} MB in {took:.1f} s "
              f"(goal < 60 s); peak RSS this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB, "
              f"largest worker {_peak_mb(resource.RUSAGE_CHILDREN):.0f} MB")

    if not args.skip_selection:
        assembly, lot = lottery_with(args.respondents + 10, args.respondents, args.panel, "Selection benchmark")
        shares = b"category,value,share\nage,16-29,0.24\nage,30-44,0.27\nage,45-64,0.30\nage,65+,0.19\n" \
                 b"gender,female,0.51\ngender,male,0.49\n" + "".join(f"ward,{w},0.2\n" for w in wards).encode()
        lottery.set_quotas(officer, lot, lottery.suggested_quotas(lottery.parse_shares(shares), args.panel),
                           context=context)
        rng = random.Random(7)
        ages = ["16-29", "30-44", "45-64", "65+"]
        now = django.utils.timezone.now()
        Respondent.objects.bulk_create([
            Respondent(lottery=lot, invitation=inv, public_id=secrets.token_hex(6), name=f"Person {i}",
                       email=f"p{i}@example.org", household=f"h{i}", token=secrets.token_urlsafe(24),
                       features={"age": rng.choices(ages, [24, 27, 30, 19])[0], "gender": rng.choice(["female", "male"]),
                                 "ward": inv.ward},
                       consent_at=now, retention_until=lot.retention_until)
            for i, inv in enumerate(lot.invitations.all())
        ], batch_size=1000)
        before_children = _peak_mb(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with transaction.atomic():
            run = lottery.start_selection(officer, lot, algorithm=args.algorithm, seed="benchmark", context=context)
        worker = subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v0"],
            cwd=REPO, env=os.environ.copy(), check=True,
        )
        took = time.perf_counter() - start
        run.refresh_from_db()
        assert worker.returncode == 0
        peak = _peak_mb(resource.RUSAGE_CHILDREN)
        print(f"selection: {args.panel} from {Respondent.objects.filter(lottery=lot).count()} respondents "
              f"({args.algorithm}, {lot.quotas.count()} quotas) through the task: {run.status} in {took:.1f} s wall "
              f"(enqueue to worker exit); worker peak RSS {peak:.0f} MB"
              + (" (children peak includes the letters workers)" if before_children >= peak else "")
              + f"; {len((run.report or {}).get('panels', []))} panels in the lottery")
        if run.status != SelectionRun.Status.DONE:
            print(run.message)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
