"""Issue 18: ``/api/v1/applications/`` writes its rows from ``.values()`` (ethics.api.rows) and
reads a reader's rows branch by branch; the answer is the serializer's, for every role, page mode
and ordering."""

import json

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ethics.api.rows import RowWriter
from reviews import selectors
from reviews.api.serializers import ApplicationSerializer, DecisionSerializer
from tests.factories import UserFactory
from tests.reviews.conftest import (
    assigned,
    declare_and_opine,
    draft,
    final_approval,
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
    submitted,
)

URL = "/api/v1/applications/"
ROLES = ("secretary", "chair", "member", "researcher", "admin", "outsider", "reviewer", "superuser")


@pytest.fixture
def cases(world):
    decided = meeting_accepted(world)
    meeting_decision(world, application_id=decided.pk, outcome="approve", actor=world.chair)
    twice = listed_preliminary(world)
    final_approval(world, twice)  # two decisions: the list shows the newest
    _application, (first, _second) = assigned(world)
    declare_and_opine(first, "approve", comments="同意")
    submitted(world)
    draft(world)
    draft(world, complete=False)
    return {"twice": twice, "reviewer": first.membership.user}


def _reader(world, cases, role):
    if role == "reviewer":
        return cases["reviewer"]
    if role == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    return getattr(world, role)


def _serialized(user, path=URL):
    """What ApplicationSerializer answers for the reader's applications, as JSON."""
    request = Request(APIRequestFactory().get(path))
    request.user = user
    rows = list(selectors.applications_for_user(user))
    data = ApplicationSerializer(rows, many=True, context={"request": request}).data
    return json.loads(JSONRenderer().render(data))


def _walk(client, url):
    rows, pages = [], 0
    while url:
        body = client.get(url).json()
        rows += body["results"]
        url, pages = body["next"], pages + 1
        assert pages <= 20
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_list_rows_equal_the_serializer_for_every_role(world, cases, api_client, role):
    user = _reader(world, cases, role)
    api_client.force_authenticate(user)
    expected = _serialized(user)
    assert api_client.get(URL).json()["results"] == expected
    assert api_client.get(f"{URL}?page=1").json()["results"] == expected
    assert _walk(api_client, f"{URL}?page_size=2") == expected
    by_title = sorted(expected, key=lambda row: row["id"])  # o=title: all titles may tie
    walked = _walk(api_client, f"{URL}?page_size=3&o=-title")
    assert sorted(walked, key=lambda row: row["id"]) == by_title
    if role in {"secretary", "superuser"}:
        assert len(expected) >= 4  # decided, listed, under review, submitted


def test_the_newest_decision_is_the_one_shown(world, cases, api_client):
    api_client.force_authenticate(world.secretary)
    rows = {row["id"]: row for row in api_client.get(URL).json()["results"]}
    decisions = list(cases["twice"].decisions.order_by("-decided_at", "-id"))
    assert len(decisions) == 2
    assert rows[cases["twice"].pk]["decision"] == decisions[0].pk


def test_a_field_the_writer_cannot_read_from_a_column_is_refused():
    with pytest.raises(ValueError, match="decision"):
        RowWriter(ApplicationSerializer)
    with pytest.raises(ValueError, match="letter"):
        RowWriter(DecisionSerializer)
    with pytest.raises(ValueError, match="nothing"):
        RowWriter(ApplicationSerializer, computed={"decision": "d", "nothing": "x"})


def _counted(monkeypatch, name):
    """The users ``reviews.selectors.<name>`` is called for, from now on."""
    calls = []
    original = getattr(selectors, name)

    def counted(user):
        calls.append(user)
        return original(user)

    monkeypatch.setattr(selectors, name, counted)
    return calls


def test_the_committee_choices_are_built_only_when_shown_or_checked(
    world, api_client, client, monkeypatch
):
    """ethics.listing.LazyModelChoiceFilter: the API list never shows the committee choices, so
    it builds them only to check a ``committee`` it is given; the page still lists them."""
    from django.urls import reverse

    calls = _counted(monkeypatch, "known_committees")
    shown = _counted(monkeypatch, "known_committee_choices")
    api_client.force_authenticate(world.secretary)
    assert api_client.get(URL).status_code == 200
    assert calls == []
    assert api_client.get(f"{URL}?committee={world.committee.pk}").status_code == 200
    assert len(calls) == 1
    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"{URL}?committee={world.committee.pk}").status_code == 400
    client.force_login(world.secretary)
    page = client.get(reverse("reviews:intake")).content.decode()
    assert f'<option value="{world.committee.pk}">' in page
    # The page lists the options from their rows (known_committee_choices, one prepared query)
    # and builds the queryset only to check a value it is given.
    assert len(calls) == 2
    assert shown == [world.secretary]
    page = client.get(reverse("reviews:intake"), {"committee": world.committee.pk}).content.decode()
    assert f'<option value="{world.committee.pk}" selected>' in page
    assert len(calls) == 3
    assert len(shown) == 2
