"""Kernel models: institutions and users, the audit chain, deadlines, reminders, notifications,
holidays; and what every app's models share (created/updated fields, choice constraints).

The kernel imports no app and its migrations depend on none. The institution (单位) lives here:
every user and every committee belongs to one, and it is the tenancy boundary the kernel's own
user policy scopes by. Subjects of audit events and deadlines are reached through generic
relations, and a deadline's committee is a plain id that the apps resolve: the kernel only stores
it to scope who sees and is reminded about the clock.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import hooks
from ethics.deadlines import is_overdue
from ethics.validators import validate_credit_code

# --- what every app's models share ---------------------------------------------------------------


def choices_constraint(
    field: str, choices: type[models.Choices], *, name: str
) -> models.CheckConstraint:
    """A CheckConstraint that `field` holds one of `choices`: the database backs the enum."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class CreatedAt(models.Model):
    """Abstract: when the row was created."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        abstract = True


class CreatedBy(CreatedAt):
    """Abstract: who created the row, and when (the audit chain has the full story)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        abstract = True


class UpdatedAt(models.Model):
    """Abstract: when the row last changed (kept by save(), so services name it in update_fields)."""

    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# --- institutions and users ----------------------------------------------------------------------


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("Higher education institution")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    MEDICAL = "medical", _("Medical and health institution")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class Authority(models.TextChoices):
    """行业主管部门: the Beijing bodies that issued 京科监发〔2024〕277号, plus "other"."""

    BJ_STC = "bj_stc", _("Beijing S&T Commission / Zhongguancun Administrative Committee")
    BJ_PUBLICITY = "bj_publicity", _("Publicity Department of the CPC Beijing Committee")
    BJ_CAC = "bj_cac", _("Cyberspace Affairs Office of the CPC Beijing Committee")
    BJ_EDUCATION = "bj_education", _("Beijing Municipal Education Commission")
    BJ_ECONOMY = "bj_economy", _("Beijing Municipal Bureau of Economy and Information Technology")
    BJ_AGRICULTURE = (
        "bj_agriculture",
        _("Beijing Municipal Bureau of Agriculture and Rural Affairs"),
    )
    BJ_HEALTH = "bj_health", _("Beijing Municipal Health Commission")
    BJ_CAST = "bj_cast", _("Beijing Association for Science and Technology")
    OTHER = "other", _("Other")


class Institution(models.Model):
    """A unit (单位) responsible for ethics review of its S&T activities (R1).

    Its table keeps the name it had when the committees app defined the model.
    """

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015; the last one is a check character."),
    )
    kind = models.CharField(_("type"), max_length=30, choices=InstitutionKind.choices)
    authority = models.CharField(
        _("competent authority"), max_length=100, blank=True, choices=Authority.choices
    )
    authority_other = models.CharField(
        _("other competent authority"),
        max_length=200,
        blank=True,
        help_text=_("Name of the competent authority when it is not in the list."),
    )
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        db_table = "committees_institution"
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name

    @property
    def authority_label(self) -> str:
        if self.authority == Authority.OTHER:
            return self.authority_other or str(Authority.OTHER.label)
        return str(self.get_authority_display())


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


def display_name(name: str, first_name: str, last_name: str, username: str) -> str:
    """``User.display_name`` from the columns it reads (for rows read as values): the name,
    else the full name, else the username."""
    return name or f"{first_name} {last_name}".strip() or username


def name_columns(path: str) -> tuple[str, str, str, str]:
    """The columns ``display_name`` takes, in its order, of the user reached through ``path``
    (``"project__lead"``): for a ``values_list`` whose rows show a person's name."""
    return (f"{path}__name", f"{path}__first_name", f"{path}__last_name", f"{path}__username")


