"""API shapes and errors of api.md for institutions, committees and members."""

import pytest

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_composition_shape_and_problems(api_client, world):
    api_client.force_authenticate(world.secretary)
    url = f"/api/v1/committees/{world.committee.pk}/composition/"
    body = api_client.get(url).json()
    assert body["valid"] is True
    assert body["members_in_term"] == 7
    assert body["problems"] == []
    api_client.post(
        f"/api/v1/memberships/{world.members[-1].pk}/end/",
        {"ended_on": world.term["term_start"].isoformat(), "reason": "辞任"},
        format="json",
    )
    tomorrow = world.term["term_start"].toordinal() + 1
    import datetime as dt

    body = api_client.get(url, {"on": dt.date.fromordinal(tomorrow).isoformat()}).json()
    assert body["valid"] is False
    assert body["members_in_term"] == 6
    assert [(p["code"], p["rule"]) for p in body["problems"]] == [("too_few_members", "R4")]
    assert body["problems"][0]["message"]


def test_composition_bad_date_is_400(api_client, world):
    api_client.force_authenticate(world.secretary)
    response = api_client.get(f"/api/v1/committees/{world.committee.pk}/composition/", {"on": "x"})
    assert response.status_code == 400
    assert response.json()["on"][0]["code"] == "invalid"


def test_missing_expertise_carries_the_expertise(api_client, world):
    api_client.force_authenticate(world.secretary)
    world.committee.regimes = ["meas", "nhc"]
    world.committee.save()
    body = api_client.get(f"/api/v1/committees/{world.committee.pk}/composition/").json()
    assert body["problems"][0] | {"message": ""} == {
        "code": "missing_expertise",
        "rule": "N1",
        "message": "",
        "expertise": "lay",
        "article": body["problems"][0]["article"],
    }


def test_member_fields_match_the_contract(api_client, world):
    api_client.force_authenticate(world.member)
    body = api_client.get(f"/api/v1/committees/{world.committee.pk}/members/").json()
    assert body["count"] == 8
    row = body["results"][0]
    for key in [
        "id",
        "user",
        "name",
        "role",
        "expertise",
        "gender",
        "external",
        "term_start",
        "term_end",
    ]:
        assert key in row


def test_add_member_with_too_long_term_is_400_with_code(api_client, world):
    api_client.force_authenticate(world.secretary)
    response = api_client.post(
        f"/api/v1/committees/{world.committee.pk}/members/",
        {
            "user": world.researcher.pk,
            "role": "member",
            "expertise": "science",
            "gender": "male",
            "term_start": "2026-01-05",
            "term_end": "2031-01-06",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["term_end"][0]["code"] == "term_too_long"


def test_ending_twice_is_409(api_client, world):
    api_client.force_authenticate(world.secretary)
    url = f"/api/v1/memberships/{world.members[2].pk}/end/"
    data = {"ended_on": world.term["term_start"].isoformat()}
    assert api_client.post(url, data, format="json").status_code == 200
    response = api_client.post(url, data, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "membership_ended"


def test_institution_wrong_credit_code_is_a_field_error(api_client, world):
    api_client.force_authenticate(world.admin)
    response = api_client.patch(
        f"/api/v1/institutions/{world.institution.pk}/",
        {"credit_code": "91350100M000100Y44"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["credit_code"][0]["code"] == "invalid_check_char"
    ok = api_client.patch(
        f"/api/v1/institutions/{world.institution.pk}/",
        {"credit_code": "91350100m000100y43"},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json()["credit_code"] == "91350100M000100Y43"


def test_superuser_creates_institution_admin_creates_committee(
    api_client, world, django_user_model
):
    root = django_user_model.objects.create_superuser("root", "r@example.test", "x")
    api_client.force_authenticate(root)
    response = api_client.post(
        "/api/v1/institutions/",
        {
            "name": "北京某大学",
            "credit_code": "914403001922038216",
            "kind": "university",
            "authority": "bj_education",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    api_client.force_authenticate(world.admin)
    assert api_client.post("/api/v1/institutions/", {"name": "x"}, format="json").status_code in {
        400,
        403,
    }
    response = api_client.post(
        "/api/v1/committees/",
        {
            "institution": world.institution.pk,
            "name": "第二委员会",
            "kind": "institutional",
            "regimes": ["meas", "nhc"],
            "established_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["registration_status"] == "unregistered"
    # Another institution is not even a valid choice.
    response = api_client.post(
        "/api/v1/committees/",
        {
            "institution": world.other_committee.institution_id,
            "name": "x",
            "regimes": ["meas"],
            "established_on": "2026-03-02",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["institution"][0]["code"] == "does_not_exist"


def test_schema_builds(client, world):
    client.force_login(world.member)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/committees/{id}/composition/" in response.content


def test_member_sees_own_membership_of_other_committee(api_client, world):
    membership = MembershipFactory(user=world.member, **world.term)
    api_client.force_authenticate(world.member)
    assert api_client.get(f"/api/v1/memberships/{membership.pk}/").status_code == 200
