"""Garbage to every meetings action, page and API: a 4xx and nothing changed; outsiders and
ids that are not numbers get 404."""

import json
import re

import pytest
from django.urls import reverse

from meetings.actions import MEETINGS
from meetings.models import AgendaItem, Meeting
from tests import garbage
from tests.meetings.conftest import opened

ITEM_ID = re.compile(r"\(\?P<item_id>[^)]*\)")


def _is_item_action(entry):
    return "(?P<item_id>" in (entry.url_path or "")


def _api_path(entry, meeting_id, item_id):
    if not entry.detail:
        return "/api/v1/meetings/"
    path = ITEM_ID.sub(str(item_id), entry.url_path or entry.name)
    return f"/api/v1/meetings/{meeting_id}/{path}/"


def _page_path(entry, meeting_id, item_id):
    if not entry.detail:
        return reverse("meetings:meeting-schedule")
    if _is_item_action(entry):
        return reverse("meetings:item-action", args=[meeting_id, item_id, entry.name])
    return reverse("meetings:meeting-action", args=[meeting_id, entry.name])


def _meeting(world):
    """An open meeting with one item under review; the secretary acts."""
    meeting, [item] = opened(world)
    return garbage.Target(
        actor=world.secretary,
        target=meeting,
        page_url=lambda name: _page_path(MEETINGS.get(name), meeting.pk, item.pk),
        api_url=lambda name: _api_path(MEETINGS.get(name), meeting.pk, item.pk),
    )


TARGETS = {"meetings.meeting": _meeting}


def _api(api_client, entry, url, body=None):
    return api_client.generic(
        entry.method.upper(), url, body or "", content_type="application/json"
    )


@pytest.mark.parametrize("entry", garbage.with_input(MEETINGS), ids=lambda e: e.name)
def test_garbage_is_refused_on_both_routes(world, client, api_client, entry):
    target = _meeting(world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, target.api_url(entry.name), body)
    for _label, data in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, target.api_url(entry.name), json.dumps(data))
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)


@pytest.mark.parametrize("entry", [e for e in MEETINGS if e.detail], ids=lambda e: e.name)
def test_outsiders_and_bad_ids_get_404(world, client, api_client, entry):
    target = _meeting(world)
    meeting = target.target
    item = meeting.items.get()
    api_client.force_authenticate(world.outsider)
    assert _api(api_client, entry, target.api_url(entry.name), "{}").status_code == 404
    for bad in ("abc", "true", "-1", "1.5"):
        url = _api_path(entry, bad, item.pk)
        assert _api(api_client, entry, url, "{}").status_code == 404, url
        if _is_item_action(entry):
            url = _api_path(entry, meeting.pk, bad)
            assert _api(api_client, entry, url, "{}").status_code == 404, url
        page = f"/meetings/{bad}/do/{entry.name}/"
        assert client.post(page, {}).status_code == 404, page
    client.force_login(world.outsider)
    assert client.post(target.page_url(entry.name), {}).status_code == 404
    # The secretary too: an item of another meeting, or an item id that does not exist.
    api_client.force_authenticate(world.secretary)
    client.force_login(world.secretary)
    other, [foreign] = opened(world)
    if _is_item_action(entry):
        for item_id in (foreign.pk, 10**30):
            url = _api_path(entry, meeting.pk, item_id)
            assert _api(api_client, entry, url, "{}").status_code in (400, 404), url
            page = reverse("meetings:item-action", args=[meeting.pk, item_id, entry.name])
            assert client.post(page, {}).status_code == 404, page
    assert other.pk != meeting.pk


def test_the_reported_500s_are_400s_and_404s(world, client, api_client):
    """application=abc and member=x answered 500 on the pages; so did a non-numeric meeting id
    on the API."""
    meeting, [item] = opened(world)
    client.force_login(world.secretary)
    api_client.force_authenticate(world.secretary)
    add = reverse("meetings:meeting-action", args=[meeting.pk, "add"])
    for value in ("abc", "", "1e3", "9" * 30):
        response = client.post(add, {"application": value})
        assert response.status_code == 400, value
        assert b'id="action-refused"' in response.content
    for name in ("vote", "recuse"):
        url = reverse("meetings:item-action", args=[meeting.pk, item.pk, name])
        response = client.post(url, {"member": "x", "choice": "approve", "reason": "r"})
        assert response.status_code == 400, name
    response = client.post(
        reverse("meetings:meeting-action", args=[meeting.pk, "move"]),
        {"item": "abc", "direction": "up"},
    )
    assert response.status_code == 400
    assert api_client.post("/api/v1/meetings/true/items/6/notes/", {}).status_code == 404
    assert api_client.post(f"/api/v1/meetings/{meeting.pk}/items/true/notes/").status_code == 404
    order = f"/api/v1/meetings/{meeting.pk}/items/order/"
    response = api_client.post(order, {"items": ["9" * 30]}, format="json")
    assert response.status_code == 400
    assert response.data["items"][0]["code"] == "invalid_pk_value"
    response = api_client.post(order, {"items": [str(2**63)]}, format="json")
    assert response.status_code == 400
    assert not AgendaItem.objects.exclude(pk=item.pk).exists()


def test_an_item_action_needs_an_item(world, client):
    meeting, _items = opened(world)
    client.force_login(world.secretary)
    url = reverse("meetings:meeting-action", args=[meeting.pk, "notes"])
    assert client.post(url, {"notes": "x"}).status_code == 404


def test_scheduling_is_for_officers(world, client, api_client):
    """Schedule has no target: a person who runs no committee gets 404 on the page; on the API
    a committee the caller does not run is not a valid choice (400), whoever's it is."""
    client.force_login(world.stranger)
    assert client.get(reverse("meetings:meeting-schedule")).status_code == 404
    assert client.post(reverse("meetings:meeting-schedule"), {}).status_code == 404
    body = {"committee": world.committee.pk, "starts_at": "2031-05-06T09:00:00+08:00"}
    for who in (world.outsider, world.members[3].user, world.stranger):
        api_client.force_authenticate(who)
        response = api_client.post("/api/v1/meetings/", body, format="json")
        assert response.status_code == 400, who
        assert response.data["committee"][0]["code"] == "invalid_choice"
    assert not Meeting.objects.exists()
