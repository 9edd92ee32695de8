"""The second factor's pages under the account: set up, verify, new recovery codes, remove.

The state changes are ethics.mfa's (audited there); these views bind one code field each.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ethics import mfa
from ethics.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class VerifyForm(CodeForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("ethics:dashboard")


def _attempt(form: forms.Form, call: Any) -> Any:
    """Run `call()`; a refusal becomes an error on the code field."""
    try:
        return call()
    except mfa.Throttled as exc:
        form.add_error("code", ValidationError(exc.message(), code="otp_throttled"))
    except ValidationError as exc:
        form.add_error("code", exc)
    return None


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """The account's second-factor page: set up an authenticator, or manage the one in use."""
    user = _user(request)
    if mfa.enrolled(user):
        if mfa.pending(request):
            return HttpResponseRedirect(reverse("mfa-verify") + "?next=" + reverse("mfa-enrol"))
        return render(
            request,
            "ethics/mfa_manage.html",
            {
                "regenerate_form": CodeForm(prefix="regenerate"),
                "remove_form": CodeForm(prefix="remove"),
                "may_remove": mfa.may_remove(user),
                "recovery_left": mfa.recovery_left(user),
            },
        )
    device = mfa.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = _attempt(
            form, lambda: mfa.confirm_enrolment(request, token=form.cleaned_data["code"])
        )
        if codes is not None:
            return render(
                request, "ethics/mfa_codes.html", {"codes": codes, "next": _next(request)}
            )
    return render(
        request,
        "ethics/mfa_enrol.html",
        {
            "form": form,
            "qr_svg": mfa.qr_svg(device),
            "secret": mfa.secret_text(device),
            "required": mfa.required(user),
            "next": request.POST.get("next") or request.GET.get("next") or "",
        },
    )


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the authenticator's code or a recovery code."""
    user = _user(request)
    if not mfa.enrolled(user):
        return HttpResponseRedirect(reverse("mfa-enrol"))
    if not mfa.pending(request):
        return HttpResponseRedirect(_next(request))
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = _attempt(
            form, lambda: mfa.verify_session(request, token=form.cleaned_data["code"])
        )
        if verified is not None:
            if verified.method == "recovery":
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)s are left. "
                        "Make new ones under Second factor if you are running out."
                    )
                    % {"left": verified.recovery_left},
                )
            return HttpResponseRedirect(_next(request))
        if not form.errors:
            form.add_error("code", _("The code is wrong or has expired."))
    return render(
        request,
        "ethics/mfa_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next") or ""},
    )


@login_required
@require_POST
def regenerate(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; needs a current code."""
    user = _user(request)
    form = CodeForm(request.POST, prefix="regenerate")
    codes = None
    if form.is_valid():
        codes = _attempt(
            form,
            lambda: mfa.regenerate_recovery_codes(user, token=form.cleaned_data["code"]),
        )
    if codes is None:
        return _manage_with_errors(request, regenerate_form=form)
    return render(request, "ethics/mfa_codes.html", {"codes": codes, "next": reverse("mfa-enrol")})


@login_required
@require_POST
def remove(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor; needs a code, refused to officers while required."""
    user = _user(request)
    if not mfa.may_remove(user):
        messages.error(request, _("Officers must keep a second factor."))
        return HttpResponseRedirect(reverse("mfa-enrol"))
    form = CodeForm(request.POST, prefix="remove")
    if form.is_valid():
        try:
            done = _attempt(form, lambda: mfa.remove(request, token=form.cleaned_data["code"]))
        except PermissionDenied:
            done = None
        if done is not None:
            messages.success(request, _("Your second factor was removed."))
            return HttpResponseRedirect(reverse("mfa-enrol"))
    return _manage_with_errors(request, remove_form=form)


def _manage_with_errors(request: HttpRequest, **forms_: forms.Form) -> HttpResponse:
    user = _user(request)
    if not mfa.enrolled(user):
        return HttpResponseRedirect(reverse("mfa-enrol"))
    context: dict[str, Any] = {
        "regenerate_form": CodeForm(prefix="regenerate"),
        "remove_form": CodeForm(prefix="remove"),
        "may_remove": mfa.may_remove(user),
        "recovery_left": mfa.recovery_left(user),
    }
    context.update(forms_)
    return render(request, "ethics/mfa_manage.html", context, status=400)
