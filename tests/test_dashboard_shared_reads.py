"""Dashboard panels that read less (issue 18) answer as before: the researcher's "needed from
me" list written with EXISTS instead of a DISTINCT join, its project count taken from the
list when the list holds them all, and the meetings panel's waiting count in one query over
the committees one runs instead of one per committee."""

from types import SimpleNamespace

import pytest
from django.db.models import Q

from ethics.models import User
from meetings import selectors as meeting_selectors
from reviews import hooks, selectors, workflow
from reviews.models import Application, Document
from reviews.policies import own_project_ids
from tests.factories import (
    ApplicationFactory,
    MembershipFactory,
    ProjectFactory,
    under_meeting_review,
)

pytestmark = pytest.mark.django_db


def _old_needs(user):
    """needs_from_applicant as it was written before: a join to the documents, DISTINCT."""
    return (
        Application.objects.filter(project_id__in=own_project_ids(user))
        .filter(
            Q(status__in=workflow.EDITABLE)
            | Q(documents__correction_requested=True, status__in=workflow.OPEN_STATUSES)
        )
        .select_related("project")
        .distinct()
        .order_by("-updated_at")
    )


def _applications(world):
    lead = world.researcher
    projects = [ProjectFactory(committee=world.committee, lead=lead) for _ in range(3)]
    team_project = ProjectFactory(committee=world.committee)
    team_project.team.add(lead)
    made = {
        "draft": ApplicationFactory(project=projects[0]),
        "returned": ApplicationFactory(project=projects[0], kind="amendment", status="returned"),
        "two corrections": ApplicationFactory(project=projects[1], status="under_review"),
        "no correction": ApplicationFactory(project=projects[2], status="submitted"),
        "decided, correction": ApplicationFactory(project=projects[2], status="decided"),
        "team's draft": ApplicationFactory(project=team_project),
        "someone else's": ApplicationFactory(status="returned"),
    }
    for key, slots in {
        "two corrections": ["plan", "consent"],
        "decided, correction": ["plan"],
        "no correction": [],
    }.items():
        for slot in slots:
            Document.objects.create(application=made[key], slot=slot, correction_requested=True)
    Document.objects.create(application=made["no correction"], slot="plan")
    return made


def test_needs_from_applicant_equals_the_distinct_join(world):
    made = _applications(world)
    for user in (world.researcher, world.colleague, world.secretary):
        new = list(selectors.needs_from_applicant(user).values_list("pk", flat=True))
        old = list(_old_needs(user).values_list("pk", flat=True))
        assert sorted(new) == sorted(old)
        assert len(new) == len(set(new))  # no duplicate for two corrections on one application
    mine = set(selectors.needs_from_applicant(world.researcher).values_list("pk", flat=True))
    assert mine == {made[k].pk for k in ("draft", "returned", "two corrections", "team's draft")}


@pytest.mark.parametrize(("extra", "projects"), [(0, 3), (6, 4), (7, 4)])
def test_researcher_panel_counts_the_projects_of_the_list(world, extra, projects):
    """Four applications wait for the researcher across three projects; ``extra`` drafts of a
    new project fill the panel (NEEDS_SHOWN = 10) from 7 on, when the count is a query."""
    assert selectors.NEEDS_SHOWN == 10
    _applications(world)
    if extra:
        project = ProjectFactory(committee=world.committee, lead=world.researcher)
        for _ in range(extra):
            ApplicationFactory(project=project)
    user = User.objects.get(pk=world.researcher.pk)
    panel = hooks.researcher_panel(SimpleNamespace(user=user))
    assert panel is not None
    assert len(panel.items) == min(4 + extra, 10)
    assert panel.counts["projects"] == selectors.projects_needing_applicant(user).count()
    assert panel.counts["projects"] == projects
    # The rows, newest first, as the queryset lists them, with the status's label.
    expected = selectors.needs_from_applicant(user)[:10]
    assert [(i.pk, i.ref, i.title, i.status) for i in panel.items] == [
        (a.pk, a.ref, a.project.title, a.get_status_display()) for a in expected
    ]


def test_waiting_count_is_the_sum_over_the_committees_one_runs(world):
    secretary = world.secretary
    second = MembershipFactory(secretary=True, user=secretary, **world.term).committee
    for committee, n in ((world.committee, 2), (second, 3), (world.other_committee, 1)):
        for _ in range(n):
            under_meeting_review(committee)
    user = User.objects.get(pk=secretary.pk)
    per_committee = sum(
        meeting_selectors.waiting_for_meeting(c.pk).count() for c in (world.committee, second)
    )
    assert meeting_selectors.waiting_count(user) == per_committee == 5
    assert meeting_selectors.waiting_count(User.objects.get(pk=world.researcher.pk)) == 0


def test_pending_declarations_counts_the_items_not_declared_on(world):
    """The member panel's count (meetings.selectors.pending_declarations, one prepared query):
    review items of meetings still ahead or open on which the member has not declared."""
    from meetings import services
    from meetings.models import Declaration
    from tests.meetings.conftest import application, schedule

    meeting = schedule(world)
    items = [
        services.agenda_add(
            meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
        )
        for _ in range(3)
    ]
    member, other = world.members[2], world.members[3]
    Declaration.objects.create(item=items[0], membership=member, conflicted=False)
    Declaration.objects.create(item=items[1], membership=other, conflicted=True)
    fresh = User.objects.get  # nothing memoised between the reads
    assert meeting_selectors.pending_declarations(fresh(pk=member.user_id)) == 2
    assert meeting_selectors.pending_declarations(fresh(pk=other.user_id)) == 2
    Declaration.objects.create(item=items[2], membership=member, conflicted=False)
    assert meeting_selectors.pending_declarations(fresh(pk=member.user_id)) == 1
    assert meeting_selectors.pending_declarations(fresh(pk=world.researcher.pk)) == 0
