"""Issue 15 in Chromium: deciding asks first and states the number it takes; a letter still being
rendered turns into its download link on the open page, without a reload, once the job is done."""

from __future__ import annotations

import pytest

from reviews import services
from reviews.models import Decision
from tests.conftest import browser_session
from tests.reviews.conftest import assigned, declare_and_opine
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _opined(world):
    application, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return application


def test_decide_asks_first_with_the_number_it_takes(browser, live_server):
    world = build_world()
    application = _opined(world)
    ctx, chair = browser_session(browser, live_server, world.chair.username)
    chair.goto(f"/reviews/applications/{application.pk}/")
    chair.select_option("#action-decide select[name=outcome]", "approve")
    chair.click("#action-decide button")
    chair.wait_for_load_state()
    assert chair.locator("#action-confirm").count() == 1
    consequence = chair.inner_text("#consequence")
    assert f"-{world.committee.pk}-D0001" in consequence
    assert not Decision.objects.exists()  # asked, not done
    chair.click("#confirm-action")
    chair.wait_for_load_state()
    assert chair.get_attribute("#application-status", "data-status") == "decided"
    assert Decision.objects.get().number.endswith("D0001")
    ctx.close()


def test_a_pending_letter_turns_into_its_link_without_a_reload(browser, live_server):
    world = build_world()
    application = _opined(world)
    decision = services.application_decide(
        application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert not decision.letter  # no worker here: the job waits in the outbox
    ctx, tab = browser_session(browser, live_server, world.researcher.username)
    problems: list[str] = []
    tab.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    tab.goto(f"/reviews/applications/{application.pk}/")
    # The fragment replaced the block: the job's state (the broker took it: queued).
    tab.wait_for_selector('[data-live="letter"] .live-progress')
    state = tab.get_attribute('[data-live="letter"]', "data-live-state")
    assert state in ("pending", "queued")
    tab.evaluate("window.__same_page = true")
    services.letter_render(decision_id=decision.pk)  # the worker finishes
    tab.wait_for_selector('[data-live="letter"][data-live-state="done"] a.live-download')
    href = tab.get_attribute('[data-live="letter"] a.live-download', "href")
    assert href == f"/reviews/decisions/{decision.pk}/letter/"
    assert tab.evaluate("window.__same_page === true")  # no reload happened
    assert problems == []
    ctx.close()
