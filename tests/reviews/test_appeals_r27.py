"""R27: an appeal against any adverse decision, within the rule set's period, page and API.

Adverse: the conditions of 修改后批准, 修改后再审, 不予批准, suspension, termination. An approval
without conditions is not appealable. The original decision and its letter stay as they were;
the decision on the appeal is a new decision linked to the original.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from ethics import deadlines, regulations
from reviews import services
from reviews.models import Appeal, Application, Decision, Project
from tests.reviews.conftest import (
    approved_project,
    meeting_accepted,
    meeting_decision,
    pdf_upload,
)
from tests.world import build_world

pytestmark = pytest.mark.django_db

# A Wednesday; with 15 days the period's last day is Thursday 25 March 2027 (a working day).
DECIDED_AT = dt.datetime(2027, 3, 10, 10, tzinfo=deadlines.SHANGHAI)

ADVERSE = {
    "approve_with_modifications": {"conditions": "补充知情同意书的退出条款"},
    "resubmit": {"conditions": "重新设计数据脱敏方案"},
    "disapprove": {"reasons": "风险高于可能的获益"},
    "suspend": {"reasons": "发生严重不良事件"},
    "terminate": {"reasons": "风险不可控"},
}
TRACKING = {"suspend", "terminate", "continue"}


def _decided(world, outcome, **fields):
    """An application decided by a meeting with `outcome` (a tracking report for R28 ones)."""
    if outcome in TRACKING:
        project = approved_project(world)
        application = meeting_accepted(world, kind="tracking", project=project)
    else:
        application = meeting_accepted(world)
    decision = meeting_decision(
        world, application_id=application.pk, outcome=outcome, actor=world.chair, **fields
    )
    return application, decision


def _page(world, application, grounds):
    from django.test import Client

    client = Client()
    client.force_login(world.researcher)
    url = reverse("reviews:application-action", args=[application.pk, "appeal"])
    return client.post(url, {"grounds": grounds})


def _api(world, application, grounds):
    client = APIClient()
    client.force_authenticate(world.researcher)
    return client.post(
        f"/api/v1/applications/{application.pk}/appeal/", {"grounds": grounds}, format="json"
    )


ROUTES = {"page": _page, "api": _api}


def _filed(response) -> bool:
    return response.status_code in (201, 302)


def _refused(response, code) -> None:
    assert response.status_code == 409, response.content
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["rule"] == "R27"
        assert response.json()["code"] == code
    else:
        assert "R27" in response.content.decode()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("outcome", ADVERSE)
def test_every_adverse_decision_is_appealable_r27(world, route, outcome):
    application, decision = _decided(world, outcome, **ADVERSE[outcome])
    response = ROUTES[route](world, application, "审查未考虑补充的安全数据")
    assert _filed(response), response.content
    appeal = Appeal.objects.get(original_decision=decision)
    assert appeal.state == "filed"
    assert appeal.application.kind == "appeal"


@pytest.mark.parametrize("route", ROUTES)
def test_an_approval_without_conditions_is_not_appealable_r27(world, route):
    application, _decision = _decided(world, "approve")
    _refused(ROUTES[route](world, application, "x"), "nothing_to_appeal")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("route", ROUTES)
def test_continue_is_not_appealable_r27(world, route):
    application, _decision = _decided(world, "continue")
    _refused(ROUTES[route](world, application, "x"), "nothing_to_appeal")


def test_the_page_offers_the_appeal_only_for_an_adverse_decision_r27(client, world):
    approved, _ = _decided(world, "approve")
    disapproved, _ = _decided(world, "disapprove", reasons="x")
    client.force_login(world.researcher)
    page = reverse("reviews:application-detail", args=[approved.pk])
    assert 'id="action-appeal"' not in client.get(page).content.decode()
    page = reverse("reviews:application-detail", args=[disapproved.pk])
    assert 'id="action-appeal"' in client.get(page).content.decode()


def test_the_period_is_the_rule_sets_r27():
    assert regulations.MEAS.appeal_days.rule == "R27"
    assert regulations.MEAS.appeal_days.value == 15
    assert regulations.combined(["meas", "nhc"]).appeal_days.value == 15


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (dt.datetime(2027, 3, 25, 23, 59, tzinfo=deadlines.SHANGHAI), True),  # day 15
        (dt.datetime(2027, 3, 26, 0, 0, tzinfo=deadlines.SHANGHAI), False),  # day 16
    ],
    ids=["day-15", "day-16"],
)
def test_appeal_within_the_period_not_a_day_after_r27(db, route, at, allowed):
    with time_machine.travel(DECIDED_AT, tick=False):
        world = build_world()
        application, decision = _decided(world, "disapprove", reasons="风险过高")
    assert regulations.MEAS.appeal_days.value == 15
    due = services.appeal_due_at(decision)
    assert due == dt.datetime(2027, 3, 26, tzinfo=deadlines.SHANGHAI)
    with time_machine.travel(at, tick=False):
        response = ROUTES[route](world, application, "新的证据")
    if allowed:
        assert _filed(response), response.content
        assert Appeal.objects.filter(original_decision=decision).exists()
    else:
        _refused(response, "appeal_period_over")
        assert not Appeal.objects.exists()


def test_the_button_goes_after_the_period_r27(db):
    from django.test import Client

    with time_machine.travel(DECIDED_AT, tick=False):
        world = build_world()
        application, _decision = _decided(world, "disapprove", reasons="风险过高")
    page = reverse("reviews:application-detail", args=[application.pk])
    for day, offered in ((25, True), (26, False)):
        with time_machine.travel(dt.datetime(2027, 3, day, 12, tzinfo=deadlines.SHANGHAI)):
            client = Client()
            client.force_login(world.researcher)
            html = client.get(page).content.decode()
            assert ('id="action-appeal"' in html) is offered
            assert 'data-appeal-until="2027-03-25"' in html  # the last day, shown either way


def _accept_appeal(world, appeal):
    appeal_app = appeal.application
    services.document_upload(
        application_id=appeal_app.pk, slot="appeal", upload=pdf_upload(), actor=world.researcher
    )
    services.application_submit(application_id=appeal_app.pk, actor=world.researcher)
    services.application_accept(
        application_id=appeal_app.pk, procedure="meeting", actor=world.secretary
    )
    return appeal_app


def _decide_appeal(world, appeal, outcome, **fields):
    """The appeal application reviewed by a meeting, decided by its vote (R24)."""
    appeal_app = _accept_appeal(world, appeal)
    return meeting_decision(
        world, application_id=appeal_app.pk, outcome=outcome, actor=world.chair, **fields
    )


def _snapshot(decision):
    return {
        f: getattr(decision, f)
        for f in ("outcome", "conditions", "reasons", "number", "letter", "letter_hash", "stage")
    }


def test_appeal_against_conditions_keeps_the_original_and_links_the_new_r27(world):
    application, original = _decided(world, "approve_with_modifications", conditions="删除第3组")
    before = _snapshot(original)
    appeal = services.appeal_file(
        application_id=application.pk, grounds="第3组是研究所必需", actor=world.researcher
    )
    new = _decide_appeal(world, appeal, "approve")
    appeal.refresh_from_db()
    original.refresh_from_db()
    assert appeal.state == "upheld"
    assert appeal.new_decision_id == new.pk
    assert appeal.original_decision_id == original.pk
    assert new.pk != original.pk
    assert new.number != original.number
    assert _snapshot(original) == before  # nothing overwritten
    assert Decision.objects.filter(application=application).count() == 1
    assert Project.objects.get(pk=application.project_id).status == "approved"


def test_an_appeal_decision_confirming_the_original_rejects_it_and_is_linked_r27(world):
    application, original = _decided(world, "resubmit", conditions="补充样本来源")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    new = _decide_appeal(world, appeal, "resubmit", conditions="补充样本来源")
    appeal.refresh_from_db()
    assert appeal.state == "rejected"
    assert appeal.new_decision_id == new.pk
    assert Decision.objects.get(pk=original.pk).outcome == "resubmit"


def test_an_upheld_appeal_against_termination_reinstates_the_activity_r27(world):
    application, original = _decided(world, "terminate", reasons="风险不可控")
    project = Project.objects.get(pk=application.project_id)
    assert project.status == "terminated"
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    _accept_appeal(world, appeal)
    # A review outcome is not a tracking decision: not by the service, not in the meeting's vote.
    with pytest.raises(ValidationError) as info:
        services.decision_issue(
            application_id=appeal.application_id, outcome="approve", actor=world.chair
        )
    assert info.value.error_dict["outcome"][0].code == "invalid_choice"
    with pytest.raises(ValidationError) as info:
        meeting_decision(
            world, application_id=appeal.application_id, outcome="approve", actor=world.chair
        )
    assert info.value.error_dict["choice"][0].code == "invalid_choice"
    new = meeting_decision(
        world, application_id=appeal.application_id, outcome="continue", actor=world.chair
    )
    project.refresh_from_db()
    assert project.status == "active"
    assert new.next_tracking_due is not None
    assert Appeal.objects.get().state == "upheld"
    assert Decision.objects.get(pk=original.pk).outcome == "terminate"


def test_an_appeal_against_suspension_confirmed_keeps_it_suspended_r27(world):
    application, _original = _decided(world, "suspend", reasons="事件调查中")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    _decide_appeal(world, appeal, "suspend", reasons="调查未结束")
    assert Project.objects.get(pk=application.project_id).status == "suspended"
    assert Appeal.objects.get().state == "rejected"


def test_the_decision_on_an_appeal_is_not_appealed_again_r27(world):
    application, _ = _decided(world, "disapprove", reasons="x")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    _decide_appeal(world, appeal, "disapprove", reasons="维持")
    response = _api(world, Application.objects.get(pk=appeal.application_id), "again")
    assert response.status_code == 409
    assert response.json()["code"] == "appeal_of_appeal"


def test_a_meeting_votes_on_an_appeal_with_the_contested_decisions_outcomes_r27(world):
    from meetings.selectors import allowed_outcomes

    application, _ = _decided(world, "suspend", reasons="事件调查中")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    assert set(allowed_outcomes(appeal.application)) == {"continue", "suspend", "terminate"}
    application, _ = _decided(world, "disapprove", reasons="x")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    assert "approve" in allowed_outcomes(appeal.application)
    assert "continue" not in allowed_outcomes(appeal.application)


def _accept(world, route, application, data):
    if route == "api":
        client = APIClient()
        client.force_authenticate(world.secretary)
        url = f"/api/v1/applications/{application.pk}/accept/"
        return client.post(url, data, format="json")
    from django.test import Client

    client = Client()
    client.force_login(world.secretary)
    return client.post(reverse("reviews:application-action", args=[application.pk, "accept"]), data)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("ground", sorted(regulations.SIMPLIFIED_GROUND_KINDS))
def test_an_appeal_is_not_decided_by_the_simplified_procedure_r27_r32(world, route, ground):
    """R27: the committee decides the appeal anew; no simplified ground of R32 is about an
    appeal (the grounds fit initial, amendment and tracking applications), so an appeal is
    reviewed by a meeting, the default of R15: simplified is refused on every ground."""
    assert "appeal" not in set().union(*regulations.SIMPLIFIED_GROUND_KINDS.values())
    application, _ = _decided(world, "disapprove", reasons="风险过高")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="g", actor=world.researcher
    )
    services.document_upload(
        application_id=appeal.application_id,
        slot="appeal",
        upload=pdf_upload(),
        actor=world.researcher,
    )
    services.application_submit(application_id=appeal.application_id, actor=world.researcher)
    response = _accept(
        world, route, appeal.application, {"procedure": "simplified", "grounds": ground}
    )
    assert response.status_code == 409, response.content[:500]
    assert "R32" in response.content.decode()
    appeal_application = Application.objects.get(pk=appeal.application_id)
    assert appeal_application.status == "submitted"
    response = _accept(world, route, appeal_application, {"procedure": "meeting"})
    assert response.status_code in (200, 302), response.content[:500]
    appeal_application.refresh_from_db()
    assert appeal_application.status == "under_review"
    assert appeal_application.procedure == "meeting"
