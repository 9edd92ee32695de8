"""The regional authority's read-only role (issue 17).

An `AuthorityScope` lets one user read the aggregate figures (never project content, never
names) of the committees of every institution in a region, and of institutions listed by name
besides. It is granted and ended only by `reports.services.authority_grant` / `authority_end`
(audited); the admin shows it read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ethics.models import CreatedBy, Institution


class AuthorityScopeQuerySet(models.QuerySet["AuthorityScope"]):
    def current(self) -> AuthorityScopeQuerySet:
        return self.filter(ended_at__isnull=True)


class AuthorityScope(CreatedBy):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="authority_scopes",
    )
    name = models.CharField(_("authority"), max_length=200)
    # Every institution whose `region` equals this (exactly); empty: only the listed ones.
    region = models.CharField(_("region"), max_length=100, blank=True)
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions"), blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = AuthorityScopeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("regional authority scope")
        verbose_name_plural = _("regional authority scopes")

    def __str__(self) -> str:
        return f"{self.name} · {self.region}" if self.region else self.name
