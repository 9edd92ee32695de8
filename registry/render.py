"""Render a package dict (registry/packages.py) as PDF, JSON and an xlsx workbook.

Called only from the Celery task (services.package_render): PDFs never render in a request.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from ethics import pdf
from reports.exports import bold_last_row, cell_text, finish_sheet, sheet_name, workbook_bytes

PDF_TEMPLATE = "pdf/registry/package.html"


def to_json(package: dict[str, Any], verification_hash: str) -> bytes:
    body = {**package, "verification_hash": verification_hash}
    return json.dumps(body, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode("utf-8")


# Fields and columns that hold people's names (registry/packages.py keys): the PDF sets each name
# in a `<span class="name">` that never breaks (王建国, never 王建|国 at a line end). A value may
# be one name or a list of names.
NAME_KEYS: frozenset[str] = frozenset({"name", "lead", "members", "people"})


def _text(value: Any) -> Any:
    """A value as one text: a list (of names) joined with the Chinese enumeration comma."""
    return cell_text(value) if isinstance(value, list) else value


def _names(key: str, value: Any) -> list[str]:
    if key not in NAME_KEYS or value in ("", None, []):
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def with_cells(package: dict[str, Any]) -> dict[str, Any]:
    """The package with each table's rows as cell lists in column order (for templates):
    `cells` holds the values as text, `name_cells` the same cells as {"value", "names"} so the
    PDF can keep every name whole; fields get "names" too."""
    sections = []
    for s in package["sections"]:
        keys = [c["key"] for c in s["columns"]]
        sections.append(
            {
                **s,
                "fields": [
                    {**f, "value": _text(f["value"]), "names": _names(f["key"], f["value"])}
                    for f in s["fields"]
                ],
                "cells": [[_text(row.get(k, "")) for k in keys] for row in s["rows"]],
                "name_cells": [
                    [{"value": _text(row.get(k, "")), "names": _names(k, row.get(k))} for k in keys]
                    for row in s["rows"]
                ],
            }
        )
    return {**package, "sections": sections}


def to_pdf(package: dict[str, Any], verification_hash: str) -> bytes:
    return pdf.render(PDF_TEMPLATE, {"package": with_cells(package), "hash": verification_hash})


def to_xlsx(package: dict[str, Any], verification_hash: str) -> bytes:
    """One sheet per platform section: label/value pairs, then the section's table if any."""
    from openpyxl import Workbook  # where it is used (reports.exports: a web worker's memory)
    from openpyxl.styles import Font

    book = Workbook()
    cover = book.active
    cover.title = "封面"
    cover.append(["平台", package["platform"]])
    cover.append(["标题", package["title"]])
    cover.append(["填报类别", package["filing"]["kind_zh"]])
    cover.append(["截止日期", package["filing"]["due_on"]])
    cover.append(["依据", f"{package['filing']['rule']} {package['filing']['basis']}"])
    cover.append(["核验码（SHA-256）", verification_hash])
    used = {cover.title}
    for section in package["sections"]:
        sheet = book.create_sheet(sheet_name(section["title"], used))
        sheet.append([section["title"]])
        sheet["A1"].font = Font(bold=True)
        for item in section["fields"]:
            sheet.append([item["label"], _text(item["value"]), item["key"]])
        if section["columns"]:
            if section["fields"]:
                sheet.append([])
            sheet.append([c["label"] for c in section["columns"]])
            bold_last_row(sheet)
            for row in section["rows"]:
                sheet.append([_text(row.get(c["key"], "")) for c in section["columns"]])
        finish_sheet(sheet)
    return workbook_bytes(book)
