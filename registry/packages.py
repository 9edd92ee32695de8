"""What each filing package contains, laid out like the platform's sections (regulations.md §5).

The platform publishes no form, so the sections follow the design assumption of §5. Labels are
the platform's Chinese terms, written as literals on purpose: the package is always Chinese
whatever the secretary's interface language (like the decision letter). `build(filing)` returns
a JSON-safe dict; the PDF, the JSON file and the xlsx workbook are all rendered from it, so the
three always say the same thing.
"""

# Chinese labels use full-width punctuation on purpose.

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.db.models import Q

from committees.models import Committee, CommitteeDocument, Entrustment, Membership
from ethics import regulations
from ethics.deadlines import SHANGHAI
from registry.models import Filing
from registry.workflow import NHC_KINDS, Kind
from reports import figures as annual

SCHEMA: Final = "ethics-registry-package/1"
NOT_RECORDED_ZH: Final = "系统尚未记录"
OPINION_ZH: Final = {"agree": "同意", "disagree": "不同意"}

KIND_ZH: Final = {
    Kind.COMMITTEE_REGISTRATION: "科技伦理（审查）委员会登记",
    Kind.COMMITTEE_UPDATE: "科技伦理（审查）委员会登记信息变更",
    Kind.LISTED_REGISTRATION: "纳入清单管理的科技活动登记",
    Kind.LISTED_UPDATE: "纳入清单管理的科技活动登记信息变更",
    Kind.ANNUAL_REPORT: "年度报告（委员会工作报告及清单内科技活动实施情况报告）",
    Kind.NHC_FILING: "医学研究伦理审查委员会备案",
    Kind.NHC_ANNUAL_REPORT: "伦理审查委员会年度工作报告（报备案机关）",
}
# N7, N8: the medical committee's track goes to a different platform than R50-R52.
PLATFORM_ZH: Final = "国家科技伦理管理信息登记平台"
NHC_PLATFORM_ZH: Final = "国家医学研究登记备案信息系统"
INSTITUTION_KIND_ZH: Final = {
    "university": "高等学校",
    "research_institute": "科研机构",
    "medical": "医疗卫生机构",
    "enterprise": "企业",
    "other": "其他",
}
COMMITTEE_KIND_ZH: Final = {
    "institutional": "单位委员会",
    "regional": "区域委员会",
    "professional": "专业委员会",
}
ROLE_ZH: Final = {
    "chair": "主任委员",
    "vice_chair": "副主任委员",
    "member": "委员",
    "secretary": "秘书",
}
EXPERTISE_ZH: Final = {
    "science": "科技专家",
    "ethics": "伦理学",
    "law": "法学",
    "other": "其他",
    "lay": "社会人士",
}
GENDER_ZH: Final = {"female": "女", "male": "男"}
DOCUMENT_ZH: Final = {
    "charter": "章程",
    "review_sop": "审查标准操作规程",
    "confidentiality": "保密管理制度",
    "archives": "档案管理制度",
    "coi_policy": "利益冲突管理制度",
    "emergency_sop": "应急审查制度",
    "video_meeting_rules": "视频会议规则",
    "founding": "设立文件",
    "other": "其他",
}
APPLICATION_KIND_ZH: Final = {
    "initial": "初始审查",
    "amendment": "修正案审查",
    "tracking": "跟踪审查",
    "risk_report": "风险变化或不良事件报告",
    "deviation": "偏离报告",
    "closure": "结题审查",
    "appeal": "申诉",
    "exemption": "免除审查申请",
}
PROCEDURE_ZH: Final = {"meeting": "会议审查", "simplified": "简易程序", "emergency": "应急程序"}
OUTCOME_ZH: Final = {
    "approve": "批准",
    "approve_with_modifications": "修改后批准",
    "resubmit": "修改后再审",
    "disapprove": "不予批准",
    "continue": "继续开展",
    "suspend": "暂停",
    "terminate": "终止",
    "exempt": "免除伦理审查",
}
PROJECT_STATUS_ZH: Final = {
    "planned": "拟开展",
    "approved": "已批准",
    "active": "实施中",
    "suspended": "已暂停",
    "terminated": "已终止",
    "completed": "已完成",
}
REGIME_ZH: Final = {
    "meas": "科技伦理审查办法（试行）",
    "nhc": "涉及人的生命科学和医学研究伦理审查办法",
}
FIELD_ZH: Final = {
    "ai": "人工智能",
    "life_science": "生命科学",
    "medicine": "医学",
    "lab_animals": "实验动物",
    "agriculture": "农业",
    "other": "其他",
}


