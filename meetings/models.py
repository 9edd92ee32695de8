"""Meetings: agenda, attendance and quorum, recusals, consultants, votes and minutes (R18-R24).

No side effects here: every state change lives in meetings/services.py. Nothing recorded during a
meeting is edited after it closes: the minutes are versioned files and corrections are appended
rows (R60).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership
from ethics.models import CreatedBy, choices_constraint
from meetings.workflow import ABSTAIN, ItemKind, ItemStatus, Mode, Status
from reviews.models import Application, Decision, Outcome, Review


class Meeting(CreatedBy):
    """One committee meeting; the presiding member is the chair or a designated vice-chair (R18)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    presiding = models.ForeignKey(
        Membership,
        verbose_name=_("presiding member"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    designation = models.CharField(
        _("designation by the chair"),
        max_length=300,
        blank=True,
        help_text=_("How the chair designated the presiding vice-chair (R18)."),
    )
    # All members in term on the meeting day, taken at opening: the base of N4.
    members_total = models.PositiveSmallIntegerField(_("members in term"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The calendar entry's SEQUENCE (meetings/calendar.py): raised by each reschedule and the
    # cancellation, so calendars replace the entry sent before.
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            choices_constraint("status", Status, name="meeting_status_valid"),
            choices_constraint("mode", Mode, name="meeting_mode_valid"),
        ]
        indexes = [
            models.Index(fields=["committee", "-starts_at"], name="meeting_committee_idx"),
            models.Index(fields=["starts_at", "id"], name="meeting_starts_idx"),  # issue 18
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.starts_at).strftime("%Y-%m-%d %H:%M")
        return f"{self.committee} {when}"


class AgendaItem(models.Model):
    """One agenda item: an application under meeting review, a simplified decision reported
    to the meeting (R35), or other business."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="agenda_items", null=True, blank=True
    )
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="agenda_items", null=True, blank=True
    )
    reported_decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="agenda_reports", null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PENDING
    )
    notes = models.TextField(_("discussion notes"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=30, choices=Outcome.choices, null=True, blank=True
    )
    conditions = models.TextField(_("modifications required"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    dissent = models.TextField(_("dissenting opinions"), blank=True)
    tally = models.JSONField(_("tally"), default=dict, blank=True)
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="agenda_item", null=True, blank=True
    )
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            choices_constraint("status", ItemStatus, name="agenda_item_status_valid"),
            choices_constraint("kind", ItemKind, name="agenda_item_kind_valid"),
            models.CheckConstraint(
                condition=~Q(kind=ItemKind.REVIEW) | Q(application__isnull=False),
                name="agenda_item_review_has_application",
            ),
            models.UniqueConstraint(
                fields=["meeting", "application"],
                condition=Q(kind=ItemKind.REVIEW),
                name="agenda_item_application_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "reported_decision"],
                condition=Q(reported_decision__isnull=False),
                name="agenda_item_report_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    @property
    def votable(self) -> bool:
        return self.kind == ItemKind.REVIEW


class Attendance(models.Model):
    """One interval of a member's presence (R19): arrived at ``arrived_at``, left at ``left_at``
    (still there while it is empty), with the categories as they stood that day. A member who
    leaves and comes back has several rows; present at time t = arrived and not departed."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=20)
    expertise = models.CharField(_("expertise"), max_length=20)
    gender = models.CharField(_("gender"), max_length=10)
    external = models.BooleanField(_("external"), default=False)
    in_term = models.BooleanField(_("in term"), default=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    arrived_at = models.DateTimeField(_("arrived at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                condition=Q(left_at__isnull=True),
                name="attendance_present_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.membership_id}"

    def present_at(self, moment: datetime) -> bool:
        return self.arrived_at <= moment and (self.left_at is None or self.left_at > moment)


class Excusal(models.Model):
    """A member excused from a meeting before it opens, with the reason (listed in the minutes)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="excusals")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("excused absence")
        verbose_name_plural = _("excused absences")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="excusal_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.membership_id}"


class Declaration(models.Model):
    """A member's conflict-of-interest declaration on one item, before opening its materials."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="declarations")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    conflicted = models.BooleanField(_("conflict of interest"))
    note = models.TextField(_("details"), blank=True)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")
        constraints = [
            models.UniqueConstraint(fields=["item", "membership"], name="declaration_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.membership_id} · {self.conflicted}"


class Recusal(models.Model):
    """R20a: a member recused from one item; excluded from its quorum and its vote."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="recusals")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [models.UniqueConstraint(fields=["item", "membership"], name="recusal_once")]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.membership_id}"


class Consultant(models.Model):
    """R20: a consultant (顾问专家) admitted to one item after declaring no direct interest;
    advises, never votes."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="consultants")
    name = models.CharField(_("name"), max_length=150)
    affiliation = models.CharField(_("affiliation and expertise"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    declaration = models.TextField(_("no-direct-interest declaration"))
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    admitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("consultant")
        verbose_name_plural = _("consultants")

    def __str__(self) -> str:
        return self.name


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    APPROVE_WITH_MODIFICATIONS = "approve_with_modifications", _("Approve after modification")
    RESUBMIT = "resubmit", _("Re-review after modification")
    DISAPPROVE = "disapprove", _("Disapprove")
    CONTINUE = "continue", _("Continue")
    SUSPEND = "suspend", _("Suspend")
    TERMINATE = "terminate", _("Terminate")
    ABSTAIN = ABSTAIN, _("Abstain")


class Vote(models.Model):
    """One member's vote on one item; changing it before conclusion replaces the row (audited)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="votes")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("choice"), max_length=30, choices=VoteChoice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["item", "id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["item", "membership"], name="vote_once_per_member"),
            choices_constraint("choice", VoteChoice, name="vote_choice_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.membership_id}"


def _minutes_upload_to(instance: models.Model, filename: str) -> str:
    stamp = timezone.now().strftime("%Y/%m")
    return f"meetings/minutes/{stamp}/{uuid.uuid4().hex}.pdf"


class Minutes(models.Model):
    """One locked version of the minutes: version 1 at closing, one more per correction."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=_minutes_upload_to, blank=True)
    sha256 = models.CharField(_("verification code"), max_length=64, blank=True)
    template_version = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "-version"]
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "version"], name="minutes_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} v{self.version}"


class MinutesCorrection(models.Model):
    """A correction appended to locked minutes; the original text is never edited (R60)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="corrections")
    text = models.TextField(_("correction"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("minutes correction")
        verbose_name_plural = _("minutes corrections")

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.pk}"
