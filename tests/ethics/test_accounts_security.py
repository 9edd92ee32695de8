"""Issue 13, accounts and tokens: each observed weakness reproduced and refused, with the
boundaries of token and session expiry."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from ethics.models import ApiToken, AuditEvent, User
from ethics.token_models import hash_key
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
NEW_PASSWORD = "Another-long-pass-57"


def obtain(api_client, username, password=PASSWORD, **extra):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def with_token(key):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def codes(response, field):
    return [error["code"] for error in response.json()[field]]


# --- observed: a token holder changes the password without the current one ------------------


def test_patch_with_password_is_refused_and_the_password_stays(api_client):
    alice = UserFactory(username="alice")
    key = obtain(api_client, "alice")["token"]
    response = with_token(key).patch(
        f"/api/v1/users/{alice.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert codes(response, "password") == ["read_only"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_own_password_change_needs_the_current_password(api_client):
    alice = UserFactory(username="alice")
    client = with_token(obtain(api_client, "alice")["token"])
    missing = client.post("/api/v1/users/me/password/", {"new_password": NEW_PASSWORD})
    assert missing.status_code == 400
    assert codes(missing, "current_password") == ["required"]
    wrong = client.post(
        "/api/v1/users/me/password/",
        {"current_password": "not-it", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert wrong.status_code == 400
    assert codes(wrong, "current_password") == ["password_incorrect"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_change_revokes_every_token_and_hands_a_new_one(api_client):
    alice = UserFactory(username="alice")
    first = obtain(api_client, "alice", name="laptop")["token"]
    second = obtain(api_client, "alice", name="script")["token"]
    assert with_token(second).get("/api/v1/users/me/").status_code == 200
    response = with_token(first).post(
        "/api/v1/users/me/password/",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "laptop"
    assert body["token"] not in (first, second)
    for old in (first, second):
        assert with_token(old).get("/api/v1/users/me/").status_code == 401
    assert with_token(body["token"]).get("/api/v1/users/me/").status_code == 200
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.password_change")
    assert event.after == {"tokens_revoked": 2}


@pytest.mark.parametrize(
    ("new_password", "code"),
    [("alice-wang", "password_too_similar"), ("wangli@example.test", "password_too_similar")],
)
def test_new_password_is_checked_against_the_users_own_attributes(api_client, new_password, code):
    UserFactory(username="alice-wang", name="Wang Li", email="wangli@example.test")
    client = with_token(obtain(api_client, "alice-wang")["token"])
    response = client.post(
        "/api/v1/users/me/password/",
        {"current_password": PASSWORD, "new_password": new_password},
        format="json",
    )
    assert response.status_code == 400
    assert code in codes(response, "new_password")


# --- the page ---------------------------------------------------------------------------------


def test_page_password_change_keeps_this_session_and_ends_the_others(api_client):
    alice = UserFactory(username="alice")
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        # A real password login (django-axes needs the request it guards).
        assert browser.login(request=HttpRequest(), username="alice", password=PASSWORD)
    key = obtain(api_client, "alice")["token"]
    wrong = here.post(
        "/accounts/password/",
        {
            "current_password": "wrong",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 200
    assert "current_password" in wrong.context["form"].errors
    response = here.post(
        "/accounts/password/",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200  # this browser stays signed in
    assert elsewhere.get("/").status_code == 302  # the other session ended
    assert SESSION_KEY not in elsewhere.session
    assert with_token(key).get("/api/v1/users/me/").status_code == 401
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_page_refuses_the_username_as_password():
    UserFactory(username="alice-wang")
    browser = Client()
    assert browser.login(request=HttpRequest(), username="alice-wang", password=PASSWORD)
    response = browser.post(
        "/accounts/password/",
        {
            "current_password": PASSWORD,
            "new_password": "alice-wang",
            "new_password_again": "alice-wang",
        },
    )
    assert response.status_code == 200
    assert "new_password" in response.context["form"].errors


# --- observed: an institution admin set a secretary's password --------------------------------


def test_admin_cannot_set_a_password_but_sends_a_reset_link(
    api_client, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory()
    admin = UserFactory(institution=institution, institution_admin=True)
    secretary = UserFactory(institution=institution, username="secretary")
    api_client.force_authenticate(admin)
    refused = api_client.patch(
        f"/api/v1/users/{secretary.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert refused.status_code == 400
    assert codes(refused, "password") == ["read_only"]
    secretary.refresh_from_db()
    assert secretary.check_password(PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/users/{secretary.pk}/password_reset/")
    assert response.status_code == 200, response.content
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [secretary.email]
    assert AuditEvent.objects.filter(
        action="user.password_reset_sent", actor=admin, target_id=str(secretary.pk)
    ).exists()
    # Only the secretary, following the link, chooses the password.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+)", mail.outbox[0].body)[1]
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    done = browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_reset").exists()


def test_password_reset_is_for_administrators_of_the_account(api_client):
    institution = InstitutionFactory()
    admin = UserFactory(institution=institution, institution_admin=True)
    colleague = UserFactory(institution=institution)
    other_admin = UserFactory(institution=InstitutionFactory(), institution_admin=True)
    root = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(colleague)
    assert api_client.post(f"/api/v1/users/{colleague.pk}/password_reset/").status_code == 403
    assert api_client.post(f"/api/v1/users/{admin.pk}/password_reset/").status_code == 404
    api_client.force_authenticate(other_admin)
    assert api_client.post(f"/api/v1/users/{colleague.pk}/password_reset/").status_code == 404
    api_client.force_authenticate(admin)
    assert api_client.post(f"/api/v1/users/{root.pk}/password_reset/").status_code == 404
    assert len(mail.outbox) == 0
    api_client.force_authenticate(root)
    assert api_client.post(f"/api/v1/users/{admin.pk}/password_reset/").status_code == 200
    assert (
        api_client.patch(
            f"/api/v1/users/{admin.pk}/", {"password": NEW_PASSWORD}, format="json"
        ).status_code
        == 400
    )
    colleague.email = ""
    colleague.save()
    no_mail = api_client.post(f"/api/v1/users/{colleague.pk}/password_reset/")
    assert no_mail.status_code == 409
    assert no_mail.json()["code"] == "no_email"


def test_new_account_gets_no_password_from_the_admin_but_a_link(
    api_client, django_capture_on_commit_callbacks
):
    institution = InstitutionFactory()
    admin = UserFactory(institution=institution, institution_admin=True)
    api_client.force_authenticate(admin)
    with_password = api_client.post(
        "/api/v1/users/",
        {"username": "newbie", "password": "newbie", "email": "n@example.test"},
        format="json",
    )
    assert with_password.status_code == 400
    assert codes(with_password, "password") == ["read_only"]
    assert not User.objects.filter(username="newbie").exists()
    with django_capture_on_commit_callbacks(execute=True):
        created = api_client.post(
            "/api/v1/users/",
            {
                "username": "newbie",
                "email": "n@example.test",
                "is_staff": True,
                "is_superuser": True,
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    newbie = User.objects.get(username="newbie")
    assert not newbie.has_usable_password()
    assert not newbie.is_staff
    assert not newbie.is_superuser
    assert newbie.institution_id == institution.pk
    assert mail.outbox[0].to == ["n@example.test"]
    # The owner chooses the password through the link.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+)", mail.outbox[0].body)[1]
    browser = Client()
    form_page = browser.get(link, follow=True)
    assert form_page.context["validlink"]
    browser.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    newbie.refresh_from_db()
    assert newbie.check_password(NEW_PASSWORD)


def test_reset_page_sends_a_link_and_audits_it():
    user = UserFactory(email="li@example.test")
    response = Client().post("/accounts/password/reset/", {"email": "li@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(
        action="user.password_reset_sent", target_id=str(user.pk)
    ).exists()
    page = Client().get("/accounts/password/reset/")
    assert page.status_code == 200
    assert "<script" not in page.content.decode().split("<main", 1)[-1]


# --- observed: users rename themselves; admins grant beyond their own ---------------------------


def test_users_cannot_rename_themselves(api_client):
    alice = UserFactory(username="alice", name="李丽")
    api_client.force_authenticate(alice)
    response = api_client.patch(
        f"/api/v1/users/{alice.pk}/", {"username": "kh_chair2", "name": "王建国"}, format="json"
    )
    assert response.status_code == 400
    assert codes(response, "username") == ["read_only"]
    assert codes(response, "name") == ["read_only"]
    alice.refresh_from_db()
    assert (alice.username, alice.name) == ("alice", "李丽")
    # Their own e-mail and language remain theirs; an unchanged name is no change.
    ok = api_client.patch(
        f"/api/v1/users/{alice.pk}/",
        {"email": "new@example.test", "language": "en", "name": "李丽"},
        format="json",
    )
    assert ok.status_code == 200, ok.content


def test_admin_renames_within_own_institution_only(api_client):
    institution = InstitutionFactory()
    admin = UserFactory(institution=institution, institution_admin=True)
    member = UserFactory(institution=institution)
    elsewhere = InstitutionFactory()
    api_client.force_authenticate(admin)
    ok = api_client.patch(f"/api/v1/users/{member.pk}/", {"name": "王建国"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["name"] == "王建国"
    moved = api_client.patch(
        f"/api/v1/users/{member.pk}/", {"institution": elsewhere.pk}, format="json"
    )
    # Another institution reads as one that does not exist (issue 13: not yours = not there).
    assert moved.status_code == 400
    assert codes(moved, "institution") == ["does_not_exist"]
    own_rights = api_client.patch(
        f"/api/v1/users/{admin.pk}/", {"institution_admin": False, "name": "x"}, format="json"
    )
    assert own_rights.status_code == 400
    staff = api_client.patch(
        f"/api/v1/users/{member.pk}/", {"is_staff": True, "is_superuser": True}, format="json"
    )
    assert staff.status_code == 200
    member.refresh_from_db()
    assert not member.is_staff
    assert not member.is_superuser
    assert member.institution == institution


# --- tokens -----------------------------------------------------------------------------------


def test_token_is_stored_hashed_shown_once_and_never_listed(api_client):
    alice = UserFactory(username="alice")
    body = obtain(api_client, "alice", name="ci")
    key = body["token"]
    assert set(body) >= {"token", "id", "name", "created_at", "expires_at", "idle_days"}
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == hash_key(key)
    assert key not in token.key_hash
    assert token.prefix == key[:8]
    assert token.user == alice
    assert AuditEvent.objects.filter(action="token.issue", target_id=str(token.pk)).exists()
    client = with_token(key)
    listing = client.get("/api/v1/auth/tokens/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    text = listing.content.decode()
    assert key not in text
    assert token.key_hash not in text
    assert '"token"' not in text
    assert listing.json()["results"][0]["name"] == "ci"


def test_delete_token_revokes_the_one_used(api_client):
    UserFactory(username="alice")
    used = obtain(api_client, "alice")["token"]
    kept = obtain(api_client, "alice")["token"]
    assert with_token(used).delete("/api/v1/auth/token/").status_code == 204
    assert with_token(used).get("/api/v1/users/me/").status_code == 401
    assert with_token(kept).get("/api/v1/users/me/").status_code == 200
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1
    assert api_client.delete("/api/v1/auth/token/").status_code == 401


def test_revoke_by_id_own_tokens_only(api_client):
    UserFactory(username="alice")
    UserFactory(username="bob")
    alice = obtain(api_client, "alice")
    spare = obtain(api_client, "alice")
    bob = obtain(api_client, "bob")
    client = with_token(alice["token"])
    assert client.delete(f"/api/v1/auth/tokens/{bob['id']}/").status_code == 404
    assert client.delete("/api/v1/auth/tokens/99999999999999999999999/").status_code == 404
    assert client.delete("/api/v1/auth/tokens/abc/").status_code == 404
    assert with_token(bob["token"]).get("/api/v1/users/me/").status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{spare['id']}/").status_code == 204
    assert client.delete(f"/api/v1/auth/tokens/{spare['id']}/").status_code == 404
    assert with_token(spare["token"]).get("/api/v1/users/me/").status_code == 401
    assert [t["id"] for t in client.get("/api/v1/auth/tokens/").json()["results"]] == [alice["id"]]


def test_token_idle_limit_exactly_vs_one_minute_past(api_client, settings):
    settings.API_TOKEN_IDLE_DAYS = 30
    UserFactory(username="alice")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        key = obtain(api_client, "alice")["token"]
    with time_machine.travel(start + dt.timedelta(days=30), tick=False):
        assert with_token(key).get("/api/v1/users/me/").status_code == 200
    # That use restarted the idle clock: 30 days later it still works, a minute more it does not.
    used = start + dt.timedelta(days=30)
    with time_machine.travel(used + dt.timedelta(days=30, minutes=1), tick=False):
        response = with_token(key).get("/api/v1/users/me/")
        assert response.status_code == 401
        assert "token" not in response.json() or response.json()["token"] != key


def test_unused_token_expires_one_minute_past_the_idle_limit(api_client, settings):
    settings.API_TOKEN_IDLE_DAYS = 30
    UserFactory(username="alice")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        key = obtain(api_client, "alice")["token"]
    with time_machine.travel(start + dt.timedelta(days=30, minutes=1), tick=False):
        assert with_token(key).get("/api/v1/users/me/").status_code == 401
        assert with_token(key).get("/api/v1/auth/tokens/").status_code == 401


def test_last_use_is_written_at_most_once_a_minute(api_client):
    UserFactory(username="alice")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        body = obtain(api_client, "alice")
        with_token(body["token"]).get("/api/v1/users/me/")
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        with_token(body["token"]).get("/api/v1/users/me/")
    assert ApiToken.objects.get(pk=body["id"]).last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=60), tick=False):
        with_token(body["token"]).get("/api/v1/users/me/")
    assert ApiToken.objects.get(pk=body["id"]).last_used_at == start + dt.timedelta(seconds=60)


def test_absolute_token_age_when_configured(api_client, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    UserFactory(username="alice")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        key = obtain(api_client, "alice")["token"]
    for day in range(20, 90, 20):  # used every 20 days: never idle
        with time_machine.travel(start + dt.timedelta(days=day), tick=False):
            assert with_token(key).get("/api/v1/users/me/").status_code == 200
    with time_machine.travel(start + dt.timedelta(days=90), tick=False):
        assert with_token(key).get("/api/v1/users/me/").status_code == 200
    with time_machine.travel(start + dt.timedelta(days=90, minutes=1), tick=False):
        assert with_token(key).get("/api/v1/users/me/").status_code == 401


def test_inactive_user_token_is_refused(api_client):
    alice = UserFactory(username="alice")
    key = obtain(api_client, "alice")["token"]
    alice.is_active = False
    alice.save()
    assert with_token(key).get("/api/v1/users/me/").status_code == 401


def test_existing_authtoken_keys_are_migrated_hashed():
    """The data migration of 0006: a DRF key keeps working, and its plain copy is deleted."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ethics.migrations.0006_accounts_api_tokens")
    alice = UserFactory(username="alice")
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [key, timezone.now(), alice.pk],
        )
    # The function reads only the editor's connection (a real editor can't open inside the
    # test's transaction on SQLite).
    migration.copy_authtoken_keys(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE authtoken_token")
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hash_key(key)
    assert token.prefix == "01234567"
    assert with_token(key).get("/api/v1/users/me/").json()["username"] == "alice"


# --- sessions ---------------------------------------------------------------------------------

# Today: the world's committee terms run from a month ago (an office held now is an officer).
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0)


