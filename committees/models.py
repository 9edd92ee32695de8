"""Ethics committees, their members, documents, pledges, training and entrustments.

The institution a committee belongs to is the kernel's (ethics.models.Institution).

Nothing here has side effects: every state change (and the deadlines it opens) lives in
committees/services.py. Nothing is ever deleted: an ended membership or entrustment keeps its row
with the date it ended, and a document is replaced by a new version.
"""

# Chinese names and citations use full-width punctuation on purpose.

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics import regulations
from ethics.models import CreatedAt, CreatedBy, Institution, choices_constraint


class CommitteeKind(models.TextChoices):
    INSTITUTIONAL = "institutional", _("Institutional")
    REGIONAL = "regional", _("Regional")
    PROFESSIONAL = "professional", _("Professional")


class RegistrationStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("Unregistered")
    REGISTERED = "registered", _("Registered")
    UPDATE_DUE = "update_due", _("Update due")


class RegimeChoice(models.TextChoices):
    MEAS = "meas", _("MEAS (S&T ethics review measures)")
    NHC = "nhc", _("NHC (life science and medical research involving humans)")


class FieldOfWork(models.TextChoices):
    AI = "ai", _("Artificial intelligence")
    LIFE_SCIENCE = "life_science", _("Life science")
    MEDICINE = "medicine", _("Medicine")
    LAB_ANIMALS = "lab_animals", _("Laboratory animals")
    AGRICULTURE = "agriculture", _("Agriculture")
    OTHER = "other", _("Other")


