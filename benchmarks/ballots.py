"""Ballot throughput through daphne on PostgreSQL, import_pb of a large file, close → published results.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civic_x .venv/bin/python benchmarks/ballots.py \
        [--ballots 600] [--threads 8] [--rounds 2] [--file Poland_Krakow_2024.pb] [--ballots-only] [--profile DIR]

Creates a scratch database ``<name>_bench`` beside the one in DATABASE_URL (dropped at the end),
migrates it, starts ``daphne civic.asgi:application`` with a URLconf that adds one trivial view
(``/bench/trivial/``: a Django view answering "ok" through the whole middleware stack, requested
with the same signed-in session as the voters), with civic's database settings (set
``DB_CONN_MAX_AGE`` to try persistent connections; under ASGI each request has its own thread, so
they pile up to PostgreSQL's connection limit), and
measures, alternating so both see the same machine load:

* requests/s of the trivial view, and
* ballots/s: real ``POST /pb/<slug>/vote/`` submissions by distinct signed-in residents (approval
  ballot of 30 projects; validation, then participation + shuffled ballot insert + audit entry in one
  statement on PostgreSQL, see docs/pb-web.md "Ballot throughput").

The ratio ballots/s ÷ trivial requests/s is the figure of merit (goal ≥ 0.5). Each round also prints
the CPU milliseconds per request of the server process, its PostgreSQL backends and this client
(from /proc: steadier than the rates on a shared machine). ``--profile DIR`` records py-spy stacks
of daphne for each run; ``--ballots-only`` stops there. Otherwise it then times
``manage.py import_pb FILE`` (goal < 30 s for the largest shared file) and the time from closing
that process to published results through the real ``db_worker`` (goal < 10 s).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from queue import Empty, Queue

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CIVIC_SHARED_DATA", REPO.parent / "shared" / "data")) / "pabulib"
BENCH_MODULE = "benchmarks_ballots_settings"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scratch_database(base: str) -> tuple[str, str]:
    import psycopg

    name = re.sub(r"^.*/", "", base).split("?")[0] + "_bench"
    admin = re.sub(r"/[^/]*$", "/postgres", base)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return re.sub(r"/[^/]*$", f"/{name}", base), admin


def _write_bench_settings(tmp: Path) -> None:
    (tmp / f"{BENCH_MODULE}.py").write_text(
        "from civic.settings import *  # noqa: F403\n"
        f"ROOT_URLCONF = '{BENCH_MODULE}_urls'\n"
    )
    (tmp / f"{BENCH_MODULE}_urls.py").write_text(
        "from django.http import HttpResponse\n"
        "from django.urls import include, path\n"
        "def trivial(request):\n    return HttpResponse('ok')\n"
        "urlpatterns = [path('bench/trivial/', trivial), path('', include('civic.urls'))]\n"
    )


def _setup(voters: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    """A process in voting with 30 projects, and ``voters`` signed-in residents (session, csrf)."""
    from decimal import Decimal
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from councils.models import Area, Council
    from proposals.models import Idea, IdeaStatus, Phase, Process

    council = Council.objects.create(name="Bench", slug="bench")
    area = Area.objects.create(council=council, name="Centre", slug="centre")
    process = Process.objects.create(council=council, slug="bench", title="Bench", total_budget=Decimal(1_000_000),
                                     phase=Phase.VOTING, rule="greedy", require_verified_email=False)
    ideas = Idea.objects.bulk_create([
        Idea(process=process, area=area, title=f"Project {n}", description="x", estimated_cost=Decimal(10_000 + n),
             status=IdeaStatus.FEASIBLE) for n in range(30)])
    users = User.objects.bulk_create([User(email=f"v{n}@bench.example", role="resident", password="!")
                                      for n in range(voters)])
    sessions = []
    # Signed in through civic's own session engine, as a sign-in would (cached_db with Redis).
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((store.session_key, secrets.token_hex(16)))
    return process.slug, sessions, [str(i.pk) for i in ideas]


def _worker(port: int, jobs: Queue, results: list, make_request) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        try:
            job = jobs.get_nowait()
        except Empty:
            break
        method, path, body, headers = make_request(job)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        results.append(response.status)
        if response.getheader("connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def _run(port: int, jobs: list, threads: int, make_request) -> tuple[float, dict[int, int]]:
    queue: Queue = Queue()
    for job in jobs:
        queue.put(job)
    results: list[int] = []
    workers = [threading.Thread(target=_worker, args=(port, queue, results, make_request)) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    counts: dict[int, int] = {}
    for status in results:
        counts[status] = counts.get(status, 0) + 1
    return len(jobs) / elapsed, counts


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc (0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_backends() -> list[int]:
    """Process ids of the PostgreSQL backends serving the scratch database, other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