def _v(value: Any) -> Any:
    """A JSON-safe value: dates as YYYY-MM-DD, decimals as numbers, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def _fields(*rows: tuple[str, str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "label": label, "value": _v(value)} for key, label, value in rows]


def _section(key: str, title: str, **parts: Any) -> dict[str, Any]:
    return {"key": key, "title": title, "fields": [], "columns": [], "rows": [], **parts}


def _table(columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "columns": [{"key": k, "label": label} for k, label in columns],
        "rows": [{k: _v(row.get(k)) for k, _ in columns} for row in rows],
    }


def _unit_section(committee: Committee) -> dict[str, Any]:
    inst = committee.institution
    return _section(
        "unit",
        "一、单位信息",
        fields=_fields(
            ("unit_name", "单位名称", inst.name),
            ("credit_code", "统一社会信用代码", inst.credit_code),
            ("unit_type", "单位类型", INSTITUTION_KIND_ZH.get(inst.kind, inst.kind)),
            ("authority", "主管部门", inst.authority_label if inst.authority else ""),
            ("region", "所在地区", inst.region),
        ),
    )


def _committee_fields(committee: Committee) -> list[dict[str, Any]]:
    return _fields(
        ("committee_name", "委员会名称", committee.name),
        ("committee_type", "委员会类型", COMMITTEE_KIND_ZH.get(committee.kind, committee.kind)),
        ("established_on", "设立日期", committee.established_on),
        ("regimes", "适用规定", "；".join(REGIME_ZH.get(r, r) for r in committee.regime_codes)),
        ("fields", "审查领域", "、".join(FIELD_ZH.get(f, f) for f in committee.fields_of_work)),
    )


def _roster(committee: Committee) -> list[dict[str, Any]]:
    members = (
        Membership.objects.open()
        .filter(committee=committee)
        .select_related("user")
        .order_by("role", "id")
    )
    order = {"chair": 0, "vice_chair": 1, "member": 2, "secretary": 3}
    return [
        {
            "name": m.user.display_name,
            "gender": GENDER_ZH.get(m.gender, m.gender),
            "title": m.title,
            "expertise": EXPERTISE_ZH.get(m.expertise, m.expertise),
            "external": m.external,
            "role": ROLE_ZH.get(m.role, m.role),
            "term_start": m.term_start,
            "term_end": m.term_end,
        }
        for m in sorted(members, key=lambda m: (order.get(m.role, 9), m.pk))
    ]


def _committee_sections(filing: Filing) -> list[dict[str, Any]]:
    committee = filing.committee
    documents = (
        CommitteeDocument.objects.filter(committee=committee)
        .order_by("kind", "-version")
        .distinct("kind")
        if _supports_distinct_on()
        else _latest_documents(committee)
    )
    entrustments = Entrustment.objects.filter(
        Q(receiving_committee=committee) | Q(entrusting_institution=committee.institution)
    ).select_related("entrusting_institution", "receiving_committee")
    roster = _roster(committee)
    secretaries = [r for r in roster if r["role"] == ROLE_ZH["secretary"]]
    return [
        _unit_section(committee),
        _section("committee", "二、委员会基本信息", fields=_committee_fields(committee)),
        _section(
            "roster",
            "三、委员名单",
            **_table(
                [
                    ("name", "姓名"),
                    ("gender", "性别"),
                    ("title", "职称/职务"),
                    ("expertise", "专业类别"),
                    ("external", "是否非本单位"),
                    ("role", "委员会职务"),
                    ("term_start", "任期开始"),
                    ("term_end", "任期结束"),
                ],
                roster,
            ),
        ),
        _section(
            "documents",
            "四、章程与工作制度",
            **_table(
                [
                    ("kind", "类别"),
                    ("title", "名称"),
                    ("version", "版本"),
                    ("sha256", "文件摘要（SHA-256）"),
                ],
                [
                    {
                        "kind": DOCUMENT_ZH.get(d.kind, d.kind),
                        "title": d.title,
                        "version": d.version,
                        "sha256": d.sha256,
                    }
                    for d in documents
                ],
            ),
        ),
        _section(
            "secretariat",
            "五、办公室联系人",
            **_table(
                [("name", "姓名"), ("title", "职务")],
                [{"name": s["name"], "title": s["title"]} for s in secretaries],
            ),
        ),
        _section(
            "entrustments",
            "六、委托审查情况",
            **_table(
                [
                    ("from", "委托单位"),
                    ("to", "受委托委员会"),
                    ("starts_on", "起始日期"),
                    ("ends_on", "终止日期"),
                ],
                [
                    {
                        "from": e.entrusting_institution.name,
                        "to": e.receiving_committee.name,
                        "starts_on": e.starts_on,
                        "ends_on": e.ended_on or e.ends_on,
                    }
                    for e in entrustments
                ],
            ),
        ),
    ]


def _supports_distinct_on() -> bool:
    from django.db import connection

    return bool(connection.features.can_distinct_on_fields)


def _latest_documents(committee: Committee) -> list[CommitteeDocument]:
    latest: dict[str, CommitteeDocument] = {}
    for doc in CommitteeDocument.objects.filter(committee=committee).order_by("kind", "-version"):
        latest.setdefault(doc.kind, doc)
    return list(latest.values())


def _rereview_fields(project: Any) -> list[dict[str, Any]]:
    """The expert re-review of the activity (R38-R42): the latest one with an opinion."""
    from reviews.models import ReReview

    rereview = (
        ReReview.objects.filter(application__project=project)
        .exclude(opinion="")
        .order_by("-received_on", "-id")
        .first()
    )
    if rereview is None:
        return _fields(("rereview", "复核组织单位、专家人数、复核意见及日期", NOT_RECORDED_ZH))
    return _fields(
        ("authority", "复核组织单位", rereview.authority_name),
        ("submitted_on", "提请复核日期", rereview.submitted_on),
        ("panel_size", "复核专家人数", rereview.panel_size),
        ("opinion", "复核意见", OPINION_ZH.get(rereview.opinion, rereview.opinion)),
        ("received_on", "收到复核意见日期", rereview.received_on),
    )


def _listed_sections(filing: Filing) -> list[dict[str, Any]]:
    from reviews.models import Decision

    project = filing.project
    assert project is not None  # the filing_listed_has_project constraint
    item = project.annex_item()
    decisions = (
        Decision.objects.filter(application__project=project)
        .select_related("application")
        .order_by("decided_at", "id")
    )
    last: list[Decision | None] = [*list(decisions)[-1:]] or [None]
    return [
        _unit_section(filing.committee),
        _section(
            "activity",
            "二、科技活动信息",
            fields=_fields(
                ("title", "科技活动名称", project.title),
                # R37: the committee's determination, not the researcher's declaration.
                ("listed_item", "清单条目", project.listing_item),
                ("listed_item_title", "清单条目内容", item.title_zh if item else ""),
                ("annex_version", "清单版本", project.listing_annex_version),
                ("lead", "科技活动负责人", project.lead.display_name),
                ("institution", "承担单位", project.institution.name),
                ("planned_start", "计划开始日期", project.planned_start),
                ("planned_end", "计划结束日期", project.planned_end),
                ("committee", "审查委员会", filing.committee.name),
            ),
        ),
        _section(
            "review",
            "三、伦理审查情况",
            **_table(
                [
                    ("number", "文号"),
                    ("kind", "审查类别"),
                    ("decided_on", "决定日期"),
                    ("outcome", "审查决定"),
                ],
                [
                    {
                        "number": d.number,
                        "kind": APPLICATION_KIND_ZH.get(d.application.kind, d.application.kind),
                        "decided_on": d.decided_at,
                        "outcome": OUTCOME_ZH.get(d.outcome, d.outcome),
                    }
                    for d in decisions
                ],
            ),
        ),
        _section(
            "rereview",
            "四、专家复核情况",
            fields=_rereview_fields(project),
        ),
        _section(
            "tracking",
            "五、跟踪审查安排",
            fields=_fields(
                (
                    "next_tracking_due",
                    "下次跟踪审查日期",
                    last[0].next_tracking_due if last[0] else "",
                ),
            ),
        ),
    ]


def _figure_value_zh(key: str, value: Any) -> str:
    if value is annual.NOT_RECORDED:
        return NOT_RECORDED_ZH
    if value is None:
        return "—"
    if isinstance(value, dict):
        names = {**APPLICATION_KIND_ZH, **PROCEDURE_ZH, **OUTCOME_ZH}
        extra = {
            "received": "收到",
            "decided": "已决定",
            "resolved": "已处理",
            "upheld": "申诉成立",
            "rejected": "申诉不成立",
            "withdrawn": "撤回",
            "total": "合计",
            "in_person": "现场会议",
            "video": "视频会议",
            "appointed": "新聘",
            "ended": "离任",
            "records": "培训人次",
            "members": "参训委员",
            "hours": "学时",
            **OVERSIGHT_KEYS_ZH,
            **_oversight_labels_zh(),
        }
        if not value:
            return "0"
        return "；".join(
            f"{names.get(k, extra.get(k, k))}：{_figure_value_zh(k, v)}" for k, v in value.items()
        )
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The oversight figures' parts (issue 16: reports.figures.oversight_figures).
OVERSIGHT_KEYS_ZH: Final = {
    "complaints_received": "收到投诉举报",
    "complaints_accepted": "受理",
    "complaints_not_accepted": "不予受理",
    "complaints_referred": "移送",
    "complaints_open": "尚在处理",
    "investigations_opened": "启动调查",
    "investigations_from_complaints": "由投诉举报启动",
    "investigations_concluded": "已作出调查结论",
    "violations_found": "认定存在违规",
    "measures_ordered": "责令整改措施",
    "measures_done": "已完成整改",
    "sanctions": "处理决定",
    "bans": "禁止从事财政性资金支持的科技活动",
    "bans_in_force_at_year_end": "年末仍在禁止期内",
    "bans_lifted_early": "提前解除",
    "researcher_trainings": "科研人员培训人次",
    "incidents_reported": "报告伦理事件",
    "incidents_by_kind": "按类别",
    "incidents_serious": "严重",
    "incidents_reported_late": "逾期报告",
    "incidents_escalated": "已上报",
    "incidents_closed": "已结案",
    "incidents_open_at_year_end": "年末未结",
    "risks_registered": "新登记风险",
    "risk_reviews": "风险复评",
    "funded_projects": "财政资助项目",
    "approval_statements_issued": "出具伦理审查证明",
    "self_evaluations": "开展自评估",
    "self_evaluations_closed": "完成自评估",
    "findings": "发现问题",
    "corrective_actions": "整改措施",
    "corrective_actions_closed": "完成整改",
    "corrective_actions_open": "年末未完成整改",
    "quality_audits": "质量抽查",
    "reviews_sampled": "抽查审查项目",
    "reviews_with_issues": "发现问题的审查项目",
}


def _oversight_labels_zh() -> dict[str, str]:
    """Incident kinds and sanction measures by their Chinese labels (the filing is in Chinese)."""
    from django.utils import translation

    from oversight.models_incidents import IncidentKind
    from oversight.models_sanctions import Measure

    with translation.override("zh-hans"):
        labels = {kind.value: str(kind.label) for kind in IncidentKind}
        labels.update({f"measure_{m.value}": str(m.label) for m in Measure})
    return labels


FIGURE_ZH: Final = {
    "meetings_held": "召开审查会议次数",
    "applications_by_kind": "受理申请数（按类别）",
    "reviews_by_procedure": "受理审查数（按程序）",
    "reviews_by_kind_and_procedure": "受理审查数（按类别及程序）",
    "decisions_by_outcome": "审查决定数（按结果）",
    "decisions_total": "审查决定总数",
    "median_days_to_decision": "受理至决定天数（中位数）",
    "max_days_to_decision": "受理至决定天数（最大值）",
    "tracking_reviews_done": "完成跟踪审查数",
    "tracking_reviews_overdue": "逾期跟踪审查数",
    "suspensions": "暂停科技活动数",
    "terminations": "终止科技活动数",
    "appeals": "申诉情况",
    "complaints": "投诉举报情况",
    "investigations": "违规调查情况",
    "sanctions": "处理处罚情况",
    "researcher_training": "科研人员伦理培训情况",
    "incidents": "伦理事件报告及处置情况",
    "risk_register": "风险登记及复评情况",
    "funded_programmes": "财政资助项目伦理审查情况",
    "quality_control": "审查质量控制情况",
    "member_changes": "委员变动情况",
    "training": "培训情况",
}


def _progress_zh(records: Any) -> str:
    """R52: the implementation of one listed activity in the year, from its tracking records."""
    if records is None:
        return NOT_RECORDED_ZH
    if not records:
        return "本年度无跟踪审查记录"
    parts = []
    for record in records:
        outcome = OUTCOME_ZH.get(record.get("outcome") or "", "审查中")
        kind = APPLICATION_KIND_ZH.get(record["kind"], record["kind"])
        parts.append(f"{record['submitted_on']}{kind}：{outcome}")
    return "；".join(parts)


def _annual_sections(filing: Filing) -> list[dict[str, Any]]:
    assert filing.period is not None  # the filing_annual_has_period constraint
    result = annual.annual_figures(filing.committee_id, filing.period)
    return [
        _unit_section(filing.committee),
        _section("committee", "二、委员会基本信息", fields=_committee_fields(filing.committee)),
        _section(
            "work_report",
            f"三、{filing.period}年度科技伦理（审查）委员会工作报告",
            fields=[
                {
                    "key": f.key,
                    "label": FIGURE_ZH.get(f.key, str(f.label)),
                    "value": _figure_value_zh(f.key, f.value),
                    "rule": f.rule,
                }
                for f in result.figures
            ],
        ),
        _section(
            "listed_report",
            f"四、{filing.period}年度纳入清单管理的科技活动实施情况报告",
            **_table(
                [
                    ("title", "科技活动名称"),
                    ("listed_item", "清单条目"),
                    ("lead", "负责人"),
                    ("status", "状态"),
                    ("last_decision", "最近审查决定文号"),
                    ("last_outcome", "审查决定"),
                    ("next_tracking_due", "下次跟踪审查"),
                    ("progress", "实施进展"),
                ],
                [
                    {
                        **row,
                        "status": PROJECT_STATUS_ZH.get(row["status"], row["status"]),
                        "last_outcome": OUTCOME_ZH.get(row["last_outcome"] or "", ""),
                        "progress": _progress_zh(row.get("progress")),
                    }
                    for row in result.listed_activities
                ],
            ),
        ),
        _section(
            "remarks", "五、其他需要说明的情况", fields=_fields(("remarks", "说明", filing.remarks))
        ),
    ]


def build(filing: Filing) -> dict[str, Any]:
    """The package content of `filing`: metadata and the platform's sections, JSON-safe."""
    if filing.kind == Kind.ANNUAL_REPORT:
        sections = _annual_sections(filing)
        title = f"{filing.committee.name}{filing.period}年度报告"
    elif filing.kind == Kind.NHC_ANNUAL_REPORT:
        sections = [s for s in _annual_sections(filing) if s["key"] != "listed_report"]
        title = f"{filing.committee.name}{filing.period}年度工作报告"
    elif filing.kind in (Kind.LISTED_REGISTRATION, Kind.LISTED_UPDATE):
        sections = _listed_sections(filing)
        title = f"{KIND_ZH[Kind(filing.kind)]}：{filing.project.title if filing.project else ''}"
    else:
        sections = _committee_sections(filing)
        title = f"{filing.committee.name}{KIND_ZH[Kind(filing.kind)]}"
    rules = regulations.combined(filing.committee.regime_codes)
    bases: dict[Kind, regulations.Param[Any]] = {
        Kind.COMMITTEE_REGISTRATION: rules.committee_registration_days,
        Kind.COMMITTEE_UPDATE: rules.committee_registration_days,
        Kind.LISTED_REGISTRATION: rules.listed_registration_days,
        Kind.LISTED_UPDATE: rules.listed_registration_days,
        Kind.ANNUAL_REPORT: rules.annual_report_due,
        Kind.NHC_FILING: rules.nhc_filing_months,
        Kind.NHC_ANNUAL_REPORT: rules.nhc_annual_report_due,
    }
    basis = bases[Kind(filing.kind)]
    return {
        "schema": SCHEMA,
        "platform": NHC_PLATFORM_ZH if filing.kind in NHC_KINDS else PLATFORM_ZH,
        "title": title,
        "filing": {
            "id": filing.pk,
            "kind": filing.kind,
            "kind_zh": KIND_ZH[Kind(filing.kind)],
            "committee": filing.committee_id,
            "project": filing.project_id,
            "period": filing.period,
            "due_on": _v(filing.due_on),
            "rule": basis.rule,
            "basis": basis.article,
        },
        "sections": sections,
    }
