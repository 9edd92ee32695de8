"""Dashboards of a committee, an institution and a regional authority; their exports (every table
as CSV and .xlsx with the filters applied) and the chair's one-page monthly summary (PDF).

Every view: resolve the scope (reports.policies; 404 to anyone else) -> read the filters -> build
the dashboard (reports.dashboards) -> render. The only writes are the audit events of the
exports and the summary (ethics.services.export_record: every download is audited).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ethics import pdf
from ethics import services as kernel
from reports import dashboards, exports, policies
from reports.forms import DashboardFilterForm
from reports.selectors import month_last_day

logger = logging.getLogger(__name__)

EXTENSIONS = ("csv", "xlsx")


def _scope(request: HttpRequest, level: str, pk: int | None) -> policies.Scope:
    if level == policies.COMMITTEE and pk is not None:
        return policies.committee_scope(request.user, pk)  # type: ignore[arg-type]
    if level == policies.INSTITUTION and pk is not None:
        return policies.institution_scope(request.user, pk)  # type: ignore[arg-type]
    if level == policies.AUTHORITY:
        return policies.authority_scope(request.user)  # type: ignore[arg-type]
    raise Http404


def _board(request: HttpRequest, scope: policies.Scope) -> tuple[Any, DashboardFilterForm]:
    form = DashboardFilterForm(request.GET or None, committees=list(scope.committees))
    return dashboards.build(scope, form.filters()), form


def _urls(level: str, pk: int | None) -> dict[str, str]:
    args = [pk] if pk is not None else []
    urls = {"page": reverse(f"reports:{level}", args=args)}
    urls["export"] = reverse(f"reports:{level}-export", args=[*args, "all", "xlsx"])
    if level == policies.COMMITTEE:
        urls["monthly"] = reverse("reports:committee-monthly", args=args)
    return urls


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The dashboards the reader may open (none: an empty page)."""
    return render(request, "reports/index.html", policies.openable(request.user))  # type: ignore[arg-type]


def _dashboard(request: HttpRequest, level: str, pk: int | None = None) -> HttpResponse:
    scope = _scope(request, level, pk)
    board, form = _board(request, scope)
    query = request.GET.urlencode()
    args = [pk] if pk is not None else []
    for panel in board.panels:
        panel.export_csv = reverse(f"reports:{level}-export", args=[*args, panel.key, "csv"])
        panel.export_xlsx = reverse(f"reports:{level}-export", args=[*args, panel.key, "xlsx"])
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "form": form,
            "scope": scope,
            "urls": _urls(level, pk),
            "query": f"?{query}" if query else "",
        },
    )


@login_required
def committee_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, policies.COMMITTEE, pk)


@login_required
def institution_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    return _dashboard(request, policies.INSTITUTION, pk)


@login_required
def authority_dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, policies.AUTHORITY)


def _export(request: HttpRequest, level: str, pk: int | None, table: str, ext: str) -> HttpResponse:
    scope = _scope(request, level, pk)
    if ext not in EXTENSIONS:
        raise Http404
    board, _form = _board(request, scope)
    tables = board.tables if table == "all" else [t for t in board.tables if t.key == table]
    if not tables or (table == "all" and ext == "csv"):
        raise Http404
    stem = f"{level}-{pk or 'region'}-{board.filters.first:%Y%m%d}-{board.filters.last:%Y%m%d}"
    _audit_export(request, scope, action="report.export", table=table, format=ext)
    if ext == "csv":
        return exports.table_csv_response(tables[0], f"{stem}-{table}.csv")
    content = exports.tables_xlsx(tables, board.filters.described(scope))
    return exports.xlsx_response(content, f"{stem}-{table}.xlsx")


@login_required
def committee_export(request: HttpRequest, pk: int, table: str, ext: str) -> HttpResponse:
    return _export(request, policies.COMMITTEE, pk, table, ext)


@login_required
def institution_export(request: HttpRequest, pk: int, table: str, ext: str) -> HttpResponse:
    return _export(request, policies.INSTITUTION, pk, table, ext)


@login_required
def authority_export(request: HttpRequest, table: str, ext: str) -> HttpResponse:
    return _export(request, policies.AUTHORITY, None, table, ext)


def _audit_export(
    request: HttpRequest, scope: policies.Scope, *, action: str, **details: Any
) -> None:
    """Every export and summary is audited (design: downloads audited): the scope it covers, the
    committee as the target when it is one committee's."""
    committee = scope.committees[0] if scope.level == policies.COMMITTEE else None
    kernel.export_record(
        actor=request.user,  # type: ignore[arg-type]
        action=action,
        target=committee,
        query=request.GET,
        scope=scope.level,
        scope_id=scope.pk,
        scope_title=str(scope.title),
        **details,
    )


def _month(raw: str | None) -> tuple[int, int]:
    """`YYYY-MM`; the previous month when absent or malformed."""
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        date(year, month, 1)
        return year, month
    except (ValueError, TypeError):
        today = timezone.localdate()
        return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


@login_required
def committee_monthly(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's one-page summary of a month (PDF, always in Chinese)."""
    scope = policies.committee_scope(request.user, pk)  # type: ignore[arg-type]
    year, month = _month(request.GET.get("month"))
    filters = dashboards.Filters(first=date(year, month, 1), last=month_last_day(year, month))
    board = dashboards.build(scope, filters)
    # In a child process: a web worker never loads WeasyPrint (ethics.pdf.render_in_child).
    try:
        content = pdf.render_in_child(
            "pdf/reports/monthly.html",
            {"board": board, "month": f"{year}年{month}月", "generated": timezone.localtime()},
        )
    except pdf.RenderFailed:
        logger.exception(
            "monthly summary of committee %s for %s-%02d not rendered", pk, year, month
        )
        context = {
            "retry": request.get_full_path(),
            "back": reverse("reports:committee", args=[pk]),
        }
        return render(request, "reports/monthly_failed.html", context, status=503)
    _audit_export(request, scope, action="report.monthly_download", month=f"{year}-{month:02d}")
    response = HttpResponse(content, content_type="application/pdf")
    name = f"monthly-{pk}-{year}{month:02d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
