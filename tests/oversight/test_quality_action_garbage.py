"""Garbage to every quality-control and expert-pool action, page and API: a 4xx and nothing
changed; outsiders and ids that are not numbers get 404 (B1, B11, R40)."""

import json

import pytest
from django.urls import reverse

from oversight.quality_actions import AUDITS, EVALUATIONS, EXPERTS, PANELS
from oversight.services import quality as services
from reviews.models import ReReview
from tests import garbage
from tests.oversight.quality_helpers import decided, open_evaluation, outside_experts, today
from tests.reviews.conftest import listed_preliminary

HUGE_ID = 10**30


def _evaluation(world):
    evaluation = open_evaluation(world)

    def page_url(name):
        if name == "open":
            return reverse("oversight:quality-evaluations-action", args=[name])
        return reverse("oversight:quality-evaluation-action", args=[evaluation.pk, name])

    def api_url(name):
        if name == "open":
            return "/api/v1/quality-evaluations/"
        path = EVALUATIONS.get(name).url_path or name
        return f"/api/v1/quality-evaluations/{evaluation.pk}/{path}/"

    return garbage.Target(
        actor=world.secretary, target=evaluation, page_url=page_url, api_url=api_url
    )


def _audit(world):
    decided(world, today())
    drawn = services.audit_draw(
        committee_id=world.committee.pk,
        period_start=today(),
        period_end=today(),
        size=1,
        actor=world.secretary,
    )

    def page_url(name):
        if name == "draw":
            return reverse("oversight:quality-audits-action", args=[name])
        return reverse("oversight:quality-audit-action", args=[drawn.pk, name])

    def api_url(name):
        if name == "draw":
            return "/api/v1/quality-audits/"
        return f"/api/v1/quality-audits/{drawn.pk}/{name}/"

    return garbage.Target(actor=world.secretary, target=drawn, page_url=page_url, api_url=api_url)


def _expert(world):
    expert = outside_experts(world, 1)[0]

    def page_url(name):
        if name == "add":
            return reverse("oversight:pool-experts-action", args=[name])
        return reverse("oversight:pool-expert-action", args=[expert.pk, name])

    def api_url(name):
        if name == "add":
            return "/api/v1/pool-experts/"
        return f"/api/v1/pool-experts/{expert.pk}/{name}/"

    return garbage.Target(actor=world.secretary, target=expert, page_url=page_url, api_url=api_url)


def _panel(world):
    application = listed_preliminary(world)
    rereview = ReReview.objects.get(application=application)
    return garbage.Target(
        actor=world.secretary,
        target=rereview,
        page_url=lambda name: reverse("oversight:rereview-panel-action", args=[rereview.pk, name]),
        api_url=lambda name: f"/api/v1/rereview-panels/{rereview.pk}/{name}/",
    )


TARGETS = {
    "oversight.quality_evaluation": _evaluation,
    "oversight.quality_audit": _audit,
    "oversight.pool_expert": _expert,
    "oversight.rereview_panel": _panel,
}

TABLES = ((EVALUATIONS, _evaluation), (AUDITS, _audit), (EXPERTS, _expert), (PANELS, _panel))


def _cases():
    for table, make in TABLES:
        for entry in garbage.with_input(table):
            yield pytest.param(make, entry, id=f"{table.name}.{entry.name}")


@pytest.mark.parametrize(("make", "entry"), list(_cases()))
def test_garbage_is_refused_on_both_routes(world, client, api_client, make, entry):
    target = make(world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    url = target.api_url(entry.name)
    for _label, body in garbage.raw_bodies():
        garbage.assert_refused_api(api_client, url, body)
    for _label, data in garbage.field_payloads(entry):
        garbage.assert_refused_api(api_client, url, json.dumps(data))
    for _label, data in garbage.field_payloads(entry, page=True):
        garbage.assert_refused_page(client, target.page_url(entry.name), data)


def _detail_cases():
    for table, make in TABLES:
        for entry in table:
            if entry.detail:
                yield pytest.param(make, entry, id=f"{table.name}.{entry.name}")


@pytest.mark.parametrize(("make", "entry"), list(_detail_cases()))
def test_outsiders_and_bad_ids_get_404(world, client, api_client, make, entry):
    target = make(world)
    pk = target.target.pk
    url = target.api_url(entry.name)
    # The pool is a directory every committee's officers read (B11): outside it, a researcher.
    outsider = world.researcher if make is _expert else world.outsider
    api_client.force_authenticate(outsider)
    assert api_client.post(url, {}, format="json").status_code == 404
    for bad in ("abc", "-1", "1.5", str(HUGE_ID)):
        assert api_client.post(url.replace(f"/{pk}/", f"/{bad}/")).status_code == 404
    client.force_login(outsider)
    assert client.post(target.page_url(entry.name), {}).status_code == 404


def test_collection_urls_take_only_creating_actions(world, client):
    evaluation = open_evaluation(world)
    client.force_login(world.secretary)
    assert (
        client.post(reverse("oversight:quality-evaluations-action", args=["answer"])).status_code
        == 404
    )
    detail = reverse("oversight:quality-evaluation-action", args=[evaluation.pk, "open"])
    assert client.post(detail, {}).status_code == 404
    client.force_login(world.researcher)
    assert (
        client.post(reverse("oversight:quality-evaluations-action", args=["open"])).status_code
        == 404
    )
