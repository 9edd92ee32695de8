"""Garbage to every registry action, page and API: a 4xx and nothing changed."""

import json

import pytest
from django.urls import reverse

from registry.actions import FILINGS
from registry.models import Filing
from tests import garbage


def _filing(world):
    filing = Filing.objects.get(committee=world.committee, kind="committee_registration")
    return garbage.Target(
        actor=world.secretary,
        target=filing,
        page_url=lambda name: reverse("registry:filing-action", args=[filing.pk, name]),
        api_url=lambda name: f"/api/v1/filings/{filing.pk}/{name}/",
    )


TARGETS = {"registry.filing": _filing}


@pytest.mark.parametrize("entry", garbage.with_input(FILINGS), ids=lambda e: e.name)
def test_garbage_is_refused_on_both_routes(world, client, api_client, entry):
    target = _filing(world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, target.api_url(entry.name), body)
    for _label, data in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, target.api_url(entry.name), json.dumps(data))
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)


@pytest.mark.parametrize("entry", list(FILINGS), ids=lambda e: e.name)
def test_outsiders_and_bad_ids_get_404(world, client, api_client, entry):
    target = _filing(world)
    api_client.force_authenticate(world.outsider)
    assert api_client.post(target.api_url(entry.name), {}, format="json").status_code == 404
    assert api_client.post(f"/api/v1/filings/abc/{entry.name}/").status_code == 404
    client.force_login(world.outsider)
    assert client.post(target.page_url(entry.name), {}).status_code == 404
