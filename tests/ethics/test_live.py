"""Issue 15, live state: a document rendered in the background shows its progress and becomes
its download link when ready (ethics/live.py); outsiders get 404."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ethics import jobs
from ethics.job_models import Job, JobState
from ethics.models import AuditEvent
from reviews import services
from tests.factories import UserFactory
from tests.reviews.conftest import assigned, declare_and_opine


def _decided(world):
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return services.application_decide(
        application_id=application.pk, outcome="approve", actor=world.chair
    )


def _url(kind, pk, **query):
    url = reverse("ethics:live", args=[kind, pk])
    return url + ("?format=json" if query.get("json") else "")


def test_a_pending_letter_polls_and_becomes_its_link(world, client):
    decision = _decided(world)
    client.force_login(world.researcher)
    page = client.get(reverse("reviews:application-detail", args=[decision.application_id]))
    html = page.content.decode()
    assert f'hx-get="{_url("letter", decision.pk)}"' in html
    pending = client.get(_url("letter", decision.pk))
    assert pending.status_code == 200
    fragment = pending.content.decode()
    assert 'data-live-state="pending"' in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert client.get(_url("letter", decision.pk, json=True)).json()["state"] == "pending"
    services.letter_render(decision_id=decision.pk)
    done = client.get(_url("letter", decision.pk)).content.decode()
    assert 'data-live-state="done"' in done
    assert reverse("reviews:letter-download", args=[decision.pk]) in done
    assert "hx-get" not in done  # polling ends
    body = client.get(_url("letter", decision.pk, json=True)).json()
    assert body["state"] == "done"
    assert body["url"] == reverse("reviews:letter-download", args=[decision.pk])


def test_progress_follows_the_job(world, client):
    decision = _decided(world)
    job = Job.objects.get(key=jobs.job_key("reviews.render_letter", {"decision_id": decision.pk}))
    client.force_login(world.secretary)
    Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    assert client.get(_url("letter", decision.pk, json=True)).json()["state"] == "queued"
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=2)
    body = client.get(_url("letter", decision.pk, json=True)).json()
    assert body["state"] == "running"
    assert "2" in body["message"]


def test_outsiders_and_other_researchers_get_404(world, client):
    decision = _decided(world)
    for user in (world.outsider, world.stranger, UserFactory(institution=world.institution)):
        client.force_login(user)
        assert client.get(_url("letter", decision.pk)).status_code == 404
        assert client.get(_url("letter", decision.pk, json=True)).status_code == 404
    client.force_login(world.researcher)
    assert client.get(_url("letter", decision.pk)).status_code == 200
    assert client.get(_url("no-such-kind", decision.pk)).status_code == 404
    assert client.get(_url("letter", 999999)).status_code == 404
    # The re-review package is the officers' alone (R39): the applicant gets 404 as well.
    assert client.get(_url("rereview-package", 1)).status_code == 404


def test_signed_out_people_are_sent_to_log_in(world, client):
    decision = _decided(world)
    response = client.get(_url("letter", decision.pk))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_status_endpoint_query_count(world, client):
    decision = _decided(world)
    client.force_login(world.researcher)
    client.get(_url("letter", decision.pk))  # session and language settled
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url("letter", decision.pk)).status_code == 200
    assert len(queries) <= 15, [q["sql"] for q in queries]


def test_a_failed_rendering_offers_the_officers_a_retry(world, client):
    decision = _decided(world)
    job = Job.objects.get(key=jobs.job_key("reviews.render_letter", {"decision_id": decision.pk}))
    Job.objects.filter(pk=job.pk).update(state=JobState.FAILED, dispatches=8)
    retry = reverse("ethics:live-action", args=["letter", decision.pk, "retry"])

    client.force_login(world.researcher)
    fragment = client.get(_url("letter", decision.pk)).content.decode()
    assert 'data-live-state="failed"' in fragment
    assert retry not in fragment
    assert client.get(_url("letter", decision.pk, json=True)).json()["retry"] is None
    assert client.post(retry).status_code == 403
    client.force_login(world.outsider)
    assert client.post(retry).status_code == 404

    client.force_login(world.secretary)
    fragment = client.get(_url("letter", decision.pk)).content.decode()
    assert retry in fragment
    before = AuditEvent.objects.count()
    response = client.post(retry)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "reviews:application-detail", args=[decision.application_id]
    )
    job.refresh_from_db()
    assert (job.state, job.dispatches) == (JobState.PENDING, 0)
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("id").action == "job.retry"
    # Not failed any more: a second retry is refused with the reason (409), nothing changes.
    assert client.post(retry).status_code == 409
    assert AuditEvent.objects.count() == before + 1


def test_pending_minutes_poll_for_who_may_open_them(world, client):
    from meetings import services as meeting_services
    from tests.meetings.conftest import opened

    meeting, [item] = opened(world)
    meeting_services.item_defer(item_id=item.pk, reason="时间不足", actor=world.secretary)
    meeting_services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    client.force_login(world.secretary)
    page = client.get(reverse("meetings:meeting-detail", args=[meeting.pk])).content.decode()
    assert f'hx-get="{_url("minutes", meeting.pk)}"' in page
    assert client.get(_url("minutes", meeting.pk, json=True)).json()["state"] == "pending"
    client.force_login(world.outsider)
    assert client.get(_url("minutes", meeting.pk)).status_code == 404
