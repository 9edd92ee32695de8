"""Projects, applications, versioned documents, review rounds, assignments, opinions, decisions.

No side effects here: every state change lives in reviews/services.py. Nothing is deleted: a
document gets a new version, a withdrawn application keeps its row (R60).

A ``Review`` is one round of review of an application: the procedure chosen at acceptance with
its grounds and its clock (R25, R48). A later round (修改后再审, an appeal) is a new Review row;
at most one round per application is open at a time.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from committees.models import Committee, Membership, Role, StoredFile
from ethics import regulations
from ethics.models import Authority, CreatedBy, Institution, UpdatedAt, choices_constraint
from reviews.checklist import Scope, Slot
from reviews.workflow import INTAKE_STATUSES, Kind, Procedure, ProjectStatus, Status, Verdict

# ProjectStatus is defined with its transition table in reviews.workflow and re-exported here.


class Listing(models.TextChoices):
    """R37: the committee's determination whether an activity is on the annex list."""

    UNDETERMINED = "undetermined", _("Not yet determined")
    NOT_LISTED = "not_listed", _("Not listed")
    LISTED = "listed", _("Listed")


class MajorChange(models.TextChoices):
    """R46: the committee's classification of an amendment ("" = not yet classified)."""

    UNCLASSIFIED = "", _("Not yet classified")
    MAJOR = "major", _("Major change")
    MINOR = "minor", _("Not a major change")


