"""Permission-scoped reads of sanctions (R57) and researchers' training (R10a): hidden is 404."""

from __future__ import annotations

from django.db.models import QuerySet

from ethics import policies
from ethics.models import User
from oversight.models_complaints import Investigation
from oversight.models_sanctions import ResearcherTraining, Sanction


def sanctions_for_user(user: User) -> QuerySet[Sanction]:
    """Sanctions the user may see, latest decision first."""
    return policies.visible(
        user,
        Sanction.objects.select_related("person", "target_institution", "institution"),
    ).order_by("-decided_on", "-id")


def sanction_get_for_user(user: User, pk: int) -> Sanction:
    return policies.get_visible_or_404(
        user,
        Sanction.objects.select_related(
            "person", "target_institution", "institution", "created_by", "lifted_by"
        ),
        pk=pk,
    )


def sanction_investigation_for_user(user: User, sanction: Sanction) -> Investigation | None:
    """The investigation a sanction follows from (R56), if `user` may see it; None otherwise."""
    if sanction.investigation_id is None:
        return None
    from oversight.complaints_selectors import investigations_for_user

    return investigations_for_user(user).filter(pk=sanction.investigation_id).first()


def trainings_for_user(user: User) -> QuerySet[ResearcherTraining]:
    """Researchers' training records the user may see, latest expiry first."""
    return policies.visible(
        user, ResearcherTraining.objects.select_related("person", "person__institution")
    ).order_by("-expires_on", "-id")


def training_get_for_user(user: User, pk: int) -> ResearcherTraining:
    return policies.get_visible_or_404(
        user, ResearcherTraining.objects.select_related("person", "created_by"), pk=pk
    )
