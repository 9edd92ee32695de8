"""Kernel pages: dashboard shell, inbox, language switch."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ethics import hooks, selectors
from ethics.actions import InputInvalid, bind_input, refused
from ethics.forms import LanguageForm
from ethics.list_filters import AuditEventFilter, NotificationFilter, label_events
from ethics.listing import filtered_page
from ethics.middleware import SESSION_KEY
from ethics.user_actions import ACCOUNT


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    panels = [panel(request) for panel in hooks.dashboard_panels()]
    return render(request, "ethics/dashboard.html", {"panels": [p for p in panels if p]})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    listing = filtered_page(
        request, NotificationFilter, selectors.notifications_for_user(request.user)
    )
    return render(request, "ethics/inbox.html", listing.as_context())


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log (staff: every event; institution admins: their people's); 404 for others."""
    if not selectors.may_read_audit(request.user):
        raise Http404
    listing = filtered_page(
        request, AuditEventFilter, selectors.audit_events_for_user(request.user)
    )
    label_events(listing.page)
    return render(request, "ethics/audit_log.html", listing.as_context())


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (or all) as read; the input goes through the account table."""
    back = reverse("ethics:inbox")
    try:
        ACCOUNT.perform("mark_read", actor=request.user, target=request.user, data=request.POST)
    except (InputInvalid, PermissionDenied) as exc:
        return refused(request, ACCOUNT.get("mark_read"), exc, form=None, back=back)
    if request.headers.get("HX-Request"):
        count = selectors.unread_count(request.user)
        return render(request, "ethics/_unread_badge.html", {"unread_count": count})
    return HttpResponseRedirect(back)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; signed-in users keep it as their preference."""
    try:
        form = bind_input(LanguageForm, request.POST)
    except InputInvalid as exc:
        return refused(request, ACCOUNT.get("language"), exc, form=None, back="/")
    language = form.cleaned_data["language"]
    target = form.cleaned_data["next"] or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    request.session[SESSION_KEY] = language
    translation.activate(language)
    if request.user.is_authenticated:
        ACCOUNT.perform("language", actor=request.user, target=request.user, form=form)
    return HttpResponseRedirect(target)
