"""The embedded default holds under concurrent writes (design.md, quality targets).

The `make run` configuration as real processes: a SQLite file, the filesystem broker, the web
server, one Celery worker and beat (scripts/run-embedded), with the demo data. Eight API clients
write at once through scripts/embedded_load.py (uploads, submit, accept, assign, opinions, decide,
agenda, open, votes, conclude, close); no request may answer 5xx, every decision must get its
letter and every meeting its minutes. Runs in the SQLite suite (`make test`); about 90 seconds.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="exercises the embedded SQLite default",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _embedded_env(data_dir: Path, port: int) -> dict[str, str]:
    dropped = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("CELERY_")}
    env.update(
        {
            "DATA_DIR": str(data_dir),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "VENV_BIN": str(Path(sys.executable).parent),
            "PYTHONPATH": str(ROOT),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # Eight clients log in as several people from one address at once: a load test, not
            # a guessing attack (the per-address login throttle has its own tests).
            "THROTTLE_AUTH_RATE": "100000/min",
        }
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=300,
    )  # fmt: skip


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_eight_concurrent_clients_get_no_5xx_and_every_letter(tmp_path):
    port = _free_port()
    env = _embedded_env(tmp_path / "var", port)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    log = (tmp_path / "embedded.log").open("w")
    stack = subprocess.Popen(  # noqa: S603 - fixed arguments
        [str(ROOT / "scripts" / "run-embedded")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        end = time.monotonic() + 60
        while not _healthy(port):
            assert stack.poll() is None, (tmp_path / "embedded.log").read_text()[-3000:]
            assert time.monotonic() < end, "the embedded stack did not become healthy"
            time.sleep(0.5)
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "scripts/embedded_load.py", "--url", f"http://127.0.0.1:{port}",
             "--clients", "8", "--rounds", "1", "--letter-timeout", "120"],
            cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        stack.wait(timeout=60)
        log.close()
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 5xx=0 " in summary, summary
    # Each client: one simplified review and one meeting review (agenda, votes, conclude, close).
    assert "decisions=16 " in summary, summary
    assert "letters_missing=0 " in summary, summary
    assert "minutes_missing=0 " in summary, summary
    assert "database is locked" not in (tmp_path / "embedded.log").read_text()


def test_the_load_scripts_worksheet_answers_exactly_its_scopes_criteria_r22():
    """R22: the script's reviewers answer every criterion of its projects' scope and no other,
    so its opinions are not refused when the criteria change (a fast check of the script)."""
    import importlib.util

    from reviews.checklist import criteria_for

    spec = importlib.util.spec_from_file_location(
        "embedded_load", ROOT / "scripts" / "embedded_load.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert list(script.WORKSHEET) == [c.key for c in criteria_for(script.SCOPE)]
