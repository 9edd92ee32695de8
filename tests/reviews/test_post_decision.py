"""Issue 5: what follows the first decision (R27, R28, R31a, R38-R46, R61)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from ethics import deadlines, regulations
from ethics.errors import Conflict, IllegalTransition
from ethics.models import Deadline
from reviews import clocks, services
from reviews.models import Appeal, Application, Decision, Project, ReReview
from tests.reviews.conftest import (
    approved_project,
    confirm_modifications,
    draft,
    final_approval,
    listed_preliminary,
    meeting_accepted,
    meeting_decision,
    pdf_upload,
    record_rereview,
    submitted,
    upload_new_version,
)
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _tracking(project):
    return Deadline.objects.get(
        kind=clocks.TRACKING_REVIEW, subject_id=project.pk, state__in=["open", "overdue"]
    )


def _decide(world, application, outcome, **kwargs):
    return meeting_decision(
        world, application_id=application.pk, outcome=outcome, actor=world.chair, **kwargs
    )


# --- tracking intervals (R28, R45) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "months", "expected"),
    [
        (dt.date(2026, 3, 10), 12, dt.date(2027, 3, 10)),  # a Wednesday: no roll-over
        (dt.date(2026, 3, 10), 6, dt.date(2026, 9, 10)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 3, 1)),  # 28 Feb 2027 is a Sunday: next Monday
        (dt.date(2026, 3, 14), 12, dt.date(2027, 3, 15)),  # Sunday rolls to Monday
    ],
)
def test_tracking_due_date_roll_over(decided, months, expected):
    """Month periods clamp to the month's last day and roll off rest days (Civil Code)."""
    assert (
        deadlines.month_period_due_on(decided, months, calendar=deadlines.Calendar.weekends_only())
        == expected
    )


# A Wednesday; 10 March and 10 September 2027, 10 March 2028 and 9 April 2027 are working days.
DECIDED_AT = dt.datetime(2027, 3, 10, 10, tzinfo=deadlines.SHANGHAI)


def test_tracking_clock_twelve_months_for_a_plain_project(db):
    with time_machine.travel(DECIDED_AT, tick=False):
        world = build_world()
        project = approved_project(world)
    clock = _tracking(project)
    assert clock.rule == regulations.MEAS.tracking_months.rule == "R28"
    assert timezone.localtime(clock.due_at).date() == dt.date(2028, 3, 11)  # 24:00 of 10 March
    assert project.status == "approved"


def test_tracking_clock_six_months_for_a_listed_activity_after_final_approval(db):
    with time_machine.travel(DECIDED_AT, tick=False):
        world = build_world()
        application = listed_preliminary(world)
        assert not Deadline.objects.filter(kind=clocks.TRACKING_REVIEW).exists()
        decision = final_approval(world, application)
    assert decision.stage == "final"
    assert decision.next_tracking_due == dt.date(2027, 9, 10)
    clock = _tracking(application.project)
    assert clock.rule == "R45"
    assert timezone.localtime(clock.due_at).date() == dt.date(2027, 9, 11)
    registration = Deadline.objects.get(kind=clocks.LISTED_REGISTRATION)
    assert registration.subject_id == application.project_id
    assert registration.rule == "R51"
    # R51: 30 days after the FINAL approval (10 March), i.e. 9 April, ending at 24:00.
    assert timezone.localtime(registration.due_at).date() == dt.date(2027, 4, 10)


def test_tracking_reminders_go_to_the_lead_and_the_secretary(world):
    from ethics import hooks

    project = approved_project(world)
    recipients = hooks.deadline_recipients(_tracking(project))
    assert world.researcher in recipients.responsible
    assert world.secretary in recipients.responsible
    assert world.chair in recipients.escalation


def test_tracking_report_continue_rolls_the_clock_and_suspend_notifies(world):
    project = approved_project(world)
    first = _tracking(project)
    report = meeting_accepted(world, kind="tracking", project=project)
    decision = _decide(world, report, "continue")
    first.refresh_from_db()
    assert first.state == "met"
    assert _tracking(project).due_at.date() >= decision.next_tracking_due
    report = meeting_accepted(world, kind="tracking", project=project)
    _decide(world, report, "suspend", conditions="", reasons="")
    assert Project.objects.get(pk=project.pk).status == "suspended"
    assert world.researcher.notifications.filter(title__contains=project.title).exists()
    report = meeting_accepted(world, kind="tracking", project=project)
    _decide(world, report, "terminate")
    assert Project.objects.get(pk=project.pk).status == "terminated"
    assert not Deadline.objects.filter(
        kind=clocks.TRACKING_REVIEW, state__in=["open", "overdue"]
    ).exists()


