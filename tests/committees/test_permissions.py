"""Permission matrix per page and endpoint: admin, secretary, member, researcher, outsider."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from committees import services
from tests.pdfs import minimal_pdf

ROLES = ["admin", "secretary", "member", "researcher", "outsider"]
READ = {"admin": 200, "secretary": 200, "member": 200, "researcher": 404, "outsider": 404}
MANAGE = {"admin": 200, "secretary": 200, "member": 403, "researcher": 404, "outsider": 404}
ADMIN_ONLY = {"admin": 200, "secretary": 403, "member": 403, "researcher": 404, "outsider": 404}


def _document(world):
    return services.document_upload(
        committee_id=world.committee.pk,
        actor=world.admin,
        kind="charter",
        upload=SimpleUploadedFile("章程.pdf", minimal_pdf()),
    )


PAGES = [
    ("committees:committee-detail", lambda w: [w.committee.pk], READ),
    ("committees:composition", lambda w: [w.committee.pk], READ),
    ("committees:member-history", lambda w: [w.committee.pk], READ),
    ("committees:membership-detail", lambda w: [w.members[0].pk], READ),
    ("committees:institution-detail", lambda w: [w.institution.pk], READ),
    ("committees:document-download", lambda w: [_document(w).pk], READ),
    ("committees:membership-add", lambda w: [w.committee.pk], MANAGE),
    ("committees:membership-edit", lambda w: [w.members[0].pk], MANAGE),
    ("committees:committee-edit", lambda w: [w.committee.pk], MANAGE),
    ("committees:document-upload", lambda w: [w.committee.pk], MANAGE),
    ("committees:entrustment-add", lambda w: [w.committee.pk], MANAGE),
    ("committees:institution-edit", lambda w: [w.institution.pk], ADMIN_ONLY),
    ("committees:committee-create", lambda w: [w.institution.pk], ADMIN_ONLY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "expected"), PAGES, ids=[p[0].split(":")[1] for p in PAGES]
)
def test_page_permissions(client, world, role, name, args, expected):
    client.force_login(world.user(role))
    response = client.get(reverse(name, args=args(world)))
    assert response.status_code == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_committee_list_shows_only_visible_committees(client, world, role):
    client.force_login(world.user(role))
    response = client.get(reverse("committees:committee-list"))
    assert response.status_code == 200
    assert (world.committee.name in response.content.decode()) is (READ[role] == 200)


VALID_MEMBER_POSTS = {
    "membership-end": {"ended_on": "2026-06-30"},
    "pledge-add": {"kind": "coi", "signed_on": "2026-01-05"},
    "training-add": {"title": "伦理审查培训", "completed_on": "2026-01-06"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["membership-end", "pledge-add", "training-add"])
def test_member_post_actions(client, world, role, name):
    client.force_login(world.user(role))
    url = reverse(f"committees:{name}", args=[world.members[0].pk])
    # Managers get the form back with errors (400) for an empty form; whoever may not act is
    # refused whatever they send (the input is checked first, so they send a valid one):
    # members 403; everyone else 404.
    managing = role in {"admin", "secretary"}
    response = client.post(url, {} if managing else VALID_MEMBER_POSTS[name])
    assert response.status_code == {**MANAGE, "admin": 400, "secretary": 400}[role]


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("committees:committee-detail", args=[world.committee.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- API ---------------------------------------------------------------------------------------

API_READ = [
    lambda w: f"/api/v1/committees/{w.committee.pk}/",
    lambda w: f"/api/v1/committees/{w.committee.pk}/composition/",
    lambda w: f"/api/v1/committees/{w.committee.pk}/members/",
    lambda w: f"/api/v1/memberships/{w.members[0].pk}/",
    lambda w: f"/api/v1/institutions/{w.institution.pk}/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url", API_READ, ids=["committee", "composition", "members", "membership", "institution"]
)
def test_api_read_permissions(api_client, world, role, url):
    api_client.force_authenticate(world.user(role))
    assert api_client.get(url(world)).status_code == READ[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_add_member(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    person = world.researcher
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/members/",
        {
            "user": person.pk,
            "role": "member",
            "expertise": "ethics",
            "gender": "female",
            "external": False,
            "term_start": "2026-01-05",
            "term_end": "2030-12-31",
        },
        format="json",
    )
    assert response.status_code == {**MANAGE, "admin": 201, "secretary": 201}[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_patch_membership(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    response = api_client.patch(
        f"/api/v1/memberships/{world.members[3].pk}/", {"title": "教授"}, format="json"
    )
    assert response.status_code == MANAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_end_membership(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    response = api_client.post(
        f"/api/v1/memberships/{world.members[3].pk}/end/",
        {"ended_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == MANAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_patch_committee(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    response = api_client.patch(
        f"/api/v1/committees/{world.committee.pk}/", {"name": "新名称"}, format="json"
    )
    assert response.status_code == MANAGE[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_patch_institution(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    response = api_client.patch(
        f"/api/v1/institutions/{world.institution.pk}/", {"region": "北京市海淀区"}, format="json"
    )
    assert response.status_code == ADMIN_ONLY[role]


@pytest.mark.parametrize("role", ROLES)
def test_api_lists_are_scoped(api_client, world, role):
    api_client.force_authenticate(world.user(role))
    committees = api_client.get("/api/v1/committees/").json()
    institutions = api_client.get("/api/v1/institutions/").json()
    sees = READ[role] == 200
    assert (world.committee.pk in [c["id"] for c in committees["results"]]) is sees
    assert (world.institution.pk in [i["id"] for i in institutions["results"]]) is sees


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 200), ("secretary", 200), ("member", 404), ("researcher", 404), ("outsider", 404)],
)
def test_api_user_detail(api_client, world, role, expected):
    api_client.force_authenticate(world.user(role))
    assert api_client.get(f"/api/v1/users/{world.secretary.pk}/").status_code == expected


def test_api_anonymous_is_refused(api_client, world):
    assert api_client.get(f"/api/v1/committees/{world.committee.pk}/").status_code in {401, 403}
