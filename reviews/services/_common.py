"""Helpers shared by the reviews services: locks, the workflow step, audit rows, notifications.

Package-internal (the module is private to reviews.services); what other apps need is re-exported
from reviews.services. The permission check, field errors and site-language text are the kernel's
(ethics.services.require, invalid, site_text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.urls import reverse

from committees.models import Role
from committees.selectors import officers
from ethics import audit
from ethics import services as kernel
from ethics.models import User
from ethics.services import require
from reviews import workflow
from reviews.models import (
    Application,
    Decision,
    Project,
)
from reviews.workflow import Action, Status

LETTER_TEMPLATE = "pdf/reviews/letter.html"
# "2": the reviewed documents with versions and SHA-256, the contact, the QR code and the
# verification URL. A stored letter is re-rendered on its next request; its code stays.
LETTER_TEMPLATE_VERSION = "2"

PROJECT_FIELDS = (
    "title",
    "scope",
    "listed_item",
    "international",
    "planned_start",
    "planned_end",
)


def lock_application(application_id: int) -> Application:
    """The application row, locked for this transaction, with its project and committee."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("project", "committee")
        .get(pk=application_id)
    )


def move(application: Application, action: Action, actor: User) -> Status:
    """Table first (409 for an impossible action), then the actor's role (403)."""
    new = workflow.next_status(application.status, action)
    require(actor, action, application)
    return new


def _application_url(application: Application) -> str:
    return reverse("reviews:application-detail", args=[application.pk])


def secretaries(committee_id: int) -> list[User]:
    """Who handles intake: the secretaries, or the chair if the committee has none."""
    return officers(committee_id, [Role.SECRETARY]) or officers(committee_id, [Role.CHAIR])


def chairs(committee_id: int) -> list[User]:
    """The committee's chair (in term today): who is told when things escalate."""
    return officers(committee_id, [Role.CHAIR])


def applicants(project: Project) -> list[User]:
    return [project.lead, *project.team.all()]


def notify_application(
    recipients: list[User], application: Application, title: Any, cause: str, **params: Any
) -> None:
    """Tell `recipients` about the application (its reference and title are in `params`)."""
    kernel.notify(
        recipients=recipients,
        title=title,
        params={"ref": application.ref or "", "title": application.project.title, **params},
        url=_application_url(application),
        cause=cause,
    )


def record(
    actor: User | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str = "",
) -> None:
    """audit.record with positional actor, action and target (the services' shorthand)."""
    audit.record(
        actor=actor,
        action=action,
        target=target,
        before=dict(before or {}),
        after=dict(after or {}),
        reason=reason,
    )


def lock_project(project_id: int) -> Project:
    return Project.objects.select_for_update().get(pk=project_id)


def latest_decision(application: Application) -> Decision | None:
    """The newest decision on an application (every earlier one stays on record)."""
    return Decision.objects.filter(application=application).order_by("-decided_at", "-id").first()


def officers_and_chair(committee_id: int) -> list[User]:
    return secretaries(committee_id) + chairs(committee_id)


def _project_url(project: Project) -> str:
    return reverse("reviews:project-detail", args=[project.pk])


def notify_project(
    recipients: list[User], project: Project, title: Any, cause: str, **params: Any
) -> None:
    """Tell `recipients` about the project (its title is in `params`)."""
    kernel.notify(
        recipients=recipients,
        title=title,
        params={"title": project.title, **params},
        url=_project_url(project),
        cause=cause,
    )
