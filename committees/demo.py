"""Demo data: a Beijing research hospital, a valid 9-member committee, one that is a member
short, and a login for every role. Idempotent: a second run finds everything and adds nothing."""

# Chinese names and citations use full-width punctuation on purpose.

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committees import services
from committees.models import Committee, CommitteeDocument, Membership
from ethics import uploads
from ethics.demo import demo_user
from ethics.models import Institution, User
from ethics.validators import make_credit_code

INSTITUTION_NAME = "北京康华研究型医院"
# 12 (public institution) + 110105 (Beijing, Chaoyang) + organisation code 40000120-5; the check
# character is computed (GB 32100-2015), so the code validates and reads like a real one.
CREDIT_CODE = make_credit_code("12110105400001205")
MAIN_COMMITTEE = "北京康华研究型医院科技伦理委员会"
SHORT_COMMITTEE = "北京康华研究型医院人工智能伦理分委员会"

# username, name, role, expertise, gender, external, title
ROSTER: list[tuple[str, str, str, str, str, bool, str]] = [
    ("kh_chair", "王建国", "chair", "science", "male", False, "主任医师、教授"),
    ("kh_vice1", "李秀英", "vice_chair", "ethics", "female", False, "研究员（医学伦理学）"),
    ("kh_vice2", "张伟", "vice_chair", "science", "male", False, "主任医师"),
    ("kh_member", "陈明", "member", "science", "male", False, "副主任医师"),
    ("kh_liufang", "刘芳", "member", "law", "female", True, "律师（北京某律师事务所）"),
    ("kh_yangjing", "杨静", "member", "other", "female", True, "社区工作者"),
    ("kh_zhaolei", "赵磊", "member", "science", "male", False, "研究员（人工智能）"),
    ("kh_huangli", "黄丽", "member", "ethics", "female", True, "副教授（哲学系）"),
    ("kh_zhouqiang", "周强", "member", "science", "male", False, "主管药师"),
]
# The AI sub-committee is the first six of these: one short of the seven R4 requires.
SHORT_ROSTER = ROSTER[:6]

DOCUMENTS = [
    ("charter", "章程"),
    ("review_sop", "伦理审查标准操作规程"),
    ("confidentiality", "保密管理制度"),
    ("archives", "档案管理制度"),
    ("coi_policy", "利益冲突管理制度"),
    ("emergency_sop", "应急审查标准操作规程"),
]


def _pdf(title: str) -> SimpleUploadedFile:
    body = uploads.blank_pdf(f"demo document: {title}")
    return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")


def _committee(
    admin: User, institution: Institution, name: str, established: date, regimes: list[str]
) -> Committee:
    existing = Committee.objects.filter(institution=institution, name=name).first()
    if existing is not None:
        return existing
    return services.committee_create(
        actor=admin,
        institution=institution,
        name=name,
        established_on=established,
        regimes=regimes,
        fields_of_work=["medicine", "life_science", "ai"],
    )


def _appoint(
    admin: User,
    committee: Committee,
    user: User,
    role: str,
    expertise: str,
    gender: str,
    external: bool,
    title: str,
) -> None:
    if Membership.objects.open().filter(committee=committee, user=user).exists():
        return
    start = committee.established_on
    membership = services.membership_add(
        committee_id=committee.pk,
        actor=admin,
        user=user,
        role=role,
        expertise=expertise,
        gender=gender,
        external=external,
        title=title,
        term_start=start,
        term_end=start.replace(year=start.year + 5) - timedelta(days=1),
        appointment_ref=f"康华医伦〔{start.year}〕{membership_count(committee) + 1}号",
    )
    for kind in ("confidentiality", "coi"):
        services.pledge_record(membership_id=membership.pk, actor=admin, kind=kind, signed_on=start)
    services.training_record(
        membership_id=membership.pk,
        actor=admin,
        title="科技伦理审查委员培训（北京市）",
        provider="北京市科学技术委员会、中关村科技园区管理委员会",
        completed_on=start + timedelta(days=3),
        hours=8,
    )


def membership_count(committee: Committee) -> int:
    return Membership.objects.filter(committee=committee).count()


def seed(stdout: Any) -> None:
    admin = User.objects.filter(is_superuser=True).order_by("id").first() or demo_user(
        "admin", "系统管理员", is_staff=True, is_superuser=True
    )
    institution = (
        Institution.objects.filter(credit_code=CREDIT_CODE).first()
        or Institution.objects.filter(name=INSTITUTION_NAME).first()
    ) or services.institution_create(
        actor=admin,
        name=INSTITUTION_NAME,
        credit_code=CREDIT_CODE,
        kind="medical",
        authority="bj_health",
        region="北京市朝阳区",
    )
    logins = [
        (
            "kh_admin",
            "孙立新",
            "institution admin",
            {"institution": institution, "institution_admin": True},
        ),
        ("kh_secretary", "吴晓燕", "committee secretary", {"institution": institution}),
        ("kh_researcher", "郑浩", "researcher", {"institution": institution}),
    ]
    users = {u: demo_user(u, name, **fields) for u, name, _, fields in logins}
    established = timezone.localdate() - timedelta(days=10)
    main = _committee(admin, institution, MAIN_COMMITTEE, established, ["meas"])
    short = _committee(admin, institution, SHORT_COMMITTEE, established, ["meas"])
    for committee in (main, short):
        _appoint(
            admin,
            committee,
            users["kh_secretary"],
            "secretary",
            "other",
            "female",
            False,
            "伦理办公室主任",
        )
    for committee, roster in ((main, ROSTER), (short, SHORT_ROSTER)):
        for username, name, role, expertise, gender, external, title in roster:
            person = demo_user(username, name, institution=None if external else institution)
            _appoint(admin, committee, person, role, expertise, gender, external, title)
    if not CommitteeDocument.objects.filter(committee=main).exists():
        for kind, title in DOCUMENTS:
            services.document_upload(
                committee_id=main.pk, actor=admin, kind=kind, upload=_pdf(title), title=title
            )
    stdout.write("committees demo logins (password as for admin):")
    for username, name, role in [
        ("kh_admin", "孙立新", "institution admin"),
        ("kh_secretary", "吴晓燕", "committee secretary"),
        ("kh_chair", "王建国", "committee chair"),
        ("kh_member", "陈明", "committee member"),
        ("kh_researcher", "郑浩", "researcher (no committee role)"),
    ]:
        stdout.write(f"  {username:<14} {role} ({name})")
    stdout.write(
        f"  committees: {main.name} (9 members, valid); {short.name} (6 members, one short)"
    )
