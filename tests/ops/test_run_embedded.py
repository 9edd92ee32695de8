"""scripts/run-embedded prints its "is running" box last, only once /healthz answers 200, and sets
SITE_URL from HOST and PORT. The web server is a small real HTTP server that answers 503 for a
while, then 200; the Celery worker and beat are stand-ins that print a line and sleep."""

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parents[2]

FAKE_SERVER = """
import http.server, os, sys, time
host, port = sys.argv[1].rsplit(":", 1)
healthy_after = float(os.environ["FAKE_HEALTHY_AFTER"])
started = time.monotonic()
print("fake web server SITE_URL=" + os.environ.get("SITE_URL", "-"), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/healthz" and time.monotonic() - started >= healthy_after
        if ok:
            print("fake web server: /healthz answers 200", flush=True)
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass

http.server.HTTPServer((host, int(port)), Handler).serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fake_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "fake_server.py").write_text(FAKE_SERVER)
    scripts = {
        "python": (
            f'if [ "$1" = manage.py ] && [ "$2" = runserver ]; then\n'
            f'  exec {sys.executable} {tmp_path / "fake_server.py"} "$3"\nfi\n'
            f'exec {sys.executable} "$@"\n'
        ),
        # The stand-in prints its arguments (so the test sees -q) and then sleeps.
        "celery": 'echo "fake celery $*"\nexec sleep 600\n',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/usr/bin/env bash\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def _run(tmp_path: Path, healthy_after: float, timeout: int, wait_for: str) -> str:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "SITE_URL"},
        "VENV_BIN": str(_fake_bin(tmp_path)),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "var"),
        "READY_TIMEOUT": str(timeout),
        "FAKE_HEALTHY_AFTER": str(healthy_after),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("EMAIL_BACKEND", None)
    log_path = tmp_path / "out.log"
    with log_path.open("w") as log:
        stack = subprocess.Popen(  # noqa: S603 - fixed arguments
            [str(ROOT / "scripts" / "run-embedded")], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            end = time.monotonic() + timeout + 30
            while wait_for not in log_path.read_text():
                assert stack.poll() is None, log_path.read_text()
                assert time.monotonic() < end, log_path.read_text()
                time.sleep(0.2)
        finally:
            os.killpg(stack.pid, signal.SIGTERM)
            stack.wait(timeout=30)
    return log_path.read_text()


def test_box_comes_last_once_healthz_answers(tmp_path):
    out = _run(tmp_path, healthy_after=3, timeout=60, wait_for="Press Ctrl-C")
    box = out.index("is running:")
    healthy = out.index("/healthz answers 200")
    assert healthy < box
    # Worker and beat started without their banners, before the box.
    worker = out.index("fake celery -A config -q worker")
    beat = out.index("fake celery -A config -q beat --loglevel=WARNING")
    assert max(worker, beat) < box
    port = out.split("SITE_URL=http://127.0.0.1:")[1].split()[0]
    assert f"is running:  http://127.0.0.1:{port}/" in out
    assert "kh_secretary" in out[box:]
    assert "demo-pass-2026" in out[box:]
    assert str(tmp_path / "var" / "mail") in out[box:]
    assert "did not answer 200" not in out


def test_box_waits_for_the_timeout_and_says_so_when_never_healthy(tmp_path):
    start = time.monotonic()
    out = _run(tmp_path, healthy_after=3600, timeout=4, wait_for="Press Ctrl-C")
    assert time.monotonic() - start >= 4
    assert out.index("did not answer 200 within 4 s") < out.index("is running:")


def test_refuses_a_port_another_server_holds(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        env = {
            **os.environ,
            "VENV_BIN": str(_fake_bin(tmp_path)),
            "PORT": str(held.getsockname()[1]),
            "DATA_DIR": str(tmp_path / "var"),
        }
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [str(ROOT / "scripts" / "run-embedded")], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "is running" not in result.stdout
    assert "fake celery" not in result.stdout
