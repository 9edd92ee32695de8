"""The pages and API of quality control (B1) and the expert pool (R40, B11): who sees them
(outsiders get 404), constant query counts, and the page flows."""

import datetime as dt

import pytest
from django.urls import reverse

from oversight.models_quality import EvaluationState, SelfEvaluation
from oversight.services import quality as services
from reviews.models import ReReview
from tests.oversight.quality_helpers import (
    answer_all,
    decided,
    open_evaluation,
    outside_experts,
    today,
)
from tests.reviews.conftest import listed_preliminary

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(world):
    """An evaluation with corrective actions, an audit of three reviews, a pool of experts."""
    evaluation = open_evaluation(world)
    answer_all(world, evaluation)
    for n in range(3):
        services.corrective_add(
            evaluation_id=evaluation.pk,
            description=f"整改{n}",
            owner=world.member,
            actor=world.secretary,
        )
    decided(world, today(), n=3)
    drawn = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=today(),
        period_end=today(),
        size=3,
        actor=world.secretary,
    )
    experts = outside_experts(world, 3)
    services.interest_add(
        expert_id=experts[0].pk,
        institution=world.institution,
        description="兼职",
        actor=world.secretary,
    )
    return {"evaluation": evaluation, "audit": drawn, "expert": experts[0]}


def _pages(records):
    return [
        reverse("oversight:quality-evaluation-list"),
        reverse("oversight:quality-evaluation-detail", args=[records["evaluation"].pk]),
        reverse("oversight:quality-audit-list"),
        reverse("oversight:quality-audit-detail", args=[records["audit"].pk]),
        reverse("oversight:pool-expert-list"),
        reverse("oversight:pool-expert-detail", args=[records["expert"].pk]),
    ]


def _api(records):
    return [
        "/api/v1/quality-evaluations/",
        f"/api/v1/quality-evaluations/{records['evaluation'].pk}/",
        "/api/v1/quality-audits/",
        f"/api/v1/quality-audits/{records['audit'].pk}/",
        "/api/v1/pool-experts/",
        f"/api/v1/pool-experts/{records['expert'].pk}/",
    ]


@pytest.mark.parametrize("role", ["secretary", "chair", "admin"])
def test_the_officers_and_the_admin_see_them_b1(world, client, records, role):
    client.force_login(getattr(world, role))
    for url in _pages(records):
        assert client.get(url).status_code == 200, url


def test_outsiders_get_404_b1(world, client, api_client, records):
    # The other committee's secretary: quality control of this committee is none of theirs.
    client.force_login(world.outsider)
    for url in _pages(records)[1:4:2]:
        assert client.get(url).status_code == 404, url
    api_client.force_authenticate(world.outsider)
    for url in _api(records)[1:4:2]:
        assert api_client.get(url).status_code == 404, url
    assert api_client.get("/api/v1/quality-evaluations/").json()["count"] == 0
    # A member, a researcher, a stranger: no quality control, no pool.
    for role in ("member", "researcher", "stranger"):
        client.force_login(getattr(world, role))
        for url in _pages(records):
            assert client.get(url).status_code == 404, (role, url)
        api_client.force_authenticate(getattr(world, role))
        for url in _api(records)[1::2]:
            assert api_client.get(url).status_code == 404, (role, url)


def test_query_counts_stay_constant(
    world, client, api_client, records, django_assert_max_num_queries
):
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    for n, url in enumerate(_pages(records)):
        with django_assert_max_num_queries(10 if n % 2 == 0 else 15):
            assert client.get(url).status_code == 200
    for n, url in enumerate(_api(records)):
        with django_assert_max_num_queries(10 if n % 2 == 0 else 15):
            assert api_client.get(url).status_code == 200


