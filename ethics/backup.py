"""Back up and restore the database and the files together (manage.py backup / restore).

One archive (`ethics-backup-<UTC time>.tar`) holds:

- `manifest.json`: when, which engine and storage, the newest migration of each app, counts and
  SHA-256 of every part;
- the database: `database.dump` (pg_dump custom format) on PostgreSQL, or `database.sqlite3`
  (SQLite's online backup) in the embedded default;
- `media/...`: every stored file (documents, letters, minutes, packages), read through Django's
  default storage, so the same code copies the local media folder or the S3/MinIO bucket.

Order matters: the database is dumped first, then the files. Stored files are never changed or
deleted (documents are versioned, PDFs are new files), so every file the dump refers to is in
the copy; files written meanwhile are merely extra.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

FORMAT = 1
MEDIA = "media/"


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class Summary:
    archive: Path
    engine: str
    files: int
    bytes: int


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[name] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _walk(storage: Storage, folder: str = "") -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing stored yet: the media folder does not exist
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _migrations(alias: str) -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    newest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[alias]).applied_migrations():
        newest[app] = max(newest.get(app, ""), name)
    return newest


def _dump_database(alias: str, folder: Path) -> Path:
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        target = folder / "database.dump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(target),
             str(db["NAME"])],
            _pg_env(db),
        )  # fmt: skip
        return target
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return target
    raise BackupError(f"no backup procedure for {connection.vendor}")


def backup(
    destination: Path, *, alias: str = DEFAULT_DB_ALIAS, storage: Storage | None = None
) -> Summary:
    """Write one archive with the database and every stored file into `destination`."""
    storage = storage or default_storage
    destination.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    archive = destination / f"ethics-backup-{stamp}.tar"
    partial = archive.with_suffix(".tar.partial")
    with tempfile.TemporaryDirectory() as scratch:
        dump = _dump_database(alias, Path(scratch))  # first: see the module docstring
        files = total = 0
        with tarfile.open(partial, "w") as tar:
            tar.add(dump, arcname=dump.name)
            for name in _walk(storage):
                size = storage.size(name)
                info = tarfile.TarInfo(MEDIA + name)
                info.size = size
                info.mtime = int(timezone.now().timestamp())
                with storage.open(name, "rb") as handle:
                    tar.addfile(info, handle)
                files += 1
                total += size
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "engine": connections[alias].vendor,
                "database": dump.name,
                "database_sha256": _sha256(dump),
                "storage": f"{type(storage).__module__}.{type(storage).__name__}",
                "files": files,
                "bytes": total,
                "migrations": _migrations(alias),
            }
            blob = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    partial.rename(archive)  # an archive under its final name is complete
    return Summary(archive, manifest["engine"], files, total)


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("the archive has no manifest.json")
        manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}")
    return manifest


def _database_is_empty(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
    return "django_migrations" not in tables


def _restore_database(alias: str, tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    connection = connections[alias]
    db = connection.settings_dict
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"a {manifest['engine']} backup cannot go into {connection.vendor}")
    with tempfile.TemporaryDirectory() as scratch:
        source = tar.extractfile(manifest["database"])
        if source is None:
            raise BackupError("the archive has no database dump")
        dump = Path(scratch, "database")
        with dump.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        if _sha256(dump) != manifest["database_sha256"]:
            raise BackupError("the database dump does not match its checksum")
        connection.close()
        if connection.vendor == "postgresql":
            _run(
                ["pg_restore", "--no-owner", "--no-acl", "--exit-on-error",
                 "--dbname", str(db["NAME"]), str(dump)],
                _pg_env(db),
            )  # fmt: skip
        else:
            target = Path(db["NAME"])
            target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(dump, target)


def restore_files(tar: tarfile.TarFile, storage: Storage) -> tuple[int, int]:
    """Write every `media/...` member into `storage` under its own name; (files, bytes)."""
    files = total = 0
    for member in tar:
        if not member.isfile() or not member.name.startswith(MEDIA):
            continue
        name = member.name[len(MEDIA) :]
        if ".." in Path(name).parts or name.startswith("/"):
            raise BackupError(f"unsafe file name in the archive: {member.name}")
        handle = tar.extractfile(member)
        if handle is None:
            continue
        if storage.exists(name):
            raise BackupError(f"{name} already exists: restore into an empty folder or bucket")
        saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"{name} was stored as {saved}")
        files += 1
        total += member.size
    return files, total


def restore(
    archive: Path, *, alias: str = DEFAULT_DB_ALIAS, storage: Storage | None = None
) -> Summary:
    """Restore an archive into an empty database and storage (a fresh install)."""
    storage = storage or default_storage
    manifest = read_manifest(archive)
    if not _database_is_empty(alias):
        raise BackupError(
            "the database is not empty: restore into a new database (createdb), never over one"
        )
    with tarfile.open(archive, "r") as tar:
        _restore_database(alias, tar, manifest)
        files, total = restore_files(tar, storage)
    if files != manifest["files"]:
        raise BackupError(f"restored {files} files, the archive lists {manifest['files']}")
    return Summary(archive, manifest["engine"], files, total)
