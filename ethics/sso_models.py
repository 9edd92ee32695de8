"""Identities at an institution's identity provider, mapped to accounts (kept out of models.py
like the job and token models; imported there for Django).

A person signed in through OIDC, CAS or LDAP is found by the provider's stable identifier (the
OIDC `sub`, the CAS user or a configured attribute, the LDAP `entryUUID`), never by a name or
an e-mail address the provider may reuse or let people change (ethics/sso.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    CAS = "cas", _("CAS")
    LDAP = "ldap", _("LDAP directory")


class ExternalIdentity(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    provider = models.CharField(_("identity provider"), max_length=10, choices=Provider.choices)
    subject = models.CharField(_("identifier at the provider"), max_length=255)
    created_at = models.DateTimeField(_("linked"), default=timezone.now)
    last_login = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="external_identity_unique_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.subject}"
