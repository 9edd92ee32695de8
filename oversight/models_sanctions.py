"""Sanctions (R57; Beijing opinions 五(四)) and researchers' ethics training (R10a, 六(二)).

A sanction is a record that stays: it is never deleted or edited; lifting a ban early is an
audited step with a reason (``lifted_on``). A ban ends by itself: whether it is in force is a
comparison of dates in Asia/Shanghai (``SanctionQuerySet.banning``), so no job closes it and an
ended ban stays in the history.

Members' training stays in ``committees.Training`` (per appointment); a researcher's ethics
training is a person's record, kept here per user (``ResearcherTraining``), with its expiry.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ethics.models import CreatedBy, Institution, choices_constraint


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    INSTITUTION = "institution", _("Institution")


class Measure(models.TextChoices):
    """The R57 list (Beijing opinions 五(四))."""

    CORRECT = "correct", _("Order to correct")
    STOP = "stop", _("Stop the activity")
    RECOVER_FUNDING = "recover_funding", _("Recover funding")
    REVOKE_AWARDS = "revoke_awards", _("Revoke awards")
    CANCEL_QUALIFICATIONS = "cancel_qualifications", _("Cancel qualifications")
    BAN = "ban", _("Ban from state-funded S&T work for a period")
    DISCIPLINARY = "disciplinary", _("Disciplinary referral")
    CRIMINAL = "criminal", _("Criminal referral")


class SanctionQuerySet(models.QuerySet["Sanction"]):
    def banning(self, on: date) -> SanctionQuerySet:
        """Bans in force on `on` (a date in Asia/Shanghai): started, not past their last day
        (inclusive), not lifted on or before `on` (R57)."""
        return self.filter(
            Q(measure=Measure.BAN, ban_starts_on__lte=on, ban_ends_on__gte=on)
            & (Q(lifted_on=None) | Q(lifted_on__gt=on))
        )


class Sanction(CreatedBy):
    """A measure taken against a person or an institution (R57)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("recorded by institution"),
        on_delete=models.PROTECT,
        related_name="sanctions_recorded",
    )
    subject_kind = models.CharField(_("against"), max_length=20, choices=SubjectKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="sanctions",
        null=True,
        blank=True,
    )
    target_institution = models.ForeignKey(
        Institution,
        verbose_name=_("sanctioned institution"),
        on_delete=models.PROTECT,
        related_name="sanctions",
        null=True,
        blank=True,
    )
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    grounds = models.TextField(_("grounds"))
    decided_on = models.DateField(_("decided on"))
    ban_starts_on = models.DateField(_("ban starts on"), null=True, blank=True)
    ban_ends_on = models.DateField(_("ban ends on"), null=True, blank=True)
    # The investigation (R56) the sanction follows from: one of the recording institution's.
    investigation = models.ForeignKey(
        "oversight.Investigation",
        verbose_name=_("investigation"),
        on_delete=models.PROTECT,
        related_name="sanctions",
        null=True,
        blank=True,
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = SanctionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        constraints = [
            choices_constraint("measure", Measure, name="sanction_measure_valid"),
            choices_constraint("subject_kind", SubjectKind, name="sanction_subject_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(subject_kind=SubjectKind.PERSON, person__isnull=False)
                    | Q(subject_kind=SubjectKind.INSTITUTION, target_institution__isnull=False)
                ),
                name="sanction_has_subject",
            ),
            models.CheckConstraint(
                condition=~Q(measure=Measure.BAN)
                | Q(
                    ban_starts_on__isnull=False,
                    ban_ends_on__isnull=False,
                    ban_ends_on__gte=models.F("ban_starts_on"),
                ),
                name="sanction_ban_has_period",
            ),
        ]
        indexes = [models.Index(fields=["person", "measure", "ban_ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.decided_on}"

    @property
    def subject_name(self) -> str:
        if self.subject_kind == SubjectKind.PERSON and self.person is not None:
            return str(self.person.display_name)
        return str(self.target_institution.name) if self.target_institution else ""

    def bans_on(self, on: date) -> bool:
        """Whether this is a ban in force on `on` (the queryset's `banning`, for one row)."""
        return (
            self.measure == Measure.BAN
            and self.ban_starts_on is not None
            and self.ban_ends_on is not None
            and self.ban_starts_on <= on <= self.ban_ends_on
            and (self.lifted_on is None or self.lifted_on > on)
        )

    @property
    def in_force(self) -> bool:
        return self.bans_on(timezone.localdate())


class ResearcherTraining(CreatedBy):
    """A researcher's ethics training (R10a): course, when, and until when it counts."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="ethics_trainings",
    )
    title = models.CharField(_("course"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("valid until"))

    class Meta:
        ordering = ["person", "-expires_on", "-id"]
        verbose_name = _("researcher training record")
        verbose_name_plural = _("researcher training records")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("completed_on")),
                name="researcher_training_expiry_after_completion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.completed_on}"

    def valid_on(self, on: date) -> bool:
        return self.completed_on <= on <= self.expires_on
