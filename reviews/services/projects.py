"""Projects: registration, particulars, the Art. 2 pre-screen, participating institutions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import Committee
from committees.selectors import committee_may_review
from ethics import hooks, regulations
from ethics.errors import Conflict
from ethics.models import User
from ethics.services import invalid, require
from reviews import checklist
from reviews.models import (
    Project,
)
from reviews.services._common import (
    PROJECT_FIELDS,
    lock_project,
    record,
)
from reviews.services.team import refuse_if_frozen, team_invite_on_create, team_set
from reviews.workflow import ProjectStatus

# --- projects (R11, R12, R16, R17, R36-R37) ---------------------------------------------------


def _clean_scope(scope: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(scope))
    unknown = [code for code in chosen if code not in checklist.Scope.values]
    if unknown:
        raise invalid("scope", _("Unknown scope category."), "invalid_choice")
    return chosen


def _clean_listed(listed_item: int | None, on: date) -> str:
    """R37: a listed activity names an item of the annex list in force (R36); returns its version."""
    if listed_item is None:
        return ""
    try:
        regulations.annex_item(int(listed_item), on)
    except ValueError:
        raise invalid(
            "listed_item", _("Not an item of the annex list in force (R36)."), "invalid_choice"
        ) from None
    return regulations.annex_list_on(on).version


def _check_period(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise invalid("planned_end", _("The planned end is before the start."), "invalid")


@transaction.atomic
def project_create(
    *,
    actor: User,
    title: str,
    committee: Committee,
    institution_id: int | None = None,
    scope: Iterable[str] = (),
    listed_item: int | None = None,
    international: bool = False,
    planned_start: date | None = None,
    planned_end: date | None = None,
    team: Iterable[User] = (),
    lead: User | None = None,
) -> Project:
    """A researcher registers a 科技活动 to be reviewed by their own or an entrusted committee (R17)."""
    institution_id = institution_id or actor.institution_id
    if institution_id is None:
        raise invalid("institution", _("The project needs an institution."), "required")
    today = timezone.localdate()
    if not committee_may_review(committee, institution_id, today):
        raise Conflict(
            "committee_not_competent",
            _("This committee reviews only its own institution's projects or entrusted ones."),
            rule="R17",
        )
    _check_period(planned_start, planned_end)
    if not title.strip():
        raise invalid("title", _("A title is required."), "required")
    # R57 (and any other registered check): a banned person does not lead a project.
    hooks.require_eligible([lead or actor], "lead")
    project = Project.objects.create(
        title=title.strip(),
        lead=lead or actor,
        institution_id=institution_id,
        committee=committee,
        scope=_clean_scope(scope),
        listed_item=listed_item,
        annex_version=_clean_listed(listed_item, today),
        international=international,
        planned_start=planned_start,
        planned_end=planned_end,
        created_by=actor,
    )
    # R8: those named are invited; they join (and see the project) only when they accept.
    invited = team_invite_on_create(project, team, actor)
    record(
        actor,
        "project.create",
        project,
        after={
            **{name: getattr(project, name) for name in PROJECT_FIELDS},
            "committee": committee.pk,
            "invited": invited,
        },
    )
    return project


@transaction.atomic
def project_update(*, project_id: int, actor: User, data: Mapping[str, Any]) -> Project:
    """Change a project's particulars while it is planned. A team change invites newcomers and
    removes those left out (``team_set``), refused from the first submission (R20a)."""
    project = Project.objects.select_for_update().get(pk=project_id)
    require(actor, "change", project)
    if "team" in data:
        refuse_if_frozen(project)  # R20a, before any other answer: the team is fixed
    if project.status != ProjectStatus.PLANNED:
        raise Conflict("project_not_planned", _("Only a planned project can be changed."))
    changed = [k for k in PROJECT_FIELDS if k in data and data[k] != getattr(project, k)]
    before = {k: getattr(project, k) for k in changed}
    for key in changed:
        setattr(project, key, data[key])
    if "scope" in changed:
        project.scope = _clean_scope(project.scope)
    if "listed_item" in changed:
        project.annex_version = _clean_listed(project.listed_item, timezone.localdate())
    _check_period(project.planned_start, project.planned_end)
    project.save()
    after = {k: getattr(project, k) for k in changed}
    if "team" in data:
        before["team"], after["team"] = team_set(project, data["team"], actor)
    if after:
        record(actor, "project.update", project, before=before, after=after)
    return project


@transaction.atomic
def project_prescreen(*, project_id: int, actor: User, answers: Mapping[str, bool]) -> Project:
    """R11/R12: the Art. 2 questions decide whether review is needed; the answer is recorded."""
    project = Project.objects.select_for_update().get(pk=project_id)
    require(actor, "prescreen", project)
    clean = {q.key: bool(answers.get(q.key)) for q in checklist.PRESCREEN}
    result = checklist.prescreen(clean)
    before = {"scope": project.scope, "review_required": project.review_required}
    project.prescreen = clean
    project.review_required = result.review_required
    project.prescreened_at = timezone.now()
    project.scope = result.scope
    project.save(
        update_fields=["prescreen", "review_required", "prescreened_at", "scope", "updated_at"]
    )
    record(
        actor,
        "project.prescreen",
        project,
        before=before,
        after={"answers": clean, "scope": result.scope, "review_required": result.review_required},
    )
    return project


@transaction.atomic
def project_set_participants(
    *, project_id: int, institution_ids: Iterable[int], actor: User
) -> Project:
    """R31 / N12: name the participating institutions of a multi-site activity."""
    project = lock_project(project_id)
    require(actor, "change_participants", project)
    from ethics.models import Institution

    ids = sorted({int(pk) for pk in institution_ids} - {project.institution_id})
    found = list(Institution.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise invalid("participating_institutions", _("Unknown institution."), "invalid_choice")
    before = sorted(project.participating_institutions.values_list("pk", flat=True))
    project.participating_institutions.set(ids)
    record(
        actor,
        "project.participants",
        project,
        {"participating_institutions": before},
        {"participating_institutions": ids, "rule": "R31"},
    )
    return project
