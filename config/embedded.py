"""The folders the embedded default needs (SQLite file, filesystem broker, media).

Settings only name paths; the entry points (manage.py, the Celery app, the WSGI module) call
`prepare()` so that importing settings never touches the disk. In production (PostgreSQL, Redis,
object storage) there is nothing to make and the function does nothing.
"""

from pathlib import Path


def prepare() -> None:
    """Make the embedded folders that the configuration in use needs; idempotent."""
    from django.conf import settings

    folders: list[Path] = []
    if settings.EMBEDDED_DB:
        folders.append(Path(settings.DATA_DIR))
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [Path(options[key]) for key in ("data_folder_in", "processed_folder")]
        folders.append(Path(options["control_folder"]))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
