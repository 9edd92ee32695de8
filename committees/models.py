"""Institutions and their ethics committees (the committees issue completes this app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("Higher education institution")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    MEDICAL = "medical", _("Medical and health institution")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class Institution(models.Model):
    """A unit (单位) responsible for ethics review of its S&T activities (R1)."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    kind = models.CharField(_("type"), max_length=30, choices=InstitutionKind.choices)
    authority = models.CharField(_("competent authority"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class CommitteeKind(models.TextChoices):
    INSTITUTIONAL = "institutional", _("Institutional")
    REGIONAL = "regional", _("Regional")
    PROFESSIONAL = "professional", _("Professional")


class RegistrationStatus(models.TextChoices):
    UNREGISTERED = "unregistered", _("Unregistered")
    REGISTERED = "registered", _("Registered")
    UPDATE_DUE = "update_due", _("Update due")


class Committee(models.Model):
    """A 科技伦理（审查）委员会 of an institution (or a regional / professional one, R10)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="committees"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=CommitteeKind.choices, default=CommitteeKind.INSTITUTIONAL
    )
    regimes = models.JSONField(_("regimes"), default=list)
    established_on = models.DateField(_("established on"))
    registration_status = models.CharField(
        _("registration status"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.UNREGISTERED,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    def __str__(self) -> str:
        return self.name
