"""Agenda (R35 reports), notice, closing, locked minutes with appended corrections."""

import pytest
from django.core.exceptions import PermissionDenied

from ethics.errors import Conflict, IllegalTransition
from ethics.models import AuditEvent, Notification
from meetings import services
from meetings.models import AgendaItem, Minutes
from reviews import services as review_services
from reviews.models import Review
from tests.meetings.conftest import application, opened, schedule, vote_all

pytestmark = pytest.mark.django_db


def simplified_decision(world):
    """R34: two designated members approve unanimously; the chair issues that approval."""
    from tests.reviews.conftest import assigned, declare_and_opine

    app, assignments = assigned(world)
    for assignment in assignments:
        declare_and_opine(assignment, "approve")
    return review_services.application_decide(
        application_id=app.pk, outcome="approve", actor=world.chair
    )


def test_agenda_takes_only_applications_under_meeting_review(world):
    meeting = schedule(world)
    app = application(world)
    item = services.agenda_add(meeting_id=meeting.pk, application_id=app.pk, actor=world.secretary)
    assert item.position == 1
    assert item.review.procedure == "meeting"
    with pytest.raises(Conflict) as info:
        services.agenda_add(meeting_id=meeting.pk, application_id=app.pk, actor=world.secretary)
    assert info.value.code == "already_on_agenda"
    simplified = application(world)
    Review.objects.filter(application=simplified).update(procedure="simplified")
    with pytest.raises(Conflict) as caught:
        services.agenda_add(
            meeting_id=meeting.pk, application_id=simplified.pk, actor=world.secretary
        )
    assert caught.value.rule == "R15"
    assert caught.value.code == "not_awaiting_meeting"


def test_simplified_decisions_since_the_last_meeting_are_reported_r35(world):
    decision = simplified_decision(world)
    meeting = schedule(world)
    report = AgendaItem.objects.get(meeting=meeting, kind="report")
    assert report.reported_decision == decision
    # Reported once: the next meeting does not list it again.
    second = schedule(world)
    assert not AgendaItem.objects.filter(meeting=second, kind="report").exists()


def test_reorder_and_remove(world):
    meeting = schedule(world)
    first, second = (
        services.agenda_add(
            meeting_id=meeting.pk, application_id=application(world).pk, actor=world.secretary
        )
        for _ in range(2)
    )
    services.agenda_reorder(
        meeting_id=meeting.pk, item_ids=[second.pk, first.pk], actor=world.secretary
    )
    first.refresh_from_db()
    assert first.position == 2
    services.agenda_remove(item_id=first.pk, actor=world.secretary)
    assert list(AgendaItem.objects.filter(meeting=meeting)) == [second]


def test_notice_goes_to_every_member(world):
    meeting = schedule(world)
    services.notice_send(meeting_id=meeting.pk, actor=world.secretary)
    recipients = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {m.user_id for m in world.members} <= recipients


def test_members_cannot_edit_the_agenda(world):
    meeting = schedule(world)
    with pytest.raises(PermissionDenied):
        services.agenda_add(
            meeting_id=meeting.pk,
            application_id=application(world).pk,
            actor=world.members[3].user,
        )


def test_closing_requires_every_item_concluded_or_deferred(
    world, django_capture_on_commit_callbacks
):
    meeting, [first, second] = opened(world, items=2)
    vote_all(world, first, ["approve"] * 7)
    services.item_conclude(item_id=first.pk, actor=world.secretary)
    with pytest.raises(Conflict) as caught:
        services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    assert caught.value.code == "items_pending"
    vote_all(world, second, ["approve"] * 3)
    services.item_conclude(item_id=second.pk, actor=world.secretary)
    with django_capture_on_commit_callbacks() as callbacks:
        services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    meeting.refresh_from_db()
    assert meeting.status == "closed"
    assert Minutes.objects.get(meeting=meeting).version == 1
    assert len(callbacks) == 1  # the minutes render in Celery, after commit


def test_nothing_is_recorded_after_closing(world):
    meeting, [item] = opened(world)
    services.item_defer(item_id=item.pk, actor=world.secretary, reason="材料不全")
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    with pytest.raises(IllegalTransition) as info:
        services.recusal_record(
            item_id=item.pk,
            membership_id=world.chair_membership.pk,
            reason="x",
            actor=world.secretary,
        )
    assert (info.value.status, info.value.action) == ("closed", "record")


def test_minutes_context_holds_what_was_recorded(world):
    meeting, [item] = opened(world)
    services.recusal_record(
        item_id=item.pk, membership_id=world.members[6].pk, reason="合作关系", actor=world.secretary
    )
    services.consultant_admit(
        item_id=item.pk, name="孙顾问", declaration="无直接利害关系", no_direct_interest=True,
        actor=world.secretary,
    )  # fmt: skip
    services.item_note(item_id=item.pk, notes="委员讨论了知情同意问题", actor=world.secretary)
    vote_all(world, item, ["approve_with_modifications"] * 5 + ["approve"])
    services.item_conclude(
        item_id=item.pk,
        actor=world.secretary,
        conditions="修改知情同意书",
        dissent="一名委员主张直接批准",
    )
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    minutes = Minutes.objects.get(meeting=meeting)
    context = services.minutes_context(minutes)
    row = context["rows"][0]
    assert row["outcome_zh"] == "修改后批准"
    assert len(context["attendance"]) == 7
    assert context["presiding"] == world.chair_membership
    assert row["item"].recusals.all()[0].reason == "合作关系"
    assert len(context["hash"]) == 64


def test_minutes_render_and_corrections_are_appended(world, monkeypatch):
    from ethics import pdf

    monkeypatch.setattr(pdf, "render", lambda template, context, **kw: b"%PDF-1.4 minutes")
    meeting, [item] = opened(world)
    services.item_defer(item_id=item.pk, actor=world.secretary, reason="材料不全")
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    first = services.minutes_render(minutes_id=Minutes.objects.get(meeting=meeting).pk)
    again = services.minutes_render(minutes_id=first.pk)
    assert again.file.name == first.file.name  # rendered once
    services.minutes_correct(meeting_id=meeting.pk, text="第1项讨论记录补充", actor=world.secretary)
    versions = list(Minutes.objects.filter(meeting=meeting).order_by("version"))
    assert [m.version for m in versions] == [1, 2]
    assert versions[0].file.name == first.file.name  # the locked version is untouched
    context = services.minutes_context(versions[1])
    assert [c.text for c in context["corrections"]] == ["第1项讨论记录补充"]
    assert services.minutes_context(versions[0])["corrections"] == []
    assert services.minutes_open(meeting_id=meeting.pk, actor=world.members[3].user) == first
    assert AuditEvent.objects.filter(action="minutes.download").count() == 1


def test_minutes_cannot_be_corrected_before_closing(world):
    meeting, _items = opened(world)
    with pytest.raises(IllegalTransition) as info:
        services.minutes_correct(meeting_id=meeting.pk, text="x", actor=world.secretary)
    assert (info.value.status, info.value.action) == ("open", "correct")


def test_every_state_change_is_audited(world):
    meeting, [item] = opened(world)
    vote_all(world, item, ["approve"] * 7)
    services.item_conclude(item_id=item.pk, actor=world.secretary)
    services.meeting_close(meeting_id=meeting.pk, actor=world.secretary)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "meeting.schedule", "agenda.add", "meeting.open", "vote.cast", "item.conclude",
        "meeting.close", "application.decide",
    } <= actions  # fmt: skip
