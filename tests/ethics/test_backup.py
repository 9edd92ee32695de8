"""manage.py backup / restore (ethics/backup.py); the full drill is scripts/restore_drill.sh."""

import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from ethics import backup

# transaction=True: SQLite cannot back up a database inside an open write transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_archive_holds_the_database_every_file_and_a_manifest(tmp_path, user):
    default_storage.save("reviews/letters/2026/01/a.pdf", ContentFile(b"%PDF-1.4 a"))
    default_storage.save("committees/b.pdf", ContentFile(b"%PDF-1.4 b"))
    summary = backup.backup(tmp_path / "out")
    assert summary.files == 2
    manifest = backup.read_manifest(summary.archive)
    assert manifest["files"] == 2
    assert manifest["migrations"]["ethics"] >= "0004"
    with tarfile.open(summary.archive) as tar:
        names = set(tar.getnames())
    assert {
        "manifest.json",
        "media/reviews/letters/2026/01/a.pdf",
        "media/committees/b.pdf",
    } <= names
    assert manifest["database"] in names
    assert not list((tmp_path / "out").glob("*.partial"))


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, user):
    summary = backup.backup(tmp_path / "out")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(summary.archive))
