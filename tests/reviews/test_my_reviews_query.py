"""Issue 18: "my reviews" filters a member's assignments on their membership ids, read first
(committees.policies.membership_ids), instead of joining the memberships on their user, so
PostgreSQL reads the newest ones in order from ``assignment_member_recent_idx``. The rows, their
order, the filters and the totals are those of the join: every appointment of the member counts,
ended ones and those not yet in term included."""

import datetime as dt
from itertools import product

import pytest
from django.test import RequestFactory
from django.utils import timezone

from committees.models import Membership
from ethics.models import User
from reviews import selectors
from reviews.filters import AssignmentFilterSet
from reviews.models import Review, ReviewerAssignment, ReviewState
from reviews.rows import REVIEW_VALUES
from tests.factories import CommitteeFactory, MembershipFactory
from tests.reviews.conftest import assigned, declare_and_opine

pytestmark = pytest.mark.django_db

QUERIES = [
    {},
    {"state": "open"},
    {"state": "decided"},
    {"opinion": "true"},
    {"opinion": "false"},
    {"overdue": "true"},
    {"overdue": "false"},
    {"procedure": "simplified"},
    {"kind": "initial"},
    {"o": "-due"},
    {"o": "ref"},
    {"o": "assigned"},
    {"o": "-assigned"},
    {"q": "研究", "o": "-due"},
]


def _joined(user: User):
    """The selector as it was before issue 18's change: joined on the membership's user."""
    return (
        ReviewerAssignment.objects.filter(membership__user_id=user.pk)
        .select_related("review__application__project", "opinion")
        .order_by("-assigned_at", "-id")
    )


@pytest.fixture
def members(world):
    """Three review rounds; the reviewer holds four appointments on three committees (in term,
    ended, another committee's, not yet in term) and another member two (one ended), each with
    assignments; the assignment times tie so the id decides the order."""
    reviewer, other = world.members[2].user, world.members[3].user
    past = {"term_start": dt.date(2020, 1, 6), "term_end": dt.date(2025, 1, 5)}
    ended = MembershipFactory(
        committee=world.committee, user=reviewer, ended_on=dt.date(2024, 6, 30), **past
    )
    elsewhere = MembershipFactory(committee=world.other_committee, user=reviewer)
    later = MembershipFactory(
        committee=CommitteeFactory(name="第三委员会"),
        user=reviewer,
        term_start=dt.date(2030, 1, 7),
        term_end=dt.date(2031, 1, 6),
    )
    other_ended = MembershipFactory(
        committee=world.other_committee, user=other, ended_on=dt.date(2024, 6, 30), **past
    )
    rounds = [assigned(world)[1] for _ in range(3)]
    declare_and_opine(rounds[0][0], "approve")
    for assignments in rounds:
        review = assignments[0].review
        for membership in (ended, elsewhere, later, other_ended):
            ReviewerAssignment.objects.create(review=review, membership=membership)
    Review.objects.filter(pk=rounds[1][0].review_id).update(state=ReviewState.DECIDED)
    Review.objects.filter(pk=rounds[2][0].review_id).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    ids = list(ReviewerAssignment.objects.order_by("id").values_list("id", flat=True))
    start = timezone.now() - dt.timedelta(days=30)
    for n, pk in enumerate(ids):  # two assignments per instant, some across rounds
        ReviewerAssignment.objects.filter(pk=pk).update(assigned_at=start + dt.timedelta(n // 2))
    return reviewer, other


def test_the_world_has_what_the_comparison_needs(members):
    reviewer, _other = members
    held = Membership.objects.filter(user=reviewer)
    assert held.count() == 4
    assert held.exclude(ended_on=None).exists()
    assert held.values("committee").distinct().count() == 3
    mine = _joined(reviewer)
    assert mine.filter(membership__ended_on__isnull=False).count() == 3  # ended ones are listed
    assert mine.count() == 12


@pytest.mark.parametrize(("who", "query"), list(product([0, 1], QUERIES)))
def test_my_reviews_rows_are_those_of_the_join(members, who, query):
    """Same rows in the same order, same total and same pages, for every filter and sort."""
    user = User.objects.get(pk=members[who].pk)  # a fresh user: nothing memoised
    request = RequestFactory().get("/reviews/my-reviews/", query)
    request.user = user

    def listed(queryset):
        rows = AssignmentFilterSet(query or None, queryset=queryset, request=request).qs
        return list(rows.values_list(*REVIEW_VALUES)), rows.count(), list(rows[2:5])

    old = listed(_joined(user).select_related(None))
    new = listed(selectors.assignments_for_user(user).select_related(None))
    assert new == old
    if not query:
        assert old[1] == (12 if who == 0 else 6)


def test_membership_ids_are_every_appointment_read_once(members, django_assert_num_queries):
    from committees.policies import membership_ids

    user = User.objects.get(pk=members[0].pk)
    with django_assert_num_queries(1):
        ids = membership_ids(user)
        assert membership_ids(user) is ids
    assert sorted(ids) == sorted(Membership.objects.filter(user=user).values_list("pk", flat=True))


@pytest.mark.parametrize("who", [0, 1])
def test_the_reviewer_panel_lists_the_open_ones_of_the_join(members, who):
    """The dashboard's reviewer panel (reviews.hooks.reviewer_panel, one prepared query): the
    open reviews among the join's rows, in its order, with their application and clock."""
    from types import SimpleNamespace

    from reviews import hooks

    user = User.objects.get(pk=members[who].pk)
    panel = hooks.reviewer_panel(SimpleNamespace(user=user))
    expected = [a for a in _joined(user) if a.review.state == ReviewState.OPEN]
    assert expected  # the world gives both an open review
    assert panel is not None
    assert panel.counts == {"open": len(expected)}
    assert [(i.pk, i.ref, i.title, i.due_at) for i in panel.items] == [
        (a.pk, a.review.application.ref, a.review.application.project.title, a.review.due_at)
        for a in expected
    ]
