"""A real daphne process, a real database and Debian's chromium driven by Playwright.

Django's ``live_server`` is WSGI-only (no WebSockets), so the session starts
``daphne civic.asgi:application`` itself on a free port, against a fresh
database: a new PostgreSQL database when ``DATABASE_URL`` points at PostgreSQL
(as in CI), otherwise a temporary SQLite file. Mail goes to files so the tests
can follow verification links. The test process configures Django against the
same database to create users and read state.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CIVIC_CHROMIUM", "/usr/bin/chromium")
SERIOUS = {"serious", "critical"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database_url(tmp: Path) -> tuple[str, callable]:
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"civic_browser_{uuid.uuid4().hex[:8]}"
        admin_url = re.sub(r"/[^/]*$", "/postgres", base)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return re.sub(r"/[^/]*$", f"/{name}", base), drop
    return f"sqlite:///{tmp / 'browser.sqlite3'}", lambda: None


def _start_daphne(env: dict, log_path: Path):
    """Start ``daphne civic.asgi:application`` on a free port; wait until /healthz answers 200."""
    port = _free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "civic.asgi:application"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, base_url, log
        except OSError:
            pass
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("daphne did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.3)


def _stop(process, log) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[dict]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install Debian's chromium package")
    tmp = tmp_path_factory.mktemp("civic-browser")
    database_url, drop_database = _fresh_database_url(tmp)
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": "browser-tests-" + uuid.uuid4().hex,
        "BEHIND_TLS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CIVIC_DISABLE_RATE_LIMITS": "true",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=REPO_ROOT, env=env, check=True)
    # DEBUG is off, as in production: pages link the hashed files collectstatic writes.
    env["STATIC_ROOT"] = str(tmp / "static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=REPO_ROOT, env=env, check=True
    )
    process, base_url, log = _start_daphne(env, tmp / "daphne.log")

    # This process talks to the same database to arrange data. Playwright's sync API
    # runs an event loop in this thread, which Django would otherwise refuse.
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "DEBUG")})
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()
    yield {"base_url": base_url, "mail_dir": mail_dir, "log": tmp / "daphne.log", "env": env, "tmp": tmp}
    _stop(process, log)
    from django.db import connections

    connections.close_all()
    drop_database()


@pytest.fixture(scope="session")
def base_url(server) -> str:
    return server["base_url"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
    }


@pytest.fixture
def make_user(server):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User

    def make(role: str = "resident", *, mfa: bool = False) -> tuple:
        email = f"{role}-{uuid.uuid4().hex[:6]}@example.org"
        password = "browser-pass-" + uuid.uuid4().hex[:6]
        is_admin = role == "administrator"
        user = User.objects.create_user(
            email=email, password=password, role=role, display_name=role.title(), is_staff=is_admin,
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        secret = None
        if mfa:
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
        return user, password, secret

    return make


def totp_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def sign_in(page, base_url: str, email: str, password: str, secret: str | None = None) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if secret:
        page.get_by_label("Code", exact=False).fill(totp_code(secret))
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def serious_violations(page) -> list[dict]:
    """Run axe-core (bundled with axe-playwright-python, injected from disk, no CDN)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    # Guard against a silent no-op: axe must have evaluated rules on this page.
    assert results.response["passes"], "axe-core did not run"
    return [v for v in results.response["violations"] if v.get("impact") in SERIOUS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )


@pytest.fixture(scope="session")
def second_server(server) -> Iterator[str]:
    """Another daphne process sharing the same database and channel layer (as behind a load balancer)."""
    process, base_url, log = _start_daphne(server["env"], server["tmp"] / "daphne-2.log")
    yield base_url
    _stop(process, log)
