"""Decisions: R23 outcomes, numbering, project status, tracking date (R28, R45), letters (R26)."""

import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from ethics import pdf, regulations
from ethics.errors import Conflict, IllegalTransition
from ethics.models import AuditEvent
from reviews import services
from reviews.models import Decision, Project
from tests.reviews.conftest import (
    accepted,
    assigned,
    confirm_modifications,
    declare_and_opine,
    final_approval,
    meeting_decision,
    new_project,
)

pytestmark = pytest.mark.django_db


def _ready(world, verdict="approve", **kwargs):
    application, (a1, a2) = assigned(world, **kwargs)
    declare_and_opine(a1, verdict)
    declare_and_opine(a2, verdict)
    return application


def _meeting(world, **kwargs):
    return accepted(world, procedure="meeting", grounds="", **kwargs)


@pytest.mark.parametrize(
    ("outcome", "field", "code"),
    [
        ("approve_with_modifications", "conditions", "conditions_required"),
        ("resubmit", "conditions", "conditions_required"),
        ("disapprove", "reasons", "reasons_required"),
    ],
)
def test_r23_conditions_and_reasons_are_required(world, outcome, field, code):
    application = _meeting(world)
    with pytest.raises(ValidationError) as info:
        meeting_decision(world, application_id=application.pk, outcome=outcome, actor=world.chair)
    assert info.value.error_dict[field][0].code == code
    decision = meeting_decision(
        world,
        application_id=application.pk,
        outcome=outcome,
        actor=world.chair,
        **{field: "见审查意见"},
    )
    assert getattr(decision, field) == "见审查意见"


def test_tracking_outcomes_only_for_tracking_reports(world):
    application = _meeting(world)
    with pytest.raises(ValidationError) as info:
        services.decision_issue(
            application_id=application.pk, outcome="continue", actor=world.chair
        )
    assert info.value.error_dict["outcome"][0].code == "invalid_choice"


def test_meeting_decision_via_decision_issue_with_a_tally(world):
    """R24: the meeting concludes the item through decision_issue with its tally, recorded."""
    application = _meeting(world)
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    assert decision.tally["procedure"] == "meeting"
    assert decision.tally["counts"]["approve"] == len(world.members)
    assert decision.tally == decision.agenda_item.tally
    assert decision.review.state == "decided"
    with pytest.raises(IllegalTransition) as info:  # one decision per round
        services.decision_issue(application_id=application.pk, outcome="approve", actor=world.chair)
    assert (info.value.status, info.value.action) == ("decided", "decide")


def test_decision_numbers_are_gap_free_per_committee_and_year(world):
    numbers = []
    for _ in range(3):
        application = _meeting(world)
        numbers.append(
            meeting_decision(
                world, application_id=application.pk, outcome="approve", actor=world.chair
            )
        )
    assert [d.sequence for d in numbers] == [1, 2, 3]
    assert numbers[0].number.endswith("D0001")
    assert len({d.number for d in numbers}) == 3


def test_rolled_back_decision_gives_its_number_back(world):
    application = _meeting(world)
    with pytest.raises(ValidationError) as info:
        meeting_decision(
            world, application_id=application.pk, outcome="disapprove", actor=world.chair
        )
    assert info.value.error_dict["reasons"][0].code == "reasons_required"
    decision = meeting_decision(
        world,
        application_id=application.pk,
        outcome="disapprove",
        reasons="风险过高",
        actor=world.chair,
    )
    assert decision.sequence == 1


def test_approval_of_a_non_listed_initial_application_approves_the_project(world):
    application = _ready(world)
    services.application_decide(application_id=application.pk, outcome="approve", actor=world.chair)
    assert Project.objects.get(pk=application.project_id).status == "approved"


def test_listed_project_waits_for_rereview(world):
    """R38: a listed activity is not approved before the expert re-review."""
    project = new_project(world, listed_item=4)
    application = _meeting(world, project=project)
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    assert Project.objects.get(pk=project.pk).status == "planned"


def test_next_tracking_review_within_twelve_months_or_six_if_listed(world):
    """R28 / R45: the interval comes from the rule set; a listed activity's date comes with its
    final approval after expert re-review (the preliminary approval carries none)."""
    plain = meeting_decision(
        world, application_id=_meeting(world).pk, outcome="approve", actor=world.chair
    )
    listed_app = _meeting(world, project=new_project(world, listed_item=5))
    preliminary = meeting_decision(
        world, application_id=listed_app.pk, outcome="approve", actor=world.chair
    )
    assert preliminary.stage == "preliminary"
    assert preliminary.next_tracking_due is None
    listed = final_approval(world, listed_app)
    decided = plain.decided_at.date()
    months_plain = regulations.MEAS.tracking_months.value
    months_listed = regulations.MEAS.listed_tracking_months.value
    assert (plain.next_tracking_due - decided).days >= months_plain * 28
    assert (plain.next_tracking_due - decided).days <= months_plain * 31 + 10
    assert (listed.next_tracking_due - decided).days <= months_listed * 31 + 10
    assert listed.next_tracking_due < plain.next_tracking_due
    refused = meeting_decision(
        world,
        application_id=_meeting(world).pk,
        outcome="disapprove",
        reasons="x",
        actor=world.chair,
    )
    assert refused.next_tracking_due is None


