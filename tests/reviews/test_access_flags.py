"""The application page's access read (issue 18) gives the same answers as the querysets.

(Visibility, materials and the tally: `may_see_tally` answers from the flags too.)

`reviews.policies.get_with_access` reads one application with four flags about its reader
(two EXISTS columns, then its own assignments on it) and decides in Python whether the reader sees it and may open its materials, instead of
filtering the row through `visible_application_ids` and asking
`materials_visible_application_ids`. Both forms state the same rules; this checks them against
each other for every reader and every application of the access matrix's world, with the cases
that world does not have added: a draft, another committee's application of the institution, a
reviewer whose membership ended (with and without a no-conflict declaration), a reviewer who has
not declared yet, and a deactivated account.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from committees.models import Membership
from ethics import policies as ethics_policies
from ethics.models import User
from reviews import policies, selectors
from reviews.models import Application, CoiState, ReviewerAssignment
from tests import access_world
from tests.factories import ApplicationFactory, CommitteeFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _world():
    w = access_world.build()
    review = next(iter(w.assignments.values())).review
    # A reviewer whose appointment ended: still assigned on paper, no longer sees the
    # application (assigned_application_ids), but a no-conflict declaration keeps the materials.
    for username, coi in (("former_clear", CoiState.NONE), ("former_pending", CoiState.PENDING)):
        membership = MembershipFactory(
            committee=w.committee,
            user=UserFactory(username=username, institution=w.institution),
            role="member",
        )
        ReviewerAssignment.objects.create(review=review, membership=membership, coi_state=coi)
        Membership.objects.filter(pk=membership.pk).update(
            ended_on=timezone.localdate() - dt.timedelta(days=1)
        )
    # A current reviewer who has not declared yet: sees the application, not its materials.
    pending = MembershipFactory(
        committee=w.committee,
        user=UserFactory(username="pending_reviewer", institution=w.institution),
        role="member",
    )
    ReviewerAssignment.objects.create(review=review, membership=pending, coi_state=CoiState.PENDING)
    # The lead's draft (only the applicants see it) and another committee's submitted
    # application of the same institution (its admin sees it, this committee's officers do not).
    ApplicationFactory(project=w.project, kind="amendment")
    other = ApplicationFactory(
        project__lead=w.outsider,
        project__committee=CommitteeFactory(institution=w.institution),
    )
    Application.objects.filter(pk=other.pk).update(submitted_at=timezone.now())
    User.objects.filter(username="law").update(is_active=False)
    return w


def _by_querysets(user: User, application: Application) -> tuple[bool, bool]:
    sees = (
        ethics_policies.visible(user, Application.objects.filter(pk=application.pk))
        .filter(pk=application.pk)
        .exists()
    )
    if not user.is_active:
        return sees, False
    ids = policies.materials_visible_application_ids(user, among=[application.pk])
    opens = Application.objects.filter(pk=application.pk, pk__in=ids).exists()
    return sees, opens


def _by_flags(user: User, application: Application) -> tuple[bool, bool]:
    loaded = (
        Application.objects.select_related("project")
        .annotate(**policies.access_flags(user))
        .get(pk=application.pk)
    )
    policies.add_assignment_flags(user, loaded)
    return policies._sees_from_flags(user, loaded), policies.may_open_materials(user, loaded)


def test_flags_answer_as_the_querysets_for_every_reader_and_application():
    _world()
    users = list(User.objects.order_by("pk"))
    applications = list(Application.objects.order_by("pk"))
    assert len(users) >= 18
    assert len(applications) >= 3
    answers = set()
    for user in users:
        user = User.objects.get(pk=user.pk)  # a fresh object: no memo of another reader
        for application in applications:
            expected = _by_querysets(user, application)
            assert _by_flags(user, application) == expected, (user.username, application.pk)
            answers.add(expected)
            # The page's read: 404 exactly where the reader may not see it.
            if expected[0]:
                page = selectors.application_page_for_user(user, application.pk)
                assert policies.may_open_materials(user, page) is expected[1]
                assert policies.may_see_tally(user, page) is policies.may_see_tally(
                    user, Application.objects.get(pk=application.pk)
                ), (user.username, application.pk)
                assert policies.ApplicationPolicy().may(user, "view", page)
            else:
                with pytest.raises(Http404):
                    selectors.application_page_for_user(user, application.pk)
    # The world reaches every combination but "opens without seeing" ...
    assert {(True, True), (True, False), (False, False)} <= answers
    # ... which only a grant gives (the meeting's consultant), and the page stays 404 for it.


def test_a_conflict_closes_the_materials_to_a_clear_reviewer_and_an_officer():
    w = _world()
    for user in (w.coi_assignment.user, w.coi_standing.user, w.vice_chair.user):
        user = User.objects.get(pk=user.pk)
        page = selectors.application_page_for_user(user, w.application.pk)
        assert policies.may_open_materials(user, page) is False
    secretary = User.objects.get(pk=w.secretary.pk)
    page = selectors.application_page_for_user(secretary, w.application.pk)
    assert policies.may_open_materials(secretary, page) is True


def test_flags_of_another_reader_are_not_used():
    """An application loaded for one reader answers another reader through the querysets."""
    w = _world()
    secretary = User.objects.get(pk=w.secretary.pk)
    page = selectors.application_page_for_user(secretary, w.application.pk)
    outsider = User.objects.get(pk=w.outsider.pk)
    assert policies.may_open_materials(outsider, page) is False
    assert not policies.ApplicationPolicy().may(outsider, "view", page)


def test_missing_application_is_404():
    w = _world()
    with pytest.raises(Http404):
        selectors.application_page_for_user(w.superuser, 10**9)
