"""Filing packages: the PDF's Chinese text, the xlsx workbook and the JSON export say the same."""

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from registry import packages, services
from registry.models import Filing

pytestmark = pytest.mark.django_db


def _render(filing, actor):
    package = services.filing_prepare(filing_id=filing.pk, actor=actor)
    return services.package_render(package_id=package.pk)


def _pdf_text(package):
    with package.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def test_registration_package_in_chinese(world):
    filing = Filing.objects.get(committee=world.committee, kind="committee_registration")
    package = _render(filing, world.secretary)
    text = _pdf_text(package)
    for expected in ("科技伦理（审查）委员会登记", "单位信息", "统一社会信用代码", "委员名单", "王秘书",
                     "北京康华研究型医院", "国家科技伦理管理信息登记平台", "核验码"):  # fmt: skip
        assert expected in text, expected
    assert package.verification_hash[:16] in text
    data = json.loads(package.json.read().decode())
    assert data["schema"] == packages.SCHEMA
    assert data["verification_hash"] == package.verification_hash
    roster = next(s for s in data["sections"] if s["key"] == "roster")
    assert len(roster["rows"]) == 8  # 7 members and the secretary
    book = load_workbook(io.BytesIO(package.xlsx.read()))
    assert book.sheetnames[0] == "封面"
    assert any("委员名单" in name for name in book.sheetnames)
    values = [c.value for row in book[book.sheetnames[0]].iter_rows() for c in row]
    assert package.verification_hash in values


def test_rendering_twice_is_a_no_op(world):
    filing = Filing.objects.get(committee=world.committee, kind="committee_registration")
    package = _render(filing, world.secretary)
    again = services.package_render(package_id=package.pk)
    assert again.pdf.name == package.pdf.name


def test_annual_report_package_has_every_section_with_its_figures(world):
    filing = services.annual_report_open_for(committee_id=world.committee.pk, year=2026)
    package = _render(filing, world.secretary)
    text = _pdf_text(package)
    assert "2026年度科技伦理（审查）委员会工作报告" in text
    assert "纳入清单管理的科技活动实施情况报告" in text
    assert "召开审查会议次数" in text
    assert "投诉举报情况" in text
    assert "伦理事件报告及处置情况" in text
    assert "系统尚未记录" not in text
    data = package.data
    report = next(s for s in data["sections"] if s["key"] == "work_report")
    values = {f["key"]: f["value"] for f in report["fields"]}
    # Issue 16: the oversight figures in words (R55, R57, B1), never their codes.
    assert values["meetings_held"] == "合计：0"
    assert values["complaints"].startswith("收到投诉举报：0；受理：0")
    assert "禁止从事财政性资金支持的科技活动：0" in values["sanctions"]
    assert "严重不良事件" in values["incidents"]
    assert "_" not in "".join(str(v) for v in values.values())
    assert values["decisions_total"] == "0"


def test_download_is_audited_and_hidden_from_outsiders(client, world):
    from ethics.models import AuditEvent

    filing = Filing.objects.get(committee=world.committee, kind="committee_registration")
    _render(filing, world.secretary)
    for fmt in ("pdf", "json", "xlsx"):
        client.force_login(world.outsider)
        assert client.get(f"/registry/filings/{filing.pk}/package.{fmt}").status_code == 404
        client.force_login(world.secretary)
        response = client.get(f"/registry/filings/{filing.pk}/package.{fmt}")
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="filing.package_download").count() == 3


def test_listed_registration_package_carries_the_expert_rereview_r51(db):
    from tests.reviews.conftest import final_approval, listed_preliminary
    from tests.world import build_world

    world = build_world()
    application = listed_preliminary(world)
    final_approval(world, application)
    filing = Filing.objects.get(kind="listed_registration", project=application.project)
    package = _render(filing, world.secretary)
    text = _pdf_text(package)
    assert "北京市科学技术委员会" in text
    assert "复核意见" in text
    rereview = next(s for s in package.data["sections"] if s["key"] == "rereview")
    values = {f["key"]: f["value"] for f in rereview["fields"]}
    assert values["opinion"] == "同意"
    assert values["panel_size"] == 5
