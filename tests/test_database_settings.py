"""SQLite really runs in WAL mode; PostgreSQL uses psycopg's connection pool, not CONN_MAX_AGE."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.shared_data import REPO_ROOT


def _probe(code: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civic.settings", "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)


def test_sqlite_file_database_is_in_wal_mode(tmp_path):
    result = _probe(
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); print(cursor.fetchone()[0])",
        f"sqlite:///{tmp_path / 'wal.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"


def test_postgresql_uses_a_connection_pool_and_no_persistent_connections():
    result = _probe(
        "import django; django.setup(); from django.conf import settings; d = settings.DATABASES['default']; "
        "print(bool(d['OPTIONS'].get('pool')), d['CONN_MAX_AGE'])",
        "postgres://postgres@127.0.0.1:5432/civic",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0"]


@pytest.mark.django_db
def test_pool_serves_queries_when_the_suite_runs_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs on PostgreSQL (CI)")
    assert connection.pool is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