def test_decision_notifies_the_applicant_without_reviewer_names(world):
    application = _ready(world)
    services.application_decide(application_id=application.pk, outcome="approve", actor=world.chair)
    notes = list(world.researcher.notifications.all())
    reviewer_names = {m.user.display_name for m in world.members[2:4]}
    assert any("批准" in n.title or "Approve" in n.title for n in notes)
    assert not any(name in n.title + n.body for n in notes for name in reviewer_names)


def _text(decision):
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(decision.letter.read())).pages)


def test_letter_renders_in_chinese_with_hash(world):
    """R26: 批件 in Chinese with committee, numbers, outcome, tracking date and verification hash."""
    application = _ready(world)
    decision = services.application_decide(
        application_id=application.pk, outcome="approve", actor=world.chair
    )
    decision = services.letter_render(decision_id=decision.pk)
    assert decision.letter
    text = _text(decision)
    for expected in (
        "科技伦理审查批件",
        world.committee.name,
        "批准",
        decision.number,
        application.ref,
        "下次跟踪审查",
    ):
        assert expected in text.replace(" ", ""), expected
    assert decision.letter_hash in text.replace("\n", "").replace(" ", "")
    assert decision.letter_hash == services.letter_context(decision)["hash"]
    again = services.letter_render(decision_id=decision.pk)
    assert again.letter.name == decision.letter.name  # rendered once per template version


def test_approval_after_modification_letter_is_an_opinion_until_confirmed(world):
    """修改后批准: the first letter states the modifications; the 批件 follows the confirmation."""
    application = _ready(world, verdict="approve_with_modifications")
    decision = services.application_decide(
        application_id=application.pk,
        outcome="approve_with_modifications",
        conditions="补充数据脱敏方案",
        actor=world.chair,
    )
    text = _text(services.letter_render(decision_id=decision.pk)).replace(" ", "")
    assert "科技伦理审查意见" in text
    assert "修改后批准" in text
    assert "补充数据脱敏方案" in text
    assert "科技伦理审查批件" not in text
    approval = confirm_modifications(world, application)
    text = _text(services.letter_render(decision_id=approval.pk)).replace(" ", "")
    assert "科技伦理审查批件" in text
    assert decision.number in text  # the letter names the decision it completes
    assert "下次跟踪审查" in text


def test_disapproval_letter_is_an_opinion_with_reasons(world):
    application = _meeting(world)
    decision = meeting_decision(
        world,
        application_id=application.pk,
        outcome="disapprove",
        reasons="风险受益比不合理",
        actor=world.chair,
    )
    decision = services.letter_render(decision_id=decision.pk)
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(decision.letter.read())).pages
    ).replace(" ", "")
    assert "科技伦理审查意见" in text
    assert "不予批准" in text
    assert "风险受益比不合理" in text


def test_letter_is_rendered_by_the_task_after_commit(
    world, django_capture_on_commit_callbacks, settings
):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        application = _meeting(world)
        with django_capture_on_commit_callbacks(execute=True):
            decision = meeting_decision(
                world, application_id=application.pk, outcome="approve", actor=world.chair
            )
    finally:
        app.conf.task_always_eager = False
    decision.refresh_from_db()
    assert decision.letter
    assert decision.letter_hash
    assert AuditEvent.objects.filter(action="letter.render").count() == 1


def test_letter_download_is_permission_checked_and_audited(world):
    application = _meeting(world)
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    with pytest.raises(Conflict) as info:
        services.letter_open(decision_id=decision.pk, actor=world.researcher)
    assert info.value.code == "letter_not_ready"
    services.letter_render(decision_id=decision.pk)
    services.letter_open(decision_id=decision.pk, actor=world.researcher)
    assert AuditEvent.objects.filter(action="letter.download", actor=world.researcher).count() == 1
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.letter_open(decision_id=decision.pk, actor=world.outsider)


def test_verification_hash_covers_the_certified_content(world):
    application = _meeting(world)
    decision = meeting_decision(
        world, application_id=application.pk, outcome="approve", actor=world.chair
    )
    original = services.letter_context(decision)["hash"]
    decision.conditions = "篡改"
    assert services.letter_context(decision)["hash"] != original
    assert len(original) == 64
    assert pdf.verification_hash({"a": 1}) == pdf.verification_hash({"a": 1})


def test_withdraw_after_decision_is_refused(world):
    application = _meeting(world)
    meeting_decision(world, application_id=application.pk, outcome="approve", actor=world.chair)
    with pytest.raises(IllegalTransition) as info:
        services.application_withdraw(application_id=application.pk, actor=world.researcher)
    assert (info.value.status, info.value.action) == ("decided", "withdraw")
    assert Decision.objects.count() == 1
