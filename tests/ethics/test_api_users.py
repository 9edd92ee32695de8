import pytest

from ethics.models import ApiToken, AuditEvent
from ethics.token_models import hash_key
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_token_auth_then_me(api_client):
    UserFactory(username="alice", name="王丽")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "pw-for-tests-1"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get(key_hash=hash_key(token)).user.username == "alice"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/users/me/").json()
    assert me["username"] == "alice"
    assert me["name"] == "王丽"
    assert me["language"] == "zh-hans"
    assert "password" not in me


def test_wrong_password_gives_400_with_field_codes(api_client):
    UserFactory(username="alice")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["non_field_errors"][0]["code"] == "authorization"
    assert body["non_field_errors"][0]["message"]


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/v1/users/").status_code in (401, 403)


def test_outsider_gets_404_for_another_institutions_user(api_client):
    a, b = InstitutionFactory(), InstitutionFactory()
    admin_a = UserFactory(institution=a, institution_admin=True)
    member_b = UserFactory(institution=b)
    api_client.force_authenticate(admin_a)
    assert api_client.get(f"/api/v1/users/{member_b.pk}/").status_code == 404
    api_client.force_authenticate(member_b)
    assert api_client.get(f"/api/v1/users/{admin_a.pk}/").status_code == 404


def test_institution_admin_lists_and_creates_users_of_own_institution(api_client):
    inst = InstitutionFactory()
    admin = UserFactory(institution=inst, institution_admin=True)
    UserFactory(institution=inst)
    UserFactory(institution=InstitutionFactory())
    api_client.force_authenticate(admin)
    listing = api_client.get("/api/v1/users/").json()
    assert listing["count"] == 2
    assert set(listing) >= {"count", "next", "previous", "results"}
    created = api_client.post(
        "/api/v1/users/",
        {
            "username": "newbie",
            "name": "新用户",
            "email": "newbie@example.org",
            "language": "en",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["institution"] == inst.pk
    assert AuditEvent.objects.filter(action="user.create").count() == 1


def test_plain_user_may_not_create_users(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/users/", {"username": "x"}, format="json")
    assert response.status_code == 403


def test_invalid_language_is_a_field_error(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    response = api_client.patch(f"/api/v1/users/{user.pk}/", {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert response.json()["language"][0]["code"] == "invalid_choice"


def test_user_list_query_count_is_constant(api_client, django_assert_max_num_queries):
    inst = InstitutionFactory()
    admin = UserFactory(institution=inst, institution_admin=True)
    UserFactory.create_batch(3, institution=inst)
    api_client.force_authenticate(admin)
    with django_assert_max_num_queries(4):
        api_client.get("/api/v1/users/")
    UserFactory.create_batch(30, institution=inst)
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/users/").json()["count"] == 34


def test_schema_and_docs_are_served_with_local_assets(client):
    client.force_login(UserFactory())
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/users/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
