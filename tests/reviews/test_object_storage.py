"""Documents and PDFs in S3-compatible object storage (django-storages; moto stands in for MinIO):
a letter is rendered into the bucket, read back for verification, and the bucket is backed up and
restored into another, empty one."""

import tarfile

import pytest
from django.core.management import call_command

from ethics import backup
from reviews import services
from tests.reviews.conftest import accepted, meeting_decision

moto = pytest.importorskip("moto")

pytestmark = pytest.mark.django_db(transaction=True)

OPTIONS = {
    "region_name": "us-east-1",
    "access_key": "test-key",
    "secret_key": "test-secret",
    "addressing_style": "path",
    "location": "media",
    "default_acl": None,
    "file_overwrite": False,
    "querystring_auth": True,
}


@pytest.fixture
def buckets(settings, monkeypatch):
    import boto3

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for name in ("ethics", "ethics-restored"):
            s3.create_bucket(Bucket=name)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**OPTIONS, "bucket_name": "ethics"},
            },
        }
        yield s3


def _keys(s3, bucket):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_a_letter_goes_to_the_bucket_and_survives_backup_and_restore(world, buckets, tmp_path):
    from storages.backends.s3 import S3Storage

    application = accepted(world, procedure="meeting", grounds="")
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    decision = services.letter_render(decision_id=decision.pk)
    assert f"media/{decision.letter.name}" in _keys(buckets, "ethics")
    assert not (tmp_path / "media").exists()  # nothing on local disk
    call_command("verify_letters")  # reads the PDF back from the bucket

    summary = backup.backup(tmp_path / "backups")
    assert summary.files == len(_keys(buckets, "ethics"))
    restored = S3Storage(**OPTIONS, bucket_name="ethics-restored")
    with tarfile.open(summary.archive) as tar:
        files, _ = backup.restore_files(tar, restored)
    assert files == summary.files
    assert _keys(buckets, "ethics-restored") == _keys(buckets, "ethics")
    with restored.open(decision.letter.name, "rb") as handle:
        assert handle.read().startswith(b"%PDF")
