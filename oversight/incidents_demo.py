"""Demo incidents, a risk register entry and a funding record on the main demo committee's
projects (`manage.py seed_demo`). Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from committees.models import Committee
from ethics.models import User
from oversight.models_incidents import Funding, Incident
from oversight.services import incidents as services
from reviews.models import Project

COMMITTEE = "北京康华研究型医院科技伦理委员会"
DECIDED = "重症监护病房镇静深度监测数据回顾性分析"
OTHER = "智能问诊系统对话数据标注研究"


def seed(stdout: Any) -> None:
    committee = Committee.objects.filter(name=COMMITTEE).first()
    researcher = User.objects.filter(username="kh_researcher").first()
    secretary = User.objects.filter(username="kh_secretary").first()
    decided = Project.objects.filter(committee=committee, title=DECIDED).first()
    other = Project.objects.filter(committee=committee, title=OTHER).first()
    if researcher is None or secretary is None or decided is None or other is None:
        stdout.write("oversight incidents demo: the reviews demo is missing; skipped")
        return
    if Incident.objects.filter(project=decided).exists():
        return
    now = timezone.now()
    incident = services.incident_report(
        project_id=decided.pk,
        kind="data_leak",
        severity="moderate",
        title="导出数据未脱敏",
        description="一份含住院号的导出表格被存放在共享目录中。",
        measures="已删除共享目录中的文件，并更改访问权限。",
        aware_at=now - timedelta(hours=5),
        actor=researcher,
    )
    services.incident_follow_up(
        incident_id=incident.pk, note="已核查访问日志，未发现外部访问。", actor=researcher
    )
    services.incident_report(
        project_id=other.pk,
        kind="ai_safety",
        severity="serious",
        title="问诊模型给出错误用药建议",
        description="测试中模型对儿童患者给出了成人剂量。",
        aware_at=now - timedelta(hours=30),
        actor=researcher,
    )
    services.risk_register(
        project_id=other.pk,
        title="模型输出错误医疗建议",
        level="high",
        owner=researcher,
        next_review_on=timezone.localdate() + timedelta(days=30),
        measures="上线前人工复核全部用药建议。",
        actor=secretary,
    )
    if not Funding.objects.filter(project=decided).exists():
        services.funding_add(
            project_id=decided.pk,
            funder="国家自然科学基金委员会",
            programme="面上项目",
            grant_number="82170001",
            actor=researcher,
        )
    stdout.write("oversight incidents demo: 2 incidents, 1 risk, 1 funding record")
