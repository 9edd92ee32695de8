"""With production variables set, `manage.py check --deploy` reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parents[2]


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # The browser fixture allows async-unsafe ORM use in the test process; production must not.
    dropped = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    dropped |= {"AUDIT_HMAC_KEY", "AUDIT_HMAC_KEY_FILE", "AUDIT_HMAC_KEYS", "AUDIT_HMAC_KEYS_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = _run(
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-very-long-random-production-secret-key-0123456789-abcdefghijkl",
            "AUDIT_HMAC_KEY": "a-production-audit-key-0123456789",
            "ALLOWED_HOSTS": "ethics.example.cn",
            "DATA_DIR": str(tmp_path),
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_fails_loudly(tmp_path):
    result = _run({"DEBUG": "0", "DATA_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("another-very-long-random-production-secret-key-0123456789-xyz\n")
    result = _run(
        {
            "DEBUG": "0",
            "SECRET_KEY_FILE": str(secret),
            "AUDIT_HMAC_KEY_FILE": str(secret),
            "ALLOWED_HOSTS": "x",
            "DATA_DIR": str(tmp_path),
        },
        "check",
    )
    assert result.returncode == 0, result.stderr
