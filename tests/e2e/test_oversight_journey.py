"""Browser journey of issue 16: an anonymous report about a project's lead (R55) → the
committee's secretary acknowledges and accepts it and opens an investigation (R56), records a
finding and concludes → the institution's admin records a ban against the lead (R57) → the lead's
next submission is refused with the rule and the ban's last day → the ban ends by itself → the
same submission is accepted. The reported lead never sees the complaint (404).

Elements are found by id, name and data attributes; what people read (the Chinese labels and
messages) is asserted on the page as well. Screenshots of the main steps go to $SCREENSHOT_DIR
(default var/screenshots/), as the phone-layout test does."""

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from oversight.models_complaints import Complaint, Investigation
from oversight.models_sanctions import Sanction
from reviews.models import Application
from tests.conftest import browser_session, confirm_step
from tests.reviews.conftest import draft
from tests.words import pending_catalogue
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAN_DAYS = 3  # the ban's last day is today + 2: refused today, accepted on day 3


def _shot(tab, name: str) -> None:
    path = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(path / f"oversight-journey-{name}.png"), full_page=True)


def _open(tab, name: str) -> None:
    """Open the <details> that holds the form `name` (a closed one hides its fields)."""
    tab.eval_on_selector(f"#{name}-form", "form => { form.closest('details').open = true; }")


def _submit_application(tab, url: str) -> None:
    tab.goto(url)
    tab.click("#action-submit button")
    confirm_step(tab)
    tab.wait_for_load_state()