class Project(CreatedBy, UpdatedAt):
    """A 科技活动: what is reviewed, by whom it is run, and which committee reviews it (R17)."""

    title = models.CharField(_("title"), max_length=300)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activity lead"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team"),
        blank=True,
        related_name="team_projects",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("reviewing committee"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    scope = models.JSONField(_("scope categories"), default=list, blank=True)
    # R37: the researcher's own answer is only a declaration; ``listing`` is the committee's.
    listed_item = models.PositiveSmallIntegerField(
        _("annex list item (researcher's declaration)"), null=True, blank=True
    )
    annex_version = models.CharField(_("annex list version"), max_length=20, blank=True)
    # R37: the committee's determination at acceptance: proposed by the secretary, confirmed
    # with reasons by the chair. It (never the declaration) drives expert re-review (R38).
    listing = models.CharField(
        _("annex list determination"),
        max_length=20,
        choices=Listing.choices,
        default=Listing.UNDETERMINED,
    )
    listing_item = models.PositiveSmallIntegerField(
        _("annex list item (committee's determination)"), null=True, blank=True
    )
    listing_annex_version = models.CharField(
        _("annex list version (determination)"), max_length=20, blank=True
    )
    listing_reasons = models.TextField(_("reasons for the determination"), blank=True)
    listing_determined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    listing_determined_at = models.DateTimeField(_("determined at"), null=True, blank=True)
    listing_proposal = models.CharField(
        _("proposed determination"), max_length=20, choices=Listing.choices, blank=True
    )
    listing_proposed_item = models.PositiveSmallIntegerField(
        _("proposed annex list item"), null=True, blank=True
    )
    listing_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    international = models.BooleanField(_("international collaboration"), default=False)
    # R16: why the committee holds that no partner-country approval is needed (else one is filed).
    partner_approvals_waiver = models.TextField(
        _("why no partner-country approval is needed"), blank=True
    )
    partner_approvals_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    prescreen = models.JSONField(_("pre-screen answers"), default=dict, blank=True)
    review_required = models.BooleanField(_("review required"), null=True, blank=True)
    prescreened_at = models.DateTimeField(_("pre-screened at"), null=True, blank=True)
    # R31 / N12: other institutions taking part; their committees may recognise our decision.
    participating_institutions = models.ManyToManyField(
        Institution,
        verbose_name=_("participating institutions"),
        blank=True,
        related_name="participating_projects",
    )
    # R61: closure ends tracking and starts the retention clock; nothing is deleted before.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    retain_until = models.DateField(_("records kept at least until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            choices_constraint("status", ProjectStatus, name="project_status_valid"),
            choices_constraint("listing", Listing, name="project_listing_valid"),
            models.CheckConstraint(
                condition=Q(planned_end=None)
                | Q(planned_start=None)
                | Q(planned_end__gte=models.F("planned_start")),
                name="project_period_order",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "-created_at"], name="project_committee_idx"),
            # The default ordering's index (issue 18): a superuser's list reads the top N.
            models.Index(fields=["created_at", "id"], name="project_created_idx"),
            # The dashboards' listed activities (R37, reports.selectors.listed_activities): a
            # few rows among a million.
            models.Index(
                fields=["committee", "status"],
                name="project_listed_idx",
                condition=Q(listing="listed"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def listed(self) -> bool:
        """R37/R38: the committee's determination says listed (never the declaration)."""
        return self.listing == Listing.LISTED

    def listing_label(self) -> str:
        """ "Not yet determined", "Not listed" or "Listed, item N" (R37)."""
        if self.listing == Listing.LISTED:
            return str(_("Listed, item %(item)s") % {"item": self.listing_item})
        return str(Listing(self.listing).label)

    def get_scope_display(self) -> str:
        labels = dict(Scope.choices)
        return "、".join(str(labels.get(code, code)) for code in self.scope)

    def declared_annex_item(self) -> regulations.AnnexItem | None:
        """The annex item the researcher declared (a declaration only, R37)."""
        if self.listed_item is None:
            return None
        on = self.created_at.date() if self.created_at else date.today()  # noqa: DTZ011
        return regulations.annex_item(self.listed_item, on)

    def annex_item(self) -> regulations.AnnexItem | None:
        """The annex item the committee determined (R37), else None."""
        if not self.listed or self.listing_item is None:
            return None
        on = self.created_at.date() if self.created_at else date.today()  # noqa: DTZ011
        return regulations.annex_item(self.listing_item, on)


class Application(CreatedBy, UpdatedAt):
    """One 审查申请 of a project; ``procedure``, ``accepted_at`` and ``due_at`` mirror the
    current review round so that lists need no join."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="applications"
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    ref = models.CharField(_("reference number"), max_length=40, null=True, blank=True, unique=True)
    regimes = models.JSONField(_("regimes"), default=list)
    procedure = models.CharField(
        _("procedure"), max_length=20, choices=Procedure.choices, null=True, blank=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    missing_items = models.JSONField(_("missing items"), default=list, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # R32 / R46: the applicant declares whether an amendment or tracking report is a major change;
    # the committee classifies it (``major_classification``), and that drives re-review.
    major_change = models.BooleanField(_("major change (applicant's declaration)"), default=False)
    major_classification = models.CharField(
        _("major change (committee's classification)"),
        max_length=10,
        choices=MajorChange.choices,
        blank=True,
        default=MajorChange.UNCLASSIFIED,
    )
    major_classification_reasons = models.TextField(_("reasons for the classification"), blank=True)
    major_classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # R20a: an amendment may propose a team change {"add": [user ids], "remove": [user ids]},
    # applied only when the committee approves it (reviews.services.team.amendment_team_apply).
    team_change = models.JSONField(_("proposed team change"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            choices_constraint("status", Status, name="application_status_valid"),
            choices_constraint("kind", Kind, name="application_kind_valid"),
            choices_constraint(
                "major_classification", MajorChange, name="application_major_classification_valid"
            ),
            models.CheckConstraint(
                condition=Q(procedure=None) | Q(procedure__in=Procedure.values),
                name="application_procedure_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "status", "due_at"], name="application_queue_idx"),
            models.Index(fields=["project", "-created_at"], name="application_project_idx"),
            # The reports' volumes (issue 17): a committee's applications by submission time.
            models.Index(fields=["committee", "submitted_at"], name="application_received_idx"),
            # Issue 18: the default ordering (-created_at, -id) read top-N and keyset pages, and
            # the intake page's order over its open queue (the default "open" bucket and each
            # bucket within it) without the committee filter a superuser does not have.
            models.Index(fields=["created_at", "id"], name="application_created_idx"),
            # A committee's submitted applications newest first: the officers' branch of the
            # visibility union read top-N (and index-only) by a keyset page.
            models.Index(
                fields=["committee", "created_at", "id"],
                condition=Q(submitted_at__isnull=False),
                name="application_committee_new_idx",
            ),
            models.Index(
                fields=["due_at", "submitted_at", "id"],
                condition=Q(status__in=INTAKE_STATUSES),
                name="application_intake_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.ref or _("Draft application %(id)s") % {"id": self.pk}

    @property
    def rules(self) -> regulations.RuleSet:
        """The case's regimes under its committee's SOP values (committees effective_rules)."""
        return self.committee.effective_rules(self.regimes or ["meas"])


class NumberSequence(models.Model):
    """A gap-free counter per (committee, year, kind); services lock the row to take a number."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Reference number")
        DECISION = "decision", _("Decision number")

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "kind"], name="number_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}/{self.year}/{self.kind}: {self.last}"