def signed_in(user, at=T0):
    browser = Client()
    with time_machine.travel(at, tick=False):
        browser.force_login(user)
        assert browser.get("/").status_code == 200
    return browser


def test_officer_session_idle_29_minutes_stays_31_ends(world):
    browser = signed_in(world.secretary)
    with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
        assert browser.get("/").status_code == 200
    # 29 minutes after that request, still signed in; 31 after the last one, out.
    with time_machine.travel(T0 + dt.timedelta(minutes=29 + 31), tick=False):
        response = browser.get("/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/inbox/")
    assert SESSION_KEY not in browser.session
    page = browser.get(response["Location"])
    # "为了安全，您已因长时间未操作而退出登录。" once the lead merged locale/.../new-accounts.po.
    with translation.override("zh-hans"):
        expected = gettext("For your security you were signed out after a period of inactivity.")
    assert expected in page.content.decode()


def test_plain_user_session_idle_limit_is_longer(world):
    browser = signed_in(world.researcher)
    with time_machine.travel(T0 + dt.timedelta(minutes=119), tick=False):
        assert browser.get("/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(minutes=119 + 121), tick=False):
        assert browser.get("/").status_code == 302


def test_officer_at_31_minutes_idle_is_out(world):
    browser = signed_in(world.admin)
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        assert browser.get("/").status_code == 302


def test_session_ends_after_its_absolute_lifetime_despite_activity(settings):
    user = UserFactory()
    browser = signed_in(user)
    for hour in range(1, 12):
        with time_machine.travel(T0 + dt.timedelta(hours=hour), tick=False):
            assert browser.get("/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(hours=12, minutes=1), tick=False):
        assert browser.get("/").status_code == 302
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_api_over_an_expired_session_is_refused_as_json(world):
    browser = signed_in(world.secretary)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        assert browser.get("/api/v1/users/me/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(minutes=10 + 31), tick=False):
        response = browser.get("/api/v1/users/me/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_superuser_cannot_set_a_password_in_the_admin():
    root = UserFactory(is_superuser=True, is_staff=True)
    member = UserFactory()
    browser = Client()
    browser.force_login(root)
    url = f"/admin/ethics/user/{member.pk}/password/"
    assert browser.get(url).status_code == 403
    response = browser.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    own = browser.get(f"/admin/ethics/user/{root.pk}/password/")
    assert own.status_code == 302
    assert own["Location"] == "/accounts/password/"
