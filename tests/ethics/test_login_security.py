"""Login protection (README "Login protection"): the lock after AXES_FAILURE_LIMIT failures on
every login path, the cool-off, unlocking, the token endpoint's throttle, and the login audit."""

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.db.models import Q

from ethics.models import AuditEvent
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
LOCKED_ZH = "登录失败次数过多，该账户已被锁定。请在 30 分钟后重试，或请所属机构的管理员解锁。"
LOCKED_FOR_GOOD_ZH = "登录失败次数过多，该账户已被锁定，须由所属机构的管理员解锁。"
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _catalogue(settings, tmp_path):
    """The helper's strings wait in new-login.po until the lead merges them into django.po;
    until then compile them beside it (django.po keeps precedence)."""
    po = LOCALE / "new-login.po"
    if not po.exists():
        return
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    header = '"Content-Type: text/plain; charset=UTF-8\\n"'
    text = po.read_text(encoding="utf-8").replace(
        header, header + '\n"Plural-Forms: nplurals=1; plural=0;\\n"', 1
    )
    (target / "django.po").write_text(text, encoding="utf-8")
    msgfmt = shutil.which("msgfmt") or "/usr/bin/msgfmt"
    subprocess.run(  # noqa: S603 - our own catalogue, gettext's compiler
        [msgfmt, "-o", str(target / "django.mo"), str(target / "django.po")], check=True
    )
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, tmp_path / "locale"]


@pytest.fixture
def alice():
    return UserFactory(username="alice", institution=InstitutionFactory())


def page_login(client, username, password, path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password})


def token(api_client, username, password, **extra):
    return api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters).order_by("id")


# --- the login page ----------------------------------------------------------------------------


