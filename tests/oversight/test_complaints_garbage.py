"""Garbage to every complaint and investigation action, page and API: a 4xx and nothing changed;
outsiders and bad ids get 404 (R55, R56)."""

import json

import pytest
from django.urls import reverse

from oversight.complaints_actions import COMPLAINTS, INVESTIGATIONS
from tests import garbage
from tests.oversight.complaint_world import investigation, report

pytestmark = pytest.mark.django_db


def _complaint(world):
    complaint, _code = report(world)
    return garbage.Target(
        actor=world.secretary,
        target=complaint,
        page_url=lambda name: reverse("oversight:complaint-action", args=[complaint.pk, name]),
        api_url=lambda name: f"/api/v1/complaints/{complaint.pk}/{name}/",
    )


def _investigation(world):
    inv = investigation(world)
    paths = {"measure_done": "measure-done"}
    return garbage.Target(
        actor=world.secretary,
        target=inv,
        page_url=lambda name: (
            reverse("oversight:investigation-new")
            if name == "open"
            else reverse("oversight:investigation-action", args=[inv.pk, name])
        ),
        api_url=lambda name: (
            "/api/v1/investigations/"
            if name == "open"
            else f"/api/v1/investigations/{inv.pk}/{paths.get(name, name)}/"
        ),
    )


TARGETS = {"oversight.complaint": _complaint, "oversight.investigation": _investigation}
CASES = [
    (t, e)
    for t, table in TARGETS.items()
    for e in garbage.with_input(COMPLAINTS if t == "oversight.complaint" else INVESTIGATIONS)
]


@pytest.mark.parametrize(("table", "entry"), CASES, ids=lambda v: getattr(v, "name", v))
def test_garbage_is_refused_on_both_routes(world, client, api_client, table, entry):
    target = TARGETS[table](world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, target.api_url(entry.name), body)
    for _label, data in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, target.api_url(entry.name), json.dumps(data))
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)


@pytest.mark.parametrize("entry", list(COMPLAINTS), ids=lambda e: e.name)
def test_outsiders_and_bad_ids_get_404_on_complaints(world, client, api_client, entry):
    target = _complaint(world)
    api_client.force_authenticate(world.outsider)
    assert api_client.post(target.api_url(entry.name), {}, format="json").status_code == 404
    assert api_client.post(f"/api/v1/complaints/abc/{entry.name}/").status_code == 404
    client.force_login(world.member)
    assert client.post(target.page_url(entry.name), {}).status_code == 404


def test_the_public_form_refuses_garbage(api_client, world):
    for _label, body in garbage.raw_bodies():
        response = api_client.post(
            "/api/v1/complaints/report/", body, content_type="application/json"
        )
        assert response.status_code == 400
