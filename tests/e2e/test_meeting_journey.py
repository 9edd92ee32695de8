"""Browser journey of issue 6: the secretary builds the agenda and opens a meeting with 7 members
(R18, R19), one member is recused (R20a), two members vote from their own browsers while the
console's tally updates live (htmx), the secretary records the other votes, the item concludes
with 修改后批准 (R24) and the minutes PDF downloads. Elements are found by id, name and data
attributes, never by visible (translated) text."""

import io

import pytest
from pypdf import PdfReader

from meetings import services
from meetings.models import AgendaItem, Meeting
from tests.conftest import browser_session
from tests.meetings.conftest import application, schedule
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AWM = "approve_with_modifications"


def _count(tab, item_id, choice):
    return tab.locator(f'[data-tally="{item_id}"] [data-count="{choice}"] strong').inner_text()


def test_meeting_journey(browser, live_server, eager_celery):
    world = build_world()
    app = application(world)
    meeting = schedule(world)

    # Secretary: agenda builder, then the console with all seven members present.
    sec_ctx, sec = browser_session(browser, live_server, world.secretary.username)
    sec.goto(f"/meetings/{meeting.pk}/agenda/")
    sec.click(f'[data-add="{app.pk}"]')
    sec.wait_for_load_state()
    item = AgendaItem.objects.get(meeting=meeting, application=app)
    assert sec.locator(f'[data-agenda-item="{item.pk}"]').count() == 1
    sec.goto(f"/meetings/{meeting.pk}/console/")
    assert sec.locator("#open-form input[name=present]:checked").count() == 7
    sec.select_option("#open-form select[name=presiding]", str(world.chair_membership.pk))
    sec.click("#open-meeting")
    sec.wait_for_load_state()
    assert sec.get_attribute("[data-meeting-status]", "data-meeting-status") == "open"
    assert sec.locator("[data-attendee]").count() == 7

    # One member is recused (R20a).
    recused = world.members[6]
    sec.select_option("#recusal-member", str(recused.pk))
    sec.fill("#recusal-reason", "与申请人为同一课题组")
    sec.click("#record-recusal")
    sec.wait_for_load_state()
    assert sec.locator(f'[data-recused="{recused.pk}"]').count() == 1

    # Two members vote from their own browsers after declaring no conflict.
    voters = world.members[3:5]
    contexts = []
    for member in voters:
        ctx, tab = browser_session(browser, live_server, member.user.username)
        contexts.append(ctx)
        tab.goto(f"/meetings/{meeting.pk}/")
        tab.check(f'[data-declare="{item.pk}"] input[name=conflicted][value="0"]')
        tab.click(f'[data-declare="{item.pk}"] button[name=declare]')
        tab.wait_for_load_state()
        tab.click(f'[data-vote-form="{item.pk}"] [data-choice="{AWM}"]')
        tab.wait_for_load_state()
        assert tab.get_attribute("[data-my-vote]", "data-my-vote") == AWM

    # The console's tally polls every 2 s and shows both votes without a reload.
    sec.wait_for_function(
        '([id, c]) => { const el = document.querySelector(`[data-tally="${id}"] '
        "[data-count=\"${c}\"] strong`); return el && el.textContent.trim() === '2'; }",
        arg=[item.pk, AWM],
        timeout=10000,
    )

    # The secretary records the votes of the four others present and not recused.
    for member in [world.members[0], world.members[1], world.members[2], world.members[5]]:
        sec.select_option("#proxy-member", str(member.pk))
        sec.select_option("#proxy-choice", AWM)
        sec.click("#record-vote")
        sec.wait_for_load_state()
    assert _count(sec, item.pk, AWM) == "6"
    assert sec.get_attribute(f'[data-tally="{item.pk}"] [data-adopted]', "data-adopted") == AWM

    # Conclude with the modifications required (R23), then close the meeting.
    sec.fill("#conclude-form textarea[name=conditions]", "补充数据脱敏方案并修改知情同意书第3条")
    sec.click("#conclude-item")
    sec.wait_for_load_state()
    item.refresh_from_db()
    assert item.status == "concluded"
    assert item.outcome == AWM
    assert item.decision.outcome == AWM
    assert item.tally["present"] == 6
    assert item.tally["recused"] == 1
    sec.click("#close-meeting")
    sec.wait_for_load_state()
    assert Meeting.objects.get(pk=meeting.pk).status == "closed"

    # The minutes render in the worker (eager here); the secretary downloads the PDF.
    sec.goto(f"/meetings/{meeting.pk}/")
    with sec.expect_download() as download_info:
        sec.click("#minutes-download")
    path = download_info.value.path()
    with open(path, "rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    assert "会议纪要" in text
    assert "修改后批准" in text

    for ctx in [sec_ctx, *contexts]:
        ctx.close()
    assert services  # the same services back every page