def test_the_panel_page_and_api_count_their_queries_r40(
    world, client, api_client, django_assert_max_num_queries
):
    rereview = ReReview.objects.get(application=listed_preliminary(world))
    services.panel_seat(
        rereview_id=rereview.pk, experts=outside_experts(world, 6), actor=world.secretary
    )
    client.force_login(world.secretary)
    with django_assert_max_num_queries(15):
        assert (
            client.get(reverse("oversight:rereview-panel", args=[rereview.pk])).status_code == 200
        )
    api_client.force_authenticate(world.secretary)
    with django_assert_max_num_queries(10):
        assert api_client.get("/api/v1/rereview-panels/").status_code == 200
    with django_assert_max_num_queries(15):
        assert api_client.get(f"/api/v1/rereview-panels/{rereview.pk}/").status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("oversight:rereview-panel", args=[rereview.pk])).status_code == 404


def test_a_self_evaluation_from_the_pages_b1(world, client):
    client.force_login(world.secretary)
    page = client.get(reverse("oversight:quality-evaluation-list"))
    assert 'id="evaluation-open-form"' in page.content.decode()
    response = client.post(
        reverse("oversight:quality-evaluations-action", args=["open"]),
        {
            "committee": world.committee.pk,
            "period_start": f"{today().replace(month=1, day=1):%Y-%m-%d}",
            "period_end": f"{today():%Y-%m-%d}",
        },
    )
    evaluation = SelfEvaluation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("oversight:quality-evaluation-detail", args=[evaluation.pk])
    close = reverse("oversight:quality-evaluation-action", args=[evaluation.pk, "close"])
    refused = client.post(close, {"summary": "总结"})
    assert refused.status_code == 409
    assert "B1" in refused.content.decode()
    item = evaluation.items.first()
    answered = client.post(
        reverse("oversight:quality-evaluation-action", args=[evaluation.pk, "answer"]),
        {"item": item.pk, "finding": "conforms", "evidence": "会议记录齐全"},
    )
    assert answered.status_code == 302
    item.refresh_from_db()
    assert item.finding == "conforms"
    answer_all(world, evaluation)
    asked = client.post(close, {"summary": "总结"})  # irreversible: the page asks first
    assert asked.status_code == 200
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.OPEN
    assert client.post(close, {"summary": "总结", "confirm": "1"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.state == EvaluationState.CLOSED


def test_the_dashboard_lists_open_corrective_actions_b1(world, client):
    evaluation = open_evaluation(world)
    services.corrective_add(
        evaluation_id=evaluation.pk, description="修订标准操作规程", actor=world.secretary
    )
    client.force_login(world.secretary)
    assert (
        reverse("oversight:dashboard-panels")
        in client.get(reverse("ethics:dashboard")).content.decode()
    )
    body = client.get(reverse("oversight:dashboard-panels")).content.decode()
    assert 'id="quality-open-actions"' in body
    assert "修订标准操作规程" in body
    client.force_login(world.researcher)
    assert client.get(reverse("oversight:dashboard-panels")).status_code == 404


def _opened_on(evaluation, day):
    from datetime import datetime, time

    from ethics.deadlines import SHANGHAI

    SelfEvaluation.objects.filter(pk=evaluation.pk).update(
        opened_at=datetime.combine(day, time(10), tzinfo=SHANGHAI)
    )


def test_a_self_evaluation_is_due_twelve_months_after_the_last_b1(world):
    from ethics.deadlines import add_months
    from oversight.quality_selectors import evaluations_due

    assert [d.committee for d in evaluations_due(world.secretary, today())] == [world.committee]
    evaluation = open_evaluation(world)
    assert evaluations_due(world.secretary, today()) == []
    months = world.committee.effective_rules().self_evaluation_months
    assert (months.value, months.rule, months.unverified) == (12, "B1", True)
    _opened_on(evaluation, add_months(today(), -12))  # twelve months ago today: due
    assert [d.committee for d in evaluations_due(world.secretary, today())] == [world.committee]
    _opened_on(evaluation, add_months(today(), -12) + dt.timedelta(days=1))  # a day later: not yet
    assert evaluations_due(world.secretary, today()) == []
    assert evaluations_due(world.researcher, today()) == []
