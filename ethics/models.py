"""Kernel models: users, the audit chain, deadlines, reminders, notifications, holidays.

The kernel imports no app. Subjects of audit events and deadlines are reached through generic
relations; the two foreign keys towards the committees app (a user's institution, a deadline's
committee) are declared by string and added in a later migration so the layering holds in code.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.job_models import Heartbeat, Job, JobState  # noqa: F401 - registered with the app


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class User(AbstractUser):
    """A person: researcher, member, secretary, institution admin or site admin."""

    name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    institution = models.ForeignKey(
        "committees.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    institution_admin = models.BooleanField(_("institution admin"), default=False)

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username


class AuditChainHead(models.Model):
    """A single row holding the newest hash; locking it orders concurrent audit writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return self.last_hash


class AuditEvent(models.Model):
    """Append-only record of a state change or a document download, chained by SHA-256."""

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id", "id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"


class DeadlineKind(models.TextChoices):
    DECISION = "decision", _("Review decision")
    REREVIEW_OPINION = "rereview_opinion", _("Expert re-review opinion")
    TRACKING_REVIEW = "tracking_review", _("Tracking review")
    COMMITTEE_REGISTRATION = "committee_registration", _("Committee registration")
    COMMITTEE_UPDATE = "committee_update", _("Committee registration update")
    LISTED_REGISTRATION = "listed_registration", _("Listed activity registration")
    LISTED_UPDATE = "listed_update", _("Listed activity registration update")
    ANNUAL_REPORT = "annual_report", _("Annual report")
    MEMBER_TERM = "member_term", _("Member term ends")


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    OVERDUE = "overdue", _("Overdue")
    WAIVED = "waived", _("Waived")


ACTIVE_DEADLINE_STATES = (DeadlineState.OPEN, DeadlineState.OVERDUE)


class Deadline(models.Model):
    """One statutory or internal clock. Services open and close these as state changes."""

    kind = models.CharField(_("kind"), max_length=40, choices=DeadlineKind.choices)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    title = models.CharField(_("title"), max_length=300)
    rule = models.CharField(_("rule"), max_length=10, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeadlineState.values), name="deadline_state_valid"
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(state__in=["open", "overdue"]),
                name="deadline_one_active_per_subject_kind",
            ),
        ]
        indexes = [
            # The scan's claim query walks only active deadlines by due date.
            models.Index(
                fields=["due_at"],
                condition=Q(state__in=["open", "overdue"]),
                name="deadline_active_due_idx",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject_idx"),
            models.Index(fields=["committee", "state", "due_at"], name="deadline_committee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_DEADLINE_STATES


class Reminder(models.Model):
    """A reminder for one (deadline, stage, recipient); the unique key makes it exactly-once."""

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(_("stage"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    escalation = models.BooleanField(_("escalation"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Set (and committed) just before the e-mail is handed to the mail server; with `sent_at`
    # still empty after a crash it means "the message may have left" (see reminder_send).
    sending_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "stage", "recipient"], name="reminder_once_per_stage"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at=None), name="reminder_unsent_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id}/{self.stage}/{self.recipient_id}"


class Notification(models.Model):
    """In-app inbox entry, written in the recipient's language when it is created."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at=None), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Statutory holiday (rest day)")
    MAKEUP = "makeup", _("Make-up working day")


class Holiday(models.Model):
    """China's official holiday calendar (法定节假日 and 调休 working days), editable data."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.get_kind_display()})"
