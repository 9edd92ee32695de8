"""The job outbox and the heartbeats (ethics/jobs.py), and the sweeper in the beat schedule."""

import django.utils.timezone
from django.db import migrations, models


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # Frozen copy of config.celery.DEFAULT_SCHEDULE["sweep-jobs"].
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="sweep-jobs",
        defaults={"task": "ethics.sweep_jobs", "interval": interval, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="sweep-jobs").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ethics", "0004_deadline_kind_choices_from_hooks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
            ],
            options={"verbose_name": "heartbeat", "verbose_name_plural": "heartbeats"},
        ),
        migrations.CreateModel(
            name="Job",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("task", models.CharField(max_length=100, verbose_name="task")),
                ("kwargs", models.JSONField(default=dict, verbose_name="arguments")),
                ("key", models.CharField(max_length=200, unique=True, verbose_name="key")),
                ("queue", models.CharField(default="pdf", max_length=20, verbose_name="queue")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "recorded, not yet queued"),
                            ("queued", "queued"),
                            ("running", "running"),
                            ("done", "done"),
                            ("failed", "failed"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("dispatches", models.PositiveIntegerField(default=0, verbose_name="times queued")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at")),
                ("sweep_at", models.DateTimeField(verbose_name="queue again after")),
                ("enqueued_at", models.DateTimeField(blank=True, null=True, verbose_name="queued at")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
            ],
            options={
                "verbose_name": "job",
                "verbose_name_plural": "jobs",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("state__in", ["pending", "queued", "running", "done", "failed"])),
                        name="job_state_valid",
                    )
                ],
                "indexes": [
                    models.Index(
                        condition=models.Q(("state__in", ["pending", "queued", "running"])),
                        fields=["sweep_at"],
                        name="job_unfinished_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(schedule, unschedule),
    ]
