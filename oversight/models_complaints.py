"""Complaints and reports (R55) and investigations (R56).

A complaint is received from anyone (no account needed): the reporter keeps a receipt code, of
which only the SHA-256 is stored. The reporter's name and contact are columns of the complaint
that only the officers handling it read (`oversight.complaints_policies`); `__str__` (which the
audit trail copies) never shows them. An investigation is opened from a complaint or on the
institution's own initiative and is handled by the body R56 names.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committees.models import Committee, StoredFile
from ethics.models import CreatedBy, Institution, UpdatedAt, choices_constraint

# --- complaints (R55) ---------------------------------------------------------------------------


class ReporterKind(models.TextChoices):
    PARTICIPANT = "participant", _("Research participant")
    STAFF = "staff", _("Staff member")
    OTHER = "other", _("Other")


class SubjectKind(models.TextChoices):
    PROJECT = "project", _("A project")
    PERSON = "person", _("A person")
    COMMITTEE = "committee", _("A committee")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    # Not the bare "Accepted", which the application page uses for the moment of acceptance.
    ACCEPTED = "accepted", pgettext_lazy("complaint status", "Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class Complaint(CreatedBy, UpdatedAt):
    """One report of an ethics concern (R55)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="complaints",
        null=True,
        blank=True,
    )
    subject_kind = models.CharField(_("about"), max_length=20, choices=SubjectKind.choices)
    project_text = models.CharField(_("project number or title"), max_length=300, blank=True)
    person_text = models.CharField(_("person concerned"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("what happened"))
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_kind = models.CharField(
        _("reporter"), max_length=20, choices=ReporterKind.choices, default=ReporterKind.OTHER
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=100, blank=True)
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    receipt_hash = models.CharField(_("receipt code (SHA-256)"), max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triage_reason = models.TextField(_("reasons"), blank=True)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    projects = models.ManyToManyField(
        "reviews.Project", verbose_name=_("linked projects"), blank=True, related_name="+"
    )
    persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persons concerned"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            choices_constraint("status", ComplaintStatus, name="complaint_status_valid"),
            choices_constraint("subject_kind", SubjectKind, name="complaint_subject_valid"),
            choices_constraint("reporter_kind", ReporterKind, name="complaint_reporter_valid"),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self) -> str:
        # Never the reporter: the audit trail and every list copy this text.
        return str(_("Complaint %(number)s")) % {"number": self.number}

    @property
    def number(self) -> str:
        return f"TS-{self.received_at:%Y}-{self.pk or 0:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMPLAINT_STATUSES


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.ACCEPTED,
)


class ComplaintMessage(CreatedBy):
    """A message on a complaint: to the reporter (shown on the receipt page) or an internal note."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("complaint"), on_delete=models.CASCADE, related_name="messages"
    )
    to_reporter = models.BooleanField(_("for the reporter"), default=False)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("complaint message")
        verbose_name_plural = _("complaint messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return str(_("Message on %(complaint)s")) % {"complaint": self.complaint}


# --- investigations (R56) -----------------------------------------------------------------------


class Origin(models.TextChoices):
    COMPLAINT = "complaint", _("From a complaint")
    OWN_INITIATIVE = "own_initiative", _("On the institution's own initiative")


class HandlingBody(models.TextChoices):
    """R56 (BJ 五(三)): who investigates."""

    UNIT = "unit", _("The unit itself")
    HIGHER_AUTHORITY = "higher_authority", _("Higher authority (violation by the unit or its head)")
    PROJECT_MANAGEMENT = "project_management", _("Project management body (state-funded project)")


class InvestigationStatus(models.TextChoices):
    OPEN = "open", _("Under investigation")
    CONCLUDED = "concluded", _("Concluded")
    CLOSED = "closed", _("Closed")


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Violation found")
    PARTLY = "partly", _("Partly substantiated")
    NOT_SUBSTANTIATED = "not_substantiated", _("No violation found")


class Investigation(CreatedBy, UpdatedAt):
    """An investigation of an ethics violation (R56); sanctions (R57) may refer to it."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="investigations",
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="investigations",
        null=True,
        blank=True,
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="investigations",
        null=True,
        blank=True,
    )
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices)
    handling_body = models.CharField(
        _("handling body"), max_length=30, choices=HandlingBody.choices, default=HandlingBody.UNIT
    )
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InvestigationStatus.choices,
        default=InvestigationStatus.OPEN,
    )
    finding = models.CharField(_("finding"), max_length=30, choices=Finding.choices, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    projects = models.ManyToManyField(
        "reviews.Project", verbose_name=_("projects concerned"), blank=True, related_name="+"
    )
    persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("persons concerned"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_constraint("status", InvestigationStatus, name="investigation_status_valid"),
            choices_constraint("origin", Origin, name="investigation_origin_valid"),
            choices_constraint("handling_body", HandlingBody, name="investigation_body_valid"),
            models.CheckConstraint(
                condition=models.Q(finding="") | models.Q(finding__in=Finding.values),
                name="investigation_finding_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(origin="own_initiative", complaint__isnull=True)
                | models.Q(origin="complaint", complaint__isnull=False),
                name="investigation_origin_matches_complaint",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Investigation %(number)s")) % {"number": self.number}

    @property
    def number(self) -> str:
        return f"DC-{self.created_at:%Y}-{self.pk or 0:05d}"


class StepKind(models.TextChoices):
    STEP = "step", _("Step")
    INTERVIEW = "interview", _("Interview")
    FINDING = "finding", _("Finding")


class InvestigationStep(CreatedBy):
    """A step of an investigation: an action taken, an interview or a finding of fact."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=StepKind.choices)
    happened_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    interviewee = models.CharField(_("interviewee"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("investigation step")
        verbose_name_plural = _("investigation steps")
        ordering = ["happened_on", "id"]
        constraints = [choices_constraint("kind", StepKind, name="investigation_step_kind_valid")]

    def __str__(self) -> str:
        return f"{self.investigation} · {self.title}"


class Evidence(StoredFile, CreatedBy):
    """An evidence document of an investigation (checked like every upload, ethics/uploads.py)."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.investigation} · {self.title}"


class CorrectiveMeasure(CreatedBy):
    """A corrective measure the investigation orders, with its due date (a clock)."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    description = models.CharField(_("measure"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    due_on = models.DateField(_("due on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completion_note = models.TextField(_("how it was done"), blank=True)

    class Meta:
        verbose_name = _("corrective measure")
        verbose_name_plural = _("corrective measures")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.investigation} · {self.description[:60]}"


class ReferralState(models.TextChoices):
    PENDING = "pending", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReferralPackage(models.Model):
    """The referral package (PDF) of an investigation to the competent authority (R56)."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    version = models.PositiveIntegerField(_("version"))
    authority = models.CharField(_("competent authority"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=ReferralState.choices, default=ReferralState.PENDING
    )
    pdf = models.FileField(_("PDF"), upload_to="oversight/referrals/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    verification_hash = models.CharField(_("verification code"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    error = models.TextField(_("rendering error"), blank=True)

    class Meta:
        verbose_name = _("referral package")
        verbose_name_plural = _("referral packages")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["investigation", "version"], name="referral_version_unique"
            ),
            choices_constraint("state", ReferralState, name="referral_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.investigation} · v{self.version}"
