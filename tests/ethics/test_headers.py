"""Issue 13, headers and exposure: the exact security headers on a page, an API response and the
login page; the schema and API docs for signed-in people only; X-Forwarded-Proto trusted only
behind the TLS proxy."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
#: The security headers every response carries (with DEBUG on, as in the tests: no HSTS, which
#: production adds through SECURE_HSTS_SECONDS over HTTPS).
EXPECTED = {
    "Content-Security-Policy": CSP,
    "Permissions-Policy": PERMISSIONS,
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


#: A <script> element with a body (not immediately closed).
INLINE_SCRIPT = r"<script\b[^>]*>(?!</script>)"


def _security_headers(response) -> dict[str, object]:
    headers: dict[str, object] = {name: response.headers.get(name) for name in EXPECTED}
    # django-csp does not promise an order of directives: compare them as a set.
    headers["Content-Security-Policy"] = _directives(str(headers["Content-Security-Policy"]))
    return headers


def _directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";")}


@pytest.mark.parametrize("where", ["page", "api", "login"])
def test_the_exact_header_set(where, client):
    user = UserFactory()
    if where == "login":
        response = client.get("/accounts/login/")
    else:
        client.force_login(user)
        response = client.get("/" if where == "page" else "/api/v1/users/")
    assert response.status_code == 200
    assert _security_headers(response) == {**EXPECTED, "Content-Security-Policy": _directives(CSP)}
    assert "Content-Security-Policy-Report-Only" not in response.headers


def test_the_csp_has_no_unsafe_source():
    assert "unsafe" not in CSP


def test_the_schema_needs_a_login(client, api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert b"/api/v1/" not in response.content
    api_client.force_authenticate(UserFactory())
    assert api_client.get("/api/schema/").status_code == 200


def test_the_api_docs_need_a_login_and_have_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")
    client.force_login(UserFactory())
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all("src=" in tag for tag in scripts), scripts
    assert re.search(INLINE_SCRIPT, html) is None  # no inline body
    # The split view's own script, served from a URL, for signed-in people only.
    assert client.get("/api/docs/?script").status_code == 200
    client.logout()
    assert client.get("/api/docs/?script").status_code == 302


def test_pages_carry_no_inline_script_or_style(client):
    """The dashboard and the new-project form: no on*= handler, no style="", no inline script."""
    client.force_login(UserFactory())
    for url in ("/", "/reviews/projects/new/"):
        html = client.get(url).content.decode()
        assert re.search(r"\son[a-z]+=", html) is None, url
        assert "style=" not in html, url
        assert "javascript:" not in html, url
        assert re.search(INLINE_SCRIPT, html) is None, url


@pytest.mark.parametrize(("proxy", "secure"), [(False, False), (True, True)])
def test_x_forwarded_proto_is_trusted_only_behind_the_proxy(proxy, secure, settings):
    """BEHIND_TLS_PROXY=true sets SECURE_PROXY_SSL_HEADER; without it a client's claim is ignored.
    (tests/ops/test_settings_production.py checks the setting itself.)"""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if proxy else None
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    assert request.is_secure() is secure


def test_the_admin_lists_submission_tokens_read_only_under_the_csp(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/ethics/submissiontoken/")
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == _directives(CSP)
    assert client.get("/admin/ethics/submissiontoken/add/").status_code == 403
