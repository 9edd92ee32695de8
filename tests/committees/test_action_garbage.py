"""Garbage to every committees action, page and API: a 4xx and nothing changed; outsiders and
non-numeric ids get 404; and the roster input that used to answer 500.

The API's model CRUD goes through the tables too: `create` is `POST /<resource>/`, `update` is
`PATCH /<resource>/{id}/`; every other action is `POST /<resource>/{id}/<url_path>/`.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from committees import services
from committees.actions import (
    COMMITTEES,
    ENTRUSTMENTS,
    IMPORTS,
    INSTITUTIONS,
    MEMBERSHIPS,
    RULES,
    WEBHOOKS,
)
from committees.models import Membership
from ethics.actions import Action
from ethics.models import AuditEvent, GroupWebhook, User
from tests import garbage
from tests.factories import (
    CommitteeFactory,
    InstitutionFactory,
    MembershipFactory,
    UserFactory,
    valid_roster,
)
from tests.pdfs import minimal_pdf

PDF = minimal_pdf()


@pytest.fixture
def world(db):
    """This module's own world, so that it does not depend on the shared fixtures: a committee
    with a valid roster and a secretary, its institution's admin, a researcher of the
    institution, a site admin, an entrustment received from another institution, and an
    outsider (the secretary of that other institution's committee)."""
    today = timezone.localdate()
    term = {"term_start": today - dt.timedelta(days=30), "term_end": today + dt.timedelta(days=900)}
    institution = InstitutionFactory()
    committee = CommitteeFactory(institution=institution)
    members = valid_roster(committee, **term)
    secretary = MembershipFactory(
        committee=committee,
        role="secretary",
        expertise="other",
        user=UserFactory(institution=institution),
        **term,
    ).user
    other_committee = CommitteeFactory()
    outsider = MembershipFactory(committee=other_committee, role="secretary", **term).user
    root = UserFactory(is_superuser=True, is_staff=True)
    entrustment = services.entrustment_create(
        actor=root,
        entrusting_institution=other_committee.institution,
        receiving_committee_id=committee.pk,
        scope="人类遗传资源相关研究",
        starts_on=today,
        agreement=SimpleUploadedFile("委托协议.pdf", PDF),
    )
    return SimpleNamespace(
        institution=institution,
        committee=committee,
        members=members,
        membership=members[3],
        secretary=secretary,
        admin=UserFactory(institution=institution, institution_admin=True),
        researcher=UserFactory(institution=institution),
        root=root,
        outsider=outsider,
        other_committee=other_committee,
        entrustment=entrustment,
        term=term,
    )


# --- routes: where each action is reached on the page and in the API ---------------------------


def _institution(world):
    pk = world.institution.pk
    pages = {"update": reverse("committees:institution-edit", args=[pk])}
    apis = {"create": "/api/v1/institutions/", "update": f"/api/v1/institutions/{pk}/"}
    return garbage.Target(
        actor=world.root, target=world.institution, page_url=pages.get, api_url=apis.get
    )


def _committee(world):
    pk = world.committee.pk
    pages = {
        "create": reverse("committees:committee-create", args=[world.institution.pk]),
        "update": reverse("committees:committee-edit", args=[pk]),
        "add_member": reverse("committees:membership-add", args=[pk]),
        "upload_document": reverse("committees:document-upload", args=[pk]),
        "add_entrustment": reverse("committees:entrustment-add", args=[pk]),
        "designate_deputy": reverse("committees:deputy-designate", args=[pk]),
        "add_webhook": reverse("committees:webhooks", args=[pk]),
    }
    apis = {"create": "/api/v1/committees/", "update": f"/api/v1/committees/{pk}/"}
    return garbage.Target(
        actor=world.admin,
        target=world.committee,
        page_url=pages.get,
        api_url=lambda name: apis.get(name) or _action_url("committees", pk, COMMITTEES, name),
    )


def _membership(world):
    pk = world.membership.pk
    pages = {
        "update": reverse("committees:membership-edit", args=[pk]),
        "end": reverse("committees:membership-end", args=[pk]),
        "pledge": reverse("committees:pledge-add", args=[pk]),
        "training": reverse("committees:training-add", args=[pk]),
    }
    return garbage.Target(
        actor=world.secretary,
        target=world.membership,
        page_url=pages.get,
        api_url=lambda name: (
            f"/api/v1/memberships/{pk}/"
            if name == "update"
            else _action_url("memberships", pk, MEMBERSHIPS, name)
        ),
    )


def _entrustment(world):
    pk = world.entrustment.pk
    return garbage.Target(
        actor=world.secretary,
        target=world.entrustment,
        page_url=lambda name: reverse(f"committees:entrustment-{name}", args=[pk]),
        api_url=lambda name: _action_url("entrustments", pk, ENTRUSTMENTS, name),
    )


def _webhook(world):
    hook = GroupWebhook.objects.create(
        committee_id=world.committee.pk, vendor="wecom", url="https://example.com/robot"
    )
    return garbage.Target(
        actor=world.secretary,
        target=hook,
        page_url=lambda name: reverse("committees:webhook-action", args=[hook.pk, name]),
        api_url=lambda name: None,
    )


def _import(world):
    from committees.models import ImportBatch

    batch = ImportBatch.objects.create(
        kind="users",
        created_by=world.admin,
        file_name="users.csv",
        sha256="0" * 64,
        content="用户名,姓名\nzhao.liu,赵六\n".encode(),
    )
    return garbage.Target(
        actor=world.admin,
        target=batch,
        page_url=lambda name: (
            reverse("committees:imports")
            if name == "check"
            else reverse("committees:import-action", args=[batch.pk, name])
        ),
        api_url=lambda name: (
            "/api/v1/imports/" if name == "check" else f"/api/v1/imports/{batch.pk}/{name}/"
        ),
    )


def _action_url(resource, pk, table, name):
    entry = table.get(name)
    return f"/api/v1/{resource}/{pk}/{entry.url_path or entry.name}/"


def _rules(world):
    pk = world.committee.pk
    return garbage.Target(
        actor=world.admin,
        target=world.committee,
        page_url=lambda name: reverse("committees:rules-action", args=[pk, name]),
        api_url=lambda name: _action_url("rules", pk, RULES, name),
    )


TARGETS = {
    "committees.rules": _rules,
    "committees.institution": _institution,
    "committees.committee": _committee,
    "committees.membership": _membership,
    "committees.entrustment": _entrustment,
    "committees.webhook": _webhook,
    "committees.import": _import,
}
TABLES = [INSTITUTIONS, COMMITTEES, MEMBERSHIPS, ENTRUSTMENTS, RULES, WEBHOOKS, IMPORTS]


def _method(entry: Action) -> str:
    return "PATCH" if entry.name == "update" else "POST"


def _entries(with_input: bool = False) -> list:
    return [
        pytest.param(table, entry, id=f"{table.name}.{entry.name}")
        for table in TABLES
        for entry in table
        if entry.input is not None or not with_input
    ]


def _assert_refused_api(api_client, method, url, body):
    before = AuditEvent.objects.count()
    response = api_client.generic(method, url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, (method, url, body[:80], response.status_code)
    assert AuditEvent.objects.count() == before, (url, body[:80])


@pytest.mark.parametrize(("table", "entry"), _entries(with_input=True))
def test_garbage_is_refused_on_both_routes(world, client, api_client, table, entry):
    target = TARGETS[table.name](world)
    client.force_login(target.actor)
    api_client.force_authenticate(target.actor)
    api = target.api_url(entry.name)
    page = target.page_url(entry.name)
    assert api or page, entry.name
    if api:
        for _label, body in garbage.raw_bodies():
            _assert_refused_api(api_client, _method(entry), api, body)
        for _label, data in garbage.field_payloads(entry):
            _assert_refused_api(api_client, _method(entry), api, json.dumps(data))
    if page:
        for _label, data in garbage.field_payloads(entry, page=True):
            garbage.assert_refused_page(client, page, data)


@pytest.mark.parametrize(("table", "entry"), [e for e in _entries() if e.values[1].detail])
def test_outsiders_and_bad_ids_get_404(world, client, api_client, table, entry):
    target = TARGETS[table.name](world)
    api, page = target.api_url(entry.name), target.page_url(entry.name)
    api_client.force_authenticate(world.outsider)
    client.force_login(world.outsider)
    if api:
        response = api_client.generic(_method(entry), api, "{}", content_type="application/json")
        assert response.status_code == 404
        bad = api.replace(f"/{target.target.pk}/", "/abc/")
        assert api_client.generic(_method(entry), bad).status_code == 404
    if page:
        assert client.post(page, {}).status_code == 404
        assert client.post(page.replace(f"/{target.target.pk}/", "/abc/"), {}).status_code == 404


def test_creating_names_only_a_visible_parent(world, client, api_client):
    """The collection's create: another institution is no valid choice (400, not a leak), and
    the page of another institution is a 404."""
    api_client.force_authenticate(world.outsider)
    response = api_client.post(
        "/api/v1/committees/",
        {
            "institution": world.institution.pk,
            "name": "x",
            "regimes": ["meas"],
            "established_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["institution"][0]["code"] == "does_not_exist"
    client.force_login(world.outsider)
    url = reverse("committees:committee-create", args=[world.institution.pk])
    assert client.post(url, {}).status_code == 404
    assert client.get("/committees/institutions/abc/committees/new/").status_code == 404
    # Only site admins create institutions.
    api_client.force_authenticate(world.admin)
    response = api_client.post(
        "/api/v1/institutions/",
        {"name": "新单位", "credit_code": "914403001922038216", "kind": "university"},
        format="json",
    )
    assert response.status_code == 403


# --- the roster input that answered 500 --------------------------------------------------------


def _member_body(world, **changes):
    body = {
        "user": world.researcher.pk,
        "expertise": "ethics",
        "gender": "female",
        "external": False,
        "term_start": world.term["term_start"].isoformat(),
        "term_end": world.term["term_end"].isoformat(),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def test_adding_a_member_without_role_appoints_an_ordinary_member(world, api_client):
    """`role` has a default (member), as the model and the schema say; it used to answer 500."""
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/members/", _member_body(world), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["role"] == "member"
    assert response.json()["user"] == world.researcher.pk


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("role", "president", "invalid_choice"),
        ("role", {"a": 1}, "invalid"),
        ("user", "abc", "incorrect_type"),
        ("user", 10**30, "does_not_exist"),
        ("expertise", None, "required"),
        ("gender", None, "required"),
        ("term_end", "2020-01-01", "invalid"),
    ],
)
def test_bad_member_input_is_a_field_error(world, api_client, field, value, code):
    api_client.force_authenticate(world.secretary)
    body = _member_body(world, **{field: value})
    if value is None:
        body.pop(field, None)
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/members/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()[field][0]["code"] == code


def test_a_person_of_another_institution_is_no_candidate(world, api_client):
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/members/",
        _member_body(world, user=world.outsider.pk),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["user"][0]["code"] == "does_not_exist"


def test_a_refused_appointment_keeps_no_new_account(world, client):
    """A new person's account and the appointment are one transaction (the account used to stay
    when the term was refused)."""
    client.force_login(world.secretary)
    users = User.objects.count()
    response = client.post(
        reverse("committees:membership-add", args=[world.committee.pk]),
        {
            "new_name": "外聘专家",
            "role": "member",
            "expertise": "law",
            "gender": "male",
            "external": "on",
            "term_start": "2026-01-05",
            "term_end": "2032-01-05",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["term_end"][0].code == "term_too_long"
    assert User.objects.count() == users
    assert 'value="外聘专家"' in response.content.decode()


def test_patch_changes_only_the_fields_sent(world, api_client):
    api_client.force_authenticate(world.secretary)
    membership = world.membership
    response = api_client.patch(
        f"/api/v1/memberships/{membership.pk}/", {"title": "教授"}, format="json"
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert (membership.title, membership.role, membership.expertise) == (
        "教授",
        "member",
        "science",
    )
    # The person of an appointment never changes.
    response = api_client.patch(
        f"/api/v1/memberships/{membership.pk}/", {"user": world.researcher.pk}, format="json"
    )
    assert response.status_code == 200
    assert Membership.objects.get(pk=membership.pk).user_id == membership.user_id


def test_documents_pledges_training_and_entrustments_through_the_api(world, api_client):
    api_client.force_authenticate(world.secretary)
    committee, membership = world.committee, world.membership
    response = api_client.post(
        f"/api/v1/committees/{committee.pk}/documents/",
        {"kind": "charter", "file": SimpleUploadedFile("章程.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["version"]) == ("charter", 1)
    response = api_client.post(
        f"/api/v1/memberships/{membership.pk}/pledges/",
        {"kind": "confidentiality", "signed_on": "2026-01-05"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    response = api_client.post(
        f"/api/v1/memberships/{membership.pk}/trainings/",
        {"title": "伦理审查培训", "completed_on": "2026-01-06", "hours": "4.5"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["hours"] == "4.5"
    response = api_client.post(
        f"/api/v1/entrustments/{world.entrustment.pk}/end/", {"reason": "协议终止"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["ended_on"] == timezone.localdate().isoformat()
    again = api_client.post(f"/api/v1/entrustments/{world.entrustment.pk}/end/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "entrustment_ended"


def test_a_refused_page_action_says_why_and_keeps_the_input(world, client):
    """Ending an ended membership: 409 with the refusal page, the form holding what was typed."""
    client.force_login(world.secretary)
    membership = world.membership
    url = reverse("committees:membership-end", args=[membership.pk])
    day = world.term["term_start"].isoformat()
    assert client.post(url, {"ended_on": day, "reason": "辞任", "confirm": "1"}).status_code == 302
    response = client.post(url, {"ended_on": day, "reason": "KEPT-REASON-42", "confirm": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="action-refused"' in html
    assert 'value="KEPT-REASON-42"' in html


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", lambda w: "/api/v1/committees/", {"established_on": "9999-12-31"}),
        (
            "PATCH",
            lambda w: f"/api/v1/committees/{w.committee.pk}/",
            {"established_on": "9999-12-31"},
        ),
        (
            "POST",
            lambda w: f"/api/v1/committees/{w.committee.pk}/members/",
            {"term_start": "9999-12-30", "term_end": "9999-12-31"},
        ),
        (
            "PATCH",
            lambda w: f"/api/v1/memberships/{w.membership.pk}/",
            {"term_start": "9999-12-30", "term_end": "9999-12-31"},
        ),
        (
            "POST",
            lambda w: f"/api/v1/memberships/{w.membership.pk}/end/",
            {"ended_on": "0001-01-01"},
        ),
    ],
    ids=["committee-create", "committee-update", "member-add", "membership-update", "end"],
)
def test_dates_no_calendar_can_count_from_are_400(world, api_client, method, url, body):
    """Regulatory periods add days and years to these dates; near 9999-12-31 that overflowed
    (500). Dates are refused outside 1900-01-01 … 2199-12-31."""
    api_client.force_authenticate(world.admin)
    data = {
        "institution": world.institution.pk,
        "name": "新委员会",
        "regimes": ["meas"],
        **_member_body(world),
        **body,
    }
    before = AuditEvent.objects.count()
    response = api_client.generic(
        method, url(world), json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    field = next(iter(body))
    assert response.json()[field][0]["code"] == "date_out_of_range"
    assert AuditEvent.objects.count() == before
