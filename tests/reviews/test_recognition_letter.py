"""The letter stored with a recognised outside decision (R31, N12), on the page and the API:
whoever may open the project's decision letters and the recognising committee's officers get it,
every download is audited; outsiders and members conflicted on the project get 404 (R20a)."""

import datetime as dt
import hashlib

import pytest
from django.urls import reverse

from ethics.models import AuditEvent
from reviews import services
from reviews.models import Recognition
from tests.reviews.conftest import PDF_BYTES, new_project, pdf_upload, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def recognition(world):
    project = new_project(world)
    project.team.add(world.colleague)
    return services.recognition_record_outside(
        committee_id=world.committee.pk,
        project_id=project.pk,
        issuing_committee="天津某医院医学伦理委员会",
        decision_number="津伦审〔2026〕12号",
        decided_on=dt.date(2026, 6, 1),
        letter=pdf_upload(),
        verification_hash=hashlib.sha256(PDF_BYTES).hexdigest(),
        actor=world.secretary,
    )


def _page(recognition):
    return reverse("reviews:recognition-letter", args=[recognition.pk])


def _api(recognition):
    return f"/api/v1/recognitions/{recognition.pk}/letter/"


def _get(client, api_client, route, user, recognition):
    if route == "api":
        api_client.force_authenticate(user)
        return api_client.get(_api(recognition))
    client.force_login(user)
    return client.get(_page(recognition))


def _downloads():
    return AuditEvent.objects.filter(action="recognition.letter.download")


@pytest.mark.parametrize("route", ["page", "api"])
@pytest.mark.parametrize("who", ["researcher", "colleague", "secretary"])
def test_the_projects_people_and_the_officers_download_it_audited_r31(
    client, api_client, world, recognition, route, who
):
    user = getattr(world, who)
    response = _get(client, api_client, route, user, recognition)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES
    event = _downloads().get()
    assert event.actor_id == user.pk
    assert event.after["decision"] == "津伦审〔2026〕12号"
    assert event.after["sha256"] == recognition.letter_sha256


@pytest.mark.parametrize("route", ["page", "api"])
@pytest.mark.parametrize("who", ["outsider", "stranger", "member"])
def test_outsiders_get_404_r31(client, api_client, world, recognition, route, who):
    response = _get(client, api_client, route, getattr(world, who), recognition)
    assert response.status_code == 404
    assert not _downloads().exists()


@pytest.mark.parametrize("route", ["page", "api"])
def test_an_officer_conflicted_on_the_project_gets_404_r20a(
    client, api_client, world, recognition, route
):
    application = submitted(world, project=recognition.project)
    services.conflict_declare(
        application_id=application.pk,
        user_id=world.vice_chair.pk,
        reason="曾指导申请人",
        actor=world.vice_chair,
    )
    assert _get(client, api_client, route, world.vice_chair, recognition).status_code == 404
    # The researcher keeps their own project's letter; an officer without a conflict too.
    assert _get(client, api_client, route, world.researcher, recognition).status_code == 200
    assert _get(client, api_client, route, world.chair, recognition).status_code == 200


@pytest.mark.parametrize("route", ["page", "api"])
def test_without_a_stored_letter_the_refusal_says_so_r31(
    client, api_client, world, recognition, route
):
    Recognition.objects.filter(pk=recognition.pk).update(letter="")
    response = _get(client, api_client, route, world.secretary, recognition)
    if route == "api":
        assert response.status_code == 409
        assert response.json()["rule"] == "R31"
        assert response.json()["code"] == "no_stored_letter"
    else:
        assert response.status_code == 302
        assert response.url == reverse("reviews:project-detail", args=[recognition.project_id])
    assert not _downloads().exists()


def test_the_project_page_links_it_for_its_readers_only(client, world, recognition):
    link = f'data-recognition-letter="{recognition.pk}"'
    client.force_login(world.researcher)
    page = client.get(reverse("reviews:project-detail", args=[recognition.project_id]))
    assert link in page.content.decode()
    assert _page(recognition) in page.content.decode()
    application = submitted(world, project=recognition.project)
    services.conflict_declare(
        application_id=application.pk,
        user_id=world.vice_chair.pk,
        reason="曾指导申请人",
        actor=world.vice_chair,
    )
    client.force_login(world.vice_chair)
    page = client.get(reverse("reviews:project-detail", args=[recognition.project_id]))
    assert page.status_code == 200  # the officer still sees the project, not the letter
    assert link not in page.content.decode()


@pytest.mark.parametrize("route", ["page", "api"])
def test_query_count(client, api_client, world, recognition, route, django_assert_max_num_queries):
    client.force_login(world.researcher)
    api_client.force_authenticate(world.researcher)
    url = _page(recognition) if route == "page" else _api(recognition)
    with django_assert_max_num_queries(15):
        response = (client if route == "page" else api_client).get(url)
    assert response.status_code == 200


def test_the_project_page_with_the_letter_link_within_15_queries(
    client, world, recognition, django_assert_max_num_queries
):
    url = reverse("reviews:project-detail", args=[recognition.project_id])
    for user in (world.researcher, world.colleague):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(15):
            page = client.get(url)
        assert f'data-recognition-letter="{recognition.pk}"' in page.content.decode()