@contextlib.contextmanager
def _cpu_used(server: int, into: dict[str, float]) -> Iterator[None]:
    """CPU seconds the block cost the server, its PostgreSQL backends and this client: load-independent
    where the rates are not (a busy machine slows both sides, but not evenly)."""
    before_pg = {pid: _cpu_seconds(pid) for pid in _postgres_backends()}
    server_before, client_before = _cpu_seconds(server), time.process_time()
    yield
    into["server"] = _cpu_seconds(server) - server_before
    into["client"] = time.process_time() - client_before
    into["postgres"] = sum(_cpu_seconds(pid) - before_pg.get(pid, 0.0) for pid in _postgres_backends())


@contextlib.contextmanager
def _profiled(directory: str | None, pid: int, name: str) -> Iterator[None]:
    """Sample ``pid`` with py-spy (collapsed stacks, one line per stack) while the block runs."""
    if not directory:
        yield
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    sampler = subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "200", "--gil",
                                "--output", str(Path(directory) / f"{name}.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # let it attach before the load starts
    try:
        yield
    finally:
        sampler.send_signal(signal.SIGINT)
        sampler.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=600, help="ballots per round")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--file", default="Poland_Krakow_2024.pb", help="shared pabulib file for import_pb")
    parser.add_argument("--ballots-only", action="store_true",
                        help="skip the import_pb and close → results timings (while iterating on ballot throughput)")
    parser.add_argument("--profile", metavar="DIR",
                        help="sample the daphne process with py-spy during each measured run and write collapsed "
                             "stacks to DIR/{trivial,ballots}-<round>.txt (slows the server: ratios are then not "
                             "comparable; needs py-spy: pip install py-spy)")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at PostgreSQL", file=sys.stderr)
        return 2
    url, admin = _scratch_database(base)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"civic-bench-{secrets.token_hex(4)}"
    tmp.mkdir()
    _write_bench_settings(tmp)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": "bench-" + secrets.token_hex(16),
           "BEHIND_TLS": "false", "ALLOWED_HOSTS": "127.0.0.1", "CIVIC_DISABLE_RATE_LIMITS": "true",
           "DJANGO_SETTINGS_MODULE": BENCH_MODULE, "PYTHONPATH": f"{tmp}:{REPO}", "LOG_LEVEL": "ERROR",
           "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "0")}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE",
                                           "BEHIND_TLS", "CIVIC_DISABLE_RATE_LIMITS")})
    sys.path[:0] = [str(tmp), str(REPO)]
    env["STATIC_ROOT"] = str(tmp / "static")
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO, env=env, check=True)
    import django

    django.setup()
    slug, sessions, ideas = _setup(args.ballots * args.rounds + 21)
    port = _free_port()
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    log = open(tmp / "daphne.log", "w")  # noqa: SIM115
    server = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port), "civic.asgi:application"], cwd=REPO,
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial/", timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        rng = __import__("random").Random(1)

        def trivial(_job):
            # Sent with a voter's cookies; the view reads neither the session nor the user (Django loads
            # both lazily), so this request runs no query.
            session, csrf = sessions[-1]
            return "GET", "/bench/trivial/", None, {"Cookie": f"sessionid={session}; csrftoken={csrf}"}

        def ballot(job):
            session, csrf = job
            chosen = rng.sample(ideas, 5)
            body = "&".join([f"csrfmiddlewaretoken={csrf}"] + [f"project={p}" for p in chosen])
            return "POST", f"/pb/{slug}/vote/", body, {
                "Cookie": f"sessionid={session}; csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/pb/{slug}/vote/", "Host": f"127.0.0.1:{port}"}

        _run(port, [None] * 50, args.threads, trivial)  # warm up
        _run(port, sessions[-20:], args.threads, ballot)
        print(f"machine shared with other work; {args.threads} client threads, {args.ballots} requests per run")
        ratios = []
        for n in range(args.rounds):
            base_cpu: dict[str, float] = {}
            ballot_cpu: dict[str, float] = {}
            with _profiled(args.profile, server.pid, f"trivial-{n + 1}"), _cpu_used(server.pid, base_cpu):
                base_rate, base_codes = _run(port, [None] * args.ballots, args.threads, trivial)
            batch = sessions[n * args.ballots:(n + 1) * args.ballots]
            with _profiled(args.profile, server.pid, f"ballots-{n + 1}"), _cpu_used(server.pid, ballot_cpu):
                ballot_rate, ballot_codes = _run(port, batch, args.threads, ballot)
            if set(ballot_codes) != {200}:
                print(f"round {n + 1}: ballots answered {ballot_codes}: not every submission succeeded")
            ratios.append(ballot_rate / base_rate)
            print(f"round {n + 1}: trivial view {base_rate:7.1f} req/s {base_codes}  "
                  f"ballots {ballot_rate:7.1f} /s {ballot_codes}  ratio {ballot_rate / base_rate:.2f}")
            for label, cpu in (("trivial", base_cpu), ("ballot", ballot_cpu)):
                print(f"    CPU ms per {label:7}: " + "  ".join(f"{k} {1000 * v / args.ballots:5.2f}"
                                                             for k, v in cpu.items()))
        from voting.models import Ballot, Participation

        print(f"ballots stored {Ballot.objects.count()}, participations {Participation.objects.count()}; "
              f"ratio (mean of rounds) {sum(ratios) / len(ratios):.2f}")
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        errors = (tmp / "daphne.log").read_text()
        if "Traceback" in errors:
            print("server errors (daphne log):\n" + errors[errors.index("Traceback"):][:4000])

    # import_pb of a large shared file, then close → published results through the real worker.
    path = SHARED / args.file
    if args.ballots_only:
        pass
    elif path.exists():
        start = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "import_pb", str(path), "--slug", "big"], cwd=REPO, env=env,
                       check=True)
        print(f"import_pb {args.file}: {time.perf_counter() - start:.1f} s (command, including start-up and count)")
        from django.core.management import call_command

        from accounts.models import User
        from audit.context import AuditContext
        from proposals.models import Phase, Process
        from voting.models import PublishedFile, Tally
        from voting.services import close_voting

        officer = User.objects.create(email="officer@bench.example", role="officer")
        Process.objects.filter(slug="big").update(phase=Phase.VOTING)
        Tally.objects.filter(process__slug="big").delete()
        PublishedFile.objects.filter(process__slug="big").delete()
        start = time.perf_counter()
        close_voting(officer, Process.objects.get(slug="big"), context=AuditContext.command())
        call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        tally = Tally.objects.get(process__slug="big")
        print(f"close → published results ({tally.status}, {Process.objects.get(slug='big').ballots.count()} ballots): "
              f"{time.perf_counter() - start:.1f} s")
    else:
        print(f"{path} missing: import_pb timing skipped")
    from django.db import connections

    connections.close_all()
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
