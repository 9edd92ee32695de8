"""Sanctions (R57) and researchers' training (R10a): pages and API, who sees what (outsiders
get 404), query counts, and the same refusals on both routes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from oversight.models_sanctions import Measure, ResearcherTraining, Sanction, SubjectKind
from oversight.services import sanctions


def _ban(world, person, days=30):
    today = timezone.localdate()
    return sanctions.sanction_record(
        actor=world.admin,
        subject_kind=SubjectKind.PERSON,
        person=person,
        measure=Measure.BAN,
        grounds="伪造数据",
        decided_on=today,
        ban_starts_on=today,
        ban_ends_on=today + dt.timedelta(days=days),
    )


def _many(world, n=5):
    from tests.factories import UserFactory

    return [_ban(world, UserFactory(institution=world.institution)) for _ in range(n)]


# --- pages -----------------------------------------------------------------------------------


def test_list_and_detail_for_the_institution_admin_r57(world, client):
    sanction = _ban(world, world.researcher)
    client.force_login(world.admin)
    response = client.get(reverse("oversight:sanction-list"))
    assert response.status_code == 200
    assert f'data-sanction="{sanction.pk}"'.encode() in response.content
    assert world.researcher.display_name.encode() in response.content
    response = client.get(reverse("oversight:sanction-detail", args=[sanction.pk]))
    assert response.status_code == 200
    assert b'id="action-lift"' in response.content


def test_officers_and_the_person_see_it_outsiders_get_404_r57(world, client):
    sanction = _ban(world, world.researcher)
    url = reverse("oversight:sanction-detail", args=[sanction.pk])
    for user in (world.secretary, world.chair, world.researcher):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b'id="action-lift"' not in response.content  # seeing is not lifting
    for user in (world.outsider, world.stranger, world.colleague, world.member):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        listing = client.get(reverse("oversight:sanction-list"))
        assert f'data-sanction="{sanction.pk}"'.encode() not in listing.content
        assert (
            client.post(
                reverse("oversight:sanction-action", args=[sanction.pk, "lift"]), {"reason": "x"}
            ).status_code
            == 404
        )


def test_create_page_records_and_redirects_r57(world, client):
    client.force_login(world.admin)
    url = reverse("oversight:sanction-create")
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    response = client.post(
        url,
        {
            "subject_kind": "person",
            "person": world.researcher.pk,
            "measure": "ban",
            "grounds": "伪造数据",
            "decided_on": today,
            "ban_starts_on": today,
            "ban_ends_on": today,
        },
    )
    sanction = Sanction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:sanction-detail", args=[sanction.pk])


def test_create_page_keeps_the_input_on_a_missing_period_r57(world, client):
    client.force_login(world.admin)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("oversight:sanction-create"),
        {
            "subject_kind": "person",
            "person": world.researcher.pk,
            "measure": "ban",
            "grounds": "伪造数据",
            "decided_on": today,
        },
    )
    assert response.status_code == 400
    assert not Sanction.objects.exists()


def test_create_page_is_404_for_those_who_may_not_record_r57(world, client):
    for user in (world.secretary, world.researcher, world.outsider):
        client.force_login(user)
        assert client.get(reverse("oversight:sanction-create")).status_code == 404


def test_lift_on_the_page_asks_then_lifts_r57(world, client):
    sanction = _ban(world, world.researcher)
    client.force_login(world.admin)
    url = reverse("oversight:sanction-action", args=[sanction.pk, "lift"])
    response = client.post(url, {"reason": "复议撤销"})
    assert response.status_code == 200  # the confirmation page
    sanction.refresh_from_db()
    assert sanction.lifted_on is None
    response = client.post(url, {"reason": "复议撤销", "confirm": "1"})
    assert response.status_code == 302
    sanction.refresh_from_db()
    assert sanction.lifted_on == timezone.localdate()


def test_list_query_count_is_constant_r57(world, client, django_assert_max_num_queries):
    _many(world, 8)
    client.force_login(world.admin)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:sanction-list")).status_code == 200


def test_detail_query_count_r57(world, client, django_assert_max_num_queries):
    sanction = _ban(world, world.researcher)
    client.force_login(world.admin)
    with django_assert_max_num_queries(15):
        client.get(reverse("oversight:sanction-detail", args=[sanction.pk]))


def test_training_pages_r10a(world, client, django_assert_max_num_queries):
    for n in range(5):
        sanctions.training_record(
            actor=world.admin,
            person=world.researcher,
            title=f"培训{n}",
            completed_on=timezone.localdate(),
        )
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("oversight:training-list"))
    assert response.status_code == 200
    assert response.content.count(b"data-training=") == 5
    client.force_login(world.outsider)
    response = client.get(reverse("oversight:training-list"))
    assert response.content.count(b"data-training=") == 0
    assert client.get(reverse("oversight:training-create")).status_code == 200  # an officer
    client.force_login(world.stranger)
    assert client.get(reverse("oversight:training-create")).status_code == 404
    client.force_login(world.admin)
    response = client.post(
        reverse("oversight:training-create"),
        {
            "person": world.colleague.pk,
            "title": "科技伦理培训",
            "completed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert ResearcherTraining.objects.filter(person=world.colleague).exists()


# --- API -------------------------------------------------------------------------------------


def test_api_create_list_lift_r57(world, api_client, django_assert_max_num_queries):
    api_client.force_authenticate(world.admin)
    today = timezone.localdate().isoformat()
    response = api_client.post(
        "/api/v1/sanctions/",
        {
            "subject_kind": "person",
            "person": world.researcher.pk,
            "measure": "ban",
            "grounds": "伪造数据",
            "decided_on": today,
            "ban_starts_on": today,
            "ban_ends_on": today,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["in_force"] is True
    assert body["measure_label"]
    _many(world, 5)
    with django_assert_max_num_queries(10):
        listing = api_client.get("/api/v1/sanctions/?in_force=true")
    assert listing.json()["count"] == 6
    response = api_client.post(f"/api/v1/sanctions/{body['id']}/lift/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["reason"][0]["code"] == "required"
    response = api_client.post(
        f"/api/v1/sanctions/{body['id']}/lift/", {"reason": "复议"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["lifted_on"] == today
    response = api_client.post(
        f"/api/v1/sanctions/{body['id']}/lift/", {"reason": "复议"}, format="json"
    )
    assert (response.status_code, response.json()["rule"]) == (409, "R57")


def test_api_outsiders_get_404_r57(world, api_client):
    sanction = _ban(world, world.researcher)
    api_client.force_authenticate(world.outsider)
    assert api_client.get(f"/api/v1/sanctions/{sanction.pk}/").status_code == 404
    assert api_client.get("/api/v1/sanctions/").json()["count"] == 0
    response = api_client.post(
        f"/api/v1/sanctions/{sanction.pk}/lift/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert api_client.get("/api/v1/sanctions/abc/").status_code == 404
    # Neither may the outsider record one (403: a collection route, no object to hide).
    response = api_client.post(
        "/api/v1/sanctions/",
        {
            "subject_kind": "institution",
            "target_institution": world.institution.pk,
            "measure": "correct",
            "grounds": "x",
            "decided_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 403


def test_api_the_person_sees_their_own_sanction_r57(world, api_client):
    sanction = _ban(world, world.researcher)
    api_client.force_authenticate(world.researcher)
    assert api_client.get(f"/api/v1/sanctions/{sanction.pk}/").status_code == 200


def test_api_training_r10a(world, api_client, django_assert_max_num_queries):
    api_client.force_authenticate(world.admin)
    response = api_client.post(
        "/api/v1/researcher-trainings/",
        {"person": world.researcher.pk, "title": "培训", "completed_on": "2025-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["expires_on"] == "2028-02-29"
    with django_assert_max_num_queries(10):
        assert api_client.get("/api/v1/researcher-trainings/?valid=true").json()["count"] == 1
    api_client.force_authenticate(world.outsider)
    assert api_client.get("/api/v1/researcher-trainings/").json()["count"] == 0
    pk = response.json()["id"]
    assert api_client.get(f"/api/v1/researcher-trainings/{pk}/").status_code == 404


@pytest.mark.parametrize("person_field", ["person", "target_institution"])
def test_api_names_the_missing_subject_r57(world, api_client, person_field):
    api_client.force_authenticate(world.admin)
    kind = "person" if person_field == "person" else "institution"
    response = api_client.post(
        "/api/v1/sanctions/",
        {
            "subject_kind": kind,
            "measure": "correct",
            "grounds": "x",
            "decided_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert person_field in response.json()
