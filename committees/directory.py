"""Directory import (README "Directory import"): institutions, accounts and committee members
from an `.xlsx` or CSV sheet laid out as the template the product offers for download.

A sheet is first checked (a dry run: every row goes through the same forms and services as the
pages, inside a transaction that is rolled back) and the per-row report is kept on an
`ImportBatch`; applying runs it again for real, all rows or none. Rows are matched by a stable
key, so applying the same sheet twice changes nothing the second time:

- institutions by their unified social credit code (site administrators);
- accounts by username (site administrators; institution administrators for their own
  institution);
- members by the person's username within the chosen committee (whoever manages the committee).

Nothing here grants rights the importer does not hold: accounts are created without a password
(the owner receives a reset link) and never as administrators; committee roles come only from a
members sheet that the committee's own managers upload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext, override
from django.utils.translation import gettext_lazy as _

from committees.models import (
    Committee,
    Expertise,
    Gender,
    ImportKind,
    Membership,
    Role,
    count_outcomes,
)
from ethics.errors import Conflict
from ethics.models import Authority, Institution, InstitutionKind, Language, User

#: Largest sheet accepted (bytes and data rows): a directory, not a data warehouse.
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000

YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class Column:
    """One column of a template: its field, its header and how a cell becomes form input."""

    field: str
    header: str | Any  # a lazy translation
    required: bool = False
    choices: type[models.TextChoices] | None = None
    kind: str = "text"  # text | bool | date
    note: str | Any = ""
    #: Other headers people write for this column (Chinese spreadsheets vary).
    aliases: tuple[str, ...] = ()

    def headers(self) -> set[str]:
        """Every header this column is recognised by: its label in each language and the field."""
        names = {self.field.lower(), *(alias.lower() for alias in self.aliases)}
        for language in ("zh-hans", "en"):
            with override(language):
                names.add(str(self.header).strip().lower())
        return names


INSTITUTION_COLUMNS = (
    Column(
        "credit_code",
        _("Unified social credit code"),
        required=True,
        aliases=("统一社会信用代码", "信用代码", "USCC"),
    ),
    Column("name", _("Institution name"), required=True, aliases=("名称", "单位名称", "Name")),
    Column(
        "kind",
        _("Institution type"),
        required=True,
        choices=InstitutionKind,
        aliases=("类型", "单位类型", "Type"),
    ),
    Column(
        "authority",
        _("Competent authority"),
        choices=Authority,
        aliases=("主管部门", "行业主管部门"),
    ),
    Column("authority_other", _("Other competent authority"), aliases=("其他主管部门",)),
    Column("region", _("Region"), aliases=("地区", "所在地区")),
)

USER_COLUMNS = (
    Column("username", _("Username"), required=True, aliases=("用户名", "账号", "工号")),
    Column("name", _("Full name"), required=True, aliases=("姓名", "名字", "Name")),
    Column(
        "email",
        _("E-mail"),
        note=_("The new account's owner gets a link to set a password."),
        aliases=("电子邮箱", "电子邮件", "邮箱", "Email"),
    ),
    Column("language", _("Preferred language"), choices=Language, aliases=("首选语言", "语言")),
    Column(
        "institution",
        _("Institution's unified social credit code"),
        note=_("Site administrators only; empty: your own institution."),
        aliases=("单位统一社会信用代码", "单位信用代码"),
    ),
)

MEMBER_COLUMNS = (
    Column("username", _("Username"), required=True, aliases=("用户名", "账号", "工号")),
    Column("role", _("Role"), required=True, choices=Role, aliases=("角色", "职务")),
    Column(
        "expertise", _("Expertise"), required=True, choices=Expertise, aliases=("专业背景", "类别")
    ),
    Column("gender", _("Gender"), required=True, choices=Gender, aliases=("性别",)),
    Column(
        "external",
        _("External member"),
        kind="bool",
        note=_("Yes / No"),
        aliases=("外单位委员", "外单位"),
    ),
    Column(
        "local_knowledge",
        _("Familiar with local conditions"),
        kind="bool",
        note=_("Yes / No"),
        aliases=("熟悉当地情况",),
    ),
    Column("title", _("Professional title"), aliases=("职称",)),
    Column(
        "term_start",
        _("Term start"),
        required=True,
        kind="date",
        note="YYYY-MM-DD",
        aliases=("任期开始", "任期起"),
    ),
    Column(
        "term_end",
        _("Term end"),
        required=True,
        kind="date",
        note="YYYY-MM-DD",
        aliases=("任期结束", "任期止"),
    ),
    Column("appointment_ref", _("Appointment document number"), aliases=("聘任文号",)),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportKind.INSTITUTIONS: INSTITUTION_COLUMNS,
    ImportKind.USERS: USER_COLUMNS,
    ImportKind.MEMBERS: MEMBER_COLUMNS,
}


# --- reading a sheet ---------------------------------------------------------------------------


class SheetError(ValidationError):
    """The file cannot be read as a sheet of this kind (an error on the upload's file field)."""


def _cell(value: Any) -> str | date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise SheetError(
            _("The file is not a readable .xlsx workbook."), code="unreadable"
        ) from exc
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield [_cell(value) for value in row]
    book.close()


def _csv_rows(content: bytes) -> Iterator[list[Any]]:
    # Excel in China saves CSV as GB18030 unless told otherwise; UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_("The CSV file is neither UTF-8 nor GB18030 text."), code="encoding")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    for row in csv.reader(io.StringIO(text), dialect):
        yield [_cell(value) for value in row]


def read_sheet(kind: str, name: str, content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The data rows of an uploaded sheet as (row number, {field: cell}); raises SheetError."""
    if len(content) > MAX_BYTES:
        raise SheetError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)},
            code="too_large",
        )
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif lowered.endswith(".csv") or lowered.endswith(".txt"):
        rows = _csv_rows(content)
    else:
        raise SheetError(_("Upload the template as .xlsx or .csv."), code="file_type")
    columns = COLUMNS[kind]
    header: list[str | None] | None = None
    out: list[tuple[int, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        if not any(str(value).strip() for value in row):
            continue
        if header is None:
            header = _match_header(columns, row)
            continue
        values = {
            key: row[index] if index < len(row) else ""
            for index, key in enumerate(header)
            if key is not None
        }
        out.append((number, values))
        if len(out) > MAX_ROWS:
            raise SheetError(
                _("A sheet may hold at most %(rows)s rows.") % {"rows": MAX_ROWS},
                code="too_many_rows",
            )
    if header is None:
        raise SheetError(_("The sheet is empty."), code="empty")
    return out


def _match_header(columns: tuple[Column, ...], row: list[Any]) -> list[str | None]:
    lookup = {name: column.field for column in columns for name in column.headers()}
    header: list[str | None] = []
    for value in row:
        label = str(value).strip().lower().rstrip("*＊").strip()
        header.append(lookup.get(label))
    missing = [str(c.header) for c in columns if c.required and c.field not in header]
    if missing:
        raise SheetError(
            _("The header row lacks the column(s) %(columns)s; download the template.")
            % {"columns": "、".join(missing)},
            code="missing_columns",
        )
    return header


# --- template ----------------------------------------------------------------------------------


def _choice_labels(choices: type[models.TextChoices]) -> str:
    return " / ".join(str(label) for label in choices.labels)


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """The header (in the active language, required columns starred) and the notes per column."""
    columns = COLUMNS[kind]
    header = [f"{c.header}*" if c.required else str(c.header) for c in columns]
    notes = []
    for column in columns:
        allowed = _choice_labels(column.choices) if column.choices is not None else ""
        notes.append(
            [
                str(column.header),
                str(_("required")) if column.required else str(_("optional")),
                allowed or str(column.note),
            ]
        )
    return header, notes


def template_xlsx(kind: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, notes = template_rows(kind)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = str(ImportKind(kind).label)[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index in range(len(header)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 22
    help_sheet = book.create_sheet(str(_("Instructions"))[:31])
    help_sheet.append([str(_("Column")), str(_("Required")), str(_("Allowed values"))])
    for row in notes:
        help_sheet.append(row)
    help_sheet.append([])
    help_sheet.append([str(_("Fill in the first sheet from its second row; keep the header row."))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(kind: str) -> bytes:
    header, _notes = template_rows(kind)
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    # With a BOM, so that Excel opens the Chinese header as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


# --- rows --------------------------------------------------------------------------------------


class RowError(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _choice(column: Column, raw: Any) -> str:
    assert column.choices is not None
    text = str(raw).strip()
    if not text:
        return ""
    for value, label in column.choices.choices:
        names = {str(value).lower()}
        for language in ("zh-hans", "en"):
            with override(language):
                names.add(str(label).strip().lower())
        if text.lower() in names:
            return str(value)
    raise RowError(
        [
            gettext("%(column)s: “%(value)s” is not one of %(allowed)s.")
            % {"column": column.header, "value": text, "allowed": _choice_labels(column.choices)}
        ]
    )


def _bool(column: Column, raw: Any) -> bool:
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError([gettext("%(column)s: write 是 or 否.") % {"column": column.header}])


def _date(column: Column, raw: Any) -> date | str:
    if isinstance(raw, date) or not raw:
        return raw
    text = str(raw).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(
            [
                gettext("%(column)s: “%(value)s” is not a date (YYYY-MM-DD).")
                % {"column": column.header, "value": raw}
            ]
        ) from None


def row_input(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The row's cells as form input; every problem of the row at once (RowError)."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    for column in COLUMNS[kind]:
        raw = values.get(column.field, "")
        try:
            if column.required and (raw == "" or raw is None):
                raise RowError([gettext("%(column)s is required.") % {"column": column.header}])
            if column.choices is not None:
                data[column.field] = _choice(column, raw)
            elif column.kind == "bool":
                data[column.field] = _bool(column, raw)
            elif column.kind == "date":
                data[column.field] = _date(column, raw)
            else:
                data[column.field] = str(raw).strip()
        except RowError as exc:
            problems.extend(exc.messages)
    if problems:
        raise RowError(problems)
    return data


def form_problems(form: Any) -> list[str]:
    """A form's errors as lines "label: message", in the active language."""
    lines = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            lines.append(f"{label}：{error}" if label else str(error))
    return lines


def error_lines(exc: Exception) -> list[str]:
    if isinstance(exc, RowError):
        return exc.messages
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [str(m) for messages in exc.message_dict.values() for m in messages]
        return [str(m) for m in exc.messages]
    if isinstance(exc, Conflict):
        return [f"{exc.message}（{exc.rule}）" if exc.rule else str(exc.message)]
    if isinstance(exc, PermissionDenied):
        return [gettext("You may not change this record.")]
    return [str(exc)]


@dataclass
class RowResult:
    row: int
    key: str
    outcome: str  # created | updated | unchanged | error
    changed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "key": self.key,
            "outcome": self.outcome,
            "changed": self.changed,
            "errors": self.errors,
        }


Importer = Callable[[User, dict[str, Any], Committee | None], tuple[str, list[str]]]


def _labels(model: type[models.Model], names: list[str]) -> list[str]:
    return [str(getattr(model._meta.get_field(name), "verbose_name", name)) for name in names]


def _upsert(
    model: type[models.Model],
    existing: models.Model | None,
    clean: dict[str, Any],
    create: Callable[[], Any],
    update: Callable[[Any], Any],
) -> tuple[str, list[str]]:
    """A row's outcome against the record it names: create it, change what differs, or leave it
    (the stable key makes a second import of the same sheet change nothing)."""
    if existing is None:
        create()
        return "created", []
    changed = [k for k, v in clean.items() if getattr(existing, k) != v]
    if not changed:
        return "unchanged", []
    update(existing)
    return "updated", _labels(model, changed)


def import_institution(
    actor: User, data: dict[str, Any], committee: Committee | None
) -> tuple[str, list[str]]:
    from committees import forms, services

    if not actor.is_superuser:
        raise PermissionDenied
    code = data["credit_code"].upper()
    existing = Institution.objects.filter(credit_code=code).first()
    form = forms.InstitutionForm(data={**data, "credit_code": code}, instance=existing)
    if not form.is_valid():
        raise RowError(form_problems(form))
    clean = dict(form.cleaned_data)
    return _upsert(
        Institution,
        existing,
        clean,
        lambda: services.institution_create(actor=actor, **clean),
        lambda row: services.institution_update(institution_id=row.pk, actor=actor, data=clean),
    )


def import_user(
    actor: User, data: dict[str, Any], committee: Committee | None
) -> tuple[str, list[str]]:
    from ethics import policies
    from ethics import services as kernel
    from ethics.forms import UserForm

    if not policies.may(actor, "create", User()):
        raise PermissionDenied
    data = dict(data)
    code = (data.pop("institution", "") or "").upper()
    institution = actor.institution
    if code:
        institution = Institution.objects.filter(credit_code=code).first()
        if institution is None:
            raise RowError(
                [gettext("No institution has the credit code %(code)s.") % {"code": code}]
            )
    existing = User.objects.filter(username=data["username"]).first()
    if existing is not None and not policies.administers(actor, existing):
        raise RowError([gettext("The username is taken by an account you do not administer.")])
    visible = (
        Institution.objects.all()
        if actor.is_superuser
        else Institution.objects.filter(pk=actor.institution_id or 0)
    )
    form_data = {**data, "institution": institution.pk if institution else ""}
    if not form_data.get("language"):
        form_data["language"] = existing.language if existing else Language.ZH_HANS
    form = UserForm(data=form_data, actor=actor, target=existing, institutions=visible)
    if not form.is_valid():
        raise RowError(form_problems(form))
    clean = {k: v for k, v in form.cleaned_data.items() if k != "password"}
    clean.pop("institution_admin", None)  # never granted by a sheet
    return _upsert(
        User,
        existing,
        clean,
        lambda: kernel.user_create(actor=actor, data=clean),
        lambda row: kernel.user_update(user_id=row.pk, actor=actor, data=clean),
    )


def import_member(
    actor: User, data: dict[str, Any], committee: Committee | None
) -> tuple[str, list[str]]:
    from committees import forms, services

    assert committee is not None
    data = dict(data)
    username = data.pop("username")
    person = forms.candidate_people(committee).filter(username=username).first()
    if person is None:
        raise RowError(
            [
                gettext(
                    "No account “%(username)s” among the people this committee can appoint; "
                    "import the accounts first."
                )
                % {"username": username}
            ]
        )
    existing = Membership.objects.open().filter(committee=committee, user=person).first()
    form = forms.MembershipForm(data=data, instance=existing)
    if not form.is_valid():
        raise RowError(form_problems(form))
    clean = dict(form.cleaned_data)
    return _upsert(
        Membership,
        existing,
        clean,
        lambda: services.membership_add(
            committee_id=committee.pk, actor=actor, user=person, **clean
        ),
        lambda row: services.membership_update(membership_id=row.pk, actor=actor, data=clean),
    )


IMPORTERS: dict[str, Importer] = {
    ImportKind.INSTITUTIONS: import_institution,
    ImportKind.USERS: import_user,
    ImportKind.MEMBERS: import_member,
}

KEY_FIELD: dict[str, str] = {
    ImportKind.INSTITUTIONS: "credit_code",
    ImportKind.USERS: "username",
    ImportKind.MEMBERS: "username",
}


class _RollBack(Exception):
    pass


def run(
    *,
    kind: str,
    rows: list[tuple[int, dict[str, Any]]],
    actor: User,
    committee: Committee | None,
    commit: bool,
) -> list[RowResult]:
    """Import the rows; keep the changes only when `commit` and no row failed.

    Each row runs in its own savepoint so one bad row reports its problems without hiding the
    others'; a key repeated within the sheet is an error of the later row.
    """
    importer = IMPORTERS[kind]
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    try:
        with transaction.atomic():
            for number, values in rows:
                key = str(values.get(KEY_FIELD[kind], "")).strip()
                if kind == ImportKind.INSTITUTIONS:
                    key = key.upper()
                result = RowResult(row=number, key=key, outcome="error")
                if key and key in seen:
                    result.errors = [
                        gettext("The same key is already on row %(row)s.") % {"row": seen[key]}
                    ]
                    results.append(result)
                    continue
                if key:
                    seen[key] = number
                try:
                    with transaction.atomic():
                        data = row_input(kind, values)
                        result.outcome, result.changed = importer(actor, data, committee)
                except (RowError, ValidationError, Conflict, PermissionDenied) as exc:
                    result.outcome, result.errors = "error", error_lines(exc)
                results.append(result)
            if not commit or any(r.outcome == "error" for r in results):
                raise _RollBack
    except _RollBack:
        pass
    return results


def summary(results: list[RowResult]) -> dict[str, int]:
    return count_outcomes(result.outcome for result in results)
