"""The audit chain's key: required in production like SECRET_KEY; rotation by key id."""

import subprocess

import pytest

from tests.ops.test_settings_production import PRODUCTION, _settings

pytestmark = pytest.mark.engine_independent


def _without_key():
    return {k: v for k, v in PRODUCTION.items() if k != "AUDIT_HMAC_KEY"}


def test_production_without_the_audit_key_refuses_to_start(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _settings(_without_key() | {"DATA_DIR": str(tmp_path)}, "AUDIT_HMAC_KEYS")
    assert "Set AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) when DEBUG is off" in failed.value.stderr


def test_single_key_is_key_1_and_the_embedded_default_only_with_debug(tmp_path):
    values = _settings(
        PRODUCTION | {"DATA_DIR": str(tmp_path)}, "AUDIT_HMAC_KEYS", "AUDIT_HMAC_KEY_ID"
    )
    assert values == {
        "AUDIT_HMAC_KEYS": repr({"1": "a-production-audit-key-0123456789"}),
        "AUDIT_HMAC_KEY_ID": repr("1"),
    }
    debug = _settings({"DEBUG": "1", "DATA_DIR": str(tmp_path)}, "AUDIT_HMAC_KEYS")
    assert "embedded-audit-key-only-for-local-use" in debug["AUDIT_HMAC_KEYS"]


def test_rotation_lists_keys_newest_last_from_a_file(tmp_path):
    keys = tmp_path / "audit-keys"
    keys.write_text("2026a:old-key\n2027a:new-key\n")
    values = _settings(
        _without_key() | {"DATA_DIR": str(tmp_path), "AUDIT_HMAC_KEYS_FILE": str(keys)},
        "AUDIT_HMAC_KEYS",
        "AUDIT_HMAC_KEY_ID",
        "AUDIT_ANCHOR_FILE",
        "AUDIT_ANCHOR_MINUTES",
    )
    assert values["AUDIT_HMAC_KEYS"] == repr({"2026a": "old-key", "2027a": "new-key"})
    assert values["AUDIT_HMAC_KEY_ID"] == repr("2027a")
    assert values["AUDIT_ANCHOR_FILE"].endswith(f"{tmp_path / 'audit' / 'anchors.log'}')")
    assert values["AUDIT_ANCHOR_MINUTES"] == "60"


def test_a_malformed_key_list_is_refused(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _settings(
            _without_key() | {"DATA_DIR": str(tmp_path), "AUDIT_HMAC_KEYS": "no-id-here"},
            "AUDIT_HMAC_KEYS",
        )
    assert "AUDIT_HMAC_KEYS must be 'id:key,id:key'" in failed.value.stderr
