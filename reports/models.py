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


class SummaryFigure(models.TextChoices):
    RECEIVED = "received", _("applications received")
    ACCEPTED = "accepted", _("review rounds accepted")
    DECIDED = "decided", _("decisions")


class MonthlySummary(models.Model):
    """One committee's counts for one closed month (Asia/Shanghai), grouped as the live figures
    group them (reports.selectors: received, accepted, decided), with the days of each group so
    that medians and percentiles read from here stay exact (a day-count histogram: one row per
    distinct number of days). A row without a committee is a region's: the sum of the rows of
    every committee `SummaryCommittee` put in that region at the refresh (the regional
    dashboard reads a few hundred of those instead of every committee's). Derived data:
    `reports.summaries.refresh` replaces every row in one transaction; nothing else writes it."""

    # The state row (there is one): the dashboards read the state and the rows in one query.
    state = models.ForeignKey(
        "SummaryState", on_delete=models.CASCADE, related_name="rows", default=1, db_index=False
    )
    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        null=True,
    )
    # A region's row (committee empty): the institutions' `region` at the refresh.
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    month = models.DateField(_("Month"))  # the month's first day
    figure = models.CharField(_("Figure"), max_length=10, choices=SummaryFigure.choices)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    withdrawn = models.BooleanField(_("withdrawn since"), default=False)
    procedure = models.CharField(_("procedure"), max_length=20, blank=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    # received: none; accepted: days from submission for a first round; decided: days from the
    # round's acceptance for a timed decision (selectors.TIMED_STAGES); else none.
    days = models.IntegerField(_("days"), null=True)
    late = models.BooleanField(_("after the clock ran out"), default=False)
    n = models.PositiveIntegerField(_("Number"))

    class Meta:
        indexes = [
            models.Index(fields=["committee", "month"], name="reports_summary_committee"),
            models.Index(
                fields=["region", "month"],
                name="reports_summary_region",
                condition=models.Q(committee__isnull=True),
            ),
        ]
        verbose_name = _("monthly summary")
        verbose_name_plural = _("monthly summaries")

    def __str__(self) -> str:
        who = self.committee_id or self.region
        return f"{who} {self.month:%Y-%m} {self.figure} {self.n}"


class WorkloadSummary(models.Model):
    """One member's reviewer assignments made in one closed month (Asia/Shanghai): how many,
    the opinions given and the late ones (reports.selectors.workload_counts) as of the refresh.
    Unlike the other figures these move after the month closes (an opinion comes in, a clock runs
    out): the dashboards read them as of the refresh and say when that was."""

    committee = models.ForeignKey(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    membership = models.ForeignKey(
        "committees.Membership",
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    month = models.DateField(_("Month"))  # the month's first day
    assignments = models.PositiveIntegerField(_("assignments"))
    opinions = models.PositiveIntegerField(_("opinions given"))
    late = models.PositiveIntegerField(_("late opinions"))

    class Meta:
        indexes = [models.Index(fields=["committee", "month"], name="reports_workload_committee")]
        verbose_name = _("monthly workload summary")
        verbose_name_plural = _("monthly workload summaries")

    def __str__(self) -> str:
        return f"{self.membership_id} {self.month:%Y-%m} {self.assignments}"


class SummaryCommittee(models.Model):
    """Which region each committee was counted in at the last refresh (its institution's
    `region`). A region's summary rows stand for a set of committees only when that set is
    exactly the committees listed here under the region: reports.summaries.read checks it in
    the same query, so a committee that moved or was added since is never counted twice nor
    missed."""

    committee = models.OneToOneField(
        "committees.Committee",
        verbose_name=_("committee"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    region = models.CharField(_("region"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("summarised committee")
        verbose_name_plural = _("summarised committees")

    def __str__(self) -> str:
        return f"{self.committee_id} {self.region}"


class SummaryState(models.Model):
    """The one row (pk 1, made by the migration) saying which months the summaries cover:
    every month before `through`, as of `refreshed_at`. A refresh locks it first."""

    refreshed_at = models.DateTimeField(_("refreshed at"), null=True)
    through = models.DateField(_("summarised before"), null=True)

    class Meta:
        verbose_name = _("summary state")
        verbose_name_plural = _("summary state")

    def __str__(self) -> str:
        return f"{self.through:%Y-%m}" if self.through else "—"
