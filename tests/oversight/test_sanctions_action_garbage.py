"""Garbage to every sanctions (R57) and training (R10a) action, page and API: a 4xx and nothing
changed; outsiders and non-numeric ids get 404."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.models_sanctions import ResearcherTraining, Sanction
from oversight.sanctions_actions import SANCTIONS, TRAININGS
from oversight.services import sanctions
from tests import garbage


def _sanction(world):
    today = timezone.localdate()
    sanction = sanctions.sanction_record(
        actor=world.admin,
        subject_kind="person",
        person=world.researcher,
        measure="ban",
        grounds="伪造数据",
        decided_on=today,
        ban_starts_on=today,
        ban_ends_on=today,
    )
    pages = {"create": reverse("oversight:sanction-create")}
    apis = {"create": "/api/v1/sanctions/"}
    return garbage.Target(
        actor=world.admin,
        target=sanction,
        page_url=lambda name: (
            pages.get(name) or reverse("oversight:sanction-action", args=[sanction.pk, name])
        ),
        api_url=lambda name: apis.get(name) or f"/api/v1/sanctions/{sanction.pk}/{name}/",
    )


def _training(world):
    return garbage.Target(
        actor=world.admin,
        target=None,
        page_url=lambda name: reverse("oversight:training-create"),
        api_url=lambda name: "/api/v1/researcher-trainings/",
    )


TARGETS = {"oversight.sanction": _sanction, "oversight.researcher_training": _training}
CASES = [(SANCTIONS, _sanction, e) for e in garbage.with_input(SANCTIONS)] + [
    (TRAININGS, _training, e) for e in garbage.with_input(TRAININGS)
]


@pytest.mark.parametrize(("table", "make", "entry"), CASES, ids=lambda x: getattr(x, "name", ""))
def test_garbage_is_refused_on_both_routes(world, client, api_client, table, make, entry):
    target = make(world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    sanctions_before = Sanction.objects.count()
    trainings_before = ResearcherTraining.objects.count()
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, target.api_url(entry.name), body)
    for _label, data in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, target.api_url(entry.name), json.dumps(data))
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)
    assert Sanction.objects.count() == sanctions_before
    assert ResearcherTraining.objects.count() == trainings_before


def test_outsiders_and_bad_ids_get_404(world, client, api_client):
    target = _sanction(world)
    pk = target.target.pk
    api_client.force_authenticate(world.outsider)
    assert api_client.post(f"/api/v1/sanctions/{pk}/lift/", {}, format="json").status_code == 404
    assert api_client.post("/api/v1/sanctions/abc/lift/").status_code == 404
    client.force_login(world.outsider)
    url = reverse("oversight:sanction-action", args=[pk, "lift"])
    assert client.post(url, {}).status_code == 404
    assert client.post(f"/oversight/sanctions/{pk}/do/nope/", {}).status_code == 404
