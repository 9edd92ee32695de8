"""Issue 13: the pages, htmx, the admin and the API docs run under the CSP without a violation.

Chromium logs every refusal to the console ("Refused to execute inline script ...", "Refused to
apply inline style ...") and fires `securitypolicyviolation`; both are collected here.
"""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(tab) -> list[str]:
    seen: list[str] = []
    tab.on(
        "console",
        lambda msg: (
            seen.append(f"{tab.url}: {msg.text}")
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Refused to (violation) ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return seen


def test_pages_htmx_admin_and_api_docs_load_without_csp_violations(page, login, live_server):
    world = build_world()
    violations = _watch(page)

    login(page, world.secretary.username)
    assert "Content-Security-Policy" in page.evaluate(
        "fetch('/').then(r => r.headers.get('content-security-policy') ? "
        "'Content-Security-Policy' : '')"
    )
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    # htmx: the committee page loads its composition panel and swaps it in.
    page.goto(f"{live_server.url}/committees/{world.committee.pk}/")
    page.wait_for_selector("#composition [data-testid=composition-status]")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"
    # A form page (new project), its one-time token present.
    page.goto(f"{live_server.url}/reviews/projects/new/")
    assert page.locator("input[name=form_token]").count() == 1
    # The language switch (ethics/app.js, no inline handler) still submits on change.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.wait_for_load_state("networkidle")

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    page.context.clear_cookies()
    login(page, admin.username)
    for path in ("/admin/", "/admin/ethics/user/", f"/admin/ethics/user/{admin.pk}/change/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=30000)
    page.wait_for_load_state("networkidle")

    assert violations == []
