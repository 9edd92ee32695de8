"""The emergency procedure is never weaker (R47-R49) and a meeting decides only by its tally (R24).

An emergency application is decided by an emergency meeting (quorum R19, 2/3 R24) or, where
the committee's emergency SOP allows it, by at least two designated members who all approve.
Anything else converts the round into an emergency meeting within the same 72-hour clock (R48).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.services import committee_update
from ethics import regulations
from ethics.errors import Conflict
from ethics.models import AuditEvent, Deadline, Notification
from meetings import services as meeting_services
from meetings.models import AgendaItem
from reviews import services
from reviews.models import Decision
from tests.meetings.conftest import today_later
from tests.reviews.conftest import accepted, declare_and_opine, meeting_decides

pytestmark = pytest.mark.django_db

BASIS = "突发公共卫生事件"
MIN_MEMBERS = regulations.MEAS.simplified_min_reviewers.value


def allow_members(world, allowed=True):
    committee_update(
        committee_id=world.committee.pk,
        actor=world.secretary,
        data={"emergency_member_review": allowed},
    )
    world.committee.refresh_from_db()


def emergency(world):
    return accepted(world, procedure="emergency", grounds=BASIS)


def by_members(world, reviewers=None):
    """An emergency application under the SOP's member route, with designated members."""
    allow_members(world)
    application = emergency(world)
    reviewers = world.members[2 : 2 + MIN_MEMBERS] if reviewers is None else reviewers
    assignments = services.application_assign(
        application_id=application.pk, membership_ids=[m.pk for m in reviewers], actor=world.chair
    )
    return application, assignments


def decide(world, application, outcome="approve", **kwargs):
    return services.application_decide(
        application_id=application.pk, outcome=outcome, actor=world.chair, **kwargs
    )


def refused(call):
    with pytest.raises(Conflict) as info:
        call()
    return info.value.code, info.value.rule


def clock(application):
    return Deadline.objects.of(application.reviews.get()).get(kind="decision")


# --- the committee's SOP setting ----------------------------------------------------------------


def test_sop_setting_is_recorded_and_audited_r47(world):
    """R47: the member route is a committee setting, off by default, changed with an audit row;
    it is the committee's own procedure, not registered content (no R50 update falls due)."""
    assert world.committee.emergency_member_review is False
    status = world.committee.registration_status
    allow_members(world)
    event = AuditEvent.objects.filter(action="committee.update").latest("pk")
    assert event.before == {"emergency_member_review": False}
    assert event.after == {"emergency_member_review": True}
    assert world.committee.registration_status == status


def test_committee_edit_page_offers_the_sop_setting_r47(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("committees:committee-edit", args=[world.committee.pk]))
    assert page.status_code == 200
    assert 'name="emergency_member_review"' in page.content.decode()


# --- SOP without the member route: an emergency meeting from the start --------------------------


def test_sop_disallowing_members_forces_a_meeting_r49(world):
    """R49: without the SOP's member route the emergency application goes to a meeting at once,
    within the 72-hour clock opened at acceptance (R48)."""
    application = emergency(world)
    review = application.reviews.get()
    assert (review.procedure, review.converted_from) == ("meeting", "emergency")
    assert review.conversion_reason == "sop_meeting_only"
    deadline = clock(application)
    hours = regulations.MEAS.emergency_hours.value
    assert deadline.due_at == review.accepted_at + dt.timedelta(hours=hours)
    assert deadline.rule == regulations.MEAS.emergency_hours.rule
    assert refused(lambda: decide(world, application)) == ("meeting_review", "R24")
    event = AuditEvent.objects.get(action="review.convert")
    assert event.after["rule"] == "R49"
    assert Notification.objects.filter(cause="review.convert (R49)", recipient=world.chair).exists()


