"""Helpers shared by the reviews services: locks, permission checks, audit rows, notifications."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from committees.models import Membership, Role
from ethics import audit, policies
from ethics import services as kernel
from ethics.models import User
from reviews import workflow
from reviews.models import (
    Application,
    Decision,
    Project,
)
from reviews.workflow import Action, Status

LETTER_TEMPLATE = "pdf/reviews/letter.html"
LETTER_TEMPLATE_VERSION = "1"

PROJECT_FIELDS = (
    "title",
    "scope",
    "listed_item",
    "international",
    "planned_start",
    "planned_end",
)


def _require(actor: User, action: str, obj: models.Model) -> None:
    if not policies.may(actor, action, obj):
        raise PermissionDenied


def _invalid(field: str, message: Any, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _site_text(text: Any, **params: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params if params else str(text)


def _lock(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("project", "committee")
        .get(pk=application_id)
    )


def _move(application: Application, action: Action, actor: User) -> Status:
    """Table first (409 for an impossible action), then the actor's role (403)."""
    new = workflow.next_status(application.status, action)
    _require(actor, action, application)
    return new


def _application_url(application: Application) -> str:
    return reverse("reviews:application-detail", args=[application.pk])


def _officers(committee_id: int, roles: Iterable[str]) -> list[User]:
    today = timezone.localdate()
    rows = Membership.objects.filter(
        committee_id=committee_id,
        role__in=list(roles),
        ended_on=None,
        term_start__lte=today,
        term_end__gte=today,
    ).select_related("user")
    return [row.user for row in rows]


def secretaries(committee_id: int) -> list[User]:
    """Who handles intake: the secretaries, or the chair if the committee has none."""
    return _officers(committee_id, [Role.SECRETARY]) or _officers(committee_id, [Role.CHAIR])


def applicants(project: Project) -> list[User]:
    return [project.lead, *project.team.all()]


def _notify(
    recipients: list[User], application: Application, title: Any, cause: str, **params: Any
) -> None:
    kernel.notify(
        recipients=recipients,
        title=title,
        params={"ref": application.ref or "", "title": application.project.title, **params},
        url=_application_url(application),
        cause=cause,
    )


def _record(
    actor: User | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit.record(
        actor=actor,
        action=action,
        target=target,
        before=dict(before or {}),
        after=dict(after or {}),
        reason=reason,
    )


def _lock_project(project_id: int) -> Project:
    return Project.objects.select_for_update().get(pk=project_id)


def latest_decision(application: Application) -> Decision | None:
    """The newest decision on an application (every earlier one stays on record)."""
    return Decision.objects.filter(application=application).order_by("-decided_at", "-id").first()


def officers_and_chair(committee_id: int) -> list[User]:
    return secretaries(committee_id) + _officers(committee_id, [Role.CHAIR])


def _project_url(project: Project) -> str:
    return reverse("reviews:project-detail", args=[project.pk])


def _notify_project(
    recipients: list[User], project: Project, title: Any, cause: str, **params: Any
) -> None:
    kernel.notify(
        recipients=recipients,
        title=title,
        params={"title": project.title, **params},
        url=_project_url(project),
        cause=cause,
    )
