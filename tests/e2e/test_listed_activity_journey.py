"""Browser journey of issue 5: a listed AI activity (annex item 6, R36-R45).

Preliminary approval by the chair → the re-review package PDF (R39) → the secretary records the
submission and the panel's 同意 (R40, R42) → the chair's final approval (R44) → the tracking review
due 6 months later (R45) on the project page. Elements are found by id, name and data attributes.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from ethics import deadlines, regulations
from reviews import services
from reviews.models import Application, Decision
from tests.conftest import browser_session, confirm_step
from tests.reviews.conftest import (
    declare_and_opine,
    determine,
    draft,
    new_project,
    seat_rereview_panel,
)
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _status(tab):
    return tab.get_attribute("#application-status", "data-status")


def _reviewed_listed_application(world):
    """Annex item 6 (algorithms able to mobilise public opinion), reviewed by two members."""
    project = new_project(
        world, title="具有舆论动员能力的推荐算法研发", listed_item=6, scope=["other_risk"]
    )
    application = draft(world, project=project)
    application = services.application_submit(application_id=application.pk, actor=world.researcher)
    determine(world, application)  # R37: the committee confirms item 6
    services.application_accept(
        application_id=application.pk,
        procedure="simplified",
        grounds="minimal_risk",
        actor=world.secretary,
    )
    assignments = services.application_assign(
        application_id=application.pk,
        membership_ids=[m.pk for m in world.members[2:4]],
        actor=world.chair,
    )
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return application


def test_listed_activity_journey(browser, live_server, eager_celery):
    world = build_world()
    application = _reviewed_listed_application(world)
    url = f"/reviews/applications/{application.pk}/"

    # Chair: the approval of a listed activity is preliminary (R38).
    cctx, chair = browser_session(browser, live_server, world.chair.username)
    chair.goto(url)
    chair.select_option("#action-decide select[name=outcome]", "approve")
    chair.click("#action-decide button")
    confirm_step(chair)
    chair.wait_for_load_state()
    assert _status(chair) == "awaiting_rereview"
    assert chair.get_attribute("[data-decision]", "data-stage") == "preliminary"

    # Secretary: downloads the package rendered by the task (R39), submits it, records 同意.
    sctx, sec = browser_session(browser, live_server, world.secretary.username)
    sec.goto(url)
    with sec.expect_download() as info:
        sec.click("#package-download")
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "")
    assert "科技伦理审查复核申请材料" in text
    assert "初步审查意见" in text
    assert Application.objects.get(pk=application.pk).ref in text
    sec.select_option("#action-submit_rereview select[name=authority]", "bj_stc")
    sec.click("#action-submit_rereview button")
    sec.wait_for_load_state()
    assert sec.get_attribute("[data-rereview]", "data-rereview-state") == "submitted"
    # R40 is a gate: the panel is seated from the pool before its opinion is recorded.
    seat_rereview_panel(application, world.secretary)
    sec.goto(url)
    sec.select_option("#action-record_rereview select[name=opinion]", "agree")
    sec.fill("#action-record_rereview input[name=received_on]", f"{timezone.localdate():%Y-%m-%d}")
    sec.fill("#action-record_rereview input[name=panel_size]", "5")
    sec.click("#action-record_rereview button")
    sec.wait_for_load_state()
    assert sec.get_attribute("[data-rereview]", "data-rereview-opinion") == "agree"

    # Chair: the final approval in light of the opinion (R44).
    chair.goto(url)
    chair.select_option("#action-decide select[name=outcome]", "approve")
    chair.click("#action-decide button")
    confirm_step(chair)
    chair.wait_for_load_state()
    assert _status(chair) == "decided"
    final = Decision.objects.get(stage="final")
    assert final.letter

    # Researcher: the project is approved; the tracking review is due within 6 months (R45).
    rctx, tab = browser_session(browser, live_server, world.researcher.username)
    tab.goto(f"/reviews/projects/{application.project_id}/")
    assert tab.get_attribute("[data-project-status]", "data-project-status") == "approved"
    due = tab.get_attribute("#tracking-due [data-due]", "data-due")
    months = regulations.MEAS.listed_tracking_months.value
    expected = deadlines.end_of_day(final.next_tracking_due)
    assert due == f"{timezone.localtime(expected):%Y-%m-%d}"
    assert final.next_tracking_due <= deadlines.add_months(
        timezone.localdate(final.decided_at), months
    ) + dt.timedelta(days=7)  # at most a rest-day roll-over (Civil Code)
    assert tab.locator("[data-action='rereview.record']").count() == 1
    html = tab.content()
    for member in world.members[2:4]:
        assert member.user.display_name not in html
    assert Application.objects.get().status == "decided"
    for context in (cctx, sctx, rctx):
        context.close()
