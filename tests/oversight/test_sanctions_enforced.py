"""R57: a ban is enforced on every route that makes someone a project lead, a team member, a
submitter or a reviewer: the service, the page and the API, at the boundary of the ban's last
day (ended yesterday: allowed; ends today or tomorrow: refused with 409, the rule ID and why).

The lower layers ask `ethics.hooks.require_eligible`; oversight registers the check
(`oversight.services.sanctions.sanction_problems`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ethics import hooks
from ethics.errors import Conflict
from oversight.models_sanctions import Measure, SubjectKind
from oversight.services import sanctions
from reviews import services
from reviews.models import Project, ReviewerAssignment, TeamInvitation
from tests.reviews.conftest import accepted, draft, new_project

TODAY = timezone.localdate


def ban(world, person, *, ends_in: int, starts_ago: int = 30):
    """A ban of `person` recorded by the institution's admin, its last day `ends_in` days from
    today (negative: already over)."""
    today = TODAY()
    return sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.PERSON,
        person=person,
        measure=Measure.BAN,
        grounds="伪造研究数据",
        decided_on=today - dt.timedelta(days=starts_ago),
        ban_starts_on=today - dt.timedelta(days=starts_ago),
        ban_ends_on=today + dt.timedelta(days=ends_in),
    )


# The boundary: the ban's last day relative to today, and whether today is refused.
BOUNDARY = [(-1, False), (0, True), (1, True)]
BOUNDARY_IDS = ["ended-yesterday", "ends-today", "ends-tomorrow"]


@dataclass
class Case:
    """One route that gives a person a role: who is banned, and the call on each channel."""

    banned: Callable[[Any], Any]
    prepare: Callable[[Any], Any]  # world -> state (before the ban)
    service: Callable[[Any, Any], Any]
    page: Callable[[Any, Any], tuple[Any, str, dict[str, Any]]]  # -> (user, url, data)
    api: Callable[[Any, Any], tuple[Any, str, dict[str, Any]]]
    done: Callable[[Any, Any], bool]  # did the role change happen


def _project_body(world):
    return {"title": "受制裁者的新项目", "committee": world.committee.pk}


def _invite_prepare(world):
    return new_project(world)


def _accept_prepare(world):
    project = new_project(world)
    services.team_invite(project_id=project.pk, user=world.colleague, actor=world.researcher)
    return TeamInvitation.objects.get(project=project, user=world.colleague)


def _submit_prepare(world):
    return draft(world)


def _assign_prepare(world):
    return accepted(world)


def _reviewers(world):
    return [m.pk for m in world.members[2:4]]


CASES: dict[str, Case] = {
    "lead": Case(
        banned=lambda w: w.researcher,
        prepare=lambda w: None,
        service=lambda w, s: services.project_create(
            actor=w.researcher, title="受制裁者的新项目", committee=w.committee
        ),
        page=lambda w, s: (w.researcher, reverse("reviews:project-create"), _project_body(w)),
        api=lambda w, s: (w.researcher, "/api/v1/projects/", _project_body(w)),
        done=lambda w, s: Project.objects.filter(title="受制裁者的新项目").exists(),
    ),
    "team-invite": Case(
        banned=lambda w: w.colleague,
        prepare=_invite_prepare,
        service=lambda w, p: services.team_invite(
            project_id=p.pk, user=w.colleague, actor=w.researcher
        ),
        page=lambda w, p: (
            w.researcher,
            reverse("reviews:project-action", args=[p.pk, "update"]),
            {"team": w.colleague.username},
        ),
        api=lambda w, p: (
            w.researcher,
            f"/api/v1/projects/{p.pk}/invitations/",
            {"user": w.colleague.pk},
        ),
        done=lambda w, p: TeamInvitation.objects.filter(project=p, user=w.colleague).exists(),
    ),
    "team-accept": Case(
        banned=lambda w: w.colleague,
        prepare=_accept_prepare,
        service=lambda w, i: services.invitation_accept(invitation_id=i.pk, actor=w.colleague),
        page=lambda w, i: (
            w.colleague,
            reverse("reviews:invitation-action", args=[i.pk, "accept"]),
            {},
        ),
        api=lambda w, i: (w.colleague, f"/api/v1/invitations/{i.pk}/accept/", {}),
        done=lambda w, i: i.project.team.filter(pk=w.colleague.pk).exists(),
    ),
    "submit-lead": Case(
        banned=lambda w: w.researcher,
        prepare=_submit_prepare,
        service=lambda w, a: services.application_submit(application_id=a.pk, actor=w.researcher),
        page=lambda w, a: (
            w.researcher,
            reverse("reviews:application-action", args=[a.pk, "submit"]),
            {},
        ),
        api=lambda w, a: (w.researcher, f"/api/v1/applications/{a.pk}/submit/", {}),
        done=lambda w, a: type(a).objects.get(pk=a.pk).submitted_at is not None,
    ),
    "submit-submitter": Case(
        # The lead is not banned; the team member who submits is.
        banned=lambda w: w.colleague,
        prepare=_submit_prepare,
        service=lambda w, a: services.application_submit(application_id=a.pk, actor=w.colleague),
        page=lambda w, a: (
            w.colleague,
            reverse("reviews:application-action", args=[a.pk, "submit"]),
            {},
        ),
        api=lambda w, a: (w.colleague, f"/api/v1/applications/{a.pk}/submit/", {}),
        done=lambda w, a: type(a).objects.get(pk=a.pk).submitted_at is not None,
    ),
    "reviewer": Case(
        banned=lambda w: w.members[2].user,
        prepare=_assign_prepare,
        service=lambda w, a: services.application_assign(
            application_id=a.pk, membership_ids=_reviewers(w), actor=w.chair
        ),
        page=lambda w, a: (
            w.chair,
            reverse("reviews:application-action", args=[a.pk, "assign"]),
            {"reviewers": _reviewers(w)},
        ),
        api=lambda w, a: (
            w.chair,
            f"/api/v1/applications/{a.pk}/assign/",
            {"reviewers": _reviewers(w)},
        ),
        done=lambda w, a: ReviewerAssignment.objects.filter(review__application=a).exists(),
    ),
}


@pytest.mark.parametrize(("ends_in", "refused"), BOUNDARY, ids=BOUNDARY_IDS)
@pytest.mark.parametrize("route", list(CASES))
def test_service_refuses_during_the_ban_r57(world, route, ends_in, refused):
    case = CASES[route]
    state = case.prepare(world)
    ban(world, case.banned(world), ends_in=ends_in)
    if refused:
        with pytest.raises(Conflict) as info:
            case.service(world, state)
        assert (info.value.code, info.value.rule) == ("sanctioned", "R57")
        problem = info.value.problems[0]
        assert problem["until"] == (TODAY() + dt.timedelta(days=ends_in)).isoformat()
        assert problem["person"] == str(case.banned(world).pk)
        assert not case.done(world, state)
    else:
        case.service(world, state)
        assert case.done(world, state)


@pytest.mark.parametrize(("ends_in", "refused"), BOUNDARY, ids=BOUNDARY_IDS)
@pytest.mark.parametrize("route", list(CASES))
def test_page_refuses_during_the_ban_r57(world, client, route, ends_in, refused):
    case = CASES[route]
    state = case.prepare(world)
    ban(world, case.banned(world), ends_in=ends_in)
    user, url, data = case.page(world, state)
    client.force_login(user)
    response = client.post(url, data)
    if refused:
        assert response.status_code == 409, response.content[:400]
        until = (TODAY() + dt.timedelta(days=ends_in)).isoformat()
        assert b"R57" in response.content
        assert until.encode() in response.content  # everyone who meets the ban sees why
        assert not case.done(world, state)
    else:
        assert response.status_code == 302, response.content[:400]
        assert case.done(world, state)


@pytest.mark.parametrize(("ends_in", "refused"), BOUNDARY, ids=BOUNDARY_IDS)
@pytest.mark.parametrize("route", list(CASES))
def test_api_refuses_during_the_ban_r57(world, api_client, route, ends_in, refused):
    case = CASES[route]
    state = case.prepare(world)
    ban(world, case.banned(world), ends_in=ends_in)
    user, url, data = case.api(world, state)
    api_client.force_authenticate(user)
    response = api_client.post(url, data, format="json")
    if refused:
        assert response.status_code == 409, response.content[:400]
        body = response.json()
        assert (body["code"], body["rule"]) == ("sanctioned", "R57")
        assert body["problems"][0]["until"] == (TODAY() + dt.timedelta(days=ends_in)).isoformat()
        assert not case.done(world, state)
    else:
        assert response.status_code in (200, 201), response.content[:400]
        assert case.done(world, state)


def test_a_ban_starting_tomorrow_does_not_refuse_today_r57(world):
    today = TODAY()
    sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.PERSON,
        person=world.researcher,
        measure=Measure.BAN,
        grounds="剽窃",
        decided_on=today,
        ban_starts_on=today + dt.timedelta(days=1),
        ban_ends_on=today + dt.timedelta(days=365),
    )
    assert hooks.eligibility_problems(world.researcher, "lead") == []
    assert hooks.eligibility_problems(world.researcher, "lead", today + dt.timedelta(days=1))


def test_measures_other_than_a_ban_do_not_refuse_r57(world):
    sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.PERSON,
        person=world.researcher,
        measure=Measure.CORRECT,
        grounds="知情同意书不完整",
        decided_on=TODAY(),
    )
    assert hooks.eligibility_problems(world.researcher, "submit") == []


def test_a_lifted_ban_no_longer_refuses_and_stays_on_record_r57(world):
    sanction = ban(world, world.researcher, ends_in=100)
    assert hooks.eligibility_problems(world.researcher, "lead")
    sanctions.sanction_lift(sanction_id=sanction.pk, actor=world.admin, reason="复议撤销")
    assert hooks.eligibility_problems(world.researcher, "lead") == []
    sanction.refresh_from_db()
    assert sanction.lifted_on == TODAY()
    assert sanction.lift_reason == "复议撤销"
    # Before the lifting, the history still says it was in force.
    assert sanction.bans_on(TODAY() - dt.timedelta(days=1))


def test_every_banned_reviewer_is_listed_r57(world):
    application = accepted(world)
    for membership in world.members[2:4]:
        ban(world, membership.user, ends_in=10)
    with pytest.raises(Conflict) as info:
        services.application_assign(
            application_id=application.pk, membership_ids=_reviewers(world), actor=world.chair
        )
    assert {p["person"] for p in info.value.problems} == {
        str(m.user_id) for m in world.members[2:4]
    }


def test_a_member_banned_after_joining_does_not_block_other_changes_r57(world, api_client):
    """The ban refuses newcomers; the lead naming the same team again is no new invitation."""
    project = new_project(world)
    project.team.add(world.colleague)
    ban(world, world.colleague, ends_in=30)
    api_client.force_authenticate(world.researcher)
    response = api_client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"title": "新标题", "team": [world.colleague.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    response = api_client.patch(
        f"/api/v1/projects/{project.pk}/",
        {"team": [world.colleague.pk, world.stranger.pk]},
        format="json",
    )
    assert response.status_code == 200  # the stranger is not banned
