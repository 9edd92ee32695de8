"""Browser journey: the secretary prepares the annual report, downloads it, records the receipt."""

import pytest

from registry import services
from registry.models import Filing
from tests.conftest import browser_session, confirm_step
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_tasks():
    # The live server runs in this process: the render task runs right after the commit.
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_secretary_prepares_downloads_and_files_the_annual_report(
    page, login, eager_tasks, browser, live_server
):
    world = build_world(via_services=True, authority="bj_health")
    filing = services.annual_report_open_for(committee_id=world.committee.pk, year=2025)
    login(page, world.secretary.username)

    page.goto("/registry/filings/?kind=annual_report")
    page.click(f"tr[data-filing='{filing.pk}'] a")
    page.wait_for_load_state()
    page.click("#action-prepare")
    page.wait_for_load_state()
    page.reload()
    assert page.locator("#package").get_attribute("data-package-state") == "ready"
    assert page.locator("#package-preview [data-field='meetings_held']").count() == 1

    pdf = page.request.get(page.locator("#download-pdf").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    xlsx = page.request.get(page.locator("#download-xlsx").get_attribute("href"))
    assert xlsx.status == 200
    assert xlsx.body()[:2] == b"PK"

    # R53: the chair signs the package off before the secretary records the submission.
    context, chair = browser_session(browser, live_server, world.chair.username)
    chair.goto(f"/registry/filings/{filing.pk}/")
    chair.click("#action-sign-off")
    confirm_step(chair)
    chair.wait_for_load_state()
    context.close()
    page.reload()

    page.fill("#id_receipt", "KJLL-NB-2025-0042")
    page.click("#action-submit")
    confirm_step(page)
    page.wait_for_load_state()
    assert page.locator("#filing-receipt").inner_text() == "KJLL-NB-2025-0042"
    assert page.locator("#filing-facts").get_attribute("data-status") == "submitted"
    filing.refresh_from_db()
    assert filing.status == "submitted"
    assert filing.deadline.state == "met"
    assert Filing.objects.filter(pk=filing.pk, receipt="KJLL-NB-2025-0042").exists()