class Document(models.Model):
    """One checklist slot of an application; its content is the newest DocumentVersion."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    slot = models.CharField(_("document"), max_length=30, choices=Slot.choices)
    correction_requested = models.BooleanField(_("correction requested"), default=False)
    correction_note = models.TextField(_("correction note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["application", "slot"], name="document_one_per_slot")
        ]

    def __str__(self) -> str:
        return str(self.get_slot_display())


def _version_upload_to(instance: models.Model, filename: str) -> str:
    # A random name: the original name stays in the row, never in a guessable path.
    stamp = timezone.now().strftime("%Y/%m")
    return f"reviews/documents/{stamp}/{uuid.uuid4().hex}"


class DocumentVersion(StoredFile):
    """An uploaded version; a new upload is a new row with its own SHA-256 (never replaced)."""

    file = models.FileField(_("file"), upload_to=_version_upload_to)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["document", "-version"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.version}"


class ReviewState(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed without decision")


class Review(models.Model):
    """One review round: procedure and its legal grounds (R15, R32, R47) and the clock (R25, R48)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    procedure = models.CharField(_("procedure"), max_length=20, choices=Procedure.choices)
    grounds = models.CharField(_("grounds"), max_length=50, blank=True)
    grounds_note = models.TextField(_("grounds (details)"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.OPEN
    )
    accepted_at = models.DateTimeField(_("accepted at"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    due_at = models.DateTimeField(_("decision due"))
    clock_rule = models.CharField(_("rule"), max_length=10, blank=True)
    # R34: a simplified review converted to meeting review keeps its round and its clock.
    converted_from = models.CharField(max_length=20, blank=True)
    conversion_reason = models.CharField(_("reason for conversion"), max_length=30, blank=True)
    conversion_note = models.TextField(blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    ready_for_meeting_at = models.DateTimeField(_("ready for a meeting"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "round"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.UniqueConstraint(fields=["application", "round"], name="review_round_unique"),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state="open"),
                name="review_one_open_per_application",
            ),
            choices_constraint("procedure", Procedure, name="review_procedure_valid"),
        ]
        indexes = [
            models.Index(
                fields=["procedure", "ready_for_meeting_at"],
                condition=Q(state="open"),
                name="review_meeting_queue_idx",
            ),
            # The reports' acceptances in a period (issue 17).
            models.Index(fields=["accepted_at"], name="review_accepted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.round}"


class CoiState(models.TextChoices):
    PENDING = "pending", _("Not yet declared")
    NONE = "none", _("No conflict")
    CONFLICTED = "conflicted", _("Conflict of interest")


class ReviewerAssignment(models.Model):
    """A member designated to review one round; materials open after a no-conflict declaration."""

    # No single-column index on either key: `assignment_once_per_round` (review, membership)
    # leads with the review and `assignment_member_recent_idx` with the membership, and each
    # serves the key's lookups and its PROTECT checks (issue 18).
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="assignments", db_index=False
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="review_assignments", db_index=False
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    coi_state = models.CharField(
        _("conflict of interest"),
        max_length=12,
        choices=CoiState.choices,
        default=CoiState.PENDING,
    )
    coi_note = models.TextField(_("conflict details"), blank=True)
    coi_declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "id"]
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "membership"], name="assignment_once_per_round"
            ),
            choices_constraint("coi_state", CoiState, name="assignment_coi_valid"),
        ]
        indexes = [
            # The reports' member workload in a period (issue 17).
            models.Index(fields=["assigned_at"], name="assignment_assigned_idx"),
            # "My reviews": a member's newest assignments first, read in order (issue 18).
            models.Index(
                fields=["membership", "-assigned_at", "-id"], name="assignment_member_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review} · {self.membership_id}"


class ConflictSource(models.TextChoices):
    ASSIGNMENT = "assignment", _("Reviewer assignment")
    MEETING_ITEM = "meeting_item", _("Meeting agenda item")
    STANDING = "standing", _("Standing declaration")
    # R20a: a committee member on the project's team (recorded at acceptance or submission).
    TEAM = "team", _("Project team membership")


class ConflictQuerySet(models.QuerySet["ConflictDeclaration"]):
    def active(self) -> ConflictQuerySet:
        return self.filter(withdrawn_at=None)


class ConflictDeclaration(models.Model):
    """A person's declared conflict of interest on one application, wherever declared (R20a).

    The one record that answers "is this user conflicted on this application": the reviewer
    assignment's declaration, a meeting item's declaration or recusal (written by meetings
    through reviews' service) and a standing declaration all land here, so every route reads the
    same answer. ``source_ref`` names the row it came from ("assignment:12", "item:5"); only a
    standing declaration may be withdrawn, and the row stays (R60).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="conflict_declarations",
    )
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="conflict_declarations"
    )
    source = models.CharField(_("declared on"), max_length=20, choices=ConflictSource.choices)
    source_ref = models.CharField(max_length=40, blank=True)
    reason = models.TextField(_("conflict details"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ConflictQuerySet.as_manager()

    class Meta:
        ordering = ["application", "declared_at", "id"]
        verbose_name = _("conflict of interest declaration")
        verbose_name_plural = _("conflict of interest declarations")
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ConflictSource.values), name="conflict_source_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "application", "source", "source_ref"],
                condition=Q(withdrawn_at=None),
                name="conflict_once_per_source",
            ),
        ]
        indexes = [
            # "Is this user conflicted here" and "who is conflicted on these applications".
            models.Index(
                fields=["application", "user"],
                condition=Q(withdrawn_at=None),
                name="conflict_active_idx",
            ),
            models.Index(
                fields=["user"], condition=Q(withdrawn_at=None), name="conflict_active_user_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.application_id} · {self.source}"


class Opinion(models.Model):
    """One reviewer's opinion with the R22 worksheet; never shown to the applicant."""

    assignment = models.OneToOneField(
        ReviewerAssignment, on_delete=models.PROTECT, related_name="opinion"
    )
    verdict = models.CharField(_("verdict"), max_length=30, choices=Verdict.choices)
    comments = models.TextField(_("comments"), blank=True)
    worksheet = models.JSONField(_("worksheet"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review opinion")
        verbose_name_plural = _("review opinions")
        constraints = [choices_constraint("verdict", Verdict, name="opinion_verdict_valid")]

    def __str__(self) -> str:
        return f"{self.assignment} {self.get_verdict_display()}"


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approve")
    APPROVE_WITH_MODIFICATIONS = "approve_with_modifications", _("Approve after modification")
    RESUBMIT = "resubmit", _("Re-review after modification")
    DISAPPROVE = "disapprove", _("Disapprove")
    CONTINUE = "continue", _("Continue")
    SUSPEND = "suspend", _("Suspend")
    TERMINATE = "terminate", _("Terminate")
    EXEMPT = "exempt", _("Exempt from ethics review")  # N10


def _letter_upload_to(instance: models.Model, filename: str) -> str:
    stamp = timezone.now().strftime("%Y/%m")
    return f"reviews/letters/{stamp}/{uuid.uuid4().hex}.pdf"


class DecisionStage(models.TextChoices):
    REVIEW = "review", _("Decision of a review round")
    PRELIMINARY = "preliminary", _("Preliminary review, awaiting expert re-review")
    CONFIRMATION = "confirmation", _("Approval once the modifications were confirmed")
    FINAL = "final", _("Final decision after expert re-review")


class Decision(models.Model):
    """The committee's decision on one review round (R23) with its gap-free number and letter.

    A round's decision has ``stage=review`` (or ``preliminary`` for a listed activity, R38). The
    approval that follows confirmed modifications and the final decision after expert re-review
    (R44) are numbered decisions of their own with ``follows`` pointing at the earlier one, so
    every letter stays on record (R60).
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    review = models.OneToOneField(
        Review, on_delete=models.PROTECT, related_name="decision", null=True, blank=True
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=DecisionStage.choices, default=DecisionStage.REVIEW
    )
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups",
    )
    # 修改后批准: the researcher's modifications and the secretary's check.
    modifications_submitted_at = models.DateTimeField(null=True, blank=True)
    modifications_note = models.TextField(_("note on the modifications"), blank=True)
    modifications_confirmed_at = models.DateTimeField(null=True, blank=True)
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices)
    conditions = models.TextField(_("modifications required"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    tally = models.JSONField(_("tally"), default=dict, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("decision number"), max_length=60)
    next_tracking_due = models.DateField(_("next tracking review due"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    signature_name = models.CharField(_("signed by"), max_length=150)
    signature_meaning = models.CharField(_("meaning of the signature"), max_length=200)
    # R20a: the role the signer held when signing (a vice-chair acting for a conflicted chair).
    signature_role = models.CharField(
        _("signed as"), max_length=20, choices=Role.choices, blank=True
    )
    signed_at = models.DateTimeField(_("signed at"))
    letter = models.FileField(_("letter"), upload_to=_letter_upload_to, blank=True)
    letter_hash = models.CharField(_("verification code"), max_length=64, blank=True)
    letter_template_version = models.CharField(max_length=20, blank=True)
    letter_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [
            # The reports' decisions in a period (issue 17).
            models.Index(fields=["committee", "decided_at"], name="decision_period_idx"),
            # The default ordering read top-N and by keyset pages (issue 18).
            models.Index(fields=["decided_at", "id"], name="decision_decided_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "sequence"], name="decision_number_unique"
            ),
            choices_constraint("outcome", Outcome, name="decision_outcome_valid"),
            choices_constraint("stage", DecisionStage, name="decision_stage_valid"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_approval(self) -> bool:
        return self.outcome in (Outcome.APPROVE, Outcome.APPROVE_WITH_MODIFICATIONS)

    @property
    def grants_approval(self) -> bool:
        """Whether this decision lets the activity proceed now (its letter is a 批件)."""
        if self.stage == DecisionStage.PRELIMINARY:
            return False
        if self.outcome == Outcome.APPROVE_WITH_MODIFICATIONS:
            return self.stage == DecisionStage.CONFIRMATION
        return self.outcome in (Outcome.APPROVE, Outcome.CONTINUE)

    @property
    def modifications_pending(self) -> bool:
        return (
            self.outcome == Outcome.APPROVE_WITH_MODIFICATIONS
            and self.stage == DecisionStage.REVIEW
            and self.modifications_confirmed_at is None
        )


class ReReviewState(models.TextChoices):
    PREPARING = "preparing", _("Package prepared, not yet submitted")
    SUBMITTED = "submitted", _("Submitted to the authority")
    RECEIVED = "received", _("Opinion received")
    CANCELLED = "cancelled", _("Cancelled")


class RereviewOpinion(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")


def _package_upload_to(instance: models.Model, filename: str) -> str:
    stamp = timezone.now().strftime("%Y/%m")
    return f"reviews/rereview/{stamp}/{uuid.uuid4().hex}.pdf"


class ReReview(models.Model):
    """Expert re-review of a listed activity (专家复核, R38-R44) after a preliminary approval."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="rereviews")
    preliminary_decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="rereview"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ReReviewState.choices, default=ReReviewState.PREPARING
    )
    # An `ethics.models.Authority` code when chosen from the rule set's authorities for the
    # field (B12); free text (older records, fields the rule set names no authority for).
    authority = models.CharField(_("organising authority"), max_length=200, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    panel_size = models.PositiveSmallIntegerField(_("panel size"), null=True, blank=True)
    opinion = models.CharField(
        _("re-review opinion"), max_length=10, choices=RereviewOpinion.choices, blank=True
    )
    reasons = models.TextField(_("panel's reasons"), blank=True)
    received_on = models.DateField(_("opinion received on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    final_decision = models.OneToOneField(
        Decision,
        on_delete=models.PROTECT,
        related_name="rereview_basis",
        null=True,
        blank=True,
    )
    package = models.FileField(_("re-review package"), upload_to=_package_upload_to, blank=True)
    package_hash = models.CharField(_("verification code"), max_length=64, blank=True)
    package_rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("expert re-review")
        verbose_name_plural = _("expert re-reviews")
        constraints = [
            choices_constraint("state", ReReviewState, name="rereview_state_valid"),
            models.CheckConstraint(
                condition=Q(opinion="") | Q(opinion__in=RereviewOpinion.values),
                name="rereview_opinion_valid",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=["preparing", "submitted"]),
                name="rereview_one_pending_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_state_display()}"

    @property
    def authority_name(self) -> str:
        """The organising authority by name: a code's label, older free text as it was."""
        if self.authority in Authority.values:
            return str(Authority(self.authority).label)
        return self.authority


class AppealState(models.TextChoices):
    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Appeal(models.Model):
    """A written appeal (申诉, R27) against an adverse decision; the original decision is never
    changed. ``new_decision`` is the decision on the appeal (upheld or rejected)."""

    original_decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="appeals"
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="appeal_record"
    )
    grounds = models.TextField(_("grounds"))
    state = models.CharField(
        _("state"), max_length=10, choices=AppealState.choices, default=AppealState.FILED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    new_decision = models.OneToOneField(
        Decision,
        on_delete=models.PROTECT,
        related_name="resolves_appeal",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            choices_constraint("state", AppealState, name="appeal_state_valid"),
            models.UniqueConstraint(
                fields=["original_decision"],
                condition=Q(state="filed"),
                name="appeal_one_pending_per_decision",
            ),
        ]
        indexes = [models.Index(fields=["filed_at", "id"], name="appeal_filed_idx")]

    def __str__(self) -> str:
        return f"{self.original_decision} · {self.get_state_display()}"


def _recognition_upload_to(instance: models.Model, filename: str) -> str:
    stamp = timezone.now().strftime("%Y/%m")
    return f"reviews/recognitions/{stamp}/{uuid.uuid4().hex}.pdf"


class Recognition(models.Model):
    """A participating committee recognises another committee's decision (结果互认, R31, N12)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="recognitions")
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("recognising committee"),
        on_delete=models.PROTECT,
        related_name="recognitions",
    )
    # A decision of this system; or, for a decision issued elsewhere (R31, N12, BJ 四（四）), the
    # issuing committee, number, date and the letter PDF as the participating site received it.
    source_decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="recognitions", null=True, blank=True
    )
    issuing_committee = models.CharField(_("issuing committee"), max_length=200, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    letter = models.FileField(_("letter"), upload_to=_recognition_upload_to, blank=True)
    letter_sha256 = models.CharField(_("SHA-256 of the letter"), max_length=64, blank=True)
    verification_hash = models.CharField(_("verification code"), max_length=64)
    local_checks = models.TextField(_("what this committee still checks locally"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("recognised decision")
        verbose_name_plural = _("recognised decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "source_decision"], name="recognition_once_per_committee"
            ),
            models.UniqueConstraint(
                fields=["committee", "issuing_committee", "decision_number"],
                condition=Q(source_decision=None),
                name="recognition_outside_once_per_committee",
            ),
            models.CheckConstraint(
                condition=~Q(source_decision=None)
                | (~Q(issuing_committee="") & ~Q(decision_number="")),
                name="recognition_names_its_decision",
            ),
        ]
        indexes = [models.Index(fields=["recorded_at", "id"], name="recognition_recorded_idx")]

    def __str__(self) -> str:
        return f"{self.committee} ← {self.source_decision or self.decision_number}"


# --- the project team: invited, then accepted (R20a, R8) ------------------------------------


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Invited")
    # Not the bare "Accepted", which the application page uses for the moment of acceptance.
    ACCEPTED = "accepted", pgettext_lazy("invitation state", "Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TeamInvitation(models.Model):
    """The lead's invitation of a person to a project's team (reviews.services.team).

    ``Project.team`` holds only those who accepted: an invitee sees nothing of the project until
    they accept (R8), and from the first submission the team is frozen (R20a): a team change
    after that goes through an amendment the committee approves. Nothing is deleted: a declined
    or withdrawn invitation keeps its row (R60).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invitee"),
        on_delete=models.PROTECT,
        related_name="team_invitations",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    role = models.CharField(_("role in the project"), max_length=100, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # The approved amendment that allows this invitation after the team froze (R20a).
    amendment = models.ForeignKey(
        Application,
        verbose_name=_("approved amendment"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-invited_at", "-id"]
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        constraints = [
            choices_constraint("state", InvitationState, name="team_invitation_state_valid"),
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=Q(state__in=["pending", "accepted"]),
                name="team_invitation_open_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "state"], name="team_invitation_user_idx"),
            models.Index(fields=["invited_at", "id"], name="team_invitation_invited_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} · {self.user_id} · {self.state}"
