"""Investigations (R56): opened from a complaint or on the institution's own initiative, steps,
evidence, findings, conclusion, corrective measures with their clock, the referral package."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, DeadlineState
from oversight import complaints_clocks as clocks
from oversight.models import Investigation, ReferralPackage
from oversight.services import complaints as services
from tests.oversight.complaint_world import investigation, report
from tests.pdfs import minimal_pdf

pytestmark = pytest.mark.django_db


def _found(world, inv):
    services.investigation_step_add(
        investigation_id=inv.pk,
        actor=world.secretary,
        kind="interview",
        happened_on=timezone.localdate(),
        title="约谈项目负责人",
        interviewee="项目负责人",
    )
    services.investigation_step_add(
        investigation_id=inv.pk,
        actor=world.secretary,
        kind="finding",
        happened_on=timezone.localdate(),
        title="未签署知情同意书",
    )


def test_only_an_accepted_complaint_is_investigated(world):
    complaint, _code = report(world)
    with pytest.raises(Conflict) as refused:
        services.investigation_open_from_complaint(
            complaint_id=complaint.pk, actor=world.secretary, title="调查"
        )
    assert refused.value.rule == "R56"


def test_open_on_own_initiative_on_the_page(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("oversight:investigation-new"),
        {
            "title": "数据外泄自查",
            "committee": world.committee.pk,
            "handling_body": "higher_authority",
            "persons": world.researcher.username,
        },
    )
    assert response.status_code == 302, response.content
    inv = Investigation.objects.get()
    assert inv.origin == "own_initiative"
    assert inv.complaint is None
    assert inv.handling_body == "higher_authority"
    assert list(inv.persons.all()) == [world.researcher]
    # The person concerned gets 404; the member too; the secretary sees it.
    for user, status in ((world.researcher, 404), (world.member, 404), (world.secretary, 200)):
        client.force_login(user)
        url = reverse("oversight:investigation-detail", args=[inv.pk])
        assert client.get(url).status_code == status


def test_an_outsider_may_not_open_for_a_committee_they_do_not_manage(api_client, world):
    api_client.force_authenticate(world.outsider)
    response = api_client.post(
        "/api/v1/investigations/",
        {"title": "x", "committee": world.committee.pk, "handling_body": "unit"},
        format="json",
    )
    assert response.status_code in (400, 403, 404)
    assert not Investigation.objects.exists()


def test_conclusion_needs_a_finding(world):
    inv = investigation(world)
    with pytest.raises(Conflict) as refused:
        services.investigation_conclude(
            investigation_id=inv.pk, actor=world.secretary, finding="substantiated", conclusion="x"
        )
    assert refused.value.code == "no_finding"
    assert refused.value.rule == "R56"
    _found(world, inv)
    services.investigation_conclude(
        investigation_id=inv.pk, actor=world.secretary, finding="substantiated", conclusion="违规"
    )
    inv.refresh_from_db()
    assert inv.status == "concluded"


def test_an_interview_names_the_interviewee(world):
    inv = investigation(world)
    with pytest.raises(ValidationError):
        services.investigation_step_add(
            investigation_id=inv.pk,
            actor=world.secretary,
            kind="interview",
            happened_on=timezone.localdate(),
            title="约谈",
        )


def test_evidence_goes_through_the_upload_checks(world):
    inv = investigation(world)
    evidence = services.evidence_add(
        investigation_id=inv.pk,
        actor=world.secretary,
        title="知情同意书复印件",
        file=SimpleUploadedFile("consent.pdf", minimal_pdf()),
    )
    assert evidence.sha256
    assert evidence.content_type == "application/pdf"
    with pytest.raises(ValidationError):
        services.evidence_add(
            investigation_id=inv.pk,
            actor=world.secretary,
            title="脚本",
            file=SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>"),
        )


def test_measures_have_a_clock_and_block_closing_until_done(world):
    inv = investigation(world)
    _found(world, inv)
    due = timezone.localdate() + dt.timedelta(days=30)
    measure = services.measure_add(
        investigation_id=inv.pk,
        actor=world.secretary,
        description="补签知情同意书",
        due_on=due,
        responsible=world.researcher,
    )
    clock = Deadline.objects.of(measure).get(kind=clocks.CORRECTIVE_MEASURE)
    assert clock.state == DeadlineState.OPEN
    assert clock.rule == "R56"
    from oversight.complaints_hooks import case_recipients

    assert world.researcher in case_recipients(clock).responsible
    services.investigation_conclude(
        investigation_id=inv.pk, actor=world.secretary, finding="partly", conclusion="部分属实"
    )
    with pytest.raises(Conflict) as refused:
        services.investigation_close(investigation_id=inv.pk, actor=world.secretary)
    assert refused.value.rule == "R56"
    assert len(refused.value.problems) == 1
    services.measure_complete(
        investigation_id=inv.pk,
        actor=world.secretary,
        measure=measure,
        completed_on=timezone.localdate(),
        note="已补签",
    )
    clock.refresh_from_db()
    assert clock.state == DeadlineState.MET
    services.investigation_close(investigation_id=inv.pk, actor=world.secretary)
    inv.refresh_from_db()
    assert inv.status == "closed"


def test_a_measure_due_in_the_past_is_refused_today_is_fine(world):
    inv = investigation(world)
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.measure_add(
            investigation_id=inv.pk,
            actor=world.secretary,
            description="x",
            due_on=today - dt.timedelta(days=1),
        )
    services.measure_add(
        investigation_id=inv.pk, actor=world.secretary, description="x", due_on=today
    )


def test_referral_package_renders_with_a_verification_hash(world, client):
    inv = investigation(world)
    _found(world, inv)
    with pytest.raises(Conflict):
        services.referral_prepare(
            investigation_id=inv.pk, actor=world.secretary, authority="市科委"
        )
    services.investigation_conclude(
        investigation_id=inv.pk, actor=world.secretary, finding="substantiated", conclusion="违规"
    )
    package = services.referral_prepare(
        investigation_id=inv.pk, actor=world.secretary, authority="北京市科学技术委员会"
    )
    package = services.referral_render(package_id=package.pk)
    assert package.state == "ready"
    assert len(package.verification_hash) == 64
    from ethics import pdf

    assert package.verification_hash == pdf.verification_hash(services.referral_content(package))
    assert services.referral_render(package_id=package.pk).rendered_at == package.rendered_at
    client.force_login(world.secretary)
    response = client.get(reverse("oversight:investigation-referral", args=[package.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(world.member)
    assert (
        client.get(reverse("oversight:investigation-referral", args=[package.pk])).status_code
        == 404
    )
    assert ReferralPackage.objects.count() == 1
    assert AuditEvent.objects.filter(action="investigation.referral_render").exists()


def test_investigation_pages_query_counts_and_outsiders(
    client, world, django_assert_max_num_queries
):
    inv = investigation(world)
    _found(world, inv)
    client.force_login(world.secretary)
    client.get(reverse("oversight:investigation-list"))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("oversight:investigation-list")).status_code == 200
    with django_assert_max_num_queries(15):
        url = reverse("oversight:investigation-detail", args=[inv.pk])
        assert client.get(url).status_code == 200
    client.force_login(world.outsider)
    assert client.get(reverse("oversight:investigation-detail", args=[inv.pk])).status_code == 404
    url = reverse("oversight:investigation-action", args=[inv.pk, "step"])
    assert client.post(url, {}).status_code == 404


def test_annual_figures(world):
    from oversight.services.complaints import annual_figures

    year = timezone.localdate().year
    empty = annual_figures(world.committee, year)
    assert empty["complaints_received"] == 0
    assert empty["investigations_opened"] == 0
    inv = investigation(world)
    other, _code = report(world)
    services.complaint_acknowledge(complaint_id=other.pk, actor=world.secretary)
    services.complaint_triage(
        complaint_id=other.pk,
        actor=world.secretary,
        outcome="not_accepted",
        reason="不属于受理范围",
    )
    _found(world, inv)
    services.investigation_conclude(
        investigation_id=inv.pk, actor=world.secretary, finding="substantiated", conclusion="违规"
    )
    figures = annual_figures(world.committee, year)
    assert figures["complaints_received"] == 2
    assert figures["complaints_accepted"] == 1
    assert figures["complaints_not_accepted"] == 1
    assert figures["investigations_opened"] == 1
    assert figures["investigations_from_complaints"] == 1
    assert figures["violations_found"] == 1
    assert annual_figures(world.committee, year - 1)["complaints_received"] == 0
    assert annual_figures(world.other_committee, year)["complaints_received"] == 0


def test_the_whole_investigation_through_the_api(api_client, world):
    inv = investigation(world)
    api_client.force_authenticate(world.secretary)
    base = f"/api/v1/investigations/{inv.pk}"
    today = timezone.localdate().isoformat()
    step = {"kind": "finding", "happened_on": today, "title": "查明事实"}
    assert api_client.post(f"{base}/step/", step, format="json").status_code == 201
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    measure = {"description": "整改", "due_on": due, "responsible": [world.researcher.username]}
    response = api_client.post(f"{base}/measure/", measure, format="json")
    assert response.status_code == 201, response.content
    measure_id = response.json()["id"]
    done = {"measure": measure_id, "completed_on": today, "note": "已完成"}
    assert api_client.post(f"{base}/measure-done/", done, format="json").status_code == 200
    conclude = {"finding": "not_substantiated", "conclusion": "未发现违规"}
    assert api_client.post(f"{base}/conclude/", conclude, format="json").status_code == 200
    assert api_client.post(f"{base}/close/", {}, format="json").status_code == 200
    detail = api_client.get(f"{base}/").json()
    assert detail["status"] == "closed"
    assert detail["handling_body"] == "unit"
    assert [m["completed_on"] for m in detail["measures"]] == [today]
    api_client.force_authenticate(world.member)
    assert api_client.get(f"{base}/").status_code == 404


def test_a_referral_package_is_verified_by_its_code_publicly(client, world):
    inv = investigation(world)
    _found(world, inv)
    services.investigation_conclude(
        investigation_id=inv.pk, actor=world.secretary, finding="substantiated", conclusion="违规"
    )
    package = services.referral_prepare(
        investigation_id=inv.pk, actor=world.secretary, authority="北京市科学技术委员会"
    )
    code = services.referral_render(package_id=package.pk).verification_hash
    html = client.get(reverse("oversight:referral-verify", args=[code])).content.decode()
    assert inv.number in html
    assert "北京市科学技术委员会" in html
    assert "违规" not in html  # the header only, never the conclusion
    for bad in ("0" * 64, "abc", code.upper() + "0"):
        assert client.get(reverse("oversight:referral-verify", args=[bad])).status_code == 404


def test_the_public_form_page_renders_for_anyone(client, world):
    html = client.get(reverse("oversight:complaint-report")).content.decode()
    assert 'id="complaint-form"' in html
    assert world.institution.name in html
    assert 'class="trap"' in html
