"""Recognition of a decision issued outside this system (R31, N12; BJ 四（四）): the letter PDF is
checked against its verification code (the upload's SHA-256, or the code our letters print), and
the participating committee then runs the tracking review of its own site."""

import datetime as dt
import hashlib

import pytest
from django.urls import reverse

from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline
from reviews import services
from reviews.models import Decision, Recognition
from reviews.services.recognition import printed_codes
from tests.factories import CommitteeFactory, MembershipFactory, ProjectFactory
from tests.reviews.conftest import PDF_BYTES, approved_project, new_project, pdf_upload

pytestmark = pytest.mark.django_db

DIGEST = hashlib.sha256(PDF_BYTES).hexdigest()
URL = "/api/v1/recognitions/outside/"


def _body(project, committee, code=DIGEST, **extra):
    return {
        "committee": committee.pk,
        "project": project.pk,
        "issuing_committee": "天津某医院医学伦理委员会",
        "decision_number": "津伦审〔2026〕12号",
        "decided_on": "2026-06-01",
        "verification_hash": code,
        "local_checks": "本院受试者招募",
        **extra,
    }


@pytest.mark.parametrize("route", ["api", "page"])
def test_a_code_that_matches_nothing_is_refused_r31(api_client, client, world, route):
    project = new_project(world)
    body = _body(project, world.committee, code="0" * 64)
    if route == "api":
        api_client.force_authenticate(world.secretary)
        response = api_client.post(URL, {**body, "letter": pdf_upload()}, format="multipart")
        assert response.status_code == 409
        assert response.json()["rule"] == "R31"
        assert response.json()["code"] == "verification_mismatch"
    else:
        client.force_login(world.secretary)
        response = client.post(
            reverse("reviews:recognition-outside-create"), {**body, "letter": pdf_upload()}
        )
        assert response.status_code == 409
        assert "R31" in response.content.decode()
    assert not Recognition.objects.exists()
    assert not AuditEvent.objects.filter(action="recognition.record").exists()


@pytest.mark.parametrize("route", ["api", "page"])
def test_the_sha256_of_the_letter_is_accepted_and_tracking_runs_here_n12(
    api_client, client, world, route
):
    project = new_project(world)
    body = {**_body(project, world.committee), "letter": pdf_upload()}
    if route == "api":
        api_client.force_authenticate(world.secretary)
        response = api_client.post(URL, body, format="multipart")
        assert response.status_code == 201, response.content
        assert response.json()["decision_number"] == "津伦审〔2026〕12号"
        assert response.json()["letter_sha256"] == DIGEST
    else:
        client.force_login(world.secretary)
        response = client.post(reverse("reviews:recognition-outside-create"), body)
        assert response.status_code == 302
    recognition = Recognition.objects.get()
    assert recognition.source_decision is None
    assert recognition.letter.read() == PDF_BYTES
    project.refresh_from_db()
    assert project.status == "approved"
    clock = Deadline.objects.get(kind="tracking_review", subject_id=project.pk)
    assert clock.committee_id == world.committee.pk
    assert clock.rule == "N12"
    # 12 months from the decision date (R28 / N6), the committee's own interval.
    assert clock.due_at.astimezone(dt.UTC).date() >= dt.date(2027, 5, 31)
    api_client.force_authenticate(world.secretary)
    again = api_client.post(URL, {**body, "letter": pdf_upload()}, format="multipart")
    assert again.status_code == 409
    assert again.json()["code"] == "already_recognised"


def test_the_code_printed_in_our_letter_is_accepted_r31(world):
    """A letter of this system, carried to another site as a PDF: its printed 核验码 is the code."""
    approved_project(world)
    decision = services.letter_render(decision_id=Decision.objects.get().pk)
    data = decision.letter.read()
    assert decision.letter_hash in printed_codes(data)
    other = CommitteeFactory(name="协作单位伦理委员会")
    secretary = MembershipFactory(committee=other, role="secretary", **world.term).user
    own = ProjectFactory(lead=world.researcher, committee=other, institution=other.institution)
    recognition = services.recognition_record_outside(
        committee_id=other.pk,
        project_id=own.pk,
        issuing_committee=world.committee.name,
        decision_number=decision.number,
        decided_on=dt.date(2026, 6, 1),
        letter=pdf_upload(content=data),
        verification_hash=decision.letter_hash.upper(),
        actor=secretary,
    )
    assert recognition.verification_hash == decision.letter_hash
    assert recognition.letter_sha256 == hashlib.sha256(data).hexdigest()


def test_only_this_committees_own_project_n12(world):
    other = CommitteeFactory()
    foreign = ProjectFactory(lead=world.researcher, committee=other, institution=other.institution)
    with pytest.raises(Conflict) as info:
        services.recognition_record_outside(
            committee_id=world.committee.pk,
            project_id=foreign.pk,
            issuing_committee="外院",
            decision_number="1",
            decided_on=dt.date(2026, 6, 1),
            letter=pdf_upload(),
            verification_hash=DIGEST,
            actor=world.secretary,
        )
    assert info.value.rule == "N12"


def test_a_letter_that_is_not_a_pdf_is_400(api_client, world):
    project = new_project(world)
    api_client.force_authenticate(world.secretary)
    fake = pdf_upload(content=b"hello")
    body = {**_body(project, world.committee, code=hashlib.sha256(b"hello").hexdigest())}
    response = api_client.post(URL, {**body, "letter": fake}, format="multipart")
    assert response.status_code == 400
    assert response.json()["letter"][0]["code"] == "unsupported_type"


def test_a_researcher_may_not_record_one(api_client, world):
    project = new_project(world)
    api_client.force_authenticate(world.researcher)
    response = api_client.post(
        URL, {**_body(project, world.committee), "letter": pdf_upload()}, format="multipart"
    )
    assert response.status_code in (400, 403)
    assert not Recognition.objects.exists()
