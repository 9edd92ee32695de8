"""R53 pre-filing validation and sign-off; R3 documents and R4-R6 composition gate the
registration package. Each refusal is one 409 with every problem, on the page and the API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from committees.models import CommitteeDocument
from ethics.errors import Conflict
from ethics.models import AuditEvent, Institution
from registry import services, validation
from registry.models import Filing, FilingPackage

pytestmark = pytest.mark.django_db


def _registration(world):
    return Filing.objects.get(committee=world.committee, kind="committee_registration")


def _rules(problems):
    return {(p["code"], p["rule"]) for p in problems}


def _end(membership):
    membership.ended_on = timezone.localdate() - dt.timedelta(days=1)
    membership.save(update_fields=["ended_on"])


def _prepared(world):
    filing = _registration(world)
    package = services.filing_prepare(filing_id=filing.pk, actor=world.secretary)
    services.package_render(package_id=package.pk)
    return filing


def test_a_valid_committee_prepares_r53(world):
    package = services.filing_prepare(filing_id=_registration(world).pk, actor=world.secretary)
    assert package.version == 1
    event = AuditEvent.objects.filter(action="filing.prepare").latest("id")
    assert event.after["validated"] == "R53"


def test_registration_without_the_charter_is_refused_api_r3(api_client, world):
    CommitteeDocument.objects.filter(committee=world.committee, kind="charter").delete()
    filing = _registration(world)
    api_client.force_authenticate(world.secretary)
    response = api_client.post(f"/api/v1/filings/{filing.pk}/prepare/")
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["rule"]) == ("filing_invalid", "R53")
    assert _rules(body["problems"]) == {("missing_document", "R3")}
    assert body["problems"][0]["document"] == "charter"
    filing.refresh_from_db()
    assert filing.status == "due"
    assert not FilingPackage.objects.exists()


def test_registration_with_six_members_is_refused_page_r4(client, world):
    _end(world.member_membership)
    filing = _registration(world)
    client.force_login(world.secretary)
    response = client.post(reverse("registry:filing-action", args=[filing.pk, "prepare"]))
    assert response.status_code == 409
    assert "R4" in response.content.decode()
    filing.refresh_from_db()
    assert filing.status == "due"


def test_every_problem_is_listed_at_once_r53_r3_r4_r5(world):
    """Six members, no chair, no charter, a bad credit code: one refusal lists them all."""
    _end(world.member_membership)
    world.chair_membership.role = "member"
    world.chair_membership.save(update_fields=["role"])
    CommitteeDocument.objects.filter(committee=world.committee, kind="charter").delete()
    Institution.objects.filter(pk=world.institution.pk).update(credit_code="911100001234567890")
    with pytest.raises(Conflict) as caught:
        services.filing_prepare(filing_id=_registration(world).pk, actor=world.secretary)
    assert _rules(caught.value.as_dict()["problems"]) == {
        ("too_few_members", "R4"),
        ("no_chair", "R5"),
        ("missing_document", "R3"),
        ("credit_code_invalid", "R53"),
    }


def test_an_empty_required_field_is_a_problem_r53():
    data = {
        "sections": [
            {
                "key": "unit",
                "title": "一、单位信息",
                "fields": [
                    {"key": "unit_name", "label": "单位名称", "value": "康华"},
                    {"key": "region", "label": "所在地区", "value": " "},
                    {"key": "authority", "label": "主管部门", "value": ""},  # optional
                ],
                "rows": [],
            },
            {"key": "roster", "title": "三、委员名单", "fields": [], "rows": []},
        ]
    }
    problems = validation.content_problems("committee_registration", data)
    assert [(p.code, p.extra.get("field", "")) for p in problems] == [
        ("field_missing", "所在地区"),
        ("section_empty", ""),
    ]
    assert {p.rule for p in problems} == {"R53"}


def test_a_valid_credit_code_passes_and_one_changed_character_fails_r53(world):
    code = world.institution.credit_code
    assert validation.credit_code_problems(code) == []
    changed = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert [p.code for p in validation.credit_code_problems(changed)] == ["credit_code_invalid"]


# --- sign-off (R53) ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["secretary", "vice_chair", "member", "outsider"])
def test_only_the_chair_or_an_institution_admin_signs_off_r53(world, role):
    filing = _prepared(world)
    with pytest.raises(PermissionDenied):
        services.filing_sign_off(filing_id=filing.pk, actor=world.user(role))


@pytest.mark.parametrize("role", ["chair", "admin"])
def test_the_chair_or_the_admin_signs_off_r53(world, role):
    filing = _prepared(world)
    package = services.filing_sign_off(filing_id=filing.pk, actor=world.user(role))
    assert package.signed_off_by == world.user(role)
    with pytest.raises(Conflict) as caught:
        services.filing_sign_off(filing_id=filing.pk, actor=world.user(role))
    assert caught.value.code == "already_signed_off"


def test_a_new_version_needs_a_new_sign_off_r53(world):
    filing = _prepared(world)
    services.filing_sign_off(filing_id=filing.pk, actor=world.chair)
    package = services.filing_prepare(filing_id=filing.pk, actor=world.secretary)
    services.package_render(package_id=package.pk)
    with pytest.raises(Conflict) as caught:
        services.filing_submit(
            filing_id=filing.pk,
            actor=world.secretary,
            submitted_on=timezone.localdate(),
            receipt="R",
        )
    assert (caught.value.code, caught.value.rule) == ("sign_off_required", "R53")


def test_sign_off_validates_again_r53_r4(world):
    """The roster shrank after the package was prepared: the sign-off is refused."""
    filing = _prepared(world)
    _end(world.member_membership)
    with pytest.raises(Conflict) as caught:
        services.filing_sign_off(filing_id=filing.pk, actor=world.chair)
    assert ("too_few_members", "R4") in _rules(caught.value.as_dict()["problems"])


def test_sign_off_before_rendering_is_refused(world):
    filing = _registration(world)
    services.filing_prepare(filing_id=filing.pk, actor=world.secretary)
    with pytest.raises(Conflict) as caught:
        services.filing_sign_off(filing_id=filing.pk, actor=world.chair)
    assert caught.value.code == "package_not_ready"


def test_sign_off_page_is_refused_for_the_secretary_and_done_by_the_chair(client, world):
    filing = _prepared(world)
    url = reverse("registry:filing-action", args=[filing.pk, "sign_off"])
    client.force_login(world.secretary)
    assert client.post(url).status_code == 403
    client.force_login(world.chair)
    assert client.post(url, {"confirm": "1"}).status_code == 302
    page = client.get(reverse("registry:filing-detail", args=[filing.pk])).content.decode()
    assert 'id="package-sign-off"' in page
    assert FilingPackage.objects.get(filing=filing).signed_off_by == world.chair


def test_sign_off_on_the_page_asks_first_and_changes_nothing(client, world):
    """Issue 15: the sign-off states its consequence (R53) before it is taken."""
    filing = _prepared(world)
    url = reverse("registry:filing-action", args=[filing.pk, "sign_off"])
    client.force_login(world.chair)
    before = AuditEvent.objects.count()
    asked = client.post(url)
    assert asked.status_code == 200
    html = asked.content.decode()
    assert 'id="action-confirm"' in html
    assert "R53" in html
    assert AuditEvent.objects.count() == before
    assert FilingPackage.objects.get(filing=filing).signed_off_at is None
