"""Oversight on the home dashboard (issues 16, 18): the early-warning panel (open incidents and
overdue risk reviews, B4) and the quality-control panel (B1) load in a request of their own once
the dashboard is shown, so the dashboard stays within its 15 queries whatever oversight adds.
Without JavaScript the panel is a link to the same fragment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe


@dataclass
class LazyPanel:
    title: Any
    template: str = "oversight/_lazy_panels.html"


def _panels(request: Any) -> list[Any]:
    from oversight.incidents_hooks import warning_panel
    from oversight.quality_hooks import quality_panel

    return [panel for panel in (warning_panel(request), quality_panel(request)) if panel]


def _visible(request: Any) -> bool:
    from oversight.incidents_policies import may_see_office_panels
    from oversight.quality_policies import may_use_quality

    user = request.user
    return bool(may_see_office_panels(user) or may_use_quality(user))


def lazy_panel(request: Any) -> LazyPanel | None:
    """The dashboard's placeholder: no query beyond the reader's roles (memoised)."""
    if not _visible(request):
        return None
    return LazyPanel(title=_("Early warning and quality control"))


@login_required
@require_safe
def dashboard_panels(request: HttpRequest) -> HttpResponse:
    """The fragment: both panels for officers and admins; 404 for everyone else."""
    if not _visible(request):
        raise Http404
    return render(request, "oversight/_dashboard_panels.html", {"panels": _panels(request)})
