"""Pages of quality control (B1) and the expert pool (R40, B11).

Reads through the selectors (outsiders get 404); every POST goes to a table's page_view.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ethics import idempotency
from ethics.actions import ActionTable, Call, page_view
from ethics.listing import filtered_page
from ethics.models import User
from oversight import quality_actions as actions
from oversight import quality_checklist
from oversight import quality_selectors as selectors
from oversight.quality_filters import AuditFilter, EvaluationFilter, ExpertFilter
from oversight.quality_policies import may_use_pool, may_use_quality


def _create_form(table: ActionTable, name: str, user: User) -> Any:
    entry = table.get(name)
    if not entry.may(user, None):
        return None
    form = entry.make_form(user, None)
    idempotency.add_token(form)
    return form


def _routed(table: ActionTable, view: Any) -> tuple[Any, Any]:
    """The table's POST view on two URLs: the collection's (`.../do/<action>/`, creating
    actions only, 404 for who may not take them) and an object's (its actions only)."""

    @login_required
    def collection(request: HttpRequest, action: str) -> HttpResponse:
        entry = table.get(action)
        if entry.detail or not entry.may(request.user, None):  # type: ignore[arg-type]
            raise Http404
        return view(request, action)  # type: ignore[no-any-return]

    @login_required
    def detail(request: HttpRequest, action: str, pk: int) -> HttpResponse:
        if not table.get(action).detail:
            raise Http404
        return view(request, action, pk=pk)  # type: ignore[no-any-return]

    return collection, detail


def _forms(table: ActionTable, user: User, target: Any) -> dict[str, Any]:
    return {k: v for k, v in table.forms(user, target).items() if table.get(k).detail}


# --- self-evaluations ---------------------------------------------------------------------------


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    if not may_use_quality(request.user):
        raise Http404
    listing = filtered_page(request, EvaluationFilter, selectors.evaluations_for_user(request.user))
    return render(
        request,
        "oversight/quality/evaluation_list.html",
        {
            **listing.as_context(),
            "open_form": _create_form(actions.EVALUATIONS, "open", request.user),
        },
    )


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.evaluation_get_for_user(request.user, pk)
    items = selectors.evaluation_items(evaluation)
    for item in items:
        item.label = quality_checklist.label(item.code)  # type: ignore[attr-defined]
        item.rule = quality_checklist.rule(item.code)  # type: ignore[attr-defined]
    return render(
        request,
        "oversight/quality/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "items": items,
            "corrective_actions": selectors.evaluation_actions(evaluation),
            "forms": _forms(actions.EVALUATIONS, request.user, evaluation),
            "today": timezone.localdate(),
        },
    )


def _evaluation_back(evaluation: Any) -> str:
    if evaluation is None:
        return reverse("oversight:quality-evaluation-list")
    return reverse("oversight:quality-evaluation-detail", args=[evaluation.pk])


def _created(name: str) -> Any:
    def success(call: Call, result: Any) -> str:
        return reverse(name, args=[result.pk]) if call.target is None else ""

    return success


evaluations_action, evaluation_action = _routed(
    actions.EVALUATIONS,
    page_view(
        actions.EVALUATIONS,
        back=_evaluation_back,
        success=_created("oversight:quality-evaluation-detail"),
    ),
)


# --- quality audits -----------------------------------------------------------------------------


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not may_use_quality(request.user):
        raise Http404
    listing = filtered_page(request, AuditFilter, selectors.audits_for_user(request.user))
    return render(
        request,
        "oversight/quality/audit_list.html",
        {
            **listing.as_context(),
            "draw_form": _create_form(actions.AUDITS, "draw", request.user),
        },
    )


@login_required
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quality_audit = selectors.audit_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/quality/audit_detail.html",
        {
            "audit": quality_audit,
            "samples": selectors.audit_samples(quality_audit),
            "forms": _forms(actions.AUDITS, request.user, quality_audit),
        },
    )


def _audit_back(quality_audit: Any) -> str:
    if quality_audit is None:
        return reverse("oversight:quality-audit-list")
    return reverse("oversight:quality-audit-detail", args=[quality_audit.pk])


audits_action, audit_action = _routed(
    actions.AUDITS,
    page_view(actions.AUDITS, back=_audit_back, success=_created("oversight:quality-audit-detail")),
)


# --- the expert pool ----------------------------------------------------------------------------


@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    if not may_use_pool(request.user):
        raise Http404
    listing = filtered_page(request, ExpertFilter, selectors.experts_for_user(request.user))
    return render(
        request,
        "oversight/quality/expert_list.html",
        {
            **listing.as_context(),
            "add_form": _create_form(actions.EXPERTS, "add", request.user),
            "rereviews": list(selectors.rereviews_for_panel(request.user)[:20]),
        },
    )


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expert = selectors.expert_get_for_user(request.user, pk)
    return render(
        request,
        "oversight/quality/expert_detail.html",
        {"expert": expert, "forms": _forms(actions.EXPERTS, request.user, expert)},
    )


def _expert_back(expert: Any) -> str:
    if expert is None:
        return reverse("oversight:pool-expert-list")
    return reverse("oversight:pool-expert-detail", args=[expert.pk])


experts_action, expert_action = _routed(
    actions.EXPERTS,
    page_view(actions.EXPERTS, back=_expert_back, success=_created("oversight:pool-expert-detail")),
)


# --- the panel of one re-review -----------------------------------------------------------------


@login_required
def panel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rereview = selectors.rereview_for_panel(request.user, pk)
    panel = selectors.panel_of(rereview)
    return render(
        request,
        "oversight/quality/panel_detail.html",
        {
            "rereview": rereview,
            "application": rereview.application,
            "panel": panel,
            "seats": list(panel.seats.all()) if panel else [],
            "authorities": selectors.authority_rows(rereview),
            "minimum": rereview.application.rules.rereview_panel_min,
            "forms": _forms(actions.PANELS, request.user, rereview),
        },
    )


_panels_action, panel_action = _routed(
    actions.PANELS,
    page_view(
        actions.PANELS,
        back=lambda rereview: reverse("oversight:rereview-panel", args=[rereview.pk]),
    ),
)
