"""Ethics incidents, the risk register (BJ 五（一）、五（二）; R30, R45) and funded programmes (R59).

An incident is reported on a project by its lead or team, or by the committee's staff; it carries
the reporting clock of R30 (how late the report came) and the follow-up clock in the kernel, may be
escalated to the chair and the institution, gathers follow-up entries and is closed. A risk entry
keeps a listed or high-risk activity's risk level, owner and next review date (a kernel clock).
A funding record names a project's funder, programme and grant number; an approval statement is
the PDF the committee's decision gives the funder, verifiable by its printed code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ethics.models import CreatedAt, CreatedBy, choices_constraint

__all__ = [
    "ApprovalStatement",
    "Funding",
    "Incident",
    "IncidentFollowUp",
    "IncidentKind",
    "IncidentStatus",
    "RiskEntry",
    "RiskLevel",
    "RiskReview",
    "Severity",
]


class IncidentKind(models.TextChoices):
    SERIOUS_ADVERSE_EVENT = "serious_adverse_event", _("Serious adverse event")
    DATA_LEAK = "data_leak", _("Data leak")
    AI_SAFETY = "ai_safety", _("AI safety incident")
    BIOSAFETY = "biosafety", _("Biosafety event")
    OTHER = "other", _("Other ethics incident")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


class Incident(CreatedAt):
    """One ethics incident on a project (B3: 伦理事件应急处置)."""

    project = models.ForeignKey(
        "reviews.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=IncidentKind.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what happened"))
    measures = models.TextField(_("measures taken"), blank=True)
    aware_at = models.DateTimeField(_("became aware at"))
    reported_at = models.DateTimeField(_("reported at"))
    report_due_at = models.DateTimeField(_("report due by"))
    reported_late = models.BooleanField(_("reported late"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    escalation_reason = models.TextField(_("reason for escalation"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closure_summary = models.TextField(_("closure summary"), blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("ethics incident")
        verbose_name_plural = _("ethics incidents")
        constraints = [
            choices_constraint("kind", IncidentKind, name="incident_kind_valid"),
            choices_constraint("severity", Severity, name="incident_severity_valid"),
            choices_constraint("status", IncidentStatus, name="incident_status_valid"),
            models.CheckConstraint(
                condition=Q(status=IncidentStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=IncidentStatus.CLOSED) & Q(closed_at=None)),
                name="incident_closed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["committee", "status"], name="incident_committee_idx")]

    def __str__(self) -> str:
        return self.title


class IncidentFollowUp(models.Model):
    """A follow-up entry: what was learned or done since the report (append only)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="followups"
    )
    note = models.TextField(_("follow-up"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("incident follow-up")
        verbose_name_plural = _("incident follow-ups")

    def __str__(self) -> str:
        return self.note[:60]


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskEntry(CreatedBy):
    """One risk of a listed (清单) or high-risk activity in the register (B3, B4)."""

    project = models.ForeignKey(
        "reviews.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="risk_entries",
    )
    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="risk_entries",
    )
    title = models.CharField(_("risk"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    measures = models.TextField(_("control measures"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_risks",
    )
    next_review_on = models.DateField(_("next review on"))
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["next_review_on", "id"]
        verbose_name = _("risk register entry")
        verbose_name_plural = _("risk register entries")
        constraints = [choices_constraint("level", RiskLevel, name="risk_level_valid")]
        indexes = [models.Index(fields=["committee", "next_review_on"], name="risk_committee_idx")]

    def __str__(self) -> str:
        return self.title


class RiskReview(models.Model):
    """One review of a risk entry: the level found and the next review date (append only)."""

    entry = models.ForeignKey(
        RiskEntry, verbose_name=_("risk"), on_delete=models.PROTECT, related_name="reviews"
    )
    reviewed_on = models.DateField(_("reviewed on"))
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    note = models.TextField(_("findings"), blank=True)
    next_review_on = models.DateField(_("next review on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")
        constraints = [choices_constraint("level", RiskLevel, name="risk_review_level_valid")]

    def __str__(self) -> str:
        return f"{self.entry} {self.reviewed_on:%Y-%m-%d}"


class Funding(CreatedBy):
    """A funded programme behind a project (R59): funder, programme, grant number."""

    project = models.ForeignKey(
        "reviews.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="fundings",
    )
    funder = models.CharField(_("funder"), max_length=200)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    grant_number = models.CharField(_("grant number"), max_length=100)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        ordering = ["funder", "grant_number", "id"]
        verbose_name = _("funding")
        verbose_name_plural = _("fundings")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "funder", "grant_number"],
                condition=Q(removed_at=None),
                name="funding_unique_grant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.funder} {self.grant_number}"


class ApprovalStatement(models.Model):
    """The ethics-approval statement for a funder, issued from a decision (R59, R58)."""

    funding = models.ForeignKey(
        Funding, verbose_name=_("funding"), on_delete=models.PROTECT, related_name="statements"
    )
    decision = models.ForeignKey(
        "reviews.Decision",
        verbose_name=_("decision"),
        on_delete=models.PROTECT,
        related_name="funder_statements",
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    code = models.CharField(_("verification code"), max_length=64, unique=True)
    pdf = models.FileField(_("statement"), upload_to="oversight/statements/%Y/", blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"))
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("approval statement")
        verbose_name_plural = _("approval statements")

    def __str__(self) -> str:
        return f"{self.funding} · {self.decision}"
