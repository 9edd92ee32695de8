"""R18, R19, R21: who presides, how many members and which categories open a meeting."""

import datetime as dt

import pytest

from ethics.errors import Conflict, IllegalTransition
from meetings import services
from meetings.models import Attendance
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.conftest import opened, schedule
from tests.world import build_world

pytestmark = pytest.mark.django_db


def _open(world, meeting, present, presiding=None, **kwargs):
    return services.meeting_open(
        meeting_id=meeting.pk,
        present=[m.pk for m in present],
        presiding=(presiding or world.chair_membership).pk,
        actor=world.secretary,
        **kwargs,
    )


def test_five_members_present_open_the_meeting(world):
    meeting = _open(world, schedule(world), world.members[:5])
    assert meeting.status == "open"
    assert meeting.members_total == 7
    assert Attendance.objects.filter(meeting=meeting).count() == 5


def test_four_members_present_is_no_quorum_r19(world):
    meeting = schedule(world)
    with pytest.raises(Conflict) as caught:
        _open(world, meeting, world.members[:4])
    error = caught.value.as_dict()
    assert error["code"] == "no_quorum"
    assert error["rule"] == "R19"
    assert [p["code"] for p in error["problems"]] == ["too_few_present"]
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    assert not Attendance.objects.exists()


def test_a_missing_category_is_no_quorum_r19(world):
    # Chair and four science peers: no ethics or law expert, no external member.
    extra = [
        MembershipFactory(committee=world.committee, expertise="science", **world.term)
        for _ in range(2)
    ]
    present = [world.chair_membership, *world.members[3:], *extra]
    with pytest.raises(Conflict) as caught:
        _open(world, schedule(world), present)
    assert (caught.value.code, caught.value.rule) == ("no_quorum", "R19")
    problems = caught.value.as_dict()["problems"]
    assert {(p["code"], p.get("category"), p["rule"]) for p in problems} == {
        ("missing_category", "ethics_or_law", "R19"),
        ("missing_category", "external", "R19"),
    }


def test_a_member_out_of_term_is_not_counted_r7_r19(world):
    expired = world.members[4]
    expired.term_start = dt.date(2020, 1, 1)
    expired.term_end = dt.date(2024, 12, 31)
    expired.save()
    # A replacement keeps seven in term, so the roster stays valid (R4).
    MembershipFactory(committee=world.committee, **world.term)
    with pytest.raises(Conflict) as caught:
        _open(world, schedule(world), world.members[:5])
    assert (caught.value.code, caught.value.rule) == ("no_quorum", "R19")
    problems = caught.value.as_dict()["problems"]
    assert problems[0]["code"] == "too_few_present"
    assert problems[0]["present"] == "4"


def test_every_problem_is_reported_at_once(world):
    with pytest.raises(Conflict) as caught:
        _open(world, schedule(world), [world.chair_membership, world.members[3]])
    assert (caught.value.code, caught.value.rule) == ("no_quorum", "R19")
    codes = [p["code"] for p in caught.value.as_dict()["problems"]]
    assert codes == ["too_few_present", "missing_category", "missing_category"]


def test_an_ordinary_member_cannot_preside_r18(world):
    with pytest.raises(Conflict) as caught:
        _open(world, schedule(world), world.members, presiding=world.members[3])
    assert caught.value.code == "presiding_not_allowed"
    assert caught.value.rule == "R18"


def test_a_vice_chair_presides_only_with_the_designation_recorded_r18(world):
    meeting = schedule(world)
    with pytest.raises(Conflict) as caught:
        _open(world, meeting, world.members, presiding=world.vice_chair_membership)
    assert caught.value.rule == "R18"
    assert caught.value.code == "designation_required"
    opened_meeting = _open(
        world,
        meeting,
        world.members,
        presiding=world.vice_chair_membership,
        designation="主任委员书面指定",
    )
    assert opened_meeting.presiding == world.vice_chair_membership


def test_the_presiding_member_must_be_present_r18(world):
    with pytest.raises(Conflict) as info:
        _open(world, schedule(world), world.members[1:])
    assert (info.value.code, info.value.rule) == ("presiding_not_allowed", "R18")


def test_the_secretary_is_not_a_member_present(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        _open(world, schedule(world), [*world.members[:5], world.secretary_membership])
    assert info.value.error_dict["present"][0].code == "invalid"


def test_video_meetings_need_the_video_rules_on_file_r21(world):
    with pytest.raises(Conflict) as caught:
        schedule(world, mode="video", video_link="https://meet.example.test/x")
    assert caught.value.code == "video_rules_missing"
    assert caught.value.rule == "R21"
    world.committee.documents.create(kind="video_meeting_rules", version=1, title="视频会议规则")
    meeting = schedule(world, mode="video", video_link="https://meet.example.test/x")
    assert meeting.mode == "video"


def test_only_officers_schedule_and_open(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.meeting_schedule(
            committee=world.committee,
            starts_at=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC),
            actor=world.members[3].user,
        )
    meeting = schedule(world)
    with pytest.raises(PermissionDenied):
        services.meeting_open(
            meeting_id=meeting.pk,
            present=[m.pk for m in world.members],
            presiding=world.chair_membership.pk,
            actor=world.members[3].user,
        )


def test_opening_twice_is_an_illegal_transition(world):
    meeting, _items = opened(world)
    with pytest.raises(IllegalTransition) as caught:
        _open(world, meeting, world.members)
    assert (caught.value.status, caught.value.action) == ("open", "open")
    assert caught.value.code == "illegal_transition"


def test_nhc_meeting_without_lay_member_opens_with_a_warning_only():
    world = build_world(regimes=("meas", "nhc"))
    meeting = _open(world, schedule(world), world.members)
    assert meeting.status == "open"


def test_outsider_cannot_open(world):
    from django.core.exceptions import PermissionDenied

    meeting = schedule(world)
    with pytest.raises(PermissionDenied):
        services.meeting_open(
            meeting_id=meeting.pk,
            present=[m.pk for m in world.members],
            presiding=world.chair_membership.pk,
            actor=UserFactory(),
        )
