"""The meetings list (page and API share meetings.filters.MeetingFilter): search by title, place
and people's names, each filter, sorting, bad input as a field error, no other committee's rows,
and a constant, small number of queries with filters applied."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethics.deadlines import SHANGHAI
from meetings.models import Attendance
from tests.factories import MeetingFactory
from tests.world import build_world

pytestmark = pytest.mark.django_db

API = "/api/v1/meetings/"


def _at(day: int, hour: int = 14) -> dt.datetime:
    return dt.datetime(2027, 3, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def meetings(world):
    spring = MeetingFactory(
        committee=world.committee,
        title="春季例会",
        place="第一会议室",
        starts_at=_at(3),
        presiding=world.chair_membership,
    )
    video = MeetingFactory(
        committee=world.committee,
        title="紧急会议",
        place="",
        mode="video",
        status="closed",
        starts_at=_at(20),
    )
    member = world.member_membership
    Attendance.objects.create(
        meeting=video,
        membership=member,
        role=member.role,
        expertise=member.expertise,
        gender=member.gender,
    )
    hidden = MeetingFactory(
        committee=world.other_committee, title="春季例会（他会）", starts_at=_at(4)
    )
    return {"spring": spring, "video": video, "hidden": hidden}


def _api_ids(api_client, **params):
    response = api_client.get(API, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _page_ids(client, **params):
    response = client.get(reverse("meetings:meeting-list"), params)
    assert response.status_code == 200
    return [row[0] for row in response.context["page"]], response  # (pk, ...) rows


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "春季"}, ["spring"]),  # title
        ({"q": "第一会议室"}, ["spring"]),  # place
        ({"status": "closed"}, ["video"]),
        ({"mode": "video"}, ["video"]),
        ({"starts_from": "2027-03-10"}, ["video"]),
        ({"starts_to": "2027-03-10"}, ["spring"]),
        ({"starts_from": "2027-03-03", "starts_to": "2027-03-03"}, ["spring"]),
    ],
)
def test_search_and_filters_on_page_and_api(client, api_client, world, meetings, params, expected):
    want = [meetings[name].pk for name in expected]
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    assert _page_ids(client, **params)[0] == want
    assert _api_ids(api_client, **params) == want


def test_search_by_the_names_of_the_presiding_member_and_those_present(
    client, api_client, world, meetings
):
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    chair = world.chair_membership.user.name
    present = world.member_membership.user.name
    assert _page_ids(client, q=chair)[0] == [meetings["spring"].pk]
    assert _api_ids(api_client, q=present) == [meetings["video"].pk]


def test_committee_filter_and_ordering(client, api_client, world, meetings):
    api_client.force_authenticate(world.secretary)
    both = [meetings["video"].pk, meetings["spring"].pk]  # default: newest first
    assert _api_ids(api_client, committee=world.committee.pk) == both
    assert _api_ids(api_client, o="starts") == both[::-1]
    assert _api_ids(api_client, o="-starts") == both
    client.force_login(world.secretary)
    ids, response = _page_ids(client, o="starts")
    assert ids == both[::-1]
    assert response.context["total"] == 2


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"status": "nope"}, "status", "invalid_choice"),
        ({"starts_from": "2027-13-45"}, "starts_from", "invalid"),
        ({"o": "password"}, "o", "invalid_choice"),
        ({"committee": "x"}, "committee", "invalid_choice"),
    ],
)
def test_bad_input_is_a_field_error(client, api_client, world, meetings, params, field, code):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(API, params)
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code
    client.force_login(world.secretary)
    ids, page = _page_ids(client, **params)
    assert ids == []
    assert page.context["filterset"].form.errors[field]


def test_an_outsider_sees_no_other_committees_meetings_through_any_filter(
    client, api_client, world, meetings
):
    api_client.force_authenticate(world.outsider)
    assert _api_ids(api_client, q="春季") == [meetings["hidden"].pk]
    response = api_client.get(API, {"committee": world.committee.pk})
    assert response.status_code == 400  # not a choice: the same answer as a missing committee
    client.force_login(world.outsider)
    assert _page_ids(client, q=world.chair_membership.user.name)[0] == []
    assert _page_ids(client, status="closed")[0] == []


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "会", "status": "scheduled", "starts_from": "2020-01-01", "o": "-starts"},
        {"committee": "__committee__", "mode": "in_person"},
    ],
)
def test_query_count_is_small_and_constant_with_filters(client, api_client, params):
    counts = []
    for size in (1, 6):
        world = build_world()
        for day in range(size):
            MeetingFactory(committee=world.committee, title=f"例会{day}", starts_at=_at(day + 1))
        values = {k: (world.committee.pk if v == "__committee__" else v) for k, v in params.items()}
        client.force_login(world.secretary)
        api_client.force_authenticate(world.secretary)
        counts.append(
            (
                _queries(client, reverse("meetings:meeting-list"), values),
                _queries(api_client, API, values),
            )
        )
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 10, counts
