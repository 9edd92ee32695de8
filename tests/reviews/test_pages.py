"""The HTML pages: permissions (404 for outsiders), what researchers never see, query counts."""

import pytest
from django.urls import reverse

from reviews import services
from reviews.models import DocumentVersion, ReviewerAssignment
from tests.reviews.conftest import (
    accepted,
    assigned,
    declare_and_opine,
    draft,
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
    pdf_upload,
    submitted,
    upload_new_version,
)

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_my_projects_lists_own_projects_only(client, world, django_assert_max_num_queries):
    for _ in range(3):
        submitted(world)
    client.force_login(world.researcher)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("reviews:my-projects")).content.decode()
    assert html.count("data-project=") == 3
    client.force_login(world.stranger)
    assert "data-project=" not in client.get(reverse("reviews:my-projects")).content.decode()


def test_project_create_page(client, world):
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:project-create"),
        {
            "title": "社区老年人跌倒干预研究",
            "committee": world.committee.pk,
            "scope": ["human_participants"],
            "team": [world.colleague.pk],
        },
    )
    assert response.status_code == 302
    project = world.researcher.led_projects.get()
    assert list(project.team.all()) == []  # R8: invited, on the team once they accept
    assert project.invitations.get().user == world.colleague
    detail = client.get(response["Location"]).content.decode()
    assert "社区老年人跌倒干预研究" in detail
    client.post(reverse("reviews:project-action", args=[project.pk, "prescreen"]), {"humans": "on"})
    project.refresh_from_db()
    assert project.review_required is True


def test_application_page_for_each_role(client, world, django_assert_max_num_queries):
    application, (a1, a2) = assigned(world)
    declare_and_opine(a1, "approve", comments="意见甲")
    url = reverse("reviews:application-detail", args=[application.pk])
    client.force_login(world.secretary)
    with django_assert_max_num_queries(15):
        html = client.get(url).content.decode()
    assert a1.membership.user.display_name in html
    assert "意见甲" in html
    client.force_login(world.researcher)
    with django_assert_max_num_queries(15):
        html = client.get(url).content.decode()
    assert application.ref in html
    assert a1.membership.user.display_name not in html
    assert a2.membership.user.display_name not in html
    assert "意见甲" not in html
    assert 'id="reviews"' not in html
    for outsider in (world.outsider, world.stranger):
        assert _get(client, outsider, url).status_code == 404


def _disapproved(world):
    application = meeting_accepted(world)
    meeting_decision(
        world, application_id=application.pk, outcome="disapprove", reasons="x", actor=world.chair
    )
    services.appeal_file(application_id=application.pk, grounds="g", actor=world.researcher)
    return application


def _modifications_submitted(world):
    application = meeting_accepted(world)
    meeting_decision(
        world,
        application_id=application.pk,
        outcome="approve_with_modifications",
        conditions="c",
        actor=world.chair,
    )
    upload_new_version(world, application)
    services.modifications_submit(application_id=application.pk, actor=world.researcher)
    return application


def _under_meeting_review(world):
    application = meeting_accepted(world)
    services.application_assign(
        application_id=application.pk,
        membership_ids=[world.members[3].pk],
        actor=world.secretary,
    )
    return application


STATES = {
    "submitted": submitted,
    "under simplified review": lambda world: assigned(world)[0],
    "under meeting review": _under_meeting_review,
    "disapproved and appealed": _disapproved,
    "modifications submitted": _modifications_submitted,
    "awaiting expert re-review": listed_preliminary,
}


@pytest.mark.parametrize("state", list(STATES))
def test_application_page_within_15_queries_for_every_role(
    client, world, django_assert_max_num_queries, state
):
    application = STATES[state](world)
    url = reverse("reviews:application-detail", args=[application.pk])
    people = [world.secretary, world.chair, world.researcher, world.colleague, world.admin]
    reviewer = ReviewerAssignment.objects.filter(review__application=application).first()
    if reviewer is not None:
        people.append(reviewer.membership.user)
    for user in people:
        client.force_login(user)
        client.get(url)  # the session's first request loads what every later one reuses
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200


def test_project_page_within_15_queries(client, world, django_assert_max_num_queries):
    application = _disapproved(world)
    url = reverse("reviews:project-detail", args=[application.project_id])
    for user in (world.researcher, world.colleague, world.secretary, world.chair):
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200


