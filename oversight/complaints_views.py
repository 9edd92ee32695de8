"""Complaint and investigation pages (R55, R56).

The public report form and the reporter's receipt page need no account and are rate-limited per
client address (`COMPLAINT_RATE`, `COMPLAINT_RECEIPT_RATE`). Every other page is for the officers
handling the case: everyone else, including the persons concerned, gets 404.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from ethics import login
from ethics.actions import form_page, page_view
from ethics.api.throttling import AddressRateThrottle, page_wait
from ethics.files import file_response
from ethics.listing import filtered_page
from oversight import complaints_actions as actions
from oversight import complaints_forms as forms
from oversight import complaints_selectors as selectors
from oversight.complaints_filters import ComplaintFilter, InvestigationFilter
from oversight.models_complaints import ReferralState
from oversight.services import complaints as services

logger = logging.getLogger(__name__)


class ComplaintRateThrottle(AddressRateThrottle):
    """`COMPLAINT_RATE` reports per client address, page and API together."""

    scope = "complaint"
    rate_setting = "COMPLAINT_RATE"


class ReceiptRateThrottle(AddressRateThrottle):
    """`COMPLAINT_RECEIPT_RATE` receipt look-ups per client address, page and API together."""

    scope = "complaint_receipt"
    rate_setting = "COMPLAINT_RECEIPT_RATE"


def _throttled(request: HttpRequest, template: str, throttle: Any) -> HttpResponse | None:
    seconds = page_wait(throttle, request)
    if seconds is None:
        return None
    logger.warning("complaint page throttled for %s", login.client_ip(request))
    response = render(request, template, {"throttled": True, "seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def submit(form: forms.PublicComplaintForm) -> tuple[Any, str]:
    """The service call of a valid public form (page and API)."""
    data = dict(form.cleaned_data)
    data.pop("website", None)
    return services.complaint_submit(**data)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The public form (R55): anyone, no account; the answer shows the receipt code once."""
    template = "oversight/complaints/report.html"
    if request.method != "POST":
        return render(request, template, {"form": forms.PublicComplaintForm()})
    refused = _throttled(request, template, ComplaintRateThrottle)
    if refused is not None:
        return refused
    form = forms.PublicComplaintForm(data=request.POST)
    if form.is_valid():
        try:
            complaint, code = submit(form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "oversight/complaints/report_done.html",
                {
                    "complaint": complaint,
                    "code": code,
                    "receipt_url": request.build_absolute_uri(
                        reverse("oversight:complaint-receipt", args=[code])
                    ),
                },
                status=201,
            )
    return render(request, template, {"form": form}, status=400)


@require_safe
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's page: status and the messages meant for the reporter, nothing else."""
    template = "oversight/complaints/receipt.html"
    refused = _throttled(request, template, ReceiptRateThrottle)
    if refused is not None:
        return refused
    complaint = selectors.complaint_by_receipt(code)
    if complaint is None:
        return render(request, template, {"unknown": True}, status=404)
    return render(request, template, {"complaint": complaint})


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(request, ComplaintFilter, selectors.complaints_for_user(request.user))
    return render(request, "oversight/complaints/complaint_list.html", listing.as_context())


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/complaints/complaint_detail.html",
        {
            "complaint": complaint,
            "forms": actions.COMPLAINTS.forms(request.user, complaint),
            "deadlines": _deadlines(complaint),
        },
    )


def _deadlines(subject: Any) -> list[Any]:
    from ethics.models import Deadline

    return list(Deadline.objects.of(subject).order_by("due_at"))


complaint_action = page_view(
    actions.COMPLAINTS, back=lambda c: reverse("oversight:complaint-detail", args=[c.pk])
)


@login_required
def investigation_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(
        request, InvestigationFilter, selectors.investigations_for_user(request.user)
    )
    return render(request, "oversight/complaints/investigation_list.html", listing.as_context())


@login_required
def investigation_new(request: HttpRequest) -> HttpResponse:
    """Open an investigation on the institution's own initiative (R56)."""
    return form_page(
        request,
        actions.INVESTIGATIONS,
        "open",
        render_page=lambda form: render(
            request, "oversight/complaints/investigation_new.html", {"form": form}
        ),
        success=lambda call, inv: reverse("oversight:investigation-detail", args=[inv.pk]),
    )


@login_required
def investigation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    investigation = selectors.investigation_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/complaints/investigation_detail.html",
        {
            "investigation": investigation,
            "forms": actions.INVESTIGATIONS.forms(request.user, investigation),
            "today": timezone.localdate(),
        },
    )


investigation_action = page_view(
    actions.INVESTIGATIONS,
    back=lambda inv: reverse("oversight:investigation-detail", args=[inv.pk]),
)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get_for_user(request.user, pk)
    if not evidence.file:
        raise Http404
    return file_response(
        evidence.file.open("rb"),
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )


@login_required
def referral_download(request: HttpRequest, pk: int) -> HttpResponse:
    package = selectors.referral_get_for_user(request.user, pk)
    if package.state != ReferralState.READY or not package.pdf:
        raise Http404
    return file_response(
        package.pdf.open("rb"),
        filename=f"referral-{package.investigation.number}-v{package.version}.pdf",
        content_type="application/pdf",
    )


@require_safe
def referral_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public check of a referral package's verification code (like a letter's, R56): the
    package's header only; 404 for an unknown code; `VERIFY_RATE` per address."""
    from reviews.verify import VerifyRateThrottle

    template = "oversight/complaints/referral_verify.html"
    refused = _throttled(request, template, VerifyRateThrottle)
    if refused is not None:
        return refused
    package = selectors.referral_check(code)
    logger.info(
        "referral verification from %s: %s",
        login.client_ip(request),
        "found" if package is not None else "unknown",
    )
    return render(
        request, template, {"package": package}, status=200 if package is not None else 404
    )
