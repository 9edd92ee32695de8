"""The keyed audit chain (issue 13, R60): the hash scheme and key id of each event, a trigger that
refuses UPDATE and DELETE on audit events, and the anchor task in the beat schedule.

Events already written keep their plain SHA-256 ("sha256"); ethics.audit.record writes
"hmac-sha256" with the newest key id from then on.

SQLite note: a migration that remakes `ethics_auditevent` (SQLite's way of altering a column)
drops its triggers; such a migration must create them again (`verify_audit` warns when missing).
"""

from django.db import migrations, models

# Frozen copies of ethics.audit.GUARD_TRIGGER / SQLITE_GUARD_DELETE as they were when this
# migration was written: a migration must not import the project's code.
PG_INSTALL = """
CREATE OR REPLACE FUNCTION ethics_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused (R60)', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER ethics_auditevent_append_only
    BEFORE UPDATE OR DELETE ON ethics_auditevent
    FOR EACH ROW EXECUTE FUNCTION ethics_auditevent_refuse_change();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS ethics_auditevent_append_only ON ethics_auditevent;
DROP FUNCTION IF EXISTS ethics_auditevent_refuse_change();
"""
SQLITE_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS ethics_auditevent_append_only_update BEFORE UPDATE ON "
    "ethics_auditevent BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE "
    "refused (R60)'); END",
    "CREATE TRIGGER IF NOT EXISTS ethics_auditevent_append_only_delete BEFORE DELETE ON "
    "ethics_auditevent BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE "
    "refused (R60)'); END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS ethics_auditevent_append_only_update",
    "DROP TRIGGER IF EXISTS ethics_auditevent_append_only_delete",
]


def install_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)


def remove_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement, params=None)


def schedule(apps, schema_editor):
    from django.conf import settings

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Frozen copy of config.celery.DEFAULT_SCHEDULE["anchor-audit"]; the interval is
    # AUDIT_ANCHOR_MINUTES at migrate time (afterwards edited in Django admin like every task).
    every = int(getattr(settings, "AUDIT_ANCHOR_MINUTES", 60))
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="anchor-audit",
        defaults={"task": "ethics.anchor_audit", "interval": interval, "enabled": True},
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name="anchor-audit").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ethics", "0006_accounts_api_tokens"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, max_length=32, verbose_name="key id"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="scheme",
            field=models.CharField(default="sha256", max_length=16, verbose_name="hash scheme"),
            preserve_default=False,
        ),
        migrations.RunPython(install_guard, remove_guard),
        migrations.RunPython(schedule, unschedule),
    ]