def test_emergency_meeting_is_attached_to_the_next_meeting_within_72_hours_r49(world):
    """R48-R49: a meeting scheduled before the clock runs out gets the item; a later one does not."""
    later = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=timezone.now() + dt.timedelta(hours=80),
        actor=world.secretary,
    )
    soon = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=timezone.now() + dt.timedelta(hours=20),
        actor=world.secretary,
    )
    application = emergency(world)
    (item,) = AgendaItem.objects.filter(application=application)
    assert item.meeting_id == soon.pk
    assert not AgendaItem.objects.filter(meeting=later).exists()
    assert Notification.objects.filter(cause="agenda.add (R49)").exists()


def test_no_meeting_in_time_asks_the_officers_to_schedule_one_r49(world):
    application = emergency(world)
    assert not AgendaItem.objects.filter(application=application).exists()
    note = Notification.objects.get(cause="review.convert (R49)", recipient=world.secretary)
    assert application.ref in note.title


def test_emergency_meeting_decides_by_quorum_and_two_thirds_r19_r24(world):
    """R19/R24: the emergency meeting's vote decides; the 72-hour clock is closed as met."""
    application = emergency(world)
    due = clock(application).due_at
    decision = meeting_decides(world, application, "approve")
    assert decision.outcome == "approve"
    assert decision.tally["procedure"] == "meeting"
    deadline = clock(application)
    assert deadline.due_at == due
    assert deadline.state == "met"


# --- SOP with the member route: 1 vs 2 members, unanimous vs split -------------------------------


def test_one_designated_member_is_not_enough_r49(world):
    """R49: never weaker than the simplified procedure: one member cannot decide."""
    application, (a1,) = by_members(world, reviewers=world.members[2:3])
    declare_and_opine(a1, "approve")
    assert refused(lambda: decide(world, application)) == ("too_few_reviewers", "R49")
    assert not Decision.objects.exists()


def test_two_designated_members_approving_unanimously_decide_r49(world):
    application, (a1, a2) = by_members(world)
    declare_and_opine(a1, "approve")
    assert refused(lambda: decide(world, application)) == ("opinions_pending", "R49")
    declare_and_opine(a2, "approve")
    decision = decide(world, application)
    assert decision.outcome == "approve"
    assert decision.tally == {"procedure": "emergency", "reviewers": 2, "verdicts": {"approve": 2}}
    assert clock(application).state == "met"


def test_outcome_other_than_the_members_agreed_is_refused_r49(world):
    """R49: the chair issues only what the members unanimously recommended."""
    application, (a1, a2) = by_members(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    code_rule = refused(lambda: decide(world, application, "disapprove", reasons="不同意"))
    assert code_rule == ("outcome_not_agreed", "R49")
    assert refused(
        lambda: services.decision_issue(
            application_id=application.pk, outcome="disapprove", reasons="x", actor=world.chair
        )
    ) == ("outcome_not_agreed", "R49")
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("disapprove", None, "negative_opinion"),
        ("resubmit", None, "negative_opinion"),
        ("doubt", None, "doubt"),
        ("request_meeting", None, "meeting_requested"),
        ("approve_with_modifications", None, "conditions"),
        ("approve", "doubt", "doubt"),
        ("approve", "approve_with_modifications", "conditions"),
    ],
)
def test_any_opinion_but_approval_converts_to_an_emergency_meeting_r49(
    world, first, second, reason
):
    """R49: a negative opinion, doubt, conditions or a request turns the round into an emergency
    meeting at once; the 72-hour clock is unchanged and keeps running (R48)."""
    application, (a1, a2) = by_members(world)
    before = clock(application)
    declare_and_opine(a1, first)
    if second:
        declare_and_opine(a2, second)
    review = application.reviews.get()
    assert (review.procedure, review.converted_from) == ("meeting", "emergency")
    assert review.conversion_reason == reason
    after = clock(application)
    assert (after.pk, after.due_at, after.state) == (before.pk, before.due_at, "open")
    assert review.due_at == before.due_at
    event = AuditEvent.objects.get(action="review.convert")
    assert event.after["rule"] == "R49"


