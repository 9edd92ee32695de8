"""Directory import (issue 19, README "Directory import"): templates, dry run with a per-row
report in Chinese, apply all-or-nothing, idempotent by a stable key, audited, scoped."""

import csv
import io

import pytest
from django.core import mail
from openpyxl import Workbook, load_workbook

from committees.models import ImportBatch, Membership
from ethics.models import AuditEvent, Institution, User
from ethics.validators import make_credit_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "sheet.xlsx"
    return buffer


def csv_file(rows, encoding="utf-8-sig", name="sheet.csv"):
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    buffer = io.BytesIO(text.getvalue().encode(encoding))
    buffer.name = name
    return buffer


USERS = [
    ["用户名*", "姓名*", "电子邮箱", "首选语言"],
    ["zhang.wei", "张伟", "zhang.wei@example.test", "简体中文"],
    ["li.na", "李娜", "li.na@example.test", "English"],
]


def check(client, kind, upload, committee=None):
    data = {"kind": kind, "file": upload}
    if committee is not None:
        data["committee"] = committee.pk
    return client.post("/committees/imports/", data)


def batch_of(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["institutions", "users", "members"])
def test_templates_have_the_chinese_header(client, world, kind):
    user = world.secretary if kind != "institutions" else UserFactory(is_superuser=True)
    client.force_login(user)
    response = client.get(f"/committees/imports/template/{kind}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert header[0] in {"统一社会信用代码*", "用户名*"}
    assert len(book.worksheets) == 2  # the instructions sheet lists the allowed values
    text = client.get(f"/committees/imports/template/{kind}.csv").content
    assert text.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the Chinese header
    api = client.get("/api/v1/imports/template/", {"kind": kind, "file_format": "csv"})
    assert api.status_code == 200
    assert api.content == text


def test_template_and_pages_are_404_for_people_who_import_nothing(client, world):
    client.force_login(world.researcher)
    assert client.get("/committees/imports/").status_code == 404
    assert client.get("/committees/imports/template/users.xlsx").status_code == 404
    assert client.get("/committees/imports/template/nope.xlsx").status_code == 404
    api = client.get("/api/v1/imports/template/", {"kind": "users"})
    assert api.status_code == 404
    client.force_login(world.admin)
    bad = client.get("/api/v1/imports/template/", {"kind": "x", "file_format": "pdf"})
    assert bad.status_code == 400
    assert {"kind", "file_format"} <= set(bad.json())


# --- accounts ------------------------------------------------------------------------------------


def test_users_dry_run_changes_nothing_then_apply_creates_and_is_idempotent(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_of(check(client, "users", xlsx(USERS)))
    assert User.objects.count() == users_before
    assert mail.outbox == []  # the dry run sends no reset link
    assert [r["outcome"] for r in batch.report] == ["created", "created"]
    assert [r["row"] for r in batch.report] == [2, 3]
    page = client.get(f"/committees/imports/{batch.pk}/").content.decode()
    assert "zhang.wei" in page
    assert "新建" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/committees/imports/{batch.pk}/apply/")
    assert response.status_code == 302
    zhang = User.objects.get(username="zhang.wei")
    assert zhang.name == "张伟"
    assert zhang.institution == world.institution
    assert not zhang.institution_admin
    assert not zhang.has_usable_password()
    assert User.objects.get(username="li.na").language == "en"
    assert sorted(m.to[0] for m in mail.outbox) == ["li.na@example.test", "zhang.wei@example.test"]
    batch.refresh_from_db()
    assert batch.applied_at is not None
    assert AuditEvent.objects.filter(action="directory.apply", target_id=str(batch.pk)).exists()
    assert AuditEvent.objects.filter(action="user.create", target_id=str(zhang.pk)).exists()

    # Applying the same batch again is refused; the same sheet again changes nothing.
    again = client.post(f"/api/v1/imports/{batch.pk}/apply/")
    assert again.status_code == 409
    assert again.json()["code"] == "import_applied"
    second = batch_of(check(client, "users", xlsx(USERS)))
    assert [r["outcome"] for r in second.report] == ["unchanged", "unchanged"]


def test_users_update_by_username_lists_the_changed_fields(client, world):
    UserFactory(username="zhang.wei", name="张威", institution=world.institution)
    client.force_login(world.admin)
    batch = batch_of(check(client, "users", xlsx(USERS)))
    first = batch.report[0]
    assert first["outcome"] == "updated"
    assert "显示名称" in "".join(first["changed"]) or first["changed"]
    client.post(f"/committees/imports/{batch.pk}/apply/")
    assert User.objects.get(username="zhang.wei").name == "张伟"


def test_bad_rows_are_reported_in_chinese_and_nothing_is_applied(client, world):
    client.force_login(world.admin)
    rows = [
        USERS[0],
        ["ok.user", "王好", "ok@example.test", "简体中文"],
        ["bad.mail", "赵错", "not-an-address", "简体中文"],
        ["bad.lang", "钱错", "", "Klingon"],
        ["", "无名", "", ""],
        ["ok.user", "重复", "", ""],
    ]
    batch = batch_of(check(client, "users", xlsx(rows)))
    outcomes = {r["row"]: r for r in batch.report}
    assert outcomes[2]["outcome"] == "created"
    assert outcomes[3]["outcome"] == "error"
    assert "电子邮件" in "".join(outcomes[3]["errors"])
    assert "Klingon" in "".join(outcomes[4]["errors"])
    assert "必填" in "".join(outcomes[5]["errors"])
    assert "第 2 行" in "".join(outcomes[6]["errors"])
    page = client.get(f"/committees/imports/{batch.pk}/").content.decode()
    assert "应用" not in page or "更正" in page  # no apply button on a sheet with problems

    response = client.post(f"/api/v1/imports/{batch.pk}/apply/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "import_has_errors"
    assert {p["row"] for p in body["problems"]} == {"3", "4", "5", "6"}
    assert not User.objects.filter(username="ok.user").exists()


def test_institution_admin_cannot_take_over_or_place_accounts_elsewhere(client, world):
    other = Institution.objects.create(
        name="外单位", credit_code=make_credit_code("12110000400000000"), kind="university"
    )
    UserFactory(username="someone.else", institution=other)
    client.force_login(world.admin)
    rows = [
        ["用户名", "姓名", "单位统一社会信用代码"],
        ["someone.else", "冒名", ""],
        ["new.person", "新人", other.credit_code],
    ]
    batch = batch_of(check(client, "users", xlsx(rows)))
    assert [r["outcome"] for r in batch.report] == ["error", "error"]
    assert User.objects.get(username="someone.else").name != "冒名"


def test_csv_in_gb18030_is_read(client, world):
    client.force_login(world.admin)
    upload = csv_file(USERS, encoding="gb18030")
    batch = batch_of(check(client, "users", upload))
    assert [r["outcome"] for r in batch.report] == ["created", "created"]


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (csv_file([["姓名"], ["张三"]]), "missing_columns"),
        (io.BytesIO(b"PK\x03\x04 not really a workbook"), "unreadable"),
        (csv_file([], name="empty.csv"), "empty"),
    ],
)
def test_unreadable_sheets_are_a_field_error_not_a_500(client, api_client, world, upload, code):
    if not getattr(upload, "name", ""):
        upload.name = "broken.xlsx"
    api_client.force_authenticate(world.admin)
    response = api_client.post(
        "/api/v1/imports/", {"kind": "users", "file": upload}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["file"][0]["code"] == code
    assert ImportBatch.objects.count() == 0


def test_wrong_file_type_keeps_the_form(client, world):
    client.force_login(world.admin)
    upload = io.BytesIO(b"%PDF-1.4")
    upload.name = "roster.pdf"
    response = client.post("/committees/imports/", {"kind": "users", "file": upload})
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


# --- members -----------------------------------------------------------------------------------


def test_secretary_imports_members_with_chinese_labels_and_rule_checks(client, world):
    new = UserFactory(username="wang.fang", institution=world.institution)
    existing = world.member_membership
    client.force_login(world.secretary)
    rows = [
        ["用户名", "角色", "专业背景", "性别", "外单位委员", "任期开始", "任期结束"],
        ["wang.fang", "委员", "伦理", "女", "否", "2026-03-01", "2031-02-28"],
        [
            existing.user.username,
            "委员",
            existing.get_expertise_display(),
            existing.get_gender_display(),
            "否",
            existing.term_start.isoformat(),
            existing.term_end.isoformat(),
        ],
        ["nobody.here", "委员", "伦理", "女", "否", "2026-03-01", "2027-02-28"],
        [new.username + "x", "主任", "伦理", "男", "否", "2026-03-01", "2027-02-28"],
    ]
    batch = batch_of(check(client, "members", xlsx(rows), committee=world.committee))
    outcomes = [r["outcome"] for r in batch.report]
    assert outcomes == ["created", "unchanged", "error", "error"]
    assert "导入" in "".join(batch.report[2]["errors"])  # "import the accounts first"
    assert "主任" in "".join(batch.report[3]["errors"])  # not a role label


@pytest.mark.parametrize(
    ("term_end", "outcome"), [("2031-03-01", "created"), ("2031-03-02", "error")]
)
def test_member_term_boundary_r7(client, world, term_end, outcome):
    """R7: a term of at most five years, checked by the same service as the roster page."""
    UserFactory(username="wang.fang", institution=world.institution)
    client.force_login(world.secretary)
    rows = [
        ["用户名", "角色", "专业背景", "性别", "任期开始", "任期结束"],
        ["wang.fang", "委员", "伦理", "女", "2026-03-01", term_end],
    ]
    batch = batch_of(check(client, "members", xlsx(rows), committee=world.committee))
    assert batch.report[0]["outcome"] == outcome
    if outcome == "error":
        assert "R7" in "".join(batch.report[0]["errors"])
    else:
        client.post(f"/committees/imports/{batch.pk}/apply/")
        membership = Membership.objects.get(committee=world.committee, user__username="wang.fang")
        assert membership.expertise == "ethics"
        assert membership.gender == "female"


def test_members_need_a_committee_the_importer_manages(client, api_client, world):
    api_client.force_authenticate(world.outsider)  # secretary of another committee
    upload = xlsx([["用户名", "角色"], ["x", "委员"]])
    response = api_client.post(
        "/api/v1/imports/",
        {"kind": "members", "committee": world.committee.pk, "file": upload},
        format="multipart",
    )
    assert response.status_code == 400  # not a committee this person may choose
    assert "committee" in response.json()
    upload = xlsx([["用户名", "角色"], ["x", "委员"]])
    response = api_client.post(
        "/api/v1/imports/", {"kind": "members", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "committee" in response.json()


# --- institutions ------------------------------------------------------------------------------


def test_institutions_only_by_site_admins_and_by_credit_code(client, api_client, world):
    code = make_credit_code("12110000400000001")
    rows = [
        ["统一社会信用代码", "名称", "类型", "地区"],
        [code, "北京某研究所", "科研机构", "北京市"],
        [make_credit_code("12110000400000002")[:-1] + "0", "校验位错", "高等学校", ""],
    ]
    api_client.force_authenticate(world.admin)
    refused = api_client.post(
        "/api/v1/imports/", {"kind": "institutions", "file": xlsx(rows)}, format="multipart"
    )
    assert refused.status_code == 400
    assert refused.json()["kind"][0]["code"] == "invalid_choice"

    root = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(root)
    response = api_client.post(
        "/api/v1/imports/", {"kind": "institutions", "file": xlsx(rows)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [r["outcome"] for r in body["report"]] == ["created", "error"]
    assert "校验" in "".join(body["report"][1]["errors"])


# --- visibility and budgets --------------------------------------------------------------------


def test_someone_elses_batch_is_404(client, api_client, world):
    client.force_login(world.admin)
    batch = batch_of(check(client, "users", xlsx(USERS)))
    client.force_login(world.secretary)
    assert client.get(f"/committees/imports/{batch.pk}/").status_code == 404
    assert client.post(f"/committees/imports/{batch.pk}/apply/").status_code == 404
    api_client.force_authenticate(world.secretary)
    assert api_client.get(f"/api/v1/imports/{batch.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/imports/{batch.pk}/apply/").status_code == 404
    assert api_client.get("/api/v1/imports/").json()["count"] == 0


def test_query_budgets(client, api_client, world, django_assert_max_num_queries):
    client.force_login(world.admin)
    for _ in range(3):
        batch = batch_of(check(client, "users", xlsx(USERS)))
    with django_assert_max_num_queries(10):
        assert client.get("/committees/imports/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(f"/committees/imports/{batch.pk}/").status_code == 200
    api_client.force_authenticate(world.admin)
    with django_assert_max_num_queries(10):
        assert api_client.get("/api/v1/imports/").status_code == 200
