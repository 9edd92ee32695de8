"""Deadlines page and calendar; filings list, detail, actions and package downloads.

Every view: validate the form -> one service/selector call -> render/redirect. Outsiders get 404.
"""

import calendar as stdlib_calendar
import csv
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committees.selectors import committees_for_user
from ethics.errors import Conflict
from ethics.hooks import deadline_kind_choices
from ethics.models import DeadlineState
from registry import forms, selectors, services, workflow
from registry import render as package_render
from registry.models import PackageState


@login_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.deadlines_for_user(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/deadline_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "committees": committees_for_user(request.user).only("id", "name"),
            "kinds": deadline_kind_choices(),
            "states": [("active", _("Open or overdue")), *DeadlineState.choices],
            "selected": request.GET,
            "now": timezone.now(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def deadline_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the same rows as the page (same filters, same permission scope)."""
    qs = selectors.deadlines_for_user(request.user, request.GET)
    writer = csv.writer(_Echo())
    header = [_("Kind"), _("Title"), _("Committee"), _("Rule"), _("Due"), _("State"), _("Met at")]

    def rows():
        yield "\ufeff" + writer.writerow(header)
        for d in qs.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    d.get_kind_display(),
                    d.title,
                    d.committee_name or "",
                    d.rule,
                    timezone.localtime(d.due_at).isoformat(),
                    d.get_state_display(),
                    timezone.localtime(d.met_at).isoformat() if d.met_at else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deadlines.csv"'
    return response


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
    qs = selectors.filings_for_user(request.user, request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/filing_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.filing_counts(request.user),
            "committees": committees_for_user(request.user).only("id", "name"),
            "kinds": workflow.Kind.choices,
            "statuses": [
                ("open", _("Due or prepared")),
                ("overdue", _("Overdue")),
                *workflow.Status.choices,
            ],
            "selected": request.GET,
            "today": timezone.localdate(),
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
            "actions": workflow.actions_from(filing.status),
            "submit_form": forms.SubmitForm(initial={"submitted_on": timezone.localdate()}),
            "acknowledge_form": forms.AcknowledgeForm(),
            "remarks_form": forms.RemarksForm(initial={"remarks": filing.remarks}),
            "today": timezone.localdate(),
        },
    )


def _back(filing_id: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("registry:filing-detail", args=[filing_id]))


def _refuse(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(getattr(error, "message", error)))


@login_required
@require_POST
def filing_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """prepare / submit / acknowledge / remarks from the detail page."""
    filing = selectors.filing_get_for_user(request.user, pk)
    try:
        if action == "prepare":
            services.filing_prepare(filing_id=filing.pk, actor=request.user)
            messages.success(
                request, _("The package is being rendered; this page shows it when ready.")
            )
        elif action == "submit":
            form = forms.SubmitForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.filing_submit(filing_id=filing.pk, actor=request.user, **form.cleaned_data)
            messages.success(request, _("The submission was recorded."))
        elif action == "acknowledge":
            form = forms.AcknowledgeForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.filing_acknowledge(
                filing_id=filing.pk, actor=request.user, **form.cleaned_data
            )
            messages.success(request, _("The acknowledgement was recorded."))
        elif action == "remarks":
            form = forms.RemarksForm(request.POST)
            form.is_valid()
            services.filing_update_remarks(
                filing_id=filing.pk,
                actor=request.user,
                remarks=form.cleaned_data.get("remarks", ""),
            )
            messages.success(request, _("The remarks were saved."))
        else:
            raise Http404
    except PermissionDenied:
        raise
    except (Conflict, ValidationError) as error:
        _refuse(request, error)
    return _back(filing.pk)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def package_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The latest ready package file, through the same permission filter as the page."""
    package = selectors.package_get_for_user(request.user, pk)
    if package is None or fmt not in CONTENT_TYPES:
        raise Http404
    try:
        package = services.package_open(package_id=package.pk, fmt=fmt, actor=request.user)
    except Conflict as error:
        raise Http404(str(error.message)) from None
    stored = getattr(package, fmt)
    return FileResponse(
        stored.open("rb"),
        as_attachment=fmt != "pdf",
        filename=f"filing-{pk}-v{package.version}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
