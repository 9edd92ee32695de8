"""What the kernel asks the committees app: deadline recipients and links, nav, dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Membership, Role
from committees.policies import holds_role
from ethics.hooks import Recipients
from ethics.models import ACTIVE_DEADLINE_STATES, Deadline, User


def _officers(committee_id: int | None, roles: tuple[str, ...], on: date) -> list[User]:
    if committee_id is None:
        return []
    rows = Membership.objects.filter(
        committee_id=committee_id,
        role__in=roles,
        ended_on=None,
        term_start__lte=on,
        term_end__gte=on,
    ).select_related("user")
    return [row.user for row in rows]


def _institution_admins(committee_id: int | None) -> list[User]:
    if committee_id is None:
        return []
    institution_id = Committee.objects.filter(pk=committee_id).values("institution_id")
    return list(
        User.objects.filter(
            institution_id__in=institution_id, institution_admin=True, is_active=True
        )
    )


def committee_deadline_recipients(deadline: Deadline) -> Recipients:
    """Registration and updates (R50): secretaries act; the chair and institution admins escalate."""
    today = timezone.localdate()
    return Recipients(
        responsible=_officers(deadline.committee_id, (Role.SECRETARY,), today),
        escalation=_officers(deadline.committee_id, (Role.CHAIR,), today)
        + _institution_admins(deadline.committee_id),
    )


def member_term_recipients(deadline: Deadline) -> Recipients:
    """A term ending (R7): the committee's secretaries are reminded."""
    today = timezone.localdate()
    return Recipients(responsible=_officers(deadline.committee_id, (Role.SECRETARY,), today))


def deadline_url(deadline: Deadline) -> str:
    if deadline.committee_id is None:
        return ""
    return reverse("committees:committee-detail", args=[deadline.committee_id])


def nav_visible(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (user.institution_admin and user.institution_id):
        return True
    return holds_role(user)


@dataclass
class DashboardPanel:
    title: Any
    template: str = "committees/_dashboard_panel.html"
    items: list[dict[str, Any]] = field(default_factory=list)


def dashboard_panel(request: Any) -> DashboardPanel | None:
    """Composition problems and open deadlines of the committees the user manages."""
    from committees import policies, selectors

    user = request.user
    committees = [
        c
        for c in selectors.committees_for_user(user)[:20]
        if policies.may_manage_committee(user, c)
    ]
    if not committees:
        return None
    today = timezone.localdate()
    deadlines: dict[int, list[Deadline]] = {}
    for deadline in Deadline.objects.filter(
        committee__in=committees, state__in=ACTIVE_DEADLINE_STATES
    ).order_by("due_at")[:200]:
        deadlines.setdefault(deadline.committee_id, []).append(deadline)
    items = [
        {
            "committee": committee,
            "composition": selectors.composition_of(committee, today),
            "deadlines": deadlines.get(committee.pk, [])[:5],
        }
        for committee in committees
    ]
    return DashboardPanel(title=_("My committees"), items=items)
