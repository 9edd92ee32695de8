"""The annual report's figures against a known dataset (R52), and the pure arithmetic."""

import datetime as dt
from decimal import Decimal

import pytest

from committees.models import Training
from ethics import services as kernel
from ethics.deadlines import SHANGHAI
from ethics.models import Deadline
from reports import figures
from reviews.models import Appeal, Application, Decision, Review
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)


def at(y, m, d, h=10):
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def test_median_and_max_days():
    assert figures.median_days([3, 10, 4]) == 4.0
    assert figures.median_days([3, 10, 4, 20]) == 7.0
    assert figures.median_days([]) is None
    assert figures.max_days([3, 10, 4]) == 10
    assert figures.max_days([]) is None


def test_days_count_shanghai_dates():
    # 23:30 Shanghai on 1 March to 00:30 on 2 March is one day, not zero.
    pairs = [(at(2026, 3, 1, 23) + dt.timedelta(minutes=30), at(2026, 3, 2, 0))]
    assert figures.days_taken(pairs) == [1]


_seq = iter(range(1, 10_000))


def _case(
    committee,
    kind,
    submitted,
    accepted=None,
    procedure="simplified",
    decided=None,
    outcome=None,
    project=None,
):
    project = project or ProjectFactory(committee=committee, institution=committee.institution)
    application = Application.objects.create(
        project=project, committee=committee, kind=kind, status="submitted", submitted_at=submitted
    )
    if accepted is None:
        return application
    review = Review.objects.create(
        application=application,
        procedure=procedure,
        accepted_at=accepted,
        due_at=accepted + dt.timedelta(days=30),
    )
    if decided is not None:
        n = next(_seq)
        Decision.objects.create(
            application=application, review=review, committee=committee, outcome=outcome,
            decided_at=decided, year=decided.year, sequence=n, number=f"No.{n}",
            signature_name="主任", signature_meaning="签发", signed_at=decided,
        )  # fmt: skip
    return application


@pytest.fixture
def dataset(db):
    c = CommitteeFactory()
    # In 2026: 4 initial, 1 tracking, 1 appeal received; one submitted in 2025 decided in 2026.
    _case(
        c, "initial", at(2026, 1, 10), at(2026, 1, 12), "simplified", at(2026, 1, 22), "approve"
    )  # 10 days
    _case(
        c,
        "initial",
        at(2026, 3, 1),
        at(2026, 3, 2),
        "meeting",
        at(2026, 3, 30),
        "approve_with_modifications",
    )  # 28
    _case(
        c, "initial", at(2026, 5, 1), at(2026, 5, 3), "emergency", at(2026, 5, 5), "disapprove"
    )  # 2
    _case(c, "initial", at(2026, 12, 20), at(2026, 12, 28), "meeting")  # accepted, undecided
    _case(
        c, "tracking", at(2026, 6, 1), at(2026, 6, 2), "simplified", at(2026, 6, 6), "suspend"
    )  # 4
    appeal = _case(
        c, "appeal", at(2026, 7, 1), at(2026, 7, 2), "meeting", at(2026, 7, 20), "approve"
    )  # 18
    # R27: the appeal against the emergency disapproval, upheld in July.
    Appeal.objects.create(
        original_decision=Decision.objects.get(committee=c, outcome="disapprove"),
        application=appeal,
        grounds="补充了风险控制措施",
        state="upheld",
        filed_by=UserFactory(),
        filed_at=at(2026, 7, 1),
        resolved_at=at(2026, 7, 20),
        new_decision=appeal.decisions.get(),
    )
    # Meetings: two closed in 2026 (one by video), one only scheduled, one closed in 2025.
    MeetingFactory(committee=c, starts_at=at(2026, 3, 30), status="closed")
    MeetingFactory(committee=c, starts_at=at(2026, 7, 20), status="closed", mode="video")
    MeetingFactory(committee=c, starts_at=at(2026, 12, 30), status="scheduled")
    MeetingFactory(committee=c, starts_at=at(2025, 12, 30), status="closed")
    # Tracking reviews (R28) due in 2026: one met in time, one met late, one still overdue;
    # one due in 2027 does not count.
    for due, met, state in [
        (at(2026, 4, 1), at(2026, 3, 20), "met"),
        (at(2026, 5, 1), at(2026, 5, 9), "met"),
        (at(2026, 6, 1), None, "overdue"),
        (at(2027, 2, 1), None, "open"),
    ]:
        deadline = kernel.deadline_open(
            kind="tracking_review", subject=ProjectFactory(committee=c), due_at=due,
            title="跟踪审查", committee_id=c.pk,
        )  # fmt: skip
        Deadline.objects.filter(pk=deadline.pk).update(state=state, met_at=met)
    _case(
        c, "initial", at(2025, 12, 20), at(2025, 12, 30), "meeting", at(2026, 1, 9), "terminate"
    )  # 10
    # Outside the year or another committee: not counted.
    _case(c, "initial", at(2027, 1, 2), at(2027, 1, 3), "meeting", at(2027, 1, 4), "approve")
    _case(
        CommitteeFactory(),
        "initial",
        at(2026, 2, 1),
        at(2026, 2, 2),
        "meeting",
        at(2026, 2, 3),
        "approve",
    )
    # R37: listed by the committee's determination (the declaration alone would not count).
    listed = ProjectFactory(
        committee=c,
        institution=c.institution,
        listed_item=4,
        listing="listed",
        listing_item=4,
        title="脑机接口临床研究",
    )
    listed.created_at = at(2026, 2, 1)
    listed.save()
    _case(
        c,
        "initial",
        at(2026, 2, 2),
        at(2026, 2, 3),
        "meeting",
        at(2026, 2, 27),
        "approve",
        project=listed,
    )  # 24
    start, end = dt.date(2026, 1, 5), dt.date(2030, 1, 4)
    m1 = MembershipFactory(committee=c, term_start=start, term_end=end)
    m2 = MembershipFactory(
        committee=c, term_start=dt.date(2025, 1, 1), term_end=end, ended_on=dt.date(2026, 8, 1)
    )
    MembershipFactory(committee=c, term_start=dt.date(2025, 1, 1), term_end=end)
    Training.objects.create(
        membership=m1, title="培训", completed_on=dt.date(2026, 4, 1), hours=Decimal("8")
    )
    Training.objects.create(
        membership=m1, title="培训2", completed_on=dt.date(2026, 9, 1), hours=Decimal("4.5")
    )
    Training.objects.create(
        membership=m2, title="培训", completed_on=dt.date(2026, 4, 1), hours=Decimal("8")
    )
    Training.objects.create(
        membership=m2, title="旧", completed_on=dt.date(2025, 4, 1), hours=Decimal("8")
    )
    return c


