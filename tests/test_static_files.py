"""Static files: hashed by collectstatic and served by WhiteNoise, finders only in DEBUG; htmx's
injected style is off (our CSP forbids inline styles)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.shared_data import REPO_ROOT


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "STATIC_ROOT")}
    clean.update(env, DJANGO_SETTINGS_MODULE="civic.settings")
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=clean, capture_output=True, text=True)


def test_production_serves_hashed_files_from_collectstatic_without_finders(tmp_path):
    env = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "STATIC_ROOT": str(tmp_path)}
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True,
    )
    assert collect.returncode == 0, collect.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    assert manifest["css/civic.css"] != "css/civic.css"
    assert (tmp_path / (manifest["css/civic.css"] + ".gz")).exists()
    probe = _run(
        "import django, json; django.setup(); from django.conf import settings; "
        "from django.templatetags.static import static; "
        "\ndef missing():\n"
        "    try:\n        return static('css/none.css')\n    except ValueError:\n        return 'refused'\n"
        "print(json.dumps({'url': static('css/civic.css'), 'again': static('css/civic.css'), "
        "'missing': [missing(), missing()], 'finders': settings.WHITENOISE_USE_FINDERS}))",
        **env,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    # The URL is worked out once per process (civic.storage); a file missing from the manifest is refused
    # every time, never remembered.
    assert result == {"url": "/static/" + manifest["css/civic.css"], "again": "/static/" + manifest["css/civic.css"],
                      "missing": ["refused", "refused"], "finders": False}


def test_development_serves_the_source_folders_through_finders():
    probe = _run(
        "import django; django.setup(); from django.conf import settings; print(settings.WHITENOISE_USE_FINDERS)",
        DEBUG="true",
    )
    assert probe.stdout.strip() == "True", probe.stderr


def test_htmx_is_told_not_to_inject_its_indicator_style(client, db):
    html = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in html