class Committee(models.Model):
    """A 科技伦理（审查）委员会 of an institution (or a regional / professional one, R10)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="committees",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CommitteeKind.choices, default=CommitteeKind.INSTITUTIONAL
    )
    regimes = models.JSONField(_("regimes"), default=list)
    fields_of_work = models.JSONField(_("fields of work"), default=list, blank=True)
    established_on = models.DateField(_("established on"))
    registration_status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNREGISTERED,
    )
    # Values the committee's SOP sets where the texts leave them to it ({param name: value};
    # ethics.regulations.OVERRIDABLE, within its bounds). Set only by services.rule_override_set.
    rule_overrides = models.JSONField(_("SOP values of the rules"), default=dict, blank=True)
    # R20a: the member the chair designated to act in the chair's place (an acting vice-chair)
    # when the chair may not act on an application; then the other vice-chairs.
    deputy = models.ForeignKey(
        "Membership",
        verbose_name=_("designated deputy (acting vice-chair)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # R47-R49: the committee's emergency SOP may let two or more designated members decide an
    # emergency application unanimously; otherwise (the default) an emergency meeting decides.
    emergency_member_review = models.BooleanField(
        _("emergency review by designated members (emergency SOP)"), default=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return self.name

    @property
    def regime_codes(self) -> list[str]:
        return [code for code in self.regimes if code in RegimeChoice.values] or [RegimeChoice.MEAS]

    def effective_rules(self, regimes: list[str] | None = None) -> regulations.RuleSet:
        """The rule set of ``regimes`` (the committee's own by default) with its SOP values."""
        overrides = self.rule_overrides if isinstance(self.rule_overrides, dict) else {}
        return regulations.with_overrides(
            regulations.combined(regimes or self.regime_codes), overrides
        )

    def get_regimes_display(self) -> str:
        labels = dict(RegimeChoice.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.regime_codes)

    def get_fields_of_work_display(self) -> str:
        labels = dict(FieldOfWork.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.fields_of_work)


class Role(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")


# The secretary runs the office but is not a 委员: not counted for size or categories (R4-R6).
VOTING_ROLES = (Role.CHAIR, Role.VICE_CHAIR, Role.MEMBER)
MANAGING_ROLES = (Role.CHAIR, Role.VICE_CHAIR, Role.SECRETARY)


class Expertise(models.TextChoices):
    SCIENCE = "science", _("Science peer")
    ETHICS = "ethics", _("Ethics")
    LAW = "law", _("Law")
    OTHER = "other", _("Other")
    LAY = "lay", _("Lay member (NHC)")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


def _upload_to(instance: models.Model, filename: str) -> str:
    # A random name: the original name is kept in the row, never in a path someone could guess.
    suffix = PurePath(filename).suffix.lower()[:10]
    stamp = timezone.now().strftime("%Y/%m")
    return f"committees/{instance._meta.model_name}/{stamp}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """Abstract: an uploaded file with the checks' results (SHA-256, size, detected type)."""

    file = models.FileField(_("file"), upload_to=_upload_to, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    # The active content found in a PDF kept with UPLOAD_ACTIVE_CONTENT=quarantine ("JavaScript,
    # OpenAction"); empty when the file is clean. A quarantined file downloads only for the
    # committee's secretaries (ethics/uploads.py, issue 13).
    quarantine = models.CharField(_("quarantined for"), max_length=255, blank=True)

    class Meta:
        abstract = True


def in_term_condition(on: date) -> Q:
    """``MembershipQuerySet.in_term``'s condition, for a filter or a boolean annotation."""
    return Q(ended_on=None, term_start__lte=on, term_end__gte=on)


class MembershipQuerySet(models.QuerySet["Membership"]):
    """The roster filters every app repeats: who is in term, who votes, who runs the office."""

    def open(self) -> MembershipQuerySet:
        """Appointments not ended (ended ones stay as history)."""
        return self.filter(ended_on=None)

    def in_term(self, *, on: date) -> MembershipQuerySet:
        """Appointments that give their rights on `on`: not ended, and the term covers the day.

        Current rights (voting, access, reminders) use this with today; an appointment ended
        early (even with a last day still to come) no longer counts.
        """
        return self.filter(in_term_condition(on))

    def in_office(self, *, on: date) -> MembershipQuerySet:
        """Who was in office on `on`, today or in the past: the term covers the day and the
        appointment had not ended before it. The row-level check is Membership.in_term(on)."""
        return self.not_ended_before(on).filter(term_start__lte=on, term_end__gte=on)

    def not_ended_before(self, day: date) -> MembershipQuerySet:
        """Appointments still open, or whose last day in office is `day` or later."""
        return self.filter(Q(ended_on=None) | Q(ended_on__gte=day))

    def voting(self) -> MembershipQuerySet:
        """委员: the chair, vice-chairs and members (the secretary does not vote, R4-R6)."""
        return self.filter(role__in=VOTING_ROLES)

    def managing(self) -> MembershipQuerySet:
        """The office: chair, vice-chairs and secretaries."""
        return self.filter(role__in=MANAGING_ROLES)

    def with_role(self, *roles: str) -> MembershipQuerySet:
        """Appointments in any of `roles`."""
        return self.filter(role__in=roles)


class Membership(StoredFile, CreatedAt):
    """One appointment of a person to a committee; ending it keeps the row (history, R60).

    ``term_end`` is the last day of the appointed term; ``ended_on`` is set when the member left
    early (or the term was closed) and is then the last day in office. The uploaded file is the
    appointment document (聘书 / 任命文件).
    """

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    expertise = models.CharField(_("expertise"), max_length=20, choices=Expertise.choices)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    external = models.BooleanField(
        _("external (from outside the unit)"),
        default=False,
        help_text=_("A member from outside the unit (R6)."),
    )
    local_knowledge = models.BooleanField(
        _("familiar with local conditions"),
        default=False,
        help_text=_("Member familiar with local conditions, for ethnic autonomous areas (R6)."),
    )
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"), help_text=_("Last day of the term (R7: ≤ 5 years)."))
    appointment_ref = models.CharField(_("appointment document number"), max_length=100, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["committee", "role", "id"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            choices_constraint("role", Role, name="membership_role_valid"),
            choices_constraint("expertise", Expertise, name="membership_expertise_valid"),
            choices_constraint("gender", Gender, name="membership_gender_valid"),
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="membership_term_order"
            ),
            models.CheckConstraint(
                condition=Q(ended_on=None) | Q(ended_on__gte=models.F("term_start")),
                name="membership_end_after_start",
            ),
            # One open appointment per person and committee; history rows are ended.
            models.UniqueConstraint(
                fields=["committee", "user"],
                condition=Q(ended_on=None),
                name="membership_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["user", "ended_on"], name="membership_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.committee}"

    @property
    def last_day(self) -> date:
        return min(self.term_end, self.ended_on) if self.ended_on else self.term_end

    def in_term(self, on: date) -> bool:
        return self.term_start <= on <= self.last_day


class DocumentKind(models.TextChoices):
    CHARTER = "charter", _("Charter")
    REVIEW_SOP = "review_sop", _("Review SOP")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality rules")
    ARCHIVES = "archives", _("Archives rules")
    COI_POLICY = "coi_policy", _("Conflict-of-interest policy")
    EMERGENCY_SOP = "emergency_sop", _("Emergency review SOP")
    VIDEO_MEETING_RULES = "video_meeting_rules", _("Video meeting rules")
    FOUNDING = "founding", _("Founding document")
    OTHER = "other", _("Other")


# Which rule requires each document kind (R3 charter and systems, R47 emergency, R21 video).
DOCUMENT_RULES: dict[str, str] = {
    DocumentKind.CHARTER: "R3",
    DocumentKind.REVIEW_SOP: "R3",
    DocumentKind.CONFIDENTIALITY: "R3",
    DocumentKind.ARCHIVES: "R3",
    DocumentKind.COI_POLICY: "R3",
    DocumentKind.EMERGENCY_SOP: "R47",
    DocumentKind.VIDEO_MEETING_RULES: "R21",
}


class CommitteeDocument(StoredFile):
    """One version of a charter or SOP document; a new upload adds a version, never replaces."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # R61: set when a newer version supersedes this one; kept at least until then.
    retain_until = models.DateField(_("kept at least until"), null=True, blank=True)

    class Meta:
        ordering = ["committee", "kind", "-version"]
        verbose_name = _("committee document")
        verbose_name_plural = _("committee documents")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "kind", "version"], name="committee_document_version_unique"
            ),
            choices_constraint("kind", DocumentKind, name="committee_document_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class PledgeKind(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", _("Confidentiality pledge")
    COI = "coi", _("Standing conflict-of-interest declaration")


class Pledge(StoredFile):
    """A signed 保密承诺书 or 利益冲突声明 of a member (R8, N14)."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="pledges"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PledgeKind.choices)
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["membership", "kind", "-signed_on", "-id"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        constraints = [choices_constraint("kind", PledgeKind, name="pledge_kind_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signed_on}"


class Training(StoredFile):
    """A training a member attended (R10a, R8); the file is the certificate if any."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("membership"), on_delete=models.PROTECT, related_name="trainings"
    )
    title = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["membership", "-completed_on", "-id"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.title} {self.completed_on}"


class EntrustmentQuerySet(models.QuerySet["Entrustment"]):
    def active(self, *, on: date) -> EntrustmentQuerySet:
        """Entrustments in force on `on`: started, not past their end, not ended early."""
        return self.filter(
            Q(starts_on__lte=on)
            & (Q(ends_on=None) | Q(ends_on__gte=on))
            & (Q(ended_on=None) | Q(ended_on__gte=on))
        )


class Entrustment(StoredFile, CreatedBy):
    """委托审查 (R17, N13): an institution entrusts review to another committee, in writing.

    The file is the signed agreement. A receiving committee may review a project of the entrusting
    institution only while an entrustment is active (see selectors.committee_may_review).
    """

    entrusting_institution = models.ForeignKey(
        Institution,
        verbose_name=_("entrusting institution"),
        on_delete=models.PROTECT,
        related_name="entrustments_given",
    )
    receiving_committee = models.ForeignKey(
        Committee,
        verbose_name=_("receiving committee"),
        on_delete=models.PROTECT,
        related_name="entrustments_received",
    )
    scope = models.TextField(_("scope"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)

    objects = EntrustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("entrustment")
        verbose_name_plural = _("entrustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on=None) | Q(ends_on__gte=models.F("starts_on")),
                name="entrustment_period_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entrusting_institution} → {self.receiving_committee}"

    def active_on(self, on: date) -> bool:
        if on < self.starts_on:
            return False
        if self.ends_on and on > self.ends_on:
            return False
        return not (self.ended_on and on > self.ended_on)


# --- directory import ------------------------------------------------------------------------


class ImportKind(models.TextChoices):
    INSTITUTIONS = "institutions", _("Institutions")
    USERS = "users", _("Accounts")
    MEMBERS = "members", _("Committee members")


def count_outcomes(outcomes: Iterable[str]) -> dict[str, int]:
    """How many rows of a directory sheet were created, updated, unchanged or in error."""
    counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    for outcome in outcomes:
        counts[outcome if outcome in counts else "error"] += 1
    return counts


class ImportBatch(CreatedBy):
    """One uploaded directory sheet (README "Directory import"): the file as uploaded, its last
    check's per-row report, and when it was applied. Applying twice is refused."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("committee"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="import_batches",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("content"))
    report = models.JSONField(_("report"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("directory import")
        verbose_name_plural = _("directory imports")
        constraints = [
            choices_constraint("kind", ImportKind, name="importbatch_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def counts(self) -> dict[str, int]:
        return count_outcomes(row.get("outcome", "error") for row in self.report or [])

    @property
    def has_errors(self) -> bool:
        return any(row.get("outcome") == "error" for row in self.report or [])
