"""Demo data of meetings: a meeting held and closed today at 09:30 and one a week ahead at 14:00, on the demo committee.

Runs after committees/demo.py and reviews/demo.py (order 30) and is idempotent: it does nothing
once the committee has meetings. It adds no projects: the upcoming meeting takes reviews' demo
application under meeting review. Every state is reached through the services, so the audit chain
and the minutes are real.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from committees.models import VOTING_ROLES, Committee, Membership
from ethics.models import User
from meetings import selectors, services
from meetings.models import Meeting, Minutes

COMMITTEE = "北京康华研究型医院科技伦理委员会"
PAST_ABSENT = {"kh_zhouqiang"}
PAST_BUSINESS = ["通报本年度委员培训计划", "讨论《利益冲突管理制度》修订稿"]
PAST_NOTES = [
    "秘书通报了年度培训安排，委员无异议。",
    "委员建议补充顾问专家无直接利害关系声明的格式，秘书据此修改后提交下次会议。",
]


# Meetings start in working hours, Asia/Shanghai (the site's time zone).
PAST_START = time(9, 30)
UPCOMING_START = time(14, 0)
UPCOMING_IN_DAYS = 7


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _working_day(day: date) -> date:
    """`day`, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def _past_meeting(committee: Committee, secretary: User) -> Meeting:
    """Today at 09:30 (a meeting opens only on its day): other business only, discussed, noted
    and closed with its minutes."""
    today = timezone.localdate()
    meeting = services.meeting_schedule(
        committee=committee,
        starts_at=_local(today, PAST_START),
        actor=secretary,
        place="行政楼三层第一会议室",
        title=f"{today.year}年第1次委员会会议",
    )
    items = [
        services.agenda_add_other(meeting_id=meeting.pk, title=title, actor=secretary)
        for title in PAST_BUSINESS
    ]
    members = selectors.members_in_term(committee.pk, selectors.meeting_day(meeting))
    chair = next(m for m in members if m.role == "chair")
    present = [m for m in members if m.user.username not in PAST_ABSENT]
    services.meeting_open(
        meeting_id=meeting.pk, present=[m.pk for m in present], presiding=chair.pk, actor=secretary
    )
    for item, notes in zip(items, PAST_NOTES, strict=True):
        services.item_note(item_id=item.pk, notes=notes, actor=secretary)
        services.item_conclude(item_id=item.pk, actor=secretary)
    services.meeting_close(meeting_id=meeting.pk, actor=secretary)
    minutes = Minutes.objects.get(meeting=meeting, version=1)
    # Without WeasyPrint's libraries or a CJK font the worker renders it later.
    with contextlib.suppress(OSError):
        services.minutes_render(minutes_id=minutes.pk)
    return meeting


def _upcoming_meeting(committee: Committee, secretary: User) -> Meeting:
    day = _working_day(timezone.localdate() + timedelta(days=UPCOMING_IN_DAYS))
    meeting = services.meeting_schedule(
        committee=committee,
        starts_at=_local(day, UPCOMING_START),
        actor=secretary,
        place="行政楼三层第一会议室",
        title=f"{day.year}年第2次审查会议",
    )
    for application in selectors.waiting_for_meeting(committee.pk):
        services.agenda_add(meeting_id=meeting.pk, application_id=application.pk, actor=secretary)
    services.notice_send(meeting_id=meeting.pk, actor=secretary)
    return meeting


def seed(stdout: Any) -> None:
    committee = Committee.objects.filter(name=COMMITTEE).first()
    secretary = User.objects.filter(username="kh_secretary").first()
    if committee is None or secretary is None:
        stdout.write("meetings demo: the committees demo is missing; skipped")
        return
    if Meeting.objects.filter(committee=committee).exists():
        return
    if not Membership.objects.filter(committee=committee, role__in=VOTING_ROLES).exists():
        return
    # The upcoming meeting first: it takes the applications waiting for a meeting and, as
    # reports, the simplified decisions not yet reported (R35).
    upcoming = _upcoming_meeting(committee, secretary)
    past = _past_meeting(committee, secretary)
    stdout.write(
        f"meetings demo: closed meeting #{past.pk} (minutes), upcoming meeting #{upcoming.pk} "
        f"with {upcoming.items.count()} items; kh_secretary runs them, kh_member votes"
    )
