"""Sanctions (R57) and researchers' training (R10a): lists, detail, forms. Reads through the
selectors (outsiders get 404); every POST goes to an action table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ethics.actions import form_page, page_view
from ethics.listing import filtered_page
from oversight import sanctions_actions as actions
from oversight import sanctions_selectors as selectors
from oversight.sanctions_filters import ResearcherTrainingFilter, SanctionFilter
from oversight.sanctions_policies import (
    may_record_sanctions,
    may_record_training,
)


def _page(request: HttpRequest, title: str, back: str) -> Callable[[Form | None], HttpResponse]:
    def render_page(form: Form | None) -> HttpResponse:
        return render(
            request, "oversight/sanctions/form.html", {"form": form, "title": title, "back": back}
        )

    return render_page


@login_required
def sanction_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(request, SanctionFilter, selectors.sanctions_for_user(request.user))
    return render(
        request,
        "oversight/sanctions/sanction_list.html",
        {
            **listing.as_context(),
            "today": timezone.localdate(),
            "may_record": may_record_sanctions(request.user),
        },
    )


@login_required
def sanction_create(request: HttpRequest) -> HttpResponse:
    back = reverse("oversight:sanction-list")
    return form_page(
        request,
        actions.SANCTIONS,
        "create",
        render_page=_page(request, _("Record a sanction"), back),
        success=lambda call, sanction: reverse("oversight:sanction-detail", args=[sanction.pk]),
    )


@login_required
def sanction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sanction = selectors.sanction_get_for_user(request.user, pk)
    forms: dict[str, Any] = actions.SANCTIONS.forms(request.user, sanction)
    return render(
        request,
        "oversight/sanctions/sanction_detail.html",
        {
            "sanction": sanction,
            "forms": forms,
            "today": timezone.localdate(),
            # R56: the link only for those who may see the investigation (others: nothing).
            "investigation": selectors.sanction_investigation_for_user(request.user, sanction),
        },
    )


sanction_action = page_view(
    actions.SANCTIONS, back=lambda s: reverse("oversight:sanction-detail", args=[s.pk])
)


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(
        request, ResearcherTrainingFilter, selectors.trainings_for_user(request.user)
    )
    return render(
        request,
        "oversight/sanctions/training_list.html",
        {
            **listing.as_context(),
            "today": timezone.localdate(),
            "may_record": may_record_training(request.user),
        },
    )


@login_required
def training_create(request: HttpRequest) -> HttpResponse:
    back = reverse("oversight:training-list")
    return form_page(
        request,
        actions.TRAININGS,
        "create",
        render_page=_page(request, _("Record a training"), back),
        success=lambda call, training: back,
    )
