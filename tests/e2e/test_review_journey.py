"""Browser journey of issue 4: create, submit, return (R14), resubmit, the committee's listing
determination (R37), simplified review (R32-R34), decision by the chair and the letter
downloaded by the researcher. Elements are found by id, name and data attributes, never by
visible (translated) text."""

import io

import pytest
from pypdf import PdfReader

from reviews import checklist
from reviews.models import Application, Decision
from tests.conftest import browser_session, confirm_step
from tests.reviews.conftest import PDF_BYTES
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _upload(tab, slot, content=PDF_BYTES):
    tab.select_option("#upload-form select[name=slot]", slot)
    tab.set_input_files(
        "#upload-form input[name=file]",
        files=[{"name": f"{slot}.pdf", "mimeType": "application/pdf", "buffer": content}],
    )
    tab.click("#upload-save")
    tab.wait_for_load_state()


def _status(tab):
    return tab.get_attribute("#application-status", "data-status")


def test_review_journey(browser, live_server, eager_celery):
    world = build_world()

    # Researcher: project, pre-screen, application with every document, submit.
    ctx, tab = browser_session(browser, live_server, world.researcher.username)
    tab.goto("/reviews/")
    tab.click("#new-project")
    tab.fill("#id_title", "基于电子病历的2型糖尿病风险预测模型研究")
    tab.select_option("#id_committee", str(world.committee.pk))
    tab.check("input[name=scope][value=human_data_samples]")
    tab.click("#project-save")
    tab.wait_for_load_state()
    tab.check("#prescreen-form input[name=human_data]")
    tab.click("#prescreen-save")
    tab.wait_for_load_state()
    assert tab.get_attribute("[data-review-required]", "data-review-required") == "yes"
    tab.select_option("#application-form select[name=kind]", "initial")
    tab.click("#application-create")
    tab.wait_for_load_state()
    application_url = tab.url
    for item in checklist.missing_slots("initial", ["human_data_samples"], set()):
        _upload(tab, item.slot)
    tab.click("#action-submit button")
    tab.wait_for_load_state()
    assert _status(tab) == "submitted"
    Application.objects.get()

    # Secretary: returns it with two missing documents at once (R14).
    sctx, sec = browser_session(browser, live_server, world.secretary.username)
    sec.goto(application_url)
    sec.check("#action-return input[name=missing][value=funding]")
    sec.check("#action-return input[name=missing][value=coi]")
    sec.click("#action-return button")
    sec.wait_for_load_state()
    assert _status(sec) == "returned"

    # Researcher: sees both items, uploads them, resubmits.
    tab.goto(application_url)
    assert tab.locator("#missing-items li").count() == 2
    _upload(tab, "funding", PDF_BYTES + b"% signed")
    _upload(tab, "coi", PDF_BYTES + b"% signed")
    tab.click("#action-submit button")
    tab.wait_for_load_state()
    assert _status(tab) == "submitted"

    # The committee determines the listing before accepting (R37): the secretary proposes
    # "not listed", the chair confirms it with reasons.
    sec.goto(application_url)
    sec.select_option("#action-propose_listing select[name=listing]", "not_listed")
    sec.click("#action-propose_listing button")
    sec.wait_for_load_state()
    cctx, chair = browser_session(browser, live_server, world.chair.username)
    chair.goto(application_url)
    chair.fill("#action-confirm_listing textarea[name=reasons]", "不属于附件清单所列活动")
    chair.click("#action-confirm_listing button")
    chair.wait_for_load_state()
    assert chair.get_attribute("#listing", "data-listing") == "not_listed"

    # Secretary: accepts for simplified review on the minimal-risk ground (R32).
    sec.goto(application_url)
    sec.select_option("#action-accept select[name=procedure]", "simplified")
    sec.select_option("#action-accept select[name=grounds]", "minimal_risk")
    sec.click("#action-accept button")
    sec.wait_for_load_state()
    assert _status(sec) == "under_review"

    # Chair: designates two members (R33).
    chair.goto(application_url)
    for member in world.members[2:4]:
        chair.check(f"#action-assign input[name=reviewers][value='{member.pk}']")
    chair.click("#action-assign button")
    chair.wait_for_load_state()

    # Members: declare no conflict, then approve on the worksheet.
    for member in world.members[2:4]:
        mctx, mtab = browser_session(browser, live_server, member.user.username)
        mtab.goto("/reviews/my-reviews/")
        mtab.click("[data-assignment] a")
        mtab.wait_for_load_state()
        mtab.check("#declare-form input[name=conflicted][value='0']")
        mtab.click("#declare-save")
        mtab.wait_for_load_state()
        mtab.select_option("#opinion-form select[name=verdict]", "approve")
        # R22: nothing is pre-selected; every criterion of the scope is answered.
        for select in mtab.query_selector_all("#opinion-form select[name^=c_]"):
            select.select_option("met")
        mtab.fill("#opinion-form textarea[name=comments]", "风险不高于最低风险，同意。")
        mtab.click("#opinion-save")
        mtab.wait_for_load_state()
        assert mtab.get_attribute("[data-verdict]", "data-verdict") == "approve"
        mctx.close()

    # Chair: decides; the letter is rendered by the Celery task after commit.
    chair.goto(application_url)
    chair.select_option("#action-decide select[name=outcome]", "approve")
    chair.click("#action-decide button")
    confirm_step(chair)
    chair.wait_for_load_state()
    assert _status(chair) == "decided"
    decision = Decision.objects.get()
    assert decision.letter

    # Researcher: downloads the letter; reviewer names are not on the page.
    tab.goto(application_url)
    html = tab.content()
    for member in world.members[2:4]:
        assert member.user.display_name not in html
    with tab.expect_download() as info:
        tab.click("#letter-download")
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "")
    assert "科技伦理审查批件" in text
    assert decision.number in text
    for context in (ctx, sctx, cctx):
        context.close()
