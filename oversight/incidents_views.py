"""Pages of incidents, the risk register and funded programmes (issue 16).

Every view: one selector or one action-table call, then render or redirect. Outsiders get 404.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ethics import policies
from ethics import services as kernel
from ethics.actions import form_page, page_view
from ethics.errors import Conflict
from ethics.files import file_response
from ethics.listing import filtered_page
from oversight import incidents_actions as actions
from oversight import incidents_policies as office
from oversight import incidents_selectors as selectors
from oversight.incidents_filters import FundingFilter, IncidentFilter, RiskFilter
from oversight.services import incidents as services


def _form(request: HttpRequest, title: str) -> Callable[[Form | None], HttpResponse]:
    def render_page(form: Form | None) -> HttpResponse:
        return render(request, "oversight/incidents/form.html", {"form": form, "title": title})

    return render_page


def _action_forms(table: Any, user: Any, target: Any) -> list[dict[str, Any]]:
    """The buttons of the actions this person may take on `target` now, each with its form."""
    forms = table.forms(user, target)
    return [
        {"name": name, "label": table.get(name).label or name, "form": form}
        for name, form in forms.items()
    ]


# --- incidents -------------------------------------------------------------------------------------


@login_required
@require_safe
def incident_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(request, IncidentFilter, selectors.incidents_for_user(request.user))
    return render(request, "oversight/incidents/incident_list.html", listing.as_context())


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        actions.INCIDENTS,
        "create",
        render_page=_form(request, _("Report an ethics incident")),
        success=lambda call, incident: reverse("oversight:incident-detail", args=[incident.pk]),
    )


@login_required
@require_safe
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/incidents/incident_detail.html",
        {
            "incident": incident,
            "followups": selectors.incident_followups(incident),
            "action_forms": _action_forms(actions.INCIDENTS, request.user, incident),
        },
    )


incident_action = page_view(
    actions.INCIDENTS,
    back=lambda incident: reverse("oversight:incident-detail", args=[incident.pk]),
)


# --- the risk register ----------------------------------------------------------------------------


@login_required
@require_safe
def risk_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(request, RiskFilter, selectors.risks_for_user(request.user))
    return render(
        request,
        "oversight/incidents/risk_list.html",
        {**listing.as_context(), "today": timezone.localdate()},
    )


@login_required
def risk_new(request: HttpRequest) -> HttpResponse:
    if not office.may_see_office_panels(request.user):
        raise Http404
    return form_page(
        request,
        actions.RISKS,
        "create",
        render_page=_form(request, _("Enter a risk in the register")),
        success=lambda call, entry: reverse("oversight:risk-detail", args=[entry.pk]),
    )


@login_required
@require_safe
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.risk_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/incidents/risk_detail.html",
        {
            "entry": entry,
            "reviews": selectors.risk_reviews(entry),
            "action_forms": _action_forms(actions.RISKS, request.user, entry),
            "today": timezone.localdate(),
        },
    )


risk_action = page_view(
    actions.RISKS, back=lambda entry: reverse("oversight:risk-detail", args=[entry.pk])
)


# --- funded programmes (R59) ----------------------------------------------------------------------


def _within(request: HttpRequest) -> int:
    """`?within=N` days for "lapses soon" (a whole number, 0 to 3650); anything else: 404."""
    raw = request.GET.get("within", "")
    if raw == "":
        return selectors.LAPSE_WITHIN_DAYS
    if not (raw.isascii() and raw.isdigit()) or int(raw) > selectors.MAX_LAPSE_WITHIN_DAYS:
        raise Http404
    return int(raw)


@login_required
@require_safe
def funding_list(request: HttpRequest) -> HttpResponse:
    within = _within(request)
    listing = filtered_page(request, FundingFilter, selectors.fundings_for_user(request.user))
    rows = selectors.funding_rows(list(listing.page.object_list), within_days=within)
    return render(
        request,
        "oversight/incidents/funding_list.html",
        {**listing.as_context(), "rows": rows, "within": within},
    )


@login_required
def funding_new(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        actions.FUNDINGS,
        "create",
        render_page=_form(request, _("Record funding")),
        success=lambda call, funding: reverse("oversight:funding-detail", args=[funding.pk]),
    )


@login_required
@require_safe
def funding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    funding = selectors.funding_get_for_user(request.user, pk)
    row = selectors.funding_rows([funding], within_days=selectors.LAPSE_WITHIN_DAYS)[0]
    forms = _action_forms(actions.FUNDINGS, request.user, funding)
    for entry in forms:
        if entry["name"] == "update":
            entry["form"].initial.update(
                funder=funding.funder,
                programme=funding.programme,
                grant_number=funding.grant_number,
            )
    return render(
        request,
        "oversight/incidents/funding_detail.html",
        {
            "funding": funding,
            "row": row,
            "statements": selectors.funding_statements(funding),
            "action_forms": forms,
        },
    )


funding_action = page_view(
    actions.FUNDINGS,
    back=lambda funding: reverse("oversight:funding-detail", args=[funding.pk]),
    success=lambda call, result: (
        reverse("oversight:funding-list")
        if call.target.removed_at is not None or getattr(result, "removed_at", None)
        else reverse("oversight:funding-detail", args=[call.target.pk])
    ),
)


EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export_table(rows: list[selectors.FundingRow]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Funder"),
        _("Programme"),
        _("Grant number"),
        _("Project"),
        _("Activity lead"),
        _("Committee"),
        _("Decision number"),
        _("Valid until (next tracking review)"),
        _("Approval"),
    ]
    body = [
        [
            row.funding.funder,
            row.funding.programme,
            row.funding.grant_number,
            row.funding.project.title,
            row.funding.project.lead.display_name,
            row.funding.project.committee.name,
            row.decision.number if row.decision else "",
            row.valid_until.isoformat() if row.valid_until else "",
            str(row.standing_label),
        ]
        for row in rows
    ]
    return header, body


@login_required
@require_safe
def funding_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """R59: the funded projects the reader sees (same filters), whether each holds a valid
    approval and which lapse within `?within=` days, as CSV or .xlsx."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    within = _within(request)
    filterset = FundingFilter(
        request.GET or None, queryset=selectors.fundings_for_user(request.user), request=request
    )
    qs = (
        filterset.qs
        if not filterset.is_bound or filterset.is_valid()
        else filterset.queryset.none()
    )
    header, body = _export_table(selectors.funding_rows(list(qs), within_days=within))
    kernel.export_record(
        actor=request.user,  # type: ignore[arg-type]
        action="funding.export",
        query=request.GET,
        format=fmt,
        rows=len(body),
    )
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(body)
        data = ("\ufeff" + text.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook  # where it is used (reports.exports: a web worker's memory)
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = "资助项目伦理审查"
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in body:
            sheet.append(line)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    response = HttpResponse(data, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="funded-projects.{fmt}"'
    return response


@login_required
@require_safe
def statement_download(request: HttpRequest, pk: int) -> HttpResponse:
    statement = selectors.statement_get_for_user(request.user, pk)
    if not policies.may(request.user, "download", statement):
        raise Http404
    try:
        statement = services.statement_open(statement_id=statement.pk, actor=request.user)
    except Conflict as error:
        raise Http404(str(error.message)) from None
    return file_response(
        statement.pdf.open("rb"),
        filename=f"ethics-approval-statement-{statement.pk}.pdf",
        content_type="application/pdf",
    )