def test_follow_up_applications_need_an_approved_activity(world):
    with pytest.raises(Conflict) as info:
        draft(world, kind="tracking")
    assert info.value.code == "project_not_approved"
    assert info.value.rule == "R28"


# --- expert re-review (R38-R44) ----------------------------------------------------------------


def test_preliminary_approval_waits_for_rereview(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        application = listed_preliminary(world)
    application.refresh_from_db()
    assert application.status == "awaiting_rereview"
    assert Project.objects.get(pk=application.project_id).status == "planned"
    rereview = ReReview.objects.get()
    clock = Deadline.objects.get(kind=clocks.REREVIEW_OPINION)
    assert clock.rule == "R43"
    assert clock.subject_id == rereview.pk
    assert len(callbacks) >= 2  # the preliminary opinion letter and the package
    with pytest.raises(IllegalTransition) as info:  # R58: no start before re-review
        services.project_start(project_id=application.project_id, actor=world.researcher)
    assert (info.value.status, info.value.action) == ("planned", "start")
    assert info.value.code == "illegal_transition"


def test_rereview_panel_of_four_is_refused(world):
    application = listed_preliminary(world)
    minimum = regulations.MEAS.rereview_panel_min.value
    with pytest.raises(Conflict) as info:
        record_rereview(world, application, panel_size=minimum - 1)
    assert info.value.code == "rereview_panel_too_small"
    assert info.value.rule == "R40"
    assert ReReview.objects.get().opinion == ""
    record_rereview(world, application, panel_size=minimum)
    assert ReReview.objects.get().state == "received"


def test_disagree_blocks_approval_and_ends_in_a_final_disapproval(world):
    application = listed_preliminary(world)
    with pytest.raises(ValidationError) as info:
        record_rereview(world, application, opinion="disagree")  # reasons required
    assert info.value.error_dict["reasons"][0].code == "required"
    record_rereview(world, application, opinion="disagree", reasons="风险控制措施不足")
    with pytest.raises(Conflict) as info:
        _decide(world, application, "approve")
    assert info.value.code == "rereview_disagrees"
    assert info.value.rule == "R44"
    decision = _decide(world, application, "disapprove")
    assert decision.stage == "final"
    assert decision.reasons == "风险控制措施不足"
    assert Project.objects.get(pk=application.project_id).status == "planned"
    assert not Deadline.objects.filter(kind=clocks.LISTED_REGISTRATION).exists()


def test_final_decision_needs_the_opinion_first(world):
    application = listed_preliminary(world)
    with pytest.raises(Conflict) as info:
        _decide(world, application, "approve")
    assert info.value.rule == "R44"
    assert info.value.code == "rereview_opinion_missing"


def test_submit_rereview_counts_from_the_submission(world):
    application = listed_preliminary(world)
    today = timezone.localdate()
    services.rereview_submit(
        application_id=application.pk, actor=world.secretary, authority="bj_stc"
    )
    clock = Deadline.objects.get(kind=clocks.REREVIEW_OPINION)
    assert timezone.localtime(clock.due_at).date() > today + dt.timedelta(
        days=regulations.MEAS.rereview_days.value
    )
    with pytest.raises(Conflict) as info:
        services.rereview_submit(
            application_id=application.pk, actor=world.secretary, authority="bj_stc"
        )
    assert info.value.code == "rereview_already_submitted"
    with pytest.raises(PermissionDenied):  # the researcher may not act
        services.rereview_submit(
            application_id=application.pk, actor=world.researcher, authority="x"
        )


def test_package_pdf_has_materials_opinion_and_tally(world):
    application = listed_preliminary(world)
    rereview = services.package_render(rereview_id=ReReview.objects.get().pk)
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(rereview.package.read())).pages
    ).replace(" ", "")
    assert "科技伦理审查复核申请材料" in text
    assert "初步审查意见" in text
    assert "表决情况" in text
    assert application.ref in text
    assert rereview.package_hash in text.replace("\n", "")
    with pytest.raises(PermissionDenied):
        services.package_open(rereview_id=rereview.pk, actor=world.researcher)


