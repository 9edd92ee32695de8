"""Browser journey of R20a: the chair leads a project; the chair designates the vice-chair as
deputy, and the vice-chair takes over acceptance, designation of the reviewers, the decision and
its signature, then presides over the chair's item at a meeting. Every attempt of the chair is
refused on the page with the rule. Elements are found by id, name and data attributes."""

import io

import pytest
from pypdf import PdfReader

from meetings import services as meeting_services
from reviews import checklist, services
from reviews.models import Decision
from tests.conftest import browser_session, confirm_step
from tests.factories import ProjectFactory, under_meeting_review
from tests.meetings.conftest import today_later
from tests.reviews.conftest import declare_and_opine, pdf_upload
from tests.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _status(tab):
    return tab.get_attribute("#application-status", "data-status")


def _refused(tab):
    assert tab.locator("#action-refused").count() == 1
    assert "R20a" in tab.locator("#action-refused").inner_text()


def _chair_submitted(world):
    project = ProjectFactory(
        lead=world.chair, committee=world.committee, institution=world.institution
    )
    application = services.application_create(
        project_id=project.pk, actor=world.chair, kind="initial"
    )
    for item in checklist.missing_slots("initial", project.scope, set()):
        services.document_upload(
            application_id=application.pk,
            slot=item.slot,
            upload=pdf_upload(f"{item.slot}.pdf"),
            actor=world.chair,
        )
    application = services.application_submit(application_id=application.pk, actor=world.chair)
    # R37: the listing is determined before acceptance; the chair leads the project, so the
    # vice-chair, who takes the chair's steps on it (R20a), confirms the secretary's proposal.
    services.listing_propose(application_id=application.pk, actor=world.secretary, listed=False)
    services.listing_confirm(
        application_id=application.pk, actor=world.vice_chair, reasons="不在清单内"
    )
    return application


def test_vice_chair_takes_over_the_chairs_own_project_r20a(browser, live_server, eager_celery):
    world = build_world()
    application = _chair_submitted(world)
    url = f"/reviews/applications/{application.pk}/"

    # Chair: designates the vice-chair as deputy on the committee page.
    cctx, chair = browser_session(browser, live_server, world.chair.username)
    chair.goto(f"/committees/{world.committee.pk}/deputy/")
    chair.select_option("#id_deputy", str(world.vice_chair_membership.pk))
    chair.click("form.stack button[type=submit]")
    chair.wait_for_load_state()
    assert world.vice_chair.display_name in chair.locator("#deputy").inner_text()

    # Chair: tries to accept their own project; refused with R20a.
    chair.goto(url)
    chair.select_option("#action-accept select[name=procedure]", "simplified")
    chair.select_option("#action-accept select[name=grounds]", "minimal_risk")
    chair.click("#action-accept button")
    chair.wait_for_load_state()
    _refused(chair)

    # Vice-chair: accepts for simplified review.
    vctx, vice = browser_session(browser, live_server, world.vice_chair.username)
    vice.goto(url)
    vice.select_option("#action-accept select[name=procedure]", "simplified")
    vice.select_option("#action-accept select[name=grounds]", "minimal_risk")
    vice.click("#action-accept button")
    vice.wait_for_load_state()
    assert _status(vice) == "under_review"

    # Chair: tries to designate the reviewers; refused.
    chair.goto(url)
    for member in world.members[2:4]:
        chair.check(f"#action-assign input[name=reviewers][value='{member.pk}']")
    chair.click("#action-assign button")
    chair.wait_for_load_state()
    _refused(chair)

    # Vice-chair: designates two members (R33 passes to the deputy, R20a).
    vice.goto(url)
    for member in world.members[2:4]:
        vice.check(f"#action-assign input[name=reviewers][value='{member.pk}']")
    vice.click("#action-assign button")
    vice.wait_for_load_state()
    review = application.reviews.get()
    assignments = list(review.assignments.all())
    assert {a.assigned_by_id for a in assignments} == {world.vice_chair.pk}
    for assignment in assignments:
        declare_and_opine(assignment, "approve")

    # Chair: tries to decide; refused. Vice-chair decides and signs.
    chair.goto(url)
    chair.select_option("#action-decide select[name=outcome]", "approve")
    chair.click("#action-decide button")
    confirm_step(chair)
    chair.wait_for_load_state()
    _refused(chair)
    vice.goto(url)
    vice.select_option("#action-decide select[name=outcome]", "approve")
    vice.click("#action-decide button")
    confirm_step(vice)
    vice.wait_for_load_state()
    assert _status(vice) == "decided"
    decision = Decision.objects.get(application=application)
    assert (decision.signed_by_id, decision.signature_role) == (world.vice_chair.pk, "vice_chair")

    # The lead downloads the letter: it names the vice-chair who signed, as vice-chair.
    chair.goto(url)
    with chair.expect_download() as info:
        chair.click("#letter-download")
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "")
    assert "副主任委员" in text
    assert world.vice_chair.display_name.replace(" ", "") in text

    # A meeting presided by the chair: the vice-chair presides over the chair's item.
    item_application = under_meeting_review(
        world.committee, lead=world.chair, regimes=world.committee.regimes
    )
    meeting = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=today_later(),  # never across Shanghai midnight
        actor=world.secretary,
    )
    item = meeting_services.agenda_add(
        meeting_id=meeting.pk, application_id=item_application.pk, actor=world.secretary
    )
    meeting_services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    for membership in world.members[1:]:
        meeting_services.vote_cast(
            item_id=item.pk, choice="approve", membership_id=membership.pk, actor=world.secretary
        )
    sctx, sec = browser_session(browser, live_server, world.secretary.username)
    sec.goto(f"/meetings/{meeting.pk}/console/?item={item.pk}")
    sec.click("#conclude-item")
    confirm_step(sec)
    sec.wait_for_load_state()
    signed = Decision.objects.get(application=item_application)
    assert (signed.signed_by_id, signed.signature_role) == (world.vice_chair.pk, "vice_chair")
    for context in (cctx, vctx, sctx):
        context.close()
