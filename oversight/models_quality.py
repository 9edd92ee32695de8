"""Quality control (B1; BJ 三(二), 五(一)) and the re-review expert pool (R40, B11, B12).

Quality control: a committee's periodic self-evaluation (a checklist answered item by item with
finding and evidence, corrective actions on clocks, closure) and quality audits of past reviews
(a random sample of decided applications, drawn with a recorded seed, each given a finding).

The expert pool: experts kept by an authority or a regional committee, with their fields,
affiliation and declared interests; the panel seated for one expert re-review is checked against
them before its opinion is recorded (R40).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee
from ethics.models import Authority, Institution, choices_constraint
from reviews.models import Application, Project, ReReview

__all__ = [
    "AuditSample",
    "CorrectiveAction",
    "CorrectiveState",
    "EvaluationItem",
    "EvaluationState",
    "ExpertInterest",
    "Finding",
    "PanelSeat",
    "PoolExpert",
    "QualityAudit",
    "RereviewPanel",
    "SampleFinding",
    "SelfEvaluation",
]

# --- self-evaluation --------------------------------------------------------------------------


class EvaluationState(models.TextChoices):
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Closed")


class Finding(models.TextChoices):
    CONFORMS = "conforms", _("Conforms")
    PARTLY = "partly", _("Partly conforms")
    NOT_CONFORMS = "not_conforms", _("Does not conform")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


#: Findings that count as a finding for the annual report (a shortcoming found).
SHORTCOMINGS = (Finding.PARTLY, Finding.NOT_CONFORMS)


class SelfEvaluation(models.Model):
    """One periodic self-evaluation of a committee (B1)."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="self_evaluations"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    state = models.CharField(
        _("state"), max_length=10, choices=EvaluationState.choices, default=EvaluationState.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("self-evaluation")
        verbose_name_plural = _("self-evaluations")
        constraints = [
            choices_constraint("state", EvaluationState, name="quality_evaluation_state_valid"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="quality_evaluation_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class EvaluationItem(models.Model):
    """One checklist item of a self-evaluation, answered with a finding and its evidence."""

    evaluation = models.ForeignKey(
        SelfEvaluation,
        on_delete=models.PROTECT,
        related_name="items",
        verbose_name=_("self-evaluation"),
    )
    code = models.CharField(_("item"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "position", "id"]
        verbose_name = _("self-evaluation item")
        verbose_name_plural = _("self-evaluation items")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "code"], name="quality_item_once_per_evaluation"
            ),
            models.CheckConstraint(
                condition=Q(finding="") | Q(finding__in=Finding.values),
                name="quality_item_finding_valid",
            ),
        ]

    def __str__(self) -> str:
        from oversight import quality_checklist

        return str(quality_checklist.label(self.code))


class CorrectiveState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Completed")


