"""The audit log (page /audit/ and `GET /api/v1/audit/` share ethics.list_filters.
AuditEventFilter): staff read every event, institution admins their own people's, anyone else
404; search by actor name and object, filters by action (label), actor, object type and date,
sorting, bad input as a field error, few queries."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethics import audit
from ethics.action_labels import action_label
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/audit/"
PAGE = reverse("ethics:audit-log")


def _record(actor, action, target):
    with transaction.atomic():
        return audit.record(actor=actor, action=action, target=target, reason="测试")


@pytest.fixture
def staff():
    return UserFactory(name="平台管理员", is_staff=True)


@pytest.fixture
def events(world, time_machine):
    # The chain is append-only: an older event is written at an earlier (travelled-to) time.
    time_machine.move_to(timezone.now() - dt.timedelta(days=10))
    old = _record(world.secretary, "committee.update", world.committee)
    time_machine.move_to(timezone.now() + dt.timedelta(days=10))
    return {
        "old": old,
        "project": _record(world.researcher, "project.create", world.researcher),
        "elsewhere": _record(world.outsider, "membership.add", world.other_committee),
    }


def _mine(ids, events):
    """Only the fixture's events (building the world audits too)."""
    ours = {e.pk for e in events.values()}
    return [i for i in ids if i in ours]


def _api_ids(api_client, **params):
    response = api_client.get(API, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _page_ids(client, **params):
    response = client.get(PAGE, params)
    assert response.status_code == 200
    return [e.pk for e in response.context["page"]], response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["elsewhere", "project", "old"]),
        ({"q": "王秘书"}, ["old"]),  # the actor's name
        ({"q": "康华科技伦理委员会"}, ["old"]),  # the object's description
        ({"actor": "李研究"}, ["project"]),
        ({"action": "membership.add"}, ["elsewhere"]),
        ({"target_type": "committees.committee"}, ["elsewhere", "old"]),
        ({"since": "__5_days_ago__"}, ["elsewhere", "project"]),
        ({"until": "__5_days_ago__"}, ["old"]),
        ({"o": "time"}, ["old", "project", "elsewhere"]),
    ],
)
def test_staff_search_filter_and_sort_on_page_and_api(
    client, api_client, staff, events, params, expected
):
    day = str(timezone.localdate() - dt.timedelta(days=5))
    params = {k: (day if v == "__5_days_ago__" else v) for k, v in params.items()}
    want = [events[name].pk for name in expected]
    client.force_login(staff)
    api_client.force_authenticate(staff)
    assert _mine(_page_ids(client, **params)[0], events) == want
    assert _mine(_api_ids(api_client, **params), events) == want


def test_people_and_actions_are_shown_by_name_and_label(client, api_client, staff, events):
    client.force_login(staff)
    html = client.get(PAGE, {"q": "王秘书"}).content.decode()
    assert "王秘书" in html
    assert action_label("committee.update") in html
    assert ">committee.update<" not in html
    api_client.force_authenticate(staff)
    row = api_client.get(API, {"q": "王秘书"}).json()["results"][0]
    assert row["actor"]["name"] == "王秘书"
    assert row["action"] == "committee.update"
    assert row["action_label"] == action_label("committee.update")
    assert row["target"]["type"] == "committees.committee"


def test_an_institution_admin_reads_only_their_peoples_events(client, api_client, world, events):
    api_client.force_authenticate(world.admin)
    assert _mine(_api_ids(api_client), events) == [events["project"].pk, events["old"].pk]
    assert _api_ids(api_client, q=world.outsider.name) == []
    assert _api_ids(api_client, target_type="committees.committee", q="伦理") == [events["old"].pk]
    # An action only other institutions' people took is no choice here: same as a missing one.
    response = api_client.get(API, {"action": "membership.add"})
    assert response.status_code == 400
    client.force_login(world.admin)
    assert _mine(_page_ids(client, actor=world.outsider.name)[0], events) == []


@pytest.mark.parametrize("who", ["secretary", "chair", "member", "researcher", "outsider"])
def test_anyone_else_gets_404(client, api_client, world, events, who):
    user = getattr(world, who)
    client.force_login(user)
    assert client.get(PAGE).status_code == 404
    api_client.force_authenticate(user)
    assert api_client.get(API).status_code == 404
    assert api_client.get(API, {"q": "王秘书"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"action": "nope.never"}, "action", "invalid_choice"),
        ({"target_type": "auth.permission"}, "target_type", "invalid_choice"),
        ({"since": "2026-99-01"}, "since", "invalid"),
        ({"o": "hash"}, "o", "invalid_choice"),
        ({"actor": "x" * 151}, "actor", "max_length"),
    ],
)
def test_bad_input_is_a_field_error(client, api_client, staff, events, params, field, code):
    api_client.force_authenticate(staff)
    response = api_client.get(API, params)
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code
    client.force_login(staff)
    ids, page = _page_ids(client, **params)
    assert ids == []
    assert page.context["filterset"].form.errors[field]


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_small_and_constant_with_filters(client, api_client, world, staff):
    params = {"q": "王", "action": "committee.update", "target_type": "committees.committee"}
    counts = []
    for size in (1, 8):
        for _ in range(size):
            _record(world.secretary, "committee.update", world.committee)
        client.force_login(staff)
        api_client.force_authenticate(staff)
        counts.append(
            (
                _queries(client, PAGE, {**params, "since": "2020-01-01", "o": "-time"}),
                _queries(api_client, API, params),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 10, counts


def test_the_menu_offers_the_audit_log_to_those_who_may_read_it(client, world, staff):
    for user, shown in ((staff, True), (world.admin, True), (world.secretary, False)):
        client.force_login(user)
        assert (f'href="{PAGE}"' in client.get(reverse("ethics:dashboard")).content.decode()) is (
            shown
        ), user