class User(AbstractUser):
    """A person: researcher, member, secretary, institution admin or site admin."""

    name = models.CharField(_("display name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    institution = models.ForeignKey(
        Institution,
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
        return display_name(self.name, self.first_name, self.last_name, self.username)

    def get_short_name(self) -> str:
        """What the admin's header greets: the person's name, not the username."""
        return self.name or self.first_name


class AuditChainHead(models.Model):
    """A single row holding the newest hash; locking it orders concurrent audit writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return self.last_hash


class AuditEvent(models.Model):
    """Append-only record of a state change or a document download, chained by HMAC-SHA256.

    UPDATE and DELETE are refused by a database trigger (migration 0007_audit_hmac_and_guard).
    """

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
    # "sha256" (events written before the chain was keyed) or "hmac-sha256" with the id of the
    # key in settings.AUDIT_HMAC_KEYS; set by ethics.audit.record, never by hand.
    scheme = models.CharField(_("hash scheme"), max_length=16)
    key_id = models.CharField(_("key id"), max_length=32, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id", "id"])]

    def __str__(self) -> str:
        from ethics.action_labels import action_label

        who = self.actor.display_name if self.actor is not None else self.actor_label
        return f"{self.created_at:%Y-%m-%d %H:%M} {who} {action_label(self.action)}"


class DeadlineState(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    OVERDUE = "overdue", _("Overdue")
    WAIVED = "waived", _("Waived")


ACTIVE_DEADLINE_STATES = (DeadlineState.OPEN, DeadlineState.OVERDUE)


def overdue_condition(prefix: str = "", now: datetime | None = None) -> Q:
    """The one definition of overdue as a filter, for a deadline reached through ``prefix``
    (``"deadline__"`` from a filing): a running clock whose exclusive deadline has passed."""
    return Q(
        **{
            f"{prefix}state__in": ACTIVE_DEADLINE_STATES,
            f"{prefix}due_at__lte": now or timezone.now(),
        }
    )


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def active(self) -> DeadlineQuerySet:
        """Clocks still running: open, or overdue and not yet met or waived."""
        return self.filter(state__in=ACTIVE_DEADLINE_STATES)

    def overdue(self, now: datetime | None = None) -> DeadlineQuerySet:
        """The one definition of overdue (``ethics.deadlines.is_overdue``): a running clock whose
        exclusive deadline has passed, whether or not the scan has marked it yet."""
        return self.filter(overdue_condition(now=now))

    def not_overdue(self, now: datetime | None = None) -> DeadlineQuerySet:
        """Running clocks whose deadline is still ahead."""
        return self.active().filter(due_at__gt=now or timezone.now())

    def of(self, subject: models.Model) -> DeadlineQuerySet:
        """The clocks of one subject (any model)."""
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )


class Deadline(models.Model):
    """One statutory or internal clock. Services open and close these as state changes.

    `kind` takes its choices from the apps' declarations (ethics.hooks.register_deadline_kind),
    read when needed, so a new clock needs no migration here. `committee_id` says whose clock it
    is (who sees it, who is reminded); the committees app owns what it points to.
    """

    kind = models.CharField(
        _("kind"), max_length=hooks.KIND_MAX_LENGTH, choices=hooks.deadline_kind_choices
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    committee_id = models.BigIntegerField(_("committee"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=300)
    rule = models.CharField(_("rule"), max_length=10, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        constraints = [
            choices_constraint("state", DeadlineState, name="deadline_state_valid"),
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
            # Also the index of committee_id alone (a committee's clocks, visibility filters).
            models.Index(fields=["committee_id", "state", "due_at"], name="deadline_committee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_DEADLINE_STATES

    @property
    def is_overdue(self) -> bool:
        """Running and past its deadline (``DeadlineQuerySet.overdue``), scanned or not."""
        return self.is_active and is_overdue(self.due_at, timezone.now())


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


# The outbox of rendering jobs and the process heartbeats (ethics/job_models.py).
from ethics.job_models import Heartbeat, Job, JobState  # noqa: E402, F401

# Identities at the institution's identity provider (ethics/sso_models.py, ethics/sso.py).
from ethics.sso_models import ExternalIdentity  # noqa: E402, F401

# Named API tokens, stored as hashes (ethics/token_models.py).
from ethics.token_models import ApiToken  # noqa: E402, F401


class SubmissionToken(models.Model):
    """A one-time form token or an API Idempotency-Key, remembered with what its action produced.

    The row is inserted in the same transaction as the action it guards (ethics/idempotency.py):
    a second submission with the same key waits on the unique index until the first commits, then
    answers with the first result instead of acting again. A refused action rolls its row back.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=64)
    #: Which table, action and route the key was used for ("reviews.project:create:page").
    scope = models.CharField(_("scope"), max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    #: The page's answer: where the first submission redirected.
    result_url = models.CharField(_("result URL"), max_length=2000, blank=True)
    #: The API's answer: the first response's status and body.
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    body = models.JSONField(_("body"), null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="submission_token_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}…"


# Channels, calendar feeds, group robots and the delivery outbox (ethics/channel_models.py).
from ethics.channel_models import (  # noqa: E402, F401
    CalendarFeed,
    ChannelPreference,
    Delivery,
    DeliveryState,
    GroupWebhook,
    Vendor,
)
