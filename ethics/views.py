"""Kernel pages: dashboard shell, inbox, language switch."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ethics import hooks, selectors, services
from ethics.forms import LanguageForm
from ethics.middleware import SESSION_KEY


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    panels = [panel(request) for panel in hooks.dashboard_panels()]
    return render(request, "ethics/dashboard.html", {"panels": [p for p in panels if p]})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for_user(request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "ethics/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("notification")
    services.notification_mark_read(
        user=request.user, notification_id=int(raw) if raw and raw.isdigit() else None
    )
    if request.headers.get("HX-Request"):
        count = selectors.unread_count(request.user)
        return render(request, "ethics/_unread_badge.html", {"unread_count": count})
    return HttpResponseRedirect(reverse("ethics:inbox"))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in users keep it as their preference."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    if form.is_valid():
        language = form.cleaned_data["language"]
        request.session[SESSION_KEY] = language
        translation.activate(language)
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return HttpResponseRedirect(target)
