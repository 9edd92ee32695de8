"""Demo data of reviews: projects and applications in different states on the demo committee.

Runs after committees/demo.py (order 20) and is idempotent: it does nothing once its projects
exist. Every state is reached through the services, so the audit chain and clocks are real.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from committees.models import Committee, Membership
from ethics import uploads
from ethics.models import User
from reviews import checklist, services
from reviews.models import Project

COMMITTEE = "北京康华研究型医院科技伦理委员会"

# title, scope, listed item, target state
PROJECTS: list[tuple[str, list[str], int | None, str]] = [
    ("基于电子病历的2型糖尿病风险预测模型研究", ["human_data_samples"], None, "draft"),
    ("社区老年人跌倒干预的随机对照研究", ["human_participants"], None, "submitted"),
    ("智能问诊系统对话数据标注研究", ["human_data_samples", "other_risk"], None, "returned"),
    ("门诊患者满意度匿名问卷调查", ["human_participants"], None, "simplified"),
    ("重症监护病房镇静深度监测数据回顾性分析", ["human_data_samples"], None, "decided"),
    (
        "新发呼吸道传染病快速检测试剂临床性能评价",
        ["human_participants", "human_data_samples"],
        None,
        "emergency",
    ),
    ("侵入式脑机接口治疗难治性抑郁症的临床研究", ["human_participants"], 4, "meeting"),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        f"{name}.pdf", uploads.blank_pdf("demo"), content_type="application/pdf"
    )


def _member(committee: Committee, username: str) -> Membership:
    return Membership.objects.open().get(committee=committee, user__username=username)


def _build(
    committee: Committee,
    researcher: User,
    title: str,
    scope: list[str],
    listed: int | None,
    state: str,
) -> None:
    secretary = User.objects.get(username="kh_secretary")
    chair = _member(committee, "kh_chair").user
    project = services.project_create(
        actor=researcher, title=title, committee=committee, scope=scope, listed_item=listed
    )
    answers = {q.key: q.scope in scope for q in checklist.PRESCREEN}
    services.project_prescreen(project_id=project.pk, actor=researcher, answers=answers)
    application = services.application_create(project_id=project.pk, actor=researcher)
    missing = checklist.missing_slots("initial", project.scope, set())
    for item in missing if state != "draft" else missing[:3]:
        services.document_upload(
            application_id=application.pk, slot=item.slot, upload=_pdf(item.slot), actor=researcher
        )
    if state == "draft":
        return
    services.application_submit(application_id=application.pk, actor=researcher)
    if state == "returned":
        services.application_return(
            application_id=application.pk, missing=["coi", "数据脱敏方案未说明"], actor=secretary
        )
        return
    if state == "submitted":
        return
    procedure = {"simplified": "simplified", "decided": "simplified", "emergency": "emergency"}.get(
        state, "meeting"
    )
    grounds = {"simplified": "minimal_risk", "emergency": "突发公共卫生事件应急防控需要"}.get(
        procedure, ""
    )
    # R37: the secretary proposes, the chair confirms the annex list determination.
    services.listing_propose(
        application_id=application.pk,
        actor=secretary,
        listed=listed is not None,
        listed_item=listed,
    )
    services.listing_confirm(
        application_id=application.pk, actor=chair, reasons="对照附件清单逐项核对。"
    )
    services.application_accept(
        application_id=application.pk, procedure=procedure, grounds=grounds, actor=secretary
    )
    if procedure == "meeting":
        return
    actor = chair if procedure == "simplified" else secretary
    reviewers = [_member(committee, "kh_member"), _member(committee, "kh_huangli")]
    assignments = services.application_assign(
        application_id=application.pk, membership_ids=[m.pk for m in reviewers], actor=actor
    )
    opinions = assignments if state == "decided" else assignments[:1]
    for assignment in opinions:
        user = assignment.membership.user
        services.assignment_declare(assignment_id=assignment.pk, conflicted=False, actor=user)
        services.opinion_record(
            assignment_id=assignment.pk, verdict="approve", comments="同意。", actor=user
        )
    if state == "decided":
        decision = services.application_decide(
            application_id=application.pk, outcome="approve", actor=chair
        )
        # Without WeasyPrint's libraries or a CJK font the worker renders it later.
        with contextlib.suppress(OSError):
            services.letter_render(decision_id=decision.pk)


def seed(stdout: Any) -> None:
    committee = Committee.objects.filter(name=COMMITTEE).first()
    researcher = User.objects.filter(username="kh_researcher").first()
    if committee is None or researcher is None:
        stdout.write("reviews demo: the committees demo is missing; skipped")
        return
    if Project.objects.filter(committee=committee, title=PROJECTS[0][0]).exists():
        return
    for title, scope, listed, state in PROJECTS:
        _build(committee, researcher, title, scope, listed, state)
    stdout.write(f"reviews demo: {len(PROJECTS)} projects for kh_researcher on {committee.name}")