def test_the_observed_case_disapprove_then_approve_is_refused_r49(world):
    """The reported fault: the only reviewer said "disapprove" and the chair issued "approve"."""
    allow_members(world)
    application = emergency(world)
    (a1,) = services.application_assign(
        application_id=application.pk, membership_ids=[world.members[2].pk], actor=world.chair
    )
    declare_and_opine(a1, "disapprove")
    assert refused(lambda: decide(world, application)) == ("meeting_review", "R24")
    assert not Decision.objects.exists()


def test_sop_withdrawn_during_the_round_converts_at_the_next_opinion_r49(world):
    application, (a1, _a2) = by_members(world)
    allow_members(world, allowed=False)
    declare_and_opine(a1, "approve")
    review = application.reviews.get()
    assert review.conversion_reason == "sop_meeting_only"


# --- meeting review: the tally is the only path (R24) -------------------------------------------


def test_meeting_decision_without_a_tally_is_refused_r24(world):
    application = accepted(world, procedure="meeting", grounds="")
    call = lambda **kw: services.decision_issue(  # noqa: E731
        application_id=application.pk, outcome="approve", actor=world.chair, **kw
    )
    assert refused(call) == ("tally_required", "R24")
    forged = {"procedure": "meeting", "counts": {"approve": 7}, "present": 7, "item": 999999}
    assert refused(lambda: call(tally=forged)) == ("tally_required", "R24")
    assert refused(lambda: call(tally=forged, presiding=True)) == ("tally_required", "R24")
    assert not Decision.objects.exists()


def test_meeting_decision_must_be_the_outcome_the_tally_adopted_r24(world):
    """A live tally of the item that adopted 'approve' does not carry 'disapprove'."""
    application = accepted(world, procedure="meeting", grounds="")
    meeting = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=today_later(),  # never across Shanghai midnight
        actor=world.secretary,
    )
    item = meeting_services.agenda_add(
        meeting_id=meeting.pk, application_id=application.pk, actor=world.secretary
    )
    meeting_services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    for membership in world.members:
        meeting_services.vote_cast(
            item_id=item.pk, choice="approve", membership_id=membership.pk, actor=world.secretary
        )
    from meetings import selectors

    item.refresh_from_db()
    tally = meeting_services._tally_for_decision(item, selectors.item_tally(item))
    assert refused(
        lambda: services.decision_issue(
            application_id=application.pk,
            outcome="disapprove",
            reasons="x",
            tally=tally,
            actor=world.chair,
        )
    ) == ("tally_required", "R24")
    concluded = meeting_services.item_conclude(item_id=item.pk, actor=world.secretary)
    assert concluded.decision.outcome == "approve"


# --- every route: page, API, admin --------------------------------------------------------------


