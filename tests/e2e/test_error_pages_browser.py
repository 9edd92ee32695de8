"""Issue 15: the 404 page and the favicon in Chromium, under the CSP, on a desktop and a phone."""

from __future__ import annotations

import pytest

from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_404_page_and_the_icon_load_without_violation_or_sideways_scroll(
    page, login, live_server, width
):
    world = build_world()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Refused to" in msg.text or "Content Security Policy" in msg.text
            else None
        ),
    )
    missing: list[str] = []
    page.on(
        "response",
        lambda r: missing.append(r.url) if r.status == 404 and "/static/" in r.url else None,
    )
    page.set_viewport_size({"width": width, "height": 844})
    login(page, world.secretary.username)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response is not None
    assert response.status == 404
    page.wait_for_load_state("networkidle")
    assert page.locator("#error-404").count() == 1
    assert page.locator("header.top .brand").count() == 1
    # The stylesheet applied (the status number is the brand colour, not the default black).
    colour = page.eval_on_selector(".error-code", "e => getComputedStyle(e).color")
    assert colour == "rgb(157, 27, 31)"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon
    assert page.evaluate(f"fetch('{icon}').then(r => r.status)") == 200
    assert page.evaluate("fetch('/favicon.ico').then(r => r.ok && r.url.includes('/static/'))")
    assert problems == []
    assert missing == []
