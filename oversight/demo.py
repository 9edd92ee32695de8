"""Demo complaints, an investigation, a sanction without a ban, researchers' training and a
self-evaluation on the main demo committee (`manage.py seed_demo`, issue 16), so `make run`
shows every oversight list with something in it. Idempotent; nothing here stops the demo
researcher from submitting (no ban is in force)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from committees.models import Committee
from ethics.models import User
from oversight.models_complaints import Complaint
from oversight.services import complaints, quality, sanctions
from reviews.models import Project

COMMITTEE = "北京康华研究型医院科技伦理委员会"
PROJECT = "重症监护病房镇静深度监测数据回顾性分析"


def seed(stdout: Any) -> None:
    committee = Committee.objects.filter(name=COMMITTEE).select_related("institution").first()
    users = {u.username: u for u in User.objects.filter(username__startswith="kh_")}
    project = Project.objects.filter(committee=committee, title=PROJECT).first()
    needed = ("kh_secretary", "kh_admin", "kh_researcher")
    if committee is None or project is None or any(name not in users for name in needed):
        stdout.write("oversight demo: the reviews demo is missing; skipped")
        return
    if Complaint.objects.filter(committee=committee).exists():
        return
    secretary, admin, researcher = (users[name] for name in needed)
    today = timezone.localdate()
    # A participant's named report, accepted and under investigation (R55, R56).
    case, _code = complaints.complaint_submit(
        institution=committee.institution,
        committee=committee,
        subject_kind="project",
        summary="回访电话中被追问与研究无关的隐私信息",
        description="研究人员电话回访时询问了家庭收入和婚姻状况，知情同意书中没有提到。",
        anonymous=False,
        reporter_kind="participant",
        reporter_name="王女士",
        reporter_contact="138****0000",
        project_text=PROJECT,
    )
    complaints.complaint_acknowledge(
        complaint_id=case.pk, actor=secretary, message="已收到您的举报，将在规定时限内处理。"
    )
    complaints.complaint_triage(complaint_id=case.pk, actor=secretary, outcome="accepted")
    complaints.complaint_link(
        complaint_id=case.pk, actor=secretary, projects=[project], persons=[researcher]
    )
    investigation = complaints.investigation_open_from_complaint(
        complaint_id=case.pk, actor=secretary, title="电话回访超范围收集信息的调查"
    )
    complaints.investigation_step_add(
        investigation_id=investigation.pk,
        actor=secretary,
        kind="interview",
        happened_on=today,
        title="约谈项目负责人",
        interviewee="项目负责人",
        notes="负责人称回访提纲由研究助理自行增加了问题。",
    )
    # An anonymous report still waiting for its acknowledgement (the R55 clock runs).
    complaints.complaint_submit(
        institution=committee.institution,
        committee=committee,
        subject_kind="committee",
        summary="快速审查的项目未见主审委员意见",
        description="公示的审查结果中，有一项快速审查没有写明主审委员。",
        anonymous=True,
        reporter_kind="staff",
    )
    # An order to correct from an earlier case: on the record, no ban (R57).
    sanctions.sanction_record(
        actor=admin,
        subject_kind="person",
        person=researcher,
        measure="correct",
        grounds="2025年数据导出未按方案脱敏，责令整改并重新培训。",
        decided_on=date(today.year - 1, 6, 1),
    )
    # Researchers' ethics training (R10a, B5).
    sanctions.training_record(
        actor=admin,
        person=researcher,
        title="科技伦理审查与涉及人的研究规范",
        completed_on=today - timedelta(days=200),
        provider="北京市科委中关村管委会",
    )
    # This year's self-evaluation, in progress (B1).
    quality.evaluation_open(
        committee_id=committee.pk,
        period_start=date(today.year - 1, 1, 1),
        period_end=date(today.year - 1, 12, 31),
        actor=secretary,
    )
    stdout.write("oversight demo: 2 complaints, 1 investigation, 1 sanction, training, quality")
