"""Load China's official holiday calendar (2025, 2026) and install the default beat schedule."""

from django.db import migrations


def load(apps, schema_editor):
    from ethics.holiday_data import HOLIDAYS, MAKEUP, OFFICIAL_CALENDAR

    Holiday = apps.get_model("ethics", "Holiday")
    for arrangement in OFFICIAL_CALENDAR.values():
        for kind, key in (("holiday", HOLIDAYS), ("makeup", MAKEUP)):
            for day, name in arrangement[key]:
                Holiday.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Frozen copy of config.celery.DEFAULT_SCHEDULE as it was when this migration was written:
    # a migration must not import the project configuration.
    schedule = {"scan-deadlines": {"task": "ethics.scan_deadlines", "every_minutes": 15}}
    for name, entry in schedule.items():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every_minutes"], period="minutes"
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": entry["task"], "interval": interval, "enabled": True}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ethics", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
