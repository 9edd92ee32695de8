"""What the kernel asks of the registry: recipients and links of its clocks, the dashboard panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ethics.hooks import Recipients
from ethics.models import Deadline
from registry import policies, selectors
from registry.models import Filing
from registry.workflow import Status


def filing_deadline_recipients(deadline: Deadline) -> Recipients:
    """Annual report and listed registration: secretaries act; chair and admins escalate."""
    if deadline.committee_id is None:
        return Recipients()
    responsible = selectors.filing_recipients(deadline.committee_id)
    everyone = selectors.filing_recipients(deadline.committee_id, escalation=True)
    ids = {u.pk for u in responsible}
    return Recipients(responsible=responsible, escalation=[u for u in everyone if u.pk not in ids])


def filing_deadline_url(deadline: Deadline) -> str:
    filing_id = Filing.objects.filter(deadline=deadline).values_list("pk", flat=True).first()
    if filing_id is None:
        return reverse("registry:filing-list")
    return reverse("registry:filing-detail", args=[filing_id])


@dataclass
class Panel:
    title: Any
    template: str = "registry/_panel_obligations.html"
    items: list[selectors.ObligationRow] = field(default_factory=list)
    counts: selectors.FilingCounts | OpenFilingCounts | None = None


@dataclass(frozen=True)
class OpenFilingCounts:
    """The panel's figures (due, overdue, prepared: all of open filings) counted from its list."""

    due: int
    overdue: int
    prepared: int


_NEXT_SHOWN = selectors.OBLIGATIONS_SHOWN  # the list holds every open filing below this


def obligations_panel(request: Any) -> Panel | None:
    """The next filings due, for secretaries, chairs and institution admins."""
    user = request.user
    if not policies.may_file(user):
        return None
    items = selectors.next_obligations(user)
    counts: selectors.FilingCounts | OpenFilingCounts
    if len(items) < _NEXT_SHOWN:
        # The list holds every open filing, and the panel's three figures count only open ones
        # (due, prepared, overdue = open with its clock overdue): counted from the list, by the
        # one definition of overdue the counts query uses, instead of a second query (issue 18).
        counts = OpenFilingCounts(
            due=sum(1 for f in items if f.status == Status.DUE),
            overdue=sum(1 for f in items if f.overdue),
            prepared=sum(1 for f in items if f.status == Status.PREPARED),
        )
    else:
        counts = selectors.filing_counts(user)
    return Panel(title=_("Next obligations"), items=items, counts=counts)
