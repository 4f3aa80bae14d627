"""Settings come from the environment: embedded default, PostgreSQL/Redis when configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.shared_data import REPO_ROOT

PROBE = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], 'cache': settings.CACHES['default']['BACKEND'], "
    "'sessions': settings.SESSION_ENGINE}))"
)
CONFIG_VARS = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")


def _probe(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="civic.settings")
    return subprocess.run([sys.executable, "-c", PROBE], cwd=REPO_ROOT, env=clean, capture_output=True, text=True)


def test_no_configuration_means_sqlite_in_memory_layer_and_locmem_cache():
    result = _probe()
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config == {
        "db": "django.db.backends.sqlite3",
        "layer": "channels.layers.InMemoryChannelLayer",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        # Each process's local-memory cache is its own: sessions stay in the database alone.
        "sessions": "django.contrib.sessions.backends.db",
    }


def test_database_and_redis_urls_switch_to_postgresql_and_redis_pubsub():
    result = _probe(DATABASE_URL="postgres://postgres@127.0.0.1:5432/civic", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["db"] == "django.db.backends.postgresql"
    assert config["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert config["cache"] == "civic.cache.RedisCache"  # Django's, one connection pool per process
    assert config["sessions"] == "django.contrib.sessions.backends.cached_db"


def test_refuses_to_start_with_debug_off_and_the_default_secret():
    result = _probe(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_starts_with_debug_off_and_a_real_secret():
    result = _probe(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr


def test_suite_runs_on_the_configured_database(settings):
    """In CI (DATABASE_URL set) the suite itself must run on PostgreSQL, not silently on SQLite."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if os.environ.get("REDIS_URL"):
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"].endswith("RedisPubSubChannelLayer")
    if os.environ.get("CI"):
        assert os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"), "CI must set DATABASE_URL and REDIS_URL"


def test_the_demo_links_follow_the_port_make_demo_serves_on():
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DEMO_BASE_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in (*CONFIG_VARS, "PORT", "DEMO_BASE_URL")}
    run = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True,
                         env={**clean, "DJANGO_SETTINGS_MODULE": "civic.settings", "PORT": "9123"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "http://127.0.0.1:9123"
