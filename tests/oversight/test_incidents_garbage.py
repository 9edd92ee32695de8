"""Garbage to every incident, risk and funding action, page and API: a 4xx and nothing changed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.incidents_actions import FUNDINGS, INCIDENTS, RISKS
from oversight.services import incidents as services
from tests import garbage
from tests.oversight import incidents_world as data


def _incident(world):
    incident = services.incident_report(
        project_id=data.project(world).pk,
        kind="other",
        severity="minor",
        title="事件",
        description="经过",
        aware_at=timezone.now() - dt.timedelta(hours=1),
        actor=world.researcher,
    )
    return garbage.Target(
        actor=world.secretary,
        target=incident,
        page_url=lambda name: reverse("oversight:incident-action", args=[incident.pk, name]),
        api_url=lambda name: f"/api/v1/incidents/{incident.pk}/{name.replace('_', '-')}/",
    )


def _risk(world):
    entry = services.risk_register(
        project_id=data.project(world, listed=True).pk,
        title="风险",
        level="medium",
        owner=world.researcher,
        next_review_on=timezone.localdate() + dt.timedelta(days=10),
        actor=world.secretary,
    )
    return garbage.Target(
        actor=world.secretary,
        target=entry,
        page_url=lambda name: reverse("oversight:risk-action", args=[entry.pk, name]),
        api_url=lambda name: f"/api/v1/risks/{entry.pk}/{name}/",
    )


def _funding(world):
    funding = services.funding_add(
        project_id=data.project(world).pk, funder="科技部", grant_number="1", actor=world.researcher
    )
    return garbage.Target(
        actor=world.researcher,
        target=funding,
        page_url=lambda name: reverse("oversight:funding-action", args=[funding.pk, name]),
        api_url=lambda name: f"/api/v1/fundings/{funding.pk}/{name}/",
    )


TARGETS = {"oversight.incident": _incident, "oversight.risk": _risk, "oversight.funding": _funding}
CASES = (
    [(_incident, entry) for entry in garbage.with_input(INCIDENTS) if entry.detail]
    + [(_risk, entry) for entry in garbage.with_input(RISKS) if entry.detail]
    + [(_funding, entry) for entry in garbage.with_input(FUNDINGS) if entry.detail]
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "entry"), CASES, ids=lambda v: getattr(v, "name", getattr(v, "__name__", ""))
)
def test_garbage_is_refused_on_both_routes(world, client, api_client, make, entry):
    target = make(world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, target.api_url(entry.name), body)
    for _label, data_ in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, target.api_url(entry.name), json.dumps(data_))
    for _label, data_ in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data_)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "table", "resource"),
    [
        (_incident, INCIDENTS, "incidents"),
        (_risk, RISKS, "risks"),
        (_funding, FUNDINGS, "fundings"),
    ],
    ids=["incident", "risk", "funding"],
)
def test_outsiders_and_bad_ids_get_404(world, client, api_client, make, table, resource):
    target = make(world)
    api_client.force_authenticate(world.outsider)
    client.force_login(world.outsider)
    for entry in table:
        if not entry.detail:
            continue
        path = entry.url_path or entry.name
        assert (
            api_client.post(
                f"/api/v1/{resource}/{target.target.pk}/{path}/", {}, format="json"
            ).status_code
            == 404
        )
        assert api_client.post(f"/api/v1/{resource}/abc/{path}/").status_code == 404
        assert client.post(target.page_url(entry.name), {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["incidents", "risks", "fundings"])
def test_creating_garbage_is_a_400(api_client, world, resource):
    api_client.force_authenticate(world.secretary)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, f"/api/v1/{resource}/", body)
