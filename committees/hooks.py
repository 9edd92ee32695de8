"""What the kernel asks the committees app: deadline recipients and links, nav, dashboard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import MANAGING_ROLES, Committee, Role
from committees.policies import holds_role
from committees.selectors import institution_admins, officers
from ethics.deadlines import Calendar
from ethics.hooks import Recipients
from ethics.models import Deadline, overdue_condition
from ethics.selectors import ACTIVE_DEADLINES_READ, active_deadlines_of


def committee_deadline_recipients(deadline: Deadline) -> Recipients:
    """Registration and updates (R50): secretaries act; the chair and institution admins escalate."""
    return Recipients(
        responsible=officers(deadline.committee_id, [Role.SECRETARY]),
        escalation=officers(deadline.committee_id, [Role.CHAIR])
        + institution_admins(deadline.committee_id),
    )


def member_term_recipients(deadline: Deadline) -> Recipients:
    """A term ending (R7): the committee's secretaries are reminded."""
    return Recipients(responsible=officers(deadline.committee_id, [Role.SECRETARY]))


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


def holds_office(user: Any) -> bool:
    """Whether the user is now a chair, vice-chair or secretary of some committee."""
    return holds_role(user, set(MANAGING_ROLES))


@dataclass
class DashboardPanel:
    title: Any
    template: str = "committees/_dashboard_panel.html"
    items: list[dict[str, Any]] = field(default_factory=list)


def dashboard_panel(request: Any) -> DashboardPanel | None:
    """Composition problems and open deadlines of the committees the user manages."""
    from committees import policies, selectors

    user = request.user
    # The roles read once per request (policies.current_roles), not one query per committee.
    managed = {
        committee_id
        for committee_id, roles in policies.current_roles(user).items()
        if roles & set(MANAGING_ROLES)
    }
    # policies.may_manage_committee from what is read already: the roles above, and a
    # superuser's or an institution admin's standing (no query per committee, issue 18).
    institution = policies.admin_institution(user)
    if not managed and not user.is_superuser and institution is None:
        return None  # manages nothing: no committee to read
    committees = [
        c
        for c in selectors.first_committees_for_user(user)
        if c.pk in managed or user.is_superuser or c.institution_id == institution
    ]
    if not committees:
        return None
    today = timezone.localdate()
    ids = [c.pk for c in committees]
    deadlines: dict[int | None, list[Deadline]] = {}
    listed = active_deadlines_of(user, ids)
    for deadline in listed:
        deadlines.setdefault(deadline.committee_id, []).append(deadline)
    # Each count equals the deadlines list it links to (?committee=…&state=active / &overdue=true);
    # when the list above holds every active deadline, it is counted here (issue 18).
    if len(listed) < ACTIVE_DEADLINES_READ:
        now = timezone.now()
        counts: dict[Any, dict[str, int]] = {
            committee_id: {
                "open": len(rows),
                "overdue": sum(1 for row in rows if row.due_at is not None and row.due_at <= now),
            }
            for committee_id, rows in deadlines.items()
        }
    else:
        counts = {
            row["committee_id"]: row
            for row in Deadline.objects.active()
            .filter(committee_id__in=ids)
            .values("committee_id")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_condition()))
        }
    rosters = selectors.roster_records_on(ids, today)
    items = [
        {
            "committee": committee,
            "composition": selectors.composition_of(
                committee, today, records=rosters[committee.pk]
            ),
            "deadlines": deadlines.get(committee.pk, [])[:5],
            "open": counts.get(committee.pk, {}).get("open", 0),
            "overdue": counts.get(committee.pk, {}).get("overdue", 0),
        }
        for committee in committees
    ]
    return DashboardPanel(title=_("My committees"), items=items)


def registration_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R50 counted under ``calendar``, for recomputing after a holiday import."""
    from committees.services import registration_due_at

    committee = Committee.objects.filter(pk=deadline.subject_id).first()
    return None if committee is None else registration_due_at(committee, calendar)


def update_due_under(deadline: Deadline, calendar: Calendar) -> datetime | None:
    """R50: the registration update, counted in days from the change that opened the clock."""
    from committees import selectors
    from ethics.deadlines import day_period_due_at

    committee = Committee.objects.filter(pk=deadline.subject_id).first()
    if committee is None:
        return None
    rules = selectors.committee_rules(committee)
    return day_period_due_at(
        deadline.opened_at,
        rules.committee_registration_days.value,
        calendar=calendar,
        roll_forward=rules.roll_forward_rest_days.value,
    )


def committee_choices(user: Any) -> list[tuple[int, str]]:
    """(id, name) of the committees ``user`` may see: the committee filter of kernel lists."""
    from committees.selectors import committee_choice_rows

    return committee_choice_rows(user)
