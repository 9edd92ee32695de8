"""Issue 15: a PDF previews inside the site's own page in Chromium: the preview page frames the
inline route without a CSP or X-Frame-Options refusal (every other response stays unframable),
and the inline response carries its headers. Headless Chromium has no PDF viewer, so what it
draws is not asserted; the frame's navigation and the headers are."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethics.files import INLINE_CSP
from reviews.models import DocumentVersion
from tests.reviews.conftest import submitted
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_preview_page_frames_the_inline_pdf(page, login, live_server):
    world = build_world()
    application = submitted(world)
    version = DocumentVersion.objects.filter(document__application=application).first()
    refused: list[str] = []
    page.on(
        "console",
        lambda msg: (
            refused.append(msg.text)
            if "Refused" in msg.text or "Content Security Policy" in msg.text
            else None
        ),
    )
    inline_url = reverse("reviews:document-inline", args=[version.pk])
    responses = []
    page.on("response", lambda r: responses.append(r) if r.url.endswith(inline_url) else None)

    login(page, world.researcher.username)
    page.goto(f"{live_server.url}{reverse('reviews:application-detail', args=[application.pk])}")
    page.click(f"a[data-preview='{version.pk}']")
    page.wait_for_selector("#pdf-preview")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("#pdf-preview", "src") == inline_url
    assert responses, "the frame did not load the inline route"
    headers = responses[0].all_headers()
    assert headers["content-disposition"].startswith("inline")
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["content-security-policy"] == INLINE_CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert refused == []
    # The page itself stays unframable by anyone.
    outer = page.evaluate(
        "fetch(location.href).then(r => [r.headers.get('x-frame-options'),"
        " r.headers.get('content-security-policy')])"
    )
    assert outer[0] == "DENY"
    assert "frame-ancestors 'none'" in outer[1]
