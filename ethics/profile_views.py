"""The profile page (notification channels, the private calendar address) and the calendar feed
itself (README "Notifications and calendars")."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ethics import calendar, channels
from ethics.actions import InputInvalid, refused
from ethics.channel_models import CalendarFeed
from ethics.forms import ChannelsForm
from ethics.models import User
from ethics.user_actions import ACCOUNT


def _profile(
    request: HttpRequest, *, form: ChannelsForm | None = None, **extra: Any
) -> HttpResponse:
    user = cast(User, request.user)
    prefs = channels.preferences(user)
    form = form or ChannelsForm(initial={"email": prefs.email, "digest": prefs.digest})
    context = {
        "form": form,
        "has_email": bool(user.email),
        "feed": CalendarFeed.objects.filter(user=user).first(),
        **extra,
    }
    return render(request, "ethics/profile.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _profile(request)
    form = ChannelsForm(data=request.POST)
    user = cast(User, request.user)
    try:
        ACCOUNT.perform("channels", actor=user, target=user, form=form)
    except InputInvalid:
        response = _profile(request, form=form)
        response.status_code = 400  # the form's errors by their fields, as every refused form
        return response
    except PermissionDenied as exc:  # pragma: no cover - the actor is always the target
        return refused(request, ACCOUNT.get("channels"), exc, form=form, back="/")
    messages.success(request, str(ACCOUNT.get("channels").done))
    return HttpResponseRedirect(reverse("ethics:profile"))


@login_required
@require_POST
def calendar_issue(request: HttpRequest) -> HttpResponse:
    """A new secret address, shown on this answer only (it is stored as a hash)."""
    user = cast(User, request.user)
    _call, url = ACCOUNT.perform("calendar_issue", actor=user, target=user)
    messages.success(request, str(ACCOUNT.get("calendar_issue").done))
    return _profile(request, feed_url=url)


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    ACCOUNT.perform("calendar_revoke", actor=user, target=user)
    messages.success(request, str(ACCOUNT.get("calendar_revoke").done))
    return HttpResponseRedirect(reverse("ethics:profile"))


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's meetings and deadlines; a wrong or revoked token is a plain 404."""
    user = channels.feed_user(token)
    if user is None:
        raise Http404
    response = HttpResponse(calendar.feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
