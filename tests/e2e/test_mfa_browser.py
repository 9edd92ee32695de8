"""The second factor in a real browser: an officer is sent to enrolment after the password,
scans (here: reads) the secret, confirms with a code computed from it and gets recovery codes."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_secret(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_officer_enrols_after_password_and_reaches_the_dashboard(page, login, settings):
    settings.MFA_REQUIRED = True
    world = build_world()
    login(page, world.secretary.username)
    assert "/accounts/mfa/" in page.url
    assert page.locator(".mfa-qr svg").count() == 1
    assert page.locator("script:not([src])").count() == 0
    secret = page.locator("#mfa-secret").inner_text()

    page.fill("#id_code", "000000" if code_from_secret(secret) != "000000" else "111111")
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".errorlist").count() == 1
    assert page.locator("#mfa-codes").count() == 0

    time.sleep(1.1)  # django-otp throttles the next try for a second after a wrong code
    page.fill("#id_code", code_from_secret(secret))
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#mfa-codes li").count() == 10
    page.click("a.button")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "工作台"
