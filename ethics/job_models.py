"""The outbox of rendering jobs and the heartbeats of worker and beat (kept out of models.py so
the kernel's domain models stay apart from the machinery; imported there for Django)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("recorded, not yet queued")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


UNFINISHED_JOB_STATES = (JobState.PENDING, JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """A task that must run because of a committed change (transactional outbox).

    Written in the same transaction as the change (`ethics.jobs.enqueue`), handed to the broker
    after commit, and handed again by the beat sweeper while unfinished, so neither a broker
    outage nor a dead worker loses it. The task itself is idempotent, so a repeat does nothing.
    """

    task = models.CharField(_("task"), max_length=100)
    kwargs = models.JSONField(_("arguments"), default=dict)
    key = models.CharField(_("key"), max_length=200, unique=True)
    queue = models.CharField(_("queue"), max_length=20, default="pdf")
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    dispatches = models.PositiveIntegerField(_("times queued"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sweep_at = models.DateTimeField(_("queue again after"))
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_valid")
        ]
        indexes = [
            models.Index(
                fields=["sweep_at"],
                condition=Q(state__in=["pending", "queued", "running"]),
                name="job_unfinished_idx",
            )
        ]

    def __str__(self) -> str:
        from ethics.action_labels import TASK_LABELS

        task = TASK_LABELS.get(self.task, self.task)
        return f"{task} #{self.pk} ({self.get_state_display()})"


class Heartbeat(models.Model):
    """When a worker (one row per host) or beat last showed it was alive (read by /healthz)."""

    name = models.CharField(max_length=200, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