class CorrectiveAction(models.Model):
    """A corrective action decided in a self-evaluation, with a due date on a clock (B1)."""

    evaluation = models.ForeignKey(
        SelfEvaluation,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        verbose_name=_("self-evaluation"),
    )
    item = models.ForeignKey(
        EvaluationItem,
        on_delete=models.PROTECT,
        related_name="corrective_actions",
        null=True,
        blank=True,
    )
    description = models.TextField(_("corrective action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_on = models.DateField(_("due on"))
    state = models.CharField(
        _("state"), max_length=10, choices=CorrectiveState.choices, default=CorrectiveState.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        constraints = [
            choices_constraint("state", CorrectiveState, name="quality_corrective_state_valid"),
        ]

    def __str__(self) -> str:
        return self.description[:60]


# --- quality audit of past reviews ------------------------------------------------------------


class SampleFinding(models.TextChoices):
    NO_ISSUE = "no_issue", _("No issue found")
    ISSUE = "issue", _("Issue found")


class QualityAudit(models.Model):
    """A random sample of a committee's decided applications in a period, drawn with a seed
    that is kept so anyone can draw the same sample again (B1)."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="quality_audits"
    )
    period_start = models.DateField(_("decided from"))
    period_end = models.DateField(_("decided to"))
    requested_size = models.PositiveSmallIntegerField(_("sample size"))
    seed = models.CharField(_("random seed"), max_length=32)
    population = models.PositiveIntegerField(_("decided applications in the period"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quality audit")
        verbose_name_plural = _("quality audits")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="quality_audit_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee} · {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class AuditSample(models.Model):
    """One sampled review and the auditor's finding on it."""

    audit = models.ForeignKey(QualityAudit, on_delete=models.PROTECT, related_name="samples")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    finding = models.CharField(
        _("finding"), max_length=10, choices=SampleFinding.choices, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["audit", "position", "id"]
        verbose_name = _("sampled review")
        verbose_name_plural = _("sampled reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "application"], name="quality_sample_once_per_audit"
            ),
            models.CheckConstraint(
                condition=Q(finding="") | Q(finding__in=SampleFinding.values),
                name="quality_sample_finding_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.audit} · {self.application}"


# --- the re-review expert pool (R40, B11) -----------------------------------------------------


class PoolExpert(models.Model):
    """An expert in a re-review pool (复核专家库), kept by an authority or a regional committee:
    an account of the system or an external person recorded by name."""

    committee = models.ForeignKey(
        Committee,
        verbose_name=_("kept by committee"),
        on_delete=models.PROTECT,
        related_name="pool_experts",
        null=True,
        blank=True,
    )
    authority = models.CharField(
        _("kept by authority"), max_length=100, choices=Authority.choices, blank=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=100)
    fields_of_work = models.JSONField(_("fields"), default=list)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("affiliation"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    affiliation = models.CharField(
        _("affiliation (outside the system)"), max_length=200, blank=True
    )
    declared_interests = models.TextField(_("declared interests"), blank=True)
    active = models.BooleanField(_("in the pool"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("pool expert")
        verbose_name_plural = _("pool experts")
        constraints = [
            # Kept by exactly one: a committee or an authority.
            models.CheckConstraint(
                condition=(Q(committee__isnull=False) & Q(authority=""))
                | (Q(committee__isnull=True) & ~Q(authority="")),
                name="pool_expert_one_keeper",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_fields_of_work_display(self) -> str:
        from committees.models import FieldOfWork

        labels = dict(FieldOfWork.choices)
        return "、".join(str(labels.get(code, code)) for code in self.fields_of_work)

    @property
    def affiliation_name(self) -> str:
        return self.institution.name if self.institution is not None else self.affiliation


class ExpertInterest(models.Model):
    """An interest an expert declared: in an institution or a project (R40: 声明直接利益)."""

    expert = models.ForeignKey(PoolExpert, on_delete=models.PROTECT, related_name="interests")
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    description = models.TextField(_("interest"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        ordering = ["expert", "id"]
        verbose_name = _("declared interest")
        verbose_name_plural = _("declared interests")
        constraints = [
            models.CheckConstraint(
                condition=Q(institution__isnull=False) | Q(project__isnull=False),
                name="pool_interest_names_something",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class RereviewPanel(models.Model):
    """The experts seated for one expert re-review (R40), checked before its opinion is recorded."""

    rereview = models.OneToOneField(ReReview, on_delete=models.PROTECT, related_name="pool_panel")
    seated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    seated_at = models.DateTimeField(_("seated at"), default=timezone.now)

    class Meta:
        verbose_name = _("re-review panel")
        verbose_name_plural = _("re-review panels")

    def __str__(self) -> str:
        return str(self.rereview)


class PanelSeat(models.Model):
    panel = models.ForeignKey(RereviewPanel, on_delete=models.PROTECT, related_name="seats")
    expert = models.ForeignKey(PoolExpert, on_delete=models.PROTECT, related_name="seats")

    class Meta:
        ordering = ["panel", "id"]
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        constraints = [
            models.UniqueConstraint(fields=["panel", "expert"], name="pool_seat_once_per_panel"),
        ]

    def __str__(self) -> str:
        return str(self.expert)