def test_major_amendment_of_a_listed_activity_restarts_rereview(world):
    application = listed_preliminary(world)
    final_approval(world, application)
    amendment = submitted(
        world, kind="amendment", project=Project.objects.get(pk=application.project_id)
    )
    # R46: the committee classifies it major (the applicant's tick is only a declaration).
    services.amendment_classify(
        application_id=amendment.pk, actor=world.secretary, major=True, reasons="改变风险受益比"
    )
    services.application_accept(
        application_id=amendment.pk, procedure="meeting", actor=world.secretary
    )
    decision = _decide(world, amendment, "approve")
    assert decision.stage == "preliminary"
    assert Application.objects.get(pk=amendment.pk).status == "awaiting_rereview"


def test_minor_amendment_takes_effect_on_approval(world):
    project = approved_project(world)
    amendment = meeting_accepted(world, kind="amendment", project=project)
    _decide(world, amendment, "approve")
    from ethics.models import AuditEvent

    assert AuditEvent.objects.filter(action="amendment.effective").count() == 1


# --- outcomes carried through ------------------------------------------------------------------


def test_approval_after_modification_needs_confirmation(world):
    application = meeting_accepted(world)
    decision = _decide(world, application, "approve_with_modifications", conditions="补充方案")
    project = Project.objects.get(pk=application.project_id)
    assert project.status == "planned"
    with pytest.raises(Conflict) as info:  # nothing uploaded yet
        services.modifications_submit(application_id=application.pk, actor=world.researcher)
    assert (info.value.code, info.value.rule) == ("no_modified_documents", "R23")
    with pytest.raises(Conflict) as info:
        services.modifications_confirm(application_id=application.pk, actor=world.secretary)
    assert info.value.code == "modifications_not_submitted"
    approval = confirm_modifications(world, application)
    assert approval.stage == "confirmation"
    assert approval.follows_id == decision.pk
    assert Project.objects.get(pk=project.pk).status == "approved"
    assert _tracking(project)


def test_resubmit_starts_a_new_round_keeping_history(world):
    application = meeting_accepted(world)
    first = _decide(world, application, "resubmit", conditions="重写知情同意书")
    with pytest.raises(Conflict) as info:
        services.application_resubmit(application_id=application.pk, actor=world.researcher)
    assert (info.value.code, info.value.rule) == ("no_modified_documents", "R23")
    upload_new_version(world, application)
    services.application_resubmit(application_id=application.pk, actor=world.researcher)
    services.application_accept(
        application_id=application.pk, procedure="meeting", actor=world.secretary
    )
    application.refresh_from_db()
    assert application.reviews.count() == 2
    second = _decide(world, application, "approve")
    assert list(Decision.objects.filter(application=application).order_by("id")) == [first, second]


def test_appeal_states(world):
    application = meeting_accepted(world)
    original = _decide(world, application, "disapprove", reasons="风险过高")
    with pytest.raises(ValidationError) as info:
        services.appeal_file(application_id=application.pk, grounds=" ", actor=world.researcher)
    assert info.value.error_dict["grounds"][0].code == "required"
    appeal = services.appeal_file(
        application_id=application.pk, grounds="审查遗漏了补充数据", actor=world.researcher
    )
    assert appeal.state == "filed"
    with pytest.raises(Conflict) as info:
        services.appeal_file(application_id=application.pk, grounds="再次", actor=world.researcher)
    assert info.value.rule == "R27"
    assert info.value.code == "appeal_pending"
    with pytest.raises(PermissionDenied):
        services.appeal_file(application_id=application.pk, grounds="x", actor=world.secretary)
    appeal_app = appeal.application
    services.document_upload(
        application_id=appeal_app.pk,
        slot="appeal",
        upload=pdf_upload(),
        actor=world.researcher,
    )
    services.application_submit(application_id=appeal_app.pk, actor=world.researcher)
    services.application_accept(
        application_id=appeal_app.pk, procedure="meeting", actor=world.secretary
    )
    new = _decide(world, appeal_app, "approve")
    appeal.refresh_from_db()
    assert appeal.state == "upheld"
    assert appeal.new_decision_id == new.pk
    original.refresh_from_db()
    assert original.outcome == "disapprove"  # preserved
    assert Project.objects.get(pk=application.project_id).status == "approved"


