"""Issue 15, "On a phone": no main page scrolls sideways at 390 x 844, nor at 1280 x 800.

Every main page of the demo journeys (`seed_demo`, the data `make run` shows) is opened as the role
that works on it, at both sizes; the test fails when the document is wider than the window and
names the widest elements that stick out (those not inside their own scrolling box), and when a
badge, chip or pill breaks over two lines ("进行/中"). A full-page screenshot of every page at both
sizes is saved as `<size>-<role>-<page>.png` under $SCREENSHOT_DIR (default var/screenshots/);
.ci/run keeps them with the CI run's artifacts (README "Browser tests and screenshots").
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ethics.demo import DEMO_PASSWORD
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}

# For each element that sticks out past the window's right edge and is not clipped by a
# scrolling/hidden-overflow ancestor: its selector and right edge, widest first. Then every
# badge/chip/pill drawn on more than one line.
MEASURE = """() => {
  const vw = window.innerWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
    }
    return false;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim())
      s += '.' + el.className.trim().split(/\\s+/).join('.');
    const parent = el.parentElement;
    return parent && parent !== document.body ? name(parent).split(' > ').slice(-2).join(' > ')
      + ' > ' + s : s;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 0.5 && !clipped(el)) wide.push([name(el), Math.round(r.right)]);
  }
  wide.sort((a, b) => b[1] - a[1]);
  const broken = [];
  for (const el of document.querySelectorAll('.badge, .chip, .pill')) {
    if (el.getClientRects().length > 1) broken.push(name(el) + ': ' + el.textContent.trim());
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw,
          wide: wide.slice(0, 8), broken: broken};
}"""


def screenshot_dir() -> Path:
    path = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _first_links(tab, pattern: str, limit: int = 1) -> list[str]:
    """The first distinct links in <main> whose path matches `pattern` (the page's own links,
    so the test follows what a person could click)."""
    hrefs = tab.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    found: list[str] = []
    for href in hrefs:
        if re.fullmatch(pattern, href) and href not in found:
            found.append(href)
    assert found, f"no link matching {pattern} on {tab.url}"
    return found[:limit]


def _check(tab, role: str, pages: list[tuple[str, str]], problems: list[str]) -> int:
    """Open each page at both sizes: screenshot, measure, collect problems; returns shots taken."""
    shots = 0
    for size, (width, height) in SIZES.items():
        tab.set_viewport_size({"width": width, "height": height})
        for label, path in pages:
            response = tab.goto(path)
            assert response is not None, path
            assert response.status == 200, (path, response.status)
            tab.wait_for_load_state("networkidle")
            tab.screenshot(
                path=str(screenshot_dir() / f"{size}-{role}-{label}.png"), full_page=True
            )
            shots += 1
            seen = tab.evaluate(MEASURE)
            if seen["scrollWidth"] > seen["innerWidth"]:
                widest = "; ".join(f"{sel} (right edge {right}px)" for sel, right in seen["wide"])
                problems.append(
                    f"{size} {role} {label} {path}: document {seen['scrollWidth']}px wide in a "
                    f"{seen['innerWidth']}px window; widest: {widest}"
                )
            if seen["broken"]:
                problems.append(f"{size} {role} {label} {path}: broken badges: {seen['broken']}")
    return shots


def _log_in(tab, username: str) -> None:
    tab.goto("/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", DEMO_PASSWORD)
    tab.click("main button[type=submit]")
    tab.wait_for_load_state()
    assert "/accounts/login/" not in tab.url, f"{username} could not log in"


def _pages(tab, role: str) -> list[tuple[str, str]]:
    """The main pages of `role`'s journeys in the demo data, found through the pages' links."""
    if role == "secretary":
        tab.goto("/reviews/intake/")
        applications = _first_links(tab, r"/reviews/applications/\d+/", limit=2)
        tab.goto("/meetings/")
        meetings = _first_links(tab, r"/meetings/\d+/", limit=2)
        tab.goto("/registry/filings/")
        filings = _first_links(tab, r"/registry/filings/\d+/", limit=3)
        tab.goto("/committees/")
        committee = _first_links(tab, r"/committees/\d+/")[0]
        return [
            ("dashboard", "/"),
            ("intake", "/reviews/intake/"),
            *[(f"application-{i + 1}", url) for i, url in enumerate(applications)],
            ("meetings", "/meetings/"),
            *[(f"meeting-{i + 1}", url) for i, url in enumerate(meetings)],
            ("meeting-console", f"{meetings[0]}console/"),
            ("filings", "/registry/filings/"),
            *[(f"filing-{i + 1}", url) for i, url in enumerate(filings)],
            ("deadlines", "/registry/deadlines/"),
            ("committees", "/committees/"),
            ("committee", committee),
            ("inbox", "/inbox/"),
        ]
    if role == "researcher":
        tab.goto("/reviews/")
        project = _first_links(tab, r"/reviews/projects/\d+/")[0]
        application = _first_links(tab, r"/reviews/applications/\d+/")[0]
        return [
            ("dashboard", "/"),
            ("projects", "/reviews/"),
            ("project", project),
            ("application", application),
            ("project-new", "/reviews/projects/new/"),
            ("inbox", "/inbox/"),
        ]
    if role == "member":
        tab.goto("/reviews/my-reviews/")
        assignment = _first_links(tab, r"/reviews/assignments/\d+/")[0]
        tab.goto("/meetings/")
        meeting = _first_links(tab, r"/meetings/\d+/")[0]
        return [
            ("dashboard", "/"),
            ("my-reviews", "/reviews/my-reviews/"),
            ("opinion-form", assignment),
            ("meetings", "/meetings/"),
            ("meeting", meeting),
        ]
    if role == "admin":
        return [("admin-index", "/admin/"), ("admin-users", "/admin/ethics/user/")]
    # Nobody logged in: the login page and the public letter verification.
    from reviews.models import Decision

    code = Decision.objects.exclude(letter_hash="").values_list("letter_hash", flat=True).first()
    assert code, "the demo data has a decision letter to verify"
    return [("login", "/accounts/login/"), ("verify", f"/verify/{code}")]


USERS = {
    "secretary": "kh_secretary",
    "researcher": "kh_researcher",
    "member": "kh_member",
    "admin": "admin",
    "anonymous": None,
}


@pytest.mark.parametrize("role", list(USERS))
def test_main_pages_fit_desktop_and_phone(browser, live_server, role):
    call_command("seed_demo", stdout=io.StringIO())
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    tab = context.new_page()
    tab.set_default_timeout(20000)
    try:
        username = USERS[role]
        if username:
            _log_in(tab, username)
        pages = _pages(tab, role)
        problems: list[str] = []
        shots = _check(tab, role, pages, problems)
    finally:
        context.close()
    assert shots == 2 * len(pages)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_menu_collapses_and_works_without_javascript(browser, live_server, javascript):
    world = build_world()
    context = browser.new_context(
        locale="zh-CN",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        java_script_enabled=javascript,
    )
    tab = context.new_page()
    try:
        tab.goto("/accounts/login/")
        tab.fill("#id_username", world.secretary.username)
        tab.fill("#id_password", "pw-for-tests-1")
        # In <main>: without JavaScript the header's language form shows its own submit button.
        tab.click("main button[type=submit]")
        tab.wait_for_load_state()
        toggle = tab.locator("[data-menu-toggle]")
        inbox = tab.locator("#main-nav a[href='/inbox/']")
        header_height = tab.locator("header.top").bounding_box()["height"]
        if not javascript:
            # No script: no dead toggle, the whole nav shows and its links work.
            assert not toggle.is_visible()
            assert inbox.is_visible()
            inbox.click()
            tab.wait_for_load_state()
            assert tab.url.endswith("/inbox/")
            return
        # One row: brand and toggle (the header wrapped to three rows before).
        assert header_height < 70, header_height
        assert toggle.is_visible()
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not inbox.is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert inbox.is_visible()
        tab.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false"
        assert not inbox.is_visible()
        toggle.click()
        inbox.click()
        tab.wait_for_load_state()
        assert tab.url.endswith("/inbox/")
        # On a desktop the nav is in the header and there is no toggle.
        tab.set_viewport_size({"width": 1280, "height": 800})
        assert not toggle.is_visible()
        assert inbox.is_visible()
    finally:
        context.close()