def test_oversight_journey_report_to_ban_and_back(
    browser, live_server, eager_celery, settings, tmp_path
):
    pending_catalogue(settings, tmp_path)  # the branches' new-*.po strings, as after the merge
    world = build_world()
    lead = world.researcher
    application = draft(world)  # complete, not yet submitted
    project = application.project
    application_url = f"/reviews/applications/{application.pk}/"
    today = timezone.localdate()

    # Anyone, without an account: reports the lead and gets a receipt code (R55).
    anon = browser.new_context(locale="zh-CN", base_url=live_server.url)
    public = anon.new_page()
    public.set_default_timeout(15000)
    public.goto("/oversight/complaints/report/")
    assert public.locator("h1").inner_text().strip() == "举报科技伦理问题"
    public.select_option("#id_institution", str(world.institution.pk))
    public.select_option("#id_committee", str(world.committee.pk))
    public.select_option("#id_subject_kind", "person")
    public.fill("#id_project_text", project.title)
    public.fill("#id_person_text", lead.display_name)
    public.fill("#id_summary", "项目负责人涉嫌伪造受试者知情同意书")
    public.fill("#id_description", "多名受试者表示从未签署知情同意书，签名系他人代签。")
    public.check("#id_anonymous")
    public.select_option("#id_reporter_kind", "participant")
    public.click("#complaint-submit")
    public.wait_for_load_state()
    code = public.locator("#complaint-code").inner_text().strip()
    assert len(code) >= 32
    complaint = Complaint.objects.get()
    assert complaint.number in public.locator("main").inner_text()
    _shot(public, "1-receipt-code")

    # The receipt page shows the status, in words.
    public.click("#receipt-link")
    public.wait_for_load_state()
    assert public.get_attribute("#receipt-facts", "data-status") == "received"
    assert public.locator("#receipt-status").inner_text().strip() == "已收到"

    # The committee's secretary acknowledges, then accepts (a confirmed step).
    sctx, sec = browser_session(browser, live_server, world.secretary.username)
    sec.goto("/oversight/complaints/")
    sec.click(f"a[href='/oversight/complaints/{complaint.pk}/']")
    sec.wait_for_load_state()
    complaint_url = f"/oversight/complaints/{complaint.pk}/"
    assert sec.url.endswith(complaint_url)
    assert "匿名" in sec.locator("#complaint-reporter").inner_text()
    sec.fill("#acknowledge-form textarea[name=message]", "已收到您的举报，我们将尽快核实。")
    sec.click("#action-acknowledge")
    sec.wait_for_load_state()
    assert sec.get_attribute("#complaint-facts", "data-status") == "acknowledged"
    _open(sec, "triage")
    sec.select_option("#triage-form select[name=outcome]", "accepted")
    sec.fill("#triage-form textarea[name=reason]", "举报内容具体，予以受理。")
    sec.click("#action-triage")
    # Issue 15: the page states the consequence before the triage is recorded.
    assert "不可撤销" in sec.wait_for_selector("#action-confirm").inner_text()
    confirm_step(sec)
    sec.goto(complaint_url)
    assert sec.get_attribute("#complaint-facts", "data-status") == "accepted"
    assert sec.locator("#complaint-status").inner_text().strip() == "已受理"

    # The reporter sees the acknowledgement and the outcome on the receipt page.
    public.reload()
    assert public.locator("#receipt-status").inner_text().strip() == "已受理"
    assert "已收到您的举报" in public.locator("#receipt-messages").inner_text()

    # Link the lead and the project, then open an investigation from the complaint (R56).
    _open(sec, "link")
    sec.select_option("#link-form select[name=projects]", [str(project.pk)])
    sec.fill("#link-form [name=persons]", lead.username)
    sec.click("#action-link")
    sec.wait_for_load_state()
    assert lead.display_name in sec.locator("#complaint-links").inner_text()
    _open(sec, "investigate")
    sec.fill("#investigate-form input[name=title]", "关于伪造知情同意书的调查")
    sec.select_option("#investigate-form select[name=handling_body]", "unit")
    sec.click("#action-investigate")
    sec.wait_for_load_state()
    investigation = Investigation.objects.get()
    assert investigation.complaint_id == complaint.pk
    sec.goto(f"/oversight/investigations/{investigation.pk}/")
    assert complaint.number in sec.locator("#investigation-facts").inner_text()
    assert lead.display_name in sec.locator("#investigation-facts").inner_text()

    # A finding of fact, then the conclusion (R56: it needs a finding).
    _open(sec, "step")
    sec.select_option("#step-form select[name=kind]", "finding")
    sec.fill("#step-form input[name=happened_on]", today.isoformat())
    sec.fill("#step-form input[name=title]", "受试者签名系代签")
    sec.fill("#step-form textarea[name=notes]", "笔迹鉴定确认12份知情同意书签名非本人所签。")
    sec.click("#action-step")
    sec.wait_for_load_state()
    sec.goto(f"/oversight/investigations/{investigation.pk}/")
    assert "受试者签名系代签" in sec.locator("#investigation-steps").inner_text()
    _open(sec, "conclude")
    sec.select_option("#conclude-form select[name=finding]", "substantiated")
    sec.fill("#conclude-form textarea[name=conclusion]", "存在伪造知情同意书的违规行为。")
    sec.click("#action-conclude")
    confirm_step(sec)
    sec.goto(f"/oversight/investigations/{investigation.pk}/")
    assert sec.locator("#investigation-finding").inner_text().strip() == "存在违规行为"
    _shot(sec, "2-investigation-concluded")

    # The lead never sees the complaint: 404, whatever they try.
    lctx, lead_tab = browser_session(browser, live_server, lead.username)
    for url in (complaint_url, f"/oversight/investigations/{investigation.pk}/"):
        response = lead_tab.goto(url)
        assert response is not None
        assert response.status == 404, url
    lead_tab.goto("/oversight/complaints/")
    assert complaint.number not in lead_tab.content()

    # The institution's admin records a ban against the lead, following the investigation.
    actx, admin = browser_session(browser, live_server, world.admin.username)
    admin.goto("/oversight/sanctions/new/")
    admin.select_option("#id_subject_kind", "person")
    admin.select_option("#id_person", str(lead.pk))
    admin.select_option("#id_measure", "ban")
    admin.fill("#id_grounds", f"{investigation.number}：伪造知情同意书")
    admin.fill("#id_decided_on", today.isoformat())
    admin.fill("#id_ban_starts_on", today.isoformat())
    last_day = today + dt.timedelta(days=BAN_DAYS - 1)
    admin.fill("#id_ban_ends_on", last_day.isoformat())
    # The form names the investigation by its id today; the h-panel branch turns it into a
    # choice of the institution's investigations: either way the same id is sent.
    if admin.locator("select#id_investigation").count():
        admin.select_option("#id_investigation", str(investigation.pk))
    else:
        admin.fill("#id_investigation_id", str(investigation.pk))
    admin.click("main form button[type=submit]")
    confirm_step(admin)
    sanction = Sanction.objects.get()
    assert (sanction.person_id, sanction.investigation_id) == (lead.pk, investigation.pk)
    admin.goto(f"/oversight/sanctions/{sanction.pk}/")
    assert lead.display_name in admin.locator("#sanction-facts").inner_text()
    assert "禁止期内" in admin.locator("#sanction-ban").inner_text()
    _shot(admin, "3-sanction")

    # The lead's next submission is refused on the page, with the rule and the last day.
    _submit_application(lead_tab, application_url)
    refused = lead_tab.locator("#action-refused")
    assert refused.count() == 1
    text = refused.inner_text()
    assert "R57" in text
    assert "被禁止从事财政性资金支持的科技活动" in text
    assert last_day.isoformat() in text
    assert lead.display_name in text
    _shot(lead_tab, "4-submission-refused")
    assert Application.objects.get(pk=application.pk).status == "draft"

    # The ban ends by itself after its last day (no job runs): on day BAN_DAYS it is accepted.
    later = timezone.now() + dt.timedelta(days=BAN_DAYS)
    with time_machine.travel(later, tick=True):
        lctx.close()
        lctx, lead_tab = browser_session(browser, live_server, lead.username)
        _submit_application(lead_tab, application_url)
        assert lead_tab.locator("#action-refused").count() == 0
        assert lead_tab.get_attribute("#application-status", "data-status") == "submitted"
        assert lead_tab.locator("#application-status").inner_text().strip() == "已提交"
        _shot(lead_tab, "5-submission-accepted")
        # The ended ban stays in the history; the lead reads it as ended.
        lead_tab.goto(f"/oversight/sanctions/{sanction.pk}/")
        assert "已届满" in lead_tab.locator("#sanction-ban").inner_text()
    assert Application.objects.get(pk=application.pk).status == "submitted"
    for context in (anon, sctx, lctx, actx):
        context.close()
