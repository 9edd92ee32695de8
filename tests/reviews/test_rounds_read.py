"""Issue 18: the application page reads its review rounds and their assignments (with reviewer
and opinion) as two queries compiled once (``reviews.selectors.reviews_with_assignments``), in
place of a prefetch. Each round must list what the prefetch listed, in the same order, with the
same reviewer, conflict state and opinion, and the page must read nothing more for them."""

from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from reviews import selectors
from reviews.models import Review, ReviewerAssignment
from tests.reviews.conftest import assigned, declare_and_opine


def _prefetched(application):
    return list(
        Review.objects.filter(application=application)
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ReviewerAssignment.objects.select_related(
                    "membership__user", "opinion"
                ).order_by("id"),
            )
        )
        .order_by("round")
    )


def _shown(rounds, assignments_of):
    lines = []
    for review in rounds:
        for a in assignments_of(review):
            opinion = getattr(a, "opinion", None)
            lines.append(
                (
                    review.round,
                    review.state,
                    a.pk,
                    a.membership.user.display_name,
                    a.coi_state,
                    opinion.verdict if opinion else None,
                    opinion.comments if opinion else None,
                    a.review is review,
                )
            )
    return lines


def test_rounds_list_what_the_prefetch_listed(world):
    application, assignments = assigned(world)
    declare_and_opine(assignments[0], "approve", comments="<同意> & 'ok'")
    # a second application's round must not show here
    assigned(world)

    expected = _shown(_prefetched(application), lambda r: r.assignments.all())
    # The first call of a shape goes through the ORM while its plan is made; the second runs
    # the stored SQL (PostgreSQL) and builds the instances itself, checked against the ORM's.
    first = _shown(selectors.reviews_with_assignments(application), lambda r: r.assignment_list)
    assert first == expected
    with CaptureQueriesContext(connection) as queries:
        rounds = selectors.reviews_with_assignments(application)
        shown = _shown(rounds, lambda r: r.assignment_list)
    assert shown == expected
    assert len(shown) == len(assignments) == 2
    assert shown[0][5] == "approve"
    assert shown[1][5] is None  # no opinion yet
    assert len(queries.captured_queries) == 2  # the rounds, the assignments: nothing per row


def test_an_application_without_rounds_reads_none(world):
    from tests.reviews.conftest import submitted

    application = submitted(world)
    assert selectors.reviews_with_assignments(application) == []
