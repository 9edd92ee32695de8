"""Production settings: no side effects at import, the proxy header trusted only behind the
proxy, object storage when configured, logs with time and level, Sentry only with a DSN."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.observability import JsonFormatter, init_sentry

pytestmark = pytest.mark.engine_independent

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-very-long-random-production-secret-key-0123456789-abcdefghijkl",
    "AUDIT_HMAC_KEY": "a-production-audit-key-0123456789",
    "ALLOWED_HOSTS": "ethics.example.cn",
}


def _settings(env_extra, *names):
    """Import config.settings in a fresh interpreter and return the named values."""
    dropped = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "S3_BUCKET"}
    dropped |= {"AUDIT_HMAC_KEY", "AUDIT_HMAC_KEY_FILE", "AUDIT_HMAC_KEYS", "AUDIT_HMAC_KEYS_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped} | env_extra
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{n: repr(getattr(s, n, None)) for n in {list(names)!r}}}))"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_importing_settings_creates_no_directory(tmp_path):
    data = tmp_path / "nowhere"
    values = _settings({"DATA_DIR": str(data)}, "DATA_DIR", "STATIC_ROOT")
    assert str(data) in values["DATA_DIR"]
    assert not data.exists()


def test_forwarded_proto_is_trusted_only_behind_the_proxy(tmp_path):
    env = PRODUCTION | {"DATA_DIR": str(tmp_path)}
    assert _settings(env, "SECURE_PROXY_SSL_HEADER")["SECURE_PROXY_SSL_HEADER"] == "None"
    behind = _settings(env | {"BEHIND_TLS_PROXY": "1"}, "SECURE_PROXY_SSL_HEADER")
    assert "HTTP_X_FORWARDED_PROTO" in behind["SECURE_PROXY_SSL_HEADER"]


def test_static_files_live_outside_the_data_volume(tmp_path):
    values = _settings(PRODUCTION | {"DATA_DIR": str(tmp_path)}, "STATIC_ROOT")
    assert str(tmp_path) not in values["STATIC_ROOT"]


def test_object_storage_when_a_bucket_is_set(tmp_path):
    env = PRODUCTION | {
        "DATA_DIR": str(tmp_path),
        "S3_BUCKET": "ethics",
        "S3_ENDPOINT_URL": "http://minio:9000",
        "S3_ACCESS_KEY_ID": "ethics",
        "S3_SECRET_ACCESS_KEY": "secret-key",
    }
    storages = _settings(env, "STORAGES")["STORAGES"]
    assert "storages.backends.s3.S3Storage" in storages
    assert "'bucket_name': 'ethics'" in storages
    local = _settings(PRODUCTION | {"DATA_DIR": str(tmp_path)}, "STORAGES")["STORAGES"]
    assert "FileSystemStorage" in local


def test_json_log_lines_carry_time_and_level():
    record = logging.LogRecord("ethics.jobs", logging.WARNING, __file__, 1, "job %s", (7,), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "WARNING"
    assert line["message"] == "job 7"
    assert line["time"].endswith("+00:00")


def test_sentry_stays_off_without_a_dsn(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert init_sentry() is False


def test_sentry_starts_with_a_dsn():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env["SENTRY_DSN"] = "http://public@127.0.0.1:9/1"  # never reached: no event is sent
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
        "django.setup(); from config.observability import init_sentry; import sentry_sdk; "
        "print(init_sentry(), sentry_sdk.get_client().is_active())"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.split() == ["True", "True"], result.stdout + result.stderr
