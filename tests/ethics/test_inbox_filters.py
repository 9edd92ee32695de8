"""The inbox (page and `GET /api/v1/notifications/` share ethics.list_filters.NotificationFilter):
search the subject, filter by read state, reason (shown by its label) and date, sort, bad input
as a field error, nobody else's messages, few queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethics.action_labels import action_label, cause_label
from ethics.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/"


def _note(user, title, cause, *, days_ago=0, read=False):
    return Notification.objects.create(
        recipient=user,
        title=title,
        cause=cause,
        created_at=timezone.now() - dt.timedelta(days=days_ago),
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def notes(world):
    me = world.secretary
    return {
        "accepted": _note(me, "申请已受理：基因编辑研究", "application.accept (R26)", days_ago=10),
        "submitted": _note(me, "备案已提交", "filing.submit (R54)", days_ago=2, read=True),
        "assigned": _note(me, "您被指定为审查委员", "review.assign"),
        "theirs": _note(world.outsider, "申请已受理：基因编辑研究", "application.accept (R26)"),
    }


def _api_ids(api_client, **params):
    response = api_client.get(API, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _page(client, **params):
    response = client.get(reverse("ethics:inbox"), params)
    assert response.status_code == 200
    return [n.pk for n in response.context["page"]], response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["assigned", "submitted", "accepted"]),
        ({"q": "基因编辑"}, ["accepted"]),
        ({"state": "unread"}, ["assigned", "accepted"]),
        ({"state": "read"}, ["submitted"]),
        ({"reason": "application.accept"}, ["accepted"]),
        ({"reason": "filing.submit"}, ["submitted"]),
        ({"received_from": "__5_days_ago__"}, ["assigned", "submitted"]),
        ({"received_to": "__5_days_ago__"}, ["accepted"]),
        ({"o": "time"}, ["accepted", "submitted", "assigned"]),
    ],
)
def test_search_filters_and_ordering_on_page_and_api(
    client, api_client, world, notes, params, expected
):
    day = str(timezone.localdate() - dt.timedelta(days=5))
    params = {k: (day if v == "__5_days_ago__" else v) for k, v in params.items()}
    want = [notes[name].pk for name in expected]
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    assert _page(client, **params)[0] == want
    assert _api_ids(api_client, **params) == want


def test_reasons_are_offered_by_label_from_ones_own_messages(client, world, notes):
    _note(world.outsider, "会议通知", "meeting.notice")
    client.force_login(world.secretary)
    _ids, response = _page(client)
    field = response.context["filterset"].form.fields["reason"]
    offered = dict(field.choices)
    assert set(offered) - {""} == {"application.accept", "filing.submit", "review.assign"}
    assert offered["application.accept"] == action_label("application.accept")
    html = response.content.decode()
    assert f">{action_label('filing.submit')}</option>" in html
    assert ">filing.submit</option>" not in html
    assert "meeting.notice" not in html  # someone else's cause is no choice of mine


def test_the_api_shows_the_cause_by_label(api_client, world, notes):
    api_client.force_authenticate(world.secretary)
    rows = {row["id"]: row for row in api_client.get(API).json()["results"]}
    cause = rows[notes["submitted"].pk]["cause"]
    assert cause == cause_label("filing.submit (R54)")
    assert "filing.submit" not in cause
    assert "R54" in cause
    assert rows[notes["submitted"].pk]["read"] is True


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"state": "maybe"}, "state", "invalid_choice"),
        ({"reason": "meeting.notice"}, "reason", "invalid_choice"),  # not among my messages
        ({"received_from": "yesterday"}, "received_from", "invalid"),
        ({"o": "recipient"}, "o", "invalid_choice"),
        ({"q": "x" * 500}, "q", "max_length"),
    ],
)
def test_bad_input_is_a_field_error(client, api_client, world, notes, params, field, code):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(API, params)
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code
    client.force_login(world.secretary)
    ids, page = _page(client, **params)
    assert ids == []
    assert page.context["filterset"].form.errors[field]


def test_nobody_reads_anyone_elses_messages_through_any_filter(client, api_client, world, notes):
    api_client.force_authenticate(world.outsider)
    assert _api_ids(api_client, q="基因编辑") == [notes["theirs"].pk]
    assert _api_ids(api_client, state="read") == []
    client.force_login(world.stranger)
    assert _page(client, q="受理")[0] == []
    assert api_client.get(API, {"reason": "filing.submit"}).status_code == 400
    api_client.force_authenticate(None)
    assert api_client.get(API).status_code in {401, 403}


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_constant_with_filters(client, api_client):
    counts = []
    for size in (1, 8):
        user = UserFactory()
        for n in range(size):
            _note(user, f"消息{n}", "review.assign" if n % 2 else "application.accept (R26)")
        params = {"q": "消息", "state": "unread", "reason": "application.accept", "o": "-time"}
        client.force_login(user)
        api_client.force_authenticate(user)
        counts.append(
            (
                _queries(client, reverse("ethics:inbox"), params),
                _queries(api_client, API, params),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 10, counts
