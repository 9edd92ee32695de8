"""The second factor (ethics/mfa.py): TOTP with recovery codes, required for officers."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ethics import mfa
from ethics.models import AuditEvent, User
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- helpers -----------------------------------------------------------------------------------


def code_for(device: TOTPDevice, *, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` periods later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(user: User) -> str:
    """A current code that was not used yet (django-otp refuses a code twice in one period)."""
    TOTPDevice.objects.filter(user=user).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return code_for(TOTPDevice.objects.get(user=user, confirmed=True))


def wrong_code(device: TOTPDevice) -> str:
    right = {code_for(device, steps=s) for s in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in right)


def enrol(user: User) -> list[str]:
    """A confirmed authenticator and ten recovery codes, made the way an app user would."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(10)]
    for code in codes:
        static.token_set.create(token=code)
    assert device.confirmed
    return codes


def actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk), action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def unthrottle(user: User) -> None:
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


# --- the browser flow --------------------------------------------------------------------------


def test_officer_without_device_is_sent_to_enrol_and_kept_off_dashboard_and_api(
    world, mfa_required
):
    client = logged_in(world.secretary)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/?next=")
    assert client.get("/inbox/").status_code == 302
    api = client.get("/api/v1/users/me/")
    assert api.status_code == 403
    assert api.json()["code"] == "mfa_required"
    assert api.json()["message"]
    # The pages a pending session may reach.
    assert client.get("/healthz").status_code != 302
    assert client.post("/language/", {"language": "en", "next": "/"}).status_code == 302
    page = client.get("/accounts/mfa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert "<script>" not in html
    device = TOTPDevice.objects.get(user=world.secretary)
    assert not device.confirmed
    assert mfa.secret_text(device) in html


def test_enrolment_confirms_with_a_real_code_then_shows_ten_recovery_codes_once(
    world, mfa_required
):
    client = logged_in(world.secretary)
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=world.secretary)

    refused = client.post("/accounts/mfa/", {"code": wrong_code(device), "next": "/"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302

    unthrottle(world.secretary)
    done = client.post("/accounts/mfa/", {"code": code_for(device), "next": "/inbox/"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=world.secretary).values_list("token", flat=True)
    )
    device.refresh_from_db()
    assert device.confirmed
    # The session is verified now: the dashboard and the API open.
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/users/me/").status_code == 200
    # The codes are not shown again: the page now manages the device.
    again = client.get("/accounts/mfa/")
    assert "codes" not in again.context
    assert codes[0] not in again.content.decode()
    assert actions(world.secretary) == ["mfa.verify_failed", "mfa.enrol"]


def test_enrolled_officer_verifies_after_password_wrong_code_refused_and_throttled(
    world, mfa_required
):
    enrol(world.secretary)
    device = TOTPDevice.objects.get(user=world.secretary)
    client = logged_in(world.secretary)
    response = client.get("/reviews/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/mfa/verify/?next=%2Freviews%2F"

    refused = client.post("/accounts/mfa/verify/", {"code": wrong_code(device), "next": "/"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["code"] == [str(_wrong_message())]
    # Straight after a wrong code even the right one is throttled (django-otp: 1 s, then 2 s ...).
    throttled = client.post("/accounts/mfa/verify/", {"code": code_for(device), "next": "/"})
    assert throttled.status_code == 200
    message = throttled.context["form"].errors["code"][0]
    assert re.search(r"\d+", message)
    assert client.get("/").status_code == 302

    unthrottle(world.secretary)
    key_before = client.session.session_key
    ok = client.post("/accounts/mfa/verify/", {"code": code_for(device), "next": "/reviews/"})
    assert client.session.session_key != key_before
    assert ok.status_code == 302
    assert ok["Location"] == "/reviews/"
    assert client.get("/").status_code == 200
    assert actions(world.secretary) == ["mfa.verify_failed", "mfa.verify_failed", "mfa.verify"]
    throttled_event = AuditEvent.objects.filter(action="mfa.verify_failed").order_by("id").last()
    assert throttled_event.after == {"via": "page", "throttled": True}


def _wrong_message():
    from django.utils.translation import gettext

    return gettext("The code is wrong or has expired.")


def test_throttle_boundary_follows_the_failure_count(world, mfa_required):
    enrol(world.secretary)
    device = TOTPDevice.objects.get(user=world.secretary)
    for _ in range(3):
        unthrottle(world.secretary)
        assert mfa.check(world.secretary, wrong_code(device), via="page") is None
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    # The third failure asks for 4 seconds: 3.5 s later still throttled, 4.5 s later allowed.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=3.5)
    )
    with pytest.raises(mfa.Throttled):
        mfa.check(world.secretary, code_for(device), via="page")
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=4.5)
    )
    assert mfa.check(world.secretary, code_for(device), via="page").method == "totp"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_recovery_code_works_once_and_only_once(world, mfa_required):
    codes = enrol(world.secretary)
    first = logged_in(world.secretary)
    ok = first.post("/accounts/mfa/verify/", {"code": codes[3].upper(), "next": "/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    assert first.get("/").status_code == 200
    assert mfa.recovery_left(world.secretary) == 9

    second = logged_in(world.secretary)
    unthrottle(world.secretary)
    again = second.post("/accounts/mfa/verify/", {"code": codes[3], "next": "/"})
    assert again.status_code == 200
    assert second.get("/").status_code == 302
    assert actions(world.secretary) == ["mfa.verify", "mfa.recovery_used", "mfa.verify_failed"]
    used = AuditEvent.objects.get(action="mfa.recovery_used")
    assert used.after == {"via": "page", "left": 9}


def test_member_is_not_required_but_asked_once_enrolled(world, mfa_required):
    assert logged_in(world.member).get("/").status_code == 200
    assert logged_in(world.researcher).get("/api/v1/users/me/").status_code == 200
    enrol(world.member)
    client = logged_in(world.member)
    assert client.get("/")["Location"].startswith("/accounts/mfa/verify/")


def test_setting_off_officer_is_not_required(world, settings):
    assert settings.MFA_REQUIRED is False
    client = logged_in(world.secretary)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/users/me/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_regenerate_needs_a_current_code_and_retires_the_old_codes(world, mfa_required):
    old = enrol(world.member)
    client = logged_in(world.member)
    assert (
        client.post("/accounts/mfa/verify/", {"code": fresh_code(world.member)}).status_code == 302
    )
    refused = client.post("/accounts/mfa/recovery/", {"regenerate-code": "123"})
    assert refused.status_code == 400
    unthrottle(world.member)
    done = client.post("/accounts/mfa/recovery/", {"regenerate-code": fresh_code(world.member)})
    assert done.status_code == 200
    new = done.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert StaticToken.objects.filter(token__in=old).count() == 0
    assert "mfa.recovery_regenerated" in actions(world.member)


def test_remove_needs_a_code_and_is_refused_to_officers_while_required(world, mfa_required):
    enrol(world.secretary)
    officer = logged_in(world.secretary)
    officer.post("/accounts/mfa/verify/", {"code": fresh_code(world.secretary)})
    response = officer.post("/accounts/mfa/remove/", {"remove-code": fresh_code(world.secretary)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=world.secretary).exists()

    enrol(world.member)
    member = logged_in(world.member)
    member.post("/accounts/mfa/verify/", {"code": fresh_code(world.member)})
    unthrottle(world.member)
    assert member.post("/accounts/mfa/remove/", {"remove-code": "000000x"}).status_code == 400
    assert TOTPDevice.objects.filter(user=world.member).exists()
    unthrottle(world.member)
    removed = member.post("/accounts/mfa/remove/", {"remove-code": fresh_code(world.member)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.member).exists()
    assert not StaticDevice.objects.filter(user=world.member).exists()
    assert actions(world.member)[-1] == "mfa.remove"
    # Nothing is asked at the next login.
    assert logged_in(world.member).get("/").status_code == 200


# --- the token endpoint ------------------------------------------------------------------------


def _token(api_client, username: str, **extra: str):
    return api_client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": "pw-for-tests-1", **extra},
        format="json",
    )


def test_token_endpoint_requires_otp_for_officers(world, mfa_required, api_client):
    username = world.secretary.username
    not_enrolled = _token(api_client, username)
    assert not_enrolled.status_code == 400
    assert not_enrolled.json()["otp"][0]["code"] == "otp_required"

    codes = enrol(world.secretary)
    device = TOTPDevice.objects.get(user=world.secretary)
    missing = _token(api_client, username)
    assert missing.status_code == 400
    assert missing.json()["otp"][0]["code"] == "otp_required"
    wrong = _token(api_client, username, otp=wrong_code(device))
    assert wrong.status_code == 400
    assert wrong.json()["otp"][0]["code"] == "otp_invalid"
    assert wrong.json()["otp"][0]["message"]
    throttled = _token(api_client, username, otp=code_for(device))
    assert throttled.json()["otp"][0]["code"] == "otp_throttled"
    unthrottle(world.secretary)
    ok = _token(api_client, username, otp=code_for(device))
    assert ok.status_code == 200
    assert ok.json()["token"]
    unthrottle(world.secretary)
    assert _token(api_client, username, otp=codes[0]).status_code == 200
    assert _token(api_client, username, otp=codes[0]).json()["otp"][0]["code"] == "otp_invalid"
    # A token obtained with the second factor works without a session.
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert api_client.get("/api/v1/users/me/").status_code == 200
    # A wrong password says nothing about the second factor.
    bad = api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": "nope"}, format="json"
    )
    assert "otp" not in bad.json()


def test_token_endpoint_needs_no_otp_from_a_member_or_with_the_setting_off(
    world, settings, api_client
):
    settings.MFA_REQUIRED = True
    assert _token(api_client, world.member.username).status_code == 200
    settings.MFA_REQUIRED = False
    assert _token(api_client, world.secretary.username).status_code == 200


# --- the admin ---------------------------------------------------------------------------------


def test_admin_requires_a_verified_second_factor(world, mfa_required):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = logged_in(superuser)
    assert client.get("/admin/")["Location"].startswith("/accounts/mfa/?next=")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    superuser.is_verified = lambda: False
    assert admin.site.has_permission(request) is False
    superuser.is_verified = lambda: True
    assert admin.site.has_permission(request) is True

    enrol(superuser)
    client.post("/accounts/mfa/verify/", {"code": fresh_code(superuser)})
    assert client.get("/admin/").status_code == 200


def test_admin_open_without_second_factor_when_setting_off(world):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert logged_in(superuser).get("/admin/").status_code == 200


# --- reset by an administrator -----------------------------------------------------------------


def test_institution_admin_resets_a_lost_phone_audited(world, mfa_required, api_client):
    enrol(world.secretary)
    api_client.force_authenticate(world.admin)
    response = api_client.post(f"/api/v1/users/{world.secretary.pk}/mfa_reset/", {}, format="json")
    assert response.status_code == 200, response.content
    assert not TOTPDevice.objects.filter(user=world.secretary).exists()
    assert not StaticDevice.objects.filter(user=world.secretary).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.actor == world.admin
    assert event.target_id == str(world.secretary.pk)
    assert event.before == {"enrolled": True}
    # At the next login the officer sets up a new authenticator.
    assert logged_in(world.secretary).get("/")["Location"].startswith("/accounts/mfa/?")


def test_reset_by_another_institutions_admin_is_404_and_a_member_may_not(world, api_client):
    enrol(world.secretary)
    other_admin = UserFactory(institution=InstitutionFactory(), institution_admin=True)
    api_client.force_authenticate(other_admin)
    url = f"/api/v1/users/{world.secretary.pk}/mfa_reset/"
    assert api_client.post(url, {}, format="json").status_code == 404
    api_client.force_authenticate(world.member)
    assert api_client.post(url, {}, format="json").status_code == 404
    api_client.force_authenticate(world.secretary)
    assert api_client.post(url, {}, format="json").status_code == 403
    assert TOTPDevice.objects.filter(user=world.secretary).exists()
    assert not AuditEvent.objects.filter(action="mfa.reset").exists()
