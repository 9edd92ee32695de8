"""Deadlines page and calendar; filings list, detail, actions and package downloads.

Every view: validate the form -> one service/selector call -> render/redirect. Outsiders get 404.
"""

import calendar as stdlib_calendar
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ethics import policies
from ethics import services as kernel
from ethics.actions import page_view
from ethics.errors import Conflict
from ethics.files import file_response, preview_context
from ethics.filters import DeadlineFilterSet
from ethics.listing import filtered_page
from ethics.selectors import calendar_years
from registry import actions, forms, rows, selectors, services
from registry import render as package_render
from registry.filters import FilingFilter
from registry.models import PackageState
from reports import exports


@login_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    # The rows show no subject (the API does): no join of its type, and each row is read as
    # values (rows.DEADLINE_VALUES), no deadline instance (issue 18).
    listing = filtered_page(
        request,
        DeadlineFilterSet,
        selectors.deadlines_for_user(request.user).select_related(None),
        per_page=selectors.DEADLINES_PER_PAGE,
        values=rows.DEADLINE_VALUES,
        landing=lambda: selectors.first_deadline_rows(request.user),
    )
    now = timezone.now()
    deadlines = rows.deadline_rows_of_values(listing.page)
    return render(
        request,
        "registry/deadline_list.html",
        {
            **listing.as_context(),
            "deadline_rows": rows.deadline_rows_html(deadlines, now, calendar_years()),
        },
    )


@login_required
def deadline_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the same rows as the page (same filters, same permission scope), written by the
    project's one export writer (reports.exports)."""
    filterset = DeadlineFilterSet(
        request.GET or None, queryset=selectors.deadlines_for_user(request.user), request=request
    )
    qs = (
        filterset.qs
        if not filterset.is_bound or filterset.is_valid()
        else filterset.queryset.none()
    )
    header = [_("Kind"), _("Title"), _("Committee"), _("Rule"), _("Due"), _("State"), _("Met at")]
    kernel.export_record(
        actor=request.user,  # type: ignore[arg-type]
        action="deadline.export",
        query=request.GET,
        format="csv",
    )
    rows = (
        [
            d.get_kind_display(),
            d.title,
            d.committee_name or "",
            d.rule,
            timezone.localtime(d.due_at).isoformat(),
            d.get_state_display(),
            timezone.localtime(d.met_at).isoformat() if d.met_at else "",
        ]
        for d in qs.iterator(chunk_size=1000)
    )
    return exports.csv_response(header, rows, "deadlines.csv")


# --- deadlines calendar -------------------------------------------------------------------------


def _month(raw: str | None) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        date(year, month, 1)
    except (ValueError, TypeError):
        return today.year, today.month
    return year, month


@login_required
def deadline_calendar(request: HttpRequest) -> HttpResponse:
    """A month of active deadlines, by their last day."""
    year, month = _month(request.GET.get("month"))
    days = selectors.deadlines_in_month(request.user, year, month)
    weeks = [
        [{"day": d, "deadlines": days.get(d, []), "in_month": d.month == month} for d in week]
        for week in stdlib_calendar.Calendar().monthdatescalendar(year, month)
    ]
    previous = date(year - (month == 1), (month - 2) % 12 + 1, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return render(
        request,
        "registry/deadline_calendar.html",
        {
            "weeks": weeks,
            "month": date(year, month, 1),
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "today": timezone.localdate(),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


# --- filings -----------------------------------------------------------------------------------


@login_required
def filing_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    listing = filtered_page(
        request,
        FilingFilter,
        selectors.filing_rows_for_user(user),
        per_page=selectors.FILINGS_PER_PAGE,
        landing=lambda: selectors.first_filing_rows(user),
    )
    return render(
        request,
        "registry/filing_list.html",
        {
            **listing.as_context(),
            "filing_rows": rows.filing_rows_html(listing.page),
            "counts": selectors.filing_counts(request.user),
        },
    )


@login_required
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_user(request.user, pk)
    package = selectors.latest_package(filing)
    preview = (
        package_render.with_cells(package.data)
        if package and package.state == PackageState.READY
        else None
    )
    return render(
        request,
        "registry/filing_detail.html",
        {
            "filing": filing,
            "package": package,
            "preview": preview,
            "actions": [a.name for a in actions.FILINGS.available(request.user, filing)],
            "submit_form": forms.SubmitForm(initial={"submitted_on": timezone.localdate()}),
            "acknowledge_form": forms.AcknowledgeForm(),
            "remarks_form": forms.RemarksForm(initial={"remarks": filing.remarks}),
            "today": timezone.localdate(),
            "calendar_years": calendar_years(),
        },
    )


# prepare / submit / acknowledge / remarks: one POST view through the registry's action table.
filing_action = page_view(
    actions.FILINGS, back=lambda filing: reverse("registry:filing-detail", args=[filing.pk])
)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "xlsx": exports.XLSX_CONTENT_TYPE,
}


@login_required
def package_download(request: HttpRequest, pk: int, fmt: str, inline: bool = False) -> HttpResponse:
    """The latest ready package file, through the same permission filter as the page; as a
    download, or the PDF (`inline`) in the preview's frame."""
    package = selectors.package_get_for_user(request.user, pk)
    if package is None or fmt not in CONTENT_TYPES or (inline and fmt != "pdf"):
        raise Http404
    try:
        package = services.package_open(
            package_id=package.pk, fmt=fmt, actor=request.user, inline=inline
        )
    except Conflict as error:
        raise Http404(str(error.message)) from None
    stored = getattr(package, fmt)
    return file_response(
        stored.open("rb"),
        inline=inline,
        filename=f"filing-{pk}-v{package.version}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


@login_required
def package_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The package's PDF in the site's preview page (404 unless it is ready and visible)."""
    package = selectors.package_get_for_user(request.user, pk)
    if package is None or package.state != PackageState.READY or not package.pdf:
        raise Http404
    if not policies.may(request.user, "download", package.filing):
        raise Http404
    return render(
        request,
        "ethics/preview.html",
        preview_context(
            title=_("Filing package v%(version)s") % {"version": package.version},
            inline_url=reverse("registry:filing-package-inline", args=[pk]),
            download_url=reverse("registry:filing-package", args=[pk, "pdf"]),
            back_url=reverse("registry:filing-detail", args=[pk]),
        ),
    )
