"""What quality control and the expert pool register with the kernel and with reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ethics.hooks import Recipients
from ethics.models import Deadline, User
from ethics.reminders import StageConfig


def corrective_recipients(deadline: Deadline) -> Recipients:
    """A corrective action (B1): its owner and the secretaries act; the chair and the
    institution's admins are told when it is overdue."""
    from committees.models import Role
    from committees.selectors import institution_admins, officers
    from oversight.models_quality import CorrectiveAction

    action = CorrectiveAction.objects.filter(pk=deadline.subject_id).select_related("owner").first()
    responsible: list[User] = officers(deadline.committee_id, [Role.SECRETARY])
    if action is not None and action.owner is not None:
        responsible = [action.owner, *[u for u in responsible if u.pk != action.owner_id]]
    return Recipients(
        responsible=responsible,
        escalation=officers(deadline.committee_id, [Role.CHAIR])
        + institution_admins(deadline.committee_id),
    )


def corrective_url(deadline: Deadline) -> str:
    from oversight.models_quality import CorrectiveAction

    evaluation_id = (
        CorrectiveAction.objects.filter(pk=deadline.subject_id)
        .values_list("evaluation_id", flat=True)
        .first()
    )
    if evaluation_id is None:
        return reverse("oversight:quality-evaluation-list")
    return reverse("oversight:quality-evaluation-detail", args=[evaluation_id])


@dataclass
class Panel:
    title: Any
    template: str = "oversight/quality/_panel.html"
    items: list[Any] = field(default_factory=list)
    due: list[Any] = field(default_factory=list)


def quality_panel(request: Any) -> Panel | None:
    """Dashboard: the committees due a self-evaluation and the open corrective actions of the
    committees the reader manages (B1)."""
    from django.utils import timezone

    from oversight import quality_selectors
    from oversight.quality_policies import may_use_quality

    user = request.user
    if not may_use_quality(user):
        return None
    return Panel(
        title=_("Quality control"),
        items=quality_selectors.open_corrective_actions(user),
        due=quality_selectors.evaluations_due(user, timezone.localdate()),
    )


def register_quality() -> None:
    """Called once from oversight.registrations.register()."""
    from ethics import hooks
    from oversight import quality_clocks, quality_policies
    from oversight.services.quality import panel_check
    from reviews.services.rereview import register_panel_check

    quality_policies.register()
    hooks.register_deadline_kind(
        quality_clocks.CORRECTIVE_ACTION,
        label=_("Corrective action (quality control)"),
        recipients=corrective_recipients,
        url=corrective_url,
        stages=StageConfig(days_before=(7, 1), on_last_day=True, overdue_every_days=7),
    )
    hooks.register_nav_item(
        70,
        _("Quality control"),
        "oversight:quality-evaluation-list",
        quality_policies.may_use_quality,
    )
    hooks.register_nav_item(
        71, _("Expert pool"), "oversight:pool-expert-list", quality_policies.may_use_pool
    )
    # The panel loads with the early-warning one after the dashboard: oversight/panels.py.
    # R40: reviews asks the pool before it records a re-review opinion.
    register_panel_check(panel_check)