def test_application_page_query_count_does_not_grow_with_documents(
    client, world, django_assert_num_queries
):
    application = submitted(world)
    url = reverse("reviews:application-detail", args=[application.pk])
    client.force_login(world.secretary)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(3):
        services.document_request_correction(
            application_id=application.pk, slot="plan", note="补充", actor=world.secretary
        )
        services.document_upload(
            application_id=application.pk, slot="plan", upload=pdf_upload(), actor=world.researcher
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) <= len(before) + 1


def test_intake_queue_for_secretaries_only(client, world, django_assert_max_num_queries):
    submitted(world)
    accepted(world, procedure="meeting", grounds="")
    client.force_login(world.secretary)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("reviews:intake")).content.decode()
    assert html.count("data-application=") == 2
    new = client.get(reverse("reviews:intake") + "?bucket=new").content.decode()
    assert new.count("data-application=") == 1
    assert _get(client, world.researcher, reverse("reviews:intake")).status_code == 404
    client.force_login(world.outsider)
    assert "data-application=" not in client.get(reverse("reviews:intake")).content.decode()


def test_secretary_returns_via_the_page(client, world):
    application = submitted(world)
    client.force_login(world.secretary)
    client.post(
        reverse("reviews:application-action", args=[application.pk, "return"]),
        {"missing": ["funding", "coi"]},
    )
    application.refresh_from_db()
    assert application.status == "returned"
    assert application.missing_items == ["funding", "coi"]
    other = submitted(world)
    client.force_login(world.researcher)
    response = client.post(
        reverse("reviews:application-action", args=[other.pk, "accept"]), {"procedure": "meeting"}
    )
    assert response.status_code == 403


def test_member_worksheet_opens_after_declaration(client, world):
    application, (a1, _a2) = assigned(world)
    url = reverse("reviews:assignment-detail", args=[a1.pk])
    client.force_login(a1.membership.user)
    html = client.get(url).content.decode()
    assert 'id="declare-form"' in html
    assert 'id="opinion-form"' not in html
    declare = reverse("reviews:application-action", args=[application.pk, "declare"])
    response = client.post(declare, {"conflicted": "0", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    html = client.get(url).content.decode()
    assert 'id="opinion-form"' in html
    assert 'name="c_three_r"' not in html  # R22: criteria by scope (human data, no animals)
    assert 'name="c_compensation"' not in html
    assert 'name="c_privacy"' in html
    client.post(
        reverse("reviews:application-action", args=[application.pk, "opinion"]),
        {
            "next": url,
            "verdict": "approve",
            "comments": "同意",
            "c_principles": "met",
            "c_value": "met",
            "c_risk_control": "met",
            "c_recruitment": "met",
            "c_privacy": "met",
            "c_consent": "met",
            "c_vulnerable": "na",
            "c_data": "met",
            "c_ai_fairness": "met",
            "c_ai_transparency": "met",
            "c_ai_control": "na",
            "c_biosafety": "met",
        },
    )
    a1.refresh_from_db()
    assert a1.opinion.verdict == "approve"
    assert a1.opinion.worksheet["privacy"] == "met"
    assert _get(client, world.researcher, url).status_code == 404
    assert _get(client, world.members[5].user, url).status_code == 404


def test_follow_up_within_10_queries(client, world, django_assert_max_num_queries):
    listed_preliminary(world)
    client.force_login(world.secretary)
    for bucket in ("tracking", "tracking_all", "rereview"):
        with django_assert_max_num_queries(10):
            html = client.get(reverse("reviews:follow-up") + f"?bucket={bucket}").content.decode()
        assert html.count("data-deadline=") == (bucket == "rereview")


def test_my_reviews_lists_assignments(client, world, django_assert_max_num_queries):
    for _ in range(2):
        assigned(world)
    client.force_login(world.members[2].user)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("reviews:my-reviews")).content.decode()
    assert html.count("data-assignment=") == 2


def test_document_download_page_is_audited(client, world):
    from ethics.models import AuditEvent

    application = draft(world)
    version = DocumentVersion.objects.filter(document__application=application).first()
    url = reverse("reviews:document-download", args=[version.pk])
    response = _get(client, world.researcher, url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="document.download").count() == 1
    assert (
        _get(client, world.secretary, url).status_code == 404
    )  # a draft is not the committee's yet
    assert _get(client, world.stranger, url).status_code == 404


def test_dashboard_panels(client, world):
    submitted(world)
    draft(world, complete=False)
    html = _get(client, world.secretary, "/").content.decode()
    assert reverse("reviews:intake") in html
    html = _get(client, world.researcher, "/").content.decode()
    assert reverse("reviews:my-projects") in html
