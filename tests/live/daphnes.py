"""Start daphne processes on free ports against the test database and Redis (scale-out test, benchmark)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_daphne(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    daphne = shutil.which("daphne", path=str(Path(sys.executable).parent)) or "daphne"
    log = open(log_path, "w")  # noqa: SIM115 - owned by the process' lifetime
    process = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "civic.asgi:application"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 40
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, port
        except OSError:
            pass
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("daphne did not start: " + log_path.read_text()[-2000:])
        time.sleep(0.3)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def daphne_env(database_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_TLS": "false",
        "LOG_LEVEL": "ERROR",
    }