def test_four_failures_then_the_right_password_logs_in_and_the_count_starts_again(client, alice):
    for _ in range(4):
        response = page_login(client, "alice", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = page_login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    client.logout()
    # The success reset the count: four more failures still do not lock.
    for _ in range(4):
        assert page_login(client, "alice", "wrong").status_code == 200
    assert page_login(client, "alice", PASSWORD).status_code == 302


def test_the_fifth_failure_locks_and_the_right_password_is_then_refused_in_chinese(client, alice):
    for _ in range(4):
        assert page_login(client, "alice", "wrong").status_code == 200
    response = page_login(client, "alice", "wrong")
    assert response.status_code == 429
    assert response["Retry-After"] == str(30 * 60)
    response = page_login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert LOCKED_ZH in page
    assert "账户已锁定" in page  # the heading of a proper page (base.html), not a bare text
    assert "<html" in page
    assert 'href="/accounts/login/"' in page


def test_an_unknown_username_reads_exactly_like_a_locked_account(client, alice):
    """Nothing tells a missing account from an existing one."""
    answers = {}
    for name in ("alice", "nobody"):
        statuses = [page_login(client, name, "wrong").status_code for _ in range(5)]
        response = page_login(client, name, "wrong")
        answers[name] = (statuses, response.status_code, response.content.decode().count(LOCKED_ZH))
    assert answers["alice"] == answers["nobody"] == ([200, 200, 200, 200, 429], 429, 1)


def test_the_lock_ends_after_the_cool_off(client, alice):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            page_login(client, "alice", "wrong")
    with time_machine.travel(T0 + timedelta(minutes=29, seconds=59), tick=False):
        response = page_login(client, "alice", PASSWORD)
        assert response.status_code == 429
        assert "请在 1 分钟后重试" in response.content.decode()
    with time_machine.travel(T0 + timedelta(minutes=30, seconds=1), tick=False):
        assert page_login(client, "alice", PASSWORD).status_code == 302
        assert signed_in(client)


def test_attempts_while_locked_do_not_extend_the_lock(client, alice):
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            page_login(client, "alice", "wrong")
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        assert page_login(client, "alice", "wrong").status_code == 429
    with time_machine.travel(T0 + timedelta(minutes=30, seconds=1), tick=False):
        assert page_login(client, "alice", PASSWORD).status_code == 302


def test_cool_off_zero_locks_until_an_administrator_unlocks(client, alice, settings):
    settings.AXES_COOLOFF_TIME = None
    settings.AXES_COOLOFF_MINUTES = 0
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            page_login(client, "alice", "wrong")
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        response = page_login(client, "alice", PASSWORD)
        assert response.status_code == 429
        assert LOCKED_FOR_GOOD_ZH in response.content.decode()
        assert "Retry-After" not in response


def test_the_limit_comes_from_the_settings(client, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert [page_login(client, "alice", "wrong").status_code for _ in range(3)] == [200, 200, 429]


# --- the admin's login -------------------------------------------------------------------------


def test_the_admin_login_locks_the_same_account(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(4):
        assert page_login(client, "root", "wrong", "/admin/login/").status_code == 200
    assert page_login(client, "root", "wrong", "/admin/login/").status_code == 429
    assert page_login(client, "root", PASSWORD, "/admin/login/").status_code == 429
    # One account, one lock: the login page refuses it too.
    assert page_login(client, "root", PASSWORD).status_code == 429


def test_an_admin_login_is_audited(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    event = events("auth.login").get()
    assert event.actor == root
    assert event.after == {"via": "admin", "ip": "127.0.0.1"}


def test_a_superuser_sees_and_clears_locks_in_the_admin(client, alice):
    for _ in range(5):
        page_login(client, "alice", "wrong")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "alice" in listing.content.decode()
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="alice")
    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    event = events("user.unlock").get()
    assert (event.actor, event.target_id) == (root, str(alice.pk))
    assert event.after == {"username": "alice", "failure_records_cleared": 1, "via": "admin"}
    client.logout()
    assert page_login(client, "alice", PASSWORD).status_code == 302


def test_a_bulk_delete_in_the_admin_unlocks_each_username_audited(client, alice):
    for name in ("alice", "nobody"):
        for _ in range(5):
            page_login(client, name, "wrong")
    from axes.models import AccessAttempt

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    unlocked = {e.after["username"]: e.target_id for e in events("user.unlock")}
    assert unlocked == {"alice": str(alice.pk), "nobody": ""}


# --- the token endpoint ------------------------------------------------------------------------


def test_the_token_endpoint_locks_at_the_fifth_failure(api_client, client, alice):
    for _ in range(4):
        response = token(api_client, "alice", "wrong")
        assert response.status_code == 400
        assert response.json()["non_field_errors"][0]["code"] == "authorization"
    response = token(api_client, "alice", "wrong")
    assert response.status_code == 429
    assert response.json() == {"code": "account_locked", "message": LOCKED_ZH}
    assert response["Retry-After"] == str(30 * 60)
    response = token(api_client, "alice", PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert "token" not in response.json()
    # The same lock on the login page.
    assert page_login(client, "alice", PASSWORD).status_code == 429


def test_the_token_endpoint_answers_an_unknown_username_the_same_way(api_client, alice):
    answers = {}
    for name in ("alice", "nobody"):
        answers[name] = [
            (r.status_code, r.json().get("code") or r.json()["non_field_errors"][0]["code"])
            for r in (token(api_client, name, "wrong") for _ in range(6))
        ]
    assert answers["alice"] == answers["nobody"]
    assert answers["alice"][3:] == [
        (400, "authorization"),
        (429, "account_locked"),
        (429, "account_locked"),
    ]


def test_four_token_failures_then_success_resets_the_count(api_client, alice):
    for _ in range(4):
        token(api_client, "alice", "wrong")
    assert token(api_client, "alice", PASSWORD).status_code == 200
    for _ in range(4):
        assert token(api_client, "alice", "wrong").status_code == 400
    assert token(api_client, "alice", PASSWORD).status_code == 200


def _throttle_boundary(api_client, settings):
    settings.THROTTLE_AUTH_RATE = "10/min"
    cache.clear()
    with time_machine.travel(T0, tick=False):
        # Ten different names: no account gets near its own lock; only the address counts.
        statuses = [token(api_client, f"guess{i}", "wrong").status_code for i in range(10)]
        assert statuses == [400] * 10
        response = token(api_client, "guess10", "wrong")
        assert response.status_code == 429
        body = response.json()
        assert body["code"] == "throttled"
        assert body["message"] == "来自此地址的请求过多，请在 60 秒后重试。"
        assert response["Retry-After"] == "60"
        # Even the right password waits; a made-up X-Forwarded-For does not help.
        assert (
            token(api_client, "guess11", "wrong", HTTP_X_FORWARDED_FOR="10.9.8.7").status_code
            == 429
        )
        # Another address has its own allowance.
        assert token(api_client, "guess12", "wrong", REMOTE_ADDR="10.0.0.2").status_code == 400
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert token(api_client, "guess13", "wrong").status_code == 400


def test_the_token_endpoint_allows_ten_a_minute_and_refuses_the_eleventh(api_client, settings):
    """The default rate, in the embedded default's local-memory cache."""
    assert "redis" not in settings.CACHES["default"]["BACKEND"].lower()
    _throttle_boundary(api_client, settings)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_login_pages_share_the_addresss_budget_ten_then_429(client, api_client, settings, path):
    """Page and admin logins count against the same per-address budget as the token endpoint:
    the 10th attempt from one address is still checked, the 11th is a 429 page in Chinese."""
    settings.THROTTLE_AUTH_RATE = "10/min"
    cache.clear()
    with time_machine.travel(T0, tick=False):
        for i in range(5):
            assert token(api_client, f"spray{i}", "wrong").status_code == 400
        statuses = [
            page_login(client, f"spray{i}", "wrong", path).status_code for i in range(5, 10)
        ]
        assert 429 not in statuses
        refused = page_login(client, "spray10", "wrong", path)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "60"
        assert "来自此地址的登录尝试过多" in refused.content.decode()
        # Reading the page is never throttled; another address has its own budget.
        assert client.get(path).status_code in {200, 302}
        assert page_login(client, "spray11", "wrong", path).status_code == 429
        other = client.post(
            path, {"username": "spray12", "password": "wrong"}, REMOTE_ADDR="10.0.0.3"
        )
        assert other.status_code != 429
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert page_login(client, "spray13", "wrong", path).status_code != 429


def _redis_url() -> str | None:
    import os

    import redis

    url = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/15"
    if not url.startswith("redis"):
        return None
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return None
    return url


def test_the_throttle_counts_in_redis_as_in_production(api_client, settings):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis server at CACHE_URL or 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-login-{uuid.uuid4().hex}",
        }
    }
    _throttle_boundary(api_client, settings)
    import redis

    keys = redis.Redis.from_url(url).keys(f"{settings.CACHES['default']['KEY_PREFIX']}*")
    assert keys  # the counts really were in Redis
    redis.Redis.from_url(url).delete(*keys)


# --- unlocking ---------------------------------------------------------------------------------


def _lock(api_client, username):
    for _ in range(5):
        token(api_client, username, "wrong")
    assert token(api_client, username, PASSWORD).status_code == 429


def test_the_institutions_admin_unlocks_an_account_audited(api_client, alice):
    admin = UserFactory(institution=alice.institution, institution_admin=True)
    _lock(api_client, "alice")
    api_client.force_authenticate(admin)
    response = api_client.post(f"/api/v1/users/{alice.pk}/unlock/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    api_client.force_authenticate(None)
    assert token(api_client, "alice", PASSWORD).status_code == 200
    event = events("user.unlock").get()
    assert event.actor == admin
    assert event.target_id == str(alice.pk)
    assert event.after == {"username": "alice", "failure_records_cleared": 1}


def test_another_institutions_admin_gets_404(api_client, alice):
    other_admin = UserFactory(institution=InstitutionFactory(), institution_admin=True)
    _lock(api_client, "alice")
    api_client.force_authenticate(other_admin)
    assert (
        api_client.post(f"/api/v1/users/{alice.pk}/unlock/", {}, format="json").status_code == 404
    )
    api_client.force_authenticate(None)
    assert token(api_client, "alice", PASSWORD).status_code == 429
    assert not events("user.unlock").exists()


def test_a_colleague_gets_404_and_nobody_unlocks_themselves(api_client, alice):
    colleague = UserFactory(institution=alice.institution)
    api_client.force_authenticate(colleague)
    assert (
        api_client.post(f"/api/v1/users/{alice.pk}/unlock/", {}, format="json").status_code == 404
    )
    api_client.force_authenticate(alice)  # e.g. with a token issued before the lock
    assert (
        api_client.post(f"/api/v1/users/{alice.pk}/unlock/", {}, format="json").status_code == 403
    )
    admin = UserFactory(institution=alice.institution, institution_admin=True)
    api_client.force_authenticate(admin)
    assert (
        api_client.post(f"/api/v1/users/{admin.pk}/unlock/", {}, format="json").status_code == 403
    )


def test_a_superuser_unlocks_any_account(api_client, alice):
    _lock(api_client, "alice")
    api_client.force_authenticate(UserFactory(is_superuser=True))
    assert (
        api_client.post(f"/api/v1/users/{alice.pk}/unlock/", {}, format="json").status_code == 200
    )
    api_client.force_authenticate(None)
    assert token(api_client, "alice", PASSWORD).status_code == 200


# --- the audit ---------------------------------------------------------------------------------


def test_login_failure_lockout_and_logout_are_audited(client, alice):
    assert page_login(client, "alice", PASSWORD).status_code == 302
    login = events("auth.login").get()
    assert (login.actor, login.after) == (alice, {"via": "page", "ip": "127.0.0.1"})
    client.post("/accounts/logout/")
    assert events("auth.logout").get().actor == alice

    for _ in range(7):
        page_login(client, "alice", "Secret-Guess-42")
    failed = list(events("auth.login_failed"))
    assert len(failed) == 7
    assert failed[0].actor == alice
    assert failed[0].after == {
        "username": "alice",
        "ip": "127.0.0.1",
        "via": "page",
        "locked": False,
    }
    assert [e.after["locked"] for e in failed] == [False] * 4 + [True] * 3
    locked = events("auth.locked_out").get()  # once, when the lock began
    assert locked.actor == alice
    assert locked.after == {
        "username": "alice",
        "ip": "127.0.0.1",
        "failures": 5,
        "cooloff_minutes": 30,
    }
    rows = AuditEvent.objects.filter(Q(action__startswith="auth.")).values()
    assert "Secret-Guess-42" not in json.dumps(list(rows), default=str)
    assert PASSWORD not in json.dumps(list(rows), default=str)


def test_a_failure_for_an_unknown_username_has_no_actor(client, alice):
    page_login(client, "nobody", "wrong")
    event = events("auth.login_failed").get()
    assert event.actor is None
    assert event.actor_label == "system"
    assert event.after["username"] == "nobody"


def test_token_logins_and_failures_are_audited(api_client, alice):
    token(api_client, "alice", "wrong")
    assert token(api_client, "alice", PASSWORD, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert events("auth.login_failed").get().after["via"] == "token"
    login = events("auth.login").get()
    assert (login.actor, login.after) == (alice, {"via": "token", "ip": "10.1.2.3"})


def test_behind_the_proxy_the_address_is_the_one_it_appended(api_client, alice, settings):
    """NUM_PROXIES=1 (BEHIND_TLS_PROXY): the last X-Forwarded-For entry, which the proxy wrote;
    whatever the client put before it is ignored, and without a proxy the header is ignored."""
    token(api_client, "alice", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    token(api_client, "alice", "wrong", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert [e.after["ip"] for e in events("auth.login_failed")] == ["127.0.0.1", "203.0.113.9"]
