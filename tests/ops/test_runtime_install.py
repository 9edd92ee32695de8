"""The runtime dependencies are complete: a fresh virtualenv with requirements.lock only (what
the Dockerfile installs, no dev extras) renders every kind of PDF (letters, minutes, filing
packages, re-review packages). Runs in CI's PostgreSQL step (about a minute with pip's cache)."""

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    missing = {_name(r) for r in project["dependencies"]} - pinned
    assert not missing, f"not in requirements.lock (run pip-compile, README): {missing}"
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    assert not (dev & pinned) - {_name(r) for r in project["dependencies"]}


@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    and not os.environ.get("RUNTIME_INSTALL_TEST"),
    reason="runs in CI's PostgreSQL step (or with RUNTIME_INSTALL_TEST=1); it builds a virtualenv",
)
def test_a_runtime_only_install_renders_every_pdf(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)  # noqa: S603
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(  # noqa: S603 - fixed arguments
        [*pip, "install", "--require-hashes", "--no-deps", "-r", str(ROOT / "requirements.lock")],
        check=True, timeout=600,
    )  # fmt: skip
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, check=False)  # noqa: S603
    assert check.returncode == 0, check.stdout
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "PYTHON", "VIRTUAL_ENV"))
    }
    env |= {
        "DATA_DIR": str(tmp_path / "data"),
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(venv / "bin" / "python"), str(ROOT / "tests" / "ops" / "render_every_pdf.py")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    for kind in ("letter", "minutes", "filing_package", "rereview_package"):
        assert counts[kind] >= 1, counts
        assert counts[f"{kind}_missing"] == 0, counts