@pytest.fixture
def as_user(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client

    return login


def test_outcome_differing_from_members_refused_on_page_and_api_r49(client, world, as_user):
    application, (a1, a2) = by_members(world)
    declare_and_opine(a1, "approve")
    declare_and_opine(a2, "approve")
    client.force_login(world.chair)
    page = client.post(
        reverse("reviews:application-action", args=[application.pk, "decide"]),
        {"outcome": "disapprove", "reasons": "不同意"},
    )
    assert page.status_code == 409
    assert "R49" in page.content.decode()
    api = as_user(world.chair).post(
        f"/api/v1/applications/{application.pk}/decide/",
        {"outcome": "disapprove", "reasons": "不同意"},
        format="json",
    )
    assert api.status_code == 409
    assert (api.json()["code"], api.json()["rule"]) == ("outcome_not_agreed", "R49")
    assert not Decision.objects.exists()


def test_converted_emergency_refused_on_page_and_api_r24(client, world, as_user):
    """After a disapproval the chair can no longer issue anything: only the meeting decides."""
    application, (a1, _a2) = by_members(world)
    declare_and_opine(a1, "disapprove")
    client.force_login(world.chair)
    page = client.post(
        reverse("reviews:application-action", args=[application.pk, "decide"]),
        {"outcome": "approve"},
    )
    assert page.status_code == 409
    assert "R24" in page.content.decode()
    api = as_user(world.chair).post(
        f"/api/v1/applications/{application.pk}/decide/", {"outcome": "approve"}, format="json"
    )
    assert api.status_code == 409
    assert (api.json()["code"], api.json()["rule"]) == ("meeting_review", "R24")
    assert not Decision.objects.exists()


def test_meeting_review_decision_refused_on_page_api_and_admin_r24(client, world, as_user):
    """No route creates a meeting review's decision without the meeting's tally."""
    from django.contrib.auth import get_user_model

    application = accepted(world, procedure="meeting", grounds="")
    client.force_login(world.chair)
    page = client.post(
        reverse("reviews:application-action", args=[application.pk, "decide"]),
        {"outcome": "approve"},
    )
    assert page.status_code == 409
    assert "R24" in page.content.decode()
    api = as_user(world.chair).post(
        f"/api/v1/applications/{application.pk}/decide/", {"outcome": "approve"}, format="json"
    )
    assert api.status_code == 409
    assert api.json()["rule"] == "R24"
    root = get_user_model().objects.create_superuser("root-r24", "root@example.org", "pw-r24-1")
    client.force_login(root)
    assert client.get(reverse("admin:reviews_decision_add")).status_code == 403
    added = client.post(
        reverse("admin:reviews_decision_add"),
        {"application": application.pk, "outcome": "approve", "number": "X"},
    )
    assert added.status_code == 403
    assert client.get(reverse("admin:meetings_agendaitem_add")).status_code == 403
    assert not Decision.objects.exists()


def test_admin_cannot_change_the_sop_setting_unaudited_r47(client, world):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root-r47", "root@example.org", "pw-r47-1")
    client.force_login(root)
    url = reverse("admin:committees_committee_change", args=[world.committee.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="emergency_member_review"' not in page.content.decode()


def test_sop_setting_over_the_api_is_audited_r47(world, as_user):
    client = as_user(world.admin)
    url = f"/api/v1/committees/{world.committee.pk}/"
    response = client.patch(url, {"emergency_member_review": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["emergency_member_review"] is True
    event = AuditEvent.objects.filter(action="committee.update").latest("pk")
    assert event.after == {"emergency_member_review": True}


@pytest.mark.parametrize(("approving", "decided"), [(4, False), (5, True)])
def test_emergency_meeting_needs_two_thirds_of_those_present_r24(world, approving, decided):
    """R24 at its boundary for an emergency meeting of 7 present: 4 approving is short of 2/3,
    5 carries it; short of it the item is deferred and the 72-hour clock runs on (R48)."""
    application = emergency(world)
    due = clock(application).due_at
    meeting = meeting_services.meeting_schedule(
        committee=world.committee,
        starts_at=today_later(),  # never across Shanghai midnight
        actor=world.secretary,
    )
    item = meeting_services.agenda_add(
        meeting_id=meeting.pk, application_id=application.pk, actor=world.secretary
    )
    meeting_services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in world.members],
        presiding=world.chair_membership.pk,
        actor=world.secretary,
    )
    assert len(world.members) == 7
    for n, membership in enumerate(world.members):
        meeting_services.vote_cast(
            item_id=item.pk,
            choice="approve" if n < approving else "disapprove",
            membership_id=membership.pk,
            actor=world.secretary,
        )
    item = meeting_services.item_conclude(item_id=item.pk, actor=world.secretary)
    assert (item.decision_id is not None) is decided
    deadline = clock(application)
    assert deadline.due_at == due
    assert deadline.state == ("met" if decided else "open")
