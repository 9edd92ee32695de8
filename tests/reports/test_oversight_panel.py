"""The dashboards' oversight panel (issues 16, 17): complaints (R55), investigations (R56),
incidents and risks (B3, B4) of the selected committees, counted by the period's bounds, in one
query, and on every dashboard without passing the 15-query budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from oversight.models_incidents import RiskEntry
from oversight.services import complaints as complaint_services
from oversight.services import incidents as incident_services
from reports.oversight_panel import counts, oversight_panel
from tests.oversight import incidents_world as data

pytestmark = pytest.mark.django_db


def _complaint(world, received_at=None):
    complaint, _code = complaint_services.complaint_submit(
        institution=world.institution,
        committee=world.committee,
        subject_kind="person",
        summary="未经同意使用数据",
        description="举报内容",
        anonymous=True,
        reporter_kind="participant",
    )
    if received_at is not None:
        type(complaint).objects.filter(pk=complaint.pk).update(received_at=received_at)
    return complaint


def _incident(world, severity):
    return incident_services.incident_report(
        project_id=data.project(world).pk,
        kind="ai_safety",
        severity=severity,
        title="模型输出有害内容",
        description="红队测试发现越狱",
        aware_at=timezone.now() - dt.timedelta(hours=2),
        actor=world.researcher,
    )


def test_counts_follow_the_period_bounds_and_the_open_state_r55(world, django_assert_num_queries):
    start = timezone.now() - dt.timedelta(days=30)
    end = timezone.now() + dt.timedelta(minutes=1)
    _complaint(world)  # in the period, open
    _complaint(world, received_at=start)  # at the first moment: counted
    _complaint(world, received_at=start - dt.timedelta(microseconds=1))  # before: not counted
    _incident(world, "serious")
    _incident(world, "minor")
    risk = incident_services.risk_register(
        project_id=data.project(world, listed=True).pk,
        title="自主决策失控",
        level="high",
        owner=world.colleague,
        next_review_on=timezone.localdate() + dt.timedelta(days=10),
        actor=world.secretary,
    )
    RiskEntry.objects.filter(pk=risk.pk).update(
        next_review_on=timezone.localdate() - dt.timedelta(days=1)
    )
    with django_assert_num_queries(1):
        found = counts([world.committee.pk], start, end)
    assert found["complaints"] == (2, 3, 0)
    assert found["investigations"] == (0, 0, 0)
    assert found["incidents"] == (2, 2, 1)  # one serious
    assert found["risks"] == (1, 1, 1)  # its review is overdue
    # Another committee's dashboard counts none of it.
    assert counts([world.other_committee.pk], start, end)["complaints"] == (0, 0, 0)
    assert counts([], start, end)["incidents"] == (0, 0, 0)


def test_the_panel_speaks_words_and_names_nobody(world):
    _complaint(world)
    start = timezone.now() - dt.timedelta(days=1)
    panel = oversight_panel([world.committee.pk], start, timezone.now(), False)
    rows = {row["what"]: row for row in panel.table.rows}
    assert list(rows) == ["投诉举报", "违规调查", "伦理事件", "风险登记"]
    assert rows["投诉举报"]["in_period"] == 1
    text = " ".join(str(v) for row in panel.table.rows for v in row.values())
    assert "未经同意使用数据" not in text


def test_every_dashboard_shows_the_panel_within_15_queries(
    client, world, django_assert_max_num_queries
):
    _complaint(world)
    client.force_login(world.chair)
    url = f"/reports/committees/{world.committee.pk}/"
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.status_code == 200
    assert "投诉举报、调查、伦理事件与风险" in response.content.decode()