def test_rejected_appeal_keeps_the_original(world):
    application = meeting_accepted(world)
    _decide(world, application, "disapprove", reasons="风险过高")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="理由", actor=world.researcher
    )
    Application.objects.filter(pk=appeal.application_id).update(status="under_review")
    from reviews.models import Review

    Review.objects.create(
        application_id=appeal.application_id,
        procedure="meeting",
        accepted_at=timezone.now(),
        due_at=timezone.now() + dt.timedelta(days=30),
    )
    _decide(world, appeal.application, "disapprove", reasons="申诉理由不充分")
    assert Appeal.objects.get().state == "rejected"


def test_appeal_only_against_disapproval(world):
    application = meeting_accepted(world)
    _decide(world, application, "approve")
    with pytest.raises(Conflict) as info:
        services.appeal_file(application_id=application.pk, grounds="x", actor=world.researcher)
    assert info.value.code == "nothing_to_appeal"
    assert info.value.rule == "R27"


def test_withdrawn_appeal_application(world):
    application = meeting_accepted(world)
    _decide(world, application, "disapprove", reasons="x")
    appeal = services.appeal_file(
        application_id=application.pk, grounds="y", actor=world.researcher
    )
    services.application_withdraw(application_id=appeal.application_id, actor=world.researcher)
    assert Appeal.objects.get().state == "withdrawn"


# --- reports and closure (R30, R61) ------------------------------------------------------------


def test_risk_report_is_triaged(world):
    project = approved_project(world)
    report = draft(world, kind="risk_report", project=project)
    services.application_submit(application_id=report.pk, actor=world.researcher)
    with pytest.raises(IllegalTransition):
        services.application_submit(application_id=report.pk, actor=world.researcher)
    services.application_acknowledge(application_id=report.pk, actor=world.secretary, note="已知悉")
    assert Application.objects.get(pk=report.pk).status == "decided"


def test_closure_ends_tracking_and_starts_retention(world):
    project = approved_project(world)
    closure = draft(world, kind="closure", project=project)
    services.application_submit(application_id=closure.pk, actor=world.researcher)
    services.application_acknowledge(application_id=closure.pk, actor=world.secretary)
    project.refresh_from_db()
    assert project.status == "completed"
    years = regulations.MEAS.retention_years.value
    assert project.retain_until.year - timezone.localdate().year == years
    assert not Deadline.objects.filter(
        kind=clocks.TRACKING_REVIEW, state__in=["open", "overdue"]
    ).exists()


def test_overdue_tracking_blocks_amendments(world):
    project = approved_project(world)
    Deadline.objects.filter(kind=clocks.TRACKING_REVIEW).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    amendment = draft(world, kind="amendment", project=project)
    with pytest.raises(Conflict) as info:
        services.application_submit(application_id=amendment.pk, actor=world.researcher)
    assert info.value.code == "tracking_overdue"
    assert info.value.rule == "R28"


# --- recognition (R31, N12) --------------------------------------------------------------------


def test_participating_committee_recognises_the_decision(world):
    from tests.factories import CommitteeFactory, MembershipFactory

    other = CommitteeFactory(name="协作单位伦理委员会")
    secretary = MembershipFactory(committee=other, role="secretary", **world.term).user
    project = approved_project(world)
    decision = services.letter_render(decision_id=Decision.objects.get().pk)
    with pytest.raises(Conflict) as info:
        services.recognition_record(
            committee_id=other.pk,
            decision_number=decision.number,
            verification_hash=decision.letter_hash,
            actor=secretary,
        )
    assert info.value.rule == "R31"
    assert info.value.code == "not_participating"
    services.project_set_participants(
        project_id=project.pk, institution_ids=[other.institution_id], actor=world.researcher
    )
    with pytest.raises(ValidationError) as info:
        services.recognition_record(
            committee_id=other.pk,
            decision_number=decision.number,
            verification_hash="0" * 64,
            actor=secretary,
        )
    assert info.value.error_dict["verification_hash"][0].code == "invalid"
    recognition = services.recognition_record(
        committee_id=other.pk,
        decision_number=decision.number,
        verification_hash=decision.letter_hash,
        local_checks="本院受试者招募",
        actor=secretary,
    )
    assert recognition.source_decision_id == decision.pk