def test_annual_figures_match_the_known_dataset(dataset, django_assert_max_num_queries):
    # 16 for the review figures and at most 20 for the oversight parts' (issue 16): a constant,
    # whatever the committee's volume.
    with django_assert_max_num_queries(36):
        result = figures.annual_figures(dataset, 2026)
    assert result.get("applications_by_kind") == {"initial": 5, "tracking": 1, "appeal": 1}
    assert result.get("reviews_by_procedure") == {"simplified": 2, "meeting": 4, "emergency": 1}
    assert result.get("reviews_by_kind_and_procedure")["initial"] == {
        "emergency": 1, "meeting": 3, "simplified": 1,
    }  # fmt: skip
    assert result.get("decisions_by_outcome") == {
        "approve": 3, "approve_with_modifications": 1, "disapprove": 1, "suspend": 1, "terminate": 1,
    }  # fmt: skip
    assert result.get("decisions_total") == 7
    # days: 10, 28, 2, 4, 18, 10, 24 -> median 10, max 28
    assert result.get("median_days_to_decision") == 10.0
    assert result.get("max_days_to_decision") == 28
    assert result.get("tracking_reviews_done") == 1
    assert result.get("suspensions") == 1
    assert result.get("terminations") == 1
    assert result.get("appeals") == {"received": 1, "resolved": {"upheld": 1}}
    assert result.get("meetings_held") == {"total": 2, "in_person": 1, "video": 1}
    assert result.get("tracking_reviews_overdue") == 2
    assert result.get("member_changes") == {"appointed": 1, "ended": 1}
    assert result.get("training") == {"records": 3, "members": 2, "hours": 20.5}
    [row] = result.listed_activities
    assert row["title"] == "脑机接口临床研究"
    assert row["listed_item"] == 4
    assert row["last_outcome"] == "approve"


def test_every_figure_has_a_source_now_and_a_missing_one_would_say_so(dataset):
    result = figures.annual_figures(dataset, 2026)
    # Issue 16: complaints (R55), investigations, sanctions, incidents, quality control and
    # researchers' training come from the oversight records: nothing is "not recorded" now.
    assert result.not_recorded == []
    data = result.as_json()
    assert data["figures"]["complaints"]["complaints_received"] == 0
    assert data["not_recorded"] == []
    # The marker still reads as missing, never as a zero, should a figure lose its source.
    missing = figures.Figure("x", "x", figures.NOT_RECORDED)
    assert not missing.recorded
    assert missing.as_json() is None
