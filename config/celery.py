"""The Celery application. The beat schedule lives in the database (django-celery-beat).

`DEFAULT_SCHEDULE` is what `manage.py migrate` installs as periodic tasks (a data migration in
ethics); afterwards administrators edit the rows in Django admin, not this dict.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ethics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

DEFAULT_SCHEDULE = {
    "scan-deadlines": {"task": "ethics.scan_deadlines", "every_minutes": 15},
}
