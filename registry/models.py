"""Filings towards the national platform (国家科技伦理管理信息登记平台, R50-R54) and their packages.

No side effects here: every state change lives in registry/services.py. A filing is opened by a
deadline listener (registration, update, listed activity) or by the 1 January task (annual
report); preparing it renders a new FilingPackage version (PDF + JSON + xlsx) in Celery.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.models import CreatedAt, UpdatedAt, choices_constraint, overdue_condition
from registry.workflow import (
    ANNUAL_KINDS,
    COMMITTEE_KINDS,
    LISTED_KINDS,
    OPEN_STATUSES,
    Kind,
    Status,
)

_OPEN = Q(status__in=[s.value for s in OPEN_STATUSES])


class FilingQuerySet(models.QuerySet["Filing"]):
    def open(self) -> FilingQuerySet:
        """Filings still to be filed: due or prepared."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self) -> FilingQuerySet:
        """Open filings whose clock is overdue by the one definition (ethics overdue_condition),
        as the counts above the list and the row's mark (`is_overdue`) read it."""
        return self.open().filter(overdue_condition("deadline__"))


class Filing(CreatedAt, UpdatedAt):
    """One obligation towards the national platform, from due to acknowledged."""

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="filings",
    )
    project = models.ForeignKey(
        "reviews.Project",
        verbose_name=_("listed activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
    )
    period = models.PositiveSmallIntegerField(_("year covered"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DUE
    )
    deadline = models.OneToOneField(
        "ethics.Deadline",
        verbose_name=_("deadline"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filing",
    )
    rule = models.CharField(_("rule"), max_length=10, blank=True)
    data = models.JSONField(_("pre-filled data"), default=dict, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    receipt = models.CharField(_("platform receipt number"), max_length=100, blank=True)
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        constraints = [
            choices_constraint("kind", Kind, name="filing_kind_valid"),
            choices_constraint("status", Status, name="filing_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in LISTED_KINDS]) | Q(project__isnull=False),
                name="filing_listed_has_project",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[k.value for k in ANNUAL_KINDS]) | Q(period__isnull=False),
                name="filing_annual_has_period",
            ),
            # R54: a submission is recorded with the platform's receipt number and its date.
            models.CheckConstraint(
                condition=~Q(status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED])
                | (~Q(receipt="") & Q(submitted_on__isnull=False)),
                name="filing_submitted_has_receipt",
            ),
            models.UniqueConstraint(
                fields=["kind", "committee"],
                condition=_OPEN & Q(kind__in=[k.value for k in COMMITTEE_KINDS]),
                name="filing_one_open_per_committee_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "project"],
                condition=_OPEN & Q(project__isnull=False),
                name="filing_one_open_per_project_kind",
            ),
            models.UniqueConstraint(
                fields=["committee", "period"],
                condition=Q(kind=Kind.ANNUAL_REPORT),
                name="filing_one_annual_report_per_year",
            ),
            models.UniqueConstraint(
                fields=["committee", "period"],
                condition=Q(kind=Kind.NHC_ANNUAL_REPORT),
                name="filing_one_nhc_annual_report_per_year",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "status", "due_on"], name="filing_committee_idx"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.period:
            return f"{label} {self.period}"
        return f"{label} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        """Open and its clock overdue (FilingQuerySet.overdue, row by row)."""
        return bool(self.is_open and self.deadline is not None and self.deadline.is_overdue)


class PackageState(models.TextChoices):
    PENDING = "pending", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def _package_upload_to(instance: models.Model, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1][:5]
    stamp = timezone.now().strftime("%Y/%m")
    return f"registry/packages/{stamp}/{uuid.uuid4().hex}.{suffix}"


class FilingPackage(models.Model):
    """One rendering of a filing's package: PDF, JSON and xlsx with a verification hash."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="packages")
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=10, choices=PackageState.choices, default=PackageState.PENDING
    )
    data = models.JSONField(_("content"), default=dict, blank=True)
    verification_hash = models.CharField(_("verification code"), max_length=64, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_package_upload_to, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    json = models.FileField(_("JSON"), upload_to=_package_upload_to, blank=True)
    json_sha256 = models.CharField(max_length=64, blank=True)
    xlsx = models.FileField(_("Excel workbook"), upload_to=_package_upload_to, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    rendered_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # R53: who signed this version off (the chair or an institution admin) and when.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)

    class Meta:
        ordering = ["filing", "-version"]
        verbose_name = _("filing package")
        verbose_name_plural = _("filing packages")
        constraints = [
            models.UniqueConstraint(fields=["filing", "version"], name="package_version_unique"),
            choices_constraint("state", PackageState, name="package_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=PackageState.READY) | ~Q(verification_hash=""),
                name="package_ready_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filing} v{self.version}"
