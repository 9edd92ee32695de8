"""A secretary adds the seventh member in the browser and the composition panel turns valid."""

import datetime as dt

import pytest

from tests.factories import UserFactory
from tests.world import build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_adds_seventh_member_and_panel_turns_valid(page, login, live_server):
    world = build_world(size=6)
    committee, term = world.committee, world.term
    newcomer = UserFactory(username="newcomer", name="黄丽", institution=world.institution)

    login(page, world.secretary.username)
    page.goto(f"{live_server.url}/committees/{committee.pk}/")
    status = page.get_by_test_id("composition-status")
    assert "pill bad" in status.get_attribute("class")
    assert page.locator('#composition .problem[data-code="too_few_members"]').count() == 1

    page.click(f'a[href="/committees/{committee.pk}/members/add/"]')
    page.select_option("#id_user", str(newcomer.pk))
    page.select_option("#id_role", "member")
    page.select_option("#id_expertise", "ethics")
    page.select_option("#id_gender", "female")
    page.fill("#id_term_start", term["term_start"].isoformat())
    page.fill("#id_term_end", term["term_end"].isoformat())
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"**/committees/{committee.pk}/")

    status = page.get_by_test_id("composition-status")
    assert "pill ok" in status.get_attribute("class")
    assert page.locator("#composition .problem:not(.warn)").count() == 0
    assert "黄丽" in page.locator("#roster").inner_text()

    # The panel is live: checking a date after a term ends re-renders it through htmx.
    page.fill(
        '#composition input[name="on"]', (term["term_end"] + dt.timedelta(days=1)).isoformat()
    )
    page.locator('#composition input[name="on"]').dispatch_event("change")
    page.wait_for_selector('#composition .problem[data-code="too_few_members"]')
