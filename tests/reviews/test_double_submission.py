"""Issue 13: a double-clicked create form acts once; the API honours Idempotency-Key."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ethics.idempotency import ALREADY_SUBMITTED
from ethics.models import AuditEvent, SubmissionToken
from reviews.models import Project
from tests.conftest import race, requires_postgres
from tests.world import build_world

NEW = "reviews:project-create"


def _token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the form carries no one-time token"
    return match.group(1)


def _body(world, token: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"title": "人工智能伦理研究", "committee": world.committee.pk}
    if token is not None:
        body["form_token"] = token
    return body


@pytest.mark.django_db
def test_posting_the_new_project_form_twice_creates_one_project(world, client):
    client.force_login(world.researcher)
    token = _token(client.get(reverse(NEW)).content.decode())
    first = client.post(reverse(NEW), _body(world, token))
    assert first.status_code == 302
    project = Project.objects.get()
    second = client.post(reverse(NEW), _body(world, token), follow=True)
    assert second.redirect_chain[0] == (first["Location"], 302)
    assert Project.objects.count() == 1
    assert AuditEvent.objects.filter(action="project.create").count() == 1
    with translation.override("zh-hans"):
        assert str(ALREADY_SUBMITTED) in second.content.decode()
    assert project.title in second.content.decode()
    # Another render is another token: a new submission creates a second project.
    other = _token(client.get(reverse(NEW)).content.decode())
    assert other != token
    assert client.post(reverse(NEW), _body(world, other)).status_code == 302
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_submission_keeps_its_token_usable(world, client):
    client.force_login(world.researcher)
    token = _token(client.get(reverse(NEW)).content.decode())
    refused = client.post(reverse(NEW), {"title": "", "form_token": token})
    assert refused.status_code == 400
    assert _token(refused.content.decode()) == token  # shown again with the same token
    assert not SubmissionToken.objects.exists()  # rolled back with the refusal
    assert client.post(reverse(NEW), _body(world, token)).status_code == 302
    assert Project.objects.count() == 1


@pytest.mark.django_db
def test_a_token_is_per_person(world, client):
    client.force_login(world.researcher)
    token = _token(client.get(reverse(NEW)).content.decode())
    assert client.post(reverse(NEW), _body(world, token)).status_code == 302
    client.force_login(world.colleague)
    assert client.post(reverse(NEW), _body(world, token)).status_code == 302
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_a_malformed_token_is_400(world, client):
    client.force_login(world.researcher)
    response = client.post(reverse(NEW), _body(world, "<bad token>"))
    assert response.status_code == 400
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_the_api_with_the_same_idempotency_key_answers_the_same_201_once(world, api_client):
    api_client.force_authenticate(world.researcher)
    headers = {"Idempotency-Key": "c0ffee-2026-12-01-0001"}
    first = api_client.post("/api/v1/projects/", _body(world), format="json", headers=headers)
    second = api_client.post("/api/v1/projects/", _body(world), format="json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Project.objects.count() == 1
    # Without a key, or with another, each POST creates.
    assert api_client.post("/api/v1/projects/", _body(world), format="json").status_code == 201
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_an_idempotency_key_for_another_action_is_409_and_a_bad_one_400(world, api_client):
    api_client.force_authenticate(world.researcher)
    headers = {"Idempotency-Key": "key-used-twice-0001"}
    assert (
        api_client.post("/api/v1/projects/", _body(world), format="json", headers=headers)
    ).status_code == 201
    project = Project.objects.get()
    reused = api_client.post(
        "/api/v1/applications/",
        {"project": project.pk, "kind": "initial"},
        format="json",
        headers=headers,
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    bad = api_client.post(
        "/api/v1/projects/", _body(world), format="json", headers={"Idempotency-Key": "x"}
    )
    assert bad.status_code == 400
    assert bad.json()["idempotency_key"][0]["code"] == "invalid"
    assert Project.objects.count() == 1


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_posting_the_same_token_create_one_project():
    world = build_world()
    clients = [Client(), Client()]
    for each in clients:
        each.force_login(world.researcher)
    token = _token(clients[0].get(reverse(NEW)).content.decode())
    results, errors = race(
        *[lambda c=c: c.post(reverse(NEW), _body(world, token)) for c in clients]
    )
    assert errors == []
    assert sorted(r.status_code for r in results) == [302, 302]
    assert len({r["Location"] for r in results}) == 1
    assert Project.objects.count() == 1


@pytest.mark.django_db
def test_scheduling_a_meeting_twice_with_one_key_schedules_once(world, api_client):
    from datetime import timedelta

    from django.utils import timezone

    from meetings.models import Meeting

    api_client.force_authenticate(world.secretary)
    starts = (timezone.now() + timedelta(days=7)).isoformat()
    body = {"committee": world.committee.pk, "starts_at": starts}
    headers = {"Idempotency-Key": "meeting-2026-12-08"}
    first = api_client.post("/api/v1/meetings/", body, format="json", headers=headers)
    second = api_client.post("/api/v1/meetings/", body, format="json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Meeting.objects.count() == 1
