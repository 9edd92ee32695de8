"""Tables as CSV and .xlsx: the one export writer of the project (issue 17).

A `Table` is a title, its columns (key, label) and rows (dicts). The dashboards export every
table through `csv_response` / `xlsx_response`; registry writes its deadline CSV and its filing
packages' workbooks with the same helpers (registry sits above reports, so it imports them here).
Cells are plain values: lists are joined with the Chinese enumeration comma.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl is imported where a workbook is written: some 19 MB a process that never writes one
# (a web worker serving pages) does not hold (issue 18).

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Cells a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def cells(self) -> list[list[Any]]:
        return [[cell_text(row.get(c.key, "")) for c in self.columns] for row in self.rows]

    def body_html(self) -> SafeString:
        """The rows as <tr><td>… (escaped and localised as a template's {{ cell }} is): a
        regional table has 200 rows, rendered here instead of by two nested template loops."""
        return mark_safe(  # noqa: S308 - every cell is escaped here
            "".join(
                "<tr>"
                + "".join(f"<td>{conditional_escape(localize(cell))}</td>" for cell in row)
                + "</tr>"
                for row in self.cells()
            )
        )

    @property
    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]


def cell_text(value: Any) -> Any:
    """A value as one cell: a list (of names) joined with the Chinese enumeration comma."""
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text line by line, with a BOM so that Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(h) for h in header])
    for row in rows:
        yield writer.writerow([_safe(cell_text(v)) for v in row])


def csv_response(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], filename: str
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    return csv_response(table.header, table.cells(), filename)


def sheet_name(title: str, used: set[str]) -> str:
    """A unique sheet name: Excel forbids []:*?/\\ in sheet names and caps them at 31."""
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        name = f"{clean[:28]}({n})"
        n += 1
    used.add(name)
    return name


def bold_last_row(sheet: Worksheet) -> None:
    from openpyxl.styles import Font

    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def finish_sheet(sheet: Worksheet, width: int = 24) -> None:
    """Column widths and wrapped, top-aligned cells."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    for index in range(1, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_table(sheet: Worksheet, table: Table) -> None:
    from openpyxl.styles import Font

    sheet.append([str(table.title)])
    sheet["A1"].font = Font(bold=True)
    sheet.append(table.header)
    bold_last_row(sheet)
    for row in table.cells():
        sheet.append([_safe(v) for v in row])
    finish_sheet(sheet)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def tables_xlsx(tables: Sequence[Table], filters: Sequence[tuple[str, str]] = ()) -> bytes:
    """One sheet per table; the filters applied (label, value) on a first sheet."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    assert cover is not None
    used: set[str] = set()
    if filters:
        cover.title = sheet_name("筛选条件", used)
        for label, value in filters:
            cover.append([label, value])
        finish_sheet(cover)
    for index, table in enumerate(tables):
        if index == 0 and not filters:
            sheet = cover
            sheet.title = sheet_name(str(table.title), used)
        else:
            sheet = book.create_sheet(sheet_name(str(table.title), used))
        write_table(sheet, table)
    return workbook_bytes(book)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
